"""End-to-end test of the acquisition marts on a small, hand-computed fixture.

tests/fixtures/acquisition holds raw CSV files (raw_contract.yml); the warehouse is built once with
as_of 2024-06-30 (as_of_ts 2024-07-01 00:00 UTC) and the default lookback of 90 days, and
fct_touchpoints, fct_attribution and fct_cac_by_channel are compared row by row with numbers worked
out by hand from metrics.md (Attribution, CAC, edge rules 1-5 and 11). The arithmetic behind every
expected number is written next to it.

The fixture (all prices USD, monthly, quantity 1, so each conversion's value is unit_amount / 100):

    customer   company   conversion (`new`)      value   touches in [converted_at - 90 d, converted_at]
    cus_zero   co_zero   2024-03-05 00:00         50.00   0: ws_zero_old is 1 s before the window
    cus_one    co_one    2024-03-10 00:00        100.00   1
    cus_three  co_three  2024-04-15 00:00         90.00   3, one anonymous session stitched later
    cus_five   co_five   2024-04-29 00:00        120.00   5, two of them from the test account's contact
    cus_test   co_five   (is_test: no conversion)

Lookback of cus_zero: 2024-03-05 - 90 days = 2023-12-06 00:00 (29 days of February 2024, 31 of
January, 30 back to 2023-12-06), so ws_zero_old at 2023-12-05 23:59:59 is out.

Tolerances: money within half a cent (abs 0.005), credits and customer counts relative 1e-9.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.helpers import fetch_dicts as _fetch
from tests.helpers import money_ok as _money_ok
from tests.helpers import shared_warehouse

FIXTURE = Path(__file__).parent / "fixtures" / "acquisition"
AS_OF = "2024-06-30"

MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")

MARCH = dt.date(2024, 3, 1)
APRIL = dt.date(2024, 4, 1)
MAY = dt.date(2024, 5, 1)


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def acq_db(tmp_path_factory):
    path = shared_warehouse(tmp_path_factory, FIXTURE.name, AS_OF)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _ratio_ok(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=1e-9, abs=1e-12)


# =========================================================================== touchpoints

# touchpoint_id: (contact_id, company_id, is_stitched, channel). Every session before as_of_ts.
EXPECTED_TOUCHPOINTS = {
    # r = google.com, no tags: rule 6 (m null, r a search engine)
    "ws_zero_old": ("ct_zero", "co_zero", False, "organic_search"),
    # no tags, no referrer: rule 7
    "ws_zero_after": ("ct_zero", "co_zero", False, "direct"),
    # cpc / google: rule 1, google not social, cpc not display
    "ws_one_1": ("ct_one", "co_one", False, "paid_search"),
    # r = www.linkedin.com: rule 4 (linkedin as a label, edge rule 2)
    "ws_three_1": ("ct_three", "co_three", False, "organic_social"),
    # 'Email' / 'Newsletter' lower-cased: rule 2; anonymous cookie anon_three_x, identified as
    # ct_three by ws_three_later (2024-05-01, after the conversion but before as_of)
    "ws_three_2": ("ct_three", "co_three", True, "email"),
    # 'CPC' / 'Google' lower-cased: rule 1 -> paid_search
    "ws_three_3": ("ct_three", "co_three", False, "paid_search"),
    "ws_three_later": ("ct_three", "co_three", False, "direct"),
    # m = display, s = facebook: rule 1, social sub-rule before display (edge rule 2)
    "ws_five_b": ("ct_five", "co_five", False, "paid_social"),
    # r = l.facebook.com: rule 4; ct_test is the contact of the test customer's company co_five
    "ws_five_a": ("ct_test", "co_five", False, "organic_social"),
    "ws_five_c": ("ct_five", "co_five", False, "direct"),
    "ws_five_d": ("ct_test", "co_five", False, "paid_search"),
    # anonymous; cookie anon_five_crm is ct_five's crm_contacts.anonymous_id; r not in a list: rule 8
    "ws_five_e": ("ct_five", "co_five", True, "referral"),
    # paid_social medium: rule 1; a company without customers
    "ws_other": ("ct_other", "co_other", False, "paid_social"),
    # contact unknown to the CRM: kept, no company; googleusercontent.com is not google -> rule 8
    "ws_ghost": ("ct_ghost", None, False, "referral"),
    # s = google only (m null, r null): rule 9
    "ws_unknown": (None, None, False, "other"),
    # cookie identified only by ws_late, which starts at as_of_ts: not stitched (edge rule 4)
    "ws_lonely": (None, None, False, "direct"),
    # ws_late (2024-07-01 00:00 = as_of_ts): no row
}


def test_touchpoints_contacts_and_channels(acq_db):
    rows = _fetch(
        acq_db,
        "select touchpoint_id, contact_id, company_id, is_stitched, channel from marts.fct_touchpoints",
    )
    got = {r["touchpoint_id"]: (r["contact_id"], r["company_id"], r["is_stitched"], r["channel"]) for r in rows}
    assert len(rows) == len(got), "touchpoint_id must be unique"
    assert sorted(got) == sorted(EXPECTED_TOUCHPOINTS)
    problems = [
        f"{tp}: got {got[tp]}, expected {expected}"
        for tp, expected in EXPECTED_TOUCHPOINTS.items()
        if got[tp] != expected
    ]
    assert not problems, "\n".join(problems)


# =========================================================================== spend

# ad_spend_id: (spend_month, channel, spend USD). Edge rule 3: no utm_medium -> platform's channel.
EXPECTED_SPEND = {
    "2024-03-01|google_ads|g_search": (MARCH, "paid_search", 300.00),  # google_ads
    "2024-03-15|meta_ads|m_retarget": (MARCH, "paid_social", 200.00),  # 'Meta_Ads', though s = facebook
    "2024-04-10|google_ads|g_search": (APRIL, "paid_search", 400.00),
    # utm paid_social / linkedin: rule 1. EUR at April's rate, the latest on or before 04-30:
    # 1.10 dated 04-20 (not 1.05, the rate in effect on the spend day 04-12): 100 x 1.10
    "2024-04-12|linkedin_ads|li_leads": (APRIL, "paid_social", 110.00),
    "2024-05-05|google_ads|g_search": (MAY, "paid_search", 50.00),
    # 'Reddit_Ads' is no listed platform -> other. GBP has one rate, 2024-07-10 (after as_of):
    # the earliest row is used (edge rule 11): 40 x 1.25
    "2024-05-20|reddit_ads|rd_awareness": (MAY, "other", 50.00),
    # 2024-07-01 is after as_of: no row
}


def test_ad_spend_channels_and_usd(acq_db):
    rows = _fetch(acq_db, "select ad_spend_id, spend_month, channel, spend from intermediate.int_ad_spend_usd")
    got = {r["ad_spend_id"]: r for r in rows}
    assert sorted(got) == sorted(EXPECTED_SPEND)
    problems = []
    for spend_id, (month, channel, spend) in EXPECTED_SPEND.items():
        row = got[spend_id]
        if (row["spend_month"], row["channel"]) != (month, channel) or not _money_ok(row["spend"], spend):
            problems.append(f"{spend_id}: got {row}, expected {(month, channel, spend)}")
    assert not problems, "\n".join(problems)


# =========================================================================== attribution


def _every_model(customer, touchpoint, channel, value):
    """A conversion with one credited row per model at credit 1."""
    return [(customer, touchpoint, channel, model, 1.0, value) for model in MODELS]


# (customer_id, touchpoint_id, channel, attribution_model, credit, attributed_new_mrr)
EXPECTED_ATTRIBUTION = [
    # cus_zero, 50.00: no touch in the window -> one direct row per model, no touchpoint
    *_every_model("cus_zero", None, "direct", 50.00),
    # cus_one, 100.00: one touch (ws_one_1, 7 days before) -> credit 1 in every model
    *_every_model("cus_one", "ws_one_1", "paid_search", 100.00),
    # cus_three, 90.00: ws_three_1 (14 d before, weight 2^-2 = 0.25), ws_three_2 (7 d, 0.5),
    # ws_three_3 (at converted_at, 1; the window's end is inclusive). Weights sum to 1.75.
    ("cus_three", "ws_three_1", "organic_social", "first_touch", 1.0, 90.00),
    ("cus_three", "ws_three_3", "paid_search", "last_touch", 1.0, 90.00),
    ("cus_three", "ws_three_1", "organic_social", "linear", 1 / 3, 30.00),  # 90 / 3
    ("cus_three", "ws_three_2", "email", "linear", 1 / 3, 30.00),
    ("cus_three", "ws_three_3", "paid_search", "linear", 1 / 3, 30.00),
    ("cus_three", "ws_three_1", "organic_social", "position_based", 0.4, 36.00),  # 0.4 x 90
    ("cus_three", "ws_three_2", "email", "position_based", 0.2, 18.00),  # 0.2 / (3 - 2) x 90
    ("cus_three", "ws_three_3", "paid_search", "position_based", 0.4, 36.00),
    ("cus_three", "ws_three_1", "organic_social", "time_decay", 1 / 7, 90 / 7),  # 0.25 / 1.75 = 12.857
    ("cus_three", "ws_three_2", "email", "time_decay", 2 / 7, 180 / 7),  # 0.5 / 1.75 = 25.714
    ("cus_three", "ws_three_3", "paid_search", "time_decay", 4 / 7, 360 / 7),  # 1 / 1.75 = 51.429
    # cus_five, 120.00: ws_five_a and ws_five_b both at 04-01 (28 d before, 2^-4 = 1/16 each;
    # tie ordered by id: a first), ws_five_c (14 d, 1/4), ws_five_d (7 d, 1/2), ws_five_e (at
    # converted_at, 1). ws_five_a and ws_five_d are the test customer's contact's sessions (edge
    # rule 5). Weights sum to (1 + 1 + 4 + 8 + 16) / 16 = 30 / 16.
    ("cus_five", "ws_five_a", "organic_social", "first_touch", 1.0, 120.00),
    ("cus_five", "ws_five_e", "referral", "last_touch", 1.0, 120.00),
    ("cus_five", "ws_five_a", "organic_social", "linear", 0.2, 24.00),  # 120 / 5
    ("cus_five", "ws_five_b", "paid_social", "linear", 0.2, 24.00),
    ("cus_five", "ws_five_c", "direct", "linear", 0.2, 24.00),
    ("cus_five", "ws_five_d", "paid_search", "linear", 0.2, 24.00),
    ("cus_five", "ws_five_e", "referral", "linear", 0.2, 24.00),
    ("cus_five", "ws_five_a", "organic_social", "position_based", 0.4, 48.00),  # 0.4 x 120
    ("cus_five", "ws_five_b", "paid_social", "position_based", 0.2 / 3, 8.00),  # 0.2 / (5 - 2) x 120
    ("cus_five", "ws_five_c", "direct", "position_based", 0.2 / 3, 8.00),
    ("cus_five", "ws_five_d", "paid_search", "position_based", 0.2 / 3, 8.00),
    ("cus_five", "ws_five_e", "referral", "position_based", 0.4, 48.00),
    ("cus_five", "ws_five_a", "organic_social", "time_decay", 1 / 30, 4.00),  # (1/16) / (30/16) x 120
    ("cus_five", "ws_five_b", "paid_social", "time_decay", 1 / 30, 4.00),
    ("cus_five", "ws_five_c", "direct", "time_decay", 4 / 30, 16.00),  # (4/16) / (30/16)
    ("cus_five", "ws_five_d", "paid_search", "time_decay", 8 / 30, 32.00),
    ("cus_five", "ws_five_e", "referral", "time_decay", 16 / 30, 64.00),
    # cus_test: is_test -> no conversion, no rows
]


def test_attribution_rows(acq_db):
    rows = _fetch(
        acq_db,
        """
        select customer_id, touchpoint_id, channel, attribution_model, credit, attributed_new_mrr
        from marts.fct_attribution
        """,
    )

    def key(r):
        return (r[0], r[3], r[1] or "")

    got = sorted(
        (
            (
                r["customer_id"],
                r["touchpoint_id"],
                r["channel"],
                r["attribution_model"],
                r["credit"],
                r["attributed_new_mrr"],
            )
            for r in rows
        ),
        key=key,
    )
    want = sorted(EXPECTED_ATTRIBUTION, key=key)
    assert [(g[0], g[1], g[2], g[3]) for g in got] == [(w[0], w[1], w[2], w[3]) for w in want]
    problems = []
    for g, w in zip(got, want, strict=True):
        if not _ratio_ok(g[4], w[4]):
            problems.append(f"{w[:4]} credit: got {g[4]!r}, expected {w[4]!r}")
        if not _money_ok(g[5], w[5]):
            problems.append(f"{w[:4]} attributed_new_mrr: got {g[5]!r}, expected {w[5]!r}")
    assert not problems, "\n".join(problems)


def test_attribution_conversion_fields(acq_db):
    """converted_at, conversion_month and conversion_value come from the `new` movement."""
    rows = _fetch(
        acq_db,
        """
        select distinct customer_id, converted_at, conversion_month, conversion_value
        from marts.fct_attribution
        order by customer_id
        """,
    )
    assert [(r["customer_id"], r["converted_at"], r["conversion_month"], r["conversion_value"]) for r in rows] == [
        ("cus_five", dt.datetime(2024, 4, 29), APRIL, 120.00),  # 12000 / 100
        ("cus_one", dt.datetime(2024, 3, 10), MARCH, 100.00),  # 10000 / 100
        ("cus_three", dt.datetime(2024, 4, 15), APRIL, 90.00),  # 9000 / 100
        ("cus_zero", dt.datetime(2024, 3, 5), MARCH, 50.00),  # 5000 / 100
    ]


# =========================================================================== CAC by channel


def _spend_only(month, channel, spend):
    """A (month, channel) with spend and no credit: a row in every model, cac null."""
    return [(month, channel, model, spend, 0.0, 0.0, None) for model in MODELS]


# (month, channel, attribution_model, spend, new_customers, new_mrr, cac)
EXPECTED_CAC = [
    # March: spend paid_search 300, paid_social 200. Conversions cus_zero (direct, 50) and
    # cus_one (paid_search, 100), credit 1 in every model, so every model is the same.
    *[(MARCH, "paid_search", model, 300.00, 1.0, 100.00, 300.00) for model in MODELS],  # 300 / 1
    *_spend_only(MARCH, "paid_social", 200.00),
    *[(MARCH, "direct", model, 0.00, 1.0, 50.00, 0.0) for model in MODELS],  # credit without spend: 0
    # April: spend paid_search 400, paid_social 110 (EUR 100 x 1.10). Conversions cus_three (90)
    # and cus_five (120); credits per model from the attribution table above.
    # first_touch: cus_three -> ws_three_1 organic_social, cus_five -> ws_five_a organic_social
    (APRIL, "organic_social", "first_touch", 0.00, 2.0, 210.00, 0.0),  # 90 + 120
    (APRIL, "paid_search", "first_touch", 400.00, 0.0, 0.00, None),
    (APRIL, "paid_social", "first_touch", 110.00, 0.0, 0.00, None),
    # last_touch: cus_three -> ws_three_3 paid_search, cus_five -> ws_five_e referral
    (APRIL, "paid_search", "last_touch", 400.00, 1.0, 90.00, 400.00),  # 400 / 1
    (APRIL, "paid_social", "last_touch", 110.00, 0.0, 0.00, None),
    (APRIL, "referral", "last_touch", 0.00, 1.0, 120.00, 0.0),
    # linear: cus_three 1/3 (30.00) to organic_social, email, paid_search; cus_five 1/5 (24.00) to
    # organic_social, paid_social, direct, paid_search, referral
    (APRIL, "organic_social", "linear", 0.00, 1 / 3 + 1 / 5, 54.00, 0.0),  # 8/15; 30 + 24
    (APRIL, "email", "linear", 0.00, 1 / 3, 30.00, 0.0),
    (APRIL, "paid_search", "linear", 400.00, 1 / 3 + 1 / 5, 54.00, 750.00),  # 400 / (8/15) = 750
    (APRIL, "paid_social", "linear", 110.00, 1 / 5, 24.00, 550.00),  # 110 / 0.2
    (APRIL, "direct", "linear", 0.00, 1 / 5, 24.00, 0.0),
    (APRIL, "referral", "linear", 0.00, 1 / 5, 24.00, 0.0),
    # position_based: cus_three 0.4 / 0.2 / 0.4 (36 / 18 / 36); cus_five 0.4 ws_five_a,
    # 1/15 each to ws_five_b, c, d (8.00 each), 0.4 ws_five_e (48)
    (APRIL, "organic_social", "position_based", 0.00, 0.8, 84.00, 0.0),  # 0.4 + 0.4; 36 + 48
    (APRIL, "email", "position_based", 0.00, 0.2, 18.00, 0.0),
    (
        APRIL,
        "paid_search",
        "position_based",
        400.00,
        0.4 + 1 / 15,
        44.00,
        6000 / 7,
    ),  # 7/15; 36 + 8; 400 x 15/7 = 857.14
    (APRIL, "paid_social", "position_based", 110.00, 1 / 15, 8.00, 1650.00),  # 110 x 15
    (APRIL, "direct", "position_based", 0.00, 1 / 15, 8.00, 0.0),
    (APRIL, "referral", "position_based", 0.00, 0.4, 48.00, 0.0),
    # time_decay: cus_three 1/7, 2/7, 4/7 (90/7, 180/7, 360/7); cus_five 1/30 a, 1/30 b, 4/30 c,
    # 8/30 d, 16/30 e (4, 4, 16, 32, 64)
    (APRIL, "organic_social", "time_decay", 0.00, 1 / 7 + 1 / 30, 90 / 7 + 4, 0.0),  # 37/210; 16.857
    (APRIL, "email", "time_decay", 0.00, 2 / 7, 180 / 7, 0.0),  # 25.714
    (APRIL, "paid_search", "time_decay", 400.00, 4 / 7 + 8 / 30, 360 / 7 + 32, 42000 / 88),  # 88/105; 83.429; 477.27
    (APRIL, "paid_social", "time_decay", 110.00, 1 / 30, 4.00, 3300.00),  # 110 x 30
    (APRIL, "direct", "time_decay", 0.00, 4 / 30, 16.00, 0.0),
    (APRIL, "referral", "time_decay", 0.00, 16 / 30, 64.00, 0.0),
    # (April, channel) pairs credited in some models only still have a row in the others, with
    # spend and credit 0 and cac null (edge rule 1 allows leaving them out; they are kept so that
    # every cell has all five models, the divisor of the semantic layer's attributed_customers)
    *[(APRIL, channel, "first_touch", 0.00, 0.0, 0.00, None) for channel in ("email", "direct", "referral")],
    *[(APRIL, channel, "last_touch", 0.00, 0.0, 0.00, None) for channel in ("organic_social", "email", "direct")],
    # May: spend only -> every model, new_customers 0, cac null
    *_spend_only(MAY, "paid_search", 50.00),
    *_spend_only(MAY, "other", 50.00),  # GBP 40 x 1.25
]


def test_cac_by_channel_rows(acq_db):
    rows = _fetch(
        acq_db,
        """
        select month, channel, attribution_model, spend, new_customers, new_mrr, cac
        from marts.fct_cac_by_channel
        order by month, attribution_model, channel
        """,
    )
    want = sorted(EXPECTED_CAC, key=lambda e: (e[0], e[2], e[1]))
    assert [(r["month"], r["attribution_model"], r["channel"]) for r in rows] == [(w[0], w[2], w[1]) for w in want]
    problems = []
    for row, (month, channel, model, spend, customers, mrr, cac) in zip(rows, want, strict=True):
        label = f"{month} {channel} {model}"
        if not _money_ok(row["spend"], spend):
            problems.append(f"{label} spend: got {row['spend']!r}, expected {spend}")
        if not _ratio_ok(row["new_customers"], customers):
            problems.append(f"{label} new_customers: got {row['new_customers']!r}, expected {customers}")
        if not _money_ok(row["new_mrr"], mrr):
            problems.append(f"{label} new_mrr: got {row['new_mrr']!r}, expected {mrr}")
        if not _money_ok(row["cac"], cac):
            problems.append(f"{label} cac: got {row['cac']!r}, expected {cac}")
    assert not problems, "\n".join(problems)


def test_cac_totals_match_revenue_marts(acq_db):
    """Per month and model: credits add up to the month's new customers, attributed MRR to its new MRR."""
    monthly = {r["month"]: r for r in _fetch(acq_db, "select month, new_customers, new_mrr from marts.fct_mrr_monthly")}
    # March: cus_zero + cus_one = 2 customers, 50 + 100 = 150; April: cus_three + cus_five = 2, 90 + 120 = 210
    assert (monthly[MARCH]["new_customers"], monthly[MARCH]["new_mrr"]) == (2, pytest.approx(150.00))
    assert (monthly[APRIL]["new_customers"], monthly[APRIL]["new_mrr"]) == (2, pytest.approx(210.00))
    sums = _fetch(
        acq_db,
        """
        select month, attribution_model, sum(new_customers) as customers, sum(new_mrr) as mrr
        from marts.fct_cac_by_channel
        group by 1, 2
        """,
    )
    for row in sums:
        expected = monthly.get(row["month"], {"new_customers": 0, "new_mrr": 0.0})
        label = f"{row['month']} {row['attribution_model']}"
        assert row["customers"] == pytest.approx(expected["new_customers"], abs=1e-9), label
        assert row["mrr"] == pytest.approx(expected["new_mrr"], abs=0.01), label
