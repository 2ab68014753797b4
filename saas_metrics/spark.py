"""Running the project on Apache Spark (dbt target `spark`).

Raw exports are always landed by `saas-metrics load` into the DuckDB working copy: the loader's
typing, rejects and re-delivery rules are the same for both engines. For a Spark build the landed
raw tables are written as Parquet under `<spark dir>/raw/<table>/`, and dbt's on-run-start hook
(macro `register_raw_tables`) declares them as Spark tables in schema `raw`. Models, tests and marts
then live in Spark's own warehouse folder (`<spark dir>/tables`, metastore in `<spark dir>/metastore`).

On a cluster, land the raw tables in contract shape in the cluster's catalogue (schema `raw`) and
run dbt with `--target spark` and a Thrift or Databricks connection: see README "Scaling out".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from saas_metrics.contract import load_contract
from saas_metrics.export import select_list, table_columns
from saas_metrics.loader import qident, qstr

SPARK_DIR_ENV = "SAAS_METRICS_SPARK_DIR"
DEFAULT_SPARK_DIR = Path("warehouse") / "spark"


def resolve_spark_dir(spark_dir: str | Path | None = None) -> Path:
    """--spark-dir, else $SAAS_METRICS_SPARK_DIR, else warehouse/spark under the current folder."""
    chosen = spark_dir or os.environ.get(SPARK_DIR_ENV) or DEFAULT_SPARK_DIR
    return Path(chosen).expanduser().resolve()


def raw_dir(spark_dir: Path) -> Path:
    return spark_dir / "raw"


# The loader's bookkeeping tables that incremental models read (macros/incremental.sql), written
# beside the contract tables when the warehouse has them.
BOOKKEEPING_TABLES = ("_load_log", "_replaced_rows")


def export_raw(database: Path, spark_dir: Path) -> list[str]:
    """Writes every contract table of raw.* in `database` to <spark dir>/raw/<table>/ as Parquet,
    and the loader's bookkeeping tables that exist (BOOKKEEPING_TABLES).

    Timestamps are written as UTC instants (Parquet's adjusted-to-UTC timestamps), which Spark reads
    as its TIMESTAMP type in the project's UTC session. Returns the tables written.
    """
    target_root = raw_dir(spark_dir)
    written = []
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        for table in [*load_contract(), *BOOKKEEPING_TABLES]:
            if table not in present:
                if table in BOOKKEEPING_TABLES:
                    continue
                raise FileNotFoundError(f"raw.{table} is not in {database}: run saas-metrics load first")
            columns = select_list(table_columns(con, "raw", table), "timestamptz")
            folder = target_root / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.execute(
                f"copy (select {columns} from raw.{qident(table)}) "
                f"to {qstr(str(folder / 'part-0.parquet'))} (format parquet)"
            )
            written.append(table)
    return written
