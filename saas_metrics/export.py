"""`saas-metrics export`: every public mart as Parquet or CSV files, for tools that read files.

The marts' TIMESTAMP columns hold UTC instants without a zone; the files carry the zone: Parquet
timestamps are UTC-adjusted (isAdjustedToUTC=true), CSV text ends in `+00` (`2024-03-01 10:00:00+00`).
Every file is written into a hidden folder inside the output folder first and moved into place only
when all are written; files the previous export listed in `_manifest.json` and this one does not
write are then removed, and the new `_manifest.json` is moved into place last.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from saas_metrics.loader import qident, qstr
from saas_metrics.report.charts import Marts
from saas_metrics.report.page import read_as_of

MANIFEST = "_manifest.json"
FORMAT_OPTIONS = {"parquet": "(format parquet)", "csv": "(format csv, header true)"}


def public_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
        ).fetchall()
    ]


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """(column name, DuckDB data type) of schema.table, in table order."""
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


def select_list(columns: list[tuple[str, str]], timestamp_type: str) -> str:
    """The columns, quoted, with every TIMESTAMP column cast to timestamp_type (keeping its name)."""
    return ", ".join(
        f"cast({qident(name)} as {timestamp_type}) as {qident(name)}" if dtype == "TIMESTAMP" else qident(name)
        for name, dtype in columns
    )


def write_table(con: duckdb.DuckDBPyConnection, query: str, target: Path, fmt: str) -> int:
    """Writes the query's rows to target; returns the number of rows written."""
    (rows,) = con.execute(f"copy ({query}) to {qstr(str(target))} {FORMAT_OPTIONS[fmt]}").fetchone()
    return rows


def previous_files(out_dir: Path) -> set[str]:
    """The file names the previous export's manifest lists (plain names in out_dir only)."""
    path = out_dir / MANIFEST
    if not path.exists():
        return set()
    names = {table["file"] for table in json.loads(path.read_text())["tables"]}
    return {name for name in names if name == Path(name).name and name.endswith((".parquet", ".csv"))}


def export_marts(database: Path, out_dir: Path, fmt: str = "parquet") -> list[Path]:
    """Writes marts.<table> to out_dir/<table>.<fmt> and then out_dir/_manifest.json, reading the
    published file read-only; returns the paths written. A failure while writing leaves out_dir as it was."""
    if fmt not in FORMAT_OPTIONS:
        raise ValueError(f"format must be parquet or csv, got {fmt!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stale = previous_files(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir))
    try:
        tables = []
        with duckdb.connect(str(database), read_only=True) as con:
            con.execute("set TimeZone = 'UTC'")  # naive UTC timestamps cast to timestamptz keep their instant
            as_of = read_as_of(Marts(con))
            for table in public_marts(con):
                columns_sql = select_list(table_columns(con, "marts", table), "timestamptz")
                query = f"select {columns_sql} from marts.{qident(table)}"
                relation = con.sql(query)
                columns = [{"name": n, "type": str(t)} for n, t in zip(relation.columns, relation.types, strict=True)]
                name = f"{table}.{fmt}"
                rows = write_table(con, f"{query} order by all", staging / name, fmt)
                tables.append({"table": table, "file": name, "rows": rows, "columns": columns})
        manifest = {
            "exported_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "as_of": as_of.date.isoformat() if as_of.date else None,
            "as_of_month": as_of.month.isoformat() if as_of.month else None,
            "format": fmt,
            "tables": tables,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        written = []
        for table in tables:
            os.replace(staging / table["file"], out_dir / table["file"])
            written.append(out_dir / table["file"])
        for name in stale - {table["file"] for table in tables}:
            (out_dir / name).unlink(missing_ok=True)
        os.replace(staging / MANIFEST, out_dir / MANIFEST)
        return [*written, out_dir / MANIFEST]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
