"""Shared test helpers: load a fixture folder and build the project into a fresh DuckDB file."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from saas_metrics.dbt_runner import build
from saas_metrics.loader import load_directory

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def build_warehouse(fixture_dir: Path, tmp_path: Path, as_of: str, vars: dict | None = None) -> Path:
    """Loads fixture_dir into tmp_path/warehouse.duckdb, runs dbt build with var as_of; returns the file.

    Every model and data test runs; the dbt unit tests, which do not read the warehouse's data, run
    once in tests/test_dbt_unit_tests.py instead of in every fixture build.
    """
    database = Path(tmp_path) / "warehouse.duckdb"
    results = load_directory(Path(fixture_dir), database)
    rejected = {r.table: r.rows_rejected for r in results if r.rows_rejected}
    assert not rejected, f"fixture {fixture_dir} has rejected rows: {rejected}"
    build(database, as_of=as_of, dbt_vars=vars)
    return database


def shared_warehouse(tmp_path_factory: pytest.TempPathFactory, fixture: str, as_of: str) -> Path:
    """The fixture folder `fixture` built with as_of, once per pytest session; returns the file.

    Every test module that reads the same fixture at the same as_of shares this build, so a caller
    must only read it (a read-only connection, or a copy to write to). A build that failed part-way
    is started again by the next caller.
    """
    folder = tmp_path_factory.getbasetemp() / f"shared_{fixture}_{as_of}"
    database, done = folder / "warehouse.duckdb", folder / "built"
    if not done.exists():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        build_warehouse(FIXTURES / fixture, folder, as_of)
        done.touch()
    return database


def fetch_dicts(con, sql: str) -> list[dict]:
    """Rows of a query as dicts; DECIMAL values as floats, for comparison with hand-computed numbers."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [
        dict(zip(names, (float(v) if isinstance(v, Decimal) else v for v in row), strict=True))
        for row in cursor.fetchall()
    ]


def money_ok(actual, expected) -> bool:
    """Money equal to the cent (null only where null is expected)."""
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, abs=0.005)
