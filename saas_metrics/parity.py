"""Row-by-row comparison of the public marts built by two engines (DuckDB and Spark).

The Spark marts are read from the Parquet files of Spark's local warehouse folder
(`<spark dir>/tables/marts.db/<mart>/`, with `month=...` folders for partitioned tables), so no
second JVM is needed to read them. Rows are matched
after sorting both sides on every column (money rounded to the cent, doubles to 6 places, for the
sort only); values then compare exactly, except DECIMAL money within 0.01 and DOUBLE values within
1e-9 (relative to the value when it is larger than 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from saas_metrics.export import public_marts, select_list, table_columns
from saas_metrics.loader import qident, qstr

MONEY_TOLERANCE = Decimal("0.01")
DOUBLE_TOLERANCE = 1e-9


@dataclass
class MartDiff:
    mart: str
    problems: list[str] = field(default_factory=list)


def spark_mart_folder(spark_dir: Path, mart: str) -> Path:
    return spark_dir / "tables" / "marts.db" / mart


def _sort_key(row: tuple, kinds: list[str]) -> tuple:
    key = []
    for value, kind in zip(row, kinds, strict=True):
        if value is None:
            key.append((0, ""))
        elif kind == "decimal":
            key.append((1, f"{round(float(value), 2):020.2f}"))
        elif kind == "double":
            key.append((1, f"{round(float(value), 6):030.6f}"))
        else:
            key.append((1, str(value)))
    return tuple(key)


def _same(a, b, kind: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if kind == "decimal":
        return abs(Decimal(a) - Decimal(b)) <= MONEY_TOLERANCE
    if kind == "double":
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= DOUBLE_TOLERANCE * max(1.0, abs(a))
    return a == b


def _kind(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "decimal"
    if duckdb_type in ("DOUBLE", "FLOAT"):
        return "double"
    return "exact"


def compare_marts(duckdb_database: Path, spark_dir: Path, max_examples: int = 5) -> list[MartDiff]:
    """Every public mart of the DuckDB warehouse against Spark's copy; returns the marts that differ."""
    diffs = []
    with duckdb.connect(str(duckdb_database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for mart in public_marts(con):
            diff = MartDiff(mart)
            columns = table_columns(con, "marts", mart)
            names = [name for name, _ in columns]
            kinds = [_kind(dtype) for _, dtype in columns]
            folder = spark_mart_folder(spark_dir, mart)
            if not folder.exists():
                diff.problems.append(f"no Spark table at {folder}")
                diffs.append(diff)
                continue
            # the same column list for both sides; Spark writes UTC instants, read back as the
            # warehouse's UTC timestamps (a no-op cast on DuckDB's side)
            columns_sql = select_list(columns, "timestamp")
            left = con.execute(f"select {columns_sql} from marts.{qident(mart)}").fetchall()
            # a table partitioned by month (an incremental model) keeps its files in month= folders
            right_source = f"read_parquet({qstr(str(folder / '**' / '*.parquet'))}, hive_partitioning = true)"
            spark_columns = [d[0] for d in con.execute(f"select * from {right_source} limit 0").description]
            # Spark lists a partitioned table's partition column last: names must match, not order
            if sorted(spark_columns) != sorted(names):
                diff.problems.append(f"columns differ: duckdb {names} spark {spark_columns}")
                diffs.append(diff)
                continue
            right = con.execute(f"select {columns_sql} from {right_source}").fetchall()
            if len(left) != len(right):
                diff.problems.append(f"row count: duckdb {len(left)}, spark {len(right)}")
            left.sort(key=lambda row: _sort_key(row, kinds))
            right.sort(key=lambda row: _sort_key(row, kinds))
            for index, (lrow, rrow) in enumerate(zip(left, right, strict=False)):
                for name, kind, a, b in zip(names, kinds, lrow, rrow, strict=True):
                    if not _same(a, b, kind):
                        diff.problems.append(f"row {index} column {name}: duckdb {a!r}, spark {b!r}")
                        break
                if len(diff.problems) >= max_examples:
                    break
            if diff.problems:
                diffs.append(diff)
    return diffs
