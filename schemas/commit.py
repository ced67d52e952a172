"""How an output file becomes visible: written under a temporary name beside its final name, then
renamed once complete. A job killed at any moment leaves no file cut short under a final name,
only temporary files, which no reader's pattern matches (`*.parquet`, `*.tfrecord.gz`,
metadata.json): a temporary name is hidden (leading '.') and ends in `.tmp-<random>`.

On a local disk the rename is atomic (os.rename); on Cloud Storage an object only appears once
its upload is complete, and the rename is a copy of a complete object.
"""
from __future__ import annotations

import contextlib
import posixpath
import uuid

TEMPORARY_MARK = ".tmp-"


def temporary_path(path: str) -> str:
    """Where `path` is written before it is complete: `dir/.name.tmp-<random>`."""
    directory, name = posixpath.split(path)
    return posixpath.join(directory, f".{name}{TEMPORARY_MARK}{uuid.uuid4().hex[:12]}")


def is_temporary(path: str) -> bool:
    name = posixpath.basename(path.rstrip("/"))
    return name.startswith(".") and TEMPORARY_MARK in name


def commit(temporary: str, final: str) -> str:
    """Give a complete file its final name (replacing an earlier one); returns `final`."""
    from apache_beam.io.filesystems import FileSystems

    FileSystems.rename([temporary], [final])
    return final


def discard(temporary: str) -> None:
    from apache_beam.io.filesystems import FileSystems

    with contextlib.suppress(Exception):  # it may never have been created
        FileSystems.delete([temporary])


@contextlib.contextmanager
def committed(path: str):
    """`with committed(path) as temporary:` write the file at `temporary` (with any writer that
    takes a path); it is renamed to `path` when the block ends, deleted if the block fails."""
    temporary = temporary_path(path)
    try:
        yield temporary
    except BaseException:
        discard(temporary)
        raise
    commit(temporary, path)


def write_bytes(path: str, data: bytes) -> str:
    """`data` as the file `path` (local or gs://), visible only once complete; returns `path`."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with committed(path) as temporary:
        plain = CompressionTypes.UNCOMPRESSED  # not guessed from the temporary name
        with FileSystems.create(temporary, compression_type=plain) as handle:
            handle.write(data)
    return path
