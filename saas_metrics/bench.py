"""`saas-metrics bench`: load and build times, peak memory and their ratios, measured side by side.

For each size it generates (or reuses) a simulated company, then measures, each step in its own
child process with the peak resident memory of the whole process tree sampled from /proc:
- load: `saas-metrics load` of every table;
- lower bound: DuckDB reading every raw table once (a full scan with an aggregate over every column);
- build: one `dbt build` (seeds, models, data tests; unit tests are left out as in production), with
  the models' and the tests' execution times and the slowest models and tests from dbt's
  run_results.json (the full build's kept beside it as run_results.full.json);
- daily run: the last day of the simulated data is held back from the first load; it is then loaded
  on its own and the same `dbt build` runs again (the incremental models rebuild changed months).
It prints the ratios build / lower bound, daily run / full build and build-time growth between sizes,
then each performance goal of the project (`goal_lines`), met or missed and by how much.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from saas_metrics.contract import load_contract, project_dir
from saas_metrics.dbt_runner import build_flags
from saas_metrics.loader import qident


@dataclass
class Step:
    seconds: float
    peak_rss_mib: float


@dataclass
class SizeResult:
    """One size's measurements. A build is one `dbt build` process (seeds, models and data tests, as
    `saas-metrics build` runs it); models and tests are dbt's own execution times of those nodes from
    run_results.json, summed over the threads, so they add up to more than the wall-clock build."""

    customers: int
    months: int
    raw_rows: int = 0
    load: Step | None = None
    load_reused: bool = False
    lower_bound: Step | None = None
    build: Step | None = None
    model_seconds: float = 0.0
    test_seconds: float = 0.0
    slowest_models: list[tuple[str, float]] = field(default_factory=list)
    slowest_tests: list[tuple[str, float]] = field(default_factory=list)
    daily_load: Step | None = None
    daily_build: Step | None = None
    daily_model_seconds: float = 0.0
    daily_test_seconds: float = 0.0
    slowest_daily_models: list[tuple[str, float]] = field(default_factory=list)
    slowest_daily_tests: list[tuple[str, float]] = field(default_factory=list)

    @property
    def steps(self) -> list[Step]:
        candidates = (self.load, self.build, self.daily_load, self.daily_build)
        return [s for s in candidates if s]

    @property
    def lower_bound_ratio(self) -> float | None:
        """Full build / raw-scan lower bound; None when either was not measured."""
        if not self.build or not self.lower_bound or not self.lower_bound.seconds:
            return None
        return self.build.seconds / self.lower_bound.seconds

    @property
    def daily_share(self) -> float | None:
        """Daily run / full build (a fraction); None when either was not measured."""
        if not self.build or not self.daily_build:
            return None
        return self.daily_build.seconds / self.build.seconds


def build_growth(small: SizeResult, large: SizeResult) -> float:
    """How much longer the larger size's full build took: large / small."""
    return large.build.seconds / small.build.seconds


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _tree_rss_kib(root: int) -> int:
    total = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def measure(command: list[str], env: dict | None = None, quiet: bool = True) -> Step:
    """Runs a command; returns wall seconds and the peak RSS of its process tree (sampled every 0.1 s)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=project_dir(),
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:5])} failed ({process.returncode}): {(output or '')[-3000:]}")
    return Step(seconds=seconds, peak_rss_mib=peak / 1024)


def lower_bound_sql() -> str:
    """One query per raw table reading every column once (count and max of each)."""
    statements = []
    for table in load_contract().values():
        aggregates = ", ".join(f"max({qident(c)})" for c in table.column_names)
        statements.append(f"select count(*), {aggregates} from raw.{qident(table.name)}")
    return ";\n".join(statements)


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# Tables held back for the last day, by the column that dates a row (invoice lines follow their invoice).
DAILY_TABLES = {
    "web_sessions": "started_at",
    "product_usage_daily": "usage_date",
    "crm_email_events": "occurred_at",
    "crm_form_submissions": "submitted_at",
    "crm_contacts": "created_at",
    "crm_lifecycle_stage_history": "entered_at",
    "marketing_ad_spend": "spend_date",
    "billing_subscriptions": "created_at",
    "billing_subscription_item_history": "valid_from",
    "billing_invoices": "created_at",
}


def split_last_day(data: Path, out: Path) -> tuple[Path, Path]:
    """Splits generated data into <out>/initial (all but the last day) and <out>/daily (the last day).

    The last day is the latest session day; every table in DAILY_TABLES (and the invoice lines of
    the held-back invoices) holds back its rows of that day or later. Other tables go whole into
    the initial folder. Both are folders of Parquet files the loader reads like any delivery.
    """
    import duckdb

    initial, daily = out / "initial", out / "daily"
    if (out / ".complete").exists():
        return initial, daily
    for folder in (initial, daily):
        folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")

    def source(table: str) -> str:
        path = data / f"{table}.parquet"
        return f"read_parquet('{path if path.exists() else data / table / '*.parquet'}')"

    (last_day,) = con.execute(f"select max(cast(started_at as date)) from {source('web_sessions')}").fetchone()
    held = f"date '{last_day}'"
    for table in load_contract():
        if table in DAILY_TABLES:
            is_daily = f"cast({DAILY_TABLES[table]} as date) >= {held}"
        elif table == "billing_invoice_lines":
            is_daily = (
                f"invoice_id in (select invoice_id from {source('billing_invoices')} "
                f"where cast(created_at as date) >= {held})"
            )
        else:
            is_daily = "false"
        for folder, keep in ((initial, f"not coalesce({is_daily}, false)"), (daily, f"coalesce({is_daily}, false)")):
            con.execute(
                f"copy (select * from {source(table)} where {keep}) to '{folder / table}.parquet' (format parquet)"
            )
    con.close()
    (out / ".complete").touch()
    return initial, daily


def _node_times(
    run_results: Path,
) -> tuple[float, float, list[tuple[str, float]], list[tuple[str, float]]]:
    """(model seconds, test seconds, slowest ten models, slowest ten tests) of a dbt run, from its
    run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    by_kind: dict[str, list[tuple[str, float]]] = {}
    for r in results:
        # kind.package.name, and for a generic test a hash of its arguments after the name
        kind, _, name, *_ = r["unique_id"].split(".")
        by_kind.setdefault(kind, []).append((name, r["execution_time"]))

    def slowest(kind: str) -> list[tuple[str, float]]:
        nodes = sorted(by_kind.get(kind, []), key=lambda item: -item[1])
        return [(name, round(seconds, 2)) for name, seconds in nodes[:10]]

    models, tests = by_kind.get("model", []), by_kind.get("test", [])
    return sum(t for _, t in models), sum(t for _, t in tests), slowest("model"), slowest("test")


def _load(data: Path, database: Path) -> Step:
    return measure(
        _python(
            "from pathlib import Path; from saas_metrics.loader import load_directory; "
            f"load_directory(Path({str(data)!r}), Path({str(database)!r}))"
        )
    )


def run_size(customers: int, months: int, workdir: Path, seed: int, reuse_load: bool = False) -> SizeResult:
    import duckdb

    from saas_metrics.generator import generate

    result = SizeResult(customers=customers, months=months)
    data = workdir / f"data_{customers}_{months}_{seed}"
    marker = data / ".complete"
    if not marker.exists():
        print(f"  generating {customers:,} customers x {months} months into {data} ...", flush=True)
        generate(data, customers=customers, months=months, seed=seed, fmt="parquet", progress=True)
        marker.touch()
    initial, daily = split_last_day(data, workdir / f"split_{customers}_{months}_{seed}")
    database = workdir / f"bench_{customers}.duckdb"
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)

    snapshot = database.with_name(f"bench_{customers}.loaded.duckdb")
    snapshot_step = snapshot.with_suffix(".json")
    if reuse_load and snapshot.exists() and snapshot_step.exists():
        print(f"  load: reusing {snapshot} (load time from the run that made it)", flush=True)
        shutil.copyfile(snapshot, database)
        result.load = Step(**json.loads(snapshot_step.read_text()))
        result.load_reused = True
    else:
        print("  load", flush=True)
        result.load = _load(initial, database)
        if reuse_load:
            shutil.copyfile(database, snapshot)
            snapshot_step.write_text(json.dumps(asdict(result.load)))
    with duckdb.connect(str(database), read_only=True) as con:
        result.raw_rows = sum(
            con.execute(f"select count(*) from raw.{qident(t)}").fetchone()[0] for t in load_contract()
        )
    result.lower_bound = measure(
        _python(
            f"import duckdb; con = duckdb.connect({str(database)!r}, read_only=True); "
            f"[con.execute(q).fetchall() for q in {lower_bound_sql().split(';')!r}]"
        )
    )
    # dbt's artifacts and partial-parse state belong to the checkout that builds (its state names the
    # project's files by path), not to the data folder that several checkouts may share
    target = project_dir() / "target" / f"bench_{customers}"
    dbt = "import sys; from dbt.cli.main import cli; sys.exit(cli())"
    common = ["--project-dir", str(project_dir()), "--profiles-dir", str(project_dir()), "--target-path", str(target)]
    env = {"SAAS_METRICS_DATABASE": str(database)}
    build = [sys.executable, "-c", dbt, "build", *build_flags(), *common]
    # the full build parses the project in full, as on a clean checkout; the daily run then reuses the
    # state it leaves, as a scheduled job on one machine does (nothing changed: dbt skips parsing)
    (target / "partial_parse.msgpack").unlink(missing_ok=True)
    print("  full build", flush=True)
    result.build = measure(build, env=env)
    # kept: the daily run's dbt build writes its own run_results.json over the full build's
    shutil.copyfile(target / "run_results.json", target / "run_results.full.json")
    result.model_seconds, result.test_seconds, result.slowest_models, result.slowest_tests = _node_times(
        target / "run_results.full.json"
    )
    print("  daily run", flush=True)
    result.daily_load = _load(daily, database)
    result.daily_build = measure(build, env=env)
    (
        result.daily_model_seconds,
        result.daily_test_seconds,
        result.slowest_daily_models,
        result.slowest_daily_tests,
    ) = _node_times(target / "run_results.json")
    return result


def _fmt(step: Step | None) -> str:
    return "-" if step is None else f"{step.seconds:8.1f} s {step.peak_rss_mib:7.0f} MiB"


def report(results: list[SizeResult]) -> list[str]:
    lines = [
        "",
        "size (customers)   raw rows  load                  lower bound          build (dbt build)    models     tests",
    ]
    for r in results:
        lines.append(
            f"{r.customers:>16,}  {r.raw_rows:>9,}  {_fmt(r.load)}{'*' if r.load_reused else ' '} "
            f"{_fmt(r.lower_bound)}  {_fmt(r.build)}  {r.model_seconds:7.1f} s {r.test_seconds:7.1f} s"
        )
        lines.append(
            f"{'daily run':>16}  {'':>9}  {_fmt(r.daily_load)}  {'':20}  {_fmt(r.daily_build)}  "
            f"{r.daily_model_seconds:7.1f} s {r.daily_test_seconds:7.1f} s"
        )
    lines.append("models, tests: dbt's execution time of those nodes, summed over its threads")
    if any(r.load_reused for r in results):
        lines.append("* load reused from an earlier run's snapshot (--reuse-load); its time is that run's")
    lines.append("")
    for r in results:
        if not r.build:
            continue
        ratio = r.lower_bound_ratio if r.lower_bound_ratio is not None else float("nan")
        lines.append(
            f"{r.customers:,} customers: full build {r.build.seconds:.1f} s = {ratio:.1f} x the raw-scan lower bound; "
            f"peak memory {r.build.peak_rss_mib:.0f} MiB (build), "
            f"{max(s.peak_rss_mib for s in r.steps):.0f} MiB (any step)"
        )
        if r.daily_build:
            lines.append(
                f"  daily run (one day appended, then dbt build) {r.daily_build.seconds:.1f} s = "
                f"{r.daily_share:.1%} of the full build; models alone "
                f"{r.daily_model_seconds / r.model_seconds:.1%} of the full build's models"
            )
        for label, nodes in (
            ("slowest models", r.slowest_models),
            ("slowest tests", r.slowest_tests),
            ("slowest in the daily run", r.slowest_daily_models),
            ("slowest tests in the daily run", r.slowest_daily_tests),
        ):
            if nodes:
                lines.append(f"  {label}: " + ", ".join(f"{n} {s}s" for n, s in nodes))
    ordered = sorted((r for r in results if r.build), key=lambda r: r.customers)
    for small, large in zip(ordered, ordered[1:], strict=False):
        growth = build_growth(small, large)
        lines.append(
            f"build time {large.customers:,} / {small.customers:,} customers = {growth:.2f} "
            f"(customers x{large.customers / small.customers:.0f})"
        )
    return lines


@dataclass(frozen=True)
class Goal:
    """A performance goal: a figure measured at one size (or a ratio between two), and its limit.
    `strict` means the figure must stay under the limit ("under 60 s"), else at most equal to it."""

    text: str
    limit: float
    unit: str
    strict: bool = False

    def verdict(self, value: float) -> str:
        met = value < self.limit if self.strict else value <= self.limit
        figure = f"{value:,.2f}{self.unit}"
        if met:
            return f"met: {figure}"
        return (
            f"MISSED: {figure}, over by {value - self.limit:,.2f}{self.unit} "
            f"({value / self.limit:.2f}x the limit of {self.limit:,g}{self.unit})"
        )


def goal_lines(results: list[SizeResult]) -> list[str]:
    """Each performance goal the measured sizes allow checking, met or missed and by how much.
    A goal whose size (or pair of sizes) was not measured is listed as not measured."""
    by_size = {r.customers: r for r in results if r.build}
    small, large = by_size.get(100_000), by_size.get(1_000_000)
    checks: list[tuple[Goal, float | None]] = [
        (Goal("100,000 customers: full build under 60 s", 60, " s", strict=True), small and small.build.seconds),
        (
            Goal("1,000,000 customers: full build under 10 minutes", 600, " s", strict=True),
            large and large.build.seconds,
        ),
        (
            Goal("1,000,000 customers: peak memory of the build under 8 GiB", 8 * 1024, " MiB", strict=True),
            large and large.build.peak_rss_mib,
        ),
        (
            Goal("build time 1,000,000 / 100,000 customers at most 12", 12, "x"),
            build_growth(small, large) if small and large else None,
        ),
        (
            Goal("1,000,000 customers: daily run at most 10% of the full build", 10, "%"),
            None if large is None or large.daily_share is None else 100 * large.daily_share,
        ),
    ]
    for customers, r in sorted(by_size.items()):
        if r.lower_bound_ratio is not None:
            checks.append(
                (
                    Goal(f"{customers:,} customers: full build at most 20x the raw-scan lower bound", 20, "x"),
                    r.lower_bound_ratio,
                )
            )
    lines = ["goals:"]
    for goal, value in checks:
        lines.append(f"  {goal.text}: " + ("not measured" if value is None else goal.verdict(value)))
    return lines


def run_bench(
    customers: list[int], months: int, workdir: Path, seed: int, repeat: int = 1, reuse_load: bool = False
) -> list[SizeResult]:
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in customers:
        print(f"size {size:,} customers", flush=True)
        try:
            runs = [run_size(size, months, workdir, seed, reuse_load) for _ in range(repeat)]
        except RuntimeError as exc:
            # a size that fails (out of memory or disk) is reported; the sizes measured are kept
            print(f"  size {size:,} failed: {exc}", flush=True)
            continue
        results.append(_median_of(runs))
        for line in report(results[-1:]):
            print(line, flush=True)
        (workdir / "bench_results.json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    if len(results) > 1:
        print("\nall sizes:")
        for line in report(results):
            print(line)
    print()
    for line in goal_lines(results):
        print(line)
    return results


def _median_of(runs: list[SizeResult]) -> SizeResult:
    if len(runs) == 1:
        return runs[0]
    first = runs[0]

    def median_step(name: str) -> Step:
        """The median time of the runs' step, and the highest of their peaks (a memory goal is a ceiling)."""
        steps = [getattr(r, name) for r in runs]
        return Step(
            seconds=statistics.median(s.seconds for s in steps),
            peak_rss_mib=max(s.peak_rss_mib for s in steps),
        )

    def median_run(name: str) -> SizeResult:
        """The run whose step took the median time (the lower one of the middle two for an even count)."""
        ordered = sorted(runs, key=lambda r: getattr(r, name).seconds)
        return ordered[(len(ordered) - 1) // 2]

    return SizeResult(
        customers=first.customers,
        months=first.months,
        raw_rows=first.raw_rows,
        load=median_step("load"),
        load_reused=first.load_reused,
        lower_bound=median_step("lower_bound"),
        build=median_step("build"),
        model_seconds=statistics.median(r.model_seconds for r in runs),
        test_seconds=statistics.median(r.test_seconds for r in runs),
        slowest_models=median_run("build").slowest_models,
        slowest_tests=median_run("build").slowest_tests,
        daily_load=median_step("daily_load"),
        daily_build=median_step("daily_build"),
        daily_model_seconds=statistics.median(r.daily_model_seconds for r in runs),
        daily_test_seconds=statistics.median(r.daily_test_seconds for r in runs),
        slowest_daily_models=median_run("daily_build").slowest_daily_models,
        slowest_daily_tests=median_run("daily_build").slowest_daily_tests,
    )
