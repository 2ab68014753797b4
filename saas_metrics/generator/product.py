"""Product usage, support tickets and NPS answers of billing customers.

Usage is daily per customer over every subscription's life (trial included): active users
are a share of the seats in effect that day, set by the customer's latent engagement, lower
at weekends and in unconverted trials, and falling over the PRECHURN_DECLINE_DAYS before a
voluntary cancellation request. Risk tickets (discount requests, competitor mentions,
cancellation requests) cluster before such requests, and NPS scores drop there, so usage
trend, tickets and NPS all foretell churn.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import config as C
from .billing import MODE_IMMEDIATE, MODE_PERIOD_END, NULL
from .util import DAY, HOUR, cat_col, choice, date_col, expand, int_col, make_ids, numeric_ids, ts_col
from .world import World

TICKET_CATEGORIES = ("bug", "how_to", "billing", "discount_request", "competitor_mention", "cancellation_request")
PRIORITIES = ("low", "medium", "high", "urgent")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _usage(world, rng, subs, hist, e, span_start, span_end, req, cust_ids) -> dict:
    """Daily usage rows per subscription day (vectorised over all rows of the chunk)."""
    f32 = np.float32
    cust = subs["cust"]
    d0 = span_start // DAY
    d1 = -(-span_end // DAY)
    own, rank = expand(d1 - d0)
    day = d0[own] + rank
    del rank
    n = len(own)
    # seats in effect: most subscriptions have one priced state; look up the rest
    main = hist["item"] % 2 == 0
    h_sub = hist["sub"][main]
    h_qty = hist["qty"][main]
    h_vf = hist["vf"][main]
    first_row = np.searchsorted(h_sub, np.arange(len(cust)))
    n_rows = np.bincount(h_sub, minlength=len(cust))
    seats = h_qty[first_row[own]].astype(f32)
    multi = np.nonzero(n_rows[own] > 1)[0]
    if len(multi):
        o = own[multi]
        tm = np.clip(day[multi] * DAY + 12 * HOUR, span_start[o], span_end[o] - 1)
        pos = np.searchsorted((h_sub << 32) + h_vf, (o << 32) + tm, side="right") - 1
        seats[multi] = h_qty[pos]
    # share of seats active: engagement, weekends, unconverted trials, decline before churn
    p_sub = (_sigmoid(0.5 + 0.9 * e) * 0.8).astype(f32)
    weekend = np.array([1, 1, 1, 1, 1, 0.12, 0.12], f32)
    p = p_sub[own] * weekend[(day + 3) % 7]
    has_trial = subs["trial_end"] != NULL
    rows = np.nonzero(has_trial[own])[0]
    if len(rows):
        o = own[rows]
        in_trial = day[rows] * DAY + 12 * HOUR < subs["trial_end"][o]
        unpaid = subs["paid_start"][o] == NULL
        p[rows] *= np.where(in_trial, np.where(unpaid, 0.35, 0.9), 1.0).astype(f32)
    rows = np.nonzero(req[own] != NULL)[0]
    if len(rows):
        r = req[own[rows]]
        tm = day[rows] * DAY + 12 * HOUR
        window = C.PRECHURN_DECLINE_DAYS * DAY
        x = np.clip((tm - (r - window)) / window, 0.0, 1.0)
        decline = np.where(tm > r, C.PRECHURN_USAGE_FLOOR * 0.7, 1.0 - (1.0 - C.PRECHURN_USAGE_FLOOR) * x)
        p[rows] *= decline.astype(f32)
    u = rng.random(n, dtype=f32)
    x = seats * p * (f32(0.8) + f32(0.4) * u)
    x += rng.random(n, dtype=f32)
    active = np.minimum(np.floor(x), seats)
    del x, p
    sessions = np.floor(active * (f32(1.3) + f32(1.5) * rng.random(n, dtype=f32)) + rng.random(n, dtype=f32))
    depth = np.clip(28.0 + 10.0 * e, 5.0, None).astype(f32)
    events = np.floor(sessions * depth[own] * (f32(0.6) + f32(0.8) * rng.random(n, dtype=f32)))
    kf = (0.15 + 0.35 * _sigmoid(e)).astype(f32)
    key_uses = np.floor(sessions * kf[own] * (f32(0.5) + rng.random(n, dtype=f32)))
    return {
        "customer_id": cust_ids.take(pa.array(cust[own])),
        "usage_date": date_col(day),
        "active_users": int_col(active),
        "sessions": int_col(sessions),
        "events": int_col(events, big=True),
        "key_feature_uses": int_col(key_uses),
    }


def simulate(
    world: World,
    rng,
    chunk: int,
    sim: dict,
    cu,
    cust_ids: pa.Array,
    company_ids: pa.Array,
    contact_ids: pa.Array,
    comments,
) -> dict:
    end = world.end_ts
    subs, hist = sim["subs"], sim["hist"]
    cust = subs["cust"]
    e = cu.engagement[cust]
    span_start = subs["created"]
    span_end = np.where(subs["ended"] != NULL, subs["ended"], end)
    voluntary = (subs["canceled"] != NULL) & np.isin(subs["mode"], (MODE_PERIOD_END, MODE_IMMEDIATE))
    req = np.where(voluntary, subs["canceled"], NULL)
    out = {}

    # ------------------------------------------------------------------ product_usage_daily
    out["product_usage_daily"] = _usage(world, rng, subs, hist, e, span_start, span_end, req, cust_ids)

    # ------------------------------------------------------------------ crm_tickets
    paid = subs["paid_start"] != NULL
    s_idx = np.nonzero(paid)[0]
    ps = subs["paid_start"][s_idx]
    pe = span_end[s_idx]
    months = np.maximum(pe - ps, 0) / (30.44 * DAY)
    seats0 = cu.seats[cust[s_idx]]
    n_reg = rng.poisson(C.MONTHLY_TICKETS * seats0**0.35 * np.exp(-0.25 * e[s_idx]) * months)
    n_bg = rng.poisson(C.BACKGROUND_RISK_TICKETS * months)
    vol = req[s_idx] != NULL
    n_pre = np.where(vol, rng.poisson(C.PRECHURN_RISK_TICKETS, len(s_idx)), 0)
    n_cr = (vol & (rng.random(len(s_idx)) < 0.5)).astype(np.int64)
    parts = []
    for cnt, kind in ((n_reg, 0), (n_bg, 1), (n_pre, 2), (n_cr, 3)):
        o, _ = expand(cnt)
        m = len(o)
        if kind <= 1:
            t = ps[o] + (rng.random(m) * (pe[o] - ps[o])).astype(np.int64)
            cat = choice(rng, (0.45, 0.40, 0.15), m) if kind == 0 else 3 + choice(rng, (0.45, 0.45, 0.10), m)
            pri = choice(rng, (0.35, 0.40, 0.20, 0.05), m)
        elif kind == 2:
            t = np.maximum(req[s_idx][o] - rng.integers(0, 60 * DAY, m), ps[o])
            cat = 3 + choice(rng, (0.4, 0.4, 0.2), m)
            pri = choice(rng, (0.15, 0.40, 0.30, 0.15), m)
        else:
            t = np.maximum(req[s_idx][o] - rng.integers(0, 2 * DAY, m), ps[o])
            cat = np.full(m, 5)
            pri = choice(rng, (0.05, 0.35, 0.40, 0.20), m)
        parts.append((s_idx[o], t, cat, pri))
    t_sub = np.concatenate([p_[0] for p_ in parts])
    t_at = np.concatenate([p_[1] for p_ in parts])
    t_cat = np.concatenate([p_[2] for p_ in parts])
    t_pri = np.concatenate([p_[3] for p_ in parts])
    ok = t_at < end
    t_sub, t_at, t_cat, t_pri = t_sub[ok], t_at[ok], t_cat[ok], t_pri[ok]
    order = np.lexsort((t_at, cust[t_sub]))
    t_sub, t_at, t_cat, t_pri = t_sub[order], t_at[order], t_cat[order], t_pri[order]
    closed = t_at + 600 + rng.exponential(1.5 * DAY, len(t_at)).astype(np.int64)
    tc = cust[t_sub]
    out["crm_tickets"] = {
        "ticket_id": numeric_ids(30_000_000_000, (np.int64(chunk) << 26) | np.arange(len(t_at))),
        "company_id": company_ids.take(pa.array(tc)),
        "contact_id": contact_ids.take(pa.array(tc)),
        "category": cat_col(TICKET_CATEGORIES, t_cat),
        "priority": cat_col(PRIORITIES, t_pri),
        "created_at": ts_col(t_at),
        "closed_at": ts_col(closed, null=closed >= end),
    }

    # ------------------------------------------------------------------ crm_nps_responses
    first = ps + 90 * DAY
    cnt = np.where(pe > first, (pe - first - 1) // (180 * DAY) + 1, 0)
    o, j = expand(cnt)
    survey = first[o] + j * 180 * DAY
    answered = rng.random(len(o)) < C.NPS_RESPONSE_RATE
    t = survey + rng.integers(HOUR, 5 * DAY, len(o))
    keep = answered & (t < end)
    o, t = o[keep], t[keep]
    r = req[s_idx][o]
    pre = (r != NULL) & (r - t <= 120 * DAY) & (r - t >= -30 * DAY)
    mean = 7.4 + 1.3 * e[s_idx][o] - C.NPS_PRECHURN_DROP * pre
    score = np.clip(np.round(rng.normal(mean, 1.6)), 0, 10).astype(np.int64)
    band = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))
    pick = rng.integers(0, 3, len(o))
    flat = [c for group in comments for c in group]
    has_comment = rng.random(len(o)) < 0.3
    nc = cust[s_idx][o]
    out["crm_nps_responses"] = {
        "response_id": make_ids("nps_", (np.int64(chunk) << 32) | np.arange(len(o)), 47),
        "contact_id": contact_ids.take(pa.array(nc)),
        "company_id": company_ids.take(pa.array(nc)),
        "score": int_col(score),
        "responded_at": ts_col(t),
        "comment": cat_col(flat, band * 3 + pick, null=~has_comment),
    }
    return out
