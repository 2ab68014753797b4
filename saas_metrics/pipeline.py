"""The load -> validate -> build -> validate -> publish pipeline behind the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from saas_metrics.dbt_runner import build
from saas_metrics.loader import TableLoadResult, load_directory
from saas_metrics.rejects import check_rejects
from saas_metrics.warehouse import ensure_work_copy, exclusive, publish


def load(source_dir: Path, published: Path, accept_rejects: bool = False) -> list[TableLoadResult]:
    """Loads exports into the working copy; the published file changes only when a build passes.
    With accept_rejects, the rows this load rejects do not stop the next build."""
    with exclusive(published, "load"):
        return load_directory(source_dir, ensure_work_copy(published), accept_rejects=accept_rejects)


def build_and_publish(
    published: Path,
    as_of: str | None = None,
    dbt_vars: dict | None = None,
    select: Sequence[str] | None = None,
    validate: bool = True,
    exclude: Sequence[str] | None = None,
    target: str = "duckdb",
    spark_dir: Path | None = None,
    full_refresh: bool = False,
    target_path: Path | None = None,
    unit_tests: bool = False,
    allow_rejects: bool = False,
) -> bool:
    """Validates raw data, builds and tests every model, validates the marts, then publishes;
    returns whether it published.

    Any failure raises (RejectsPending, QualityError or BuildError) before publishing, so readers of
    the published file keep the last good warehouse. Rows rejected by a load stop it while they are
    pending (allow_rejects accepts them; saas_metrics.rejects). A build with `select` or `exclude`
    builds and tests only part of the project in the working copy and is never published: the
    published file would otherwise pair new raw data with marts left as they were, and skip the
    tests of the rest.

    With target "spark" the raw tables landed in the DuckDB working copy are validated, written to
    Parquet under spark_dir and built there by Spark; dbt's data tests run on Spark, the marts live
    in Spark's warehouse, and the DuckDB file is left as it was (see README "Scaling out").
    """
    options = {
        "as_of": as_of,
        "select": select,
        "exclude": exclude,
        "full_refresh": full_refresh,
        "target_path": target_path,
        "unit_tests": unit_tests,
    }
    as_of_date = date.fromisoformat(as_of) if as_of else None
    with exclusive(published, "build"):
        work = ensure_work_copy(published)
        check_rejects(work, accept=allow_rejects)
        if validate:
            from saas_metrics.quality import validate as run_suite

            _show(run_suite(work, suite="raw", as_of=as_of_date))
        if target == "spark":
            from saas_metrics.spark import BOOKKEEPING_TABLES, export_raw, resolve_spark_dir

            spark_dir = resolve_spark_dir(spark_dir)
            written = export_raw(work, spark_dir)
            bookkeeping = [t for t in written if t in BOOKKEEPING_TABLES]
            spark_vars = {**(dbt_vars or {}), "raw_parquet_bookkeeping_tables": bookkeeping}
            build(work, dbt_vars=spark_vars, target="spark", spark_dir=spark_dir, **options)
            return False
        build(work, dbt_vars=dbt_vars, **options)
        if select or exclude:
            return False
        if validate:
            _show(run_suite(work, suite="marts", as_of=as_of_date))
        publish(work, published)
        return True


def _show(report) -> None:
    """Prints a quality suite's counts and every warning: warnings never stop a build, so the build's
    output is where they are seen (and in the audit tables)."""
    print(report.summary(), flush=True)
