"""The `saas-metrics` command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import yaml

from saas_metrics.dbt_runner import BuildError, resolve_database
from saas_metrics.loader import LoadError, TableLoadResult
from saas_metrics.pipeline import build_and_publish, load
from saas_metrics.quality import QualityError
from saas_metrics.rejects import RejectsPending
from saas_metrics.warehouse import WarehouseBusy, ensure_work_copy, exclusive, work_path


def _as_of(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--as-of must be YYYY-MM-DD, got {value!r}") from exc


def _vars(value: str) -> dict:
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise argparse.ArgumentTypeError(f"--vars is not valid YAML: {exc}") from exc
    if not isinstance(parsed, dict):
        raise argparse.ArgumentTypeError("--vars must be a YAML mapping, e.g. '{lookback_days: 30}'")
    return parsed


def print_load_report(results: list[TableLoadResult], out=None) -> None:
    out = out or sys.stdout
    width = max(len(r.table) for r in results)
    print(f"{'table'.ljust(width)}  {'files':>5}  {'read':>10}  {'loaded':>10}  {'rejected':>8}", file=out)
    for r in results:
        print(
            f"{r.table.ljust(width)}  {len(r.files):>5}  {r.rows_read:>10}  {r.rows_loaded:>10}  {r.rows_rejected:>8}",
            file=out,
        )
    total_read = sum(r.rows_read for r in results)
    total_rejected = sum(r.rows_rejected for r in results)
    print(f"{total_read} rows read, {total_read - total_rejected} loaded, {total_rejected} rejected", file=out)
    for note in (note for r in results for note in r.notes):
        print(f"note: {note}", file=out)


def cmd_load(args: argparse.Namespace) -> int:
    database = resolve_database(args.database)
    try:
        results = load(Path(args.source_dir), database, accept_rejects=args.allow_rejects)
    except (LoadError, WarehouseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_load_report(results)
    rejected = sum(r.rows_rejected for r in results)
    if rejected:
        print(
            f"{rejected} row(s) rejected: see raw._rejects in {work_path(database)} (table, source_file, row_number, "
            "line_number, reason, raw_values)",
            file=sys.stderr,
        )
        if not args.allow_rejects:
            return 1
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    database = resolve_database(args.database)
    try:
        published = build_and_publish(
            database,
            as_of=args.as_of,
            dbt_vars=args.vars,
            select=args.select,
            exclude=args.exclude,
            validate=not args.skip_validation,
            target=args.target,
            spark_dir=Path(args.spark_dir) if args.spark_dir else None,
            full_refresh=args.full_refresh,
            unit_tests=args.unit_tests,
            allow_rejects=args.allow_rejects,
        )
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (BuildError, QualityError, RejectsPending) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not published and args.target == "duckdb":
        print(
            f"built {work_path(database)} with --select/--exclude: not published, since the rest of the marts and "
            f"their tests were left as they were; {database} is unchanged (build without them to publish)",
            file=sys.stderr,
        )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from saas_metrics.generator import generate

    summary = generate(
        Path(args.out),
        customers=args.customers,
        months=args.months,
        start=args.start,
        seed=args.seed,
        fmt=args.format,
        faults=args.faults,
        progress=not args.quiet,
    )
    for table, rows in summary.items():
        print(f"{table}: {rows}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from saas_metrics.quality import validate

    database = resolve_database(args.database)
    try:
        with exclusive(database, "validate"):
            work = ensure_work_copy(database)
            if not work.exists():
                print(f"error: no warehouse at {database}: run saas-metrics load first", file=sys.stderr)
                return 2
            report = validate(work, suite=args.suite)
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except QualityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from saas_metrics.export import export_marts

    database = resolve_database(args.database)
    if not database.exists():
        print(f"error: {database} does not exist: run saas-metrics build first", file=sys.stderr)
        return 2
    for path in export_marts(database, Path(args.out), args.format):
        print(path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from saas_metrics.report import write_report

    database = resolve_database(args.database)
    if not database.exists():
        print(f"error: {database} does not exist: run saas-metrics build first", file=sys.stderr)
        return 2
    print(write_report(database, Path(args.out), attribution_model=args.attribution_model))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from saas_metrics.bench import run_bench

    run_bench(args.customers, args.months, Path(args.workdir), args.seed, args.repeat, args.reuse_load)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from saas_metrics.demo import run_demo

    return run_demo(
        database=resolve_database(args.database),
        data_dir=Path(args.data_dir),
        customers=args.customers,
        months=args.months,
        seed=args.seed,
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="saas-metrics",
        description="Turn raw SaaS exports into MRR, retention, acquisition and finance marts.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    db_help = "DuckDB file (default: $SAAS_METRICS_DATABASE or warehouse/saas_metrics.duckdb)"

    load = sub.add_parser("load", help="land contract files (CSV/Parquet) into schema raw")
    load.add_argument("source_dir", help="folder with <table>.csv, <table>.parquet or <table>/ part files")
    load.add_argument("--database", help=db_help)
    load.add_argument(
        "--allow-rejects",
        action="store_true",
        help="accept this load's rejected rows: exit 0, and builds do not stop on them",
    )
    load.set_defaults(func=cmd_load)

    build_cmd = sub.add_parser("build", help="run dbt build for this project")
    build_cmd.add_argument("--database", help=db_help)
    build_cmd.add_argument("--as-of", type=_as_of, help="last complete day, YYYY-MM-DD (var as_of)")
    build_cmd.add_argument("--vars", type=_vars, help="dbt vars as a YAML mapping")
    build_cmd.add_argument("--select", nargs="+", help="dbt node selection")
    build_cmd.add_argument("--exclude", nargs="+", help="dbt nodes to leave out (e.g. tag:finance)")
    build_cmd.add_argument(
        "--target",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="engine: the embedded DuckDB file (default) or Apache Spark (profiles.yml target spark)",
    )
    build_cmd.add_argument(
        "--spark-dir",
        help="Spark's local warehouse folder: raw Parquet, tables, metastore "
        "(default: $SAAS_METRICS_SPARK_DIR or warehouse/spark)",
    )
    build_cmd.add_argument(
        "--skip-validation", action="store_true", help="skip the great-expectations gates before and after dbt"
    )
    build_cmd.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from scratch (needed after changing a macro)",
    )
    build_cmd.add_argument(
        "--allow-rejects",
        action="store_true",
        help="accept the rows earlier loads rejected (see raw._rejects) and publish without them; without it a "
        "build stops while any is pending (neither accepted nor replaced by a later load of its primary key)",
    )
    build_cmd.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run dbt's unit tests (they check the models' code, not the data; CI runs them)",
    )
    build_cmd.set_defaults(func=cmd_build)

    gen = sub.add_parser("generate", help="write a simulated company's exports in contract shape")
    gen.add_argument("--out", required=True, help="output folder")
    gen.add_argument("--customers", type=int, default=3000)
    gen.add_argument("--months", type=int, default=36)
    gen.add_argument("--start", default="2023-01", help="first month, YYYY-MM")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    gen.add_argument("--faults", type=float, default=0.0, help="share of rows to replace with bad rows")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=cmd_generate)

    validate_cmd = sub.add_parser("validate", help="run the great-expectations quality gates")
    validate_cmd.add_argument("--database", help=db_help)
    validate_cmd.add_argument("--suite", choices=["raw", "marts", "all"], default="all")
    validate_cmd.set_defaults(func=cmd_validate)

    export = sub.add_parser("export", help="write every public mart as Parquet or CSV files")
    export.add_argument("--database", help=db_help)
    export.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    export.add_argument("--out", default="exports", help="output folder (default: exports)")
    export.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="write the self-contained HTML leadership report")
    report.add_argument("--database", help=db_help)
    report.add_argument("--out", default="warehouse/report.html", help="HTML file to write")
    report.add_argument(
        "--attribution-model",
        default="linear",
        choices=["first_touch", "last_touch", "linear", "position_based", "time_decay"],
        help="attribution model of the CAC chart",
    )
    report.set_defaults(func=cmd_report)

    bench = sub.add_parser("bench", help="measure load and build time and memory at several sizes")
    bench.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    bench.add_argument("--months", type=int, default=36)
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument("--repeat", type=int, default=1, help="runs per size; median times, highest peak memory")
    bench.add_argument("--workdir", default="warehouse/bench", help="where data and databases go")
    bench.add_argument(
        "--reuse-load",
        action="store_true",
        help="keep a copy of each size's loaded warehouse and start from it next time instead of loading again",
    )
    bench.set_defaults(func=cmd_bench)

    demo = sub.add_parser("demo", help="generate, load and build a simulated company; print its headline numbers")
    demo.add_argument("--database", help=db_help)
    demo.add_argument("--data-dir", default="warehouse/demo_data", help="where the simulated exports go")
    demo.add_argument("--customers", type=int, default=3000)
    demo.add_argument("--months", type=int, default=36)
    demo.add_argument("--seed", type=int, default=42)
    demo.set_defaults(func=cmd_demo)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
