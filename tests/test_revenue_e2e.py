"""End-to-end tests of the revenue marts on small, hand-computed fixtures.

Each fixture folder under tests/fixtures/ is a set of raw CSV files (one per raw table of
raw_contract.yml; tables not needed are left out and load empty). The warehouse is built once
per folder with a fixed as_of, and the marts are compared with numbers worked out by hand from
the metric specification (metrics.md: MRR, MRR movements, Monthly MRR, Customer months,
Retention cohorts, edge rules 6-14). The arithmetic behind every expected number is written next to it.

Item MRR used throughout (major units, per month):
    max(unit_amount * quantity * (1 - pct/100) - amount_off, 0) / 10^exponent / months_per_interval
with months_per_interval = interval_count * (month 1, year 12, week 12/52, day 12/365).

Tolerances: money within half a cent (abs 0.005), rates relative 1e-9, counts exact.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.helpers import fetch_dicts as _fetch
from tests.helpers import money_ok as _money_ok
from tests.helpers import shared_warehouse

MONEY_COLUMNS = (
    "starting_mrr",
    "new_mrr",
    "expansion_mrr",
    "reactivation_mrr",
    "contraction_mrr",
    "churned_mrr",
    "fx_mrr",
    "ending_mrr",
    "arr",
    "arpa",
)
COUNT_COLUMNS = (
    "starting_customers",
    "new_customers",
    "reactivated_customers",
    "churned_customers",
    "ending_customers",
)
RATE_COLUMNS = (
    "customer_churn_rate",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "quick_ratio",
    "net_revenue_retention_12m",
    "gross_revenue_retention_12m",
)
MONTHLY_COLUMNS = ("month", *MONEY_COLUMNS, *COUNT_COLUMNS, *RATE_COLUMNS)


# --------------------------------------------------------------------------- helpers


def _open(fixture: str, tmp_path_factory: pytest.TempPathFactory, as_of: str):
    path = shared_warehouse(tmp_path_factory, fixture, as_of)
    return duckdb.connect(str(path), read_only=True)


def _rate_ok(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=1e-9)


def _month_row(**values) -> dict:
    """An expected fct_mrr_monthly row; every column must be given."""
    missing = set(MONTHLY_COLUMNS) - set(values)
    extra = set(values) - set(MONTHLY_COLUMNS)
    assert not missing and not extra, f"expected row incomplete: missing {missing}, unknown {extra}"
    return values


def _months(first: dt.date, count: int) -> list[dt.date]:
    out = []
    year, month = first.year, first.month
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _assert_monthly(con, expected: list[dict]) -> None:
    rows = _fetch(con, "select * from marts.fct_mrr_monthly order by month")
    assert rows, "fct_mrr_monthly is empty"
    assert set(MONTHLY_COLUMNS) <= set(rows[0]), set(MONTHLY_COLUMNS) - set(rows[0])
    assert [r["month"] for r in rows] == [e["month"] for e in expected]
    problems = []
    for row, exp in zip(rows, expected, strict=True):
        for col in MONEY_COLUMNS:
            if not _money_ok(row[col], exp[col]):
                problems.append(f"{exp['month']} {col}: got {row[col]!r}, expected {exp[col]!r}")
        for col in COUNT_COLUMNS:
            if row[col] != exp[col]:
                problems.append(f"{exp['month']} {col}: got {row[col]!r}, expected {exp[col]!r}")
        for col in RATE_COLUMNS:
            if not _rate_ok(row[col], exp[col]):
                problems.append(f"{exp['month']} {col}: got {row[col]!r}, expected {exp[col]!r}")
    assert not problems, "\n".join(problems)


def _assert_movements(con, expected: list[tuple], currency_of: dict[str, str]) -> None:
    """expected: (customer_id, occurred_at, movement_type, mrr_change, mrr_change_local).

    mrr_change_local is None for fx rows (their local amount is not part of the spec).
    """
    rows = _fetch(
        con,
        """
        select movement_id, customer_id, occurred_at, movement_month, movement_type,
               currency, mrr_change, mrr_change_local
        from marts.fct_mrr_movements
        order by customer_id, occurred_at, movement_type
        """,
    )
    ids = [r["movement_id"] for r in rows]
    assert None not in ids and len(set(ids)) == len(ids), "movement_id must be unique and not null"

    got = [(r["customer_id"], r["occurred_at"], r["movement_type"]) for r in rows]
    want = sorted(expected, key=lambda e: (e[0], e[1], e[2]))
    assert got == [(e[0], e[1], e[2]) for e in want]

    problems = []
    for row, (customer, occurred_at, kind, change, change_local) in zip(rows, want, strict=True):
        label = f"{customer} {occurred_at} {kind}"
        if not _money_ok(row["mrr_change"], change):
            problems.append(f"{label} mrr_change: got {row['mrr_change']!r}, expected {change}")
        if change_local is not None and not _money_ok(row["mrr_change_local"], change_local):
            problems.append(f"{label} mrr_change_local: got {row['mrr_change_local']!r}, expected {change_local}")
        first_of_month = dt.date(occurred_at.year, occurred_at.month, 1)
        if row["movement_month"] != first_of_month:
            problems.append(f"{label} movement_month: got {row['movement_month']!r}")
        if row["currency"] != currency_of[customer]:
            problems.append(f"{label} currency: got {row['currency']!r}")
    assert not problems, "\n".join(problems)


def _assert_customer_months(con, expected: list[tuple]) -> None:
    """expected: (customer_id, month, currency, mrr_local, mrr, is_active)."""
    rows = _fetch(
        con,
        """
        select customer_id, month, currency, mrr_local, mrr, is_active
        from marts.fct_customer_mrr_monthly
        order by customer_id, month
        """,
    )
    want = sorted(expected, key=lambda e: (e[0], e[1]))
    assert [(r["customer_id"], r["month"]) for r in rows] == [(e[0], e[1]) for e in want]
    problems = []
    for row, (customer, month, currency, local, usd, active) in zip(rows, want, strict=True):
        label = f"{customer} {month}"
        if row["currency"] != currency:
            problems.append(f"{label} currency: got {row['currency']!r}, expected {currency}")
        if not _money_ok(row["mrr_local"], local):
            problems.append(f"{label} mrr_local: got {row['mrr_local']!r}, expected {local}")
        if not _money_ok(row["mrr"], usd):
            problems.append(f"{label} mrr: got {row['mrr']!r}, expected {usd}")
        if row["is_active"] is not active:
            problems.append(f"{label} is_active: got {row['is_active']!r}, expected {active}")
    assert not problems, "\n".join(problems)


def _assert_cohorts(con, expected: list[tuple]) -> None:
    """expected: (cohort_month, k, cohort_customers, active_customers, logo_retention,
    cohort_starting_mrr, mrr, net_mrr_retention)."""
    rows = _fetch(
        con,
        """
        select cohort_month, months_since_start, cohort_customers, active_customers,
               logo_retention, cohort_starting_mrr, mrr, net_mrr_retention
        from marts.fct_retention_cohorts
        order by cohort_month, months_since_start
        """,
    )
    want = sorted(expected, key=lambda e: (e[0], e[1]))
    assert [(r["cohort_month"], r["months_since_start"]) for r in rows] == [(e[0], e[1]) for e in want]
    problems = []
    for row, (month, k, members, active, logo, start, mrr, nmr) in zip(rows, want, strict=True):
        label = f"cohort {month} k={k}"
        if row["cohort_customers"] != members or row["active_customers"] != active:
            problems.append(
                f"{label} customers: got {row['cohort_customers']}/{row['active_customers']}, "
                f"expected {members}/{active}"
            )
        if not _rate_ok(row["logo_retention"], logo):
            problems.append(f"{label} logo_retention: got {row['logo_retention']!r}, expected {logo}")
        if not _money_ok(row["cohort_starting_mrr"], start):
            problems.append(f"{label} cohort_starting_mrr: got {row['cohort_starting_mrr']!r}, expected {start}")
        if not _money_ok(row["mrr"], mrr):
            problems.append(f"{label} mrr: got {row['mrr']!r}, expected {mrr}")
        if not _rate_ok(row["net_mrr_retention"], nmr):
            problems.append(f"{label} net_mrr_retention: got {row['net_mrr_retention']!r}, expected {nmr}")
    assert not problems, "\n".join(problems)


def _assert_absent_everywhere(con, customer_ids: set[str], except_tables: tuple[str, ...] = ()) -> None:
    """No mart table with a customer_id column (but except_tables) mentions any of these customers."""
    tables = [
        name
        for (name,) in con.execute(
            """
            select distinct table_name
            from information_schema.columns
            where table_schema = 'marts' and column_name = 'customer_id'
            order by table_name
            """
        ).fetchall()
    ]
    assert {"fct_mrr_movements", "fct_customer_mrr_monthly"} <= set(tables), tables
    placeholders = ", ".join("?" for _ in customer_ids)
    for table in tables:
        if table in except_tables:
            continue
        found = con.execute(
            f"select distinct customer_id from marts.{table} where customer_id in ({placeholders})",
            sorted(customer_ids),
        ).fetchall()
        assert not found, f"marts.{table} contains {found}"


def _assert_roll_forward(con) -> None:
    """Every month: ending = starting + movements; ending = sum of customer months;
    starting = previous ending; arr = 12 x ending."""
    monthly = _fetch(con, "select * from marts.fct_mrr_monthly order by month")
    moved = {
        r["movement_month"]: r["total"]
        for r in _fetch(
            con,
            "select movement_month, sum(mrr_change) as total from marts.fct_mrr_movements group by 1",
        )
    }
    customers = {
        r["month"]: r
        for r in _fetch(
            con,
            "select month, sum(mrr) as total, count(*) filter (where is_active) as active "
            "from marts.fct_customer_mrr_monthly group by 1",
        )
    }
    previous_ending = 0.0
    for row in monthly:
        month = row["month"]
        assert row["starting_mrr"] == pytest.approx(previous_ending, abs=0.005), month
        assert row["ending_mrr"] == pytest.approx(row["starting_mrr"] + moved.get(month, 0.0), abs=0.005), month
        assert row["ending_mrr"] == pytest.approx(customers[month]["total"], abs=0.005), month
        assert row["ending_customers"] == customers[month]["active"], month
        assert row["arr"] == pytest.approx(12 * row["ending_mrr"], abs=0.005), month
        previous_ending = row["ending_mrr"]


# =========================================================================== revenue_usd

USD_AS_OF = "2024-04-30"


@pytest.fixture(scope="module")
def usd_db(tmp_path_factory):
    """revenue_usd: all USD, as_of 2024-04-30, paid months January..April 2024.

    Prices (USD cents): seat monthly 2000 (20.00/seat); seat annual 120000/seat/year;
    weekly 300 (3.00 x 52/12 = 13.00/month); daily 120 (1.20 x 365/12 = 36.50/month);
    quarterly 30000 every 3 months (100.00/month); flat monthly 5000 (50.00);
    setup fee 25000 (not recurring: never MRR); internal 50000 (test account only).

    cus_acme: 3 seats x 20.00 from 2024-01-01 00:00 (new 60.00); 5 seats from 02-10
      (expansion +40.00) and 4 seats from 02-20 (contraction -20.00): two changes in one
      month, two movements. A one-off setup-fee item (Jan 1-2) must not count. Cancellation
      requested 04-15 but ended_at 2024-05-31 is after as_of: MRR stays 80.00 through April.
    cus_birch: annual price, 2 seats, 25% off plus 300.00/year off from 01-15:
      (120000 x 2 x 0.75 - 30000) / 100 / 12 = 1500.00 / 12 = 125.00 (new).
      The discount ends 03-15: 240000 / 100 / 12 = 200.00 (expansion +75.00). A 50% discount
      scheduled from 2024-05-15 is after as_of and must be ignored.
    cus_cedar: two subscriptions from 02-01: weekly 13.00 + daily 36.50 = 49.50 (one new
      movement). At 2024-03-10 12:00 UTC the weekly one ends (ended_at written with a +02:00
      offset, 14:00+02:00) and the daily one goes to quantity 2 (73.00) at the same instant:
      netted into one expansion, 49.50 -> 73.00 = +23.50.
    cus_dune: quarterly plan with a trial 01-06 .. 01-20: MRR 100.00 from trial_end 01-20
      (new). ended_at exactly 2024-03-01 00:00: still 100.00 at the end of February, churn
      -100.00 in March. A new subscription on 04-05 (2 seats x 20.00 = 40.00) is a
      reactivation.
    cus_elm: flat 50.00 from 02-01 (new); 100% off 03-05 .. 03-25 (churn -50.00), paid
      again 03-25 (reactivation +50.00): churn and return within one month, both recorded.
    cus_fern: trial 2023-12-10 .. 12-24 that ended at trial_end: never paid, so no movement,
      no customer month, and December 2023 is not a paid month.
    cus_internal: is_test = true, 500.00/month since 2023-12-01: excluded everywhere.
    """
    con = _open("revenue_usd", tmp_path_factory, USD_AS_OF)
    yield con
    con.close()


USD_CURRENCY = {c: "USD" for c in ("cus_acme", "cus_birch", "cus_cedar", "cus_dune", "cus_elm")}

USD_MOVEMENTS = [
    ("cus_acme", dt.datetime(2024, 1, 1), "new", 60.00, 60.00),  # 3 seats x 20.00
    ("cus_acme", dt.datetime(2024, 2, 10), "expansion", 40.00, 40.00),  # 60 -> 5 x 20 = 100
    ("cus_acme", dt.datetime(2024, 2, 20), "contraction", -20.00, -20.00),  # 100 -> 4 x 20 = 80
    ("cus_birch", dt.datetime(2024, 1, 15), "new", 125.00, 125.00),  # (240000x0.75-30000)/100/12
    ("cus_birch", dt.datetime(2024, 3, 15), "expansion", 75.00, 75.00),  # 125 -> 240000/100/12 = 200
    ("cus_cedar", dt.datetime(2024, 2, 1), "new", 49.50, 49.50),  # weekly 13.00 + daily 36.50
    ("cus_cedar", dt.datetime(2024, 3, 10, 12), "expansion", 23.50, 23.50),  # 49.50 -> 2 x 36.50
    ("cus_dune", dt.datetime(2024, 1, 20), "new", 100.00, 100.00),  # 30000/100/3 from trial_end
    ("cus_dune", dt.datetime(2024, 3, 1), "churn", -100.00, -100.00),  # ended_at 03-01 00:00
    ("cus_dune", dt.datetime(2024, 4, 5), "reactivation", 40.00, 40.00),  # new sub 2 x 20.00
    ("cus_elm", dt.datetime(2024, 2, 1), "new", 50.00, 50.00),  # flat 5000/100
    ("cus_elm", dt.datetime(2024, 3, 5), "churn", -50.00, -50.00),  # 100% off -> 0
    ("cus_elm", dt.datetime(2024, 3, 25), "reactivation", 50.00, 50.00),  # discount removed
]

USD_MONTHLY = [
    _month_row(
        month=dt.date(2024, 1, 1),
        starting_mrr=0.00,  # first paid month (fern's trial and the test account are not paid months)
        new_mrr=285.00,  # acme 60.00 + birch 125.00 + dune 100.00
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # USD only
        ending_mrr=285.00,  # acme 60.00 + birch 125.00 + dune 100.00
        arr=3420.00,  # 12 x 285.00
        starting_customers=0,
        new_customers=3,  # acme, birch, dune
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=3,  # acme, birch, dune
        arpa=95.00,  # 285.00 / 3
        customer_churn_rate=None,  # 0 starting customers
        gross_mrr_churn_rate=None,  # starting_mrr 0
        net_mrr_churn_rate=None,  # starting_mrr 0
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # first 12 rows
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 2, 1),
        starting_mrr=285.00,  # January ending
        new_mrr=99.50,  # cedar 13.00 + 36.50 = 49.50, elm 50.00
        expansion_mrr=40.00,  # acme 3 -> 5 seats
        reactivation_mrr=0.00,
        contraction_mrr=-20.00,  # acme 5 -> 4 seats
        churned_mrr=0.00,
        fx_mrr=0.00,
        ending_mrr=404.50,  # acme 80.00 + birch 125.00 + cedar 49.50 + dune 100.00 + elm 50.00
        arr=4854.00,  # 12 x 404.50
        starting_customers=3,
        new_customers=2,  # cedar, elm
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,  # 3 + 2
        arpa=80.90,  # 404.50 / 5
        customer_churn_rate=0.0,  # 0 / 3
        gross_mrr_churn_rate=20.00 / 285.00,  # -(0 - 20.00) / 285.00
        net_mrr_churn_rate=-20.00 / 285.00,  # -(0 - 20.00 + 40.00 + 0) / 285.00
        quick_ratio=139.50 / 20.00,  # (99.50 + 40.00 + 0) / 20.00 = 6.975
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 3, 1),
        starting_mrr=404.50,  # February ending
        new_mrr=0.00,
        expansion_mrr=98.50,  # birch 75.00 + cedar 23.50
        reactivation_mrr=50.00,  # elm 03-25
        contraction_mrr=0.00,
        churned_mrr=-150.00,  # dune -100.00 (03-01 00:00) + elm -50.00 (03-05)
        fx_mrr=0.00,
        ending_mrr=403.00,  # acme 80.00 + birch 200.00 + cedar 73.00 + dune 0 + elm 50.00
        arr=4836.00,  # 12 x 403.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=1,  # elm
        churned_customers=2,  # dune, elm
        ending_customers=4,  # 5 - 2 + 1: acme, birch, cedar, elm
        arpa=100.75,  # 403.00 / 4
        customer_churn_rate=2 / 5,  # 0.4
        gross_mrr_churn_rate=150.00 / 404.50,  # -(-150.00 + 0) / 404.50
        net_mrr_churn_rate=1.50 / 404.50,  # -(-150.00 + 0 + 98.50 + 50.00) / 404.50
        quick_ratio=148.50 / 150.00,  # (0 + 98.50 + 50.00) / 150.00 = 0.99
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 4, 1),
        starting_mrr=403.00,  # March ending
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=40.00,  # dune's new subscription, 2 x 20.00
        contraction_mrr=0.00,
        churned_mrr=0.00,  # acme's ended_at 05-31 is after as_of
        fx_mrr=0.00,
        ending_mrr=443.00,  # acme 80.00 + birch 200.00 + cedar 73.00 + dune 40.00 + elm 50.00
        arr=5316.00,  # 12 x 443.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=1,  # dune
        churned_customers=0,
        ending_customers=5,  # 4 + 1
        arpa=88.60,  # 443.00 / 5
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # -(0 + 0) / 403.00
        net_mrr_churn_rate=-40.00 / 403.00,  # -(0 + 0 + 0 + 40.00) / 403.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
]

USD_CUSTOMER_MONTHS = [
    # (customer, month, currency, mrr_local, mrr, is_active)
    ("cus_acme", dt.date(2024, 1, 1), "USD", 60.00, 60.00, True),  # 3 seats
    ("cus_acme", dt.date(2024, 2, 1), "USD", 80.00, 80.00, True),  # 4 seats after 02-20
    ("cus_acme", dt.date(2024, 3, 1), "USD", 80.00, 80.00, True),
    ("cus_acme", dt.date(2024, 4, 1), "USD", 80.00, 80.00, True),  # scheduled end after as_of
    ("cus_birch", dt.date(2024, 1, 1), "USD", 125.00, 125.00, True),  # discounted annual
    ("cus_birch", dt.date(2024, 2, 1), "USD", 125.00, 125.00, True),
    ("cus_birch", dt.date(2024, 3, 1), "USD", 200.00, 200.00, True),  # discount ended 03-15
    ("cus_birch", dt.date(2024, 4, 1), "USD", 200.00, 200.00, True),
    ("cus_cedar", dt.date(2024, 2, 1), "USD", 49.50, 49.50, True),  # 13.00 + 36.50
    ("cus_cedar", dt.date(2024, 3, 1), "USD", 73.00, 73.00, True),  # 2 x 36.50
    ("cus_cedar", dt.date(2024, 4, 1), "USD", 73.00, 73.00, True),
    ("cus_dune", dt.date(2024, 1, 1), "USD", 100.00, 100.00, True),  # quarterly 300.00 / 3
    ("cus_dune", dt.date(2024, 2, 1), "USD", 100.00, 100.00, True),  # ended_at is 03-01 00:00
    ("cus_dune", dt.date(2024, 3, 1), "USD", 0.00, 0.00, False),  # zero row kept
    ("cus_dune", dt.date(2024, 4, 1), "USD", 40.00, 40.00, True),  # 2 seats x 20.00
    ("cus_elm", dt.date(2024, 2, 1), "USD", 50.00, 50.00, True),
    ("cus_elm", dt.date(2024, 3, 1), "USD", 50.00, 50.00, True),  # back on 03-25
    ("cus_elm", dt.date(2024, 4, 1), "USD", 50.00, 50.00, True),
]

USD_COHORTS = [
    # (cohort_month, k, customers, active, logo, cohort_starting_mrr, mrr, net_mrr_retention)
    # January cohort: acme, birch, dune; starting 60.00 + 125.00 + 100.00 = 285.00
    (dt.date(2024, 1, 1), 0, 3, 3, 1.0, 285.00, 285.00, 1.0),  # 60 + 125 + 100
    (dt.date(2024, 1, 1), 1, 3, 3, 1.0, 285.00, 305.00, 305.00 / 285.00),  # 80 + 125 + 100
    (dt.date(2024, 1, 1), 2, 3, 2, 2 / 3, 285.00, 280.00, 280.00 / 285.00),  # 80 + 200 + 0
    (dt.date(2024, 1, 1), 3, 3, 3, 1.0, 285.00, 320.00, 320.00 / 285.00),  # 80 + 200 + 40
    # February cohort: cedar, elm; starting 49.50 + 50.00 = 99.50
    (dt.date(2024, 2, 1), 0, 2, 2, 1.0, 99.50, 99.50, 1.0),  # 49.50 + 50.00
    (dt.date(2024, 2, 1), 1, 2, 2, 1.0, 99.50, 123.00, 123.00 / 99.50),  # 73.00 + 50.00
    (dt.date(2024, 2, 1), 2, 2, 2, 1.0, 99.50, 123.00, 123.00 / 99.50),  # 73.00 + 50.00
]


def test_usd_monthly(usd_db):
    _assert_monthly(usd_db, USD_MONTHLY)


def test_usd_movements(usd_db):
    _assert_movements(usd_db, USD_MOVEMENTS, USD_CURRENCY)


def test_usd_customer_months(usd_db):
    _assert_customer_months(usd_db, USD_CUSTOMER_MONTHS)


def test_usd_cohorts(usd_db):
    _assert_cohorts(usd_db, USD_COHORTS)


def test_usd_test_customer_and_unpaid_trial_absent(usd_db):
    _assert_absent_everywhere(usd_db, {"cus_internal"})
    # the never-paid trial has no revenue rows; the customer dimension lists it as never paid and the
    # trials mart as a trial that did not convert
    _assert_absent_everywhere(usd_db, {"cus_fern"}, except_tables=("dim_customers", "fct_trials"))
    assert usd_db.execute(
        "select is_converted, trial_outcome from marts.fct_trials where customer_id = 'cus_fern'"
    ).fetchall() == [(False, "not_converted")]
    assert usd_db.execute(
        "select customer_status, first_paid_at from marts.dim_customers where customer_id = 'cus_fern'"
    ).fetchall() == [("never_paid", None)]


def test_usd_roll_forward(usd_db):
    _assert_roll_forward(usd_db)


# =========================================================================== revenue_fx

FX_AS_OF = "2024-04-20"


@pytest.fixture(scope="module")
def fx_db(tmp_path_factory):
    """revenue_fx: USD, EUR and JPY customers, as_of 2024-04-20, paid months Jan..Apr 2024.

    fx_rates and the rate of each month (latest rate_date on or before the month's last day,
    or on or before as_of in April; with no such row, the currency's earliest row):
      EUR rows 01-01 1.05, 01-31 1.10, 02-15 1.20, 04-10 1.25, 04-25 1.30 (after as_of)
        -> Jan 1.10 (the 01-31 row counts), Feb 1.20, Mar 1.20, Apr 1.25 (04-25 ignored).
      JPY rows 02-01 0.0070, 03-01 0.0065, 04-21 0.0060 (after as_of)
        -> Jan 0.0070 (no row by 01-31: earliest row), Feb 0.0070, Mar 0.0065, Apr 0.0065.

    cus_dollar: USD 80.00 flat from 2024-01-01 00:00; never changes, never has fx movements.
    cus_euro_seats: EUR 50.00/seat, 2 seats = EUR 100.00 from 01-10 (new 100 x 1.10 = 110.00);
      fx at 02-01: 100 x (1.20 - 1.10) = +10.00; none at 03-01 (rate unchanged);
      at exactly 2024-04-01 00:00 goes to 3 seats (EUR 150.00): two rows share that instant,
      fx 100 x (1.25 - 1.20) = +5.00 and expansion 50 x 1.25 = +62.50 (edge rule 13).
    cus_euro_annual: EUR 1200.00/year (price currency written "eur") = EUR 100.00/month
      from exactly 2024-02-01 00:00: new 100 x 1.20 = 120.00 and no fx row (nothing before);
      ends 03-20: churn -100 x 1.20 = -120.00; no fx row in April (MRR 0 before it).
    cus_yen: JPY 5000/seat (whole yen), 4 seats = 20000 yen from 01-15:
      new 20000 x 0.0070 = 140.00; no fx at 02-01 (0.0070 both months);
      fx at 03-01: 20000 x (0.0065 - 0.0070) = -10.00; 3 seats from 04-05:
      contraction -5000 x 0.0065 = -32.50; no fx at 04-01 (0.0065 both months).
    """
    con = _open("revenue_fx", tmp_path_factory, FX_AS_OF)
    yield con
    con.close()


FX_CURRENCY = {
    "cus_dollar": "USD",
    "cus_euro_seats": "EUR",
    "cus_euro_annual": "EUR",
    "cus_yen": "JPY",
}

FX_MOVEMENTS = [
    ("cus_dollar", dt.datetime(2024, 1, 1), "new", 80.00, 80.00),  # 8000 / 100
    ("cus_euro_seats", dt.datetime(2024, 1, 10), "new", 110.00, 100.00),  # EUR 100 x 1.10
    ("cus_euro_seats", dt.datetime(2024, 2, 1), "fx", 10.00, None),  # 100 x (1.20 - 1.10)
    ("cus_euro_seats", dt.datetime(2024, 4, 1), "fx", 5.00, None),  # 100 x (1.25 - 1.20)
    ("cus_euro_seats", dt.datetime(2024, 4, 1), "expansion", 62.50, 50.00),  # EUR 50 x 1.25
    ("cus_euro_annual", dt.datetime(2024, 2, 1), "new", 120.00, 100.00),  # 1200/12 x 1.20
    ("cus_euro_annual", dt.datetime(2024, 3, 20), "churn", -120.00, -100.00),  # -100 x 1.20
    ("cus_yen", dt.datetime(2024, 1, 15), "new", 140.00, 20000),  # 20000 x 0.0070
    ("cus_yen", dt.datetime(2024, 3, 1), "fx", -10.00, None),  # 20000 x (0.0065 - 0.0070)
    ("cus_yen", dt.datetime(2024, 4, 5), "contraction", -32.50, -5000),  # -5000 x 0.0065
]

FX_MONTHLY = [
    _month_row(
        month=dt.date(2024, 1, 1),
        starting_mrr=0.00,
        new_mrr=330.00,  # dollar 80.00 + euro_seats 110.00 + yen 140.00
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # nobody had MRR before January
        ending_mrr=330.00,  # 80.00 + 100 x 1.10 + 20000 x 0.0070
        arr=3960.00,  # 12 x 330.00
        starting_customers=0,
        new_customers=3,  # dollar, euro_seats, yen
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=3,
        arpa=110.00,  # 330.00 / 3
        customer_churn_rate=None,  # 0 starting customers
        gross_mrr_churn_rate=None,  # starting_mrr 0
        net_mrr_churn_rate=None,
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 2, 1),
        starting_mrr=330.00,
        new_mrr=120.00,  # euro_annual EUR 100 x 1.20
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=10.00,  # euro_seats 100 x (1.20 - 1.10); yen 0.0070 -> 0.0070 gives none
        ending_mrr=460.00,  # 80.00 + 100 x 1.20 + 100 x 1.20 + 20000 x 0.0070
        arr=5520.00,  # 12 x 460.00
        starting_customers=3,
        new_customers=1,  # euro_annual
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=115.00,  # 460.00 / 4
        customer_churn_rate=0.0,  # 0 / 3
        gross_mrr_churn_rate=0.0,  # -(0 + 0) / 330.00
        net_mrr_churn_rate=0.0,  # -(0 + 0 + 0 + 0) / 330.00 (fx is not churn)
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 3, 1),
        starting_mrr=460.00,
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=-120.00,  # euro_annual -100 x 1.20
        fx_mrr=-10.00,  # yen 20000 x (0.0065 - 0.0070); EUR 1.20 -> 1.20 gives none
        ending_mrr=330.00,  # 80.00 + 100 x 1.20 + 0 + 20000 x 0.0065 = 80 + 120 + 130
        arr=3960.00,  # 12 x 330.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=1,  # euro_annual
        ending_customers=3,
        arpa=110.00,  # 330.00 / 3
        customer_churn_rate=1 / 4,  # 0.25
        gross_mrr_churn_rate=120.00 / 460.00,  # -(-120.00 + 0) / 460.00
        net_mrr_churn_rate=120.00 / 460.00,  # -(-120.00 + 0 + 0 + 0) / 460.00
        quick_ratio=0.0,  # (0 + 0 + 0) / 120.00
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 4, 1),
        starting_mrr=330.00,
        new_mrr=0.00,
        expansion_mrr=62.50,  # euro_seats +EUR 50 x 1.25
        reactivation_mrr=0.00,
        contraction_mrr=-32.50,  # yen -5000 x 0.0065
        churned_mrr=0.00,
        fx_mrr=5.00,  # euro_seats 100 x (1.25 - 1.20); yen 0.0065 -> 0.0065 gives none
        ending_mrr=365.00,  # 80.00 + 150 x 1.25 + 15000 x 0.0065 = 80 + 187.50 + 97.50
        arr=4380.00,  # 12 x 365.00
        starting_customers=3,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=3,
        arpa=365.00 / 3,  # 121.666...
        customer_churn_rate=0.0,  # 0 / 3
        gross_mrr_churn_rate=32.50 / 330.00,  # -(0 - 32.50) / 330.00
        net_mrr_churn_rate=-30.00 / 330.00,  # -(0 - 32.50 + 62.50 + 0) / 330.00
        quick_ratio=62.50 / 32.50,  # (0 + 62.50 + 0) / 32.50
        net_revenue_retention_12m=None,
        gross_revenue_retention_12m=None,
    ),
]

FX_CUSTOMER_MONTHS = [
    ("cus_dollar", dt.date(2024, 1, 1), "USD", 80.00, 80.00, True),
    ("cus_dollar", dt.date(2024, 2, 1), "USD", 80.00, 80.00, True),
    ("cus_dollar", dt.date(2024, 3, 1), "USD", 80.00, 80.00, True),
    ("cus_dollar", dt.date(2024, 4, 1), "USD", 80.00, 80.00, True),
    ("cus_euro_seats", dt.date(2024, 1, 1), "EUR", 100.00, 110.00, True),  # 100 x 1.10
    ("cus_euro_seats", dt.date(2024, 2, 1), "EUR", 100.00, 120.00, True),  # 100 x 1.20
    ("cus_euro_seats", dt.date(2024, 3, 1), "EUR", 100.00, 120.00, True),  # 100 x 1.20
    ("cus_euro_seats", dt.date(2024, 4, 1), "EUR", 150.00, 187.50, True),  # 150 x 1.25
    ("cus_euro_annual", dt.date(2024, 2, 1), "EUR", 100.00, 120.00, True),  # 100 x 1.20
    ("cus_euro_annual", dt.date(2024, 3, 1), "EUR", 0.00, 0.00, False),  # ended 03-20
    ("cus_euro_annual", dt.date(2024, 4, 1), "EUR", 0.00, 0.00, False),
    ("cus_yen", dt.date(2024, 1, 1), "JPY", 20000, 140.00, True),  # 20000 x 0.0070 (earliest row)
    ("cus_yen", dt.date(2024, 2, 1), "JPY", 20000, 140.00, True),  # 20000 x 0.0070
    ("cus_yen", dt.date(2024, 3, 1), "JPY", 20000, 130.00, True),  # 20000 x 0.0065
    ("cus_yen", dt.date(2024, 4, 1), "JPY", 15000, 97.50, True),  # 15000 x 0.0065
]

FX_COHORTS = [
    # January cohort: dollar, euro_seats, yen; starting 80.00 + 110.00 + 140.00 = 330.00
    (dt.date(2024, 1, 1), 0, 3, 3, 1.0, 330.00, 330.00, 1.0),  # 80 + 110 + 140
    (dt.date(2024, 1, 1), 1, 3, 3, 1.0, 330.00, 340.00, 340.00 / 330.00),  # 80 + 120 + 140
    (dt.date(2024, 1, 1), 2, 3, 3, 1.0, 330.00, 330.00, 1.0),  # 80 + 120 + 130
    (dt.date(2024, 1, 1), 3, 3, 3, 1.0, 330.00, 365.00, 365.00 / 330.00),  # 80 + 187.50 + 97.50
    # February cohort: euro_annual; starting 120.00
    (dt.date(2024, 2, 1), 0, 1, 1, 1.0, 120.00, 120.00, 1.0),
    (dt.date(2024, 2, 1), 1, 1, 0, 0.0, 120.00, 0.00, 0.0),  # churned 03-20
    (dt.date(2024, 2, 1), 2, 1, 0, 0.0, 120.00, 0.00, 0.0),
]


def test_fx_monthly(fx_db):
    _assert_monthly(fx_db, FX_MONTHLY)


def test_fx_movements(fx_db):
    _assert_movements(fx_db, FX_MOVEMENTS, FX_CURRENCY)


def test_fx_customer_months(fx_db):
    _assert_customer_months(fx_db, FX_CUSTOMER_MONTHS)


def test_fx_cohorts(fx_db):
    _assert_cohorts(fx_db, FX_COHORTS)


def test_fx_roll_forward(fx_db):
    _assert_roll_forward(fx_db)


# =========================================================================== revenue_nrr

NRR_AS_OF = "2024-03-31"


@pytest.fixture(scope="module")
def nrr_db(tmp_path_factory):
    """revenue_nrr: 15 paid months, January 2023 .. March 2024 (as_of 2024-03-31).

    Prices: USD seat 50.00/month, USD flat 300.00, USD flat 90.00, EUR seat 20.00/month.
    EUR rows 2023-01-01 1.10, 2023-07-01 1.00, 2024-01-01 1.20, 2024-03-01 1.25, so the
    EUR rate is 1.10 Jan-Jun 2023, 1.00 Jul-Dec 2023, 1.20 Jan-Feb 2024, 1.25 Mar 2024.

    cus_grow (USD): 2 seats = 100.00 from 2023-01-01; 3 seats = 150.00 from 2023-07-12;
      4 seats = 200.00 from 2024-02-10 (two expansions of +50.00).
    cus_shrink (USD): 4 seats = 200.00 from 2023-01-15; 3 seats = 150.00 from 2023-10-05.
    cus_leave (USD): 300.00 from 2023-02-01; ended exactly 2023-12-01 00:00 (churn in Dec).
    cus_late (USD): 90.00 from 2023-05-20, so it is never in a 12-month NRR base here.
    cus_euro (EUR): 5 seats = EUR 100.00 from 2023-01-01 (new 110.00 at 1.10);
      fx 2023-07-01: 100 x (1.00 - 1.10) = -10.00; 4 seats = EUR 80.00 from 2023-11-15
      (contraction -20 x 1.00 = -20.00); fx 2024-01-01: 80 x (1.20 - 1.00) = +16.00;
      fx 2024-03-01: 80 x (1.25 - 1.20) = +4.00.

    12-month retention (rows 13-15), both sides at the EUR rate of M (constant currency):
      2024-01 over end of 2023-01 (grow 100, shrink 200, euro EUR 100):
        base 100 + 200 + 100 x 1.20 = 420; now 150 + 150 + 80 x 1.20 = 396;
        capped min(150,100) + min(150,200) + min(96,120) = 100 + 150 + 96 = 346.
      2024-02 over end of 2023-02 (grow 100, shrink 200, leave 300, euro EUR 100):
        base 100 + 200 + 300 + 120 = 720; now 200 + 150 + 0 + 96 = 446;
        capped 100 + 150 + 0 + 96 = 346.
      2024-03 over end of 2023-03 (same four; late starts in May):
        base 100 + 200 + 300 + 100 x 1.25 = 725; now 200 + 150 + 0 + 80 x 1.25 = 450;
        capped 100 + 150 + 0 + 100 = 350.
    """
    con = _open("revenue_nrr", tmp_path_factory, NRR_AS_OF)
    yield con
    con.close()


NRR_CURRENCY = {
    "cus_grow": "USD",
    "cus_shrink": "USD",
    "cus_leave": "USD",
    "cus_late": "USD",
    "cus_euro": "EUR",
}

NRR_MOVEMENTS = [
    ("cus_grow", dt.datetime(2023, 1, 1), "new", 100.00, 100.00),  # 2 x 50.00
    ("cus_grow", dt.datetime(2023, 7, 12), "expansion", 50.00, 50.00),  # 2 -> 3 seats
    ("cus_grow", dt.datetime(2024, 2, 10), "expansion", 50.00, 50.00),  # 3 -> 4 seats
    ("cus_shrink", dt.datetime(2023, 1, 15), "new", 200.00, 200.00),  # 4 x 50.00
    ("cus_shrink", dt.datetime(2023, 10, 5), "contraction", -50.00, -50.00),  # 4 -> 3 seats
    ("cus_leave", dt.datetime(2023, 2, 1), "new", 300.00, 300.00),
    ("cus_leave", dt.datetime(2023, 12, 1), "churn", -300.00, -300.00),  # ended_at 12-01 00:00
    ("cus_late", dt.datetime(2023, 5, 20), "new", 90.00, 90.00),
    ("cus_euro", dt.datetime(2023, 1, 1), "new", 110.00, 100.00),  # EUR 5 x 20 = 100 x 1.10
    ("cus_euro", dt.datetime(2023, 7, 1), "fx", -10.00, None),  # 100 x (1.00 - 1.10)
    ("cus_euro", dt.datetime(2023, 11, 15), "contraction", -20.00, -20.00),  # EUR -20 x 1.00
    ("cus_euro", dt.datetime(2024, 1, 1), "fx", 16.00, None),  # 80 x (1.20 - 1.00)
    ("cus_euro", dt.datetime(2024, 3, 1), "fx", 4.00, None),  # 80 x (1.25 - 1.20)
]


NRR_MONTHLY = [
    _month_row(
        month=dt.date(2023, 1, 1),
        starting_mrr=0.00,
        new_mrr=410.00,  # grow 100.00 + shrink 200.00 + euro 100 x 1.10 = 110.00
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,
        ending_mrr=410.00,  # 100 + 200 + 110
        arr=4920.00,  # 12 x 410.00
        starting_customers=0,
        new_customers=3,  # grow, shrink, euro
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=3,
        arpa=410.00 / 3,  # 136.666...
        customer_churn_rate=None,
        gross_mrr_churn_rate=None,
        net_mrr_churn_rate=None,
        quick_ratio=None,
        net_revenue_retention_12m=None,  # row 1
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 2, 1),
        starting_mrr=410.00,
        new_mrr=300.00,  # leave
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,
        ending_mrr=710.00,  # 100 + 200 + 300 + 110
        arr=8520.00,  # 12 x 710.00
        starting_customers=3,
        new_customers=1,  # leave
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=177.50,  # 710.00 / 4
        customer_churn_rate=0.0,  # 0 / 3
        gross_mrr_churn_rate=0.0,  # 0 / 410.00
        net_mrr_churn_rate=0.0,  # 0 / 410.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 2
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 3, 1),
        starting_mrr=710.00,  # previous ending
        new_mrr=0.00,  # no movement this month
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.10 -> 1.10
        ending_mrr=710.00,  # unchanged
        arr=8520.00,  # 12 x 710.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=177.50,  # 710.00 / 4
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # 0 / 710.00
        net_mrr_churn_rate=0.0,  # 0 / 710.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 3
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 4, 1),
        starting_mrr=710.00,  # previous ending
        new_mrr=0.00,  # no movement this month
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.10 -> 1.10
        ending_mrr=710.00,  # unchanged
        arr=8520.00,  # 12 x 710.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=177.50,  # 710.00 / 4
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # 0 / 710.00
        net_mrr_churn_rate=0.0,  # 0 / 710.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 4
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 5, 1),
        starting_mrr=710.00,
        new_mrr=90.00,  # late
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,
        ending_mrr=800.00,  # 100 + 200 + 300 + 90 + 110
        arr=9600.00,  # 12 x 800.00
        starting_customers=4,
        new_customers=1,  # late
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=160.00,  # 800.00 / 5
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # 0 / 710.00
        net_mrr_churn_rate=0.0,  # 0 / 710.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 5
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 6, 1),
        starting_mrr=800.00,  # previous ending
        new_mrr=0.00,  # no movement this month
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.10 -> 1.10
        ending_mrr=800.00,  # unchanged
        arr=9600.00,  # 12 x 800.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=160.00,  # 800.00 / 5
        customer_churn_rate=0.0,  # 0 / 5
        gross_mrr_churn_rate=0.0,  # 0 / 800.00
        net_mrr_churn_rate=0.0,  # 0 / 800.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 6
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 7, 1),
        starting_mrr=800.00,
        new_mrr=0.00,
        expansion_mrr=50.00,  # grow 2 -> 3 seats on 07-12
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=-10.00,  # euro 100 x (1.00 - 1.10)
        ending_mrr=840.00,  # grow 150 + shrink 200 + leave 300 + late 90 + euro 100 x 1.00
        arr=10080.00,  # 12 x 840.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=168.00,  # 840.00 / 5
        customer_churn_rate=0.0,  # 0 / 5
        gross_mrr_churn_rate=0.0,  # 0 / 800.00
        net_mrr_churn_rate=-50.00 / 800.00,  # -(0 + 0 + 50.00 + 0) / 800.00 = -0.0625
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 7
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 8, 1),
        starting_mrr=840.00,  # previous ending
        new_mrr=0.00,  # no movement this month
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.00 -> 1.00
        ending_mrr=840.00,  # unchanged
        arr=10080.00,  # 12 x 840.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=168.00,  # 840.00 / 5
        customer_churn_rate=0.0,  # 0 / 5
        gross_mrr_churn_rate=0.0,  # 0 / 840.00
        net_mrr_churn_rate=0.0,  # 0 / 840.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 8
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 9, 1),
        starting_mrr=840.00,  # previous ending
        new_mrr=0.00,  # no movement this month
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.00 -> 1.00
        ending_mrr=840.00,  # unchanged
        arr=10080.00,  # 12 x 840.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=168.00,  # 840.00 / 5
        customer_churn_rate=0.0,  # 0 / 5
        gross_mrr_churn_rate=0.0,  # 0 / 840.00
        net_mrr_churn_rate=0.0,  # 0 / 840.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=None,  # row 9
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 10, 1),
        starting_mrr=840.00,
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=-50.00,  # shrink 4 -> 3 seats
        churned_mrr=0.00,
        fx_mrr=0.00,
        ending_mrr=790.00,  # 150 + 150 + 300 + 90 + 100
        arr=9480.00,  # 12 x 790.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=158.00,  # 790.00 / 5
        customer_churn_rate=0.0,  # 0 / 5
        gross_mrr_churn_rate=50.00 / 840.00,  # -(0 - 50.00) / 840.00
        net_mrr_churn_rate=50.00 / 840.00,  # -(0 - 50.00 + 0 + 0) / 840.00
        quick_ratio=0.0,  # 0 / 50.00
        net_revenue_retention_12m=None,  # row 10
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 11, 1),
        starting_mrr=790.00,
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=-20.00,  # euro 5 -> 4 seats: EUR -20 x 1.00
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.00 -> 1.00
        ending_mrr=770.00,  # 150 + 150 + 300 + 90 + 80 x 1.00
        arr=9240.00,  # 12 x 770.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=5,
        arpa=154.00,  # 770.00 / 5
        customer_churn_rate=0.0,  # 0 / 5
        gross_mrr_churn_rate=20.00 / 790.00,  # -(0 - 20.00) / 790.00
        net_mrr_churn_rate=20.00 / 790.00,  # -(0 - 20.00 + 0 + 0) / 790.00
        quick_ratio=0.0,  # 0 / 20.00
        net_revenue_retention_12m=None,  # row 11
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2023, 12, 1),
        starting_mrr=770.00,
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=-300.00,  # leave, ended 12-01 00:00
        fx_mrr=0.00,
        ending_mrr=470.00,  # 150 + 150 + 0 + 90 + 80
        arr=5640.00,  # 12 x 470.00
        starting_customers=5,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=1,  # leave
        ending_customers=4,
        arpa=117.50,  # 470.00 / 4
        customer_churn_rate=1 / 5,  # 0.2
        gross_mrr_churn_rate=300.00 / 770.00,  # -(-300.00 + 0) / 770.00
        net_mrr_churn_rate=300.00 / 770.00,  # -(-300.00 + 0 + 0 + 0) / 770.00
        quick_ratio=0.0,  # 0 / 300.00
        net_revenue_retention_12m=None,  # row 12: still null
        gross_revenue_retention_12m=None,
    ),
    _month_row(
        month=dt.date(2024, 1, 1),
        starting_mrr=470.00,
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=16.00,  # euro 80 x (1.20 - 1.00)
        ending_mrr=486.00,  # 150 + 150 + 90 + 80 x 1.20 = 96
        arr=5832.00,  # 12 x 486.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=121.50,  # 486.00 / 4
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # 0 / 470.00
        net_mrr_churn_rate=0.0,  # 0 / 470.00 (fx is not churn)
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=396.00 / 420.00,  # (150 + 150 + 96) / (100 + 200 + 120)
        gross_revenue_retention_12m=346.00 / 420.00,  # (100 + 150 + 96) / 420
    ),
    _month_row(
        month=dt.date(2024, 2, 1),
        starting_mrr=486.00,
        new_mrr=0.00,
        expansion_mrr=50.00,  # grow 3 -> 4 seats
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=0.00,  # EUR 1.20 -> 1.20
        ending_mrr=536.00,  # 200 + 150 + 90 + 96
        arr=6432.00,  # 12 x 536.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=134.00,  # 536.00 / 4
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # 0 / 486.00
        net_mrr_churn_rate=-50.00 / 486.00,  # -(0 + 0 + 50.00 + 0) / 486.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=446.00 / 720.00,  # (200 + 150 + 0 + 96) / (100+200+300+120)
        gross_revenue_retention_12m=346.00 / 720.00,  # (100 + 150 + 0 + 96) / 720
    ),
    _month_row(
        month=dt.date(2024, 3, 1),
        starting_mrr=536.00,
        new_mrr=0.00,
        expansion_mrr=0.00,
        reactivation_mrr=0.00,
        contraction_mrr=0.00,
        churned_mrr=0.00,
        fx_mrr=4.00,  # euro 80 x (1.25 - 1.20)
        ending_mrr=540.00,  # 200 + 150 + 90 + 80 x 1.25 = 100
        arr=6480.00,  # 12 x 540.00
        starting_customers=4,
        new_customers=0,
        reactivated_customers=0,
        churned_customers=0,
        ending_customers=4,
        arpa=135.00,  # 540.00 / 4
        customer_churn_rate=0.0,  # 0 / 4
        gross_mrr_churn_rate=0.0,  # 0 / 536.00
        net_mrr_churn_rate=0.0,  # 0 / 536.00
        quick_ratio=None,  # no churned or contraction MRR
        net_revenue_retention_12m=450.00 / 725.00,  # (200 + 150 + 0 + 100) / (100+200+300+125)
        gross_revenue_retention_12m=350.00 / 725.00,  # (100 + 150 + 0 + 100) / 725
    ),
]

# Customer months: month-end MRR per customer from its first paid month to March 2024.
_NRR_MONTHS = _months(dt.date(2023, 1, 1), 15)  # 2023-01 .. 2024-03
_NRR_MONTH_END_LOCAL = {
    # customer: (currency, first month, local MRR at the end of each month from then on)
    "cus_grow": ("USD", 0, [100.00] * 6 + [150.00] * 7 + [200.00] * 2),  # 2 / 3 / 4 seats
    "cus_shrink": ("USD", 0, [200.00] * 9 + [150.00] * 6),  # 4 seats, 3 from Oct 2023
    "cus_leave": ("USD", 1, [300.00] * 10 + [0.00] * 4),  # Feb..Nov 2023, 0 from Dec
    "cus_late": ("USD", 4, [90.00] * 11),  # May 2023 .. Mar 2024
    "cus_euro": ("EUR", 0, [100.00] * 10 + [80.00] * 5),  # EUR 5 seats, 4 from Nov 2023
}
# EUR rate of each month: 1.10 Jan-Jun 2023, 1.00 Jul-Dec 2023, 1.20 Jan-Feb 2024, 1.25 Mar 2024
_NRR_EUR_RATE = [1.10] * 6 + [1.00] * 6 + [1.20] * 2 + [1.25]


def _nrr_customer_months() -> list[tuple]:
    rows = []
    for customer, (currency, first, locals_) in _NRR_MONTH_END_LOCAL.items():
        assert first + len(locals_) == len(_NRR_MONTHS), customer
        for index, local in enumerate(locals_, start=first):
            rate = _NRR_EUR_RATE[index] if currency == "EUR" else 1.0
            rows.append((customer, _NRR_MONTHS[index], currency, local, local * rate, local > 0))
    return rows


NRR_CUSTOMER_MONTHS = _nrr_customer_months()  # 15 + 15 + 14 + 11 + 15 = 70 rows

# Spot checks of the generated list, written out by hand.
assert ("cus_euro", dt.date(2023, 6, 1), "EUR", 100.00, 100.00 * 1.10, True) in NRR_CUSTOMER_MONTHS
assert ("cus_euro", dt.date(2024, 1, 1), "EUR", 80.00, 80.00 * 1.20, True) in NRR_CUSTOMER_MONTHS
assert ("cus_leave", dt.date(2023, 12, 1), "USD", 0.00, 0.00, False) in NRR_CUSTOMER_MONTHS
assert len(NRR_CUSTOMER_MONTHS) == 70


NRR_COHORTS = (
    # January 2023 cohort: grow, shrink, euro; starting 100 + 200 + 110 = 410.00.
    # mrr at the end of month k: grow + shrink + euro local x EUR rate of that month.
    [
        (dt.date(2023, 1, 1), k, 3, 3, 1.0, 410.00, mrr, mrr / 410.00)
        for k, mrr in enumerate(
            [410.00] * 6  # 100 + 200 + 100 x 1.10, Jan..Jun 2023
            + [450.00] * 3  # 150 + 200 + 100 x 1.00, Jul..Sep
            + [400.00]  # 150 + 150 + 100 x 1.00, Oct
            + [380.00] * 2  # 150 + 150 + 80 x 1.00, Nov..Dec
            + [396.00]  # 150 + 150 + 80 x 1.20, Jan 2024
            + [446.00]  # 200 + 150 + 80 x 1.20, Feb 2024
            + [450.00]  # 200 + 150 + 80 x 1.25, Mar 2024
        )
    ]
    # February 2023 cohort: leave; 300.00 for Feb..Nov 2023 (k 0..9), 0 from Dec (k 10..13).
    + [(dt.date(2023, 2, 1), k, 1, 1, 1.0, 300.00, 300.00, 1.0) for k in range(10)]
    + [(dt.date(2023, 2, 1), k, 1, 0, 0.0, 300.00, 0.00, 0.0) for k in range(10, 14)]
    # May 2023 cohort: late; 90.00 every month, k 0..10 (May 2023 .. Mar 2024).
    + [(dt.date(2023, 5, 1), k, 1, 1, 1.0, 90.00, 90.00, 1.0) for k in range(11)]
)
assert len(NRR_COHORTS) == 15 + 14 + 11


def test_nrr_monthly(nrr_db):
    _assert_monthly(nrr_db, NRR_MONTHLY)


def test_nrr_retention_null_for_first_twelve_rows(nrr_db):
    rows = _fetch(
        nrr_db,
        "select month, net_revenue_retention_12m, gross_revenue_retention_12m "
        "from marts.fct_mrr_monthly order by month",
    )
    assert len(rows) == 15
    for row in rows[:12]:
        assert row["net_revenue_retention_12m"] is None, row
        assert row["gross_revenue_retention_12m"] is None, row
    for row in rows[12:]:
        assert row["net_revenue_retention_12m"] is not None, row
        assert row["gross_revenue_retention_12m"] is not None, row


def test_nrr_movements(nrr_db):
    _assert_movements(nrr_db, NRR_MOVEMENTS, NRR_CURRENCY)


def test_nrr_customer_months(nrr_db):
    _assert_customer_months(nrr_db, NRR_CUSTOMER_MONTHS)


def test_nrr_cohorts(nrr_db):
    _assert_cohorts(nrr_db, NRR_COHORTS)


def test_nrr_roll_forward(nrr_db):
    _assert_roll_forward(nrr_db)
