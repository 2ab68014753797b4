"""Assembles the report: header with as_of, headline tiles, chart sections, data-quality status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from saas_metrics.report import charts, fmt
from saas_metrics.report.charts import Chart, Marts, add_months

NO_VALIDATION = "no validation run recorded"

# No scripts, no fonts, images or styles from anywhere but the page itself.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --ink: #1d2733; --muted: #5f6b7a; --line: #e3e8ee; --card: #ffffff; --bg: #f4f6f9;
        --good: #2f8f3a; --bad: #c8362f; --warn: #b7791f; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background: #16324f; color: #fff; padding: 20px 32px 18px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; }
header.top .as-of { font-size: 16px; }
header.top .as-of strong { font-size: 18px; }
header.top .source { color: #c5d3e3; font-size: 12px; margin-top: 4px; }
main { padding: 16px 32px 40px; max-width: 1640px; margin: 0 auto; }
section.group > h2 { font-size: 19px; margin: 26px 0 10px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin-top: 6px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.tile .value { font-size: 22px; font-weight: 650; }
.tile .delta { font-size: 12px; color: var(--muted); }
.tile .delta.up { color: var(--good); } .tile .delta.down { color: var(--bad); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(620px, 1fr)); gap: 16px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px;
               padding: 14px 16px 10px; break-inside: avoid; page-break-inside: avoid; }
figure.chart h3 { margin: 0; font-size: 16px; }
figure.chart .caption { color: var(--muted); font-size: 12.5px; margin: 2px 0 8px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
svg text { fill: var(--ink); font-family: inherit; }
svg text.tick, svg text.legend { fill: #3c4855; }
svg text.axis-label { fill: var(--muted); font-weight: 600; }
svg text.note, svg text.value { fill: #3c4855; font-size: 10.5px; }
svg text.cell { font-size: 10px; }
.no-data { display: flex; align-items: center; justify-content: center; min-height: 120px; color: var(--muted);
           background: repeating-linear-gradient(45deg, #fafbfc, #fafbfc 8px, #f2f4f7 8px, #f2f4f7 16px);
           border-radius: 6px; padding: 16px; text-align: center; font-style: italic; }
details { margin-top: 6px; font-size: 12px; }
details summary { cursor: pointer; color: var(--muted); }
.table-wrap { overflow-x: auto; max-height: 340px; overflow-y: auto; }
table { border-collapse: collapse; margin-top: 6px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f7f9fb; position: sticky; top: 0; }
.status { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.badge { display: inline-block; border-radius: 12px; padding: 2px 10px; font-weight: 650; color: #fff; }
.badge.passed { background: var(--good); } .badge.failed { background: var(--bad); }
.badge.none { background: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; max-width: 1640px; margin: 0 auto; }
@media print { body { background: #fff; } header.top { background: #fff; color: var(--ink); }
  header.top .source { color: var(--muted); } details { display: none; } .grid { display: block; }
  figure.chart { margin-bottom: 12px; } }
"""


@dataclass(frozen=True)
class AsOf:
    date: dt.date | None
    month: dt.date | None
    source: str


def read_as_of(marts: Marts) -> AsOf:
    """intermediate.int_reporting_window, else the last month of marts.saas_kpis_monthly."""
    if marts.has("intermediate.int_reporting_window"):
        try:
            row = marts.rows("select as_of_date, as_of_month from intermediate.int_reporting_window")
        except Exception:  # a view over raw tables that are gone: fall back to the marts
            row = []
        if row and row[0]["as_of_date"] is not None:
            return AsOf(row[0]["as_of_date"], row[0]["as_of_month"], "reporting window")
    if marts.has("marts.saas_kpis_monthly"):
        (last,) = marts.con.execute("select max(month) from marts.saas_kpis_monthly").fetchone()
        if last is not None:
            return AsOf(None, last, "latest month of saas_kpis_monthly")
    return AsOf(None, None, "unknown")


def _as_of_html(as_of: AsOf) -> str:
    if as_of.date is not None:
        text = f"As of <strong>{escape(as_of.date.isoformat())}</strong> ({escape(as_of.date.strftime('%d %B %Y'))})"
    elif as_of.month is not None:
        text = (
            f"As of <strong>{escape(as_of.month.strftime('%Y-%m'))}</strong> "
            f"({escape(fmt.month_label(as_of.month))}, the latest month in saas_kpis_monthly)"
        )
    else:
        text = "As of <strong>unknown</strong> (the warehouse has no reporting window and no KPI month)"
    return f'<div class="as-of" data-as-of="{escape(as_of.date.isoformat() if as_of.date else "")}">{text}</div>'


def _tile(label: str, value: str, delta: str = "", direction: str = "") -> str:
    delta_html = f'<div class="delta {direction}">{escape(delta)}</div>' if delta else ""
    return (
        f'<div class="tile"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div>{delta_html}</div>'
    )


def _change(current, previous, previous_month: dt.date | None) -> tuple[str, str]:
    now, before = fmt.as_float(current), fmt.as_float(previous)
    if now is None or before is None or before == 0 or previous_month is None:
        return "", ""
    change = now / before - 1
    text = fmt.percent(change)
    if text == "0%":  # a change that rounds to nothing is shown without a sign or an arrow
        return f"0% vs {fmt.month_label(previous_month)}", ""
    arrow = "up" if change > 0 else "down"
    sign = "+" if change > 0 else ""
    return f"{sign}{text} vs {fmt.month_label(previous_month)}", arrow


def is_partial_month(month: dt.date | None, as_of_date: dt.date | None) -> bool:
    """Whether `month` is the as_of month and as_of is not its last day: its flows and rates cover
    only the days up to as_of (and its costs the whole month), so they are not a month's figures."""
    if month is None or as_of_date is None:
        return False
    return (month.year, month.month) == (as_of_date.year, as_of_date.month) and (
        as_of_date + dt.timedelta(days=1)
    ).day != 1


def flows_row(rows: list[dict], as_of_date: dt.date | None) -> tuple[dict, bool]:
    """Of the latest months (newest first), the one whose flows and rates a headline shows: the latest
    unless as_of falls inside it, then the month before; True when only the as_of month exists, so
    its figures are the month to date."""
    latest = rows[0]
    if not is_partial_month(latest["month"], as_of_date):
        return latest, False
    return (rows[1], False) if len(rows) > 1 else (latest, True)


def headline_tiles(marts: Marts, as_of: AsOf | None = None) -> str:
    """MRR, ARR, customers, ARPA and retention at as_of; the month's flows and rates (churn, quick
    ratio, CAC, LTV, payback, NPS) from the last complete month when as_of falls inside a month."""
    if not marts.has("marts.saas_kpis_monthly"):
        return '<div class="no-data">No headline numbers: marts.saas_kpis_monthly is not in this warehouse.</div>'
    rows = marts.rows("select * from marts.saas_kpis_monthly order by month desc limit 2")
    if not rows:
        return '<div class="no-data">No headline numbers: no paid month yet.</div>'
    latest = rows[0]
    previous = rows[1] if len(rows) > 1 else {}
    previous_month = previous.get("month")
    month = fmt.month_label(latest["month"])
    flows, to_date = flows_row(rows, as_of.date if as_of else None)
    flow_month = fmt.month_label(flows["month"]) + (" to date" if to_date else "")
    tiles = [
        _tile(
            f"MRR, {month}",
            fmt.money(latest["ending_mrr"]),
            *_change(latest["ending_mrr"], previous.get("ending_mrr"), previous_month),
        ),
        _tile("ARR", fmt.money(latest["arr"])),
        _tile(
            "Paying customers",
            fmt.count(latest["ending_customers"]),
            *_change(latest["ending_customers"], previous.get("ending_customers"), previous_month),
        ),
        _tile("ARPA", fmt.money(latest["arpa"])),
        _tile("NRR (12 months)", fmt.percent(latest["net_revenue_retention_12m"])),
        _tile("GRR (12 months)", fmt.percent(latest["gross_revenue_retention_12m"])),
        _tile(f"Logo churn, {flow_month}", fmt.percent(flows["customer_churn_rate"])),
        _tile(f"Gross MRR churn, {flow_month}", fmt.percent(flows["gross_mrr_churn_rate"])),
        _tile(f"Quick ratio, {flow_month}", fmt.ratio(flows["quick_ratio"])),
        _tile(f"Blended CAC, {flow_month}", fmt.money(flows.get("blended_cac"))),
        _tile(f"LTV, {flow_month}", fmt.money(flows.get("ltv"))),
        _tile(f"LTV:CAC, {flow_month}", fmt.ratio(flows.get("ltv_to_cac"))),
        _tile(f"CAC payback, {flow_month}", fmt.months(flows.get("cac_payback_months"))),
        _tile(f"NPS, {flow_month}", fmt.score(flows.get("nps"))),
    ]
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def chart_html(chart: Chart) -> str:
    parts = [
        f'<figure class="chart" id="chart-{escape(chart.chart_id)}" data-chart="{escape(chart.chart_id)}">',
        f"<h3>{escape(chart.title)}</h3>",
        f'<figcaption class="caption">{escape(chart.caption)}</figcaption>',
    ]
    if chart.svg:
        parts.append(chart.svg)
    else:
        parts.append(f'<div class="no-data" data-no-data="true">{escape(chart.no_data)}</div>')
    if chart.svg and chart.table_rows:
        header = "".join(f"<th>{escape(h)}</th>" for h in chart.table_header)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in chart.table_rows)
        parts.append(
            f'<details><summary>Data</summary><div class="table-wrap"><table><thead><tr>{header}</tr></thead>'
            f"<tbody>{body}</tbody></table></div></details>"
        )
    parts.append("</figure>")
    return "".join(parts)


def data_quality_html(marts: Marts) -> str:
    """The latest validation run of each suite (audit.validation_runs), or that none was recorded."""
    head = '<section class="group" id="data-quality"><h2>Data quality of the last build</h2><div class="status">'
    runs = []
    if marts.has("audit.validation_runs"):
        runs = marts.rows(
            """
            select * from (
                select *, row_number() over (partition by suite order by finished_at desc, started_at desc) as recency
                from audit.validation_runs
            ) where recency = 1
            order by finished_at desc, suite
            """
        )
    if not runs:
        return (
            head + f'<p><span class="badge none">{escape(NO_VALIDATION.capitalize())}</span> '
            "The quality gates (saas-metrics build or saas-metrics validate) have not written to audit.validation_runs "
            "in this warehouse.</p></div></section>"
        )
    passed = all(bool(r["success"]) for r in runs)
    badge = '<span class="badge passed">Passed</span>' if passed else '<span class="badge failed">Failed</span>'
    rows = "".join(
        "<tr>"
        f"<td>{escape(str(r['suite']))}</td>"
        f"<td>{escape(str(r['finished_at'])[:19])} UTC</td>"
        f"<td>{'passed' if r['success'] else 'failed'}</td>"
        f"<td>{escape(fmt.count(r['expectations_evaluated']))}</td>"
        f"<td>{escape(fmt.count(r['expectations_failed']))}</td>"
        f"<td>{escape(fmt.count(r['warnings']))}</td>"
        "</tr>"
        for r in runs
    )
    failures = ""
    failed_ids = [r["run_id"] for r in runs if not r["success"]]
    if failed_ids and marts.has("audit.validation_results"):
        placeholders = ", ".join("?" for _ in failed_ids)
        failed = marts.rows(
            f"""
            select suite, table_name, column_name, expectation_type, message
            from audit.validation_results
            where run_id in ({placeholders}) and not success and coalesce(severity, 'error') <> 'warning'
            order by suite, table_name, column_name
            limit 20
            """,
            failed_ids,
        )
        if failed:
            failures = (
                "<p>Failed expectations:</p><ul>"
                + "".join(
                    f"<li>{escape(str(f['suite']))}: {escape(str(f['table_name']))}"
                    f"{'.' + escape(str(f['column_name'])) if f['column_name'] else ''} "
                    f"{escape(str(f['expectation_type']))} {escape(str(f['message'] or ''))}</li>"
                    for f in failed
                )
                + "</ul>"
            )
    return (
        head + f"<p>Latest validation: {badge}</p>"
        "<table><thead><tr><th>Suite</th><th>Finished</th><th>Result</th><th>Expectations</th>"
        "<th>Failed</th><th>Warnings</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{failures}</div></section>"
    )


def build_charts(marts: Marts, attribution_model: str, as_of: AsOf) -> list[tuple[str, list[Chart]]]:
    window_end = as_of.month or dt.date.today().replace(day=1)
    window_start = add_months(window_end, -11)
    return [
        (
            "Revenue",
            [
                charts.mrr_arr(marts),
                charts.mrr_movements(marts),
                charts.customers(marts),
                charts.churn_rates(marts),
                charts.nrr_grr(marts),
            ],
        ),
        ("Retention cohorts", [charts.cohort_logo(marts), charts.cohort_revenue(marts)]),
        (
            "Acquisition",
            [
                charts.cac_by_channel(marts, attribution_model, window_start, window_end),
                charts.ltv_cac(marts),
                charts.funnel(marts, window_start, window_end),
                charts.trial_demo(marts),
            ],
        ),
        ("Customer health and NPS", [charts.health_bands(marts), charts.health_backtest(marts), charts.nps(marts)]),
    ]


def render(marts: Marts, attribution_model: str, source_name: str) -> str:
    as_of = read_as_of(marts)
    sections = build_charts(marts, attribution_model, as_of)
    body = [
        '<header class="top"><h1>SaaS metrics report</h1>',
        _as_of_html(as_of),
        f'<div class="source">Warehouse {escape(source_name)} · marts schema · USD · '
        f"CAC under {escape(attribution_model.replace('_', ' '))} attribution</div></header><main>",
        '<section class="group" id="headline"><h2>Headline</h2>',
        headline_tiles(marts, as_of),
        "</section>",
    ]
    for heading, group in sections:
        anchor = heading.lower().replace(" ", "-")
        body.append(f'<section class="group" id="{escape(anchor)}"><h2>{escape(heading)}</h2><div class="grid">')
        body += [chart_html(c) for c in group]
        body.append("</div></section>")
    body.append(data_quality_html(marts))
    body.append(
        "</main><footer>Definitions: docs/metrics.md. Money is USD at each month's FX rate; months are calendar "
        "months in UTC; nothing after the as_of day is counted.</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CONTENT_SECURITY_POLICY, quote=False)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>SaaS metrics report, as of {escape(_as_of_text(as_of))}</title>"
        f"<style>{CSS}</style></head><body>" + "".join(body) + "</body></html>\n"
    )


def _as_of_text(as_of: AsOf) -> str:
    if as_of.date is not None:
        return as_of.date.isoformat()
    if as_of.month is not None:
        return as_of.month.strftime("%Y-%m")
    return "unknown"
