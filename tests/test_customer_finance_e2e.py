"""End-to-end test of the customer and finance marts on a small, hand-computed fixture.

tests/fixtures/customer_finance/ holds raw CSV files (one per raw table) for four customers over
January-April 2024, built with as_of = 2024-04-30 (as_of_ts = 2024-05-01 00:00):

    cus_alpha  USD, 10 seats x $100 = $1,000 MRR from 2024-01-01, open
    cus_beta   USD,  5 seats x $100 =   $500 MRR from 2024-01-01, ended 2024-03-01 (reason Too_Expensive)
    cus_gamma  EUR, flat EUR 2,000 MRR from 2024-01-15; EUR rate 1.10 (Jan, Feb), 1.20 (Mar, Apr)
    cus_delta  USD,  4 seats x $100 =   $400 MRR from 2024-02-01, item removed 2024-04-10 (no end)
    cus_test   a test customer with usage, tickets, NPS, invoices and a refund: in no mart

Active at month end: Jan alpha, beta, gamma; Feb + delta; Mar alpha, gamma, delta; Apr alpha, gamma.
Rows dated after as_of (a ticket, an NPS answer, a usage day, an expense in May) count nowhere.

Tolerances: money within half a cent (abs 0.005), scores and rates within 1e-9, counts exact.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.helpers import fetch_dicts as _fetch
from tests.helpers import shared_warehouse

FIXTURE = Path(__file__).parent / "fixtures" / "customer_finance"
AS_OF = "2024-04-30"

JAN, FEB, MAR, APR = (dt.date(2024, m, 1) for m in (1, 2, 3, 4))
DEC = dt.date(2023, 12, 1)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    path = shared_warehouse(tmp_path_factory, FIXTURE.name, AS_OF)
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def _close(actual, expected, tolerance: float) -> bool:
    if expected is None:
        return actual is None
    if isinstance(expected, bool) or isinstance(expected, str) or isinstance(expected, dt.date):
        return actual == expected
    return actual is not None and actual == pytest.approx(expected, abs=tolerance)


def _assert_table(con, sql: str, key: tuple[str, ...], expected: dict[tuple, dict], tolerance: float = 0.005):
    """Rows of sql keyed by `key` must be exactly the expected keys, with the expected values."""
    rows = {tuple(r[k] for k in key): r for r in _fetch(con, sql)}
    assert sorted(rows) == sorted(expected), f"keys differ: got {sorted(rows)}, expected {sorted(expected)}"
    problems = []
    for row_key, want in expected.items():
        for column, value in want.items():
            got = rows[row_key][column]
            if not _close(got, value, tolerance):
                problems.append(f"{row_key} {column}: got {got!r}, expected {value!r}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- product usage


def test_product_usage_monthly(con):
    # Averages divide by the calendar days (Jan 31, Feb 29, Mar 31, Apr 30).
    # is_usage_drop: previous month had usage and avg <= 0.5 x previous.
    columns = (
        "days_with_usage",
        "total_events",
        "avg_active_users",
        "avg_events",
        "previous_avg_active_users",
        "avg_active_users_change",
        "avg_active_users_change_rate",
        "is_usage_drop",
    )

    def row(*values):
        return dict(zip(columns, values, strict=True))

    expected = {
        # alpha: Jan 155 + 155 = 310 / 31 = 10; events 6200 / 31 = 200
        ("cus_alpha", JAN): row(2, 6200, 10.0, 200.0, 0.0, 10.0, None, False),
        # Feb 232 / 29 = 8 against 10: -2, -20%
        ("cus_alpha", FEB): row(1, 2900, 8.0, 100.0, 10.0, -2.0, -0.2, False),
        # Mar 124 / 31 = 4 against 8: -4, exactly -50% -> drop
        ("cus_alpha", MAR): row(1, 3100, 4.0, 100.0, 8.0, -4.0, -0.5, True),
        # Apr 240 / 30 = 8 against 4: +100%; the 2024-05-01 row is after as_of
        ("cus_alpha", APR): row(1, 6000, 8.0, 200.0, 4.0, 4.0, 1.0, False),
        # beta: Jan 93 / 31 = 3; Feb 29 / 29 = 1: -66.7% -> drop; no usage and not active in Mar: no row
        ("cus_beta", JAN): row(1, 930, 3.0, 30.0, 0.0, 3.0, None, False),
        ("cus_beta", FEB): row(1, 290, 1.0, 10.0, 3.0, -2.0, -2.0 / 3.0, True),
        # gamma: 31 / 31 = 1, 58 / 29 = 2, 62 / 31 = 2, 60 / 30 = 2
        ("cus_gamma", JAN): row(1, 310, 1.0, 10.0, 0.0, 1.0, None, False),
        ("cus_gamma", FEB): row(1, 580, 2.0, 20.0, 1.0, 1.0, 1.0, False),
        ("cus_gamma", MAR): row(1, 620, 2.0, 20.0, 2.0, 0.0, 0.0, False),
        ("cus_gamma", APR): row(1, 600, 2.0, 20.0, 2.0, 0.0, 0.0, False),
        # delta: Feb 58 / 29 = 2; Mar active without usage: 0, -100% -> drop; Apr not active, no usage: no row
        ("cus_delta", FEB): row(1, 290, 2.0, 10.0, 0.0, 2.0, None, False),
        ("cus_delta", MAR): row(0, 0, 0.0, 0.0, 2.0, -2.0, -1.0, True),
    }
    _assert_table(
        con, "select * from marts.fct_product_usage_monthly", ("customer_id", "month"), expected, tolerance=1e-9
    )


# --------------------------------------------------------------------------- customer health


def test_customer_health_monthly(con):
    # Defaults: weights usage 0.30, seats 0.20, tickets 0.20, NPS 0.15, unpaid invoices 0.15;
    # ticket score 1 - 0.05/ticket - 0.15/urgent - 0.25/(discount|competitor|cancellation), window M-2..M;
    # NPS promoter 1, passive 0.5, detractor 0, none 0.5; an invoice is due 30 days after created_at.
    columns = (
        "seats",
        "tickets",
        "urgent_tickets",
        "risk_tickets",
        "latest_nps_score",
        "past_due_invoices",
        "usage_trend_score",
        "seat_utilization_score",
        "ticket_score",
        "nps_score_component",
        "unpaid_invoice_score",
        "health_score",
        "health_band",
    )

    def row(*values):
        return dict(zip(columns, values, strict=True))

    expected = {
        # alpha Jan: trend 1 (no previous), 10/10 seats, tkt_1 -> 0.95, NPS 9, inv_a1 paid on time:
        # 30 + 20 + 19 + 15 + 15 = 99
        ("cus_alpha", JAN): row(10, 1, 0, 0, 9, 0, 1.0, 1.0, 0.95, 1.0, 1.0, 99.0, "healthy"),
        # Feb: trend 8/10, seats 8/10, tkt_1 still in window: 24 + 16 + 19 + 15 + 15 = 89
        ("cus_alpha", FEB): row(10, 1, 0, 0, 9, 0, 0.8, 0.8, 0.95, 1.0, 1.0, 89.0, "healthy"),
        # Mar: trend 4/8, seats 0.4, tkt_1 + tkt_4 (discount_request): 1 - 0.10 - 0.25 = 0.65, NPS 10:
        # 15 + 8 + 13 + 15 + 15 = 66
        ("cus_alpha", MAR): row(10, 2, 0, 1, 10, 0, 0.5, 0.4, 0.65, 1.0, 1.0, 66.0, "at_risk"),
        # Apr: trend min(8/4, 1), seats 0.8, window Feb..Apr holds tkt_4: 0.70; inv_a4 due 05-01, not
        # before the month end 05-01: 30 + 16 + 14 + 15 + 15 = 90
        ("cus_alpha", APR): row(10, 1, 0, 1, 10, 0, 1.0, 0.8, 0.70, 1.0, 1.0, 90.0, "healthy"),
        # beta Jan: seats 3/5, NPS 3 (via contact ct_beta) -> 0, inv_b1 due 01-31 and paid 02-15 -> past due:
        # 30 + 12 + 20 + 0 + 0 = 62
        ("cus_beta", JAN): row(5, 0, 0, 0, 3, 1, 1.0, 0.6, 1.0, 0.0, 0.0, 62.0, "at_risk"),
        # Feb: trend 1/3, seats 0.2, tkt_2 urgent cancellation_request: 1 - 0.05 - 0.15 - 0.25 = 0.55;
        # inv_b1 paid now, inv_b2 due 03-02: 10 + 4 + 11 + 0 + 15 = 40 -> at_risk (>= 40)
        ("cus_beta", FEB): row(5, 1, 1, 1, 3, 0, 1.0 / 3.0, 0.2, 0.55, 0.0, 1.0, 40.0, "at_risk"),
        # gamma Jan: no NPS answer -> 0.5: 30 + 20 + 20 + 7.5 + 15 = 92.5
        ("cus_gamma", JAN): row(1, 0, 0, 0, None, 0, 1.0, 1.0, 1.0, 0.5, 1.0, 92.5, "healthy"),
        # Feb..Apr: 2 users on 1 seat (capped 1), tkt_3 in window, NPS 7: 30 + 20 + 19 + 7.5 + 15 = 91.5
        ("cus_gamma", FEB): row(1, 1, 0, 0, 7, 0, 1.0, 1.0, 0.95, 0.5, 1.0, 91.5, "healthy"),
        ("cus_gamma", MAR): row(1, 1, 0, 0, 7, 0, 1.0, 1.0, 0.95, 0.5, 1.0, 91.5, "healthy"),
        ("cus_gamma", APR): row(1, 1, 0, 0, 7, 0, 1.0, 1.0, 0.95, 0.5, 1.0, 91.5, "healthy"),
        # delta Feb: seats 2/4, NPS 6 -> 0: 30 + 10 + 20 + 0 + 15 = 75
        ("cus_delta", FEB): row(4, 0, 0, 0, 6, 0, 1.0, 0.5, 1.0, 0.0, 1.0, 75.0, "healthy"),
        # Mar: no usage, inv_d2 due 03-31 still open at 04-01: 0 + 0 + 20 + 0 + 0 = 20
        ("cus_delta", MAR): row(4, 0, 0, 0, 6, 1, 0.0, 0.0, 1.0, 0.0, 0.0, 20.0, "critical"),
    }
    _assert_table(
        con, "select * from marts.fct_customer_health_monthly", ("customer_id", "month"), expected, tolerance=1e-9
    )


def test_health_backtest(con):
    # Churns: beta in March, delta in April. Window of M is M+1..M+3; complete when it ends by 2024-04-30.
    columns = ("customers", "churned_customers", "churn_rate", "avg_health_score", "is_window_complete")

    def row(*values):
        return dict(zip(columns, values, strict=True))

    expected = {
        ("healthy", JAN): row(2, 0, 0.0, (99.0 + 92.5) / 2, True),  # alpha, gamma
        ("at_risk", JAN): row(1, 1, 1.0, 62.0, True),  # beta churns in March
        ("critical", JAN): row(0, 0, None, None, True),
        ("healthy", FEB): row(3, 1, 1 / 3, (89.0 + 91.5 + 75.0) / 3, False),  # delta churns in April
        ("at_risk", FEB): row(1, 1, 1.0, 40.0, False),  # beta
        ("critical", FEB): row(0, 0, None, None, False),
        ("healthy", MAR): row(1, 0, 0.0, 91.5, False),  # gamma
        ("at_risk", MAR): row(1, 0, 0.0, 66.0, False),  # alpha
        ("critical", MAR): row(1, 1, 1.0, 20.0, False),  # delta churns in April
        ("healthy", APR): row(2, 0, 0.0, (90.0 + 91.5) / 2, False),
        ("at_risk", APR): row(0, 0, None, None, False),
        ("critical", APR): row(0, 0, None, None, False),
    }
    _assert_table(con, "select * from marts.fct_health_backtest", ("health_band", "month"), expected, tolerance=1e-9)


# --------------------------------------------------------------------------- NPS and churn reasons


def test_nps_monthly(con):
    # Jan: nps_1 9 (P), nps_2 3 (D, company from contact ct_beta); Feb: nps_3 7 (Pa), nps_4 6 (D);
    # Mar: nps_5 10 (P) (nps_6 is the test company's: excluded); Apr: nps_7 9 (P, a prospect);
    # nps_8 is after as_of.
    columns = ("responses", "promoters", "passives", "detractors", "nps", "trailing_3m_responses", "trailing_3m_nps")

    def row(*values):
        return dict(zip(columns, values, strict=True))

    expected = {
        (JAN,): row(2, 1, 0, 1, 0.0, 2, 0.0),  # 100 x (1 - 1) / 2
        (FEB,): row(2, 0, 1, 1, -50.0, 4, -25.0),  # 100 x (0 - 1) / 2; Jan..Feb 100 x (1 - 2) / 4
        (MAR,): row(1, 1, 0, 0, 100.0, 5, 0.0),  # Jan..Mar: 100 x (2 - 2) / 5
        (APR,): row(1, 1, 0, 0, 100.0, 4, 25.0),  # Feb..Apr: 100 x (2 - 1) / 4
    }
    _assert_table(con, "select * from marts.fct_nps_monthly", ("month",), expected, tolerance=1e-9)


def test_churn_reasons_monthly(con):
    # beta's subscription ended 2024-03-01 with reason Too_Expensive (lower-cased in staging);
    # delta's last item was removed 2024-04-10 without its subscription ending -> unknown.
    expected = {
        (MAR, "too_expensive"): {"churned_customers": 1, "churned_mrr": -500.0, "share_of_churned_customers": 1.0},
        (APR, "unknown"): {"churned_customers": 1, "churned_mrr": -400.0, "share_of_churned_customers": 1.0},
    }
    _assert_table(con, "select * from marts.fct_churn_reasons_monthly", ("month", "cancellation_reason"), expected)


# --------------------------------------------------------------------------- revenue


def test_revenue_monthly(con):
    # USD invoices at 1; EUR (gamma) at 1.10 in Jan/Feb and 1.20 in Mar/Apr.
    expected = {
        # billed a1 1000 + b1 500 + g1 2000 x 1.10; collected a1 1000 + g1 2200 (b1 is paid 02-15); refund ref_a1 200
        (JAN,): {"billed": 3700.0, "collected": 3200.0, "refunded": 200.0, "net_collected": 3000.0},
        # billed a2 1000 + b2 500 (uncollectible) + g2 2200 + d1 400; collected a2 + b1 + g2 + d1
        (FEB,): {"billed": 4100.0, "collected": 4100.0, "refunded": 0.0, "net_collected": 4100.0},
        # billed a3 1000 + g3 2000 x 1.20 + d2 400; collected a3 1000 + g3 2400
        (MAR,): {"billed": 3800.0, "collected": 3400.0, "refunded": 0.0, "net_collected": 3400.0},
        # billed a4 1000 + g4 2400 (d3 void, a0 draft); refund ref_g3 EUR 500 x 1.20 = 600
        (APR,): {"billed": 3400.0, "collected": 0.0, "refunded": 600.0, "net_collected": -600.0},
    }
    _assert_table(con, "select * from marts.fct_revenue_monthly", ("month",), expected)


def test_cohort_realized_ltv(con):
    # Net collected by member: alpha Jan 1000 - 200, Feb 1000, Mar 1000; beta Feb 500;
    # gamma Jan 2200, Feb 2200, Mar 2400, Apr -600; delta Feb 400.
    expected = {
        # January cohort: alpha, beta, gamma
        (JAN, 0): {"cohort_customers": 3, "cumulative_net_collected": 3000.0, "realized_ltv": 1000.0},  # 800 + 2200
        (JAN, 1): {"cohort_customers": 3, "cumulative_net_collected": 6700.0, "realized_ltv": 6700 / 3},  # + 3700
        (JAN, 2): {"cohort_customers": 3, "cumulative_net_collected": 10100.0, "realized_ltv": 10100 / 3},  # + 3400
        (JAN, 3): {"cohort_customers": 3, "cumulative_net_collected": 9500.0, "realized_ltv": 9500 / 3},  # - 600
        # February cohort: delta
        (FEB, 0): {"cohort_customers": 1, "cumulative_net_collected": 400.0, "realized_ltv": 400.0},
        (FEB, 1): {"cohort_customers": 1, "cumulative_net_collected": 400.0, "realized_ltv": 400.0},
        (FEB, 2): {"cohort_customers": 1, "cumulative_net_collected": 400.0, "realized_ltv": 400.0},
    }
    _assert_table(con, "select * from marts.fct_cohort_realized_ltv", ("cohort_month", "months_since_start"), expected)


# --------------------------------------------------------------------------- cost to serve and margin


def test_cost_to_serve_monthly(con):
    # December 2023 has only infrastructure 50 and no active customer: it stays unallocated.
    # March infrastructure is EUR 100 x 1.20 = 120. Sales expenses are not cost to serve.
    expected = {
        (DEC,): {"cost_to_serve": 50.0, "active_customers": 0, "allocated_cost": 0.0, "unallocated_cost": 50.0},
        (JAN,): {
            "support_cost": 300.0,
            "customer_success_cost": 150.0,
            "infrastructure_cost": 744.0,
            "cost_to_serve": 1194.0,
            "active_customers": 3,
            "cost_per_active_customer": 398.0,
        },
        (FEB,): {
            "support_cost": 400.0,
            "customer_success_cost": 200.0,
            "infrastructure_cost": 406.0,
            "cost_to_serve": 1006.0,
            "active_customers": 4,
            "cost_per_active_customer": 251.5,
        },
        (MAR,): {
            "support_cost": 300.0,
            "customer_success_cost": 150.0,
            "infrastructure_cost": 120.0,
            "cost_to_serve": 570.0,
            "active_customers": 3,
            "cost_per_active_customer": 190.0,
        },
        (APR,): {
            "support_cost": 200.0,
            "customer_success_cost": 100.0,
            "infrastructure_cost": 220.0,
            "cost_to_serve": 520.0,
            "active_customers": 2,
            "cost_per_active_customer": 260.0,
        },
    }
    _assert_table(con, "select * from marts.fct_cost_to_serve_monthly", ("month",), expected)


def test_customer_cost_to_serve_monthly(con):
    # support + customer_success by ticket share, infrastructure by event share, of active customers.
    columns = ("support_cost", "customer_success_cost", "infrastructure_cost", "cost_to_serve", "gross_margin")

    def row(*values):
        return dict(zip(columns, values, strict=True))

    expected = {
        # Jan: only tkt_1 (alpha) -> alpha 100%; events 6200 / 930 / 310 of 7440 x 744 = 620 / 93 / 31
        ("cus_alpha", JAN): row(300.0, 150.0, 620.0, 1070.0, (1000 - 1070) / 1000),
        ("cus_beta", JAN): row(0.0, 0.0, 93.0, 93.0, (500 - 93) / 500),
        ("cus_gamma", JAN): row(0.0, 0.0, 31.0, 31.0, (2200 - 31) / 2200),
        # Feb: tkt_2 (beta), tkt_3 (gamma) -> half each; events 2900 / 290 / 580 / 290 of 4060 x 406
        ("cus_alpha", FEB): row(0.0, 0.0, 290.0, 290.0, (1000 - 290) / 1000),
        ("cus_beta", FEB): row(200.0, 100.0, 29.0, 329.0, (500 - 329) / 500),
        ("cus_gamma", FEB): row(200.0, 100.0, 58.0, 358.0, (2200 - 358) / 2200),
        ("cus_delta", FEB): row(0.0, 0.0, 29.0, 29.0, (400 - 29) / 400),
        # Mar: tkt_4 (alpha); tkt_5 (test) and tkt_6 (prospect) left out; events 3100 / 620 / 0 of 3720 x 120
        ("cus_alpha", MAR): row(300.0, 150.0, 100.0, 550.0, (1000 - 550) / 1000),
        ("cus_gamma", MAR): row(0.0, 0.0, 20.0, 20.0, (2400 - 20) / 2400),
        ("cus_delta", MAR): row(0.0, 0.0, 0.0, 0.0, 1.0),
        # Apr: no tickets -> support 200 and customer_success 100 split evenly; events 6000 / 600 of 6600 x 220
        ("cus_alpha", APR): row(100.0, 50.0, 200.0, 350.0, (1000 - 350) / 1000),
        ("cus_gamma", APR): row(100.0, 50.0, 20.0, 170.0, (2400 - 170) / 2400),
    }
    _assert_table(
        con, "select * from marts.fct_customer_cost_to_serve_monthly", ("customer_id", "month"), expected, 1e-6
    )
    even = _fetch(
        con,
        "select month, bool_and(is_ticket_share_even) as even from marts.fct_customer_cost_to_serve_monthly "
        "group by month order by month",
    )
    assert [r["even"] for r in even] == [False, False, False, True]


def test_gross_margin_monthly(con):
    # Trailing 12 months of cost of service and of (collected - refunded):
    # cost Dec 50, Jan 300 + 150 + 744 = 1194, Feb 1006, Mar 570, Apr 520; revenue Jan 3000, Feb 4100,
    # Mar 3400, Apr -600.
    expected = {
        (DEC,): {"trailing_cost_of_service": 50.0, "trailing_revenue": 0.0, "gross_margin": None},
        (JAN,): {"trailing_cost_of_service": 1244.0, "trailing_revenue": 3000.0, "gross_margin": 1 - 1244 / 3000},
        (FEB,): {"trailing_cost_of_service": 2250.0, "trailing_revenue": 7100.0, "gross_margin": 1 - 2250 / 7100},
        (MAR,): {"trailing_cost_of_service": 2820.0, "trailing_revenue": 10500.0, "gross_margin": 1 - 2820 / 10500},
        (APR,): {"trailing_cost_of_service": 3340.0, "trailing_revenue": 9900.0, "gross_margin": 1 - 3340 / 9900},
    }
    _assert_table(con, "select * from intermediate.int_gross_margin_monthly", ("month",), expected, 1e-9)


def test_test_customer_is_absent(con):
    tables = (
        "fct_product_usage_monthly",
        "fct_customer_health_monthly",
        "fct_customer_cost_to_serve_monthly",
    )
    for table in tables:
        found = con.execute(f"select count(*) from marts.{table} where customer_id = 'cus_test'").fetchall()
        assert found == [(0,)], table
