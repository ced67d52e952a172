"""Reading a corpus table back (schemas.corpus.read_table) in a process of its own."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from pipeline.table_parts import PartWriter, part_path
from schemas.corpus import SCHEMAS

REPO = str(pathlib.Path(__file__).resolve().parent.parent)


@pytest.mark.slow
def test_a_process_that_read_a_corpus_exits_cleanly(tmp_path):
    """A threaded Arrow read of a Python file object aborted about half the processes at exit
    (SIGABRT, "terminate called without an active exception") after their work was done; the
    dead-letter table, empty in most runs, set it off."""
    (tmp_path / "dead_letter").mkdir()
    PartWriter(part_path(str(tmp_path / "dead_letter"), 0, 1), SCHEMAS["dead_letter"],
               1 << 20).close()
    read = f"from schemas.corpus import read_table; print(read_table({str(tmp_path)!r}, " \
           f"'dead_letter').num_rows)"
    results = []
    for _ in range(4):  # 8 processes, 2 at a time: P(all 8 survive the bug) is about 0.5 ** 8
        pair = [subprocess.Popen([sys.executable, "-c", read], cwd=REPO, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        results += [(p.wait(timeout=120), *p.communicate()) for p in pair]
    assert [(code, out.strip()) for code, out, _ in results] == [(0, "0")] * 8, \
        [err[-300:] for _, _, err in results]
