"""Plain-text headline numbers of the latest month, read from the marts."""

from __future__ import annotations

import duckdb


def _money(value) -> str:
    return "n/a" if value is None else f"${float(value):,.2f}"


def _rate(value) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.2f}%"


def headline_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    row = con.execute(
        """
        select month, ending_mrr, arr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr,
               churned_mrr, fx_mrr, ending_customers, new_customers, churned_customers, arpa,
               customer_churn_rate, gross_mrr_churn_rate, net_revenue_retention_12m,
               gross_revenue_retention_12m, quick_ratio
        from marts.fct_mrr_monthly
        order by month desc
        limit 1
        """
    ).fetchone()
    if row is None:
        return ["No paid month yet: the marts are empty."]
    (
        month,
        mrr,
        arr,
        new,
        expansion,
        reactivation,
        contraction,
        churned,
        fx,
        customers,
        new_customers,
        churned_customers,
        arpa,
        churn_rate,
        gross_churn,
        nrr,
        grr,
        quick_ratio,
    ) = row
    (as_of,) = con.execute("select as_of_date from intermediate.int_reporting_window").fetchone()
    return [
        f"Headline numbers for {month:%B %Y} (as of {as_of}):",
        f"  MRR {_money(mrr)}   ARR {_money(arr)}   customers {customers}   ARPA {_money(arpa)}",
        f"  movements: new {_money(new)}, expansion {_money(expansion)}, reactivation {_money(reactivation)}, "
        f"contraction {_money(contraction)}, churn {_money(churned)}, fx {_money(fx)}",
        f"  new customers {new_customers}, churned customers {churned_customers}, "
        f"logo churn {_rate(churn_rate)}, gross MRR churn {_rate(gross_churn)}",
        f"  NRR 12m {_rate(nrr)}   GRR 12m {_rate(grr)}   quick ratio "
        + ("n/a" if quick_ratio is None else f"{quick_ratio:.2f}"),
    ]
