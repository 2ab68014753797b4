"""The warehouse's `audit` schema: every validation run, every expectation result, mart row counts."""

from __future__ import annotations

import json
import time

import duckdb
import pandas as pd

from saas_metrics.quality.model import ValidationReport

RUNS_TABLE = "audit.validation_runs"
RESULTS_TABLE = "audit.validation_results"
ROW_COUNTS_TABLE = "audit.validation_row_counts"

DDL = (
    "create schema if not exists audit",
    f"""create table if not exists {RUNS_TABLE} (
        run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, suite VARCHAR, success BOOLEAN,
        expectations_evaluated INTEGER, expectations_failed INTEGER, warnings INTEGER)""",
    f"""create table if not exists {RESULTS_TABLE} (
        run_id VARCHAR, suite VARCHAR, table_name VARCHAR, column_name VARCHAR, expectation_type VARCHAR,
        severity VARCHAR, success BOOLEAN, unexpected_count BIGINT, unexpected_examples VARCHAR, message VARCHAR)""",
    f"""create table if not exists {ROW_COUNTS_TABLE} (
        run_id VARCHAR, table_name VARCHAR, row_count BIGINT)""",
)

# How long to wait for another process to release the file before giving up on writing the results.
LOCK_WAIT_SECONDS = 10.0

# Runs whose suite covers the marts (the ones that record mart row counts).
MART_SUITES = ("marts", "all")


def audit_tables(catalog: dict[str, dict[str, str]]) -> bool:
    return all(name in catalog for name in (RUNS_TABLE, ROW_COUNTS_TABLE))


def read_baseline(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, int]] | None:
    """(run_id, {mart: row count}) of the latest successful run that validated the marts, if any."""
    row = con.execute(
        f"""
        select runs.run_id
        from {RUNS_TABLE} as runs
        where runs.success and runs.suite in ({", ".join(f"'{s}'" for s in MART_SUITES)})
          and exists (select 1 from {ROW_COUNTS_TABLE} as counts where counts.run_id = runs.run_id)
        order by runs.finished_at desc, runs.started_at desc
        limit 1
        """
    ).fetchone()
    if row is None:
        return None
    counts = con.execute(f"select table_name, row_count from {ROW_COUNTS_TABLE} where run_id = ?", [row[0]]).fetchall()
    return row[0], {table: int(count) for table, count in counts}


def write_report(database: str, report: ValidationReport) -> None:
    """Appends the run, its results and its row counts, in one short read-write transaction."""
    runs = pd.DataFrame(
        [
            {
                "run_id": report.run_id,
                "started_at": report.started_at,
                "finished_at": report.finished_at,
                "suite": report.suite,
                "success": report.success,
                "expectations_evaluated": report.expectations_evaluated,
                "expectations_failed": report.expectations_failed,
                "warnings": len(report.warnings),
            }
        ]
    )
    results = pd.DataFrame(
        [
            {
                "run_id": report.run_id,
                "suite": r.suite,
                "table_name": r.table,
                "column_name": r.column,
                "expectation_type": r.expectation_type,
                "severity": r.severity,
                "success": r.success,
                "unexpected_count": r.unexpected_count,
                "unexpected_examples": json.dumps(r.examples) if r.examples else None,
                "message": f"{r.description}: {r.message}" if r.message else r.description,
            }
            for r in report.results
        ],
        columns=[
            "run_id",
            "suite",
            "table_name",
            "column_name",
            "expectation_type",
            "severity",
            "success",
            "unexpected_count",
            "unexpected_examples",
            "message",
        ],
    ).astype({"success": "boolean", "unexpected_count": "Int64"})
    counts = pd.DataFrame(
        [{"run_id": report.run_id, "table_name": t, "row_count": n} for t, n in sorted(report.row_counts.items())],
        columns=["run_id", "table_name", "row_count"],
    )
    con = _connect_for_writing(database)
    try:
        con.execute("begin transaction")
        for statement in DDL:
            con.execute(statement)
        for table, frame in ((RUNS_TABLE, runs), (RESULTS_TABLE, results), (ROW_COUNTS_TABLE, counts)):
            if len(frame):
                con.register("_audit_rows", frame)
                columns = ", ".join(frame.columns)
                con.execute(f"insert into {table} ({columns}) select {columns} from _audit_rows")
                con.unregister("_audit_rows")
        con.execute("commit")
    finally:
        con.close()


def _connect_for_writing(database: str) -> duckdb.DuckDBPyConnection:
    """A read-write connection; waits a little while another process holds the file."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(database)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.25)
