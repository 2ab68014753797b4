"""One chunk of customers and everything that belongs to them, across all sources.

A chunk holds ``n`` billing customers (companies that sign up) and a proportional number of
lead companies that never sign up. For each it simulates the path from first website visit
to signup (sessions, forms, contact creation, lifecycle stages, demos, deals), then billing
(billing.py), then product usage, tickets and NPS (product.py), and returns column arrays
for every per-customer table.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import billing, product
from . import config as C
from .util import (
    DAY,
    HOUR,
    bool_col,
    cat_col,
    choice,
    choice_rows,
    expand,
    float_col,
    int_col,
    make_ids,
    numeric_ids,
    take_col,
    ts_col,
)
from .web import FORM_PAGES, FORM_TYPES, SITE, Variants, pick_campaign
from .world import World

NULL = -1
CH = {c: i for i, c in enumerate(C.CHANNELS)}
FT = {f: i for i, f in enumerate(FORM_TYPES)}
STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer")
MID_TOUCH_MIX = {
    "direct": 0.35,
    "organic_search": 0.30,
    "paid_search": 0.15,
    "organic_social": 0.08,
    "referral": 0.07,
    "paid_social": 0.05,
}
LAST_TOUCH_MIX = {"direct": 0.50, "organic_search": 0.20, "paid_search": 0.15, "referral": 0.05, "paid_social": 0.10}
ORIGINAL_SOURCE = (
    "PAID_SEARCH",
    "PAID_SOCIAL",
    "ORGANIC_SEARCH",
    "SOCIAL_MEDIA",
    "EMAIL_MARKETING",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
)
INDUSTRIES = (
    "software",
    "financial_services",
    "retail",
    "healthcare",
    "manufacturing",
    "education",
    "media",
    "professional_services",
    "logistics",
    "non_profit",
)
NAME_A = (
    "Blue",
    "North",
    "Bright",
    "Silver",
    "Rapid",
    "Clear",
    "Green",
    "Iron",
    "Summit",
    "Harbor",
    "Cedar",
    "Nova",
    "Polar",
    "Atlas",
    "Maple",
    "Pixel",
    "Quantum",
    "Red",
    "Stone",
    "Urban",
    "Vector",
    "Wild",
    "Zen",
    "Orbit",
    "Prime",
    "Lumen",
    "Echo",
    "Delta",
)
NAME_B = (
    "Harbor",
    "Labs",
    "Works",
    "Analytics",
    "Systems",
    "Logic",
    "Craft",
    "Cloud",
    "Forge",
    "Bridge",
    "Path",
    "Field",
    "Point",
    "Wave",
    "Stack",
    "Grid",
    "Leaf",
    "Loop",
    "Peak",
)
NAME_SUFFIX = ("Inc", "GmbH", "Ltd", "LLC", "SAS", "BV", "KK", "Co")
FIRST = (
    "anna",
    "ben",
    "carla",
    "david",
    "emma",
    "felix",
    "grace",
    "hiro",
    "ines",
    "jonas",
    "kate",
    "liam",
    "maria",
    "noah",
    "olivia",
    "paul",
    "quinn",
    "rosa",
    "sam",
    "tina",
    "uma",
    "victor",
    "wen",
    "yuki",
    "zoe",
    "omar",
    "lena",
    "marco",
    "sofia",
    "arjun",
)
LAST = (
    "smith",
    "mueller",
    "garcia",
    "tanaka",
    "martin",
    "rossi",
    "jones",
    "dubois",
    "kim",
    "novak",
    "silva",
    "brown",
    "jansen",
    "lopez",
    "sato",
    "weber",
    "taylor",
    "moreau",
    "patel",
    "clark",
    "fischer",
    "costa",
    "nguyen",
    "berg",
    "walsh",
)
NPS_COMMENTS = (
    ("Love the dashboards", "Support is fast", "Saves us hours every week"),
    ("Does the job", "Some reports are slow", "Pricing is a bit high"),
    ("Too expensive for what we use", "Missing integrations we need", "Looking at alternatives"),
)


def _mix(rng, mix: dict, n: int) -> np.ndarray:
    keys = list(mix)
    return np.array([CH[k] for k in keys])[choice(rng, [mix[k] for k in keys], n)]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simulate_chunk(
    world: World, variants: Variants, seed: int, chunk: int, n: int, cust_offset: int, n_leads: int, lead_offset: int
) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng([seed, 1, chunk])
    start, end = world.start_ts, world.end_ts
    A = n + n_leads
    is_cust = np.arange(A) < n
    acc_global = np.where(is_cust, cust_offset + np.arange(A), world.n_customers + lead_offset + np.arange(A) - n)

    # ------------------------------------------------------------------ accounts
    country = choice(rng, [c[2] for c in C.COUNTRIES], A)
    ccy = np.array([C.CURRENCIES.index(c[1]) for c in C.COUNTRIES])[country]
    tax_rate = np.array([c[3] for c in C.COUNTRIES])[country]
    day = choice(rng, world.signup_weights, A)
    tod = (np.mod(rng.normal(15.0, 3.5, A), 24.0) * HOUR).astype(np.int64)
    key_time = (world.day0 + day) * DAY + tod
    channel = np.where(is_cust, _mix(rng, C.CHANNEL_MIX, A), _mix(rng, C.LEAD_CHANNEL_MIX, A))
    sends = world.email_send_ts
    no_send = key_time < (sends[0] + DAY if len(sends) else end)
    channel[(channel == CH["email"]) & is_cust & no_send] = CH["direct"]
    tier = choice_rows(rng, np.array([C.CHANNEL_TIER_MIX[C.CHANNELS[c]] for c in channel]))
    seats = np.select(
        [tier == 0, tier == 1],
        [1 + np.minimum(rng.poisson(2.0, A), 9), np.clip(np.round(np.exp(rng.normal(2.2, 0.6, A))), 3, 80)],
        np.clip(np.round(np.exp(rng.normal(3.8, 0.8, A))), 20, 2000),
    ).astype(np.int64)
    interval = choice_rows(rng, np.array(C.INTERVAL_MIX)[tier])
    sales_led = rng.random(A) < np.array(C.SALES_LED_SHARE)[tier]
    trial = rng.random(A) < np.where(sales_led, C.TRIAL_SHARE_SALES_LED, C.TRIAL_SHARE_SELF_SERVE)
    engagement = rng.normal(0.0, 1.0, A)
    conv_p = (
        C.TRIAL_CONVERSION_BASE
        * np.array([C.CHANNEL_TRIAL_CONVERSION[c] for c in C.CHANNELS])[channel]
        * 2.0
        * _sigmoid(1.2 * engagement)
    )
    converts = rng.random(A) < np.minimum(conv_p, 0.97)
    intro = (interval == 0) & (rng.random(A) < C.DISCOUNT_INTRO_SHARE)
    disc_amt = (tier >= 1) & (rng.random(A) < C.DISCOUNT_AMOUNT_SHARE)
    has_addon = rng.random(A) < np.array(C.ADDON_SHARE)[tier]
    addon = np.where(has_addon, rng.integers(0, len(C.ADDONS), A), -1)
    max_units = np.array([a[2] for a in C.ADDONS])
    addon_qty = np.where(has_addon, 1 + (rng.random(A) * max_units[np.maximum(addon, 0)]).astype(np.int64), 0)
    setup = (tier == 2) & (rng.random(A) < C.SETUP_FEE_SHARE)
    is_test = rng.random(A) < C.TEST_CUSTOMER_SHARE
    n_contacts = np.where(is_cust, 1 + choice(rng, (0.45, 0.35, 0.20), A), 1 + choice(rng, (0.7, 0.2, 0.1), A))
    has_company = is_cust | (rng.random(A) >= C.LEADS_WITHOUT_COMPANY)
    n_contacts = np.where(has_company, n_contacts, 1)

    c = slice(0, n)
    cu = billing.Customers(
        signup=key_time[c],
        ccy=ccy[c],
        tax_rate=tax_rate[c],
        tier=tier[c],
        seats=seats[c],
        interval=interval[c],
        trial=trial[c],
        converts=converts[c],
        channel=channel[c],
        engagement=engagement[c],
        sales_led=sales_led[c],
        intro=intro[c],
        addon=addon[c],
        addon_qty=addon_qty[c],
        setup=setup[c],
        disc_amt_share=disc_amt[c],
    )
    sim = billing.finish(world, rng, cu, billing.simulate(world, rng, cu))
    subs = sim["subs"]
    # First paid instant per customer (for lifecycle "customer" and deals).
    paid_first = np.full(n, np.iinfo(np.int64).max)
    ps_ok = subs["paid_start"] != NULL
    np.minimum.at(paid_first, subs["cust"][ps_ok], subs["paid_start"][ps_ok])
    paid_first = np.where(paid_first == np.iinfo(np.int64).max, NULL, paid_first)
    trial_end_first = subs["trial_end"][:n]  # round-one subscription i is customer i's

    # ------------------------------------------------------------------ journeys
    lag = rng.exponential(1.0, A) * np.array([C.CHANNEL_LAG_DAYS[C.CHANNELS[k]] for k in channel])
    lag = np.clip(lag * np.where(sales_led & is_cust, 1.8, 1.0), 0.05, 150.0) * DAY
    t_last = np.where(is_cust, key_time - rng.integers(120, 1200, A), key_time)
    t0 = np.maximum(t_last - lag.astype(np.int64), start + rng.integers(0, 6 * HOUR, A))
    t0 = np.minimum(t0, t_last - 60)
    email_cust = is_cust & (channel == CH["email"])
    # E-mail customers: subscribed earlier, first touch is a click in the latest newsletter.
    j_send = np.clip(np.searchsorted(sends, t_last - HOUR, side="right") - 1, 0, max(len(sends) - 1, 0))
    send_t = sends[j_send] if len(sends) else np.zeros(A, np.int64)
    t0 = np.where(email_cust, np.minimum(send_t + rng.integers(600, 6 * HOUR, A), t_last - 60), t0)
    t_sub = np.maximum(start + 600, send_t - rng.integers(5 * DAY, 120 * DAY, A))
    head = np.where(email_cust, 2, 1)
    n_s = np.where(is_cust, 1 + head + rng.poisson(C.EXTRA_TOUCHES_MEAN, A), 1 + rng.poisson(1.0, A))
    ident = np.where(
        is_cust,
        np.where(
            sales_led | email_cust,
            0,
            np.where(
                rng.random(A) < C.EARLY_IDENTIFICATION_SHARE, (rng.random(A) * (n_s - 1)).astype(np.int64), n_s - 1
            ),
        ),
        n_s - 1,
    )
    second = (rng.random(A) < C.SECOND_COOKIE_SHARE) & (n_s >= 3)
    switch = np.maximum(ident, (n_s - 1) // 2)

    own, rank = expand(n_s)
    ns = len(own)
    last = rank == n_s[own] - 1
    t = _sorted_times(rank, own, head, last, t0, t_last, t_sub, email_cust, rng)
    s_chan = _mix(rng, MID_TOUCH_MIX, ns)
    last_mix = _mix(rng, LAST_TOUCH_MIX, ns)
    s_chan = np.where(last, np.where(rng.random(ns) < 0.35, channel[own], last_mix), s_chan)
    first_chan = np.where(channel == CH["email"], CH["organic_search"], channel)
    s_chan = np.where(rank == 0, first_chan[own], s_chan)
    s_chan = np.where(email_cust[own] & (rank == 1), CH["email"], s_chan)
    s_chan = np.where((s_chan == CH["email"]) & ~(email_cust[own] & (rank == 1)), CH["direct"], s_chan)
    variant = _variants_for(rng, world, variants, s_chan, t, j_send[own])
    slot = (second[own] & (rank > switch[own])).astype(np.int64)
    s_cookie_int = (np.int64(chunk) << 32) | (np.arange(A, dtype=np.int64)[own] * 2 + slot)
    s_identified = (rank == ident[own]) | (is_cust[own] & last)

    # ------------------------------------------------------------------ forms and contacts
    id_sess = np.nonzero(rank == ident[own])[0]  # one per account, in account order
    last_sess = np.nonzero(last)[0]
    late = ident == n_s - 1
    r = rng.random(A)
    form_id = np.where(r < 0.6, FT["content_download"], FT["newsletter"])
    form_id = np.where(is_cust & late, np.where(trial, FT["trial_signup"], FT["other"]), form_id)
    form_id = np.where(is_cust & sales_led, np.where(r < 0.7, FT["demo_request"], FT["contact_sales"]), form_id)
    lead_form = np.array([FT[f] for f in ("content_download", "newsletter", "demo_request", "contact_sales", "other")])
    lead_mix = (0.40, 0.30, C.LEAD_DEMO_SHARE, 0.08, 0.10)
    form_id = np.where(is_cust, form_id, lead_form[choice(rng, lead_mix, A)])
    form_id = np.where(channel == CH["email"], FT["newsletter"], form_id)
    form_t = np.where(is_cust & late, key_time, t[id_sess] + rng.integers(60, 600, A))
    form_t = np.minimum(form_t, np.where(is_cust, key_time, end - 1))
    contact_created = form_t
    extra_trial_form = is_cust & trial & ~late  # trial form at the signup session

    # ------------------------------------------------------------------ lifecycle
    stage_rows = _lifecycle(
        rng,
        world,
        A,
        is_cust,
        sales_led,
        trial,
        form_id,
        contact_created,
        key_time,
        t,
        id_sess,
        ident,
        n_s,
        paid_first,
        trial_end_first,
        n,
    )
    # ------------------------------------------------------------------ demos
    demo_acc = np.nonzero(form_id == FT["demo_request"])[0]
    dtype_ = np.where(
        is_cust[demo_acc],
        choice(rng, C.DEMO_TYPE_MIX_CONVERTING, len(demo_acc)),
        choice(rng, C.DEMO_TYPE_MIX_LEADS, len(demo_acc)),
    )
    req = contact_created[demo_acc]
    room = np.where(is_cust[demo_acc], np.maximum(key_time[demo_acc] - req, 2 * HOUR) * 0.8, 7 * DAY)
    held = req + HOUR + (rng.random(len(demo_acc)) * np.minimum(room, 7 * DAY)).astype(np.int64)
    noshow = rng.random(len(demo_acc)) < np.array(C.DEMO_NO_SHOW)[dtype_] * np.where(is_cust[demo_acc], 0.5, 1.0)
    held_null = noshow | (held >= end)

    # ------------------------------------------------------------------ ids
    comp_ids = numeric_ids(5_000_000_000, acc_global)
    cust_ids = make_ids("cus_", cust_offset + np.arange(n), 11)
    contact_int = acc_global[:, None] * 4 + np.arange(3)[None, :]
    primary_ids = numeric_ids(100_000_000, contact_int[:, 0])
    cookies = make_ids("a_", s_cookie_int, 23)
    acc_cookie_a = make_ids("a_", (np.int64(chunk) << 32) | (np.arange(A, dtype=np.int64) * 2), 23)

    names = _company_names(rng, A)
    domains = pc.binary_join_element_wise(
        pc.utf8_lower(pc.replace_substring(names["base"], " ", "")),
        pa.array(acc_global % 997).cast(pa.string()),
        pa.array(np.full(A, ".com")),
        "",
    )
    first = rng.integers(0, len(FIRST), (A, 3))
    lastn = rng.integers(0, len(LAST), (A, 3))

    out: dict[str, dict] = {}
    # crm_companies
    comp = np.nonzero(has_company)[0]
    emp = np.select(
        [tier == 0, tier == 1], [rng.integers(2, 60, A), rng.integers(20, 600, A)], rng.integers(200, 20000, A)
    )
    country_codes = [cc[0] for cc in C.COUNTRIES]
    out["crm_companies"] = {
        "company_id": comp_ids.take(pa.array(comp)),
        "name": names["full"].take(pa.array(comp)),
        "domain": domains.take(pa.array(comp)),
        "industry": cat_col(INDUSTRIES, rng.integers(0, len(INDUSTRIES), len(comp)), null=rng.random(len(comp)) < 0.05),
        "employee_count": int_col(emp[comp], null=rng.random(len(comp)) < 0.08),
        "country": cat_col(country_codes, country[comp]),
        "created_at": ts_col(contact_created[comp]),
    }
    # crm_contacts: primary + secondary
    sec_acc, sec_j = expand(n_contacts - 1)
    sec_j = sec_j + 1
    base_t = np.where(is_cust, key_time, contact_created)
    sec_t = base_t[sec_acc] + rng.integers(DAY, 45 * DAY, len(sec_acc))
    keep = sec_t < end
    sec_acc, sec_j, sec_t = sec_acc[keep], sec_j[keep], sec_t[keep]
    src_code = np.array([0, 1, 2, 3, 4, 5, 6, 7])[first_chan]
    src_code = np.where(channel == CH["email"], 4, src_code)
    c_acc = np.concatenate([np.arange(A), sec_acc])
    c_j = np.concatenate([np.zeros(A, np.int64), sec_j])
    c_t = np.concatenate([contact_created, sec_t])
    c_ids = numeric_ids(100_000_000, contact_int[c_acc, c_j])
    emails = _emails(first[c_acc, c_j], lastn[c_acc, c_j], has_company[c_acc], domains.take(pa.array(c_acc)))
    out["crm_contacts"] = {
        "contact_id": c_ids,
        "company_id": take_col(comp_ids, c_acc, null=~has_company[c_acc]),
        "email": emails,
        "anonymous_id": take_col(acc_cookie_a, c_acc, null=c_j > 0),
        "created_at": ts_col(c_t),
        "original_source": cat_col(ORIGINAL_SOURCE, np.concatenate([src_code, np.full(len(sec_acc), 8)])),
    }
    # lifecycle rows: primary from _lifecycle, secondary: lead (+ customer)
    st_acc, st_stage, st_t = stage_rows
    sec_cust = is_cust[sec_acc]
    pf = np.where(sec_cust, paid_first[np.minimum(sec_acc, n - 1)], NULL)
    sec_customer = sec_cust & (pf != NULL)
    sec_ct = np.maximum(sec_t + 1, np.where(pf != NULL, pf, 0))
    sec_customer &= sec_ct < end
    ls_contact = np.concatenate(
        [contact_int[st_acc, 0], contact_int[sec_acc, sec_j], contact_int[sec_acc[sec_customer], sec_j[sec_customer]]]
    )
    ls_stage = np.concatenate([st_stage, np.full(len(sec_acc), 1), np.full(sec_customer.sum(), 5)])
    ls_t = np.concatenate([st_t, sec_t, sec_ct[sec_customer]])
    o = np.lexsort((ls_t, ls_contact))
    out["crm_lifecycle_stage_history"] = {
        "contact_id": numeric_ids(100_000_000, ls_contact[o]),
        "lifecycle_stage": cat_col(STAGES, ls_stage[o]),
        "entered_at": ts_col(ls_t[o]),
    }
    # form submissions: identification form + trial form at signup when identified earlier
    f_acc = np.concatenate([np.arange(A), np.nonzero(extra_trial_form)[0]])
    f_type = np.concatenate([form_id, np.full(extra_trial_form.sum(), FT["trial_signup"])])
    f_t = np.concatenate([form_t, key_time[extra_trial_form]])
    f_sess = np.concatenate([id_sess, last_sess[extra_trial_form]])
    f_int = np.concatenate([np.arange(A) * 2, np.nonzero(extra_trial_form)[0] * 2 + 1])
    out["crm_form_submissions"] = {
        "submission_id": make_ids("fs_", (np.int64(chunk) << 32) | f_int, 31),
        "contact_id": primary_ids.take(pa.array(f_acc)),
        "anonymous_id": cookies.take(pa.array(f_sess)),
        "form_type": cat_col(FORM_TYPES, f_type),
        "submitted_at": ts_col(f_t),
        "page_url": cat_col([SITE + FORM_PAGES[f] for f in FORM_TYPES], f_type),
    }
    out["crm_demos"] = {
        "demo_id": make_ids("demo_", (np.int64(chunk) << 32) | demo_acc, 37),
        "contact_id": primary_ids.take(pa.array(demo_acc)),
        "demo_type": cat_col(C.DEMO_TYPES, dtype_),
        "requested_at": ts_col(req),
        "held_at": ts_col(np.where(held_null, 0, held), null=held_null),
    }
    out["crm_deals"] = _deals(
        rng,
        world,
        chunk,
        A,
        n,
        is_cust,
        sales_led,
        stage_rows,
        key_time,
        paid_first,
        subs,
        sim,
        cu,
        comp_ids,
        primary_ids,
        has_company,
        tier,
        seats,
        ccy,
    )

    # ------------------------------------------------------------------ e-mail and sessions
    em, click_sessions = _emails_events(rng, world, chunk, A, c_acc, c_j, c_t, form_id, email_cust, j_send, t0, c_ids)
    out["crm_email_events"] = em
    anon = _anonymous_sessions(rng, world, variants, n)
    out["web_sessions"] = _sessions_table(
        chunk,
        world,
        variants,
        t,
        variant,
        cookies,
        s_identified,
        primary_ids,
        own,
        click_sessions,
        anon,
        acc_cookie_a,
        c_ids,
        rng,
    )

    # ------------------------------------------------------------------ billing tables
    comp_of_cust = comp_ids.slice(0, n)
    out.update(
        _billing_tables(
            world,
            chunk,
            sim,
            cust_ids,
            comp_of_cust,
            key_time[:n],
            is_test[:n],
            emails.slice(0, n),
            names["full"].slice(0, n),
            country[:n],
        )
    )
    # ------------------------------------------------------------------ product and success
    out.update(
        product.simulate(world, rng, chunk, sim, cu, cust_ids, comp_of_cust, primary_ids.slice(0, n), NPS_COMMENTS)
    )
    revenue = _revenue_by_month(world, sim)
    return out, revenue


def _sorted_times(rank, own, head, last, t0, t_last, t_sub, email_cust, rng):
    """Session start times per account: fixed head and tail, sorted middles in between."""
    ns = len(own)
    lo = t0[own]
    hi = t_last[own]
    mid = lo + 1 + (rng.random(ns) * np.maximum(hi - lo - 2, 0)).astype(np.int64)
    is_mid = (rank >= head[own]) & ~last
    # Sessions are grouped by account in rank order, so the middles of each account sorted
    # by time fill that account's middle ranks in order.
    key_own = np.where(is_mid, own, -1)
    o = np.lexsort((mid, key_own))
    t = np.zeros(ns, np.int64)
    t[np.nonzero(is_mid)[0]] = mid[o[key_own[o] >= 0]]
    t = np.where(rank == 0, np.where(email_cust[own], t_sub[own], t0[own]), t)
    t = np.where(email_cust[own] & (rank == 1), t0[own], t)
    return np.where(last, hi, t)


def _variants_for(rng, world, variants: Variants, s_chan, t, send_idx):
    n = len(s_chan)
    out = np.zeros(n, np.int64)
    day = t // DAY - world.day0
    for name in C.CHANNELS:
        m = s_chan == CH[name]
        if not m.any():
            continue
        if name in ("paid_search", "paid_social"):
            out[m] = variants.campaign_variant[pick_campaign(rng, world, name, day[m])]
        elif name == "email":
            out[m] = variants.email_variant0 + send_idx[m]
        else:
            out[m] = variants.draw(rng, name, int(m.sum()))
    return out


def _lifecycle(
    rng,
    world,
    A,
    is_cust,
    sales_led,
    trial,
    form_id,
    created,
    key_time,
    t,
    id_sess,
    ident,
    n_s,
    paid_first,
    trial_end_first,
    n,
):
    """Stage entry times of primary contacts (account, stage code, time)."""
    end = world.end_ts
    INF = np.iinfo(np.int64).max
    stage_t = np.full((A, 6), INF)
    newsletter = form_id == FT["newsletter"]
    stage_t[newsletter, 0] = created[newsletter]
    # lead: at creation, or for newsletter subscribers at their next identified visit/signup
    stage_t[:, 1] = np.where(newsletter, np.where(is_cust, key_time, INF), created)
    lead_sub_to_lead = ~is_cust & newsletter & (rng.random(A) < 0.3)
    stage_t[lead_sub_to_lead, 1] = created[lead_sub_to_lead] + rng.integers(DAY, 60 * DAY, lead_sub_to_lead.sum())
    pf = np.full(A, NULL)
    pf[:n] = paid_first
    te = np.full(A, NULL)
    te[:n] = trial_end_first
    cust = is_cust
    # customers
    demo_like = (form_id == FT["demo_request"]) | (form_id == FT["contact_sales"])
    mql_c = np.where(sales_led, created + rng.integers(HOUR // 2, 2 * DAY, A), key_time)
    sql_c = np.where(
        sales_led,
        mql_c + rng.integers(DAY, 6 * DAY, A),
        np.where(rng.random(A) < 0.5, key_time + rng.integers(HOUR, 10 * DAY, A), INF),
    )
    opp_c = np.where(sql_c < INF, sql_c + rng.integers(HOUR, 5 * DAY, A), INF)
    # sales-led stages must precede paying; compress towards the signup when needed
    limit = np.where(pf != NULL, pf, np.where(te != NULL, te, key_time + 30 * DAY)) - 60
    stage_t[cust, 2] = mql_c[cust]
    stage_t[cust, 3] = sql_c[cust]
    stage_t[cust, 4] = opp_c[cust]
    has_pf = cust & (pf != NULL)
    stage_t[has_pf, 5] = pf[has_pf]
    for s in (2, 3, 4):
        over = cust & (stage_t[:, s] < INF) & (stage_t[:, s] >= limit)
        stage_t[over, s] = INF
    # leads
    lead = ~cust
    reach = rng.random((A, 3)) < np.array(C.LEAD_STAGE_REACH)
    base = np.where(newsletter, stage_t[:, 1], created)
    m_t = np.where(demo_like, created + HOUR, base + rng.integers(DAY, 30 * DAY, A))
    mql_ok = lead & (demo_like | reach[:, 0]) & (base < INF)
    sql_ok = mql_ok & reach[:, 1]
    opp_ok = sql_ok & reach[:, 2]
    s_t = m_t + rng.integers(2 * DAY, 20 * DAY, A)
    o_t = s_t + rng.integers(DAY, 10 * DAY, A)
    stage_t[mql_ok, 2] = m_t[mql_ok]
    stage_t[sql_ok, 3] = s_t[sql_ok]
    stage_t[opp_ok, 4] = o_t[opp_ok]
    # Make stage times strictly increasing where present, drop anything after the window.
    prev = np.full(A, -1, np.int64)
    for s in range(6):
        col = stage_t[:, s]
        present = col < INF
        col = np.where(present, np.maximum(col, prev + 1), INF)
        stage_t[:, s] = col
        prev = np.where(present, col, prev)
    acc, stg = np.nonzero(stage_t < end)
    return acc, stg, stage_t[acc, stg]


def _deals(
    rng,
    world,
    chunk,
    A,
    n,
    is_cust,
    sales_led,
    stage_rows,
    key_time,
    paid_first,
    subs,
    sim,
    cu,
    comp_ids,
    primary_ids,
    has_company,
    tier,
    seats,
    ccy,
):
    end = world.end_ts
    acc, stg, st = stage_rows
    opp_t = np.full(A, NULL)
    sql_t = np.full(A, NULL)
    opp_t[acc[stg == 4]] = st[stg == 4]
    sql_t[acc[stg == 3]] = st[stg == 3]
    created = np.where(opp_t != NULL, opp_t, sql_t)
    has = (created != NULL) & (is_cust & sales_led | ~is_cust & (opp_t != NULL))
    d_acc = np.nonzero(has)[0]
    d_cust = is_cust[d_acc]
    pf = np.where(d_cust, paid_first[np.minimum(d_acc, n - 1)], NULL)
    won = d_cust & (pf != NULL)
    unit = world.price_unit
    monthly = unit[world.plan_price(tier[d_acc], 0, ccy[d_acc])] * seats[d_acc]
    exp10 = np.where(ccy[d_acc] == 3, 1.0, 100.0)
    amount = np.round(monthly * 12 / exp10, 2)
    lost_t = created[d_acc] + rng.integers(10 * DAY, 90 * DAY, len(d_acc))
    closed = np.where(won, pf, np.where(lost_t < end, lost_t, NULL))
    # a sales-led trial that ended unpaid is lost at trial end
    stage = np.where(won, 1, np.where(closed != NULL, 2, 0))
    open_names = ("qualification", "proposal", "negotiation")
    open_stage = rng.integers(0, 3, len(d_acc))
    stage_name = np.where(stage == 0, open_stage, 2 + stage)  # 3 = closed_won, 4 = closed_lost
    # expansion deals for plan upgrades
    up = sim["up"]
    pu = np.nonzero(up["plan_up"].astype(bool))[0]
    e_cust = subs["cust"][up["sub"][pu]]
    e_closed = up["t"][pu]
    e_created = np.maximum(e_closed - rng.integers(3 * DAY, 20 * DAY, len(pu)), world.start_ts)
    e_amount = np.round(
        unit[world.plan_price(np.minimum(tier[e_cust] + 1, 2), 0, ccy[e_cust])]
        * seats[e_cust]
        * 12
        / np.where(ccy[e_cust] == 3, 1.0, 100.0)
        * 0.3,
        2,
    )
    labels = open_names + ("closed_won", "closed_lost")
    all_acc = np.concatenate([d_acc, e_cust])
    return {
        "deal_id": numeric_ids(
            20_000_000_000,
            np.concatenate(
                [
                    (np.int64(chunk) << 24) | (d_acc * 4),
                    (np.int64(chunk) << 24) | (np.arange(len(pu)) * 4 + 1 + (A * 4)),
                ]
            ),
        ),
        "company_id": take_col(comp_ids, all_acc, null=~has_company[all_acc]),
        "contact_id": primary_ids.take(pa.array(all_acc)),
        "deal_type": cat_col(("new_business", "expansion"), np.concatenate([np.zeros(len(d_acc)), np.ones(len(pu))])),
        "stage": cat_col(labels, np.concatenate([stage_name, np.full(len(pu), 3)])),
        "amount": float_col(np.concatenate([amount, e_amount])),
        "currency": cat_col(C.CURRENCIES, ccy[all_acc]),
        "created_at": ts_col(np.concatenate([created[d_acc], e_created])),
        "closed_at": ts_col(
            np.concatenate([np.maximum(closed, 0), e_closed]),
            null=np.concatenate([closed == NULL, np.zeros(len(pu), bool)]),
        ),
    }


def _company_names(rng, A):
    a = cat_col(NAME_A, rng.integers(0, len(NAME_A), A))
    b = cat_col(NAME_B, rng.integers(0, len(NAME_B), A))
    s = cat_col(NAME_SUFFIX, rng.integers(0, len(NAME_SUFFIX), A))
    base = pc.binary_join_element_wise(a, b, " ")
    return {"base": base, "full": pc.binary_join_element_wise(base, s, " ")}


def _emails(first_idx, last_idx, has_company, domain):
    n = len(first_idx)
    f = cat_col(FIRST, first_idx)
    l_ = cat_col(LAST, last_idx)
    at_dom = pc.binary_join_element_wise(pa.array(np.full(n, "@")), domain, "")
    dom = pc.if_else(pa.array(has_company), at_dom, pa.array(np.full(n, "@mailbox.example")))
    return pc.binary_join_element_wise(f, pa.array(np.full(n, ".")), l_, dom, "")


def _emails_events(rng, world, chunk, A, c_acc, c_j, c_t, form_id, email_cust, j_send, t0, c_ids):
    """Monthly newsletter events per subscribed contact, and the sessions clicks lead to."""
    end = world.end_ts
    sends = world.email_send_ts
    nC = len(c_acc)
    subscribed = (c_j == 0) & (form_id[c_acc] == FT["newsletter"])
    subscribed |= rng.random(nC) < C.EMAIL_SUBSCRIBED_SHARE
    first_j = np.searchsorted(sends, c_t, side="right")
    avail = np.where(subscribed, len(sends) - first_j, 0)
    forced = (c_j == 0) & email_cust[c_acc]
    fj = j_send[c_acc]
    life = rng.geometric(C.EMAIL_UNSUBSCRIBE, nC)
    life = np.where(forced, np.maximum(life, fj - first_j + 2), life)
    count = np.clip(np.minimum(avail, life), 0, None)
    unsub_here = life <= avail
    own, rank = expand(count)
    m = len(own)
    camp = first_j[own] + rank
    is_forced = forced[own] & (camp == fj[own])
    sent = sends[camp] + rng.integers(0, 1800, m)
    bounce = (rng.random(m) < C.EMAIL_BOUNCE) & ~is_forced
    delivered = ~bounce
    opened = delivered & ((rng.random(m) < C.EMAIL_OPEN) | is_forced)
    clicked = opened & ((rng.random(m) < C.EMAIL_CLICK_OF_OPEN) | is_forced)
    unsub = delivered & unsub_here[own] & (rank == count[own] - 1) & ~is_forced
    t_deliv = sent + rng.integers(1, 60, m)
    t_open = t_deliv + np.minimum(rng.exponential(6 * HOUR, m).astype(np.int64), 20 * DAY)
    t_click = t_open + rng.integers(10, 600, m)
    ft0 = t0[c_acc][own]
    t_click = np.where(is_forced, ft0 - 5, t_click)
    t_open = np.where(is_forced, np.minimum(t_open, ft0 - 65), t_open)
    t_open = np.maximum(t_open, t_deliv + 1)
    t_click = np.maximum(t_click, t_open + 1)
    t_unsub = np.where(opened, t_open, t_deliv) + rng.integers(30, 3600, m)
    t_bounce = sent + rng.integers(1, 60, m)
    ev_t = np.stack([sent, t_deliv, t_open, t_click, t_unsub, t_bounce], axis=1)
    ev_ok = np.stack([np.ones(m, bool), delivered, opened, clicked, unsub, bounce], axis=1)
    ev_ok &= ev_t < end
    row, ev = np.nonzero(ev_ok)
    ev_int = (np.int64(chunk) << 36) | (row.astype(np.int64) * 8 + ev)
    events = {
        "email_event_id": make_ids("ee_", ev_int, 41),
        "contact_id": c_ids.take(pa.array(own[row])),
        "campaign_id": world.email_campaign_ids.take(pa.array(camp[row])),
        "event_type": cat_col(("sent", "delivered", "open", "click", "unsubscribe", "bounce"), ev),
        "occurred_at": ts_col(ev_t[row, ev]),
    }
    # sessions from clicks (the forced first-touch clicks already have their session)
    ck = np.nonzero(clicked & ~is_forced & (t_click + 5 < end))[0]
    click_sessions = {
        "contact": own[ck],
        "acc": c_acc[own[ck]],
        "j": c_j[own[ck]],
        "row": ck,  # contact row
        "t": t_click[ck] + rng.integers(2, 30, len(ck)),
        "camp": camp[ck],
    }
    return events, click_sessions


def _anonymous_sessions(rng, world, variants: Variants, n_chunk):
    """Sessions of visitors never identified: paid clicks bought by the spend, and the rest."""
    frac = n_chunk / max(world.n_customers, 1)
    lam_paid = world.campaign_clicks * frac * 0.8
    counts = rng.poisson(lam_paid)
    d_idx, k_idx = np.nonzero(counts)
    rep = counts[d_idx, k_idx]
    day = np.repeat(d_idx, rep)
    variant = np.repeat(variants.campaign_variant[k_idx], rep)
    days, vars_ = [day], [variant]
    expected = n_chunk * world.signup_weights
    for name, per in C.ANON_SESSIONS_PER_SIGNUP.items():
        if per <= 0:
            continue
        cnt = rng.poisson(expected * per)
        dd = np.repeat(np.arange(world.n_days), cnt)
        days.append(dd)
        vars_.append(variants.draw(rng, name, len(dd)))
    day = np.concatenate(days)
    variant = np.concatenate(vars_)
    m = len(day)
    t = (world.day0 + day) * DAY + (np.mod(rng.normal(14.0, 4.5, m), 24.0) * HOUR).astype(np.int64)
    returning = rng.random(m) < 0.3
    visitor = np.where(returning, rng.integers(0, max(m, 1), m), np.arange(m))
    return {"t": t, "variant": variant, "visitor": visitor}


def _sessions_table(
    chunk,
    world,
    variants: Variants,
    t,
    variant,
    cookies,
    identified,
    primary_ids,
    own,
    clicks,
    anon,
    acc_cookie_a,
    c_ids,
    rng,
):
    # journey sessions
    n_j = len(t)
    n_c = len(clicks["t"])
    n_a = len(anon["t"])
    c_var = variants.email_variant0 + clicks["camp"]
    click_cookie = pc.if_else(
        pa.array(clicks["j"] == 0),
        acc_cookie_a.take(pa.array(clicks["acc"])),
        make_ids("a_", (np.int64(chunk) << 32) | ((1 << 30) + clicks["row"]), 23),
    )
    anon_cookie = make_ids("a_", (np.int64(chunk) << 32) | ((1 << 31) + anon["visitor"]), 23)
    tv = variants.take(np.concatenate([variant, c_var, anon["variant"]]))
    contact_j = pc.if_else(pa.array(identified), primary_ids.take(pa.array(own)), pa.nulls(n_j, pa.string()))
    contact_c = c_ids.take(pa.array(clicks["contact"]))
    total = n_j + n_c + n_a
    order = np.argsort(np.concatenate([t, clicks["t"], anon["t"]]), kind="stable")
    started = np.concatenate([t, clicks["t"], anon["t"]])
    cols = {
        "session_id": make_ids("sess_", (np.int64(chunk) << 36) | np.arange(total, dtype=np.int64), 43),
        "anonymous_id": pa.concat_arrays([cookies, click_cookie, anon_cookie]),
        "contact_id": pa.concat_arrays([contact_j, contact_c, pa.nulls(n_a, pa.string())]),
        "started_at": ts_col(started),
        **tv,
        "pageviews": int_col(1 + rng.geometric(0.35, total) - 1 + rng.integers(0, 2, total)),
    }
    idx = pa.array(order)
    return {k: v.take(idx) for k, v in cols.items()}


def _billing_tables(world, chunk, sim, cust_ids, comp_of_cust, signup, is_test, emails, names, country):
    subs, hist, inv, lines, refunds = sim["subs"], sim["hist"], sim["inv"], sim["lines"], sim["refunds"]
    base = np.int64(chunk) << 28
    S = len(subs["cust"])
    sub_ids = make_ids("sub_", base | np.arange(S), 3)
    n = len(signup)
    email = pc.if_else(pa.array(is_test), pa.array(np.full(n, "billing-test@ourcompany.example")), emails)
    out = {
        "billing_customers": {
            "customer_id": cust_ids,
            "company_id": comp_of_cust,
            "email": email,
            "name": names,
            "country": cat_col([c[0] for c in C.COUNTRIES], country),
            "created_at": ts_col(signup),
            "is_test": bool_col(is_test),
        }
    }
    nul = lambda a: a == NULL  # noqa: E731
    out["billing_subscriptions"] = {
        "subscription_id": sub_ids,
        "customer_id": cust_ids.take(pa.array(subs["cust"])),
        "created_at": ts_col(subs["created"]),
        "trial_start": ts_col(subs["trial_start"], null=nul(subs["trial_start"])),
        "trial_end": ts_col(subs["trial_end"], null=nul(subs["trial_end"])),
        "canceled_at": ts_col(subs["canceled"], null=nul(subs["canceled"])),
        "ended_at": ts_col(subs["ended"], null=nul(subs["ended"])),
        "cancellation_reason": cat_col(billing.REASONS, np.maximum(subs["reason"], 0), null=nul(subs["reason"])),
        "status": cat_col(billing.SUB_STATUS, subs["status"]),
    }
    item_ids = make_ids("si_", base | hist["item"], 5)
    out["billing_subscription_item_history"] = {
        "subscription_item_id": item_ids,
        "subscription_id": sub_ids.take(pa.array(hist["sub"])),
        "price_id": world.price_ids.take(pa.array(hist["price"])),
        "quantity": int_col(hist["qty"]),
        "discount_percent": float_col(np.nan_to_num(hist["pct"]), null=np.isnan(hist["pct"])),
        "discount_amount": int_col(hist["amt"], null=nul(hist["amt"]), big=True),
        "valid_from": ts_col(hist["vf"]),
        "valid_to": ts_col(hist["vt"], null=nul(hist["vt"])),
    }
    N = len(inv["sub"])
    inv_ids = make_ids("in_", base | np.arange(N), 7)
    out["billing_invoices"] = {
        "invoice_id": inv_ids,
        "customer_id": cust_ids.take(pa.array(inv["cust"])),
        "subscription_id": sub_ids.take(pa.array(inv["sub"])),
        "status": cat_col(billing.INVOICE_STATUS, inv["status"]),
        "currency": cat_col(C.CURRENCIES, inv["ccy"]),
        "created_at": ts_col(inv["created"]),
        "period_start": ts_col(inv["ps"]),
        "period_end": ts_col(inv["pe"]),
        "subtotal": int_col(inv["subtotal"], big=True),
        "discount": int_col(inv["discount"], big=True),
        "tax": int_col(inv["tax"], null=inv["tax_null"], big=True),
        "total": int_col(inv["total"], big=True),
        "amount_paid": int_col(inv["amount_paid"], big=True),
        "paid_at": ts_col(inv["paid_at"], null=nul(inv["paid_at"])),
    }
    nl = len(lines["inv"])
    out["billing_invoice_lines"] = {
        "invoice_line_id": make_ids("il_", (np.int64(chunk) << 32) | np.arange(nl), 9),
        "invoice_id": inv_ids.take(pa.array(lines["inv"])),
        "subscription_id": sub_ids.take(pa.array(inv["sub"][lines["inv"]])),
        "price_id": world.price_ids.take(pa.array(lines["price"])),
        "line_type": cat_col(billing.LINE_TYPES, lines["ltype"]),
        "quantity": int_col(lines["qty"]),
        "amount": int_col(lines["amount"], big=True),
        "discount_amount": int_col(lines["disc"], null=lines["disc"] == 0, big=True),
        "period_start": ts_col(lines["ps"], null=nul(lines["ps"])),
        "period_end": ts_col(lines["pe"], null=nul(lines["pe"])),
    }
    nr = len(refunds["inv"])
    out["billing_refunds"] = {
        "refund_id": make_ids("re_", base | np.arange(nr), 13),
        "invoice_id": inv_ids.take(pa.array(refunds["inv"])),
        "amount": int_col(refunds["amount"], big=True),
        "created_at": ts_col(refunds["created"]),
        "reason": cat_col(billing.REFUND_REASONS, refunds["reason"]),
    }
    return out


def _revenue_by_month(world, sim) -> np.ndarray:
    """Collected revenue (USD) per window month, for scaling operating expenses."""
    inv = sim["inv"]
    paid = inv["paid_at"] != NULL
    t = inv["paid_at"][paid]
    fx = world.fx_on(t)[np.arange(len(t)), inv["ccy"][paid]]
    exp = np.where(inv["ccy"][paid] == 3, 1.0, 100.0)
    usd = inv["amount_paid"][paid] / exp * fx
    m = (
        (t // DAY).astype("datetime64[D]").astype("datetime64[M]")
        - np.datetime64(world.start_ts // DAY, "D").astype("datetime64[M]")
    ).astype(np.int64)
    return np.bincount(m, weights=usd, minlength=world.months)[: world.months]
