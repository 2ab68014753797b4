"""The `marts` suite: consistency of the built marts (docs/metrics.md), and row counts against the last good run.

Cross-row rules (roll-forwards, sums per conversion) are computed by one DuckDB query per rule into
a frame of per-row differences, and a GX expectation bounds the difference, so each rule has a GX
result with the offending rows. Checks on a mart that has not been built yet are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import great_expectations.expectations as gxe

from saas_metrics.loader import qident
from saas_metrics.quality.checks import make_check
from saas_metrics.quality.model import ERROR, WARNING, Check, Frame

SUITE = "marts"

# Money sums may differ by rounding, at most this much (USD).
MONEY_TOLERANCE = 0.01
# Attribution credits of a conversion sum to 1 within this.
CREDIT_TOLERANCE = 1e-6

# The columns that identify a row of each mart, shown with an offending value.
KEY_COLUMNS = {
    "fct_mrr_monthly": ("month",),
    "fct_customer_mrr_monthly": ("customer_id", "currency", "month"),
    "fct_retention_cohorts": ("cohort_month", "months_since_start"),
    "fct_attribution": ("customer_id", "converted_at", "attribution_model", "touchpoint_id"),
    "fct_mrr_movements": ("customer_id", "occurred_at", "movement_type"),
}


@dataclass(frozen=True)
class Bound:
    table: str
    column: str
    min_value: float | None
    max_value: float | None
    severity: str
    text: str


# Single-column bounds on a mart.
BOUNDS = (
    Bound("fct_mrr_monthly", "ending_mrr", 0, None, ERROR, "ending_mrr >= 0"),
    Bound("fct_mrr_monthly", "customer_churn_rate", 0, None, ERROR, "customer_churn_rate >= 0"),
    Bound(
        "fct_mrr_monthly",
        "customer_churn_rate",
        None,
        1,
        WARNING,
        "customer_churn_rate <= 1 (can exceed 1 legitimately: churn counts movement rows, so customers "
        "who start and churn within the month, or churn twice, add to the numerator; metrics.md edge rule 8)",
    ),
    Bound("fct_mrr_monthly", "gross_mrr_churn_rate", 0, None, ERROR, "gross_mrr_churn_rate >= 0"),
    Bound(
        "fct_mrr_monthly",
        "gross_mrr_churn_rate",
        None,
        1,
        WARNING,
        "gross_mrr_churn_rate <= 1 (can exceed 1 legitimately when MRR won in the month is lost in the same month)",
    ),
    Bound("fct_customer_mrr_monthly", "mrr_local", 0, None, ERROR, "mrr_local >= 0"),
    Bound("fct_customer_mrr_monthly", "mrr", 0, None, ERROR, "mrr >= 0"),
    Bound("fct_retention_cohorts", "logo_retention", 0, 1, ERROR, "logo_retention within 0..1"),
    Bound("fct_attribution", "credit", 0, 1, ERROR, "credit within 0..1"),
)

Catalog = dict[str, dict[str, str]]


def _check(table: str, report_column: str | None, severity: str, cls, description: str, examples=None, **kw) -> Check:
    return make_check(
        SUITE, f"marts.{table}", report_column, severity, cls, description, example_columns=examples, **kw
    )


def _difference(table, column, frame_column, tolerance, description, examples, severity=ERROR) -> Check:
    return _check(
        table,
        column,
        severity,
        gxe.ExpectColumnValuesToBeBetween,
        description,
        examples,
        column=frame_column,
        min_value=-tolerance,
        max_value=tolerance,
    )


def build_marts_frames(
    catalog: Catalog,
    baseline: tuple[str, dict[str, int]] | None,
    row_count_drop_tolerance: float,
) -> tuple[list[Frame], list[tuple[Check, str]]]:
    """The frames of the marts suite and the checks that cannot run (with the reason).

    baseline: (run_id, {mart table: row count}) of the last successful run that validated the marts.
    """
    marts = {key.split(".", 1)[1]: cols for key, cols in catalog.items() if key.startswith("marts.")}
    frames: list[Frame] = []
    skipped: list[tuple[Check, str]] = []

    # Single-table checks (bounds, row counts), one frame per mart.
    counted_before = set(baseline[1]) if baseline else set()
    for table in sorted(set(marts) | {b.table for b in BOUNDS} | counted_before):
        checks = [
            _check(
                table,
                b.column,
                b.severity,
                gxe.ExpectColumnValuesToBeBetween,
                b.text,
                (*KEY_COLUMNS.get(table, ()), b.column),
                column=b.column,
                min_value=b.min_value,
                max_value=b.max_value,
            )
            for b in BOUNDS
            if b.table == table
        ]
        if baseline is not None:
            run_id, counts = baseline
            if table in counts:
                previous = counts[table]
                minimum = math.ceil(previous * (1 - row_count_drop_tolerance) - 1e-9)
                checks.append(
                    _check(
                        table,
                        None,
                        ERROR,
                        gxe.ExpectTableRowCountToBeBetween,
                        f"row count at least {minimum}: no drop of more than {row_count_drop_tolerance:.0%} "
                        f"from the {previous} rows of the last successful run ({run_id})",
                        min_value=max(minimum, 0),
                    )
                )
            elif table in marts:
                skipped.append(
                    (
                        _check(
                            table,
                            None,
                            ERROR,
                            gxe.ExpectTableRowCountToBeBetween,
                            "row count has not dropped since the last successful run",
                            min_value=0,
                        ),
                        f"the last successful run ({run_id}) did not count marts.{table}",
                    )
                )
        if not checks:
            continue
        if table not in marts:
            # A mart counted by the last good run and gone now has lost all its rows.
            counted = [c for c in checks if c.column is None]
            skipped += [(c, f"marts.{table} does not exist yet") for c in checks if c.column is not None]
            if counted:
                frames.append(Frame(f"marts.{table}", "select 1 as no_rows where false", counted))
            continue
        columns = marts[table]
        missing = [c for c in checks if c.column is not None and c.column not in columns]
        skipped += [(c, f"column {c.column} missing from marts.{table}") for c in missing]
        checks = [c for c in checks if c not in missing]
        for c in checks:
            if c.example_columns:
                c.example_columns = tuple(x for x in c.example_columns if x in columns)
        wanted = [*KEY_COLUMNS.get(table, ()), *(c.column for c in checks if c.column)]
        select = [c for c in dict.fromkeys(wanted) if c in columns] or [next(iter(columns))]
        query = f"select {', '.join(qident(c) for c in select)} from marts.{qident(table)}"
        frames.append(Frame(f"marts.{table}", query, checks))
    if baseline is None:
        skipped.append(
            (
                _check("*", None, ERROR, gxe.ExpectTableRowCountToBeBetween, "row counts", min_value=0),
                "no earlier successful run of the marts suite to compare row counts with",
            )
        )

    for build, needs in CROSS_FRAMES:
        frame = build()
        absent = [t for t in needs if t not in marts]
        if absent:
            reason = ", ".join(f"marts.{t}" for t in absent) + " does not exist yet"
            skipped += [(c, reason) for c in frame.checks]
        else:
            frames.append(frame)
    return frames, skipped


def _mrr_roll_forward() -> Frame:
    query = """
        select month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr,
               fx_mrr, ending_mrr,
               cast(starting_mrr + coalesce(new_mrr, 0) + coalesce(expansion_mrr, 0)
                    + coalesce(reactivation_mrr, 0) + coalesce(contraction_mrr, 0) + coalesce(churned_mrr, 0)
                    + coalesce(fx_mrr, 0) - ending_mrr as double) as mrr_difference,
               lag(ending_mrr) over (order by month) as previous_ending_mrr,
               cast(starting_mrr - coalesce(lag(ending_mrr) over (order by month), 0) as double)
                   as starting_mrr_difference,
               starting_customers, new_customers, reactivated_customers, churned_customers, ending_customers,
               starting_customers + coalesce(new_customers, 0) + coalesce(reactivated_customers, 0)
                   - coalesce(churned_customers, 0) - ending_customers as customer_difference,
               lag(ending_customers) over (order by month) as previous_ending_customers,
               starting_customers - coalesce(lag(ending_customers) over (order by month), 0)
                   as starting_customers_difference
        from marts.fct_mrr_monthly
        order by month
    """
    t = "fct_mrr_monthly"
    checks = [
        _difference(
            t,
            "ending_mrr",
            "mrr_difference",
            MONEY_TOLERANCE,
            "MRR roll-forward: starting_mrr + new + expansion + reactivation + contraction + churned + fx "
            f"= ending_mrr, within {MONEY_TOLERANCE}",
            ("month", "starting_mrr", "ending_mrr", "mrr_difference"),
        ),
        _difference(
            t,
            "starting_mrr",
            "starting_mrr_difference",
            MONEY_TOLERANCE,
            f"starting_mrr = the previous month's ending_mrr (0 in the first month), within {MONEY_TOLERANCE}",
            ("month", "starting_mrr", "previous_ending_mrr", "starting_mrr_difference"),
        ),
        _difference(
            t,
            "ending_customers",
            "customer_difference",
            0,
            "customer roll-forward: starting_customers + new + reactivated - churned = ending_customers",
            ("month", "starting_customers", "ending_customers", "customer_difference"),
        ),
        _difference(
            t,
            "starting_customers",
            "starting_customers_difference",
            0,
            "starting_customers = the previous month's ending_customers (0 in the first month)",
            ("month", "starting_customers", "previous_ending_customers", "starting_customers_difference"),
        ),
    ]
    return Frame("marts.fct_mrr_monthly.roll_forward", query, checks)


def _ending_vs_customer_months() -> Frame:
    query = """
        select monthly.month, monthly.ending_mrr, coalesce(customers.mrr, 0) as customer_months_mrr,
               cast(monthly.ending_mrr - coalesce(customers.mrr, 0) as double) as mrr_difference,
               monthly.ending_customers, coalesce(customers.active, 0) as active_customer_months,
               monthly.ending_customers - coalesce(customers.active, 0) as customer_difference
        from marts.fct_mrr_monthly as monthly
        left join (
            select month, sum(mrr) as mrr, count(*) filter (where is_active) as active
            from marts.fct_customer_mrr_monthly
            group by month
        ) as customers on customers.month = monthly.month
        order by monthly.month
    """
    t = "fct_mrr_monthly"
    checks = [
        _difference(
            t,
            "ending_mrr",
            "mrr_difference",
            MONEY_TOLERANCE,
            f"ending_mrr = the sum of fct_customer_mrr_monthly.mrr of the month, within {MONEY_TOLERANCE}",
            ("month", "ending_mrr", "customer_months_mrr", "mrr_difference"),
        ),
        _difference(
            t,
            "ending_customers",
            "customer_difference",
            0,
            "ending_customers = the active customers of fct_customer_mrr_monthly in the month",
            ("month", "ending_customers", "active_customer_months", "customer_difference"),
        ),
    ]
    return Frame("marts.fct_mrr_monthly.vs_customer_months", query, checks)


def _customer_roll_forward() -> Frame:
    query = """
        with customer_months as (
            select customer_id, currency, month, mrr,
                   lag(mrr) over (partition by customer_id, currency order by month) as previous_mrr
            from marts.fct_customer_mrr_monthly
        ),
        movements as (
            select customer_id, currency, movement_month as month, sum(mrr_change) as movements
            from marts.fct_mrr_movements
            group by all
        )
        select cm.customer_id, cm.currency, cm.month, coalesce(cm.previous_mrr, 0) as previous_mrr,
               coalesce(mv.movements, 0) as movements, cm.mrr,
               cast(coalesce(cm.previous_mrr, 0) + coalesce(mv.movements, 0) - cm.mrr as double) as mrr_difference
        from customer_months as cm
        left join movements as mv
            on mv.customer_id = cm.customer_id
            and mv.currency is not distinct from cm.currency
            and mv.month = cm.month
    """
    check = _difference(
        "fct_customer_mrr_monthly",
        "mrr",
        "mrr_difference",
        MONEY_TOLERANCE,
        "per-customer roll-forward: mrr at the end of M = mrr at the end of M-1 + the customer's "
        f"fct_mrr_movements in M, within {MONEY_TOLERANCE}",
        ("customer_id", "currency", "month", "previous_mrr", "movements", "mrr", "mrr_difference"),
    )
    return Frame("marts.fct_customer_mrr_monthly.roll_forward", query, [check])


def _cohort_sizes() -> Frame:
    query = """
        select coalesce(cohorts.cohort_month, monthly.month) as cohort_month, cohorts.months_since_start,
               cohorts.cohort_customers, monthly.new_customers,
               coalesce(cohorts.cohort_customers, 0) - coalesce(monthly.new_customers, 0) as difference
        from marts.fct_retention_cohorts as cohorts
        full outer join (
            select month, new_customers from marts.fct_mrr_monthly where new_customers > 0
        ) as monthly on monthly.month = cohorts.cohort_month
        order by 1, 2
    """
    check = _difference(
        "fct_retention_cohorts",
        "cohort_customers",
        "difference",
        0,
        "cohort_customers = fct_mrr_monthly.new_customers of the cohort month, for every months_since_start",
        ("cohort_month", "months_since_start", "cohort_customers", "new_customers"),
    )
    return Frame("marts.fct_retention_cohorts.cohort_sizes", query, [check])


def _attribution_credits() -> Frame:
    query = """
        select customer_id, converted_at, attribution_model, count(*) as attributed_rows,
               sum(credit) as credit_total, sum(credit) - 1 as difference
        from marts.fct_attribution
        group by all
    """
    check = _difference(
        "fct_attribution",
        "credit",
        "difference",
        CREDIT_TOLERANCE,
        f"the credits of each conversion sum to 1 in every attribution model, within {CREDIT_TOLERANCE}",
        ("customer_id", "converted_at", "attribution_model", "credit_total"),
    )
    return Frame("marts.fct_attribution.credit_sums", query, [check])


# Cross-row frames and the marts each needs.
CROSS_FRAMES = (
    (_mrr_roll_forward, ("fct_mrr_monthly",)),
    (_ending_vs_customer_months, ("fct_mrr_monthly", "fct_customer_mrr_monthly")),
    (_customer_roll_forward, ("fct_customer_mrr_monthly", "fct_mrr_movements")),
    (_cohort_sizes, ("fct_retention_cohorts", "fct_mrr_monthly")),
    (_attribution_credits, ("fct_attribution",)),
)
