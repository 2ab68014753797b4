"""The report's charts: each reads one or two marts and returns a Chart (SVG or a no-data reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from saas_metrics.report import fmt
from saas_metrics.report.svg import Series, hbar_chart, heatmap, line_chart, stacked_bar_chart

ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")

# Colours: growth in greens, losses in reds and oranges, fx in purple, lines in blue and amber.
BLUE, AMBER, GREY, TEAL, PURPLE = "#1f5fa8", "#d9822b", "#7a8794", "#13877f", "#7b5ea7"
MOVEMENT_COLORS = {
    "new": "#2f8f3a",
    "expansion": "#7cc17a",
    "reactivation": TEAL,
    "contraction": "#f0a04b",
    "churn": "#c8362f",
    "fx": PURPLE,
}
BAND_COLORS = {"healthy": "#2f8f3a", "at_risk": "#e0a526", "critical": "#c8362f"}
BAND_LABELS = {"healthy": "Healthy (70-100)", "at_risk": "At risk (40-69)", "critical": "Critical (0-39)"}
FUNNEL_STAGES = (
    ("unique_visitors", "Visitor-months", None),
    ("new_contacts", "Contacts", "contact_to_lead_rate"),
    ("new_leads", "Leads", "lead_to_mql_rate"),
    ("new_mqls", "MQLs", "mql_to_sql_rate"),
    ("new_sqls", "SQLs", "sql_to_opportunity_rate"),
    ("new_opportunities", "Opportunities", "opportunity_to_customer_rate"),
    ("new_customers", "Contacts to customer", None),
)


@dataclass
class Chart:
    chart_id: str
    title: str
    caption: str
    svg: str | None = None
    no_data: str = "No data for this chart yet."
    table_header: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)


class Marts:
    """Read-only access to the warehouse; knows which relations exist so charts degrade to no data."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.relations = {
            f"{schema}.{name}"
            for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }

    def has(self, *relations: str) -> bool:
        return all(r in self.relations for r in relations)

    def missing(self, *relations: str) -> str:
        absent = [r for r in relations if r not in self.relations]
        return f"No data: {', '.join(absent)} is not in this warehouse (build the project first)."

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def add_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def _values(rows: list[dict], column: str, scale: float = 1.0) -> list[float | None]:
    out = []
    for row in rows:
        value = fmt.as_float(row.get(column))
        out.append(None if value is None else value * scale)
    return out


def _table(rows: list[dict], columns: list[tuple[str, str, Callable]]) -> tuple[list[str], list[list[str]]]:
    header = [label for _, label, _ in columns]
    body = [[formatter(row.get(column)) for column, _, formatter in columns] for row in rows]
    return header, body


def _month_cell(value) -> str:
    return fmt.month_label(value) if value is not None else fmt.MISSING


def _kpi_rows(marts: Marts) -> list[dict]:
    return marts.rows("select * from marts.saas_kpis_monthly order by month")


def mrr_arr(marts: Marts) -> Chart:
    chart = Chart(
        "mrr-arr",
        "MRR and ARR",
        "Monthly recurring revenue at each month end (left axis, USD); ARR = 12 x MRR (right axis).",
    )
    if not marts.has("marts.saas_kpis_monthly"):
        chart.no_data = marts.missing("marts.saas_kpis_monthly")
        return chart
    rows = _kpi_rows(marts)
    chart.svg = line_chart(
        chart.title,
        [fmt.month_short(r["month"]) for r in rows],
        [Series("MRR (ARR on the right axis)", _values(rows, "ending_mrr"), BLUE)],
        fmt.money,
        "MRR ($)",
        right_axis=("ARR ($)", 12.0, fmt.money),
    )
    chart.no_data = "No data: no paid month yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("month", "Month", _month_cell),
            ("ending_mrr", "MRR", fmt.money_exact),
            ("arr", "ARR", fmt.money_exact),
            ("arpa", "ARPA", fmt.money_exact),
        ],
    )
    return chart


def mrr_movements(marts: Marts) -> Chart:
    chart = Chart(
        "mrr-movements",
        "MRR movements by type",
        "New, expansion and reactivation MRR above the axis; contraction and churn below; fx either side "
        "(USD per month). The line is the net change.",
    )
    if not marts.has("marts.saas_kpis_monthly"):
        chart.no_data = marts.missing("marts.saas_kpis_monthly")
        return chart
    rows = _kpi_rows(marts)
    columns = [
        ("new_mrr", "New", "new"),
        ("expansion_mrr", "Expansion", "expansion"),
        ("reactivation_mrr", "Reactivation", "reactivation"),
        ("contraction_mrr", "Contraction", "contraction"),
        ("churned_mrr", "Churn", "churn"),
        ("fx_mrr", "FX", "fx"),
    ]
    series = [Series(label, _values(rows, column), MOVEMENT_COLORS[kind]) for column, label, kind in columns]
    net = [sum(v or 0.0 for v in values) for values in zip(*(s.values for s in series), strict=True)]
    chart.svg = stacked_bar_chart(
        chart.title,
        [fmt.month_short(r["month"]) for r in rows],
        series,
        fmt.money,
        "MRR change ($ per month)",
        net=Series("Net change", net, "#1d2733"),
    )
    chart.no_data = "No data: no MRR movement yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [("month", "Month", _month_cell)]
        + [(column, label, fmt.money_exact) for column, label, _ in columns]
        + [("ending_mrr", "Ending MRR", fmt.money_exact)],
    )
    return chart


def customers(marts: Marts) -> Chart:
    chart = Chart(
        "customers",
        "Customers",
        "Customers paying at each month end, and new, reactivated and churned customers in the month.",
    )
    if not marts.has("marts.saas_kpis_monthly"):
        chart.no_data = marts.missing("marts.saas_kpis_monthly")
        return chart
    rows = _kpi_rows(marts)
    chart.svg = line_chart(
        chart.title,
        [fmt.month_short(r["month"]) for r in rows],
        [
            Series("Active at month end", _values(rows, "ending_customers"), BLUE),
            Series("New", _values(rows, "new_customers"), MOVEMENT_COLORS["new"]),
            Series("Reactivated", _values(rows, "reactivated_customers"), TEAL, dashed=True),
            Series("Churned", _values(rows, "churned_customers"), MOVEMENT_COLORS["churn"]),
        ],
        lambda v: fmt.count(v, compact=True),
        "customers",
        tooltip_fmt=fmt.count,
    )
    chart.no_data = "No data: no paid month yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("month", "Month", _month_cell),
            ("starting_customers", "Starting", fmt.count),
            ("new_customers", "New", fmt.count),
            ("reactivated_customers", "Reactivated", fmt.count),
            ("churned_customers", "Churned", fmt.count),
            ("ending_customers", "Ending", fmt.count),
        ],
    )
    return chart


def churn_rates(marts: Marts) -> Chart:
    chart = Chart(
        "churn-rates",
        "Churn rates",
        "Logo churn = churned / starting customers; gross MRR churn = -(churn + contraction) / starting MRR; "
        "net MRR churn also nets expansion and reactivation (negative is net expansion).",
    )
    if not marts.has("marts.saas_kpis_monthly"):
        chart.no_data = marts.missing("marts.saas_kpis_monthly")
        return chart
    rows = _kpi_rows(marts)
    chart.svg = line_chart(
        chart.title,
        [fmt.month_short(r["month"]) for r in rows],
        [
            Series("Logo churn", _values(rows, "customer_churn_rate"), MOVEMENT_COLORS["churn"]),
            Series("Gross MRR churn", _values(rows, "gross_mrr_churn_rate"), AMBER),
            Series("Net MRR churn", _values(rows, "net_mrr_churn_rate"), GREY, dashed=True),
        ],
        fmt.percent,
        "churn rate (% per month)",
    )
    chart.no_data = "No data: churn rates need a month with starting customers."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("month", "Month", _month_cell),
            ("customer_churn_rate", "Logo churn", fmt.percent),
            ("gross_mrr_churn_rate", "Gross MRR churn", fmt.percent),
            ("net_mrr_churn_rate", "Net MRR churn", fmt.percent),
            ("quick_ratio", "Quick ratio", fmt.ratio),
        ],
    )
    return chart


def nrr_grr(marts: Marts) -> Chart:
    chart = Chart(
        "nrr-grr",
        "Net and gross revenue retention (12 months)",
        "MRR today of the customers active 12 months ago, over their MRR then, in constant currency. "
        "GRR caps each customer at their MRR then.",
    )
    if not marts.has("marts.saas_kpis_monthly"):
        chart.no_data = marts.missing("marts.saas_kpis_monthly")
        return chart
    rows = _kpi_rows(marts)
    chart.svg = line_chart(
        chart.title,
        [fmt.month_short(r["month"]) for r in rows],
        [
            Series("NRR", _values(rows, "net_revenue_retention_12m"), BLUE),
            Series("GRR", _values(rows, "gross_revenue_retention_12m"), AMBER),
        ],
        fmt.percent,
        "retention (% of MRR 12 months earlier)",
        include_zero=False,
    )
    chart.no_data = "No data: NRR and GRR start 12 months after the first paid month."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("month", "Month", _month_cell),
            ("net_revenue_retention_12m", "NRR (12m)", fmt.percent),
            ("gross_revenue_retention_12m", "GRR (12m)", fmt.percent),
        ],
    )
    return chart


def _cohort_chart(marts: Marts, chart: Chart, value_column: str, note: Callable[[dict], str]) -> Chart:
    if not marts.has("marts.fct_retention_cohorts"):
        chart.no_data = marts.missing("marts.fct_retention_cohorts")
        return chart
    rows = marts.rows("select * from marts.fct_retention_cohorts order by cohort_month, months_since_start")
    cohorts = sorted({r["cohort_month"] for r in rows})
    if not cohorts:
        chart.no_data = "No data: no cohort yet."
        return chart
    width = max(r["months_since_start"] for r in rows) + 1
    index = {c: i for i, c in enumerate(cohorts)}
    cells = {(index[r["cohort_month"]], r["months_since_start"]): fmt.as_float(r[value_column]) for r in rows}
    first_rows = {r["cohort_month"]: r for r in rows if r["months_since_start"] == 0}
    chart.svg = heatmap(
        chart.title,
        [fmt.month_label(c) for c in cohorts],
        [str(k) for k in range(width)],
        cells,
        fmt.retention_percent,
        "months since first payment",
        "cohort (month of first payment)",
        row_notes=[note(first_rows.get(c, {})) for c in cohorts],
    )
    chart.no_data = "No data: no cohort has a retention value yet."
    chart.table_header = ["Cohort"] + [f"M{k}" for k in range(width)]
    chart.table_rows = [
        [fmt.month_label(c)]
        + [fmt.retention_percent(cells.get((index[c], k)), 1) if (index[c], k) in cells else "" for k in range(width)]
        for c in cohorts
    ]
    return chart


def cohort_logo(marts: Marts) -> Chart:
    chart = Chart(
        "cohort-logo",
        "Logo retention by cohort",
        "Share of each cohort's customers paying at the end of each month since their first payment "
        "(returning customers count again).",
    )
    return _cohort_chart(marts, chart, "logo_retention", lambda r: f"{fmt.count(r.get('cohort_customers'))} cust.")


def cohort_revenue(marts: Marts) -> Chart:
    chart = Chart(
        "cohort-revenue",
        "Net MRR retention by cohort",
        "Each cohort's MRR at the end of each month since first payment, over its starting MRR (USD, FX included). "
        "Above 100% means expansion outgrew churn.",
    )
    return _cohort_chart(marts, chart, "net_mrr_retention", lambda r: fmt.money(r.get("cohort_starting_mrr")))


def cac_by_channel(marts: Marts, model: str, window_start: dt.date, window_end: dt.date) -> Chart:
    label = model.replace("_", " ")
    chart = Chart(
        "cac-by-channel",
        f"CAC by channel ({label} attribution)",
        f"Ad spend / new customers credited to the channel under {label} attribution, "
        f"{fmt.month_label(window_start)} to {fmt.month_label(window_end)} (USD per new customer).",
    )
    if not marts.has("marts.fct_cac_by_channel"):
        chart.no_data = marts.missing("marts.fct_cac_by_channel")
        return chart
    rows = marts.rows(
        """
        select channel, sum(spend) as spend, sum(new_customers) as new_customers, sum(new_mrr) as new_mrr,
               sum(spend) / nullif(sum(new_customers), 0) as cac
        from marts.fct_cac_by_channel
        where attribution_model = ? and month between ? and ?
        group by channel
        order by sum(spend) desc, sum(new_customers) desc, channel
        """,
        [model, window_start, window_end],
    )
    chart.svg = hbar_chart(
        chart.title,
        [r["channel"] for r in rows],
        [Series("CAC", _values(rows, "cac"), BLUE)],
        fmt.money,
        "CAC ($ per new customer)",
        "channel",
        annotations=[f"{fmt.money(r['spend'])} / {fmt.count(r['new_customers'])} cust." for r in rows],
    )
    chart.no_data = f"No data: no spend or attributed customer under {label} attribution in the last 12 months."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("channel", "Channel", str),
            ("spend", "Spend", fmt.money_exact),
            ("new_customers", "New customers (credits)", fmt.count),
            ("new_mrr", "New MRR", fmt.money_exact),
            ("cac", "CAC", fmt.money_exact),
        ],
    )
    return chart


def ltv_cac(marts: Marts) -> Chart:
    chart = Chart(
        "ltv-cac",
        "LTV and CAC by first-touch channel",
        "Lifetime value (ARPA x gross margin / monthly churn) against CAC (ad spend / customers), all time to as_of. "
        "LTV is n/a for a channel without churn yet.",
    )
    if not marts.has("marts.fct_channel_economics"):
        chart.no_data = marts.missing("marts.fct_channel_economics")
        return chart
    rows = marts.rows("select * from marts.fct_channel_economics order by customers desc, channel")
    chart.svg = hbar_chart(
        chart.title,
        [r["channel"] for r in rows],
        [Series("LTV", _values(rows, "ltv"), TEAL), Series("CAC", _values(rows, "cac"), AMBER)],
        fmt.money,
        "USD per customer ($)",
        "channel",
        annotations=[f"LTV:CAC {fmt.ratio(r['ltv_to_cac'])}" for r in rows],
    )
    chart.no_data = "No data: no converted customer yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("channel", "Channel", str),
            ("customers", "Customers", fmt.count),
            ("arpa", "ARPA", fmt.money_exact),
            ("monthly_churn_rate", "Monthly churn", fmt.percent),
            ("ltv", "LTV", fmt.money_exact),
            ("cac", "CAC", fmt.money_exact),
            ("ltv_to_cac", "LTV:CAC", fmt.ratio),
            ("cac_payback_months", "Payback", fmt.months),
        ],
    )
    return chart


def funnel(marts: Marts, window_start: dt.date, window_end: dt.date) -> Chart:
    chart = Chart(
        "funnel",
        "Funnel conversion",
        f"People entering each stage, {fmt.month_label(window_start)} to {fmt.month_label(window_end)}, all channels; "
        "the rate is the share of them that reached a later stage by as_of. Visitors are each month's unique "
        "visitors added up (a visitor seen in three months counts three times); the stages after them count "
        "contacts, so several contacts of one customer company can each reach the customer stage.",
    )
    if not marts.has("marts.fct_funnel_monthly"):
        chart.no_data = marts.missing("marts.fct_funnel_monthly")
        return chart
    sums = ", ".join(f"sum({column}) as {column}" for column, _, _ in FUNNEL_STAGES)
    weighted = ", ".join(
        f"sum({rate} * {column}) / nullif(sum(case when {rate} is not null then {column} end), 0) as {rate}"
        for column, _, rate in FUNNEL_STAGES
        if rate
    )
    row = marts.rows(
        f"select {sums}, {weighted} from marts.fct_funnel_monthly where month between ? and ?",
        [window_start, window_end],
    )[0]
    counts = [fmt.as_float(row[column]) for column, _, _ in FUNNEL_STAGES]
    if not any(counts):
        chart.no_data = "No data: no visitor, contact or customer in the last 12 months."
        return chart
    notes = [
        f"{fmt.percent(row[rate])} reach a later stage" if rate and row[rate] is not None else ""
        for _, _, rate in FUNNEL_STAGES
    ]
    chart.svg = hbar_chart(
        chart.title,
        [label for _, label, _ in FUNNEL_STAGES],
        [Series("People", counts, BLUE)],
        lambda v: fmt.count(v, compact=True),
        "people entering the stage (visitors, then contacts)",
        "stage",
        annotations=notes,
        tooltip_fmt=fmt.count,
    )
    chart.table_header = ["Stage", "People", "Reached a later stage"]
    chart.table_rows = [
        [label, fmt.count(row[column]), fmt.percent(row[rate]) if rate else ""] for column, label, rate in FUNNEL_STAGES
    ]
    return chart


def _trials_final(row: dict) -> bool:
    return not row["trials_in_progress"]


def _final_and_rising(rows: list[dict], rate: str, is_final, name: str, color: str) -> list[Series]:
    """A rate as two lines: solid over the months whose rate is final, dashed over those whose rate
    can still rise (a rate still rising is not shown as if it had fallen)."""
    values = _values(rows, rate)
    final = [v if is_final(r) else None for v, r in zip(values, rows, strict=True)]
    rising = [None if is_final(r) else v for v, r in zip(values, rows, strict=True)]
    lines = [Series(name, final, color), Series(f"{name}, can still rise", rising, color, dashed=True)]
    return [line for line in lines if any(v is not None for v in line.values)] or lines[:1]


def trial_demo(marts: Marts) -> Chart:
    chart = Chart(
        "trial-demo-conversion",
        "Trial and demo conversion",
        "Trials started in the month that went on to pay, and demos held in the month followed by a first payment "
        "within 90 days. Dashed: months whose rate can still rise, while trials of the month are still in trial "
        "and until the month's demos have all had their 90 days (demo rate final).",
    )
    needed = ("marts.fct_trials_monthly", "marts.fct_demos_monthly")
    if not marts.has(*needed):
        chart.no_data = marts.missing(*needed)
        return chart
    trials = {r["month"]: r for r in marts.rows("select * from marts.fct_trials_monthly")}
    demos = {
        r["month"]: r
        for r in marts.rows(
            """
            select month, sum(demos_held) as demos_held, sum(demos_converted) as demos_converted,
                   sum(demos_converted) / nullif(sum(demos_held), 0) as demo_to_paid_rate,
                   bool_and(is_window_complete) as is_window_complete
            from marts.fct_demos_monthly group by month
            """
        )
    }
    months = sorted(set(trials) | set(demos))
    rows = [
        {
            "month": m,
            "trials_started": trials.get(m, {}).get("trials_started"),
            "trial_to_paid_rate": trials.get(m, {}).get("trial_to_paid_rate"),
            "trials_in_progress": trials.get(m, {}).get("trials_in_progress"),
            "demos_held": demos.get(m, {}).get("demos_held"),
            "demo_to_paid_rate": demos.get(m, {}).get("demo_to_paid_rate"),
            "is_window_complete": demos.get(m, {}).get("is_window_complete"),
        }
        for m in months
    ]
    chart.svg = line_chart(
        chart.title,
        [fmt.month_short(m) for m in months],
        [
            *_final_and_rising(rows, "trial_to_paid_rate", _trials_final, "Trial to paid", BLUE),
            *_final_and_rising(rows, "demo_to_paid_rate", lambda r: r["is_window_complete"], "Demo to paid", AMBER),
        ],
        fmt.percent,
        "conversion to paid (%)",
    )
    chart.no_data = "No data: no trial started and no demo held yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("month", "Month", _month_cell),
            ("trials_started", "Trials started", fmt.count),
            ("trial_to_paid_rate", "Trial to paid", fmt.percent),
            ("trials_in_progress", "Still in trial", fmt.count),
            ("demos_held", "Demos held", fmt.count),
            ("demo_to_paid_rate", "Demo to paid", fmt.percent),
            ("is_window_complete", "Demo rate final", fmt.yes_no),
        ],
    )
    return chart


def health_bands(marts: Marts) -> Chart:
    chart = Chart(
        "health-bands",
        "Customers by health band",
        "Paying customers at each month end by health score band (usage, seats, tickets, NPS, unpaid invoices).",
    )
    if not marts.has("marts.fct_health_backtest"):
        chart.no_data = marts.missing("marts.fct_health_backtest")
        return chart
    rows = marts.rows("select month, health_band, customers from marts.fct_health_backtest order by month, band_order")
    months = sorted({r["month"] for r in rows})
    by_key = {(r["month"], r["health_band"]): fmt.as_float(r["customers"]) for r in rows}
    series = [
        Series(BAND_LABELS[band], [by_key.get((m, band)) for m in months], color) for band, color in BAND_COLORS.items()
    ]
    chart.svg = stacked_bar_chart(
        chart.title,
        [fmt.month_short(m) for m in months],
        series,
        lambda v: fmt.count(v, compact=True),
        "customers",
        tooltip_fmt=fmt.count,
    )
    chart.no_data = "No data: no scored customer-month yet."
    chart.table_header = ["Month"] + [BAND_LABELS[b] for b in BAND_COLORS]
    chart.table_rows = [[fmt.month_label(m)] + [fmt.count(by_key.get((m, b))) for b in BAND_COLORS] for m in months]
    return chart


def health_backtest(marts: Marts) -> Chart:
    chart = Chart(
        "health-backtest",
        "Churn within 3 months by health band",
        "Of the customers scored in a band, the share with a churn movement in the next three months; "
        "only months whose three-month window has ended count.",
    )
    if not marts.has("marts.fct_health_backtest"):
        chart.no_data = marts.missing("marts.fct_health_backtest")
        return chart
    rows = marts.rows(
        """
        select health_band, min(band_order) as band_order, sum(customers) as customers,
               sum(churned_customers) as churned_customers,
               sum(churned_customers) / nullif(sum(customers), 0) as churn_rate,
               count(distinct month) as months
        from marts.fct_health_backtest
        where is_window_complete
        group by health_band
        order by band_order
        """
    )
    chart.svg = hbar_chart(
        chart.title,
        [BAND_LABELS.get(r["health_band"], r["health_band"]) for r in rows],
        [Series("Churned within 3 months", _values(rows, "churn_rate"), MOVEMENT_COLORS["churn"])],
        fmt.percent,
        "customers churning within 3 months (%)",
        "health band",
        annotations=[
            f"{fmt.count(r['churned_customers'])} of {fmt.count(r['customers'])} customer-months" for r in rows
        ],
    )
    chart.no_data = "No data: no scored month has a complete three-month window before as_of yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("health_band", "Band", str),
            ("months", "Scored months", fmt.count),
            ("customers", "Customer-months", fmt.count),
            ("churned_customers", "Churned within 3 months", fmt.count),
            ("churn_rate", "Churn rate", fmt.percent),
        ],
    )
    return chart


def nps(marts: Marts) -> Chart:
    chart = Chart(
        "nps",
        "Net Promoter Score",
        "% promoters (9-10) minus % detractors (0-6) of the month's survey answers, and over the trailing "
        "three months.",
    )
    if not marts.has("marts.fct_nps_monthly"):
        chart.no_data = marts.missing("marts.fct_nps_monthly")
        return chart
    rows = marts.rows("select * from marts.fct_nps_monthly order by month")
    chart.svg = line_chart(
        chart.title,
        [fmt.month_short(r["month"]) for r in rows],
        [
            Series("NPS, month", _values(rows, "nps"), BLUE),
            Series("NPS, trailing 3 months", _values(rows, "trailing_3m_nps"), AMBER, dashed=True),
        ],
        fmt.score,
        "NPS (points, -100 to 100)",
    )
    chart.no_data = "No data: no NPS answer yet."
    chart.table_header, chart.table_rows = _table(
        rows,
        [
            ("month", "Month", _month_cell),
            ("responses", "Responses", fmt.count),
            ("promoters", "Promoters", fmt.count),
            ("passives", "Passives", fmt.count),
            ("detractors", "Detractors", fmt.count),
            ("nps", "NPS", fmt.score),
            ("trailing_3m_nps", "NPS (3 months)", fmt.score),
        ],
    )
    return chart
