"""The leadership report: one self-contained HTML file of charts drawn from the marts.

    from saas_metrics.report import write_report
    write_report(Path("warehouse/saas_metrics.duckdb"), Path("report.html"), attribution_model="linear")

The file has inline CSS and inline SVG only (no scripts, no fonts or images from elsewhere), so it
opens offline and can be e-mailed or archived as it is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from saas_metrics.report.charts import ATTRIBUTION_MODELS, Marts
from saas_metrics.report.page import render

__all__ = ["ATTRIBUTION_MODELS", "write_report"]


def _attribution_models(marts: Marts) -> set[str]:
    known = set(ATTRIBUTION_MODELS)
    if marts.has("marts.fct_cac_by_channel"):
        known |= {
            m
            for (m,) in marts.con.execute("select distinct attribution_model from marts.fct_cac_by_channel").fetchall()
        }
    return known


def write_report(database: Path, out: Path, attribution_model: str = "linear") -> Path:
    """Writes the HTML report of the warehouse at `database` to `out`; returns `out`.

    The database is opened read-only and closed before returning, so a report never blocks a build.
    attribution_model picks the credits behind the CAC-by-channel chart (first_touch, last_touch,
    linear, position_based, time_decay, or any other model the warehouse holds).
    """
    database, out = Path(database), Path(out)
    if not database.is_file():
        raise FileNotFoundError(f"no warehouse at {database}: run saas-metrics build first")
    con = duckdb.connect(str(database), read_only=True)
    try:
        marts = Marts(con)
        models = _attribution_models(marts)
        if attribution_model not in models:
            raise ValueError(
                f"unknown attribution model {attribution_model!r}; choose one of {', '.join(sorted(models))}"
            )
        html = render(marts, attribution_model, database.name)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    # write beside the target and rename, so a reader never sees half a report
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(html)
        os.chmod(temporary, 0o644)  # mkstemp creates owner-only files; a report is for sharing
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out
