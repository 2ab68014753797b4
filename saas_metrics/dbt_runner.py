"""Runs this dbt project against a DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from saas_metrics.contract import project_dir
from saas_metrics.spark import SPARK_DIR_ENV

DATABASE_ENV = "SAAS_METRICS_DATABASE"
DEFAULT_DATABASE = Path("warehouse") / "saas_metrics.duckdb"
TARGET_ENV = "SAAS_METRICS_TARGET"


class BuildError(Exception):
    """dbt finished with errors (a failed model or an error-level test)."""


def resolve_database(database: str | Path | None) -> Path:
    """--database, else $SAAS_METRICS_DATABASE, else warehouse/saas_metrics.duckdb under the current folder."""
    chosen = database or os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE
    return Path(chosen).expanduser().resolve()


def run_dbt(
    command: Sequence[str],
    database: Path,
    dbt_vars: dict | None = None,
    select: Sequence[str] | None = None,
    extra_args: Sequence[str] = (),
    target_path: Path | None = None,
    target: str | None = None,
    spark_dir: Path | None = None,
) -> None:
    """Runs one dbt command (e.g. ["build"]) in a child process, its progress shown as it goes.

    A child process, so that the DuckDB file is closed when dbt finishes and other processes
    (readers, the next step of the pipeline) can open it. Raises BuildError when dbt fails.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    project = project_dir()
    args = [
        sys.executable,
        "-c",
        "import sys; from dbt.cli.main import cli; sys.exit(cli())",
        *command,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target_path or project / "target"),
        "--log-path",
        str(project / "logs"),
    ]
    if dbt_vars:
        args += ["--vars", yaml.safe_dump(dbt_vars, default_flow_style=True).strip()]
    if select:
        args += ["--select", *select]
    args += list(extra_args)
    env = {**os.environ, DATABASE_ENV: str(database)}
    if target:
        env[TARGET_ENV] = target
    if spark_dir:
        env[SPARK_DIR_ENV] = str(spark_dir)
    completed = subprocess.run(args, env=env, cwd=project, check=False)
    if completed.returncode != 0:
        where = f"Spark ({spark_dir})" if target == "spark" else str(database)
        raise BuildError(f"dbt {' '.join(command)} failed against {where} (exit code {completed.returncode})")


def build_flags(
    exclude: Sequence[str] | None = None, full_refresh: bool = False, unit_tests: bool = False
) -> list[str]:
    """dbt build's selection flags for a production build: unit tests left out unless asked for."""
    flags = ["--exclude", *exclude] if exclude else []
    if not unit_tests:
        flags += ["--exclude-resource-type", "unit_test"]
    return flags + (["--full-refresh"] if full_refresh else [])


def build(
    database: Path,
    as_of: str | None = None,
    dbt_vars: dict | None = None,
    select: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    target: str | None = None,
    spark_dir: Path | None = None,
    target_path: Path | None = None,
    full_refresh: bool = False,
    unit_tests: bool = False,
) -> None:
    """dbt build (models, seeds and data tests); incremental models rebuild only changed months unless
    full_refresh. dbt's unit tests check the models' code on fixed inputs, not the warehouse's data,
    so they run only when unit_tests is set (CI runs them all in tests/test_dbt_unit_tests.py).
    With target "spark", the raw tables are read from the Parquet folders under spark_dir
    (see saas_metrics.spark.export_raw)."""
    merged = dict(dbt_vars or {})
    if as_of:
        merged["as_of"] = as_of
    if target == "spark":
        from saas_metrics.spark import raw_dir

        merged.setdefault("raw_parquet_dir", str(raw_dir(spark_dir)))
    extra = build_flags(exclude, full_refresh, unit_tests)
    run_dbt(
        ["build"],
        database,
        merged,
        select,
        extra_args=extra,
        target_path=target_path,
        target=target,
        spark_dir=spark_dir,
    )
