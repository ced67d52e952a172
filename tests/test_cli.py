"""The `wikipairs` commands on real shards: the pipeline's pairs from the gensim sample (bert-base-
uncased vocab, texts kept), written once for the module, then read, checked, broken and exported."""
from __future__ import annotations

import collections
import gzip
import io
import json
import shutil
import struct
import zlib

import numpy as np
import pytest

from wikipairs.cli.main import main
from pipeline.sample_data import bert_uncased_vocab_path
from pipeline.vocab import words
from schemas.pairs import FEATURES, SPLITS, TEXT_FEATURES
from schemas.pairs import PRETRAINING_TASKS as TASKS  # the tasks of pipeline-made shards
from tests.pairs_run import read_records, run_job

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

SHARD = "train/ict-00000-of-00001.tfrecord.gz"


@pytest.fixture(scope="module")
def pairs(sample, tmp_path_factory):
    return run_job([sample], tmp_path_factory.mktemp("cli"), str(bert_uncased_vocab_path()),
                   split_fractions=(0.6, 0.2, 0.2), keep_text=True)


@pytest.fixture
def cli(capsys):
    """Runs `wikipairs ARGS` in this process: (exit status, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        status = main([*map(str, args)])
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture(scope="module")
def tokenizer(pairs):
    from pipeline.tokenizer import TokenizerSpec

    return TokenizerSpec(str(pairs["dir"] / "vocab.txt"), True).build()


# --- stats ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stats_report(pairs):
    from wikipairs.cli.shards import load_tokenizer, resolve
    from wikipairs.cli.stats import StatsConfig, compute_stats

    shard_set = resolve(str(pairs["dir"]))
    metadata = pairs["metadata"]
    return compute_stats(shard_set, StatsConfig(batch_size=64, progress=False),
                         load_tokenizer(shard_set).unk_id,
                         {"query": metadata["max_query_len"], "doc": metadata["max_doc_len"]})


def test_stats_counts_equal_metadata(cli, pairs):
    status, out, _ = cli("stats", pairs["dir"], "--json", "--quiet")
    report = json.loads(out)
    counts = pairs["metadata"]["counts"]
    assert status == 0
    by_split = report["records_by_split"]["by_split"]
    assert {s: {t: by_split[s][t] for t in TASKS} for s in SPLITS} == counts
    assert report["records"] == sum(n for row in counts.values() for n in row.values())
    assert report["records_by_split"]["metadata_check"] == {"groups_checked": 9, "mismatches": []}


def _nearest_rank(values: list[int], q: float) -> int:
    return int(np.percentile(values, 100 * q, method="inverted_cdf"))


def test_stats_numbers_equal_a_count_record_by_record(stats_report, pairs, tokenizer):
    records, metadata = pairs["records"], pairs["metadata"]
    for side in ("query", "doc"):
        for task in (*TASKS, "all"):
            lengths = [len(r[f"{side}_ids"]) for r in records if task in ("all", r["task"])]
            got = stats_report["lengths"][side][task]
            assert (got["records"], got["min"], got["max"]) == (
                len(lengths), min(lengths), max(lengths))
            assert got["median"] == _nearest_rank(lengths, 0.5)
            assert got["p95"] == _nearest_rank(lengths, 0.95)
            assert sum(n for _, _, n in got["histogram"]) == len(lengths)
        unk = sum(r[f"{side}_ids"].count(tokenizer.unk_id) for r in records)
        assert stats_report["unk"][side]["unk_tokens"] == unk
        limit = metadata[f"max_{side}_len"]
        for task in TASKS:
            row = stats_report["truncation"][side][task]
            assert row["metadata_truncated"] == metadata["truncated"][side][task]
            assert row["at_max_length"] == sum(
                1 for r in records if r["task"] == task and len(r[f"{side}_ids"]) == limit)
    assert stats_report["articles"] == {
        "distinct_query": len({r["query_article_id"] for r in records}),
        "distinct_doc": len({r["doc_article_id"] for r in records})}
    pairs_seen = collections.Counter((tuple(r["query_ids"]), tuple(r["doc_ids"])) for r in records)
    assert stats_report["duplicates"] == {
        "records": sum(n - 1 for n in pairs_seen.values()),
        "pairs": sum(1 for n in pairs_seen.values() if n > 1)}
    docs = collections.Counter(r["doc_article_id"] for r in records)
    titles = {r["doc_article_id"]: r["doc_title"] for r in records}
    expected_top = sorted(docs.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(a["id"], a["title"], a["records"]) for a in stats_report["top_doc_articles"]] == [
        (article, titles[article], n) for article, n in expected_top]


def test_stats_text_and_plot(cli, pairs, tmp_path):
    plot = tmp_path / "lengths.png"
    status, out, err = cli("stats", pairs["dir"], "--plot", plot)
    assert status == 0
    assert "equal to metadata.json's counts (9 split/task groups)" in out
    # The tasks the shards hold, not an empty column for the fine-tuning task.
    assert out.splitlines()[2].split() == ["records", "ict", "bfs", "wlp", "total"]
    assert "truncation rate, from metadata.json" in out and "histogram" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "stats" in err  # the progress bar


def test_stats_of_a_glob_checks_the_groups_it_covers(cli, pairs):
    status, out, _ = cli("stats", pairs["dir"] / "train" / "ict-*", "--json", "--quiet")
    report = json.loads(out)
    assert status == 0 and report["shards"] == 1
    assert report["records"] == pairs["metadata"]["counts"]["train"]["ict"]
    assert report["records_by_split"]["metadata_check"]["mismatches"] == []
    assert report["truncation"]["source"].startswith("records at the max length")


# --- show ----------------------------------------------------------------------------------------


def _by_pair_id(records: list[dict]) -> dict[str, dict]:
    return {r["pair_id"]: r for r in records}


def test_show_decodes_pairs_back_to_their_sentences(cli, pairs, tokenizer):
    status, out, _ = cli("show", pairs["dir"], "-n", "100000", "--json", "--quiet")
    shown = [json.loads(line) for line in out.splitlines()]
    records = _by_pair_id(pairs["records"])
    assert status == 0 and len(shown) == len(records)
    compared = 0
    for pair in shown:
        record = records[pair["pair_id"]]
        assert (pair["split"], pair["task"], pair["query_title"], pair["doc_title"]) == (
            record["split"], record["task"], record["query_title"], record["doc_title"])
        fits = len(record["query_ids"]) < pairs["metadata"]["max_query_len"]
        if fits and tokenizer.unk_id not in record["query_ids"]:
            assert pair["query"] == " ".join(words(record["query_text"], True))
            compared += 1
        if tokenizer.unk_id not in record["doc_ids"] and len(record["doc_ids"]) < 288:
            title = tokenizer.decode(record["doc_ids"][1:record["doc_ids"].index(tokenizer.sep_id)])
            assert pair["doc"] == f"{title} [SEP] " + " ".join(words(record["doc_text"], True))
    assert compared > 0.9 * len(shown)


def test_show_picks_task_and_split_and_repeats_with_a_seed(cli, pairs):
    args = ("show", pairs["dir"], "-n", "3", "--task", "wlp", "--split", "valid", "--json")
    first, second = cli(*args, "--seed", "7"), cli(*args, "--seed", "7")
    shown = [json.loads(line) for line in first[1].splitlines()]
    assert first[0] == 0 and first[1] == second[1]
    assert shown and all((p["task"], p["split"]) == ("wlp", "valid") for p in shown)
    status, text, _ = cli("show", pairs["dir"], "-n", "2", "--quiet")
    assert status == 0 and text.count("──") == 2 and "[SEP]" in text


# --- export --------------------------------------------------------------------------------------


def _read_table(path, fmt: str) -> list[dict]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_export_round_trips_every_record(cli, pairs, tokenizer, tmp_path, fmt):
    from wikipairs.cli.decode import decode_side

    out = tmp_path / f"pairs.{fmt}"
    status, _, _ = cli("export", pairs["dir"], out, "--format", fmt, "--text", "--quiet")
    rows = _read_table(out, fmt)
    records = pairs["records"]
    assert status == 0 and len(rows) == len(records)
    exported = _by_pair_id(rows)
    assert len(exported) == len(rows)
    for record in records:
        row = exported[record["pair_id"]]
        for name in (*FEATURES, *TEXT_FEATURES, "split"):
            assert row[name] == record[name], name
        assert row["shard"] == f"{record['split']}/{record['shard']}"
        assert row["query_decoded"] == decode_side(tokenizer, record["query_ids"])
        assert row["doc_decoded"] == decode_side(tokenizer, record["doc_ids"])


# --- validate ------------------------------------------------------------------------------------


def test_validate_passes_on_good_shards(cli, pairs):
    status, out, _ = cli("validate", pairs["dir"], "--quiet")
    assert status == 0, out
    assert out.startswith(f"OK: {len(pairs['records']):,} records in 9 shards")


def _tfrecords(data: bytes) -> list[bytes]:
    """The complete records of plain TFRecord bytes: [length u64][crc][data][crc] each."""
    records, position = [], 0
    while position + 12 <= len(data):
        (length,) = struct.unpack("<Q", data[position:position + 8])
        end = position + 12 + length + 4
        if end > len(data):
            break
        records.append(data[position:end])
        position = end
    return records


def _inflate_what_can_be(blob: bytes) -> bytes:
    out = bytearray()
    stream = gzip.GzipFile(fileobj=io.BytesIO(blob))
    try:
        while chunk := stream.read(256):
            out += chunk
    except (OSError, EOFError, zlib.error):
        pass
    return bytes(out)


def _intact_records_before_the_damage(damaged: bytes, intact: bytes) -> int:
    """Counted without the CLI's code: Python's gzip inflates what it can, the TFRecord framing is
    walked, and the first record that differs from the intact shard's is the damaged one."""
    before = _tfrecords(gzip.decompress(intact))
    after = _tfrecords(_inflate_what_can_be(damaged))
    return next((k for k, (a, b) in enumerate(zip(before, after)) if a != b), len(after))


def _cut(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _flip_a_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _rewrite(path, edit) -> None:
    """Rewrite a shard with tf.io.TFRecordWriter, record k edited by edit(k, example)."""
    import tensorflow as tf

    examples = [tf.train.Example.FromString(raw.numpy())
                for raw in tf.data.TFRecordDataset(str(path), "GZIP")]
    with tf.io.TFRecordWriter(str(path), "GZIP") as writer:
        for k, example in enumerate(examples):
            edit(k, example)
            writer.write(example.SerializeToString())


def _drop_doc_title_of_record_7(k, example) -> None:
    if k == 7:
        del example.features.feature["doc_title"]


def _id_beyond_the_vocab_in_record_11(k, example) -> None:
    if k == 11:
        example.features.feature["doc_ids"].int64_list.value[3] = 30522


@pytest.mark.parametrize("breakage", ["cut", "flipped byte", "missing feature", "id beyond vocab"])
def test_validate_names_the_file_and_record(cli, pairs, tmp_path, breakage):
    broken = tmp_path / "pairs"
    shutil.copytree(pairs["dir"], broken)
    shard = broken / SHARD
    if breakage in ("cut", "flipped byte"):
        intact = shard.read_bytes()
        (_cut if breakage == "cut" else _flip_a_byte)(shard)
        record = _intact_records_before_the_damage(shard.read_bytes(), intact)
        assert 0 < record < pairs["metadata"]["counts"]["train"]["ict"]
        expected = [f"{SHARD}: record {record}: unreadable (",
                    "train/ict: "]  # and the count no longer equals metadata.json's
    elif breakage == "missing feature":
        _rewrite(shard, _drop_doc_title_of_record_7)
        expected = [f"{SHARD}: record 7: feature doc_title is missing"]
    else:
        _rewrite(shard, _id_beyond_the_vocab_in_record_11)
        expected = [f"{SHARD}: record 11: doc_ids has id 30522, outside the vocab (ids 0..30521)"]
    status, out, _ = cli("validate", broken, "--quiet")
    assert status == 1
    for text in expected:
        assert text in out, out
    assert "FAILED" in out.splitlines()[-1]


def test_export_follows_the_extension_and_refuses_one_it_does_not_write(cli, pairs, tmp_path):
    status, _, _ = cli("export", pairs["dir"], tmp_path / "pairs.jsonl", "--quiet")
    assert status == 0 and (tmp_path / "pairs.jsonl").read_text().startswith("{")
    status, out, err = cli("export", pairs["dir"], tmp_path / "pairs.csv", "--quiet")
    assert status == 2 and out == ""
    assert err.strip().splitlines() == [
        f"wikipairs export: error: {tmp_path / 'pairs.csv'}: export writes Parquet or JSON Lines; "
        "end the name with one of .parquet, .pq, .jsonl, .json, .ndjson, or give --format"]
    assert not (tmp_path / "pairs.csv").exists()
    status, _, err = cli("export", pairs["dir"], tmp_path / "pairs.parquet", "--format", "jsonl")
    assert status == 2 and "the extension says parquet, --format says jsonl" in err


# --- readers name the shard they cannot read -----------------------------------------------------


@pytest.mark.parametrize("command", ["stats", "show", "export"])
@pytest.mark.parametrize("breakage", ["cut", "flipped byte"])
def test_readers_name_the_shard_and_record_they_cannot_read(cli, pairs, tmp_path, command,
                                                           breakage):
    """A cut shard is refused before reading (its size is not the one metadata.json lists); a
    shard damaged inside (same size) stops the reading with the shard and the record."""
    broken = tmp_path / "pairs"
    shutil.copytree(pairs["dir"], broken)
    shard = broken / SHARD
    intact = shard.read_bytes()
    (_cut if breakage == "cut" else _flip_a_byte)(shard)
    out_file = tmp_path / "pairs.jsonl"
    extra = [out_file] if command == "export" else []
    every = ["-n", "100000"] if command == "show" else []  # show reads to the damage
    status, out, err = cli(command, broken, *extra, "--quiet", *every)
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1, err
    if breakage == "cut":
        assert lines[0].endswith(f"error: {SHARD}: {shard.stat().st_size:,} bytes, metadata.json "
                                 f"lists {len(intact):,}: cut short, or another run's file under "
                                 f"this name; `wikipairs validate {broken}` checks them all"), err
    else:
        record = _intact_records_before_the_damage(shard.read_bytes(), intact)
        assert f"error: {SHARD}: record {record}: unreadable (" in lines[0], err
    assert not out_file.exists()


def test_validate_names_a_shard_of_another_size(cli, pairs, tmp_path):
    broken = tmp_path / "pairs"
    shutil.copytree(pairs["dir"], broken)
    other = broken / "train" / "bfs-00000-of-00001.tfrecord.gz"
    shutil.copy(other, broken / SHARD)
    status, out, _ = cli("validate", broken, "--quiet", "--max-problems", "1000")
    assert status == 1
    assert f"{SHARD}: {other.stat().st_size:,} bytes, metadata.json lists" in out
    counts = pairs["metadata"]["counts"]["train"]
    assert (f"{SHARD}: {counts['bfs']:,} records read, metadata.json lists {counts['ict']:,}"
            in out)
