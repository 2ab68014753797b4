"""Runs this dbt project against a DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from saas_metrics.contract import project_dir

DATABASE_ENV = "SAAS_METRICS_DATABASE"
DEFAULT_DATABASE = Path("warehouse") / "saas_metrics.duckdb"


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
    completed = subprocess.run(args, env=env, cwd=project, check=False)
    if completed.returncode != 0:
        raise BuildError(f"dbt {' '.join(command)} failed against {database} (exit code {completed.returncode})")


def build(
    database: Path,
    as_of: str | None = None,
    dbt_vars: dict | None = None,
    select: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> None:
    """dbt build; incremental models rebuild only changed months unless full_refresh."""
    merged = dict(dbt_vars or {})
    if as_of:
        merged["as_of"] = as_of
    extra = (["--exclude", *exclude] if exclude else []) + (["--full-refresh"] if full_refresh else [])
    run_dbt(["build"], database, merged, select, extra_args=extra)
