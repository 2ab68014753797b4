"""Plain-text headline numbers, read from the marts: MRR and customers at as_of, and the flows and
rates of the last complete month (the as_of month's when as_of is its last day)."""

from __future__ import annotations

import duckdb

from saas_metrics.report.page import flows_row


def _money(value) -> str:
    return "n/a" if value is None else f"${float(value):,.2f}"


def _rate(value) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.2f}%"


def headline_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    cursor = con.execute(
        """
        select month, ending_mrr, arr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr,
               churned_mrr, fx_mrr, ending_customers, new_customers, churned_customers, arpa,
               customer_churn_rate, gross_mrr_churn_rate, net_revenue_retention_12m,
               gross_revenue_retention_12m, quick_ratio
        from marts.fct_mrr_monthly
        order by month desc
        limit 2
        """
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not rows:
        return ["No paid month yet: the marts are empty."]
    latest = rows[0]
    (as_of,) = con.execute("select as_of_date from intermediate.int_reporting_window").fetchone()
    month = f"{latest['month']:%B %Y}"
    # the as_of month's flows cover only its days up to as_of: the month before is the last whole one
    flows, to_date = flows_row(rows, as_of)
    flow_month = f"{flows['month']:%B %Y}" + (" to date" if to_date else "")
    quick_ratio = flows["quick_ratio"]
    return [
        f"Headline numbers as of {as_of} ({month}):",
        f"  MRR {_money(latest['ending_mrr'])}   ARR {_money(latest['arr'])}   customers {latest['ending_customers']}"
        f"   ARPA {_money(latest['arpa'])}",
        f"  NRR 12m {_rate(latest['net_revenue_retention_12m'])}"
        f"   GRR 12m {_rate(latest['gross_revenue_retention_12m'])}",
        f"Movements of {flow_month}:",
        f"  new {_money(flows['new_mrr'])}, expansion {_money(flows['expansion_mrr'])}, "
        f"reactivation {_money(flows['reactivation_mrr'])}, contraction {_money(flows['contraction_mrr'])}, "
        f"churn {_money(flows['churned_mrr'])}, fx {_money(flows['fx_mrr'])}",
        f"  new customers {flows['new_customers']}, churned customers {flows['churned_customers']}, "
        f"logo churn {_rate(flows['customer_churn_rate'])}, gross MRR churn {_rate(flows['gross_mrr_churn_rate'])}, "
        "quick ratio " + ("n/a" if quick_ratio is None else f"{quick_ratio:.2f}"),
    ]
