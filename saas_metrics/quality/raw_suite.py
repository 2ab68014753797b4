"""The `raw` suite: the landed tables against the raw contract (saas_metrics/raw_contract.yml).

Built from the contract at run time, so a column added to the contract is checked without code
changes. The rules that the contract states in prose (value sets, ranges, relationships) are
listed here, each with its severity; docs/data_quality.md explains every one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import great_expectations.expectations as gxe

from saas_metrics.contract import Table, currency_exponents, load_contract
from saas_metrics.loader import qident, qstr
from saas_metrics.quality.checks import make_check
from saas_metrics.quality.model import ERROR, WARNING, Check, Frame

SUITE = "raw"

# The latest billing record may be at most this many days before as_of (warning level).
FRESHNESS_MAX_DAYS = 31
# The billing columns whose latest value defines as_of by default (metrics.md, reporting frame).
BILLING_RECORD_COLUMNS = (
    ("billing_subscriptions", "created_at"),
    ("billing_subscription_item_history", "valid_from"),
    ("billing_invoices", "created_at"),
)
# The exports that arrive every day whatever happens in billing. One whose latest record lies more
# than FRESHNESS_MAX_DAYS before as_of has stopped arriving, while as_of (by default the latest
# billing record) goes on: the recent months built on it (FX conversion, funnel, attribution,
# usage, ad spend) are short without an error. Sparse or monthly tables (refunds, NPS, tickets,
# operating expenses, closed each month after it ends) are not among them.
FEED_RECORD_COLUMNS = (
    ("fx_rates", "rate_date"),
    ("crm_contacts", "created_at"),
    ("web_sessions", "started_at"),
    ("product_usage_daily", "usage_date"),
    ("marketing_ad_spend", "spend_date"),
)


@dataclass(frozen=True)
class ValueSet:
    values: tuple[str, ...]
    severity: str
    why: str


# Closed lists of the contract. Compared case-insensitively: the staging models lower-case them.
VALUE_SETS: dict[tuple[str, str], ValueSet] = {
    ("billing_prices", "billing_interval"): ValueSet(
        ("day", "week", "month", "year"), ERROR, "an unknown interval cannot be turned into MRR"
    ),
    ("billing_invoices", "status"): ValueSet(
        ("draft", "open", "paid", "void", "uncollectible"), ERROR, "revenue counts paid invoices"
    ),
    ("billing_invoice_lines", "line_type"): ValueSet(
        ("subscription", "proration", "one_off"), ERROR, "billed revenue is split by line type"
    ),
    ("crm_form_submissions", "form_type"): ValueSet(
        ("trial_signup", "demo_request", "contact_sales", "content_download", "newsletter", "other"),
        ERROR,
        "the funnel counts submissions by form type",
    ),
    ("crm_demos", "demo_type"): ValueSet(
        ("live", "on_demand_video", "webinar"), ERROR, "demo conversion is reported by demo type"
    ),
    ("crm_email_events", "event_type"): ValueSet(
        ("sent", "delivered", "open", "click", "unsubscribe", "bounce"), ERROR, "e-mail rates count event types"
    ),
    ("crm_lifecycle_stage_history", "lifecycle_stage"): ValueSet(
        ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "other"),
        ERROR,
        "the funnel counts stage entries",
    ),
    ("crm_tickets", "priority"): ValueSet(
        ("low", "medium", "high", "urgent"), WARNING, "only `urgent` feeds the health score; others are informative"
    ),
}

# Deal stages are free names for open stages plus closed_won / closed_lost. A stage that reads like
# a closed one but is spelled differently would be counted as open: reported, not fatal.
DEAL_STAGE_LOOKALIKE = r"^(?!closed_won$|closed_lost$).*(?:closed|(?:^|_)won$|(?:^|_)lost$)"


@dataclass(frozen=True)
class Range:
    min_value: float | None
    max_value: float | None
    strict_min: bool
    severity: str
    text: str


# Value rules of the contract, by (table, column).
RANGES: dict[tuple[str, str], Range] = {
    ("billing_prices", "interval_count"): Range(1, None, False, ERROR, ">= 1"),
    ("billing_subscription_item_history", "quantity"): Range(0, None, False, ERROR, ">= 0"),
    ("billing_subscription_item_history", "discount_percent"): Range(0, 100, False, ERROR, "within 0..100"),
    ("billing_invoice_lines", "quantity"): Range(0, None, False, ERROR, ">= 0"),
    ("billing_refunds", "amount"): Range(0, None, True, WARNING, "> 0 (refunds are positive amounts)"),
    ("fx_rates", "usd_per_unit"): Range(0, None, True, ERROR, "> 0"),
    ("crm_nps_responses", "score"): Range(0, 10, False, ERROR, "within 0..10"),
    ("marketing_ad_spend", "spend"): Range(0, None, False, ERROR, ">= 0"),
}

# Currency columns hold ISO 4217 codes the project knows the exponent of (seeds/currency_exponents.csv).
# Deal currencies feed no metric, so an unknown one is a warning.
CURRENCY_SEVERITY = {"crm_deals": WARNING}


@dataclass(frozen=True)
class ForeignKey:
    child: str
    column: str
    parent: str
    parent_column: str
    severity: str
    why: str


FOREIGN_KEYS = (
    ForeignKey(
        "billing_subscriptions",
        "customer_id",
        "billing_customers",
        "customer_id",
        WARNING,
        "metrics.md edge rule 7: the subscription still counts, as a non-test customer; reported",
    ),
    ForeignKey(
        "billing_subscription_item_history",
        "subscription_id",
        "billing_subscriptions",
        "subscription_id",
        WARNING,
        "metrics.md edge rule 7: the row cannot be priced, it is excluded from MRR and reported",
    ),
    ForeignKey(
        "billing_subscription_item_history",
        "price_id",
        "billing_prices",
        "price_id",
        WARNING,
        "metrics.md edge rule 7: the row cannot be priced, it is excluded from MRR and reported",
    ),
    ForeignKey(
        "billing_invoice_lines",
        "invoice_id",
        "billing_invoices",
        "invoice_id",
        ERROR,
        "a line without its invoice has no currency and no customer",
    ),
    ForeignKey(
        "billing_refunds",
        "invoice_id",
        "billing_invoices",
        "invoice_id",
        ERROR,
        "a refund without its invoice has no currency and no customer",
    ),
    ForeignKey(
        "billing_invoices",
        "customer_id",
        "billing_customers",
        "customer_id",
        ERROR,
        "revenue of an unknown customer cannot be told apart from test accounts",
    ),
)

Catalog = dict[str, dict[str, str]]  # "schema.table" -> {column: DuckDB data type}


class _Builder:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def check(self, table: str, report_column: str | None, severity: str, expectation_cls, description: str, **kw):
        return make_check(SUITE, table, report_column, severity, expectation_cls, description, **kw)

    def has(self, table: str, *columns: str) -> bool:
        found = self.catalog.get(f"raw.{table}")
        return found is not None and all(c in found for c in columns)


def build_raw_frames(
    catalog: Catalog, as_of: date, today: date | None = None
) -> tuple[list[Frame], list[tuple[Check, str]]]:
    """The frames of the raw suite and the checks that cannot run (with the reason). With today (as_of
    was not given but taken from the data), as_of itself is checked against it."""
    tables = load_contract()
    b = _Builder(catalog)
    frames: list[Frame] = [_columns_frame(b, tables)]
    skipped: list[tuple[Check, str]] = []
    for table in tables.values():
        frame, table_skips = _table_frame(b, table)
        skipped += table_skips
        if frame is not None:
            frames.append(frame)
    for fk in FOREIGN_KEYS:
        check = _fk_check(b, fk)
        if b.has(fk.child, fk.column, *tables[fk.child].primary_key) and b.has(fk.parent, fk.parent_column):
            frames.append(_fk_frame(fk, tables[fk.child], check))
        else:
            skipped.append((check, f"raw.{fk.child}.{fk.column} or raw.{fk.parent}.{fk.parent_column} is missing"))
    for freshness in (
        _freshness_frame(b, as_of),
        _feeds_freshness_frame(b, as_of),
        *([_as_of_age_frame(b, as_of, today)] if today else []),
    ):
        if isinstance(freshness, Frame):
            frames.append(freshness)
        else:
            skipped.append(freshness)
    return frames, skipped


def _columns_frame(b: _Builder, tables: dict[str, Table]) -> Frame:
    """Every contract column with its contract type and the type the warehouse has (null = missing)."""
    rows = ", ".join(
        f"({qstr('raw.' + t.name)}, {qstr(c.name)}, {qstr(c.sql_type)})" for t in tables.values() for c in t.columns
    )
    query = f"""
        select contract.table_name, contract.column_name, contract.contract_type,
               catalog.data_type as warehouse_type
        from (values {rows}) as contract (table_name, column_name, contract_type)
        left join information_schema.columns as catalog
            on catalog.table_catalog = current_database()
            and catalog.table_schema = 'raw'
            and 'raw.' || catalog.table_name = contract.table_name
            and catalog.column_name = contract.column_name
        order by contract.table_name, contract.column_name
    """
    present = b.check(
        "raw.*",
        None,
        ERROR,
        gxe.ExpectColumnValuesToNotBeNull,
        "every contract column is present in its raw table",
        column="warehouse_type",
    )
    typed = b.check(
        "raw.*",
        None,
        ERROR,
        gxe.ExpectColumnPairValuesToBeEqual,
        "every raw column has its contract type",
        column_A="warehouse_type",
        column_B="contract_type",
        ignore_row_if="either_value_is_missing",
    )
    checks = [present, typed]
    for check in checks:
        check.example_columns = ("table_name", "column_name", "contract_type", "warehouse_type")
        check.table_from_examples = "table_name"
        check.column_from_examples = "column_name"
    return Frame("raw.columns", query, checks, example_limit=100)


def _table_frame(b: _Builder, table: Table) -> tuple[Frame | None, list[tuple[Check, str]]]:
    name = f"raw.{table.name}"
    pk = list(table.primary_key)
    checks: list[Check] = []
    planned: list[tuple[Check, tuple[str, ...]]] = []  # check and the columns it needs

    for col in table.columns:
        if not col.nullable:
            planned.append(
                (
                    b.check(
                        name,
                        col.name,
                        ERROR,
                        gxe.ExpectColumnValuesToNotBeNull,
                        f"{col.name} is never null",
                        column=col.name,
                    ),
                    (col.name,),
                )
            )
    if len(pk) == 1:
        unique = b.check(
            name, pk[0], ERROR, gxe.ExpectColumnValuesToBeUnique, f"primary key {pk[0]} is unique", column=pk[0]
        )
    else:
        unique = b.check(
            name,
            ", ".join(pk),
            ERROR,
            gxe.ExpectCompoundColumnsToBeUnique,
            f"primary key ({', '.join(pk)}) is unique",
            column_list=pk,
        )
    planned.append((unique, tuple(pk)))

    lowered: set[str] = set()
    for (tname, cname), rule in VALUE_SETS.items():
        if tname == table.name:
            lowered.add(cname)
            check = b.check(
                name,
                cname,
                rule.severity,
                gxe.ExpectColumnValuesToBeInSet,
                f"{cname} is one of {'|'.join(rule.values)} (any case); {rule.why}",
                column=cname,
                value_set=list(rule.values),
            )
            planned.append((check, (cname,)))
    if table.name == "crm_deals":
        lowered.add("stage")
        check = b.check(
            name,
            "stage",
            WARNING,
            gxe.ExpectColumnValuesToNotMatchRegex,
            "a closed stage is spelled closed_won or closed_lost (anything else counts as an open stage)",
            column="stage",
            regex=DEAL_STAGE_LOOKALIKE,
        )
        planned.append((check, ("stage",)))
    for (tname, cname), rule in RANGES.items():
        if tname == table.name:
            check = b.check(
                name,
                cname,
                rule.severity,
                gxe.ExpectColumnValuesToBeBetween,
                f"{cname} is {rule.text}",
                column=cname,
                min_value=rule.min_value,
                max_value=rule.max_value,
                strict_min=rule.strict_min,
            )
            planned.append((check, (cname,)))
    upper: set[str] = set()
    if "currency" in table.column_names:
        upper.add("currency")
        check = b.check(
            name,
            "currency",
            CURRENCY_SEVERITY.get(table.name, ERROR),
            gxe.ExpectColumnValuesToBeInSet,
            "currency is a known ISO 4217 code (seeds/currency_exponents.csv, any case)",
            column="currency",
            value_set=sorted(currency_exponents()),
        )
        planned.append((check, ("currency",)))
    if {"valid_from", "valid_to"} <= set(table.column_names):
        check = b.check(
            name,
            "valid_to",
            ERROR,
            gxe.ExpectColumnPairValuesAToBeGreaterThanB,
            "valid_to is after valid_from (half-open intervals are never empty or reversed)",
            column_A="valid_to",
            column_B="valid_from",
            or_equal=False,
            ignore_row_if="either_value_is_missing",
        )
        planned.append((check, ("valid_from", "valid_to")))

    skipped: list[tuple[Check, str]] = []
    if f"raw.{table.name}" not in b.catalog:
        return None, [(check, f"table {name} does not exist") for check, _ in planned]
    needed: list[str] = []
    for check, columns in planned:
        if b.has(table.name, *columns):
            check.example_columns = tuple(dict.fromkeys([*pk, *columns]))
            checks.append(check)
            needed += [c for c in columns if c not in needed]
        else:
            missing = [c for c in columns if not b.has(table.name, c)]
            skipped.append((check, f"column(s) {', '.join(missing)} missing from {name}"))
    if not checks:
        return None, skipped
    # Value-list columns are lower-cased and currencies upper-cased, as staging does, for every check
    # (so keys that differ only in case, e.g. a lifecycle stage, count as duplicates, as they do downstream).
    select = []
    for column in dict.fromkeys([*(c for c in pk if b.has(table.name, c)), *needed]):
        if column in lowered:
            select.append(f"lower({qident(column)}) as {qident(column)}")
        elif column in upper:
            select.append(f"upper(trim({qident(column)})) as {qident(column)}")
        else:
            select.append(qident(column))
    query = f"select {', '.join(select)} from raw.{qident(table.name)}"
    return Frame(name, query, checks, skip_if_empty=True), skipped


def _fk_check(b: _Builder, fk: ForeignKey) -> Check:
    matched = f"{fk.parent}_{fk.parent_column}"
    check = b.check(
        f"raw.{fk.child}",
        fk.column,
        fk.severity,
        gxe.ExpectColumnPairValuesToBeEqual,
        f"{fk.column} exists in raw.{fk.parent}.{fk.parent_column}; {fk.why}",
        column_A=fk.column,
        column_B=matched,
    )
    return check


def _fk_frame(fk: ForeignKey, child: Table, check: Check) -> Frame:
    """Child rows with a non-null key, each with the parent key it matches (null when none does)."""
    matched = f"{fk.parent}_{fk.parent_column}"
    pk = [c for c in child.primary_key if c != fk.column]
    select = ", ".join([*(f"child.{qident(c)}" for c in pk), f"child.{qident(fk.column)}"])
    query = f"""
        select {select}, parent.key as {qident(matched)}
        from raw.{qident(fk.child)} as child
        left join (select distinct {qident(fk.parent_column)} as key from raw.{qident(fk.parent)}) as parent
            on parent.key = child.{qident(fk.column)}
        where child.{qident(fk.column)} is not null
    """
    check.example_columns = (*pk, fk.column)
    return Frame(f"raw.{fk.child}.{fk.column}_in_{fk.parent}", query, [check], skip_if_empty=True)


def _freshness_frame(b: _Builder, as_of: date) -> Frame | tuple[Check, str]:
    """One row: the latest billing record, where it is, and how many days before as_of it lies."""
    return _latest_records_frame(
        b,
        "raw.billing_freshness",
        "raw.billing_*",
        BILLING_RECORD_COLUMNS,
        as_of,
        "the latest billing record (subscription created_at, item valid_from, invoice created_at) "
        f"is at most {FRESHNESS_MAX_DAYS} days before as_of",
        "no billing table with a record date exists",
        latest_only=True,
    )


def _feeds_freshness_frame(b: _Builder, as_of: date) -> Frame | tuple[Check, str]:
    """One row per daily export: its latest record and how many days before as_of it lies (an empty
    table's is null, which passes: the project builds on partial data)."""
    return _latest_records_frame(
        b,
        "raw.feed_freshness",
        "raw.*",
        FEED_RECORD_COLUMNS,
        as_of,
        "the latest record of each daily export (FX rates, contacts, web sessions, product usage, ad spend) "
        f"is at most {FRESHNESS_MAX_DAYS} days before as_of: an older one has stopped arriving",
        "none of the daily exports exists",
        latest_only=False,
    )


def _latest_records_frame(
    b: _Builder,
    name: str,
    table: str,
    columns: tuple[tuple[str, str], ...],
    as_of: date,
    description: str,
    missing: str,
    latest_only: bool,
) -> Frame | tuple[Check, str]:
    """The latest value of each (table, column) that exists and its days before as_of, checked to be at
    most FRESHNESS_MAX_DAYS (warning): one row per table, or only the latest of them."""
    check = b.check(
        table,
        None,
        WARNING,
        gxe.ExpectColumnValuesToBeBetween,
        description,
        column="days_before_as_of",
        max_value=FRESHNESS_MAX_DAYS,
    )
    check.example_columns = ("table_name", "column_name", "latest_at", "as_of", "days_before_as_of")
    check.table_from_examples = "table_name"
    check.column_from_examples = "column_name"
    parts = [
        f"select {qstr('raw.' + t)} as table_name, {qstr(c)} as column_name, "
        f"max({qident(c)})::timestamp as latest_at from raw.{qident(t)}"
        for t, c in columns
        if b.has(t, c)
    ]
    if not parts:
        return check, missing
    order = "order by latest_at desc nulls last, table_name limit 1" if latest_only else "order by table_name"
    query = f"""
        with latest as ({" union all ".join(parts)})
        select table_name, column_name, latest_at, ?::date as as_of,
               date_diff('day', latest_at::date, ?::date) as days_before_as_of
        from latest
        {order}
    """
    return Frame(name, query, [check], parameters=[as_of, as_of])


def _as_of_age_frame(b: _Builder, as_of: date, today: date) -> Frame:
    """One row: as_of taken from the data, and how many days before today (UTC) it lies."""
    check = b.check(
        "raw.billing_*",
        None,
        WARNING,
        gxe.ExpectColumnValuesToBeBetween,
        f"as_of, the latest billing record when --as-of is not given, is at most {FRESHNESS_MAX_DAYS} days "
        "before today (UTC): an older one means the billing exports have stopped arriving, and every number "
        "is as of that day",
        column="days_before_today",
        max_value=FRESHNESS_MAX_DAYS,
    )
    check.example_columns = ("as_of", "today", "days_before_today")
    query = "select ?::date as as_of, ?::date as today, date_diff('day', ?::date, ?::date) as days_before_today"
    return Frame("raw.as_of_age", query, [check], parameters=[as_of, today, as_of, today])
