"""`saas-metrics export`: every public mart as Parquet or CSV files, for tools that read files."""

from __future__ import annotations

from pathlib import Path

import duckdb

from saas_metrics.loader import qident, qstr


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


def export_marts(database: Path, out_dir: Path, fmt: str = "parquet") -> list[Path]:
    """Writes marts.<table> to out_dir/<table>.<fmt>, reading the published file read-only."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be parquet or csv, got {fmt!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(database), read_only=True) as con:
        for table in public_marts(con):
            target = out_dir / f"{table}.{fmt}"
            options = "(format parquet)" if fmt == "parquet" else "(format csv, header true)"
            con.execute(f"copy (select * from marts.{qident(table)} order by all) to {qstr(str(target))} {options}")
            written.append(target)
    return written
