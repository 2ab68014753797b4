"""Generated exports through the loader: clean data loads with no reject; with --faults, exactly the
injected rows are rejected (each with a reason) and no clean row is."""

from __future__ import annotations

import json

import duckdb
import pytest

from saas_metrics.generator import generate
from saas_metrics.loader import load_directory


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_clean_generated_folder_loads_with_zero_rejects(tmp_path, fmt):
    data = tmp_path / "data"
    summary = generate(data, customers=300, months=6, seed=11, fmt=fmt)
    results = load_directory(data, tmp_path / "wh.duckdb")
    assert {r.table: r.rows_rejected for r in results if r.rows_rejected} == {}
    assert {r.table: r.rows_read for r in results} == summary


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_injected_fault_is_rejected_and_no_clean_row(tmp_path, fmt):
    data = tmp_path / "data"
    summary = generate(data, customers=300, months=6, seed=11, fmt=fmt, faults=0.02)
    manifest = json.loads((data / "_faults_manifest.json").read_text())
    kinds = {entry["kind"] for entry in manifest}
    assert {"duplicate_key", "null_required", "unknown_currency", "negative_quantity"} <= kinds, kinds
    database = tmp_path / "wh.duckdb"
    results = load_directory(data, database)
    with duckdb.connect(str(database), read_only=True) as con:
        rejected = con.execute(
            "select table_name, source_file, row_number, reason from raw._rejects order by all"
        ).fetchall()
    assert all(reason for *_, reason in rejected)
    assert {(t, f, n) for t, f, n, _ in rejected} == {(e["table"], e["file"], e["row_number"]) for e in manifest}
    # nothing lost: read = loaded + rejected, and read = every row written
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_rejected
    assert {r.table: r.rows_read for r in results} == summary
