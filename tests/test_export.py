"""`saas-metrics export`: timestamps carry their UTC zone, a manifest describes the export, stale files
of earlier exports go, and a failed export leaves the output folder as it was."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pyarrow.parquet as pq
import pytest

import saas_metrics.export as export
from saas_metrics.export import export_marts
from saas_metrics.pipeline import build_and_publish, load
from tests.helpers import FIXTURES

AS_OF = "2024-04-30"
# tests/fixtures/revenue_usd/billing_customers.csv: cus_acme,...,created_at 2023-12-20T09:00:00Z
ACME_CREATED_AT = dt.datetime(2023, 12, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("published") / "saas_metrics.duckdb"
    load(FIXTURES / "revenue_usd", database)
    build_and_publish(database, as_of=AS_OF, validate=False)
    return database


def marts_row_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        query = "select table_name from duckdb_tables() where schema_name = 'marts'"
        tables = [t for (t,) in con.execute(query).fetchall()]
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in tables}


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None) under folder, by relative path."""
    return {str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes() for path in folder.rglob("*")}


def test_parquet_timestamps_are_utc_adjusted_instants(published, tmp_path):
    export_marts(published, tmp_path, "parquet")
    path = tmp_path / "dim_customers.parquet"
    schema = pq.ParquetFile(path).schema
    created_at = schema.column(schema.names.index("created_at"))
    assert created_at.logical_type.type == "TIMESTAMP"
    assert json.loads(created_at.logical_type.to_json())["isAdjustedToUTC"] is True
    assert pq.ParquetFile(path).schema_arrow.field("cohort_month").type == "date32[day]"
    rows = {row["customer_id"]: row for row in pq.read_table(path).to_pylist()}
    assert rows["cus_acme"]["created_at"] == ACME_CREATED_AT
    assert rows["cus_acme"]["created_at"].utcoffset() == dt.timedelta(0)


def test_csv_timestamps_carry_the_zone(published, tmp_path):
    export_marts(published, tmp_path, "csv")
    with open(tmp_path / "dim_customers.csv", newline="") as handle:
        rows = {row["customer_id"]: row for row in csv.DictReader(handle)}
    assert rows["cus_acme"]["created_at"] == "2023-12-20 09:00:00+00"
    assert rows["cus_acme"]["cohort_month"] == "2024-01-01"  # a DATE stays a date
    with duckdb.connect() as con:
        (instant,) = con.execute(
            "select created_at from read_csv(?) where customer_id = 'cus_acme'", [str(tmp_path / "dim_customers.csv")]
        ).fetchone()
    assert instant == ACME_CREATED_AT


def test_manifest_describes_the_export(published, tmp_path):
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    written = export_marts(published, tmp_path, "parquet")
    manifest_path = tmp_path / "_manifest.json"
    assert written[-1] == manifest_path
    manifest = json.loads(manifest_path.read_text())
    assert manifest["as_of"] == AS_OF
    assert manifest["as_of_month"] == "2024-04-01"
    assert manifest["format"] == "parquet"
    exported_at = dt.datetime.strptime(manifest["exported_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert started <= exported_at <= dt.datetime.now(dt.UTC)

    counts = marts_row_counts(published)
    assert {t["table"]: t["rows"] for t in manifest["tables"]} == counts
    assert counts["fct_mrr_monthly"] == 4
    files = {t["table"]: t["file"] for t in manifest["tables"]}
    assert files == {table: f"{table}.parquet" for table in counts}
    assert sorted(written[:-1]) == sorted(tmp_path / f for f in files.values())
    with duckdb.connect() as con:
        for table in manifest["tables"]:
            (rows,) = con.execute("select count(*) from read_parquet(?)", [str(tmp_path / table["file"])]).fetchone()
            assert rows == table["rows"]

    dim_customers = next(t for t in manifest["tables"] if t["table"] == "dim_customers")
    types = {c["name"]: c["type"] for c in dim_customers["columns"]}
    assert types["customer_id"] == "VARCHAR"
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["cohort_month"] == "DATE"
    assert types["current_mrr"] == "DECIMAL(38,6)"
    assert [c["name"] for c in dim_customers["columns"]][0] == "customer_id"
    # the manifest is written last
    assert all(manifest_path.stat().st_mtime_ns >= (tmp_path / f).stat().st_mtime_ns for f in files.values())


def test_stale_files_of_the_previous_export_go_and_other_files_stay(published, tmp_path):
    # an earlier export, when the warehouse still had a mart that has since been dropped
    previous = [("dim_customers", "dim_customers.parquet"), ("fct_dropped", "fct_dropped.parquet")]
    manifest = {"format": "parquet", "tables": [{"table": t, "file": f, "rows": 0, "columns": []} for t, f in previous]}
    (tmp_path / "_manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "dim_customers.parquet").write_bytes(b"old")
    (tmp_path / "fct_dropped.parquet").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "my_extract.parquet").write_bytes(b"mine too")

    export_marts(published, tmp_path, "parquet")
    assert not (tmp_path / "fct_dropped.parquet").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "my_extract.parquet").read_bytes() == b"mine too"
    assert pq.read_table(tmp_path / "dim_customers.parquet").num_rows == marts_row_counts(published)["dim_customers"]

    # switching format: the parquet files of the previous export are stale too
    export_marts(published, tmp_path, "csv")
    marts = set(marts_row_counts(published))
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f"{t}.csv" for t in marts} | {"_manifest.json", "notes.txt", "my_extract.parquet"}


class FailingCopy:
    """A DuckDB connection whose COPY of one table raises, as a full disk would."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str):
        self.con, self.table = con, table

    def __getattr__(self, name):
        return getattr(self.con, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.con.close()

    def execute(self, sql: str, *args):
        if sql.lower().startswith("copy") and f'marts."{self.table}"' in sql:
            raise duckdb.IOException("No space left on device")
        return self.con.execute(sql, *args)


def test_failed_export_leaves_the_folder_as_it_was(published, tmp_path, monkeypatch):
    export_marts(published, tmp_path, "parquet")
    (tmp_path / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    assert not [name for name in before if name.startswith(".")]

    failing = "fct_mrr_monthly"  # tables before it in name order are written first
    assert sorted(marts_row_counts(published)).index(failing) > 2
    connect = duckdb.connect
    fake = SimpleNamespace(connect=lambda *args, **kwargs: FailingCopy(connect(*args, **kwargs), failing))
    monkeypatch.setattr(export, "duckdb", fake)
    with pytest.raises(duckdb.IOException):
        export_marts(published, tmp_path, "csv")
    assert snapshot(tmp_path) == before
