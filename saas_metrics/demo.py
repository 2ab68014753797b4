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
from saas_metrics.warehouse import work_path


def run_demo(database: Path, data_dir: Path, customers: int, months: int, seed: int) -> int:
    from saas_metrics.generator import generate

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
    try:
        build_and_publish(database)
    except (BuildError, QualityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Published {database}")
    with duckdb.connect(str(database), read_only=True) as con:
        for line in headline_lines(con):
            print(line)
    from saas_metrics.report import write_report

    report = write_report(database, database.with_name("report.html"))
    print(f"Report: {report}")
    return 0 if rejected == 0 else 1
