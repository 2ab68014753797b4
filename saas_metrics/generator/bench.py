"""Benchmark the generator: ``python -m saas_metrics.generator.bench --customers N``.

Prints wall-clock seconds, rows written per second, output size and the peak resident
memory of the process (Linux ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--start", default="2023-01")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fmt", choices=("parquet", "csv"), default="parquet")
    ap.add_argument("--faults", type=float, default=0.0)
    ap.add_argument("--out", type=Path, default=None, help="keep the output here (default: a temp dir, removed)")
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="saas_gen_bench_"))
    try:
        t0 = time.perf_counter()
        summary = generate(
            out,
            customers=args.customers,
            months=args.months,
            start=args.start,
            seed=args.seed,
            fmt=args.fmt,
            faults=args.faults,
            progress=args.progress,
        )
        seconds = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    rows = sum(summary.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(len(t) for t in summary)
    for table, n in sorted(summary.items()):
        print(f"  {table:<{width}} {n:>14,}")
    print(f"customers={args.customers:,} months={args.months} fmt={args.fmt}")
    print(
        f"rows={rows:,} seconds={seconds:.1f} rows_per_s={rows / seconds:,.0f} "
        f"output_mib={size / 2**20:,.0f} peak_rss_mib={peak_mib:,.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
