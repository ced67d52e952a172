"""The job's command line as the README shows it: local run summary and a Dataflow dry run."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # runs the job, trains or starts subprocesses

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.run", *args], cwd=REPO, text=True,
                          capture_output=True, timeout=timeout)


def test_help_is_fast_and_lists_flags():
    result = _run("--help", timeout=30)
    assert result.returncode == 0 and "--output_dir" in result.stdout


def test_local_run_prints_where_outputs_are(sample, tmp_path):
    result = _run(f"--input={sample}", f"--output_dir={tmp_path}", "--direct_num_workers=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{tmp_path}/articles/*.parquet" in result.stdout
    assert "pages read: 206 (buckets add up to 206)" in result.stdout
    assert "pages/s" in result.stderr  # the progress line
    assert "severity: " not in result.stderr and "timestamp {" not in result.stderr
    assert "kept out to keep splits apart: linking articles in another split" in result.stdout
    assert "wlp pairs by link kind: prose" in result.stdout


def test_a_corpus_of_another_schema_version_is_refused(tmp_path):
    """Corpora of version 2 have no link kinds: the pair stage says so instead of failing later."""
    import json

    from schemas.corpus import STATS_FILE

    corpus = tmp_path / "old_corpus"
    (corpus / "articles").mkdir(parents=True)
    (corpus / "articles" / "part-00000.parquet").write_bytes(b"PAR1")
    (corpus / STATS_FILE).write_text(json.dumps({"schema_version": 2}))
    result = _run(f"--corpus_dir={corpus}", f"--output_dir={tmp_path}/out", timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        f"--corpus_dir={corpus}: corpus schema version 2, this wikipairs reads 3: run the corpus "
        "stage again (`python -m pipeline.run --input=DUMP --output_dir=DIR`)")


def test_dataflow_dry_run_builds_the_job_graph_offline(tmp_path):
    result = _run("--input=gs://bucket/enwiki-*-pages-articles*.xml-p*.bz2",
                  "--output_dir=gs://bucket/corpus", "--runner=DataflowRunner",
                  "--project=my-project", "--region=us-central1",
                  "--temp_location=gs://bucket/tmp", "--setup_file=./pyproject.toml",
                  "--dry_run=True")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "outputs go to gs://bucket/corpus" in result.stdout


def test_a_flag_neither_the_job_nor_beam_knows_is_refused_with_a_hint(tmp_path):
    """Beam alone would log 'Discarding unparseable args' and run with the default ICT count."""
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.run", "--input=dump.xml.bz2",
         f"--output_dir={tmp_path / 'out'}", "--ict_per_artcle=3", "--runner=DirectRunner",
         "--project", "p", "--bogus_flag", "7"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "python -m pipeline.run: unknown flags: --ict_per_artcle (did you mean --ict_per_article?),"
        " --bogus_flag (neither this job's nor Beam's; --help lists the job's)"]
    assert not (tmp_path / "out").exists()


def test_beam_flags_pass_and_only_unknown_ones_are_named():
    from pipeline.run import parse_args

    args, beam_args = parse_args(["--input=d.xml", "--output_dir=o", "--runner=DataflowRunner",
                                  "--project", "p", "--region=r", "--max_num_workers=4",
                                  "--experiments=use_runner_v2", "--dry_run=True"])
    assert args.input == ["d.xml"] and "--max_num_workers=4" in beam_args


def test_an_input_that_matches_nothing_stops_before_the_pipeline(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.run", f"--input={tmp_path}/nothing*.bz2",
         f"--output_dir={tmp_path / 'out'}"], cwd=REPO, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"--input={tmp_path}/nothing*.bz2: matches no file (give a dump "
        "file or a glob of dumps, e.g. --input='data/*.xml*.bz2')"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("prefix, newline", [("", "\n"), ("Worker: ", " ")])
def test_worker_log_entries_become_plain_lines(prefix, newline):
    """What the DirectRunner (multi-process) and the portable job service log for a worker's
    line, a LogEntry in proto text format, is logged as the worker's message alone."""
    import logging

    from apache_beam.portability.api import beam_fn_api_pb2

    from pipeline.run import PlainWorkerLines

    line = 'parsing (this worker): 1,234 pages, 123 pages/s – "quoted"'
    entry = beam_fn_api_pb2.LogEntry(severity=beam_fn_api_pb2.LogEntry.Severity.WARN,
                                     message=line, log_location="pipeline/progress.py:1")
    entry.timestamp.seconds = 5
    record = logging.LogRecord("root", logging.WARNING, __file__, 1, "%s",
                               (prefix + str(entry).replace("\n", newline),), None)
    assert PlainWorkerLines().filter(record) and record.getMessage() == line
    other = logging.LogRecord("root", logging.WARNING, __file__, 1, "severity: high", (), None)
    assert PlainWorkerLines().filter(other) and other.getMessage() == "severity: high"
    for noise, kept in ((["--direct_runner_use_stacked_bundle", "--pipeline_type_check"], False),
                        (["--ict_per_artcle=3"], True)):  # a user's flag is never hidden
        entry.message = f"Discarding unparseable args: {noise}"
        record = logging.LogRecord("root", logging.WARNING, __file__, 1, str(entry), (), None)
        assert PlainWorkerLines().filter(record) == kept
