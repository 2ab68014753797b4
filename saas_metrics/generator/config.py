"""Named rates and shapes of the simulated company.

Every behavioural knob of the generator lives here so that the documentation
(docs/generator.md) and the tests can refer to one place. Monthly rates are
probabilities per calendar month unless stated otherwise.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- size and batching
#: Billing customers simulated (and written) per chunk; bounds peak memory.
CHUNK_CUSTOMERS = 50_000

#: Companies that talk to sales or marketing but never sign up, per signed-up customer.
LEAD_COMPANIES_PER_CUSTOMER = 1.2
#: Share of those leads that are individuals without a company (newsletter readers).
LEADS_WITHOUT_COMPANY = 0.2

#: Customer acquisition grows exponentially: the signup rate in the last month is this
#: multiple of the rate in the first month.
SIGNUP_GROWTH_OVER_WINDOW = 3.0
#: Weekend days get this fraction of a weekday's signups and sessions.
WEEKEND_FACTOR = 0.4

# --------------------------------------------------------------------------- acquisition channels
CHANNELS = (
    "paid_search",
    "paid_social",
    "organic_search",
    "organic_social",
    "email",
    "referral",
    "partner",
    "direct",
)
#: First-touch channel mix of signed-up customers.
CHANNEL_MIX = {
    "paid_search": 0.22,
    "paid_social": 0.12,
    "organic_search": 0.22,
    "organic_social": 0.05,
    "email": 0.08,
    "referral": 0.08,
    "partner": 0.07,
    "direct": 0.16,
}
#: First-touch channel mix of lead companies that never sign up.
LEAD_CHANNEL_MIX = {
    "paid_search": 0.24,
    "paid_social": 0.22,
    "organic_search": 0.22,
    "organic_social": 0.08,
    "email": 0.04,
    "referral": 0.06,
    "partner": 0.03,
    "direct": 0.11,
}
#: Multiplier on the trial-to-paid probability by first-touch channel.
CHANNEL_TRIAL_CONVERSION = {
    "paid_search": 0.95,
    "paid_social": 0.70,
    "organic_search": 1.00,
    "organic_social": 0.90,
    "email": 1.10,
    "referral": 1.20,
    "partner": 1.25,
    "direct": 1.05,
}
#: Multiplier on the monthly churn hazard by first-touch channel (drives LTV by channel).
CHANNEL_CHURN = {
    "paid_search": 1.10,
    "paid_social": 1.45,
    "organic_search": 0.90,
    "organic_social": 1.10,
    "email": 0.85,
    "referral": 0.75,
    "partner": 0.65,
    "direct": 0.90,
}
#: Plan tier mix (starter, growth, enterprise) by first-touch channel.
CHANNEL_TIER_MIX = {
    "paid_search": (0.55, 0.36, 0.09),
    "paid_social": (0.72, 0.24, 0.04),
    "organic_search": (0.55, 0.36, 0.09),
    "organic_social": (0.65, 0.30, 0.05),
    "email": (0.50, 0.40, 0.10),
    "referral": (0.45, 0.40, 0.15),
    "partner": (0.30, 0.45, 0.25),
    "direct": (0.50, 0.38, 0.12),
}
#: Anonymous (never identified) website sessions per signed-up customer, by channel, on
#: top of the paid clicks that ad spend buys.
ANON_SESSIONS_PER_SIGNUP = {
    "organic_search": 10.0,
    "organic_social": 2.5,
    "email": 0.0,
    "referral": 2.5,
    "partner": 1.0,
    "direct": 5.0,
}
#: Paid clicks bought per paid signup and cost per click are set per campaign in
#: world.CAMPAIGNS (they set CAC by campaign and channel).
#: Mean days between a converting company's first touch and its signup, by channel.
CHANNEL_LAG_DAYS = {
    "paid_search": 12.0,
    "paid_social": 20.0,
    "organic_search": 18.0,
    "organic_social": 22.0,
    "email": 10.0,
    "referral": 15.0,
    "partner": 25.0,
    "direct": 14.0,
}
#: Sessions before signup besides the first touch (Poisson mean).
EXTRA_TOUCHES_MEAN = 2.0
#: Share of identified visitors who use a second device (cookie) before signing up.
SECOND_COOKIE_SHARE = 0.25
#: Share of contacts identified before the signup session (content download, newsletter).
EARLY_IDENTIFICATION_SHARE = 0.4

# --------------------------------------------------------------------------- plans and billing
TIERS = ("starter", "growth", "enterprise")
CURRENCIES = ("USD", "EUR", "GBP", "JPY")
CURRENCY_EXPONENT = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
#: Monthly list price per seat in major units, by currency and tier.
SEAT_PRICE_MONTHLY = {
    "USD": (15, 39, 79),
    "EUR": (14, 36, 72),
    "GBP": (12, 31, 63),
    "JPY": (2200, 5800, 11800),
}
#: Quarterly and annual prices are this fraction of 3 or 12 monthly prices.
QUARTERLY_FACTOR = 0.95
ANNUAL_FACTOR = 0.80
#: Add-ons: (name, monthly USD price per unit, max units); other currencies scale by PRICE_FX.
ADDONS = (("sso", 99, 1), ("priority_support", 199, 1), ("extra_storage", 25, 5))
#: Share of new subscriptions that take an add-on, by tier.
ADDON_SHARE = (0.05, 0.15, 0.45)
#: One-off onboarding fee (major units) charged on an enterprise subscription's first invoice.
SETUP_FEE = {"USD": 1500, "EUR": 1400, "GBP": 1200, "JPY": 220000}
SETUP_FEE_SHARE = 0.7
#: Multipliers from USD list prices to the other currencies' add-on prices.
PRICE_FX = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 148.0}

#: Billing interval mix (monthly, quarterly, annual) by tier.
INTERVAL_MIX = ((0.80, 0.05, 0.15), (0.60, 0.10, 0.30), (0.25, 0.15, 0.60))
#: Sales-led (demo, deal) share of new customers by tier; the rest sign up self-serve.
SALES_LED_SHARE = (0.05, 0.35, 0.90)
#: Share of self-serve signups that start with a trial, and of sales-led ones.
TRIAL_SHARE_SELF_SERVE = 0.85
TRIAL_SHARE_SALES_LED = 0.15
TRIAL_DAYS = 14
#: Base trial-to-paid probability (before channel and engagement effects).
TRIAL_CONVERSION_BASE = 0.55
#: Introductory offer: share of new monthly subscriptions with DISCOUNT_INTRO_PERCENT off
#: for the first DISCOUNT_INTRO_MONTHS months.
DISCOUNT_INTRO_SHARE = 0.25
DISCOUNT_INTRO_PERCENT = 20.0
DISCOUNT_INTRO_MONTHS = 3
#: Share of subscriptions with a negotiated fixed amount off per interval for 12 months.
DISCOUNT_AMOUNT_SHARE = 0.05
DISCOUNT_AMOUNT_FRACTION = 0.10
DISCOUNT_AMOUNT_MONTHS = 12

#: Target monthly logo churn of paying customers (the calibrated base hazard).
MONTHLY_LOGO_CHURN = 0.025
#: Hazard multipliers by tier and for the first three paid months.
TIER_CHURN = (1.25, 0.85, 0.45)
EARLY_TENURE_CHURN = 1.5
#: Annual and quarterly subscriptions decide less often to leave.
LONG_INTERVAL_CHURN = 0.6
#: Engagement sensitivity of churn: hazard multiplier exp(-ENGAGEMENT_CHURN_BETA * e),
#: e ~ N(0, 1) the customer's latent engagement (which also drives product usage).
ENGAGEMENT_CHURN_BETA = 0.7
#: How churn happens: at period end, immediately, or after failed payments (involuntary).
CHURN_MODE_SHARE = (0.65, 0.15, 0.20)
CANCELLATION_REASONS = (
    "too_expensive",
    "competitor",
    "missing_feature",
    "no_longer_needed",
    "bankrupt",
    "other",
)
CANCELLATION_REASON_MIX = (0.28, 0.22, 0.18, 0.18, 0.05, 0.09)
#: Days of dunning before a failed invoice becomes uncollectible and service ends.
DUNNING_DAYS = 21
#: Share of immediate cancellations refunded for the unused part of the period.
IMMEDIATE_REFUND_SHARE = 0.5
#: Share of paid invoices refunded for other reasons (duplicate, fraud, goodwill).
RANDOM_REFUND_SHARE = 0.004
#: Share of invoices issued twice by mistake: the extra copy is voided.
VOID_DUPLICATE_SHARE = 0.003
#: Share of invoices whose first payment attempt fails but that get paid after retries.
LATE_PAYMENT_SHARE = 0.04

#: Monthly probabilities of expansion (seats up or plan up, prorated at once) and of a
#: contraction (seats down or plan down, effective at the next renewal).
MONTHLY_EXPANSION = 0.035
MONTHLY_CONTRACTION = 0.012
PLAN_UPGRADE_SHARE_OF_EXPANSION = 0.15
#: Churned customers who come back later with a new subscription, and the gap in days.
REACTIVATION_SHARE = 0.10
REACTIVATION_GAP_DAYS = (30, 270)

#: Share of billing customers that are internal test accounts (is_test = true).
TEST_CUSTOMER_SHARE = 0.01

# --------------------------------------------------------------------------- countries
#: (country, currency, share of customers, tax rate on invoices)
COUNTRIES = (
    ("US", "USD", 0.44, 0.0),
    ("CA", "USD", 0.05, 0.05),
    ("AU", "USD", 0.04, 0.10),
    ("IN", "USD", 0.03, 0.0),
    ("BR", "USD", 0.02, 0.0),
    ("GB", "GBP", 0.11, 0.20),
    ("DE", "EUR", 0.08, 0.19),
    ("FR", "EUR", 0.06, 0.20),
    ("NL", "EUR", 0.03, 0.21),
    ("ES", "EUR", 0.03, 0.21),
    ("IT", "EUR", 0.03, 0.22),
    ("JP", "JPY", 0.08, 0.10),
)

# --------------------------------------------------------------------------- product and success
#: Days before a voluntary cancellation request over which usage declines, and the share of
#: usage left on the request day.
PRECHURN_DECLINE_DAYS = 90
PRECHURN_USAGE_FLOOR = 0.25
#: Regular tickets per paying customer-month (bug, how_to, billing), before seat scaling.
MONTHLY_TICKETS = 0.25
#: Risk tickets (discount_request, competitor_mention, cancellation_request): Poisson mean in
#: the 60 days before a voluntary churn request, and the background monthly rate otherwise.
PRECHURN_RISK_TICKETS = 1.6
BACKGROUND_RISK_TICKETS = 0.02
#: NPS survey every 6 months of tenure; response rate; score drop before churn.
NPS_RESPONSE_RATE = 0.35
NPS_PRECHURN_DROP = 3.0
#: Marketing emails: share of contacts subscribed, per-send rates.
EMAIL_SUBSCRIBED_SHARE = 0.15
EMAIL_BOUNCE = 0.04
EMAIL_OPEN = 0.30
EMAIL_CLICK_OF_OPEN = 0.12
EMAIL_UNSUBSCRIBE = 0.006

# --------------------------------------------------------------------------- demos
DEMO_TYPES = ("live", "on_demand_video", "webinar")
#: Demo type mix of companies that go on to buy, and of those that do not: live demos
#: convert best, webinars worst.
DEMO_TYPE_MIX_CONVERTING = (0.65, 0.20, 0.15)
DEMO_TYPE_MIX_LEADS = (0.35, 0.30, 0.35)
#: Share of requested demos never attended (held_at null), by type.
DEMO_NO_SHOW = (0.12, 0.25, 0.45)
#: Share of lead contacts reaching each stage after lead: mql, sql, opportunity.
LEAD_STAGE_REACH = (0.45, 0.45, 0.55)
#: Share of lead companies that request a demo.
LEAD_DEMO_SHARE = 0.12

# --------------------------------------------------------------------------- fx and costs
#: Random-walk start levels (USD per unit) and daily volatility of fx_rates.
FX_START = {"EUR": 1.08, "GBP": 1.27, "JPY": 0.0068}
FX_DAILY_VOL = 0.004
#: Cost of service as a share of revenue (support, customer success, infrastructure),
#: which sets gross margin near 1 - this.
COST_OF_SERVICE_SHARE = 0.22
