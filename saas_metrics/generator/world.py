"""Company-wide data that does not belong to one customer.

The calendar, the price book, daily FX rates, the paid-media campaigns with their daily
spend and clicks, and the monthly marketing e-mail campaigns. Customer chunks read from
this (for prices, campaign tags, click volumes) but never change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from . import config as C
from .util import DAY, HOUR, add_months, cat_col, date_col, float_col, int_col, month_start

# (campaign_id, platform, channel, name, utm_source, utm_medium, utm_campaign, currency,
#  cost per click, share of the channel's signups, clicks per signup, click-through rate,
#  first active month, last active month (exclusive; None = open), landing page)
CAMPAIGNS = (
    (
        "2310045001",
        "google_ads",
        "paid_search",
        "Search | Brand | Global",
        "google",
        "cpc",
        "brand_search",
        "USD",
        3.0,
        0.30,
        14.0,
        0.09,
        0,
        None,
        "/",
    ),
    (
        "2310045002",
        "google_ads",
        "paid_search",
        "Search | Generic | NA+EU",
        "google",
        "cpc",
        "generic_search",
        "USD",
        11.0,
        0.42,
        40.0,
        0.035,
        0,
        None,
        "/product",
    ),
    (
        "2310045003",
        "google_ads",
        "paid_search",
        "Search | Competitor terms",
        "google",
        "cpc",
        "competitor_terms",
        "USD",
        14.0,
        0.12,
        45.0,
        0.03,
        6,
        None,
        "/compare",
    ),
    (
        "141000771",
        "microsoft_ads",
        "paid_search",
        "Bing | Generic",
        "bing",
        "cpc",
        "bing_search",
        "USD",
        6.0,
        0.16,
        30.0,
        0.04,
        0,
        None,
        "/product",
    ),
    (
        "6020001001",
        "meta_ads",
        "paid_social",
        "FB | Prospecting | SMB",
        "facebook",
        "paid_social",
        "prospecting_smb",
        "USD",
        2.8,
        0.40,
        55.0,
        0.012,
        0,
        None,
        "/",
    ),
    (
        "6020001002",
        "meta_ads",
        "paid_social",
        "IG | Retargeting",
        "instagram",
        "paid_social",
        "retargeting",
        "USD",
        2.0,
        0.17,
        35.0,
        0.018,
        3,
        None,
        "/pricing",
    ),
    (
        "6020001003",
        "meta_ads",
        "paid_social",
        "FB | Lookalike test",
        "facebook",
        None,
        "lookalike_test",
        "USD",
        2.4,
        0.08,
        60.0,
        0.011,
        9,
        12,
        "/",
    ),
    (
        "507700001",
        "linkedin_ads",
        "paid_social",
        "LinkedIn | ABM | Enterprise",
        "linkedin",
        "paid_social",
        "abm_enterprise",
        "USD",
        14.0,
        0.25,
        30.0,
        0.006,
        0,
        None,
        "/enterprise",
    ),
    (
        "507700002",
        "linkedin_ads",
        "paid_social",
        "LinkedIn | EMEA launch",
        "linkedin",
        "paid_social",
        "emea_launch",
        "EUR",
        13.0,
        0.10,
        32.0,
        0.006,
        12,
        None,
        "/",
    ),
)
PLATFORM_REFERRER = {
    "google_ads": "www.google.com",
    "microsoft_ads": "www.bing.com",
    "meta_ads": "l.facebook.com",
    "linkedin_ads": "www.linkedin.com",
}
INTERVALS = (("month", 1, "monthly"), ("month", 3, "quarterly"), ("year", 1, "annual"))
INTERVAL_MONTHS = (1, 3, 12)


@dataclass
class World:
    start_ts: int
    end_ts: int
    months: int
    n_customers: int
    day0: int
    n_days: int
    signup_weights: np.ndarray  # per day, sums to 1
    fx: np.ndarray  # (n_days, 4) USD per unit, USD column = 1
    price_ids: pa.Array = None
    price_unit: np.ndarray = None  # minor units, per price index
    price_tables: dict = field(default_factory=dict)
    campaign_clicks: np.ndarray = None  # (n_days, n_campaigns) clicks bought
    email_send_ts: np.ndarray = None  # per email campaign
    email_campaign_ids: pa.Array = None
    email_utm: pa.Array = None
    tables: dict = field(default_factory=dict)  # finished global tables (column dicts)

    # Price index layout: plans, add-ons, setup fees.
    @staticmethod
    def plan_price(tier, interval, ccy):
        return (np.asarray(tier) * 3 + np.asarray(interval)) * 4 + np.asarray(ccy)

    @staticmethod
    def addon_price(addon, interval, ccy):
        return 36 + (np.asarray(addon) * 3 + np.asarray(interval)) * 4 + np.asarray(ccy)

    @staticmethod
    def setup_price(ccy):
        return 36 + len(C.ADDONS) * 12 + np.asarray(ccy)

    def fx_on(self, ts: np.ndarray) -> np.ndarray:
        """(n, 4) FX rows for instants (clamped into the window)."""
        d = np.clip(np.asarray(ts) // DAY - self.day0, 0, self.n_days - 1)
        return self.fx[d]


def build_world(customers: int, months: int, start: str, seed: int) -> World:
    year, month = (int(x) for x in start.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"start must be YYYY-MM, got {start!r}")
    start_ts = month_start(year, month)
    end_ts = int(add_months(np.array([start_ts]), months)[0])
    day0 = start_ts // DAY
    n_days = (end_ts - start_ts) // DAY
    rng = np.random.default_rng([seed, 0])

    days = np.arange(n_days)
    growth = np.log(C.SIGNUP_GROWTH_OVER_WINDOW) / max(n_days, 1)
    wd = (day0 + days + 3) % 7
    w = np.exp(growth * days) * np.where(wd >= 5, C.WEEKEND_FACTOR, 1.0)
    w /= w.sum()

    world = World(start_ts, end_ts, months, customers, day0, n_days, w, _fx(rng, n_days))
    _prices(world)
    _spend(world, rng)
    _email_campaigns(world)
    world.tables["fx_rates"] = _fx_table(world)
    return world


def _fx(rng, n_days) -> np.ndarray:
    fx = np.ones((n_days, 4))
    for j, ccy in enumerate(C.CURRENCIES[1:], start=1):
        level = np.log(C.FX_START[ccy])
        steps = rng.normal(0.0, C.FX_DAILY_VOL, n_days)
        x = np.empty(n_days)
        cur = 0.0
        for i in range(n_days):  # mean-reverting walk, one step per day
            cur = 0.995 * cur + steps[i]
            x[i] = cur
        fx[:, j] = np.round(np.exp(level + x), 6 if ccy != "JPY" else 8)
    return fx


def _fx_table(world: World) -> dict:
    n = world.n_days
    ccy = np.repeat(np.arange(1, 4), n)
    days = np.tile(np.arange(n), 3)
    order = np.lexsort((ccy, days))
    ccy, days = ccy[order], days[order]
    return {
        "rate_date": date_col(world.day0 + days),
        "currency": cat_col(C.CURRENCIES, ccy),
        "usd_per_unit": float_col(world.fx[days, ccy]),
    }


def _round_price(x: float, ccy: str) -> int:
    """List prices in minor units: whole currency units, JPY to the nearest 100 yen."""
    if ccy == "JPY":
        return int(round(x / 100.0) * 100)
    return int(round(x)) * 100


def _prices(world: World) -> None:
    ids, products, names, tiers, ccys, units, intervals, counts, recurring = ([] for _ in range(9))
    for t, tier in enumerate(C.TIERS):
        for iv, (interval, count, label) in enumerate(INTERVALS):
            for ccy in C.CURRENCIES:
                monthly = C.SEAT_PRICE_MONTHLY[ccy][t]
                factor = (1.0, 3 * C.QUARTERLY_FACTOR, 12 * C.ANNUAL_FACTOR)[iv]
                ids.append(f"price_{tier}_{label}_{ccy.lower()}")
                products.append(f"prod_{tier}")
                names.append(f"{tier.capitalize()} plan (per seat)")
                tiers.append(tier)
                ccys.append(ccy)
                units.append(_round_price(monthly * factor, ccy))
                intervals.append(interval)
                counts.append(count)
                recurring.append(True)
    for addon, usd, _ in C.ADDONS:
        for iv, (interval, count, label) in enumerate(INTERVALS):
            for ccy in C.CURRENCIES:
                factor = (1.0, 3 * C.QUARTERLY_FACTOR, 12 * C.ANNUAL_FACTOR)[iv]
                ids.append(f"price_addon_{addon}_{label}_{ccy.lower()}")
                products.append(f"prod_addon_{addon}")
                names.append(addon.replace("_", " ").capitalize() + " add-on")
                tiers.append(addon)
                ccys.append(ccy)
                units.append(_round_price(usd * C.PRICE_FX[ccy] * factor, ccy))
                intervals.append(interval)
                counts.append(count)
                recurring.append(True)
    for ccy in C.CURRENCIES:
        ids.append(f"price_onboarding_{ccy.lower()}")
        products.append("prod_onboarding")
        names.append("Onboarding package (one-off)")
        tiers.append("onboarding")
        ccys.append(ccy)
        units.append(_round_price(C.SETUP_FEE[ccy], ccy))
        intervals.append("month")
        counts.append(1)
        recurring.append(False)
    world.price_ids = pa.array(ids, type=pa.string())
    world.price_unit = np.array(units, dtype=np.int64)
    world.tables["billing_prices"] = {
        "price_id": world.price_ids,
        "product_id": pa.array(products, type=pa.string()),
        "product_name": pa.array(names, type=pa.string()),
        "plan_tier": pa.array(tiers, type=pa.string()),
        "currency": pa.array(ccys, type=pa.string()),
        "unit_amount": int_col(np.array(units), big=True),
        "billing_interval": pa.array(intervals, type=pa.string()),
        "interval_count": int_col(np.array(counts)),
        "is_recurring": pa.array(recurring, type=pa.bool_()),
    }


def _spend(world: World, rng) -> None:
    n_days, k = world.n_days, len(CAMPAIGNS)
    start_month = np.datetime64(world.start_ts // DAY, "D").astype("datetime64[M]")
    dates = (world.day0 + np.arange(n_days)).astype("datetime64[D]")
    month_no = (dates.astype("datetime64[M]") - start_month).astype(np.int64)
    expected_signups = world.n_customers * world.signup_weights
    active = np.zeros((n_days, k), bool)
    for j, camp in enumerate(CAMPAIGNS):
        first, last = camp[12], camp[13]
        active[:, j] = (month_no >= first) & (month_no < (last if last is not None else 10**6))
    clicks = np.zeros((n_days, k))
    spend = np.zeros((n_days, k))
    for ch in ("paid_search", "paid_social"):
        cols = [j for j, c in enumerate(CAMPAIGNS) if c[2] == ch]
        share = np.array([CAMPAIGNS[j][9] for j in cols])
        w = active[:, cols] * share
        w = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
        for i, j in enumerate(cols):
            camp = CAMPAIGNS[j]
            lam = expected_signups * C.CHANNEL_MIX[ch] * w[:, i] * camp[10]
            noise = rng.lognormal(0.0, 0.15, n_days)
            clicks[:, j] = np.round(lam * noise)
            cpc = camp[8] * rng.lognormal(0.0, 0.08, n_days)
            spend[:, j] = np.round(clicks[:, j] * cpc, 2)
    world.campaign_clicks = clicks
    keep = active & (spend > 0)
    d_idx, c_idx = np.nonzero(keep)  # row-major: by date then campaign
    ctr = np.array([c[11] for c in CAMPAIGNS])[c_idx] * rng.lognormal(0.0, 0.1, len(d_idx))
    cl = clicks[d_idx, c_idx]
    col = lambda i: [c[i] for c in CAMPAIGNS]  # noqa: E731
    world.tables["marketing_ad_spend"] = {
        "spend_date": date_col(world.day0 + d_idx),
        "platform": cat_col(col(1), c_idx),
        "campaign_id": cat_col(col(0), c_idx),
        "campaign_name": cat_col(col(3), c_idx),
        "utm_source": cat_col(col(4), c_idx),
        "utm_medium": cat_col(
            [m or "" for m in col(5)], c_idx, null=np.array([CAMPAIGNS[j][5] is None for j in c_idx], bool)
        ),
        "utm_campaign": cat_col(col(6), c_idx),
        "currency": cat_col(col(7), c_idx),
        "spend": float_col(spend[d_idx, c_idx]),
        "impressions": int_col(np.round(cl / ctr), big=True),
        "clicks": int_col(cl, big=True),
    }


def _email_campaigns(world: World) -> None:
    sends = add_months(np.array([world.start_ts + 9 * DAY + 15 * HOUR]), np.arange(world.months))
    sends = sends[sends < world.end_ts]
    world.email_send_ts = sends
    labels = (sends // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(str)
    world.email_campaign_ids = pa.array([f"9{m.replace('-', '')}01" for m in labels], pa.string())
    world.email_utm = pa.array([f"newsletter_{m.replace('-', '_')}" for m in labels], pa.string())


def operating_expenses(world: World, revenue_usd: np.ndarray, seed: int) -> dict:
    """Monthly general-ledger costs by department, scaled to the revenue the chunks billed.

    Cost of service (support, customer_success, infrastructure) is COST_OF_SERVICE_SHARE of
    revenue plus a fixed floor; sales and marketing costs follow acquisition volume.
    """
    rng = np.random.default_rng([seed, 3])
    lines = (
        ("sales", "salaries", 0.20),
        ("sales", "tools", 0.02),
        ("sales", "events", 0.02),
        ("marketing", "salaries", 0.08),
        ("marketing", "tools", 0.015),
        ("marketing", "events", 0.02),
        ("marketing", "content", 0.015),
        ("marketing", "agency", 0.02),
        ("customer_success", "salaries", 0.06),
        ("customer_success", "tools", 0.006),
        ("support", "salaries", 0.055),
        ("support", "tools", 0.009),
        ("infrastructure", "hosting", 0.075),
        ("infrastructure", "tools", 0.015),
        ("engineering", "salaries", 0.30),
        ("engineering", "tools", 0.03),
        ("g_and_a", "salaries", 0.08),
        ("g_and_a", "other", 0.03),
    )
    scale = C.COST_OF_SERVICE_SHARE / 0.221  # the cost-of-service shares above sum to 0.221
    floor = max(float(np.median(revenue_usd)) * 0.05, 2000.0)
    months, deps, cats, ccys, amounts = [], [], [], [], []
    m0 = np.datetime64(world.start_ts // DAY, "D").astype("datetime64[M]")
    for m in range(world.months):
        rev = float(revenue_usd[m])
        for dep, cat, share in lines:
            cos = dep in ("support", "customer_success", "infrastructure")
            amt = (rev * share * (scale if cos else 1.0) + floor * share) * rng.lognormal(0, 0.05)
            ccy = "EUR" if (dep, cat) == ("g_and_a", "other") else "USD"
            if ccy == "EUR":
                amt /= world.fx[min(m * 30, world.n_days - 1), 1]
            months.append((m0 + m).astype("datetime64[D]").astype(np.int64))
            deps.append(dep)
            cats.append(cat)
            ccys.append(ccy)
            amounts.append(round(amt, 2))
    return {
        "expense_month": date_col(np.array(months)),
        "department": pa.array(deps, pa.string()),
        "category": pa.array(cats, pa.string()),
        "currency": pa.array(ccys, pa.string()),
        "amount": float_col(np.array(amounts)),
    }
