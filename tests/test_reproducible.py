"""Same input, same outputs between one process and several worker processes (which pickles every
DoFn and element across processes, as Dataflow does): the whole job, corpus tables and pairs,
with a learned vocab so that vocab learning runs in both."""
from __future__ import annotations

import hashlib
import json
import pathlib

from schemas.corpus import STATS_FILE, TABLES, read_table
from tests.pairs_run import sample_job

MULTI_PROCESS = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")


def _corpus(output_dir: pathlib.Path) -> dict:
    """Each table's rows, canonical and order-free, and the stats."""
    out = {name: sorted(json.dumps(row, sort_keys=True)
                        for row in read_table(str(output_dir), name).to_pylist())
           for name in TABLES}
    out["stats"] = json.loads((output_dir / STATS_FILE).read_text())
    return out


def _file_digests(directory: pathlib.Path) -> dict[str, str]:
    """sha256 of every file under `directory`: shards are cut and ordered by pair hash, so equal
    pairs mean equal bytes (GZIP TFRecords carry no timestamp), as do vocab.txt and
    metadata.json."""
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_multi_process_job_equals_single_process_job(sample_pairs, tmp_path):
    single = sample_pairs  # the session's in-memory run of tests/pairs_run.sample_job
    multi = sample_job(tmp_path / "multi", MULTI_PROCESS)

    single_corpus = _corpus(single["dir"].parent)
    assert _corpus(multi["dir"].parent) == single_corpus
    assert len(single_corpus["articles"]) == 96

    single_files, multi_files = _file_digests(single["dir"]), _file_digests(multi["dir"])
    assert sorted(multi_files) == sorted(single_files)
    assert [f for f in single_files if multi_files[f] != single_files[f]] == []
    assert multi["metadata"] == single["metadata"] and multi["metadata"]["vocab_learned"]
    assert len(multi["records"]) == sum(n for split in single["metadata"]["counts"].values()
                                        for n in split.values()) > 1000
