"""Subscriptions, their priced item history, invoices, invoice lines and refunds.

The simulation steps through billing periods (not rows): at each step every live
subscription of the chunk renews at once. Per period a subscription is invoiced for the
items in effect at the period start, may churn (at period end, immediately, or through a
failed payment), may expand (seats or plan, effective at once, prorated on an immediate
invoice) or contract (effective at the next renewal). Introductory percent discounts and
negotiated fixed discounts expire at a renewal. Every state change is a new row of the item
history, so item MRR, invoices and the history agree the way a billing system's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import config as C
from .util import DAY, HOUR, add_months, choice
from .world import INTERVAL_MONTHS, World

NULL = -1
SUB_STATUS = ("active", "trialing", "past_due", "canceled")
REASONS = C.CANCELLATION_REASONS + ("payment_failed",)
INVOICE_STATUS = ("paid", "open", "void", "uncollectible")
LINE_TYPES = ("subscription", "proration", "one_off")
REFUND_REASONS = ("requested_by_customer", "duplicate", "fraudulent")
MODE_PERIOD_END, MODE_IMMEDIATE, MODE_FAILED = 0, 1, 2


@dataclass
class Customers:
    """Per-customer attributes of one chunk, all arrays of the chunk's length."""

    signup: np.ndarray
    ccy: np.ndarray
    tax_rate: np.ndarray
    tier: np.ndarray
    seats: np.ndarray
    interval: np.ndarray
    trial: np.ndarray
    converts: np.ndarray
    channel: np.ndarray
    engagement: np.ndarray
    sales_led: np.ndarray
    intro: np.ndarray
    addon: np.ndarray
    addon_qty: np.ndarray
    setup: np.ndarray
    disc_amt_share: np.ndarray


class _Acc:
    """Collects per-step arrays and concatenates them at the end."""

    def __init__(self, *names):
        self.names = names
        self.parts = {n: [] for n in names}

    def add(self, **cols):
        for n in self.names:
            self.parts[n].append(np.array(cols[n], copy=True))  # state arrays change later

    def done(self) -> dict:
        return {n: (np.concatenate(p) if p else np.zeros(0, dtype=np.int64)) for n, p in self.parts.items()}


def _half_up(x) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


def _line_discount(amount, pct, amt):
    off = _half_up(amount * np.where(np.isnan(pct), 0.0, pct) / 100.0)
    return np.minimum(amount, off + np.maximum(amt, 0))


def churn_hazard(cu: Customers, cust: np.ndarray, interval: np.ndarray, tier: np.ndarray):
    """Monthly churn hazard per subscription (see config for the factors)."""
    chan = np.array([C.CHANNEL_CHURN[c] for c in C.CHANNELS])[cu.channel[cust]]
    beta = C.ENGAGEMENT_CHURN_BETA
    eng = np.exp(-beta * cu.engagement[cust] - beta * beta / 2)
    tier_m = np.array(C.TIER_CHURN)[tier]
    long_m = np.where(interval > 0, C.LONG_INTERVAL_CHURN, 1.0)
    return np.minimum(C.MONTHLY_LOGO_CHURN * HAZARD_CALIBRATION * chan * eng * tier_m * long_m, 0.9)


#: Scales the base hazard so that measured monthly logo churn lands near MONTHLY_LOGO_CHURN
#: (the factors above average to less than one over the customer mix, and survivors are
#: the more engaged customers).
HAZARD_CALIBRATION = 1.6


def simulate(world: World, rng: np.random.Generator, cu: Customers) -> dict:
    n = len(cu.signup)
    subs = {
        "cust": np.arange(n, dtype=np.int64),
        "created": cu.signup.copy(),
        "trial": cu.trial.copy(),
        "converts": cu.converts.copy(),
        "tier": cu.tier.copy(),
        "seats": cu.seats.copy(),
        "interval": cu.interval.copy(),
        "intro": cu.intro.copy(),
        "disc_amt": cu.disc_amt_share.copy(),
        "addon": cu.addon.copy(),
        "addon_qty": cu.addon_qty.copy(),
        "setup": cu.setup.copy(),
    }
    rounds = []
    for _ in range(3):
        if len(subs["cust"]) == 0:
            break
        res = _run(world, rng, cu, subs)
        rounds.append(res)
        subs = _reactivations(world, rng, res)
    return _merge(rounds)


def _reactivations(world: World, rng, res: dict) -> dict:
    s = res["subs"]
    churned = (s["ended"] != NULL) & (s["mode"] >= 0)
    back = churned & (rng.random(len(churned)) < C.REACTIVATION_SHARE)
    lo, hi = C.REACTIVATION_GAP_DAYS
    created = s["ended"] + rng.integers(lo * DAY, hi * DAY, len(churned))
    back &= created < world.end_ts
    i = np.nonzero(back)[0]
    m = len(i)
    return {
        "cust": s["cust"][i],
        "created": created[i],
        "trial": np.zeros(m, bool),
        "converts": np.ones(m, bool),
        "tier": s["final_tier"][i],
        "seats": np.maximum(1, _half_up(s["final_seats"][i] * rng.uniform(0.6, 1.2, m))),
        "interval": np.where(rng.random(m) < 0.8, 0, 2),
        "intro": np.zeros(m, bool),
        "disc_amt": np.zeros(m, bool),
        "addon": np.full(m, -1),
        "addon_qty": np.zeros(m, np.int64),
        "setup": np.zeros(m, bool),
    }


def _run(world: World, rng, cu: Customers, sb: dict) -> dict:
    end = world.end_ts
    S = len(sb["cust"])
    cust = sb["cust"]
    ccy = cu.ccy[cust]
    interval = sb["interval"].astype(np.int64)
    L = np.array(INTERVAL_MONTHS)[interval]
    tier = sb["tier"].astype(np.int64).copy()
    seats = sb["seats"].astype(np.int64).copy()
    created = sb["created"]
    trial = sb["trial"]
    trial_end = np.where(trial, created + C.TRIAL_DAYS * DAY, NULL)
    pays = ~trial | sb["converts"]
    anchor = np.where(trial, trial_end, created)
    unit = world.price_unit
    main_price = World.plan_price(tier, interval, ccy)
    pct = np.where(sb["intro"] & (interval == 0), C.DISCOUNT_INTRO_PERCENT, np.nan)
    list_amount = unit[main_price] * seats
    amt = np.where(sb["disc_amt"], _half_up(list_amount * C.DISCOUNT_AMOUNT_FRACTION), NULL)
    has_addon = sb["addon"] >= 0
    addon_price = np.where(has_addon, World.addon_price(np.maximum(sb["addon"], 0), interval, ccy), NULL)
    eng = cu.engagement[cust]
    hazard = churn_hazard(cu, cust, interval, tier)

    H = _Acc("item", "price", "qty", "pct", "amt", "vf")
    H.add(item=2 * np.arange(S), price=main_price, qty=seats, pct=pct, amt=amt, vf=created)
    a = np.nonzero(has_addon)[0]
    H.add(
        item=2 * a + 1,
        price=addon_price[a],
        qty=sb["addon_qty"][a],
        pct=np.full(len(a), np.nan),
        amt=np.full(len(a), NULL),
        vf=created[a],
    )

    canceled = np.full(S, NULL)
    ended = np.full(S, NULL)
    reason = np.full(S, NULL)
    mode = np.full(S, NULL)
    past_due = np.zeros(S, bool)
    nc = trial & ~pays & (trial_end < end)
    canceled[nc] = trial_end[nc]
    ended[nc] = trial_end[nc]

    INV = _Acc("sub", "created", "ps", "pe", "failed", "proration")
    LN = _Acc("inv", "price", "ltype", "qty", "amount", "disc", "ps", "pe")
    REF = _Acc("inv", "frac", "created")
    UP = _Acc("sub", "t", "plan_up")
    n_inv = 0
    pending_seats = np.full(S, NULL)
    pending_tier = np.full(S, NULL)
    alive = pays.copy()
    k = 0
    while True:
        idx = np.nonzero(alive)[0]
        if len(idx) == 0:
            break
        ps = add_months(anchor[idx], k * L[idx])
        keep = ps < end
        alive[idx[~keep]] = False
        idx, ps = idx[keep], ps[keep]
        if len(idx) == 0:
            break
        pe = add_months(anchor[idx], (k + 1) * L[idx])
        months_in = k * L[idx]
        if k > 0:
            chg = np.zeros(len(idx), bool)
            p_s = pending_seats[idx]
            m = p_s >= 0
            seats[idx[m]] = p_s[m]
            chg |= m
            p_t = pending_tier[idx]
            m = p_t >= 0
            tier[idx[m]] = p_t[m]
            chg |= m
            pending_seats[idx] = NULL
            pending_tier[idx] = NULL
            m = (months_in == C.DISCOUNT_INTRO_MONTHS) & ~np.isnan(pct[idx])
            pct[idx[m]] = np.nan
            chg |= m
            m = (months_in == C.DISCOUNT_AMOUNT_MONTHS) & (amt[idx] >= 0)
            amt[idx[m]] = NULL
            chg |= m
            main_price[idx] = World.plan_price(tier[idx], interval[idx], ccy[idx])
            c = idx[chg]
            H.add(item=2 * c, price=main_price[c], qty=seats[c], pct=pct[c], amt=amt[c], vf=ps[chg])

        # ---- the renewal invoice for this period
        inv = n_inv + np.arange(len(idx))
        n_inv += len(idx)
        amount = unit[main_price[idx]] * seats[idx]
        LN.add(
            inv=inv,
            price=main_price[idx],
            ltype=np.zeros(len(idx)),
            qty=seats[idx],
            amount=amount,
            disc=_line_discount(amount, pct[idx], amt[idx]),
            ps=ps,
            pe=pe,
        )
        m = has_addon[idx]
        if m.any():
            s = idx[m]
            aamount = unit[addon_price[s]] * sb["addon_qty"][s]
            LN.add(
                inv=inv[m],
                price=addon_price[s],
                ltype=np.zeros(len(s)),
                qty=sb["addon_qty"][s],
                amount=aamount,
                disc=np.zeros(len(s), np.int64),
                ps=ps[m],
                pe=pe[m],
            )
        if k == 0:
            m = sb["setup"][idx]
            if m.any():
                s = idx[m]
                sp = World.setup_price(ccy[s])
                LN.add(
                    inv=inv[m],
                    price=sp,
                    ltype=np.full(len(s), 2),
                    qty=np.ones(len(s)),
                    amount=unit[sp],
                    disc=np.zeros(len(s), np.int64),
                    ps=np.full(len(s), NULL),
                    pe=np.full(len(s), NULL),
                )

        # ---- churn decisions
        h = hazard[idx] * np.where(months_in < 3, C.EARLY_TENURE_CHURN, 1.0)
        p_churn = 1.0 - (1.0 - h) ** L[idx]
        churn = rng.random(len(idx)) < p_churn
        how = choice(rng, C.CHURN_MODE_SHARE, len(idx))
        span = pe - ps
        t_c = ps + 1 + (rng.random(len(idx)) * (span - 1)).astype(np.int64)
        why = choice(rng, C.CANCELLATION_REASON_MIX, len(idx))
        m_pe = churn & (how == MODE_PERIOD_END) & (t_c < end)
        m_im = churn & (how == MODE_IMMEDIATE) & (t_c < end)
        m_pf = churn & (how == MODE_FAILED)
        t_pf = ps + C.DUNNING_DAYS * DAY
        s = idx[m_pe]
        canceled[s] = t_c[m_pe]
        ended[s] = np.where(pe[m_pe] < end, pe[m_pe], NULL)
        reason[s] = why[m_pe]
        mode[s] = MODE_PERIOD_END
        s = idx[m_im]
        canceled[s] = t_c[m_im]
        ended[s] = t_c[m_im]
        reason[s] = why[m_im]
        mode[s] = MODE_IMMEDIATE
        REF.add(inv=inv[m_im], frac=(pe - t_c)[m_im] / span[m_im], created=t_c[m_im] + HOUR)
        s = idx[m_pf]
        done = t_pf[m_pf] < end
        canceled[s[done]] = t_pf[m_pf][done]
        ended[s[done]] = t_pf[m_pf][done]
        reason[s[done]] = len(C.CANCELLATION_REASONS)
        mode[s[done]] = MODE_FAILED
        past_due[s[~done]] = True
        INV.add(sub=idx, created=ps, ps=ps, pe=pe, failed=m_pf, proration=np.zeros(len(idx), bool))
        leaving = m_pe | m_im | m_pf
        alive[idx[leaving]] = False

        # ---- expansion: seats or plan up, prorated at once
        stay = ~leaving
        p_up = 1.0 - (1.0 - np.minimum(C.MONTHLY_EXPANSION * np.exp(0.4 * eng[idx]), 0.5)) ** L[idx]
        up = stay & (rng.random(len(idx)) < p_up)
        t_u = ps + 1 + (rng.random(len(idx)) * (span - 1)).astype(np.int64)
        up &= t_u < end
        plan_up = up & (tier[idx] < 2) & (rng.random(len(idx)) < C.PLAN_UPGRADE_SHARE_OF_EXPANSION)
        seat_up = up & ~plan_up
        if up.any():
            s = idx[up]
            old_price = main_price[s].copy()
            old_seats = seats[s].copy()
            add = np.maximum(1, _half_up(seats[idx] * rng.uniform(0.1, 0.5, len(idx))))
            seats[idx[seat_up]] += add[seat_up]
            tier[idx[plan_up]] += 1
            main_price[s] = World.plan_price(tier[s], interval[s], ccy[s])
            tu = t_u[up]
            H.add(item=2 * s, price=main_price[s], qty=seats[s], pct=pct[s], amt=amt[s], vf=tu)
            frac = (pe[up] - tu) / span[up]
            old_amt = _half_up(unit[old_price] * old_seats * frac)
            new_amt = _half_up(unit[main_price[s]] * seats[s] * frac)
            pinv = n_inv + np.arange(len(s))
            n_inv += len(s)
            p = np.where(np.isnan(pct[s]), 0.0, pct[s]) / 100.0
            LN.add(
                inv=pinv,
                price=old_price,
                ltype=np.ones(len(s)),
                qty=old_seats,
                amount=-old_amt,
                disc=-_half_up(old_amt * p),
                ps=tu,
                pe=pe[up],
            )
            LN.add(
                inv=pinv,
                price=main_price[s],
                ltype=np.ones(len(s)),
                qty=seats[s],
                amount=new_amt,
                disc=_half_up(new_amt * p),
                ps=tu,
                pe=pe[up],
            )
            INV.add(sub=s, created=tu, ps=tu, pe=pe[up], failed=np.zeros(len(s), bool), proration=np.ones(len(s), bool))
            UP.add(sub=s, t=tu, plan_up=plan_up[up])

        # ---- contraction: scheduled for the next renewal
        p_down = 1.0 - (1.0 - C.MONTHLY_CONTRACTION * np.exp(-0.4 * eng[idx])) ** L[idx]
        down = stay & ~up & (rng.random(len(idx)) < p_down)
        tier_down = down & (tier[idx] > 0) & (rng.random(len(idx)) < 0.2)
        seat_down = down & ~tier_down & (seats[idx] > 1)
        pending_tier[idx[tier_down]] = tier[idx[tier_down]] - 1
        cut = np.maximum(1, _half_up(seats[idx] * rng.uniform(0.1, 0.4, len(idx))))
        pending_seats[idx[seat_down]] = np.maximum(1, seats[idx[seat_down]] - cut[seat_down])
        k += 1

    status = np.full(S, 0)
    status[trial & (trial_end >= end)] = 1
    status[past_due] = 2
    status[ended != NULL] = 3
    return {
        "subs": {
            "cust": cust,
            "created": created,
            "trial_start": np.where(trial, created, NULL),
            "trial_end": trial_end,
            "canceled": canceled,
            "ended": ended,
            "reason": reason,
            "status": status,
            "mode": mode,
            "paid_start": np.where(pays & (anchor < end), anchor, NULL),
            "final_tier": tier,
            "final_seats": seats,
            "ccy": ccy,
        },
        "hist": H.done(),
        "inv": INV.done(),
        "lines": LN.done(),
        "refund": REF.done(),
        "up": UP.done(),
        "n_inv": n_inv,
    }


def _merge(rounds: list[dict]) -> dict:
    """Concatenate simulation rounds, renumbering subscriptions, items and invoices."""
    out = {"subs": {}, "hist": {}, "inv": {}, "lines": {}, "refund": {}, "up": {}}
    sub_off = inv_off = 0
    for res in rounds:
        n_sub = len(res["subs"]["cust"])
        shifts = {
            "hist": {"item": 2 * sub_off},
            "inv": {"sub": sub_off},
            "lines": {"inv": inv_off},
            "refund": {"inv": inv_off},
            "up": {"sub": sub_off},
        }
        for part in out:
            for col, arr in res[part].items():
                shift = shifts.get(part, {}).get(col)
                out[part].setdefault(col, []).append(arr if shift is None else arr + shift)
        sub_off += n_sub
        inv_off += res["n_inv"]
    merged = {part: {c: np.concatenate(v) for c, v in cols.items()} for part, cols in out.items()}
    return merged


def finish(world: World, rng, cu: Customers, sim: dict) -> dict:
    """Derive item validity, invoice totals and statuses, void copies and refunds."""
    end = world.end_ts
    subs, hist, inv, lines = sim["subs"], sim["hist"], sim["inv"], sim["lines"]
    # ---- item history: order by item then time; valid_to = next row or subscription end
    order = np.lexsort((hist["vf"], hist["item"]))
    hist = {c: v[order] for c, v in hist.items()}
    item = hist["item"]
    sub_of_row = item // 2
    nxt_same = np.append(item[1:] == item[:-1], False)
    vt = np.append(hist["vf"][1:], NULL)
    vt = np.where(nxt_same, vt, subs["ended"][sub_of_row])
    hist["vt"] = vt
    hist["sub"] = sub_of_row

    # ---- void duplicates of regular invoices (issued twice by mistake)
    n_inv = len(inv["sub"])
    inv["proration"] = inv["proration"].astype(bool)
    inv["failed"] = inv["failed"].astype(bool)
    regular = ~inv["proration"] & ~inv["failed"] & (inv["created"] + 60 < end)
    dup = np.nonzero(regular & (rng.random(n_inv) < C.VOID_DUPLICATE_SHARE))[0]
    void = np.zeros(n_inv + len(dup), bool)
    void[n_inv:] = True
    inv = {c: np.concatenate([v, v[dup]]) for c, v in inv.items()}
    inv["created"][n_inv:] += 60
    remap = np.full(n_inv, NULL)
    remap[dup] = n_inv + np.arange(len(dup))
    lsel = np.nonzero(remap[lines["inv"]] != NULL)[0]
    copies = {c: v[lsel] for c, v in lines.items()}
    copies["inv"] = remap[copies["inv"]]
    lines = {c: np.concatenate([lines[c], copies[c]]) for c in lines}
    lorder = np.argsort(lines["inv"], kind="stable")
    lines = {c: v[lorder] for c, v in lines.items()}

    # ---- totals
    N = len(inv["sub"])
    cust = subs["cust"][inv["sub"]]
    subtotal = np.bincount(lines["inv"], weights=lines["amount"], minlength=N).round().astype(np.int64)
    discount = np.bincount(lines["inv"], weights=lines["disc"], minlength=N).round().astype(np.int64)
    rate = cu.tax_rate[cust]
    tax = _half_up((subtotal - discount) * rate)
    total = subtotal - discount + tax

    # ---- payment
    enterprise = subs["final_tier"][inv["sub"]] == 2
    delay = np.where(enterprise, 2 * DAY + rng.integers(0, 28 * DAY, N), rng.integers(20, 2 * HOUR, N))
    late = rng.random(N) < C.LATE_PAYMENT_SHARE
    delay = delay + np.where(late, rng.integers(3 * DAY, 10 * DAY, N), 0)
    paid_at = inv["created"] + delay
    status = np.zeros(N, np.int64)
    status[paid_at >= end] = 1
    failed = inv["failed"]
    status[failed] = np.where(inv["created"][failed] + C.DUNNING_DAYS * DAY < end, 3, 1)
    status[void] = 2
    # Zero-total invoices are settled at once.
    paid = status == 0
    paid_at = np.where(paid, paid_at, NULL)
    amount_paid = np.where(paid, total, 0)

    # ---- refunds: unused part of immediate cancellations, and a few others
    ref = sim["refund"]
    take = (rng.random(len(ref["inv"])) < C.IMMEDIATE_REFUND_SHARE) & paid[ref["inv"]]
    r_inv = ref["inv"][take]
    r_amt = _half_up(amount_paid[r_inv] * ref["frac"][take])
    r_at = np.maximum(ref["created"][take], paid_at[r_inv] + HOUR)
    r_reason = np.zeros(len(r_inv), np.int64)
    other = np.nonzero(paid & (amount_paid > 0) & (rng.random(N) < C.RANDOM_REFUND_SHARE))[0]
    other = other[~np.isin(other, r_inv)]
    o_amt = np.where(rng.random(len(other)) < 0.6, amount_paid[other], _half_up(amount_paid[other] / 2))
    o_at = paid_at[other] + rng.integers(DAY, 30 * DAY, len(other))
    o_reason = choice(rng, (0.5, 0.35, 0.15), len(other))
    refunds = {
        "inv": np.concatenate([r_inv, other]),
        "amount": np.concatenate([r_amt, o_amt]),
        "created": np.concatenate([r_at, o_at]),
        "reason": np.concatenate([r_reason, o_reason]),
    }
    ok = (refunds["amount"] > 0) & (refunds["created"] < end)
    refunds = {c: v[ok] for c, v in refunds.items()}

    inv.update(
        cust=cust,
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        total=total,
        status=status,
        paid_at=paid_at,
        amount_paid=amount_paid,
        tax_null=rate == 0,
        ccy=subs["ccy"][inv["sub"]],
    )
    return {"subs": subs, "hist": hist, "inv": inv, "lines": lines, "refunds": refunds, "up": sim["up"]}
