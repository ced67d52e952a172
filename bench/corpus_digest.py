"""The corpus tables of an output dir as one row-sorted digest per table (plus the stats), so a
change to how the corpus stage moves its data can be checked to write exactly the same rows.

    python bench/corpus_digest.py OUTPUT_DIR > before.json   # then again after, and diff
"""
from __future__ import annotations

import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def canonical_rows(rows: list[dict]) -> list[str]:
    """Rows as sorted canonical JSON strings: the table's content whatever its shard order, with
    the dump's file name for its path (two checkouts read the same dump under different paths)."""
    for row in rows:
        if row.get("source"):
            row["source"] = pathlib.PurePath(row["source"]).name
    return sorted(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)


def corpus_digest(output_dir: str) -> dict:
    from schemas.corpus import TABLES, read_stats, read_table

    digest = {}
    for name in TABLES:
        rows = canonical_rows(read_table(output_dir, name).to_pylist())
        digest[name] = {"rows": len(rows),
                        "sha256": hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()}
    stats = read_stats(output_dir) or {}
    stats.pop("inputs", None)  # where the dump was, not what it held
    digest["stats"] = stats
    return digest


if __name__ == "__main__":
    print(json.dumps(corpus_digest(sys.argv[1]), indent=1, sort_keys=True))
