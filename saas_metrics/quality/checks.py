"""Building checks: a Great Expectations expectation plus the report fields that explain it."""

from __future__ import annotations

import uuid

from saas_metrics.quality.model import ERROR, Check

# Suite versions, bumped whenever a suite's expectations change; stored in each expectation's meta.
SUITE_VERSIONS = {"raw": 1, "marts": 1}

# Our severities as GX severities (shown in Data Docs).
GX_SEVERITY = {ERROR: "critical", "warning": "warning"}


def make_check(
    suite: str,
    table: str,
    report_column: str | None,
    severity: str,
    expectation_cls,
    description: str,
    example_columns: tuple[str, ...] | None = None,
    **kwargs,
) -> Check:
    """One check: expectation_cls(**kwargs) with the severity, and a note giving severity and meaning.

    table and report_column say where a reader should look; kwargs (e.g. column=...) go to GX.
    """
    key = uuid.uuid4().hex
    meta = {
        "suite": suite,
        "suite_version": SUITE_VERSIONS[suite],
        "table": table,
        "column": report_column,
        "check_key": key,
    }
    notes = f"Severity {severity}: {description}"
    expectation = expectation_cls(severity=GX_SEVERITY[severity], meta=meta, notes=notes, **kwargs)
    return Check(
        suite, table, report_column, severity, expectation, description, example_columns=example_columns, key=key
    )
