"""The published warehouse and its private working copy.

BI tools read the *published* DuckDB file. Loads and builds never open it: they work on a
private copy beside it (`<name>.work.duckdb`), and a build that passes its tests and quality
gates replaces the published file atomically (write a temporary copy, then rename over it).
A reader that has the old file open keeps reading the old version until it reconnects; a build
never waits for a reader, and a failed or killed build leaves the published file as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


def work_path(published: Path) -> Path:
    return published.with_name(f"{published.stem}.work{published.suffix or '.duckdb'}")


def ensure_work_copy(published: Path) -> Path:
    """The working copy, created from the published file when there is none yet."""
    work = work_path(published)
    work.parent.mkdir(parents=True, exist_ok=True)
    if not work.exists() and published.exists():
        _copy(published, work)
    return work


def checkpoint(database: Path) -> None:
    """Folds the write-ahead log into the file, so the file alone holds every committed change."""
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")


def publish(work: Path, published: Path) -> None:
    """Atomically replaces the published file with the working copy (same folder, one rename)."""
    checkpoint(work)
    temporary = published.with_name(f".{published.name}.{os.getpid()}.publishing")
    try:
        _copy(work, temporary)
        os.replace(temporary, published)
    finally:
        temporary.unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
