"""The collector thresholds of the processes that run the job's steps (pipeline.worker_gc)."""
from __future__ import annotations

import gc

import pytest

from pipeline.worker_gc import THRESHOLDS, tune_collector
from tests.corpus_run import run_corpus
from tests.dumpfactory import page_xml, write_dump


@pytest.fixture
def default_collector():
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    gc.enable()
    yield
    gc.set_threshold(*saved)
    (gc.enable if enabled else gc.disable)()


def test_raises_the_default_thresholds(default_collector):
    tune_collector()
    assert gc.get_threshold() == THRESHOLDS and gc.isenabled()
    assert THRESHOLDS[0] >= 10 * 700


def test_keeps_what_a_user_set_higher_or_turned_off(default_collector):
    gc.set_threshold(10 * THRESHOLDS[0], 5, 100)
    tune_collector()
    assert gc.get_threshold() == (10 * THRESHOLDS[0], THRESHOLDS[1], 100)
    gc.set_threshold(0)  # threshold 0: no automatic collection at all
    tune_collector()
    assert gc.get_threshold()[0] == 0


def test_a_corpus_run_tunes_the_process_that_runs_its_steps(default_collector, tmp_path):
    """The local runner runs the steps in this process: their setup (ReadAndParse, WriteTaskParts)
    tunes it."""
    dump = write_dump(tmp_path / "mini.xml", [page_xml(1, "Alpha", "Alpha is a letter here.")])
    out = run_corpus([str(dump)], tmp_path / "out")
    assert [a["title"] for a in out["articles"]] == ["Alpha"]
    assert gc.get_threshold() == THRESHOLDS


def test_a_finished_run_leaves_exit_no_collection_to_do(tmp_path, monkeypatch, capsys):
    """`python -m pipeline.run` freezes what is alive once its outputs are closed, so the
    interpreter's teardown does not traverse them; the outputs are whole before that."""
    from pipeline.run import main

    dump = write_dump(tmp_path / "mini.xml", [page_xml(1, "Alpha", "Alpha is a letter here.")])
    monkeypatch.setattr("sys.argv", ["pipeline.run", f"--input={dump}",
                                     f"--output_dir={tmp_path / 'out'}", "--stages=corpus",
                                     "--direct_running_mode=in_memory"])
    assert gc.get_freeze_count() == 0
    try:
        main()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 10_000  # Beam's modules alone leave far more than this
    assert "corpus written to" in capsys.readouterr().out
    assert list((tmp_path / "out" / "articles").glob("*.parquet"))
