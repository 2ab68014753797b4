"""validate(): read the warehouse read-only, run the suites, record the results, raise on errors."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from saas_metrics.loader import qident
from saas_metrics.quality import audit
from saas_metrics.quality.gx_run import failed_to_run, run_frames, skipped_result
from saas_metrics.quality.marts_suite import build_marts_frames
from saas_metrics.quality.model import SUITES, Check, Frame, QualityError, ValidationReport
from saas_metrics.quality.raw_suite import build_raw_frames

REPORTING_WINDOW = "intermediate.int_reporting_window"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def read_catalog(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """{"schema.table": {column: data type}} for every table and view of the database file."""
    rows = con.execute(
        """
        select table_schema, table_name, column_name, data_type
        from information_schema.columns
        where table_catalog = current_database()
        order by table_schema, table_name, ordinal_position
        """
    ).fetchall()
    catalog: dict[str, dict[str, str]] = {}
    for schema, table, column, data_type in rows:
        catalog.setdefault(f"{schema}.{table}", {})[column] = data_type
    return catalog


def resolve_as_of(con: duckdb.DuckDBPyConnection, catalog: dict, as_of: date | None) -> tuple[date, str]:
    """as_of given, else the project's default (the date of the latest billing record in raw), else the
    built reporting window's as_of_date, else today (UTC); with where it came from."""
    if as_of is not None:
        return as_of, "given"
    billing = [
        ("raw.billing_subscriptions", "created_at"),
        ("raw.billing_subscription_item_history", "valid_from"),
        ("raw.billing_invoices", "created_at"),
    ]
    if all(table in catalog for table, _ in billing):
        union = " union all ".join(f"select max({column}) as latest from {table}" for table, column in billing)
        (latest,) = con.execute(f"select cast(max(latest) as date) from ({union})").fetchone()
        if latest is not None:
            return latest, "latest billing record in raw"
    if REPORTING_WINDOW in catalog:
        try:
            row = con.execute(f"select as_of_date from {REPORTING_WINDOW}").fetchone()
        except duckdb.Error:
            row = None
        if row and row[0] is not None:
            return row[0], REPORTING_WINDOW
    return datetime.now(UTC).date(), "today (no as_of given and no reporting window built)"


def validate(
    database: Path,
    suite: str = "all",
    as_of: date | None = None,
    docs_dir: Path | None = None,
    row_count_drop_tolerance: float = 0.5,
) -> ValidationReport:
    """Runs the `raw`, `marts` or both (`all`) suites against a DuckDB warehouse file.

    Reads with a read-only connection, validates in memory with Great Expectations, writes Data Docs
    to docs_dir (default: <database folder>/data_docs), then appends the run to audit.validation_runs,
    audit.validation_results and audit.validation_row_counts with a short read-write connection.
    Raises QualityError (after writing) when an error-level expectation fails; warning-level
    failures are only reported (report.warnings).
    """
    if suite not in (*SUITES, "all"):
        raise ValueError(f"suite must be one of raw, marts, all; got {suite!r}")
    if not 0 <= row_count_drop_tolerance <= 1:
        raise ValueError(f"row_count_drop_tolerance must be within 0..1, got {row_count_drop_tolerance}")
    database = Path(database).expanduser().resolve()
    if not database.is_file():
        raise FileNotFoundError(f"no warehouse at {database}")
    docs_dir = Path(docs_dir).expanduser().resolve() if docs_dir else database.parent / "data_docs"
    suites = list(SUITES) if suite == "all" else [suite]

    report = ValidationReport(run_id=uuid.uuid4().hex, suite=suite, database=database, as_of=as_of, started_at=_now())
    frames: list[Frame] = []
    skipped: list[tuple[Check, str]] = []
    data: dict[str, pd.DataFrame] = {}
    unreadable: dict[str, str] = {}

    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        catalog = read_catalog(con)
        if "raw" in suites:
            report.as_of, source = resolve_as_of(con, catalog, as_of)
            if source != "given":
                report.notes.append(f"as_of {report.as_of} from {source}")
            # as_of taken from the data is checked against today: old data is stale, not current
            today = _now().date() if source != "given" else None
            raw_frames, raw_skipped = build_raw_frames(catalog, report.as_of, today)
            frames += raw_frames
            skipped += raw_skipped
        if "marts" in suites:
            baseline = audit.read_baseline(con) if audit.audit_tables(catalog) else None
            mart_frames, mart_skipped = build_marts_frames(catalog, baseline, row_count_drop_tolerance)
            frames += mart_frames
            skipped += mart_skipped
            for key in catalog:
                schema, table = key.split(".", 1)
                if schema == "marts":
                    (count,) = con.execute(f"select count(*) from marts.{qident(table)}").fetchone()
                    report.row_counts[table] = int(count)
        for frame in frames:
            try:
                data[frame.name] = con.execute(frame.query, frame.parameters or None).df()
            except duckdb.Error as exc:
                unreadable[frame.name] = str(exc).splitlines()[0]
    finally:
        con.close()

    for frame in frames:
        if frame.skip_if_empty and frame.name in data and data[frame.name].empty:
            del data[frame.name]
            skipped += [(c, "no rows to check (empty tables pass)") for c in frame.checks]
    try:
        results, report.docs_index, notes = run_frames(frames, data, report.run_id, report.started_at, docs_dir)
        report.notes += notes
    except Exception as exc:  # the gate fails closed, and the audit tables still say why
        reason = f"Great Expectations failed: {type(exc).__name__}: {exc}"
        results = [failed_to_run(c, reason) for f in frames if f.name in data for c in f.checks]
    for frame in frames:
        if frame.name in unreadable:
            results += [failed_to_run(c, f"reading the data failed: {unreadable[frame.name]}") for c in frame.checks]
    results += [skipped_result(check, reason) for check, reason in skipped]
    order = {name: i for i, name in enumerate(SUITES)}
    report.results = sorted(results, key=lambda r: (order.get(r.suite, 9), r.table))
    report.finished_at = _now()

    audit.write_report(str(database), report)
    if not report.success:
        raise QualityError(report)
    return report
