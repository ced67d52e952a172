"""Same input, same bytes: two runs of the whole job (corpus tables and pairs, a learned vocab so
that vocab learning runs in both), each `python -m pipeline.run` in a fresh process, one in a
single process and one on two worker processes (which pickles every DoFn and element across
processes, as Dataflow does), write byte-identical files, every one of them: Parquet parts,
corpus_stats.json, shards, vocab.txt and metadata.json.

Fresh processes matter: protobuf serializes a map (an Example's features) in an order that
differs from process to process, and Beam's Parquet sink splits rows into files by bundles, so
runs inside one test process agreed where runs of the real command did not."""
from __future__ import annotations

import json
import pathlib

import pytest

from schemas.pairs import METADATA_FILE, PAIRS_DIR
from tests.job_outputs import file_digests
from tests.job_process import run_job_process

pytestmark = pytest.mark.slow  # two runs of the job

SINGLE_PROCESS = ("--direct_running_mode=in_memory",)
MULTI_PROCESS = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")


def test_two_runs_in_fresh_processes_write_the_same_bytes(tmp_path):
    single, multi = tmp_path / "single", tmp_path / "multi"
    run_job_process(single, *SINGLE_PROCESS)
    run_job_process(multi, *MULTI_PROCESS)

    single_files, multi_files = file_digests(single), file_digests(multi)
    assert sorted(multi_files) == sorted(single_files)
    assert [f for f in single_files if multi_files[f] != single_files[f]] == []
    # Nothing hidden is left: no temporary file, no staged article text (pipeline/staging.py).
    assert [f for f in single_files if any(p.startswith(".") for p in pathlib.Path(f).parts)] == []
    kinds = {pathlib.Path(f).suffix for f in single_files}
    assert {".parquet", ".json", ".gz", ".txt"} <= kinds, kinds
    metadata = json.loads((single / PAIRS_DIR / METADATA_FILE).read_text())
    assert metadata["vocab_learned"]
    assert sum(n for split in metadata["counts"].values() for n in split.values()) > 1000
    # Every shard's records and bytes are listed, and the listing is the files on disk.
    shards = {f.removeprefix(f"{PAIRS_DIR}/") for f in single_files if f.endswith(".tfrecord.gz")}
    assert set(metadata["shard_files"]) == shards
    assert all(metadata["shard_files"][s]["bytes"] == (single / PAIRS_DIR / s).stat().st_size
               for s in shards)
