"""Same input, same rows: between runs, and between one process and several worker processes
(which pickles every DoFn and element across processes, as Dataflow does)."""
from __future__ import annotations

import json

from tests.corpus_run import run_corpus


def _canonical(out: dict) -> dict:
    return {name: sorted(json.dumps(row, sort_keys=True) for row in rows)
            if isinstance(rows, list) else rows for name, rows in out.items()}


def test_multi_process_run_equals_single_process_run(sample, tmp_path):
    single = run_corpus([sample], tmp_path / "single")
    multi = run_corpus([sample], tmp_path / "multi", "--direct_running_mode=multi_processing",
                       "--direct_num_workers=2")
    assert _canonical(multi) == _canonical(single)
    assert len(single["articles"]) == 96
