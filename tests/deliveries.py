"""Deliveries cut from one generated company, for tests of incremental builds: everything up to
a cut-off day first, then two deliveries of the following days that also carry late-arriving rows
for earlier months and re-delivered rows (same primary key, changed values, some with a date in
another month), plus one row the loader rejects, and last a plain delivery of the final days,
which changes only the last month."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Tables delivered day by day, with the date that decides their delivery; the rest arrive whole
# in the first load. Invoice lines follow their invoice.
DATED = {
    "web_sessions": "started_at",
    "product_usage_daily": "usage_date",
    "crm_contacts": "created_at",
    "crm_lifecycle_stage_history": "entered_at",
    "billing_subscriptions": "created_at",
    "billing_subscription_item_history": "valid_from",
    "billing_invoices": "created_at",
    "crm_tickets": "created_at",
    "crm_nps_responses": "responded_at",
    "fx_rates": "rate_date",
    "crm_email_events": "occurred_at",
}
CUTOFFS = ("2023-05-20", "2023-05-26", "2023-05-29")
# Late rows, held back from the first load and delivered with the second: each table's in one
# month, so months that no change touches exist and a missed month would show.
LATE = {
    "web_sessions": "hash(session_id) % 20 = 0 and started_at >= '2023-04-01' and started_at < '2023-05-01'",
    "product_usage_daily": "hash(customer_id || usage_date::varchar) % 20 = 0 and month(usage_date) = 2",
    "crm_contacts": "hash(contact_id) % 20 = 0 and created_at >= timestamp '2023-05-01'",
    "crm_lifecycle_stage_history": "hash(contact_id || lifecycle_stage) % 10 = 0 and entered_at >= '2023-04-01'"
    " and entered_at < '2023-05-01'",
    "crm_tickets": "hash(ticket_id) % 3 = 0 and created_at >= '2023-03-01' and created_at < '2023-04-01'",
    "crm_nps_responses": "hash(response_id) % 2 = 0 and responded_at < '2023-04-01'",
    "fx_rates": "rate_date >= '2023-04-01' and rate_date < '2023-04-15'",
    "crm_email_events": "hash(email_event_id) % 10 = 0 and occurred_at >= '2023-02-01' and occurred_at < '2023-03-01'",
}
# models that rebuild the rows or months their domain's rule lists (sessions, contacts, usage)
DOMAIN_MODELS = ("fct_touchpoints", "int_contact_stages", "int_product_usage_monthly")
# models that rebuild every month from the earliest changed one (domain lineage)
LINEAGE_MODELS = (
    "int_funnel_visitors_monthly",
    "fct_product_usage_monthly",
    "int_customer_health_components",
    "fct_customer_health_monthly",
    "fct_customer_cost_to_serve_monthly",
    "int_revenue_transactions",
    "int_customer_months",
    "fct_customer_mrr_monthly",
    "fct_mrr_movements",
    "fct_email_engagement_monthly",
    "int_conversion_touches",
    "fct_attribution",
)
# lineage models that read the contact a session is stitched to: their first rebuilt month follows
# the earliest month fct_touchpoints re-stitched
STITCHED_LINEAGE_MODELS = ("int_conversion_touches", "fct_attribution")
INCREMENTAL_MODELS = DOMAIN_MODELS + LINEAGE_MODELS


def compiled_model(target: Path, name: str) -> str:
    """The SQL dbt compiled for a model into a target folder."""
    return next((target / "compiled").rglob(f"{name}.sql")).read_text()


def _src(data: Path, table: str) -> str:
    return f"read_parquet('{data / table}.parquet')"


def _write(con: duckdb.DuckDBPyConnection, folder: Path, table: str, sql: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy ({sql}) to '{folder / table}.parquet' (format parquet)")


def split_deliveries(data: Path, out: Path) -> list[Path]:
    """Four delivery folders cut from one generated company (see the module docstring)."""
    first, second, third, fourth = (out / f"delivery_{n}" for n in range(1, 5))
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    c1, c2, c3 = (f"timestamp '{c}'" for c in CUTOFFS)
    for path in sorted(data.glob("*.parquet")):
        table = path.stem
        src = _src(data, table)
        if table not in DATED and table != "billing_invoice_lines":
            _write(con, first, table, f"select * from {src}")
            continue
        if table == "billing_invoice_lines":
            when = f"(select i.created_at from {_src(data, 'billing_invoices')} as i where i.invoice_id = l.invoice_id)"
            src, alias = f"{src} as l", "l.*"
        else:
            when, alias = DATED[table], "*"
        late = LATE.get(table, "false")
        _write(con, first, table, f"select {alias} from {src} where {when} < {c1} and not ({late})")
        _write(
            con,
            second,
            table,
            f"select {alias} from {src} where ({when} >= {c1} and {when} < {c2}) or ({when} < {c1} and {late})",
        )
        _write(con, third, table, f"select {alias} from {src} where {when} >= {c2} and {when} < {c3}")
        _write(con, fourth, table, f"select {alias} from {src} where {when} >= {c3}")

    sessions = _src(data, "web_sessions")
    loaded_first = f"not ({LATE['web_sessions']})"
    # re-delivered sessions of March: changed tags and pageviews, half of them moved 35 days back
    # (another month), a quarter moved to another cookie; one session without its key is rejected
    march = f"started_at >= timestamp '2023-03-01' and started_at < timestamp '2023-04-01' and {loaded_first}"
    _append(
        con,
        second,
        "web_sessions",
        f"""
        select session_id,
               case when hash(session_id) % 4 = 0 then
                   (select min(anonymous_id) from {sessions}) else anonymous_id end as anonymous_id,
               contact_id,
               case when hash(session_id) % 2 = 0 then started_at - interval 35 day else started_at end as started_at,
               landing_page, referrer_domain, 'newsletter' as utm_source, 'email' as utm_medium,
               utm_campaign, pageviews + 1 as pageviews
        from {sessions} where {march} and hash(session_id) % 10 = 1
        union all
        select null, anonymous_id, contact_id, started_at, landing_page, referrer_domain, utm_source,
               utm_medium, utm_campaign, pageviews
        from (select * from {sessions} where {march} order by session_id limit 1)
        """,
    )
    usage = _src(data, "product_usage_daily")
    _append(
        con,
        second,
        "product_usage_daily",
        f"""select customer_id, usage_date, active_users + 3, sessions, events + 10, key_feature_uses
            from {usage} where usage_date between '2023-02-01' and '2023-02-28'
            and not ({LATE["product_usage_daily"]}) and hash(customer_id || usage_date::varchar) % 25 = 1""",
    )
    # Re-delivered contacts that had no session of their own, now another company's and identified as
    # a cookie seen only anonymously and only in January: their January sessions get stitched.
    contacts = _src(data, "crm_contacts")
    _append(
        con,
        second,
        "crm_contacts",
        f"""
        with january_cookies as (
            select anonymous_id, row_number() over (order by anonymous_id) as n from {sessions}
            group by anonymous_id
            having max(started_at) < timestamp '2023-02-01' and count(contact_id) = 0
        ),
        quiet_contacts as (
            select *, row_number() over (order by contact_id) as n from {contacts}
            where created_at < timestamp '2023-02-01' and anonymous_id is null
                and contact_id not in (select contact_id from {sessions} where contact_id is not null)
        )
        select q.contact_id, (select min(company_id) from {_src(data, "crm_companies")}) as company_id,
               q.email, j.anonymous_id, q.created_at, q.original_source
        from quiet_contacts as q inner join january_cookies as j on q.n = j.n
        where q.n <= 5
        """,
    )
    # third delivery, re-delivered rows: sessions of the second moved a month back; contacts of March
    # created 40 days earlier (their contact stage moves to another month); March invoices paid 70
    # days late (past due at the April month-end); subscriptions created before March canceled in April
    april_10 = "timestamp '2023-04-10 12:00:00+00'"
    for table, replaced, where in (
        (
            "web_sessions",
            "started_at - interval 31 day as started_at, pageviews + 2 as pageviews",
            f"started_at >= timestamp '{CUTOFFS[0]}' and started_at < timestamp '{CUTOFFS[1]}'"
            " and hash(session_id) % 9 = 2",
        ),
        (
            "crm_contacts",
            "created_at - interval 40 day as created_at",
            "created_at >= timestamp '2023-03-01' and created_at < timestamp '2023-04-01'"
            " and hash(contact_id) % 15 = 3",
        ),
        (
            "billing_invoices",
            "created_at + interval 70 day as paid_at",
            "status = 'paid' and created_at >= timestamp '2023-03-01' and created_at < timestamp '2023-04-01'"
            " and hash(invoice_id) % 3 = 0",
        ),
        (
            "billing_subscriptions",
            f"{april_10} as canceled_at, {april_10} as ended_at, 'too_expensive' as cancellation_reason,"
            " 'canceled' as status",
            "status = 'active' and created_at < timestamp '2023-03-01' and hash(subscription_id) % 8 = 1",
        ),
    ):
        _append(con, third, table, f"select * replace ({replaced}) from {_src(data, table)} where {where}")
    # a corrected EUR rate of the last day of March: March's rate, and the months from March on
    fx = _src(data, "fx_rates")
    _append(
        con,
        third,
        "fx_rates",
        f"select * replace (usd_per_unit * 1.01 as usd_per_unit) from {fx} "
        "where currency = 'EUR' and rate_date = date '2023-03-31'",
    )
    # some customers turn out to be test accounts (their usage leaves every month)
    customers = _src(data, "billing_customers")
    _write(
        con,
        third,
        "billing_customers",
        f"select * replace (true as is_test) from {customers} where hash(customer_id) % 40 = 1",
    )
    con.close()
    return [first, second, third, fourth]


def _append(con: duckdb.DuckDBPyConnection, folder: Path, table: str, sql: str) -> None:
    path = folder / f"{table}.parquet"
    existing = f"select * from read_parquet('{path}')"
    combined = f"{existing} union all ({sql})" if path.exists() else sql
    con.execute(f"create or replace temp table _combined as {combined}")
    con.execute(f"copy _combined to '{path}' (format parquet)")
