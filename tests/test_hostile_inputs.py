"""Hostile and broken exports: each gives a clear error or a counted reject with its reason, and
nothing is lost (rows read = loaded + rejected)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from saas_metrics.dbt_runner import BuildError, build
from saas_metrics.loader import LoadError, load_directory

HEADER = "rate_date,currency,usd_per_unit"


def load_one(tmp_path: Path, name: str, content: bytes):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / name).write_bytes(content)
    database = tmp_path / "wh.duckdb"
    results = {r.table: r for r in load_directory(src, database)}
    return results, database


def rejects(database: Path):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select row_number, line_number, reason from raw._rejects order by all").fetchall()


def assert_nothing_lost(result):
    assert result.rows_read == result.rows_loaded + result.rows_rejected


def test_bad_quoting_rejects_the_line_and_keeps_the_rest(tmp_path):
    content = f'{HEADER}\n2024-01-01,EUR,1.1\n2024-01-02,"EUR,1.2\n2024-01-03,EUR,1.3\n'.encode()
    results, database = load_one(tmp_path, "fx_rates.csv", content)
    fx = results["fx_rates"]
    assert_nothing_lost(fx)
    assert fx.rows_loaded >= 1 and fx.rows_rejected >= 1
    assert all("malformed CSV line" in reason for *_, reason in rejects(database))


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_load(tmp_path, delimiter):
    content = (HEADER.replace(",", delimiter) + "\n" + delimiter.join(["2024-01-01", "EUR", "1.1"]) + "\n").encode()
    results, database = load_one(tmp_path, "fx_rates.csv", content)
    assert (results["fx_rates"].rows_loaded, results["fx_rates"].rows_rejected) == (1, 0)


def test_byte_order_mark_is_ignored(tmp_path):
    content = b"\xef\xbb\xbf" + f"{HEADER}\n2024-01-01,EUR,1.1\n".encode()
    results, database = load_one(tmp_path, "fx_rates.csv", content)
    assert (results["fx_rates"].rows_loaded, results["fx_rates"].rows_rejected) == (1, 0)


def test_non_utf8_bytes_are_rejected_with_their_line(tmp_path):
    content = f"{HEADER}\n2024-01-01,EUR,1.1\n".encode() + b"2024-01-02,E\xffR,1.2\n" + b"2024-01-03,EUR,1.3\n"
    results, database = load_one(tmp_path, "fx_rates.csv", content)
    fx = results["fx_rates"]
    assert_nothing_lost(fx)
    assert (fx.rows_loaded, fx.rows_rejected) == (2, 1)
    ((row_number, line_number, reason),) = rejects(database)
    assert line_number == 3 and "malformed CSV line" in reason


def test_ragged_rows_too_few_fields(tmp_path):
    content = f"{HEADER}\n2024-01-01,EUR\n2024-01-03,EUR,1.3\n".encode()
    results, database = load_one(tmp_path, "fx_rates.csv", content)
    fx = results["fx_rates"]
    assert_nothing_lost(fx)
    assert (fx.rows_loaded, fx.rows_rejected) == (1, 1)


def test_far_past_and_future_dates_and_long_strings_load(tmp_path):
    long_name = "x" * 100_000
    content = (
        f"customer_id,name,created_at\nc1,{long_name},1900-01-01T00:00:00Z\nc2,B,2999-12-31T23:59:59+05:00\n"
    ).encode()
    results, database = load_one(tmp_path, "billing_customers.csv", content)
    assert (results["billing_customers"].rows_loaded, results["billing_customers"].rows_rejected) == (2, 0)
    with duckdb.connect(str(database), read_only=True) as con:
        got = con.execute(
            "select customer_id, length(name), created_at from raw.billing_customers order by 1"
        ).fetchall()
    assert got == [("c1", 100_000, datetime(1900, 1, 1)), ("c2", 1, datetime(2999, 12, 31, 18, 59, 59))]


def test_binary_file_with_a_csv_name_is_a_clear_error_or_rejects(tmp_path):
    content = bytes(range(256)) * 4
    src = tmp_path / "src"
    src.mkdir()
    (src / "fx_rates.csv").write_bytes(content)
    with pytest.raises(LoadError) as err:
        load_directory(src, tmp_path / "wh.duckdb")
    assert "fx_rates.csv" in str(err.value)


def _history_fixture(tmp_path: Path, history_rows: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "billing_customers.csv").write_text("customer_id,created_at\nc1,2024-01-01\n")
    (src / "billing_prices.csv").write_text(
        "price_id,product_id,currency,unit_amount,billing_interval,interval_count,is_recurring\n"
        "p1,prod,USD,1000,month,1,true\n"
    )
    (src / "billing_subscriptions.csv").write_text("subscription_id,customer_id,created_at\ns1,c1,2024-01-01\n")
    (src / "billing_subscription_item_history.csv").write_text(
        "subscription_item_id,subscription_id,price_id,quantity,valid_from,valid_to\n" + history_rows
    )
    database = tmp_path / "wh.duckdb"
    results = {r.table: r for r in load_directory(src, database)}
    assert results["billing_subscription_item_history"].rows_rejected == 0
    return database


@pytest.mark.parametrize(
    "history_rows",
    [
        # overlapping periods of one item would count it twice
        "i1,s1,p1,1,2024-01-01,2024-03-01\ni1,s1,p1,2,2024-02-01,\n",
        # valid_to before valid_from
        "i1,s1,p1,1,2024-03-01,2024-02-01\n",
    ],
)
def test_broken_item_history_is_flagged_by_a_test_not_dropped(tmp_path, history_rows):
    database = _history_fixture(tmp_path, history_rows)
    with pytest.raises(BuildError):
        build(database, as_of="2024-04-30", select=["assert_item_history_periods_valid"])
    with duckdb.connect(str(database), read_only=True) as con:
        # the rows are still there, in raw and in staging
        assert con.execute("select count(*) from raw.billing_subscription_item_history").fetchone()[0] == len(
            history_rows.strip().splitlines()
        )
