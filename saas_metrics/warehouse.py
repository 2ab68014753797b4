"""The published warehouse and its private working copy.

BI tools read the *published* DuckDB file. Loads and builds never open it: they work on a
private copy beside it (`<name>.work.duckdb`), and a build that passes its tests and quality
gates replaces the published file atomically (write a temporary copy, then rename over it).
A reader that has the old file open keeps reading the old version until it reconnects; a build
never waits for a reader, and a failed or killed build leaves the published file as it was.

The commands that write the working copy or publish it (load, validate, build, demo) hold one lock per
warehouse (`exclusive`), so that none writes the working copy while another copies it to publish.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb


class WarehouseBusy(Exception):
    """Another command holds the warehouse's lock (it is loading, validating or building it)."""


# the locks this process holds, by lock file, with how many nested `exclusive` blocks hold each
_held: dict[Path, int] = {}


def lock_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.lock")


@contextmanager
def exclusive(published: Path, command: str) -> Iterator[None]:
    """Holds the warehouse's lock for the block, or raises WarehouseBusy at once naming the holder.

    DuckDB's own file lock covers a working copy only while a process has it open; publishing closes
    it to checkpoint and then copies the file, and a load or validate writing in between would make
    the published copy unreadable. The lock is an advisory lock on a file beside the warehouse, which
    the operating system releases when its process ends, killed or not. A process may take it again
    inside a block that holds it (the demo loads and builds).
    """
    path = lock_path(Path(published)).resolve()
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "a process that has not said which"
            raise WarehouseBusy(
                f"{published} is being worked on by another saas-metrics command ({holder}); run this one when it "
                f"has finished (its lock: {path})"
            ) from None
        handle.truncate(0)
        handle.write(f"{command}, process {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
            handle.truncate(0)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def work_path(published: Path) -> Path:
    return published.with_name(f"{published.stem}.work{published.suffix or '.duckdb'}")


def ensure_work_copy(published: Path) -> Path:
    """The working copy, created from the published file when there is none yet."""
    work = work_path(published)
    work.parent.mkdir(parents=True, exist_ok=True)
    if not work.exists() and published.exists():
        _copy(published, work)
    return work


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `schema.name` is a table of the connected database."""
    schema, name = table.split(".")
    (found,) = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, name]
    ).fetchone()
    return found > 0


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
