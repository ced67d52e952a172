"""What a run of the job wrote, as two runs are compared: the sha256 of every file under the
output directory, by relative path (the job writes byte-identical files however it is run)."""
from __future__ import annotations

import hashlib
import pathlib


def file_digests(directory: pathlib.Path) -> dict[str, str]:
    """sha256 of every file under `directory`, by relative path."""
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}
