"""Runs the frames' expectation suites with Great Expectations (pandas) and builds Data Docs.

An ephemeral GX context per run: suites, validation definitions and results live in memory; only
the Data Docs site is written, to a folder on disk. Nothing here touches the network.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from saas_metrics.quality.model import Check, CheckResult, Frame

DOCS_SITE = "data_quality"


def _result_format(example_limit: int) -> dict:
    return {"result_format": "SUMMARY", "partial_unexpected_count": example_limit, "include_unexpected_rows": True}


def _context(docs_dir: Path):
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_frames(
    frames: list[Frame],
    data: dict[str, pd.DataFrame],
    run_id: str,
    run_time: datetime,
    docs_dir: Path,
) -> tuple[list[CheckResult], Path | None, list[str]]:
    """Validates every frame that has data; returns the results, the Data Docs index and notes."""
    context = _context(docs_dir)
    datasource = context.data_sources.add_pandas("warehouse")
    run_identifier = RunIdentifier(run_name=run_id, run_time=run_time.replace(tzinfo=UTC))
    results: list[CheckResult] = []
    for frame in frames:
        if frame.name not in data:
            continue
        by_key: dict[str, Check] = {check.key: check for check in frame.checks}
        try:
            asset = datasource.add_dataframe_asset(frame.name)
            batch_definition = asset.add_batch_definition_whole_dataframe("whole table")
            suite = context.suites.add(
                gx.ExpectationSuite(name=frame.name, expectations=[c.expectation for c in frame.checks])
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=frame.name, data=batch_definition, suite=suite)
            )
            outcome = definition.run(
                batch_parameters={"dataframe": data[frame.name]},
                result_format=_result_format(frame.example_limit),
                run_id=run_identifier,
            )
        except Exception as exc:  # one frame GX cannot run must not lose the results of the others
            results += [failed_to_run(c, f"{type(exc).__name__}: {exc}") for c in frame.checks]
            continue
        seen = set()
        for result in outcome.results:
            key = (result.expectation_config.meta or {}).get("check_key")
            check = by_key.get(key)
            if check is None:
                continue
            seen.add(key)
            results.append(_to_result(check, result, frame.example_limit))
        for key, check in by_key.items():
            if key not in seen:
                results.append(failed_to_run(check, "Great Expectations returned no result"))
    docs_index: Path | None = None
    notes: list[str] = []
    try:
        urls = context.build_data_docs(site_names=[DOCS_SITE])
        docs_index = Path(docs_dir) / "index.html"
        if DOCS_SITE not in urls or not docs_index.exists():
            notes.append(f"Data Docs were not written to {docs_dir}")
            docs_index = None
    except Exception as exc:  # Data Docs are a convenience; the gate and the audit tables do not depend on them
        notes.append(f"Data Docs could not be built in {docs_dir}: {exc}")
    return results, docs_index, notes


def failed_to_run(check: Check, reason: str) -> CheckResult:
    return CheckResult(
        suite=check.suite,
        table=check.table,
        column=check.column,
        expectation_type=check.expectation_type,
        severity=check.severity,
        success=False,
        description=check.description,
        message=f"could not be evaluated: {reason}",
    )


def skipped_result(check: Check, reason: str) -> CheckResult:
    return CheckResult(
        suite=check.suite,
        table=check.table,
        column=check.column,
        expectation_type=check.expectation_type,
        severity=check.severity,
        success=None,
        description=check.description,
        message=reason,
    )


def _exception_message(info: Any) -> str | None:
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    if isinstance(info, dict):
        messages = [
            v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("raised_exception")
        ]
        return "; ".join(m for m in messages if m) or None
    return None


def format_value(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return "null"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(round(value, 6))
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ") if (value.hour, value.minute, value.second) != (0, 0, 0) else str(value.date())
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return format_value(value.item())
    return str(value)


def _examples(check: Check, result: dict, limit: int) -> tuple[list[str], list[dict]]:
    rows = result.get("unexpected_rows")
    if isinstance(rows, pd.DataFrame) and len(rows):
        columns = [c for c in (check.example_columns or rows.columns) if c in rows.columns] or list(rows.columns)
        records = rows[columns].head(limit).to_dict("records")
        return [", ".join(f"{k}={format_value(v)}" for k, v in rec.items()) for rec in records], records
    values = result.get("partial_unexpected_list") or []
    return [format_value(v) if not isinstance(v, dict) else str(v) for v in values[:limit]], []


def _to_result(check: Check, validation, example_limit: int) -> CheckResult:
    result = validation.result or {}
    error = _exception_message(validation.exception_info)
    examples, records = _examples(check, result, example_limit)
    unexpected = result.get("unexpected_count")
    message = ""
    if error:
        message = f"could not be evaluated: {error}"
    elif not validation.success:
        if unexpected is not None:
            message = f"{unexpected} of {result.get('element_count')} rows unexpected"
        elif "observed_value" in result:
            message = f"observed {format_value(result['observed_value'])}"
    table, column = check.table, check.column
    if records and check.table_from_examples:
        tables = list(dict.fromkeys(format_value(r.get(check.table_from_examples)) for r in records))
        table = ", ".join(tables)
        if check.column_from_examples:
            if len(tables) == 1:
                names = (format_value(r.get(check.column_from_examples)) for r in records)
            else:
                names = (
                    f"{format_value(r.get(check.table_from_examples))}.{format_value(r.get(check.column_from_examples))}"
                    for r in records
                )
            column = ", ".join(dict.fromkeys(names))
    return CheckResult(
        suite=check.suite,
        table=table,
        column=column,
        expectation_type=check.expectation_type,
        severity=check.severity,
        success=bool(validation.success) and not error,
        description=check.description,
        unexpected_count=int(unexpected) if unexpected is not None else None,
        examples=examples if not validation.success else [],
        message=message,
    )
