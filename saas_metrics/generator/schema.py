"""The raw landing contract (version 1) as the generator writes it.

One entry per table: its columns in contract order as (name, contract type, nullable), and
its primary key. Contract types map to Arrow types for Parquet output.
"""

from __future__ import annotations

import pyarrow as pa

ARROW_TYPES = {
    "varchar": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
}

V, TS, D, INT, BI, F, B = "varchar", "timestamp", "date", "integer", "bigint", "double", "boolean"

TABLES: dict[str, dict] = {
    "billing_customers": {
        "pk": ["customer_id"],
        "columns": [
            ("customer_id", V, False),
            ("company_id", V, True),
            ("email", V, True),
            ("name", V, True),
            ("country", V, True),
            ("created_at", TS, False),
            ("is_test", B, True),
        ],
    },
    "billing_prices": {
        "pk": ["price_id"],
        "columns": [
            ("price_id", V, False),
            ("product_id", V, False),
            ("product_name", V, True),
            ("plan_tier", V, True),
            ("currency", V, False),
            ("unit_amount", BI, False),
            ("billing_interval", V, False),
            ("interval_count", INT, False),
            ("is_recurring", B, False),
        ],
    },
    "billing_subscriptions": {
        "pk": ["subscription_id"],
        "columns": [
            ("subscription_id", V, False),
            ("customer_id", V, False),
            ("created_at", TS, False),
            ("trial_start", TS, True),
            ("trial_end", TS, True),
            ("canceled_at", TS, True),
            ("ended_at", TS, True),
            ("cancellation_reason", V, True),
            ("status", V, True),
        ],
    },
    "billing_subscription_item_history": {
        "pk": ["subscription_item_id", "valid_from"],
        "columns": [
            ("subscription_item_id", V, False),
            ("subscription_id", V, False),
            ("price_id", V, False),
            ("quantity", INT, False),
            ("discount_percent", F, True),
            ("discount_amount", BI, True),
            ("valid_from", TS, False),
            ("valid_to", TS, True),
        ],
    },
    "billing_invoices": {
        "pk": ["invoice_id"],
        "columns": [
            ("invoice_id", V, False),
            ("customer_id", V, False),
            ("subscription_id", V, True),
            ("status", V, False),
            ("currency", V, False),
            ("created_at", TS, False),
            ("period_start", TS, True),
            ("period_end", TS, True),
            ("subtotal", BI, False),
            ("discount", BI, True),
            ("tax", BI, True),
            ("total", BI, False),
            ("amount_paid", BI, False),
            ("paid_at", TS, True),
        ],
    },
    "billing_invoice_lines": {
        "pk": ["invoice_line_id"],
        "columns": [
            ("invoice_line_id", V, False),
            ("invoice_id", V, False),
            ("subscription_id", V, True),
            ("price_id", V, True),
            ("line_type", V, False),
            ("quantity", INT, True),
            ("amount", BI, False),
            ("discount_amount", BI, True),
            ("period_start", TS, True),
            ("period_end", TS, True),
        ],
    },
    "billing_refunds": {
        "pk": ["refund_id"],
        "columns": [
            ("refund_id", V, False),
            ("invoice_id", V, False),
            ("amount", BI, False),
            ("created_at", TS, False),
            ("reason", V, True),
        ],
    },
    "fx_rates": {
        "pk": ["rate_date", "currency"],
        "columns": [("rate_date", D, False), ("currency", V, False), ("usd_per_unit", F, False)],
    },
    "crm_companies": {
        "pk": ["company_id"],
        "columns": [
            ("company_id", V, False),
            ("name", V, True),
            ("domain", V, True),
            ("industry", V, True),
            ("employee_count", INT, True),
            ("country", V, True),
            ("created_at", TS, False),
        ],
    },
    "crm_contacts": {
        "pk": ["contact_id"],
        "columns": [
            ("contact_id", V, False),
            ("company_id", V, True),
            ("email", V, True),
            ("anonymous_id", V, True),
            ("created_at", TS, False),
            ("original_source", V, True),
        ],
    },
    "crm_lifecycle_stage_history": {
        "pk": ["contact_id", "lifecycle_stage", "entered_at"],
        "columns": [("contact_id", V, False), ("lifecycle_stage", V, False), ("entered_at", TS, False)],
    },
    "crm_deals": {
        "pk": ["deal_id"],
        "columns": [
            ("deal_id", V, False),
            ("company_id", V, True),
            ("contact_id", V, True),
            ("deal_type", V, True),
            ("stage", V, False),
            ("amount", F, True),
            ("currency", V, True),
            ("created_at", TS, False),
            ("closed_at", TS, True),
        ],
    },
    "crm_form_submissions": {
        "pk": ["submission_id"],
        "columns": [
            ("submission_id", V, False),
            ("contact_id", V, True),
            ("anonymous_id", V, True),
            ("form_type", V, False),
            ("submitted_at", TS, False),
            ("page_url", V, True),
        ],
    },
    "crm_demos": {
        "pk": ["demo_id"],
        "columns": [
            ("demo_id", V, False),
            ("contact_id", V, False),
            ("demo_type", V, False),
            ("requested_at", TS, False),
            ("held_at", TS, True),
        ],
    },
    "crm_email_events": {
        "pk": ["email_event_id"],
        "columns": [
            ("email_event_id", V, False),
            ("contact_id", V, False),
            ("campaign_id", V, True),
            ("event_type", V, False),
            ("occurred_at", TS, False),
        ],
    },
    "crm_tickets": {
        "pk": ["ticket_id"],
        "columns": [
            ("ticket_id", V, False),
            ("company_id", V, True),
            ("contact_id", V, True),
            ("category", V, True),
            ("priority", V, True),
            ("created_at", TS, False),
            ("closed_at", TS, True),
        ],
    },
    "crm_nps_responses": {
        "pk": ["response_id"],
        "columns": [
            ("response_id", V, False),
            ("contact_id", V, True),
            ("company_id", V, True),
            ("score", INT, False),
            ("responded_at", TS, False),
            ("comment", V, True),
        ],
    },
    "web_sessions": {
        "pk": ["session_id"],
        "columns": [
            ("session_id", V, False),
            ("anonymous_id", V, False),
            ("contact_id", V, True),
            ("started_at", TS, False),
            ("landing_page", V, True),
            ("referrer_domain", V, True),
            ("utm_source", V, True),
            ("utm_medium", V, True),
            ("utm_campaign", V, True),
            ("pageviews", INT, True),
        ],
    },
    "product_usage_daily": {
        "pk": ["customer_id", "usage_date"],
        "columns": [
            ("customer_id", V, False),
            ("usage_date", D, False),
            ("active_users", INT, False),
            ("sessions", INT, True),
            ("events", BI, True),
            ("key_feature_uses", INT, True),
        ],
    },
    "marketing_ad_spend": {
        "pk": ["spend_date", "platform", "campaign_id"],
        "columns": [
            ("spend_date", D, False),
            ("platform", V, False),
            ("campaign_id", V, False),
            ("campaign_name", V, True),
            ("utm_source", V, True),
            ("utm_medium", V, True),
            ("utm_campaign", V, True),
            ("currency", V, False),
            ("spend", F, False),
            ("impressions", BI, True),
            ("clicks", BI, True),
        ],
    },
    "operating_expenses": {
        "pk": ["expense_month", "department", "category"],
        "columns": [
            ("expense_month", D, False),
            ("department", V, False),
            ("category", V, False),
            ("currency", V, False),
            ("amount", F, False),
        ],
    },
}


def arrow_schema(table: str, string_columns: frozenset[str] = frozenset()) -> pa.Schema:
    """Arrow schema of a table; columns named in string_columns are written as strings."""
    fields = []
    for name, ctype, _nullable in TABLES[table]["columns"]:
        typ = pa.string() if name in string_columns else ARROW_TYPES[ctype]
        fields.append(pa.field(name, typ, nullable=True))
    return pa.schema(fields)
