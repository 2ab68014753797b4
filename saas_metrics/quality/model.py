"""The objects the quality gate works with: checks, the frames they run on, results and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
SUITES = ("raw", "marts")

# How many offending rows or values a result keeps (in the audit table and in messages).
EXAMPLE_LIMIT = 5
# How many of them a QualityError message shows per failed expectation.
MESSAGE_EXAMPLES = 3


@dataclass
class Check:
    """One expectation of a suite, with what the report needs to explain a failure.

    `expectation` is a Great Expectations expectation object; `table` and `column` are what a
    reader of the report should look at (for cross-row checks, the mart column the check is about,
    which is not necessarily the column of the derived frame the expectation runs on).
    """

    suite: str
    table: str
    column: str | None
    severity: str
    expectation: Any
    description: str
    # Columns of an offending row to show as an example (None: every column of the frame).
    example_columns: tuple[str, ...] | None = None
    # For checks whose table or column is only known from the offending rows: the frame columns
    # that name them (e.g. the catalog frame's column_name).
    table_from_examples: str | None = None
    column_from_examples: str | None = None
    # Set by the runner: the key that maps a GX result back to this check.
    key: str = ""

    @property
    def expectation_type(self) -> str:
        return self.expectation.expectation_type


@dataclass
class Frame:
    """A DataFrame read from the warehouse with one query, validated by one expectation suite."""

    name: str
    query: str
    checks: list[Check]
    parameters: list[Any] = field(default_factory=list)
    # A frame with no rows has nothing to check: its checks are reported as skipped, not run.
    skip_if_empty: bool = False
    # How many offending rows GX returns per expectation.
    example_limit: int = EXAMPLE_LIMIT


@dataclass
class CheckResult:
    """The outcome of one check. success is None for a check that was skipped."""

    suite: str
    table: str
    column: str | None
    expectation_type: str
    severity: str
    success: bool | None
    description: str
    unexpected_count: int | None = None
    examples: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def skipped(self) -> bool:
        return self.success is None

    @property
    def location(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table

    def line(self, examples: int = MESSAGE_EXAMPLES) -> str:
        """One line for a message: suite, table.column, expectation, what failed and a few examples."""
        text = f"[{self.suite}] {self.location}: {self.expectation_type} ({self.description})"
        if self.skipped:
            return f"{text}: skipped, {self.message}"
        if self.message:
            text += f": {self.message}"
        if self.examples:
            shown = "; ".join(self.examples[:examples])
            more = " ..." if len(self.examples) > examples or (self.unexpected_count or 0) > examples else ""
            text += f"; e.g. {shown}{more}"
        return text


@dataclass
class ValidationReport:
    """Everything one validate() call found. Written to audit.validation_runs / audit.validation_results."""

    run_id: str
    suite: str
    database: Path
    as_of: date | None
    started_at: datetime
    finished_at: datetime | None = None
    results: list[CheckResult] = field(default_factory=list)
    docs_index: Path | None = None
    notes: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def evaluated(self) -> list[CheckResult]:
        return [r for r in self.results if not r.skipped]

    @property
    def failures(self) -> list[CheckResult]:
        """Failed error-level checks: any of them makes validate() raise."""
        return [r for r in self.evaluated if r.success is False and r.severity == ERROR]

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed warning-level checks: reported, never raised."""
        return [r for r in self.evaluated if r.success is False and r.severity == WARNING]

    @property
    def skipped(self) -> list[CheckResult]:
        return [r for r in self.results if r.skipped]

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def expectations_evaluated(self) -> int:
        return len(self.evaluated)

    @property
    def expectations_failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        """A few lines for a terminal: counts, then every error, warning and skip."""
        status = "passed" if self.success else "FAILED"
        lines = [
            f"quality suite {self.suite} {status}: {self.expectations_evaluated} expectations evaluated, "
            f"{self.expectations_failed} failed, {len(self.warnings)} warning(s), {len(self.skipped)} skipped "
            f"(run {self.run_id})"
        ]
        lines += [f"  error: {r.line()}" for r in self.failures]
        lines += [f"  warning: {r.line()}" for r in self.warnings]
        grouped: dict[tuple[str, str], int] = {}
        for r in self.skipped:
            grouped[(r.table, r.message)] = grouped.get((r.table, r.message), 0) + 1
        lines += [f"  skipped: {table}: {n} check(s), {reason}" for (table, reason), n in grouped.items()]
        if self.docs_index:
            lines.append(f"  data docs: {self.docs_index}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


class QualityError(Exception):
    """Error-level expectations failed. The report (also in the audit tables) is attached."""

    def __init__(self, report: ValidationReport):
        self.report = report
        failures = report.failures
        lines = [
            f"data quality suite {report.suite!r} failed: {len(failures)} error-level expectation(s) failed "
            f"in {report.database} (run {report.run_id}; details in audit.validation_results"
            + (f", data docs {report.docs_index}" if report.docs_index else "")
            + ")"
        ]
        lines += [f"- {r.line()}" for r in failures]
        super().__init__("\n".join(lines))
