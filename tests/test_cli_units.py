"""The CLI's pure parts (counting, progress, decoding, naming shards) and its instant --help."""
from __future__ import annotations

import collections
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from wikipairs.cli import tally
from wikipairs.cli.decode import without_framing
from pipeline.progress import LineProgress, progress_line
from wikipairs.cli.shards import ShardSet, shard_of

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HELP_PROBE = """
import sys
from wikipairs.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("TENSORFLOW IMPORTED" if "tensorflow" in sys.modules else "no tensorflow")
"""


@pytest.mark.parametrize("args", [["--help"], ["stats", "--help"], ["show", "--help"],
                                  ["validate", "--help"], ["export", "--help"],
                                  ["search", "--help"]])
def test_help_does_not_import_tensorflow(args):
    result = subprocess.run([sys.executable, "-c", HELP_PROBE, *args], cwd=REPO, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage: wikipairs" in result.stdout
    assert result.stdout.strip().endswith("no tensorflow")


def test_python_dash_m_cli_runs_the_same_command_line():
    result = subprocess.run([sys.executable, "-m", "wikipairs.cli", "--help"], cwd=REPO, text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 0
    for command in ("stats", "show", "validate", "export"):
        assert f"    {command} " in result.stdout


def test_distribution_uses_nearest_rank_quantiles():
    rng = np.random.default_rng(0)
    for size in (1, 2, 7, 100, 1001):
        values = rng.integers(0, 300, size)
        got = tally.distribution(np.bincount(values))
        assert got["records"] == size
        assert (got["min"], got["max"]) == (values.min(), values.max())
        for name, q in (("median", 50), ("p95", 95)):
            assert got[name] == int(np.percentile(values, q, method="inverted_cdf"))
        assert got["mean"] == pytest.approx(values.mean())
    assert tally.distribution(np.zeros(5, np.int64)) == {"records": 0}


def test_histogram_bins_cover_min_to_max():
    counts = np.bincount([3, 3, 4, 10, 50])
    bins = tally.histogram(counts, bins=4)
    assert bins[0][0] == 3 and bins[-1][1] == 50 and sum(n for *_, n in bins) == 5


def test_grouped_bincount_widens_for_longer_values():
    counts = tally.GroupedBincount(2)
    counts.add(np.array([0, 1, 1]), np.array([2, 3, 3]))
    counts.add(np.array([0]), np.array([9]))
    assert counts.counts.shape == (2, 10)
    assert counts.counts[0, 2] == counts.counts[0, 9] == 1 and counts.counts[1, 3] == 2


def test_value_counts_equal_a_counter_across_merges():
    rng = np.random.default_rng(1)
    counter = collections.Counter()
    values = tally.ValueCounts(merge_every=50)
    for _ in range(40):
        batch = rng.integers(-5, 60, 17)
        counter.update(batch.tolist())
        values.add(batch)
    assert values.distinct() == len(counter)
    assert dict(zip(values.values.tolist(), values.counts.tolist())) == counter
    assert values.repeats() == (sum(n - 1 for n in counter.values()), sum(
        1 for n in counter.values() if n > 1))
    expected = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:5]
    assert values.top(5) == expected


def test_title_book_keeps_the_titles_of_the_final_leaders():
    """Article 1 is frequent early and never seen again; a flood of one-off articles forces
    prunings; its title must survive."""
    counts, book = tally.ValueCounts(merge_every=10), tally.TitleBook(limit=20, keep=3)
    ids = np.array([1] * 5 + [2] * 3)
    counts.add(ids)
    book.add(np.array([1, 2]), np.array([b"one", b"two"], dtype=object), counts)
    for start in range(100, 400, 10):
        batch = np.arange(start, start + 10)
        counts.add(batch)
        book.add(batch, np.array([b"x"] * 10, dtype=object), counts)
    assert len(book) <= 30
    assert [book.title(a) for a, _ in counts.top(2)] == ["one", "two"]


def test_progress_line_says_rate_and_eta():
    assert progress_line("stats", 500, 1000, 10.0) == (
        "stats: 500/1,000 records (50%), 50 records/s, ETA 0:10, 0:10 elapsed")
    assert progress_line("stats", 500, None, 10.0) == (
        "stats: 500 records, 50 records/s, 0:10 elapsed")


def test_line_progress_prints_every_few_seconds():
    now = [0.0]
    stream = io.StringIO()
    progress = LineProgress("validate", 100, stream, every_s=5, clock=lambda: now[0])
    progress.update(10)
    now[0] = 6.0
    progress.update(20)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("validate: 30/100 records (30%)")


def test_without_framing_drops_only_the_outer_tokens():
    assert without_framing([101, 5, 102, 6, 102], 101, 102) == [5, 102, 6]
    assert without_framing([5, 6], 101, 102) == [5, 6]
    assert without_framing([101], 101, 102) == []


def test_shard_names_give_split_and_task():
    shard = shard_of("gs://b/run/pairs/valid/wlp-00001-of-00002.tfrecord.gz", "gs://b/run/pairs")
    assert (shard.name, shard.split, shard.task) == (
        "valid/wlp-00001-of-00002.tfrecord.gz", "valid", "wlp")
    loose = shard_of("/data/x.tfrecord.gz", None)
    assert (loose.name, loose.split, loose.task) == ("/data/x.tfrecord.gz", None, None)


def test_expected_counts_cover_only_groups_whose_shards_are_all_selected():
    from schemas.pairs import PairsMetadata

    metadata = PairsMetadata(
        schema_version=1, wikipairs_version="0", vocab_file="vocab.txt", vocab_sha256="",
        vocab_size=10, lower_case=True, vocab_learned=False, max_query_len=64, max_doc_len=288,
        keep_text=False, seed=0, split_fractions=[1.0], pair_config={},
        counts={"train": {"ict": 5, "bfs": 3}}, truncated={},
        shards={"train": {"ict": ["train/ict-00000-of-00002.tfrecord.gz",
                                  "train/ict-00001-of-00002.tfrecord.gz"],
                          "bfs": ["train/bfs-00000-of-00001.tfrecord.gz"]}},
        inputs=[])
    selected = (shard_of("/p/train/ict-00000-of-00002.tfrecord.gz", "/p"),
                shard_of("/p/train/bfs-00000-of-00001.tfrecord.gz", "/p"))
    shard_set = ShardSet("/p/train/*-00000-*", selected, "/p", metadata)
    assert shard_set.expected_counts() == {("train", "bfs"): 3}
    assert not shard_set.is_whole


def _record(**changes) -> dict:
    values = {"schema_version": 1, "task": "ict", "pair_id": "ict-1-1-0",
              "query_ids": [101, 7, 8, 102], "doc_ids": [101, 9, 102, 10, 11, 102],
              "query_article_id": 1, "doc_article_id": 1, "query_title": "A", "doc_title": "A"}
    return {**values, **changes}


def test_record_checks_name_each_broken_record():
    import tensorflow as tf

    from wikipairs.cli.record_checks import Expectations, batch_problems
    from schemas.pairs import serialize_example

    wrong_type = tf.train.Example.FromString(serialize_example(_record()))
    wrong_type.features.feature["query_ids"].Clear()
    wrong_type.features.feature["query_ids"].float_list.value.append(1.0)
    unknown = tf.train.Example.FromString(serialize_example(_record()))
    unknown.features.feature["extra"].int64_list.value.append(1)
    batch = [serialize_example(_record()),
             serialize_example(_record(task="bfs")),
             serialize_example(_record(task="xyz")),
             serialize_example(_record(query_ids=[101] + [7] * 70 + [102])),
             serialize_example(_record(doc_ids=[101, 9, 10, 102])),
             serialize_example(_record(query_ids=[7, 8, 102])),
             serialize_example(_record(schema_version=2)),
             serialize_example({k: v for k, v in _record().items() if k != "pair_id"}),
             wrong_type.SerializeToString(), unknown.SerializeToString(), b"\xff\xff",
             serialize_example(_record(doc_ids=[101, 9, 102, 40000, 102]))]
    expectations = Expectations(vocab_size=30522, cls_id=101, sep_id=102,
                                max_lengths={"query": 64, "doc": 288}, keep_text=False)
    found = batch_problems(tf.constant(batch), expectations, "ict")
    assert found == [
        (1, "task", "task 'bfs' in a shard of task 'ict'"),
        (2, "task", "task 'xyz' is not one of ict, bfs, wlp, reqa"),
        (3, "length", "query_ids has 72 ids, the max length is 64"),
        (4, "framing", "doc_ids has no [SEP] between title and passage"),
        (5, "framing", "query_ids does not start with [CLS] (id 101) but with 7"),
        (6, "schema_version", "schema_version is 2, expected 1"),
        (7, "feature", "feature pair_id is missing"),
        (8, "feature", "query_ids is a float_list, schemas/pairs.py says int64_list"),
        (9, "feature", "unknown feature 'extra'"),
        (10, "feature", "not a tf.train.Example: CountFields: Failed to consume entire buffer"),
        (11, "ids", "doc_ids has id 40000, outside the vocab (ids 0..30521)")]


def test_data_fetchers_explain_without_downloading_and_take_a_data_dir(tmp_path):
    """--help downloads nothing; --data_dir uses (and checks) the files cached there."""
    import shutil
    import subprocess
    import sys

    from pipeline.sample_data import (BERT_UNCASED_VOCAB, ENWIKI_SAMPLE, bert_uncased_vocab_path,
                                      sample_path)

    for module in ("pipeline.sample_data", "trainer.checkpoints"):
        shown = subprocess.run([sys.executable, "-m", module, "--help",
                                f"--data_dir={tmp_path / 'x'}"], cwd=REPO, capture_output=True,
                               text=True, timeout=60)
        assert shown.returncode == 0 and shown.stdout.startswith(f"usage: python -m {module}")
        assert "downloading" not in shown.stderr and not (tmp_path / "x").exists()
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(sample_path(), cache / ENWIKI_SAMPLE.filename)
    shutil.copy(bert_uncased_vocab_path(), cache / BERT_UNCASED_VOCAB.filename)
    fetched = subprocess.run([sys.executable, "-m", "pipeline.sample_data",
                              f"--data_dir={cache}"], cwd=REPO, capture_output=True, text=True,
                             timeout=60)
    assert fetched.returncode == 0 and "downloading" not in fetched.stderr
    assert fetched.stdout.split() == [str(cache / ENWIKI_SAMPLE.filename),
                                      str(cache / BERT_UNCASED_VOCAB.filename)]


def test_one_command_lists_and_runs_every_job(tmp_path):
    """`wikipairs --help` names every job (without importing anything heavy), `--version` says
    the package's, and `wikipairs JOB ARGS` is `python -m MODULE ARGS`: same output, same code."""
    import json
    import re
    import subprocess
    import sys

    from wikipairs.cli.main import JOBS

    shown = subprocess.run([sys.executable, "-c", (
        "import sys; from wikipairs.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted({'tensorflow', 'apache_beam', 'pyarrow'} & set(sys.modules)))")],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and shown.stdout.strip().endswith("[]")
    listed = " ".join(shown.stdout.split())
    for name, (module, _) in JOBS.items():
        assert re.search(rf"^\s+{re.escape(name)}\s", shown.stdout, re.M), name
        assert f"(python -m {module})" in listed, module
    version = subprocess.run([sys.executable, "-m", "wikipairs.cli", "--version"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.strip().startswith("wikipairs 0.")
    handmade = os.path.join(REPO, "tests", "data", "reqa_handmade.json")
    flags = ["--squad", handmade, "--bm25_only", "--json"]
    via_cli = subprocess.run([sys.executable, "-m", "wikipairs.cli", "reqa", *flags], cwd=REPO,
                             capture_output=True, text=True, timeout=120)
    via_module = subprocess.run([sys.executable, "-m", "wikipairs.reqa.evaluate", *flags],
                                cwd=REPO, capture_output=True, text=True, timeout=120)
    assert via_cli.returncode == via_module.returncode == 0, via_cli.stderr
    strip = (lambda report: {k: v for k, v in report.items() if k != "systems"})
    assert strip(json.loads(via_cli.stdout)) == strip(json.loads(via_module.stdout))
    assert json.loads(via_cli.stdout)["systems"]["BM25"]["mrr"] == json.loads(
        via_module.stdout)["systems"]["BM25"]["mrr"]
    refused = subprocess.run([sys.executable, "-m", "wikipairs.cli", "build", "--input=x.xml",
                              f"--output_dir={tmp_path}/o", "--bogus"], cwd=REPO,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "--bogus" in refused.stderr


def test_every_command_shows_underscores_and_accepts_dashes():
    """One flag style: help shows `--output_dir`-style flags everywhere (the shard commands'
    `--batch-size` became `--batch_size`); the dashed spelling of any flag still parses."""
    import argparse
    import importlib

    from pipeline.flags import one_flag_style, spellings
    from wikipairs.cli.main import build_parser

    assert spellings("--batch-size") == ["--batch_size", "--batch-size"]
    assert spellings("--no-lower_case") == ["--no-lower_case", "--no-lower-case"]
    assert spellings("--json") == ["--json"]

    def shown_flags(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from shown_flags(sub)
            elif not isinstance(action, argparse.BooleanOptionalAction):
                yield from (f for f in action.option_strings if f.startswith("--"))

    dashed = [f for f in shown_flags(one_flag_style(build_parser())) if "-" in f[2:]]
    assert dashed == []
    run = importlib.import_module("pipeline.run")
    args, beam_args = run.parse_args(["--input=a.xml", "--output-dir=o", "--ict-per-article=3",
                                      "--no-lower-case"])
    assert (args.output_dir, args.ict_per_article, args.lower_case, beam_args) == (
        "o", 3, False, [])
    task = importlib.import_module("trainer.task")
    args = task.parse_args(["--model-dir=m", "--train-data=t", "--no-export"])
    assert (args.model_dir, args.train_data, args.export) == ("m", "t", False)
    cli = one_flag_style(build_parser()).parse_args(["validate", "p", "--max-problems", "3",
                                                     "--batch_size", "7"])
    assert (cli.max_problems, cli.batch_size) == (3, 7)


@pytest.mark.parametrize("command, expected", [
    (["-m", "wikipairs.cli", "stats", "out/p", "--bath_size=3"],
     "wikipairs stats: error: unknown argument: --bath_size (did you mean --batch_size?)"),
    (["-m", "trainer.task", "--model_dir=m", "--trian_data=t"],
     "python -m trainer.task: error: unknown argument: --trian_data (did you mean --train_data?)"),
    (["-m", "wikipairs.reqa.evaluate", "--squad=s.json", "--modle=bm25"],
     "error: unknown argument: --modle (did you mean --model?)"),
    (["-m", "wikipairs.cli", "validate", "p", "--max-problms=3", "--colour"],
     "error: unknown arguments: --max-problms (did you mean --max_problems?), --colour"),
])
def test_a_mistyped_flag_names_the_nearest_one(command, expected):
    """Every argparse command, not only pipeline.run: a typo is refused (exit 2) with the flag it
    was probably meant to be, the subcommand's own flags included."""
    result = subprocess.run([sys.executable, *command], cwd=REPO, text=True, capture_output=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith(expected), result.stderr
    assert "Traceback" not in result.stderr


def test_every_jobs_help_is_instant():
    """`wikipairs JOB --help` for every job answers without importing TensorFlow or Beam (seconds
    each; pyarrow, a fifth of a second, may load for the corpus schema's names)."""
    from wikipairs.cli.main import JOBS

    script = ("import sys; from wikipairs.cli.main import main\n"
              "try:\n    main([sys.argv[1], '--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted({'tensorflow', 'apache_beam'} & set(sys.modules)))")
    for name in JOBS:
        shown = subprocess.run([sys.executable, "-c", script, name], cwd=REPO,
                               capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0, (name, shown.stderr)
        assert "usage:" in shown.stdout and shown.stdout.strip().endswith("[]"), (name,
                                                                                 shown.stdout)
