"""The data-quality gate: every expectation kind caught with a useful message, clean data passes,
warnings never raise, results land in the audit tables, mart row-count drops are caught.

Small warehouses are built by hand with DuckDB SQL (no dbt). Great Expectations is slow to start and
to evaluate, so each warehouse is validated once per module and the tests read that one outcome.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from saas_metrics.contract import load_contract
from saas_metrics.loader import ensure_raw_schema
from saas_metrics.quality import QualityError, ValidationReport, validate

AS_OF = date(2024, 3, 31)  # the clean data's latest billing record is 2024-03-01: fresh

# ----------------------------------------------------------------------------------------- raw data

CLEAN_RAW = {
    "billing_customers": [
        {"customer_id": "cus_1", "company_id": "co_1", "created_at": "2024-01-01", "is_test": False},
        {"customer_id": "cus_2", "company_id": "co_1", "created_at": "2024-01-20", "is_test": None},
    ],
    "billing_prices": [
        {
            "price_id": "price_m",
            "product_id": "prod_a",
            "plan_tier": "starter",
            "currency": "USD",
            "unit_amount": 1000,
            "billing_interval": "month",
            "interval_count": 1,
            "is_recurring": True,
        },
        {
            "price_id": "price_y",
            "product_id": "prod_a",
            "currency": "eur",  # any case: the models upper-case currency codes
            "unit_amount": 12000,
            "billing_interval": "year",
            "interval_count": 1,
            "is_recurring": True,
        },
    ],
    "billing_subscriptions": [
        {"subscription_id": "sub_1", "customer_id": "cus_1", "created_at": "2024-01-01"},
        {
            "subscription_id": "sub_2",
            "customer_id": "cus_2",
            "created_at": "2024-02-01",
            "ended_at": "2024-03-01",
        },
    ],
    "billing_subscription_item_history": [
        {
            "subscription_item_id": "si_1",
            "subscription_id": "sub_1",
            "price_id": "price_m",
            "quantity": 1,
            "valid_from": "2024-01-01",
            "valid_to": "2024-02-01",
        },
        {
            "subscription_item_id": "si_1",
            "subscription_id": "sub_1",
            "price_id": "price_m",
            "quantity": 2,
            "discount_percent": 100.0,
            "valid_from": "2024-02-01",
        },
        {
            "subscription_item_id": "si_2",
            "subscription_id": "sub_2",
            "price_id": "price_y",
            "quantity": 0,
            "discount_percent": 0.0,
            "valid_from": "2024-02-01",
            "valid_to": "2024-03-01",
        },
    ],
    "billing_invoices": [
        {
            "invoice_id": "inv_1",
            "customer_id": "cus_1",
            "subscription_id": "sub_1",
            "status": "paid",
            "currency": "USD",
            "created_at": "2024-01-01",
            "subtotal": 1000,
            "total": 1000,
            "amount_paid": 1000,
        },
        {
            "invoice_id": "inv_2",
            "customer_id": "cus_2",
            "status": "Open",
            "currency": "EUR",
            "created_at": "2024-03-01",
            "subtotal": 500,
            "total": 500,
            "amount_paid": 0,
        },
    ],
    "billing_invoice_lines": [
        {
            "invoice_line_id": "line_1",
            "invoice_id": "inv_1",
            "line_type": "subscription",
            "quantity": 1,
            "amount": 1000,
        },
        {"invoice_line_id": "line_2", "invoice_id": "inv_2", "line_type": "proration", "amount": -500},
    ],
    "billing_refunds": [{"refund_id": "ref_1", "invoice_id": "inv_1", "amount": 100, "created_at": "2024-01-15"}],
    "fx_rates": [
        {"rate_date": "2024-01-01", "currency": "EUR", "usd_per_unit": 1.1},
        {"rate_date": "2024-02-01", "currency": "EUR", "usd_per_unit": 1.08},
        {"rate_date": "2024-03-01", "currency": "EUR", "usd_per_unit": 1.09},
    ],
    "crm_companies": [{"company_id": "co_1", "domain": "acme.test", "created_at": "2023-12-01"}],
    "crm_contacts": [
        {"contact_id": "ct_1", "company_id": "co_1", "created_at": "2023-12-01"},
        {"contact_id": "ct_2", "company_id": "co_1", "created_at": "2024-03-15"},
    ],
    "crm_lifecycle_stage_history": [
        {"contact_id": "ct_1", "lifecycle_stage": "lead", "entered_at": "2023-12-01"},
        {"contact_id": "ct_1", "lifecycle_stage": "MQL", "entered_at": "2023-12-05"},
    ],
    "crm_deals": [
        {"deal_id": "deal_1", "stage": "closed_won", "currency": "USD", "created_at": "2023-12-10"},
        {"deal_id": "deal_2", "stage": "discovery_call", "created_at": "2024-01-10"},
    ],
    "crm_form_submissions": [{"submission_id": "fs_1", "form_type": "demo_request", "submitted_at": "2023-12-02"}],
    "crm_demos": [{"demo_id": "demo_1", "contact_id": "ct_1", "demo_type": "live", "requested_at": "2023-12-03"}],
    "crm_email_events": [
        {"email_event_id": "em_1", "contact_id": "ct_1", "event_type": "open", "occurred_at": "2023-12-04"}
    ],
    "crm_tickets": [{"ticket_id": "tk_1", "priority": "urgent", "created_at": "2024-02-10"}],
    "crm_nps_responses": [
        {"response_id": "nps_1", "score": 10, "responded_at": "2024-02-01"},
        {"response_id": "nps_2", "score": 0, "responded_at": "2024-02-02"},
    ],
    # the daily exports' latest records lie within 31 days of AS_OF (fresh)
    "web_sessions": [
        {"session_id": "ws_1", "anonymous_id": "anon_1", "started_at": "2023-11-30", "pageviews": 3},
        {"session_id": "ws_2", "anonymous_id": "anon_2", "started_at": "2024-03-20", "pageviews": 1},
    ],
    "product_usage_daily": [
        {"customer_id": "cus_1", "usage_date": "2024-01-05", "active_users": 3},
        {"customer_id": "cus_1", "usage_date": "2024-03-20", "active_users": 2},
    ],
    "marketing_ad_spend": [
        {"spend_date": "2024-01-05", "platform": "google_ads", "campaign_id": "cmp_1", "currency": "USD", "spend": 0.0},
        {"spend_date": "2024-03-20", "platform": "google_ads", "campaign_id": "cmp_1", "currency": "USD", "spend": 0.0},
    ],
    "operating_expenses": [
        {
            "expense_month": "2024-01-01",
            "department": "sales",
            "category": "salaries",
            "currency": "USD",
            "amount": 10.0,
        }
    ],
}


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        columns = ", ".join(f'"{c}"' for c in row)
        con.execute(f"insert into {table} ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))


def make_raw(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_schema(con, load_contract())
    for table, rows in CLEAN_RAW.items():
        insert(con, f"raw.{table}", rows)


# ---------------------------------------------------------------------------------------- marts

# A consistent little history: cus_1 new in January (100), expands in February (+10), contracts in
# March (-10); cus_2 new in February (50), churns in March.
MARTS_DDL = """
create schema marts;
create table marts.fct_mrr_monthly (
    month date, starting_mrr decimal(38,6), new_mrr decimal(38,6), expansion_mrr decimal(38,6),
    reactivation_mrr decimal(38,6), contraction_mrr decimal(38,6), churned_mrr decimal(38,6),
    fx_mrr decimal(38,6), ending_mrr decimal(38,6), starting_customers bigint, new_customers bigint,
    reactivated_customers bigint, churned_customers bigint, ending_customers bigint,
    customer_churn_rate double, gross_mrr_churn_rate double);
insert into marts.fct_mrr_monthly values
    ('2024-01-01', 0, 100, 0, 0, 0, 0, 0, 100, 0, 1, 0, 0, 1, null, null),
    ('2024-02-01', 100, 50, 10, 0, 0, 0, 0, 160, 1, 1, 0, 0, 2, 0, 0),
    ('2024-03-01', 160, 0, 0, 0, -10, -50, 0, 100, 2, 0, 0, 1, 1, 0.5, 0.375);
create table marts.fct_customer_mrr_monthly (
    customer_id varchar, month date, currency varchar, mrr_local decimal(38,6), mrr decimal(38,6), is_active boolean);
insert into marts.fct_customer_mrr_monthly values
    ('cus_1', '2024-01-01', 'USD', 100, 100, true),
    ('cus_1', '2024-02-01', 'USD', 110, 110, true),
    ('cus_1', '2024-03-01', 'USD', 100, 100, true),
    ('cus_2', '2024-02-01', 'USD', 50, 50, true),
    ('cus_2', '2024-03-01', 'USD', 0, 0, false);
create table marts.fct_mrr_movements (
    movement_id varchar, customer_id varchar, occurred_at timestamp, movement_month date,
    movement_type varchar, currency varchar, mrr_change decimal(38,6));
insert into marts.fct_mrr_movements values
    ('m1', 'cus_1', '2024-01-01', '2024-01-01', 'new', 'USD', 100),
    ('m2', 'cus_1', '2024-02-01', '2024-02-01', 'expansion', 'USD', 10),
    ('m3', 'cus_2', '2024-02-01', '2024-02-01', 'new', 'USD', 50),
    ('m4', 'cus_1', '2024-03-01', '2024-03-01', 'contraction', 'USD', -10),
    ('m5', 'cus_2', '2024-03-01', '2024-03-01', 'churn', 'USD', -50);
create table marts.fct_retention_cohorts (
    cohort_month date, months_since_start integer, cohort_customers bigint, active_customers bigint,
    logo_retention double);
insert into marts.fct_retention_cohorts values
    ('2024-01-01', 0, 1, 1, 1.0), ('2024-01-01', 1, 1, 1, 1.0), ('2024-01-01', 2, 1, 1, 1.0),
    ('2024-02-01', 0, 1, 1, 1.0), ('2024-02-01', 1, 1, 0, 0.0);
create table marts.fct_attribution (
    customer_id varchar, converted_at timestamp, touchpoint_id varchar, attribution_model varchar, credit double);
insert into marts.fct_attribution values
    ('cus_1', '2024-01-01', 'ws_1', 'first_touch', 1.0),
    ('cus_1', '2024-01-01', 'ws_1', 'linear', 0.3333333333333333),
    ('cus_1', '2024-01-01', 'ws_2', 'linear', 0.3333333333333333),
    ('cus_1', '2024-01-01', 'ws_3', 'linear', 0.3333333333333334),
    ('cus_2', '2024-02-01', null, 'first_touch', 1.0),
    ('cus_2', '2024-02-01', null, 'linear', 1.0);
create table marts.dim_customers (customer_id varchar, customer_status varchar);
insert into marts.dim_customers values ('cus_1', 'active'), ('cus_2', 'churned');
"""


def make_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MARTS_DDL)


def new_warehouse(folder: Path, *builders) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    try:
        for build in builders:
            build(con)
    finally:
        con.close()
    return database


def query(database: Path, sql: str, params=None):
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def run(database: Path, **kwargs) -> tuple[ValidationReport, QualityError | None]:
    try:
        return validate(database, **kwargs), None
    except QualityError as exc:
        return exc.report, exc


def failure_line(error: QualityError, suite: str, table: str, column: str | None, expectation: str) -> str:
    """The message line of one failed expectation; fails the test when the message has none."""
    location = f"{table}.{column}" if column else table
    prefix = f"- [{suite}] {location}: {expectation} ("
    lines = [line for line in str(error).splitlines() if line.startswith(prefix)]
    assert lines, f"no failure line starting {prefix!r} in:\n{error}"
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ clean data


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    database = new_warehouse(folder, make_raw, make_marts)
    report, error = run(database, suite="all", as_of=AS_OF, docs_dir=folder / "docs")
    return database, folder, report, error


def test_clean_data_passes_every_suite(clean):
    _, _, report, error = clean
    assert error is None, str(error)
    assert report.success
    assert report.failures == []
    assert report.warnings == [], report.summary()
    assert report.expectations_evaluated > 100
    evaluated_suites = {r.suite for r in report.evaluated}
    assert evaluated_suites == {"raw", "marts"}
    # every mart rule ran (nothing skipped for a missing mart); only the row-count baseline is missing
    assert [r.message for r in report.skipped if r.suite == "marts"] == [
        "no earlier successful run of the marts suite to compare row counts with"
    ]


def test_clean_results_are_written_to_the_audit_tables(clean):
    database, _, report, _ = clean
    runs = query(
        database,
        "select suite, success, expectations_evaluated, expectations_failed, warnings, started_at <= finished_at "
        "from audit.validation_runs where run_id = ?",
        [report.run_id],
    )
    assert runs == [("all", True, report.expectations_evaluated, 0, 0, True)]
    (count, evaluated, failed) = query(
        database,
        "select count(*), count(success), count(*) filter (where not success) from audit.validation_results "
        "where run_id = ?",
        [report.run_id],
    )[0]
    assert count == len(report.results)
    assert evaluated == report.expectations_evaluated
    assert failed == 0
    counts = dict(
        query(
            database, "select table_name, row_count from audit.validation_row_counts where run_id = ?", [report.run_id]
        )
    )
    assert counts == {
        "dim_customers": 2,
        "fct_attribution": 6,
        "fct_customer_mrr_monthly": 5,
        "fct_mrr_monthly": 3,
        "fct_mrr_movements": 5,
        "fct_retention_cohorts": 5,
    }


def test_data_docs_are_written(clean):
    _, folder, report, _ = clean
    assert report.docs_index == folder / "docs" / "index.html"
    assert report.docs_index.is_file()
    pages = list((folder / "docs" / "validations").rglob("*.html"))
    assert any("billing_invoices" in str(p) for p in pages)
    assert any("roll_forward" in str(p) for p in pages)


def test_bad_arguments():
    with pytest.raises(ValueError, match="suite"):
        validate(Path("x.duckdb"), suite="everything")
    with pytest.raises(ValueError, match="row_count_drop_tolerance"):
        validate(Path("x.duckdb"), row_count_drop_tolerance=2)
    with pytest.raises(FileNotFoundError):
        validate(Path("/nonexistent/warehouse.duckdb"))


# ------------------------------------------------------------------- error-level breakages

RAW_ERRORS = [
    "alter table raw.crm_companies drop column domain",
    "alter table raw.web_sessions alter column pageviews type varchar",
    "insert into raw.billing_customers (customer_id, created_at) values ('cus_no_date', null)",
    """insert into raw.billing_prices values ('price_m', 'prod_b', null, null, 'USD', 2000, 'month', 1, true,
        null, null)""",
    "insert into raw.fx_rates (rate_date, currency, usd_per_unit) values ('2024-01-01', 'EUR', 1.2)",
    """insert into raw.billing_invoice_lines (invoice_line_id, invoice_id, line_type, amount)
        values ('line_orphan', 'inv_missing', 'one_off', 10)""",
    "insert into raw.billing_refunds values ('ref_orphan', 'inv_missing', 10, '2024-02-01', null, null, null)",
    """insert into raw.billing_invoices (invoice_id, customer_id, status, currency, created_at, subtotal, total,
        amount_paid) values ('inv_orphan', 'cus_missing', 'paid', 'USD', '2024-02-01', 1, 1, 1),
        ('inv_bogus', 'cus_1', 'bogus', 'USD', '2024-02-01', 1, 1, 1)""",
    """insert into raw.billing_prices (price_id, product_id, currency, unit_amount, billing_interval, interval_count,
        is_recurring) values ('price_fortnight', 'prod_a', 'USD', 1, 'fortnight', 1, true),
        ('price_zero_count', 'prod_a', 'USD', 1, 'month', 0, true),
        ('price_xyz', 'prod_a', 'XYZ', 1, 'month', 1, true)""",
    """insert into raw.billing_invoice_lines (invoice_line_id, invoice_id, line_type, quantity, amount)
        values ('line_credit', 'inv_1', 'credit', 1, 10), ('line_negative', 'inv_1', 'one_off', -2, 10)""",
    """insert into raw.crm_form_submissions (submission_id, form_type, submitted_at)
        values ('fs_bad', 'webinar_signup', '2024-01-01')""",
    """insert into raw.crm_demos (demo_id, contact_id, demo_type, requested_at)
        values ('demo_bad', 'ct_1', 'in_person', '2024-01-01')""",
    """insert into raw.crm_email_events (email_event_id, contact_id, event_type, occurred_at)
        values ('em_bad', 'ct_1', 'spam', '2024-01-01')""",
    """insert into raw.crm_lifecycle_stage_history (contact_id, lifecycle_stage, entered_at)
        values ('ct_1', 'prospect', '2024-01-01')""",
    """insert into raw.billing_subscription_item_history (subscription_item_id, subscription_id, price_id, quantity,
        discount_percent, valid_from, valid_to) values
        ('si_negative', 'sub_1', 'price_m', -1, null, '2024-01-01', null),
        ('si_discount', 'sub_1', 'price_m', 1, 150, '2024-01-01', null),
        ('si_reversed', 'sub_1', 'price_m', 1, null, '2024-02-10', '2024-02-05')""",
    "insert into raw.fx_rates (rate_date, currency, usd_per_unit) values ('2024-01-01', 'GBP', 0)",
    "insert into raw.crm_nps_responses (response_id, score, responded_at) values ('nps_11', 11, '2024-02-01')",
    """insert into raw.marketing_ad_spend (spend_date, platform, campaign_id, currency, spend)
        values ('2024-01-06', 'meta_ads', 'cmp_refund', 'USD', -5), ('2024-01-07', 'meta_ads', 'cmp_z', 'ZZZ', 1)""",
]

MART_ERRORS = [
    # MRR roll-forward: January's movements no longer add up to its ending MRR
    "update marts.fct_mrr_monthly set new_mrr = 90 where month = '2024-01-01'",
    # starting MRR continuity (the roll-forward of March itself still holds)
    "update marts.fct_mrr_monthly set starting_mrr = 150, contraction_mrr = 0 where month = '2024-03-01'",
    # customer roll-forward of February
    "update marts.fct_mrr_monthly set reactivated_customers = 1 where month = '2024-02-01'",
    # starting customers continuity (March's own roll-forward still holds)
    "update marts.fct_mrr_monthly set starting_customers = 3, churned_customers = 2 where month = '2024-03-01'",
    # rates below 0
    """update marts.fct_mrr_monthly set customer_churn_rate = -0.5, gross_mrr_churn_rate = -0.25
        where month = '2024-02-01'""",
    # an April: negative ending MRR, and no customer months behind it
    """insert into marts.fct_mrr_monthly values
        ('2024-04-01', 100, 0, 0, 0, 0, -105, 0, -5, 1, 0, 0, 1, 0, 1.0, 1.05)""",
    # customer months: negative MRR; cus_1's February MRR not explained by its movements
    """insert into marts.fct_customer_mrr_monthly values ('cus_3', '2024-03-01', 'EUR', -7, -7.5, true)""",
    """update marts.fct_customer_mrr_monthly set mrr = 120, mrr_local = 120
        where customer_id = 'cus_1' and month = '2024-02-01'""",
    # cohorts: retention above 1; February's cohort size differs from its new customers
    """update marts.fct_retention_cohorts set logo_retention = 1.5
        where cohort_month = '2024-01-01' and months_since_start = 2""",
    "update marts.fct_retention_cohorts set cohort_customers = 2 where cohort_month = '2024-02-01'",
    # attribution: cus_1's linear credits sum to 1.5; cus_2's first_touch credit above 1
    """update marts.fct_attribution set credit = 0.8333333333333334
        where touchpoint_id = 'ws_3' and attribution_model = 'linear'""",
    "update marts.fct_attribution set credit = 2.0 where customer_id = 'cus_2' and attribution_model = 'first_touch'",
]


def break_raw(con):
    for statement in RAW_ERRORS:
        con.execute(statement)


def break_marts(con):
    for statement in MART_ERRORS:
        con.execute(statement)


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    database = new_warehouse(folder, make_raw, make_marts, break_raw, break_marts)
    report, error = run(database, suite="all", as_of=AS_OF, docs_dir=folder / "docs")
    return database, report, error


# (suite, table, column, expectation, a value the message must show)
ERROR_CASES = [
    ("raw", "raw.crm_companies", "domain", "expect_column_values_to_not_be_null", "warehouse_type=null"),
    ("raw", "raw.web_sessions", "pageviews", "expect_column_pair_values_to_be_equal", "warehouse_type=VARCHAR"),
    ("raw", "raw.billing_customers", "created_at", "expect_column_values_to_not_be_null", "customer_id=cus_no_date"),
    ("raw", "raw.billing_prices", "price_id", "expect_column_values_to_be_unique", "price_id=price_m"),
    ("raw", "raw.fx_rates", "rate_date, currency", "expect_compound_columns_to_be_unique", "currency=EUR"),
    ("raw", "raw.billing_invoice_lines", "invoice_id", "expect_column_pair_values_to_be_equal", "inv_missing"),
    ("raw", "raw.billing_refunds", "invoice_id", "expect_column_pair_values_to_be_equal", "refund_id=ref_orphan"),
    ("raw", "raw.billing_invoices", "customer_id", "expect_column_pair_values_to_be_equal", "customer_id=cus_missing"),
    ("raw", "raw.billing_prices", "billing_interval", "expect_column_values_to_be_in_set", "fortnight"),
    ("raw", "raw.billing_invoices", "status", "expect_column_values_to_be_in_set", "status=bogus"),
    ("raw", "raw.billing_invoice_lines", "line_type", "expect_column_values_to_be_in_set", "line_type=credit"),
    ("raw", "raw.crm_form_submissions", "form_type", "expect_column_values_to_be_in_set", "webinar_signup"),
    ("raw", "raw.crm_demos", "demo_type", "expect_column_values_to_be_in_set", "in_person"),
    ("raw", "raw.crm_email_events", "event_type", "expect_column_values_to_be_in_set", "event_type=spam"),
    ("raw", "raw.crm_lifecycle_stage_history", "lifecycle_stage", "expect_column_values_to_be_in_set", "prospect"),
    ("raw", "raw.billing_prices", "interval_count", "expect_column_values_to_be_between", "price_zero_count"),
    ("raw", "raw.billing_subscription_item_history", "quantity", "expect_column_values_to_be_between", "quantity=-1"),
    ("raw", "raw.billing_subscription_item_history", "discount_percent", "expect_column_values_to_be_between", "150"),
    ("raw", "raw.billing_invoice_lines", "quantity", "expect_column_values_to_be_between", "line_negative"),
    ("raw", "raw.fx_rates", "usd_per_unit", "expect_column_values_to_be_between", "currency=GBP"),
    ("raw", "raw.crm_nps_responses", "score", "expect_column_values_to_be_between", "score=11"),
    ("raw", "raw.marketing_ad_spend", "spend", "expect_column_values_to_be_between", "spend=-5"),
    ("raw", "raw.billing_prices", "currency", "expect_column_values_to_be_in_set", "currency=XYZ"),
    ("raw", "raw.marketing_ad_spend", "currency", "expect_column_values_to_be_in_set", "currency=ZZZ"),
    (
        "raw",
        "raw.billing_subscription_item_history",
        "valid_to",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "subscription_item_id=si_reversed",
    ),
    ("marts", "marts.fct_mrr_monthly", "ending_mrr", "expect_column_values_to_be_between", "MRR roll-forward"),
    ("marts", "marts.fct_mrr_monthly", "starting_mrr", "expect_column_values_to_be_between", "previous_ending_mrr=160"),
    (
        "marts",
        "marts.fct_mrr_monthly",
        "ending_customers",
        "expect_column_values_to_be_between",
        "customer roll-forward",
    ),
    (
        "marts",
        "marts.fct_mrr_monthly",
        "starting_customers",
        "expect_column_values_to_be_between",
        "starting_customers=3",
    ),
    ("marts", "marts.fct_mrr_monthly", "ending_mrr", "expect_column_values_to_be_between", "ending_mrr=-5"),
    ("marts", "marts.fct_mrr_monthly", "ending_mrr", "expect_column_values_to_be_between", "customer_months_mrr=0"),
    (
        "marts",
        "marts.fct_mrr_monthly",
        "ending_customers",
        "expect_column_values_to_be_between",
        "active_customer_months",
    ),
    ("marts", "marts.fct_mrr_monthly", "customer_churn_rate", "expect_column_values_to_be_between", "-0.5"),
    ("marts", "marts.fct_mrr_monthly", "gross_mrr_churn_rate", "expect_column_values_to_be_between", "-0.25"),
    ("marts", "marts.fct_customer_mrr_monthly", "mrr_local", "expect_column_values_to_be_between", "customer_id=cus_3"),
    ("marts", "marts.fct_customer_mrr_monthly", "mrr", "expect_column_values_to_be_between", "mrr=-7.5"),
    ("marts", "marts.fct_customer_mrr_monthly", "mrr", "expect_column_values_to_be_between", "movements=10"),
    ("marts", "marts.fct_retention_cohorts", "logo_retention", "expect_column_values_to_be_between", "1.5"),
    (
        "marts",
        "marts.fct_retention_cohorts",
        "cohort_customers",
        "expect_column_values_to_be_between",
        "new_customers=1",
    ),
    ("marts", "marts.fct_attribution", "credit", "expect_column_values_to_be_between", "credit_total=1.5"),
    ("marts", "marts.fct_attribution", "credit", "expect_column_values_to_be_between", "credit=2"),
]


@pytest.mark.parametrize(
    "suite, table, column, expectation, shown", ERROR_CASES, ids=[f"{c[1]}.{c[2]}:{c[4]}" for c in ERROR_CASES]
)
def test_gate_catches_error(broken, suite, table, column, expectation, shown):
    _, report, error = broken
    assert error is not None, "the broken warehouse passed the gate"
    lines = failure_line(error, suite, table, column, expectation)
    assert shown in lines, f"{shown!r} not shown in:\n{lines}"
    assert "suite 'all' failed" in str(error)


def test_every_error_check_kind_is_covered(broken):
    """Each failed error-level check of the broken warehouse is one a case above expects, and vice versa."""
    _, report, error = broken
    failed = {(r.suite, r.table, r.column, r.expectation_type) for r in report.failures}
    expected = {case[:4] for case in ERROR_CASES}
    assert failed == expected
    assert report.warnings == [] or all(r.severity == "warning" for r in report.warnings)


def test_failed_run_is_recorded_before_raising(broken):
    database, report, error = broken
    assert error is not None
    ((success, failed),) = query(
        database, "select success, expectations_failed from audit.validation_runs where run_id = ?", [report.run_id]
    )
    assert (success, failed) == (False, len(report.failures))
    rows = query(
        database,
        "select table_name, column_name, expectation_type, severity, unexpected_count, unexpected_examples, message "
        "from audit.validation_results where run_id = ? and not success and table_name = 'raw.billing_invoices' "
        "and column_name = 'status'",
        [report.run_id],
    )
    assert len(rows) == 1
    table, column, expectation, severity, unexpected, examples, message = rows[0]
    assert (expectation, severity, unexpected) == ("expect_column_values_to_be_in_set", "error", 1)
    assert json.loads(examples) == ["invoice_id=inv_bogus, status=bogus"]
    assert "draft|open|paid|void|uncollectible" in message


# ------------------------------------------------------------------------------ warnings only

RAW_WARNINGS = [
    # metrics.md edge rule 7: counted anyway / excluded and reported, so warnings
    """insert into raw.billing_subscriptions (subscription_id, customer_id, created_at)
        values ('sub_orphan', 'cus_missing', '2024-01-01')""",
    """insert into raw.billing_subscription_item_history (subscription_item_id, subscription_id, price_id, quantity,
        valid_from) values ('si_orphan', 'sub_missing', 'price_missing', 1, '2024-01-01')""",
    "insert into raw.crm_tickets (ticket_id, priority, created_at) values ('tk_critical', 'critical', '2024-02-01')",
    """insert into raw.crm_deals (deal_id, stage, currency, created_at)
        values ('deal_lookalike', 'Closed Won', 'USD', '2024-01-01'),
               ('deal_abc', 'closed_lost', 'ABC', '2024-01-01')""",
    """insert into raw.billing_refunds (refund_id, invoice_id, amount, created_at)
        values ('ref_zero', 'inv_1', 0, '2024-01-20')""",
]

MART_WARNINGS = [
    # a month where more customers churned than started (churn counts movement rows)
    """update marts.fct_mrr_monthly set customer_churn_rate = 1.5, gross_mrr_churn_rate = 1.2
        where month = '2024-03-01'""",
]

WARNING_CASES = [
    ("raw.billing_subscriptions", "customer_id", "expect_column_pair_values_to_be_equal", "cus_missing"),
    (
        "raw.billing_subscription_item_history",
        "subscription_id",
        "expect_column_pair_values_to_be_equal",
        "sub_missing",
    ),
    ("raw.billing_subscription_item_history", "price_id", "expect_column_pair_values_to_be_equal", "price_missing"),
    ("raw.crm_tickets", "priority", "expect_column_values_to_be_in_set", "priority=critical"),
    ("raw.crm_deals", "stage", "expect_column_values_to_not_match_regex", "stage=closed won"),
    ("raw.crm_deals", "currency", "expect_column_values_to_be_in_set", "currency=ABC"),
    ("raw.billing_refunds", "amount", "expect_column_values_to_be_between", "refund_id=ref_zero"),
    ("raw.billing_invoices", "created_at", "expect_column_values_to_be_between", "days_before_as_of=305"),
    # every daily export's latest record is months before that as_of too: 2024-03-15 for contacts
    # (291 days before 2024-12-31), 2024-03-01 for FX (305), 2024-03-20 for the others (286)
    (
        "raw.crm_contacts, raw.fx_rates, raw.marketing_ad_spend, raw.product_usage_daily, raw.web_sessions",
        "raw.crm_contacts.created_at, raw.fx_rates.rate_date, raw.marketing_ad_spend.spend_date, "
        "raw.product_usage_daily.usage_date, raw.web_sessions.started_at",
        "expect_column_values_to_be_between",
        "days_before_as_of=291",
    ),
    ("marts.fct_mrr_monthly", "customer_churn_rate", "expect_column_values_to_be_between", "customer_churn_rate=1.5"),
    ("marts.fct_mrr_monthly", "gross_mrr_churn_rate", "expect_column_values_to_be_between", "gross_mrr_churn_rate=1.2"),
]


@pytest.fixture(scope="module")
def warned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warned")

    def add_warnings(con):
        for statement in RAW_WARNINGS + MART_WARNINGS:
            con.execute(statement)

    database = new_warehouse(folder, make_raw, make_marts, add_warnings)
    # as_of long after the latest billing record (2024-03-01): stale data, a warning
    report, error = run(database, suite="all", as_of=date(2024, 12, 31), docs_dir=folder / "docs")
    return database, report, error


def test_warnings_do_not_raise(warned):
    database, report, error = warned
    assert error is None, str(error)
    assert report.success
    assert report.failures == []
    ((success, warnings),) = query(
        database, "select success, warnings from audit.validation_runs where run_id = ?", [report.run_id]
    )
    assert (success, warnings) == (True, len(report.warnings))


@pytest.mark.parametrize(
    "table, column, expectation, shown", WARNING_CASES, ids=[f"{c[0]}.{c[1]}" for c in WARNING_CASES]
)
def test_warning_is_reported(warned, table, column, expectation, shown):
    _, report, _ = warned
    found = [r for r in report.warnings if (r.table, r.column, r.expectation_type) == (table, column, expectation)]
    assert found, report.summary()
    assert all(r.severity == "warning" for r in found)
    assert any(shown in r.line() for r in found), [r.line() for r in found]


def test_only_expected_warnings(warned):
    _, report, _ = warned
    assert {(r.table, r.column, r.expectation_type) for r in report.warnings} == {c[:3] for c in WARNING_CASES}


def test_a_daily_export_that_stopped_arriving_is_a_warning(tmp_path):
    """as_of follows billing, so a web-analytics export that stopped in November leaves the funnel
    and attribution of the months since short without an error: the raw suite warns, naming it."""

    def stop_sessions(con):
        con.execute("delete from raw.web_sessions where started_at > '2023-12-31'")

    database = new_warehouse(tmp_path, make_raw, make_marts, stop_sessions)
    report = validate(database, suite="raw", as_of=AS_OF, docs_dir=tmp_path / "docs")
    assert report.success
    (warning,) = report.warnings
    assert (warning.table, warning.column) == ("raw.web_sessions", "started_at")
    # the latest session starts 2023-11-30: 122 days before 2024-03-31 (2024 is a leap year)
    assert "days_before_as_of=122" in warning.line(), warning.line()


def test_as_of_taken_from_old_data_is_a_warning(tmp_path, monkeypatch):
    """Without --as-of, as_of is the latest billing record, which the raw suite's freshness checks
    compare with themselves: billing exports that stopped months ago would pass as current. as_of
    taken from the data is compared with today (UTC)."""
    import saas_metrics.quality.runner as runner

    database = new_warehouse(tmp_path, make_raw, make_marts)
    monkeypatch.setattr(runner, "_now", lambda: datetime(2024, 6, 30, 12, 0))
    report = validate(database, suite="raw", docs_dir=tmp_path / "docs")
    assert report.as_of == date(2024, 3, 1)
    (warning,) = report.warnings
    assert warning.table == "raw.billing_*"
    # the latest billing record, invoice inv_2, is of 2024-03-01: 121 days before 2024-06-30
    assert "days_before_today=121" in warning.line(), warning.line()
    # a month later than the data is current enough, and an as_of given is never compared with today
    monkeypatch.setattr(runner, "_now", lambda: datetime(2024, 3, 20, 12, 0))
    assert validate(database, suite="raw", docs_dir=tmp_path / "docs").warnings == []
    monkeypatch.setattr(runner, "_now", lambda: datetime(2024, 6, 30, 12, 0))
    assert validate(database, suite="raw", as_of=date(2024, 3, 1), docs_dir=tmp_path / "docs").warnings == []


# --------------------------------------------------------------------------- row counts, skips


def test_row_count_drop_across_runs_and_skipped_marts(tmp_path):
    def partial_marts(con):
        make_marts(con)
        # only fct_mrr_monthly and dim_customers built so far
        for table in ("fct_customer_mrr_monthly", "fct_mrr_movements", "fct_retention_cohorts", "fct_attribution"):
            con.execute(f"drop table marts.{table}")
        con.execute("insert into marts.dim_customers select 'cus_' || i, 'active' from range(3, 11) as t(i)")

    database = new_warehouse(tmp_path, partial_marts)
    docs = tmp_path / "docs"
    first = validate(database, suite="marts", docs_dir=docs)
    assert first.row_counts == {"dim_customers": 10, "fct_mrr_monthly": 3}
    skipped = {(r.table, r.column, r.message) for r in first.skipped}
    assert ("marts.fct_attribution", "credit", "marts.fct_attribution does not exist yet") in skipped
    assert (
        "marts.fct_customer_mrr_monthly",
        "mrr",
        "marts.fct_customer_mrr_monthly, marts.fct_mrr_movements does not exist yet",
    ) in skipped
    assert ("marts.fct_retention_cohorts", "cohort_customers") in {(t, c) for t, c, _ in skipped}

    # a 50% drop is within the default tolerance
    con = duckdb.connect(str(database))
    con.execute(
        "delete from marts.dim_customers where customer_id in (select customer_id from marts.dim_customers limit 5)"
    )
    con.close()
    second = validate(database, suite="marts", docs_dir=docs)
    row_count_checks = [r for r in second.evaluated if r.expectation_type == "expect_table_row_count_to_be_between"]
    assert {r.table for r in row_count_checks} == {"marts.dim_customers", "marts.fct_mrr_monthly"}
    assert all(r.success for r in row_count_checks)

    # from 5 to 2 rows is a 60% drop: an error naming the table, against the last successful run
    con = duckdb.connect(str(database))
    con.execute(
        "delete from marts.dim_customers where customer_id in (select customer_id from marts.dim_customers limit 3)"
    )
    con.close()
    with pytest.raises(QualityError) as caught:
        validate(database, suite="marts", docs_dir=docs)
    line = failure_line(caught.value, "marts", "marts.dim_customers", None, "expect_table_row_count_to_be_between")
    assert "observed 2" in line and second.run_id in line and "5 rows" in line

    # the failed run is no baseline: the drop is still caught, unless the tolerance allows it
    with pytest.raises(QualityError, match="marts.dim_customers"):
        validate(database, suite="marts", docs_dir=docs)
    relaxed = validate(database, suite="marts", docs_dir=docs, row_count_drop_tolerance=0.8)
    assert relaxed.success

    # a mart the last successful run counted and that is gone now lost all its rows
    con = duckdb.connect(str(database))
    con.execute("drop table marts.dim_customers")
    con.close()
    with pytest.raises(QualityError) as caught:
        validate(database, suite="marts", docs_dir=docs)
    line = failure_line(caught.value, "marts", "marts.dim_customers", None, "expect_table_row_count_to_be_between")
    assert "observed 0" in line and relaxed.run_id in line
    runs = query(database, "select success from audit.validation_runs order by started_at")
    assert [r[0] for r in runs] == [True, True, False, False, True, False]


def test_empty_raw_tables_pass_and_suite_raw_reads_only_raw(tmp_path):
    database = new_warehouse(tmp_path, lambda con: ensure_raw_schema(con, load_contract()), make_marts, break_marts)
    report = validate(database, suite="raw", as_of=AS_OF, docs_dir=tmp_path / "docs")
    assert report.success and report.warnings == []
    assert {r.suite for r in report.results} == {"raw"}
    assert report.row_counts == {}
    skipped_tables = {r.table for r in report.skipped if r.message == "no rows to check (empty tables pass)"}
    assert skipped_tables == {f"raw.{t}" for t in load_contract()}
    # the column presence and type checks still ran
    assert {r.expectation_type for r in report.evaluated} >= {
        "expect_column_values_to_not_be_null",
        "expect_column_pair_values_to_be_equal",
    }
    assert re.search(r"passed: \d+ expectations evaluated", report.summary())


def test_a_rule_that_cannot_be_read_fails_closed(tmp_path):
    def drift(con):
        make_marts(con)
        con.execute("alter table marts.fct_attribution drop column attribution_model")

    database = new_warehouse(tmp_path, drift)
    with pytest.raises(QualityError) as caught:
        validate(database, suite="marts", docs_dir=tmp_path / "docs")
    line = failure_line(caught.value, "marts", "marts.fct_attribution", "credit", "expect_column_values_to_be_between")
    assert "could not be evaluated: reading the data failed" in line and "attribution_model" in line
    # the single-column bound on credit still ran on the columns that exist
    bound = [r for r in caught.value.report.results if r.description == "credit within 0..1"]
    assert [r.success for r in bound] == [True]
