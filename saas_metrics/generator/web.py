"""Web-session tag variants: what a session from each channel looks like.

A *variant* is one combination of landing page, referrer and UTM tags. Sessions pick a
variant by channel (and, for paid and e-mail sessions, by campaign), so every tag value
comes from one small table and is consistent with the ad spend and e-mail campaigns.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .world import CAMPAIGNS, PLATFORM_REFERRER, World

SITE = "https://www.example.com"

SEARCH_REFERRERS = (
    ("www.google.com", 0.62),
    ("www.google.co.uk", 0.06),
    ("www.google.de", 0.05),
    ("www.bing.com", 0.10),
    ("duckduckgo.com", 0.08),
    ("search.yahoo.com", 0.03),
    ("www.ecosia.org", 0.03),
    ("www.google.co.jp", 0.03),
)
SOCIAL_REFERRERS = (
    ("l.facebook.com", 0.25),
    ("t.co", 0.2),
    ("www.linkedin.com", 0.35),
    ("www.reddit.com", 0.1),
    ("m.youtube.com", 0.1),
)
REFERRAL_DOMAINS = (
    ("www.g2.com", 0.3),
    ("www.capterra.com", 0.2),
    ("news.ycombinator.com", 0.1),
    ("medium.com", 0.15),
    ("www.producthunt.com", 0.1),
    ("zapier.com", 0.1),
    ("stackoverflow.com", 0.05),
)
PARTNERS = (
    ("northwind-consulting", "partner", "partner_program", "northwindconsulting.com", 0.45),
    ("saasguide", "affiliate", "affiliate_program", "saasguide.io", 0.35),
    ("clearpath-agency", "partner", "partner_program", "clearpath.agency", 0.2),
)
ORGANIC_PAGES = (
    ("/", 0.3),
    ("/blog/saas-metrics-guide", 0.2),
    ("/blog/churn-benchmarks", 0.15),
    ("/product", 0.15),
    ("/pricing", 0.1),
    ("/integrations", 0.1),
)
DIRECT_PAGES = (("/", 0.5), ("/login", 0.2), ("/pricing", 0.2), ("/docs", 0.1))

FORM_PAGES = {
    "trial_signup": "/signup",
    "demo_request": "/demo",
    "contact_sales": "/contact-sales",
    "content_download": "/resources/saas-metrics-ebook",
    "newsletter": "/blog/subscribe",
    "other": "/checkout",
}
FORM_TYPES = ("trial_signup", "demo_request", "contact_sales", "content_download", "newsletter", "other")


class Variants:
    """Table of session variants and, per channel, which variants it draws from."""

    def __init__(self, world: World):
        rows = []  # (landing, referrer, source, medium, campaign)
        self.by_channel: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        def add(channel, items):
            idx, w = [], []
            for row, weight in items:
                idx.append(len(rows))
                rows.append(row)
                w.append(weight)
            w = np.array(w, float)
            self.by_channel[channel] = (np.array(idx), w / w.sum())

        add(
            "organic_search",
            [((p, r, None, None, None), wr * wp) for r, wr in SEARCH_REFERRERS for p, wp in ORGANIC_PAGES],
        )
        add(
            "organic_social",
            [((p, r, None, None, None), wr * wp) for r, wr in SOCIAL_REFERRERS for p, wp in ORGANIC_PAGES],
        )
        add("referral", [(("/", r, None, None, None), w) for r, w in REFERRAL_DOMAINS])
        add("partner", [(("/partners/welcome", d, s, m, c), w) for s, m, c, d, w in PARTNERS])
        add("direct", [((p, None, None, None, None), w) for p, w in DIRECT_PAGES])
        self.campaign_variant = np.zeros(len(CAMPAIGNS), np.int64)
        for k, camp in enumerate(CAMPAIGNS):
            self.campaign_variant[k] = len(rows)
            rows.append((camp[14], PLATFORM_REFERRER[camp[1]], camp[4], camp[5], camp[6]))
        self.email_variant0 = len(rows)
        for utm in world.email_utm.to_pylist():
            rows.append(("/whats-new", None, "newsletter", "email", utm))
        self.rows = rows
        self.columns = [pa.array([r[i] for r in rows], pa.string()) for i in range(5)]

    def draw(self, rng, channel: str, n: int) -> np.ndarray:
        idx, w = self.by_channel[channel]
        c = np.cumsum(w)
        c[-1] = 1.0
        return idx[np.searchsorted(c, rng.random(n), side="right")]

    def take(self, variant: np.ndarray) -> dict:
        i = pa.array(np.asarray(variant, np.int64))
        names = ("landing_page", "referrer_domain", "utm_source", "utm_medium", "utm_campaign")
        return {nm: self.columns[j].take(i) for j, nm in enumerate(names)}


def pick_campaign(rng, world: World, channel: str, day: np.ndarray) -> np.ndarray:
    """Campaign index for paid sessions of one channel, in proportion to that day's clicks."""
    cols = np.array([k for k, c in enumerate(CAMPAIGNS) if c[2] == channel])
    d = np.clip(day, 0, world.n_days - 1)
    w = world.campaign_clicks[d][:, cols] + 1e-9
    c = np.cumsum(w, axis=1)
    u = rng.random(len(d))[:, None] * c[:, -1:]
    j = np.minimum((c <= u).sum(axis=1), len(cols) - 1)
    return cols[j]
