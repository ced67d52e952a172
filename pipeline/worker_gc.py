"""The cyclic garbage collector in the processes that run the job: its thresholds, and its last pass.

Parsing and tokenizing allocate millions of small containers (nodes, spans, link refs, token-id
tuples) that live until their bundle is done. With CPython's default thresholds (700, 10, 10)
the collector runs every 700 new containers and traverses a young generation that is nearly all
alive: at 10x the sample it was 5% of the corpus stage's CPU time and 70% of building the
tokenized articles' records (bench/README.md, "Issue 16, third pass"). Raised thresholds keep
collecting cycles, 70x less often; peak memory measured unchanged.
"""
from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 20)


def tune_collector() -> None:
    """Raise this process's collector thresholds to `THRESHOLDS` (never lower one a user set
    higher, never enable a collector a user disabled); for a DoFn's setup."""
    current = gc.get_threshold()
    wanted = tuple(max(now, ours) for now, ours in zip(current, THRESHOLDS))
    if current[0] and wanted != current:
        gc.set_threshold(*wanted)


def skip_collection_at_exit() -> None:
    """Leave every object alive now out of the collections still to come; for the end of a run.

    At exit CPython runs the collector over every tracked object (Beam's modules alone leave a few
    hundred thousand) while it tears the interpreter down: 0.7 s of each local run, for memory the
    operating system takes back anyway (bench/README.md, "eighth pass"). Call it only once the
    job's outputs are written and closed: a frozen object's finalizer no longer runs at exit.
    """
    gc.freeze()
