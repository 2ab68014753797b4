"""Data-quality gate: Great Expectations suites over the raw tables and the marts.

    from saas_metrics.quality import validate, QualityError, ValidationReport
    report = validate(Path("warehouse/saas_metrics.duckdb"), suite="all")

Importing this package is cheap; Great Expectations is imported on the first validate() call.
See docs/data_quality.md for the suites, severities, the audit tables and Data Docs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from saas_metrics.quality.model import CheckResult, QualityError, ValidationReport

__all__ = ["CheckResult", "QualityError", "ValidationReport", "validate"]


def validate(
    database: Path,
    suite: str = "all",
    as_of: date | None = None,
    docs_dir: Path | None = None,
    row_count_drop_tolerance: float = 0.5,
) -> ValidationReport:
    """Validates a warehouse file with the `raw`, `marts` or `all` suites.

    Results are appended to audit.validation_runs / audit.validation_results (and mart row counts to
    audit.validation_row_counts) before anything is raised. Raises QualityError when an error-level
    expectation fails; warning-level failures are in report.warnings. Data Docs are written to
    docs_dir (default: <database folder>/data_docs). A mart drop of more than
    row_count_drop_tolerance of its rows since the last successful marts run is an error.
    """
    from saas_metrics.quality.runner import validate as run

    return run(
        database,
        suite=suite,
        as_of=as_of,
        docs_dir=docs_dir,
        row_count_drop_tolerance=row_count_drop_tolerance,
    )
