"""Entry point: simulate the company and write every contract table."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from tqdm import tqdm

from . import config as C
from .chunk import simulate_chunk
from .schema import TABLES
from .web import Variants
from .world import build_world, operating_expenses
from .writer import TableWriter

MANIFEST = "_faults_manifest.json"


def generate(
    out_dir: Path,
    customers: int = 3000,
    months: int = 36,
    start: str = "2023-01",
    seed: int = 42,
    fmt: str = "parquet",
    faults: float = 0.0,
    progress: bool = False,
) -> dict:
    """Writes every contract table into out_dir; returns a summary dict {table: row_count, ...}.

    ``customers`` billing customers (accounts that sign up, trials included) arrive over
    ``months`` months from ``start`` (YYYY-MM, UTC); nothing is dated on or after the end of
    the last month. ``fmt`` is ``parquet`` or ``csv``; one file per table. ``faults`` (0..1)
    adds about that share of rejectable rows to each table and lists them in
    ``_faults_manifest.json``. Row counts include those rows. The same arguments always give
    byte-identical files.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', got {fmt!r}")
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    if not re.fullmatch(r"\d{4}-\d{2}", start):
        raise ValueError(f"start must be YYYY-MM, got {start!r}")
    if not 0.0 <= faults <= 1.0:
        raise ValueError("faults must be within 0..1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)

    world = build_world(customers, months, start, seed)
    variants = Variants(world)
    writers = {t: TableWriter(t, out, fmt, faults, [seed, 2, i]) for i, t in enumerate(TABLES)}
    sizes = [min(C.CHUNK_CUSTOMERS, customers - s) for s in range(0, customers, C.CHUNK_CUSTOMERS)]
    bar = tqdm(
        total=customers, desc="customers", unit="cust", disable=not progress, file=sys.stderr, dynamic_ncols=True
    )
    try:
        for table in ("billing_prices", "fx_rates", "marketing_ad_spend"):
            writers[table].write(world.tables[table])
        revenue = None
        cust_offset = lead_offset = 0
        for chunk, n in enumerate(sizes):
            n_leads = int(round(n * C.LEAD_COMPANIES_PER_CUSTOMER))
            tables, rev = simulate_chunk(world, variants, seed, chunk, n, cust_offset, n_leads, lead_offset)
            for table, cols in tables.items():
                writers[table].write(cols)
            del tables
            revenue = rev if revenue is None else revenue + rev
            cust_offset += n
            lead_offset += n_leads
            bar.update(n)
        writers["operating_expenses"].write(operating_expenses(world, revenue, seed))
    finally:
        bar.close()
        summary = {t: w.close() for t, w in writers.items()}
    manifest = [row for t in TABLES for row in writers[t].manifest]
    if faults > 0:
        # One entry per line: readable, and written with the fast C encoder.
        body = ",\n".join(json.dumps(row, separators=(", ", ": ")) for row in manifest)
        (out / MANIFEST).write_text("[\n" + body + "\n]\n")
    return summary


def _clear_previous(out: Path) -> None:
    """Remove earlier output of the generator (contract table files only) from out."""
    for table in TABLES:
        for suffix in (".parquet", ".csv"):
            p = out / f"{table}{suffix}"
            if p.is_file():
                p.unlink()
        d = out / table
        if d.is_dir() and all(f.suffix in (".parquet", ".csv") for f in d.iterdir()):
            shutil.rmtree(d)
    m = out / MANIFEST
    if m.exists():
        m.unlink()
