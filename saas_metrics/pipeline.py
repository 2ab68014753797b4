"""The load -> validate -> build -> validate -> publish pipeline behind the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from saas_metrics.dbt_runner import build
from saas_metrics.loader import TableLoadResult, load_directory
from saas_metrics.warehouse import ensure_work_copy, publish


def load(source_dir: Path, published: Path) -> list[TableLoadResult]:
    """Loads exports into the working copy; the published file changes only when a build passes."""
    return load_directory(source_dir, ensure_work_copy(published))


def build_and_publish(
    published: Path,
    as_of: str | None = None,
    dbt_vars: dict | None = None,
    select: Sequence[str] | None = None,
    validate: bool = True,
    full_refresh: bool = False,
) -> None:
    """Validates raw data, builds and tests every model, validates the marts, then publishes.

    Any failure raises (QualityError or BuildError) before publishing, so readers of the
    published file keep the last good warehouse.
    """
    work = ensure_work_copy(published)
    if validate:
        from saas_metrics.quality import validate as run_suite

        run_suite(work, suite="raw", as_of=date.fromisoformat(as_of) if as_of else None)
    build(work, as_of=as_of, dbt_vars=dbt_vars, select=select, full_refresh=full_refresh)
    if validate:
        run_suite(work, suite="marts", as_of=date.fromisoformat(as_of) if as_of else None)
    publish(work, published)
