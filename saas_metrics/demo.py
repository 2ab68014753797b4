"""`saas-metrics demo`: simulate a company, load its exports, build the marts, print the headline numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from saas_metrics.cli_report import headline_lines
from saas_metrics.dbt_runner import BuildError
from saas_metrics.loader import LoadError, load_directory
from saas_metrics.pipeline import build_and_publish
from saas_metrics.quality import QualityError
from saas_metrics.rejects import RejectsPending
from saas_metrics.warehouse import WarehouseBusy, exclusive, has_table, work_path

DEMO_MARKER = "raw._demo"


def made_by_demo(database: Path) -> bool:
    """Whether a warehouse file was made by the demo (it carries DEMO_MARKER), so that the demo may
    replace it."""
    with duckdb.connect(str(database), read_only=True) as con:
        return has_table(con, DEMO_MARKER)


def run_demo(database: Path, data_dir: Path, customers: int, months: int, seed: int) -> int:
    try:
        with exclusive(database, "demo"):
            return _run_demo(database, data_dir, customers, months, seed)
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run_demo(database: Path, data_dir: Path, customers: int, months: int, seed: int) -> int:
    from saas_metrics.generator import generate

    # the demo replaces the whole warehouse, raw data included: never one it did not make
    for existing in (database, work_path(database)):
        if existing.exists() and not made_by_demo(existing):
            print(
                f"error: {existing} holds a warehouse the demo did not make, and the demo would replace it with a "
                "simulated company; pass --database with another path (or remove the file yourself)",
                file=sys.stderr,
            )
            return 2
    print(f"Simulating {customers} customers over {months} months into {data_dir} ...", flush=True)
    generate(data_dir, customers=customers, months=months, seed=seed, fmt="parquet", progress=True)
    # the demo starts from an empty working copy; the published file is replaced only after the build passes
    work_path(database).unlink(missing_ok=True)
    print(f"Loading {data_dir} ...", flush=True)
    try:
        results = load_directory(data_dir, work_path(database))
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rejected = sum(r.rows_rejected for r in results)
    print(f"{sum(r.rows_read for r in results)} rows read, {rejected} rejected", flush=True)
    with duckdb.connect(str(work_path(database))) as con:
        con.execute(
            f"create or replace table {DEMO_MARKER} as select ? as data_dir, ? as customers, ? as months, ? as seed",
            [str(data_dir), customers, months, seed],
        )
    try:
        build_and_publish(database)
    except (BuildError, QualityError, RejectsPending) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Published {database}")
    with duckdb.connect(str(database), read_only=True) as con:
        for line in headline_lines(con):
            print(line)
    from saas_metrics.report import write_report

    report = write_report(database, database.with_name("report.html"))
    print(f"Report: {report}")
    return 0
