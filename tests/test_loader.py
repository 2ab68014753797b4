"""The loader: typed landing per the contract, rejects kept with reasons, nothing lost."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from saas_metrics.cli import main
from saas_metrics.contract import load_contract
from saas_metrics.loader import LoadError, load_directory

PRICES_HEADER = (
    "price_id,product_id,product_name,plan_tier,currency,unit_amount,billing_interval,interval_count,is_recurring"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def by_table(results):
    return {r.table: r for r in results}


def rows(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def rejects(db: Path, table: str):
    return rows(
        db,
        f"select source_file, row_number, line_number, reason, raw_values from raw._rejects "
        f"where table_name = '{table}' order by coalesce(row_number, line_number)",
    )


@pytest.fixture
def src(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def db(tmp_path):
    return tmp_path / "wh.duckdb"


def test_every_contract_table_exists_typed_even_without_files(src, db):
    results = load_directory(src, db)
    assert {r.table for r in results} == set(load_contract())
    assert all(r.rows_read == 0 for r in results)
    types = dict(
        rows(
            db,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'billing_prices'",
        )
    )
    assert types["unit_amount"] == "BIGINT"
    assert types["is_recurring"] == "BOOLEAN"
    assert types["interval_count"] == "INTEGER"
    assert types["_loaded_at"] == "TIMESTAMP"
    assert types["_source_file"] == "VARCHAR"


def test_clean_file_types_values_and_normalises(src, db):
    write(
        src,
        "billing_customers.csv",
        "customer_id,company_id,email,name,country,created_at,is_test,extra_col\n"
        "c1,co1,a@x.io,A,US,2024-03-01T10:00:00+02:00,,ignored\n"
        "c2,co2,b@x.io,B,DE,2024-03-01 10:00:00,YES,ignored\n"
        "c3,co3,c@x.io,C,FR,2024-03-01,f,ignored\n"
        "c4,co4,d@x.io,D,GB,2024-03-01T10:00:00Z,0,ignored\n",
    )
    write(src, "billing_prices.csv", PRICES_HEADER + "\np1,prod,Pro,growth,eur,4900,MONTH,1,true\n")
    result = by_table(load_directory(src, db))
    assert (result["billing_customers"].rows_read, result["billing_customers"].rows_loaded) == (4, 4)
    got = rows(db, "select customer_id, created_at, is_test, _source_file from raw.billing_customers order by 1")
    assert got == [
        ("c1", datetime(2024, 3, 1, 8, 0), None, "billing_customers.csv"),  # +02:00 converted to UTC
        (
            "c2",
            datetime(2024, 3, 1, 10, 0),
            True,
            "billing_customers.csv",
        ),  # space instead of T, no offset = UTC
        ("c3", datetime(2024, 3, 1, 0, 0), False, "billing_customers.csv"),  # date only = midnight UTC
        ("c4", datetime(2024, 3, 1, 10, 0), False, "billing_customers.csv"),
    ]
    assert rows(db, "select currency, billing_interval from raw.billing_prices") == [("EUR", "month")]
    cols = [
        r[0]
        for r in rows(
            db,
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'billing_customers'",
        )
    ]
    assert "extra_col" not in cols


def test_missing_required_column_stops_the_load_naming_file_and_column(src, db):
    write(src, "billing_customers.csv", "customer_id,company_id,country\nc1,co1,US\n")
    with pytest.raises(LoadError) as err:
        load_directory(src, db)
    message = str(err.value)
    assert "billing_customers.csv" in message
    assert "created_at" in message
    # nothing was written
    assert not db.exists() or rows(
        db, "select count(*) from information_schema.schemata where schema_name = 'raw'"
    ) == [(0,)]


def test_missing_nullable_column_is_null(src, db):
    write(src, "billing_customers.csv", "customer_id,created_at\nc1,2024-01-01\n")
    load_directory(src, db)
    assert rows(db, "select customer_id, email, is_test from raw.billing_customers") == [("c1", None, None)]


def test_bad_rows_are_rejected_with_reasons_and_counted(src, db):
    write(
        src,
        "billing_prices.csv",
        PRICES_HEADER + "\n"
        "p1,prod,Pro,growth,USD,4900,month,1,true\n"  # row 1 clean
        "p2,prod,Pro,growth,USD,abc,month,1,true\n"  # row 2 unparsable bigint
        "p3,prod,Pro,growth,USD,4900,fortnight,1,true\n"  # row 3 bad interval
        "p4,prod,Pro,growth,USD,4900,month,0,true\n"  # row 4 interval_count < 1
        "p5,prod,Pro,growth,XXQ,4900,month,1,true\n"  # row 5 unknown currency
        "p6,prod,Pro,growth,USD,4900,month,1,maybe\n"  # row 6 bad boolean
        ",prod,Pro,growth,USD,4900,month,1,true\n"  # row 7 null key
        "p8,prod,Pro,growth,USD,49.5,month,1,true\n"  # row 8 fractional minor units
        "p9,prod,Pro,growth,USD,4900,month,1,true\n"  # row 9 duplicate key
        "p9,prod,Pro,growth,USD,5900,month,1,true\n",
    )  # row 10 duplicate key
    result = by_table(load_directory(src, db))["billing_prices"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 1, 9)
    got = {r[1]: r[3] for r in rejects(db, "billing_prices")}
    assert got[2] == "column unit_amount: cannot parse abc as bigint"
    assert got[3] == "column billing_interval: fortnight is not one of day|week|month|year"
    assert got[4] == "column interval_count: 0 is not >= 1"
    assert got[5] == "column currency: XXQ is not an ISO 4217 currency code"
    assert got[6] == "column is_recurring: cannot parse maybe as boolean"
    assert got[7] == "column price_id: null in a non-null column"
    assert got[8] == "column unit_amount: cannot parse 49.5 as bigint"
    assert got[9] == got[10] == "primary key (price_id) = (p9) repeated within this delivery"
    raw_values = json.loads(rejects(db, "billing_prices")[0][4])
    assert raw_values["unit_amount"] == "abc"
    assert rows(db, "select price_id from raw.billing_prices") == [("p1",)]


@pytest.mark.parametrize(
    ("table", "header", "line", "reason"),
    [
        (
            "billing_subscription_item_history",
            "subscription_item_id,subscription_id,price_id,quantity,valid_from",
            "i1,s1,p1,-1,2024-01-01",
            "column quantity: -1 is not >= 0",
        ),
        (
            "billing_subscription_item_history",
            "subscription_item_id,subscription_id,price_id,quantity,discount_percent,valid_from",
            "i1,s1,p1,1,120,2024-01-01",
            "column discount_percent: 120.0 is not within 0..100",
        ),
        (
            "fx_rates",
            "rate_date,currency,usd_per_unit",
            "2024-01-01,EUR,0",
            "column usd_per_unit: 0.0 is not > 0",
        ),
        (
            "marketing_ad_spend",
            "spend_date,platform,campaign_id,currency,spend",
            "2024-01-01,google_ads,c1,USD,-5",
            "column spend: -5.0 is not >= 0",
        ),
        (
            "crm_nps_responses",
            "response_id,score,responded_at",
            "r1,11,2024-01-01",
            "column score: 11 is not within 0..10",
        ),
        (
            "crm_nps_responses",
            "response_id,score,responded_at",
            "r1,7,2024-13-45",
            "column responded_at: cannot parse 2024-13-45 as timestamp",
        ),
        (
            "fx_rates",
            "rate_date,currency,usd_per_unit",
            "not-a-date,EUR,1.1",
            "column rate_date: cannot parse not-a-date as date",
        ),
        (
            # digit-group separators are not read in doubles, as they are not in integers
            "fx_rates",
            "rate_date,currency,usd_per_unit",
            "2024-01-01,EUR,1_000.5",
            "column usd_per_unit: cannot parse 1_000.5 as double",
        ),
    ],
)
def test_value_rules(src, db, table, header, line, reason):
    write(src, f"{table}.csv", f"{header}\n{line}\n")
    result = by_table(load_directory(src, db))[table]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1, 0, 1)
    assert rejects(db, table)[0][3] == reason


def test_malformed_csv_lines_are_rejected_with_line_numbers(src, db):
    write(
        src,
        "fx_rates.csv",
        "rate_date,currency,usd_per_unit\n"
        "2024-01-01,EUR,1.1\n"
        "2024-01-02,EUR,1.1,oops\n"  # line 3: too many columns
        "2024-01-03,EUR,1.2\n",
    )
    result = by_table(load_directory(src, db))["fx_rates"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    (source_file, row_number, line_number, reason, raw_values) = rejects(db, "fx_rates")[0]
    assert (source_file, row_number, line_number) == ("fx_rates.csv", None, 3)
    assert reason.startswith("malformed CSV line")
    assert "oops" in raw_values


def test_rows_after_malformed_lines_keep_their_row_numbers_and_lines_are_lines_of_the_file(src, db):
    """Rows are numbered among the file's data rows (header and blank lines not counted), whatever
    malformed lines come before them; a malformed line is named by the line of the file it starts on,
    a quoted value spanning two lines counting as two."""
    write(
        src,
        "fx_rates.csv",
        "rate_date,currency,usd_per_unit\n"  # line 1
        "2024-01-01,EUR,1.1\n"  # line 2, row 1
        "2024-01-02,EUR,1.1,oops\n"  # line 3, row 2: malformed
        "2024-01-03,EUR,x\n"  # line 4, row 3: not a number
        '2024-01-04,"E\nUR",1.2\n'  # lines 5-6, row 4: not a currency
        "2024-01-05,EUR,1.1,oops\n"  # line 7, row 5: malformed
        "\n"  # line 8: blank, not a row
        "2024-01-06,EUR,y\n",  # line 9, row 6: not a number
    )
    result = by_table(load_directory(src, db))["fx_rates"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 1, 5)
    got = [
        (row_number, line_number, reason.split(":")[0])
        for _, row_number, line_number, reason, _ in rejects(db, "fx_rates")
    ]
    assert sorted(got, key=lambda r: (r[0] or 0, r[1] or 0)) == [
        (None, 3, "malformed CSV line"),
        (None, 7, "malformed CSV line"),
        (3, None, "column usd_per_unit"),
        (4, None, "column currency"),
        (6, None, "column usd_per_unit"),
    ]


def test_redelivered_keys_replace_and_reload_is_a_no_op(src, db, tmp_path):
    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit\n2024-01-01,EUR,1.1\n2024-01-02,EUR,1.2\n")
    load_directory(src, db)
    snapshot = rows(db, "select *, from raw.fx_rates order by all")
    # the same folder again: nothing changes, not even _loaded_at
    result = by_table(load_directory(src, db))["fx_rates"]
    assert result.rows_changed == 0
    assert rows(db, "select *, from raw.fx_rates order by all") == snapshot
    # a later delivery replaces the row with the same key and adds the new one
    later = tmp_path / "later"
    write(later, "fx_rates.csv", "rate_date,currency,usd_per_unit\n2024-01-02,eur,1.25\n2024-01-03,EUR,1.3\n")
    result = by_table(load_directory(later, db))["fx_rates"]
    assert result.rows_changed == 2
    assert rows(db, "select rate_date, usd_per_unit from raw.fx_rates order by 1") == [
        (date(2024, 1, 1), 1.1),
        (date(2024, 1, 2), 1.25),
        (date(2024, 1, 3), 1.3),
    ]
    # the replaced version is kept, so an incremental build can reprocess where it counted
    assert rows(db, "select table_name, row_values from raw._replaced_rows") == [
        ("fx_rates", '{"rate_date":"2024-01-02","currency":"EUR","usd_per_unit":1.2}')
    ]


def test_rejects_of_a_reloaded_file_are_not_duplicated(src, db):
    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit\nbad,EUR,1.1\n")
    load_directory(src, db)
    load_directory(src, db)
    assert rows(db, "select count(*) from raw._rejects") == [(1,)]
    assert rows(db, "select count(*) from raw._load_log where table_name = 'fx_rates'") == [(2,)]


def test_parquet_and_folders_of_parts(src, db):
    table = pa.table(
        {
            "rate_date": pa.array([date(2024, 1, 1), date(2024, 1, 2)]),
            "currency": ["eur", "EUR"],
            "usd_per_unit": [1.1, -1.0],
        }
    )
    (src / "fx_rates").mkdir()
    pq.write_table(table, src / "fx_rates" / "part-0.parquet")
    pq.write_table(
        table.slice(0, 1).set_column(0, "rate_date", pa.array([date(2024, 1, 5)])),
        src / "fx_rates" / "part-1.parquet",
    )
    write(src, "crm_companies.parquet", "")
    (src / "crm_companies.parquet").unlink()
    result = by_table(load_directory(src, db))["fx_rates"]
    assert result.files == ["fx_rates/part-0.parquet", "fx_rates/part-1.parquet"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert rejects(db, "fx_rates")[0][:3] == ("fx_rates/part-0.parquet", 2, None)


def test_header_only_and_empty_files_load_nothing(src, db):
    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit\n")
    write(src, "crm_companies.csv", "")
    result = by_table(load_directory(src, db))
    assert result["fx_rates"].rows_read == 0
    assert result["crm_companies"].rows_read == 0


def test_cli_prints_counts_and_fails_on_rejects(src, db, capsys):
    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit\n2024-01-01,EUR,1.1\n2024-01-01,EUR,x\n")
    assert main(["load", str(src), "--database", str(db)]) == 1
    out = capsys.readouterr()
    assert "fx_rates" in out.out
    line = next(x for x in out.out.splitlines() if x.startswith("fx_rates"))
    assert line.split()[1:] == ["1", "2", "0", "2"]  # files, read, loaded, rejected (duplicate key: both)
    assert "rejected" in out.err
    assert main(["load", str(src), "--database", str(db), "--allow-rejects"]) == 0


def test_cli_load_error_exit_code(src, db, capsys):
    write(src, "fx_rates.csv", "rate_date,usd_per_unit\n2024-01-01,1.1\n")
    assert main(["load", str(src), "--database", str(db)]) == 2
    assert "fx_rates.csv" in capsys.readouterr().err


# Rows for typed Parquet and for CSV: every rule of the contract that a typed value can break.
TYPED_DELIVERY = {
    "fx_rates": """
        select * from (values
            (date '2024-01-01', 'eur', 1.1::double),
            (date '2024-01-02', ' EUR ', 'nan'::double),
            (date '2024-01-03', 'EUR', 'inf'::double),
            (date '2024-01-04', 'EUR', -2.0::double),
            (date '2024-01-05', 'XXX', 1.0::double),
            (date '2024-01-06', null, 1.0::double),
            (null, 'GBP', 1.3::double),
            (date '2024-01-07', 'GBP', 1.25::double),
            (date '2024-01-07', 'GBP', 1.26::double)
        ) as t (rate_date, currency, usd_per_unit)
    """,
    "billing_subscription_item_history": """
        select * from (values
            ('si_1', 'sub_1', 'p_1', 2, 10.0::double, null::bigint,
             timestamptz '2024-01-01 09:00:00+02', null::timestamptz),
            ('si_2', 'sub_1', 'p_1', -1, null, null, timestamptz '2024-01-01 00:00:00+00', null),
            ('si_3', 'sub_1', 'p_1', 1, 150.0, null, timestamptz '2024-01-01 00:00:00+00', null),
            ('si_4', 'sub_1', 'p_1', 1, null, 500, null, null),
            ('  ', 'sub_1', 'p_1', 1, null, null, timestamptz '2024-02-01 00:00:00+00', null),
            ('si_6', 'sub_1', 'p_1', 3000000000, null, null, timestamptz '2024-03-01 00:00:00+00',
             timestamptz '2024-04-01 00:00:00+00')
        ) as t (subscription_item_id, subscription_id, price_id, quantity, discount_percent, discount_amount,
                valid_from, valid_to)
    """,
}


def _deliver(folder: Path, fmt: str) -> None:
    folder.mkdir()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        for table, sql in TYPED_DELIVERY.items():
            options = "format parquet" if fmt == "parquet" else "format csv, header true"
            con.execute(f"copy ({sql}) to '{folder / table}.{fmt}' ({options})")


def test_typed_parquet_is_read_as_it_is_and_checked_like_text(tmp_path):
    _deliver(tmp_path / "parquet", "parquet")
    _deliver(tmp_path / "csv", "csv")
    with duckdb.connect() as con:
        items = tmp_path / "parquet" / "billing_subscription_item_history.parquet"
        quantity = con.execute(f"select typeof(quantity) from read_parquet('{items}')").fetchone()[0]
    assert quantity == "BIGINT"  # an integer column wider than the contract's: read typed, range-checked
    results = {}
    for fmt in ("parquet", "csv"):
        database = tmp_path / f"{fmt}.duckdb"
        results[fmt] = by_table(load_directory(tmp_path / fmt, database))
    for table in TYPED_DELIVERY:
        parquet, csv = results["parquet"][table], results["csv"][table]
        assert (parquet.rows_read, parquet.rows_loaded, parquet.rows_rejected) == (
            csv.rows_read,
            csv.rows_loaded,
            csv.rows_rejected,
        )
        columns = ", ".join(c.name for c in load_contract()[table].columns)
        loaded = {
            fmt: rows(tmp_path / f"{fmt}.duckdb", f"select {columns} from raw.{table} order by all")
            for fmt in ("parquet", "csv")
        }
        assert loaded["parquet"] == loaded["csv"] and loaded["parquet"]
        reasons = {fmt: [r[1:4] for r in rejects(tmp_path / f"{fmt}.duckdb", table)] for fmt in ("parquet", "csv")}
        assert reasons["parquet"] == reasons["csv"]

    fx = rejects(tmp_path / "parquet.duckdb", "fx_rates")
    assert [(r[1], r[3]) for r in fx] == [
        (2, "column usd_per_unit: cannot parse nan as double"),
        (3, "column usd_per_unit: cannot parse inf as double"),
        (4, "column usd_per_unit: -2.0 is not > 0"),
        (5, "column currency: XXX is not an ISO 4217 currency code"),
        (6, "column currency: null in a non-null column"),
        (7, "column rate_date: null in a non-null column"),
        (8, "primary key (rate_date, currency) = (2024-01-07, GBP) repeated within this delivery"),
        (9, "primary key (rate_date, currency) = (2024-01-07, GBP) repeated within this delivery"),
    ]
    # the delivered values of a rejected row, read back from the Parquet file
    assert json.loads(fx[0][4]) == {"rate_date": "2024-01-02", "currency": " EUR ", "usd_per_unit": "nan"}
    items = {r[1]: r[3] for r in rejects(tmp_path / "parquet.duckdb", "billing_subscription_item_history")}
    assert items == {
        2: "column quantity: -1 is not >= 0",
        3: "column discount_percent: 150.0 is not within 0..100",
        4: "column valid_from: null in a non-null column",
        5: "column subscription_item_id: null in a non-null column",
        6: "column quantity: cannot parse 3000000000 as integer",
    }
    # delivered again into a warehouse that holds it (checked in a staging table, compared with the
    # stored rows): nothing changes and no reject is recorded twice
    again = by_table(load_directory(tmp_path / "parquet", tmp_path / "parquet.duckdb"))
    for table in TYPED_DELIVERY:
        first = results["parquet"][table]
        assert (again[table].rows_read, again[table].rows_rejected, again[table].rows_changed) == (
            first.rows_read,
            first.rows_rejected,
            0,
        )
    assert rejects(tmp_path / "parquet.duckdb", "fx_rates") == fx
    # a zoned timestamp lands in UTC
    assert rows(
        tmp_path / "parquet.duckdb",
        "select valid_from from raw.billing_subscription_item_history where subscription_item_id = 'si_1'",
    ) == [(datetime(2024, 1, 1, 7, 0),)]


def test_files_that_deliver_no_table_stop_the_load_naming_them(src, db):
    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit\n2024-01-01,EUR,1.1\n")
    write(src, "fx_rate.csv", "rate_date,currency,usd_per_unit\n2024-01-02,EUR,1.2\n")
    write(src, "FX_RATES.csv", "x\n")
    write(src, "billing_customers/part-1.json", "{}\n")
    # hidden files, a job's marker and a generator's manifest are not deliveries
    write(src, "_SUCCESS", "")
    write(src, ".DS_Store", "")
    write(src, "_faults_manifest.json", "[]\n")
    with pytest.raises(LoadError) as error:
        load_directory(src, db)
    message = str(error.value)
    assert "3 file(s) deliver no contract table: FX_RATES.csv, billing_customers/part-1.json, fx_rate.csv" in message
    # nothing was written
    assert rows(db, "select count(*) from information_schema.tables where table_schema = 'raw'") == [(0,)]
    for name in ("fx_rate.csv", "FX_RATES.csv", "billing_customers/part-1.json"):
        (src / name).unlink()
    # a part file under an underscore folder (a job's _temporary output) is not read either
    write(src, "billing_customers/_temporary/part-0.csv", "customer_id,created_at\nc_tmp,2024-01-01\n")
    results = by_table(load_directory(src, db))
    assert results["fx_rates"].rows_loaded == 1 and results["billing_customers"].rows_read == 0


def test_dates_and_timestamps_must_be_iso_8601_and_a_date_must_name_its_utc_day(src, db):
    write(
        src,
        "fx_rates.csv",
        "rate_date,currency,usd_per_unit\n"
        "2024-03-01T23:30:00-05:00,EUR,1.1\n"  # 2024-03-02 04:30 UTC: not the day written
        "2024-03-02 00:00:00+05:00,EUR,1.2\n"  # 2024-03-01 19:00 UTC
        "2024-03-03T10:00:00,EUR,1.3\n"  # a time of day on a date
        "2024-03-04,EUR,1.4\n"
        "2024-03-05T00:00:00Z,EUR,1.5\n"  # midnight UTC: that day
        "epoch,GBP,1.1\n"
        "infinity,GBP,1.2\n"
        "24-03-01,GBP,1.3\n"
        "12024-03-01,GBP,1.4\n"
        "2024-03-06 00:00:00+00:00,GBP,1.5\n",
    )
    write(
        src,
        "billing_customers.csv",
        "customer_id,created_at\n"
        "c1,2024-03-01T23:30:00-05:00\n"  # an instant: converted to UTC
        "c2,-infinity\n"
        "c3,-2024-03-01\n"
        "c4,2024-03-01\n",
    )
    results = by_table(load_directory(src, db))
    assert (results["fx_rates"].rows_loaded, results["fx_rates"].rows_rejected) == (3, 7)
    assert rows(db, "select rate_date, currency from raw.fx_rates order by 1") == [
        (date(2024, 3, 4), "EUR"),
        (date(2024, 3, 5), "EUR"),
        (date(2024, 3, 6), "GBP"),
    ]
    assert [(r[1], r[3]) for r in rejects(db, "fx_rates")] == [
        (row, f"column rate_date: cannot parse {value} as date")
        for row, value in (
            (1, "2024-03-01T23:30:00-05:00"),
            (2, "2024-03-02 00:00:00+05:00"),
            (3, "2024-03-03T10:00:00"),
            (6, "epoch"),
            (7, "infinity"),
            (8, "24-03-01"),
            (9, "12024-03-01"),
        )
    ]
    assert rows(db, "select customer_id, created_at from raw.billing_customers order by 1") == [
        ("c1", datetime(2024, 3, 2, 4, 30)),
        ("c4", datetime(2024, 3, 1)),
    ]
    assert [r[3] for r in rejects(db, "billing_customers")] == [
        "column created_at: cannot parse -infinity as timestamp",
        "column created_at: cannot parse -2024-03-01 as timestamp",
    ]


def test_parquet_ids_stored_as_fractional_numbers_stop_the_load_and_infinite_instants_are_rejected(src, db):
    pq.write_table(
        pa.table({"customer_id": [7.0, 1e16], "created_at": [datetime(2024, 1, 1)] * 2}),
        src / "billing_customers.parquet",
    )
    with pytest.raises(LoadError, match=r"billing_customers\.parquet: table billing_customers has text column"):
        load_directory(src, db)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'c1' as customer_id, 'infinity'::timestamp as created_at union all "
            f"select 'c2', timestamp '2024-01-01') to '{src / 'billing_customers.parquet'}' (format parquet)"
        )
    results = by_table(load_directory(src, db))
    assert (results["billing_customers"].rows_loaded, results["billing_customers"].rows_rejected) == (1, 1)
    assert [r[3] for r in rejects(db, "billing_customers")] == ["column created_at: cannot parse infinity as timestamp"]


def test_a_csv_whose_lines_end_in_carriage_returns_alone_stops_the_load(src, db):
    (src / "fx_rates.csv").write_bytes(b"rate_date,currency,usd_per_unit\r2024-01-01,EUR,1.1\r")
    with pytest.raises(LoadError, match=r"fx_rates\.csv: cannot read the CSV header .*line feed"):
        load_directory(src, db)


def test_columns_a_file_leaves_out_are_reported(src, db, capsys):
    """Extra columns are ignored and missing optional ones are null (the contract), and the load says
    so for each file: a misspelled optional column, re-delivered, would otherwise empty stored values
    without a word."""
    header = "subscription_item_id,subscription_id,price_id,quantity,valid_from"
    write(src, "billing_subscription_item_history.csv", f"{header},discount_pct\nsi1,s1,p1,1,2024-01-01,25\n")
    assert main(["load", str(src), "--database", str(db)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: billing_subscription_item_history.csv: column(s) not in the contract, ignored: discount_pct",
        "note: billing_subscription_item_history.csv: optional column(s) not in the file, loaded as null: "
        "discount_percent, discount_amount, valid_to",
    ]


def _load_customers_csv(src: Path, db: Path, lines: str):
    """Loads a billing_customers.csv of the given data lines (after the contract's header); returns the
    table's load result."""
    write(src, "billing_customers.csv", "customer_id,company_id,email,name,country,created_at,is_test\n" + lines)
    return by_table(load_directory(src, db))["billing_customers"]


def _load_customers_parquet(tmp_path: Path, ids: str):
    """Loads a billing_customers.parquet whose (customer_id, company_id) rows are the SQL values `ids`
    (the other columns valid, created_at typed); returns the load result and the stored ids."""
    folder = tmp_path / "parquet"
    folder.mkdir()
    with duckdb.connect() as con:
        con.execute(
            "copy (select customer_id, company_id, 'a@x.io' as email, 'A' as name, 'US' as country, "
            "timestamp '2024-03-01 00:00:00' as created_at, false as is_test "
            f"from (values {ids}) as t (customer_id, company_id)) "
            f"to '{folder / 'billing_customers.parquet'}' (format parquet)"
        )
    result = by_table(load_directory(folder, tmp_path / "parquet.duckdb"))["billing_customers"]
    return result, rows(tmp_path / "parquet.duckdb", "select customer_id, company_id from raw.billing_customers")


def test_blanks_around_values_are_trimmed_in_text_and_parquet(src, db, tmp_path):
    """Tabs and line breaks around a value are trimmed like spaces: an id exported as 'c1<TAB>' or with a
    trailing carriage return still matches 'c1', and a value of blanks alone is missing."""
    result = _load_customers_csv(
        src,
        db,
        'c1\t,\tco1,a@x.io,A,US,2024-03-01\t,"true\r"\n'
        '"\tc2\r\n",co2 ,b@x.io,B,DE,2024-03-01,false\n'
        '"\t\r\n",co3,c@x.io,C,FR,2024-03-01,false\n',
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert rows(db, "select customer_id, company_id, created_at, is_test from raw.billing_customers order by 1") == [
        ("c1", "co1", datetime(2024, 3, 1), True),
        ("c2", "co2", datetime(2024, 3, 1), False),
    ]
    assert [r[3] for r in rejects(db, "billing_customers")] == ["column customer_id: null in a non-null column"]

    _, loaded = _load_customers_parquet(tmp_path, "('c1' || chr(9), chr(13) || 'co1')")
    assert loaded == [("c1", "co1")]


def test_null_markers_of_sql_exports_are_missing_values(src, db, tmp_path):
    """NULL (in any case) and \\N, as SQL exports write a missing value, are read as missing: a nullable
    column loads null (company_id 'NULL' is no company, not one company shared by every such row), a
    non-null column rejects the row. Quoted or not, CSV or Parquet."""
    result = _load_customers_csv(
        src,
        db,
        "c1,NULL,a@x.io,A,US,2024-03-01,null\n"
        'c2,"\\N",b@x.io,B,DE,2024-03-01 10:00:00,Null\n'
        "\\N,co3,c@x.io,C,FR,2024-03-01,false\n"
        "c4,co4,d@x.io,D,GB,NULL,false\n"
        "c5,NULLS,e@x.io,E,GB,2024-03-01,false\n",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    assert rows(db, "select customer_id, company_id, is_test from raw.billing_customers order by 1") == [
        ("c1", None, None),
        ("c2", None, None),
        ("c5", "NULLS", False),  # a value that only starts like a marker is a value
    ]
    assert [(r[1], r[3]) for r in rejects(db, "billing_customers")] == [
        (3, "column customer_id: null in a non-null column"),
        (4, "column created_at: null in a non-null column"),
    ]

    typed, loaded = _load_customers_parquet(tmp_path, "('c1', 'null'), ('\\N', 'co2')")
    assert (typed.rows_read, typed.rows_loaded, typed.rows_rejected) == (2, 1, 1)
    assert loaded == [("c1", None)]


@pytest.mark.parametrize(
    "header",
    [
        'customer_id,created_at,"notes',  # the quote runs on over the data lines
        'customer_id,created_at,"no"tes',  # a quote closed inside a name
    ],
)
def test_a_csv_header_with_an_open_or_stray_quote_stops_the_load(src, db, header):
    """The reader takes the first record as the header: a quote left open in the first line would
    swallow the data lines after it into the header, and they were lost without a reject."""
    write(src, "billing_customers.csv", header + "\nc1,2024-01-01,a\nc2,2024-01-01,b\n")
    expected = r"billing_customers\.csv: .*(quote that is not closed|cannot read the CSV header)"
    with pytest.raises(LoadError, match=expected):
        load_directory(src, db)


def test_repeated_columns_stop_the_load_and_a_trailing_delimiter_is_an_ignored_column(src, db, tmp_path, capsys):
    """A contract column that appears twice (in any case or spacing) makes the value to load
    ambiguous; a repeated column the contract does not name is ignored like any other; a trailing
    delimiter, as many exporters write one, makes an unnamed column that is ignored."""
    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit, USD_PER_UNIT\n2024-01-01,EUR,1.1,9.9\n")
    with pytest.raises(LoadError, match=r"fx_rates\.csv: table fx_rates has column\(s\) that appear more than once"):
        load_directory(src, db)

    write(src, "fx_rates.csv", "notes,rate_date,Notes ,currency,usd_per_unit,notes\nx,2024-01-01,y,EUR,1.1,z\n")
    result = by_table(load_directory(src, db))["fx_rates"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1, 1, 0)
    assert "ignored: notes, Notes (column 3), notes (column 6)" in " ".join(result.notes)
    assert rows(db, "select currency, usd_per_unit from raw.fx_rates") == [("EUR", 1.1)]

    write(src, "fx_rates.csv", "rate_date,currency,usd_per_unit,\n2024-01-01,EUR,1.1,\n2024-02-01,EUR,1.2,\n")
    result = by_table(load_directory(src, db))["fx_rates"]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    assert "column(s) not in the contract, ignored: (unnamed column 4)" in " ".join(result.notes)

    folder = tmp_path / "parquet"
    folder.mkdir()
    pq.write_table(
        pa.Table.from_arrays(
            [pa.array(["c1"]), pa.array(["c2"]), pa.array([datetime(2024, 1, 1)])],
            names=["customer_id", "CUSTOMER_ID", "created_at"],
        ),
        folder / "billing_customers.parquet",
    )
    with pytest.raises(LoadError, match=r"billing_customers\.parquet: table billing_customers has column\(s\) that"):
        load_directory(folder, tmp_path / "parquet.duckdb")
    pq.write_table(
        pa.Table.from_arrays(
            [pa.array(["c1"]), pa.array(["x"]), pa.array(["y"]), pa.array([datetime(2024, 1, 1)])],
            names=["customer_id", "notes", "NOTES", "created_at"],
        ),
        folder / "billing_customers.parquet",
    )
    extra = by_table(load_directory(folder, tmp_path / "parquet.duckdb"))["billing_customers"]
    assert (extra.rows_loaded, extra.rows_rejected) == (1, 0)

    # the fields inside list and struct columns are not columns: two lists (each with 'list' and
    # 'element' inside) and a struct with a field named like a column are extra columns, ignored
    pq.write_table(
        pa.table(
            {
                "customer_id": ["c1"],
                "created_at": [datetime(2024, 1, 1)],
                "tags": [["a"]],
                "labels": [["b"]],
                "address": [{"country": "FR"}],
                "country": ["US"],
            }
        ),
        folder / "billing_customers.parquet",
    )
    nested = by_table(load_directory(folder, tmp_path / "parquet.duckdb"))["billing_customers"]
    assert (nested.rows_loaded, nested.rows_rejected) == (1, 0)
    assert rows(tmp_path / "parquet.duckdb", "select customer_id, country from raw.billing_customers") == [("c1", "US")]


def test_timestamps_take_utc_or_an_offset_never_a_zone_name(src, db):
    """After the time, only Z, ' UTC' or a numeric offset: zone abbreviations name several zones
    (BST is British Summer Time and Bangladesh Standard Time) and would move instants by hours. Year
    0000 is no year."""
    result = _load_customers_csv(
        src,
        db,
        "c1,co1,a@x.io,A,US,2024-07-01 10:00:00 BST,false\n"
        "c2,co2,b@x.io,B,US,2024-07-01T10:00:00 Europe/Paris,false\n"
        "c3,co3,c@x.io,C,US,2024-07-01T10:00:00+25:00,false\n"
        "c4,co4,d@x.io,D,US,0000-01-01,false\n"
        "c5,co5,e@x.io,E,US,2024-07-01 10:00:00 UTC,false\n"
        "c6,co6,f@x.io,F,US,2024-07-01T10:00:00.5+0530,false\n"
        "c7,co7,g@x.io,G,US,2024-07-01T10:00Z,false\n"
        "c8,co8,h@x.io,H,US,2024-07-01 10:00:00.000 -0800,false\n"  # Snowflake's default output
        "c9,co9,i@x.io,I,US,2024-07-01 10:00:00 +0000,false\n",  # Ruby's Time#to_s
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (9, 5, 4)
    assert rows(db, "select customer_id, created_at from raw.billing_customers order by 1") == [
        ("c5", datetime(2024, 7, 1, 10, 0)),
        ("c6", datetime(2024, 7, 1, 4, 30, 0, 500000)),
        ("c7", datetime(2024, 7, 1, 10, 0)),
        ("c8", datetime(2024, 7, 1, 18, 0)),
        ("c9", datetime(2024, 7, 1, 10, 0)),
    ]
    assert [r[1] for r in rejects(db, "billing_customers")] == [1, 2, 3, 4]


def test_parquet_ids_as_whole_decimals_load_and_years_before_1_are_rejected(src, db):
    """A DECIMAL(38,0) id (as Oracle and Snowflake export integers) has no fraction: it loads as its
    digits. A typed timestamp in year 0 or before is rejected like an infinite one."""
    with duckdb.connect() as con:
        con.execute(
            "copy (select 123456789012345678901234::decimal(38,0) as customer_id, timestamp '2024-01-01' as created_at "
            "union all select 2::decimal(38,0), '-0001-06-01 00:00:00'::timestamp) "
            f"to '{src / 'billing_customers.parquet'}' (format parquet)"
        )
    result = by_table(load_directory(src, db))["billing_customers"]
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert rows(db, "select customer_id from raw.billing_customers") == [("123456789012345678901234",)]
    assert [r[3] for r in rejects(db, "billing_customers")][0].startswith("column created_at: cannot parse")


def test_a_carriage_return_inside_an_unquoted_value_stops_the_load_naming_its_line(src, db):
    """DuckDB's reader stops on a carriage return inside an unquoted value without saying where; the
    error names the file, the table and the line."""
    (src / "fx_rates.csv").write_bytes(
        b"rate_date,currency,usd_per_unit\r\n2024-01-01,EUR,1.1\r\n2024-02-01,E\rUR,1.2\r\n2024-03-01,EUR,1.3\r\n"
    )
    with pytest.raises(LoadError, match=r"fx_rates\.csv: table fx_rates: line 3 holds a carriage return"):
        load_directory(src, db)


def test_parquet_strings_written_as_bytes_are_text_and_lists_or_structs_stop_the_load(src, db):
    """Spark, Hive and Impala write strings as byte arrays without marking them UTF-8: they load as
    the text they hold, not as escaped bytes ('Jos\\xC3\\xA9'). A list or a struct in a contract
    column would load as its printed form, so it stops the load."""
    pq.write_table(
        pa.table(
            {
                "customer_id": pa.array([b"c\xc3\xa9"], type=pa.binary()),
                "name": pa.array(["Jos\u00e9".encode()], type=pa.binary()),
                "created_at": [datetime(2024, 1, 1)],
            }
        ),
        src / "billing_customers.parquet",
    )
    load_directory(src, db)
    assert rows(db, "select customer_id, name from raw.billing_customers") == [("c\u00e9", "Jos\u00e9")]

    pq.write_table(
        pa.table({"customer_id": ["c1"], "email": [["a@x.io"]], "created_at": [datetime(2024, 1, 1)]}),
        src / "billing_customers.parquet",
    )
    with pytest.raises(LoadError, match=r"billing_customers\.parquet: .*stored as bytes, lists or structs.*email"):
        load_directory(src, db)


def test_blanks_include_unicode_spaces_whatever_else_the_value_holds(src, db):
    """A no-break space is trimmed like a space, also next to a tab: 'c2<TAB><NBSP>' is the id c2."""
    _load_customers_csv(
        src, db, "\u00a0c1\u00a0,co1,a@x.io,A,US,2024-03-01,false\nc2\t\u00a0,co2,b@x.io,B,US,2024-03-01,false\n"
    )
    assert rows(db, "select customer_id from raw.billing_customers order by 1") == [("c1",), ("c2",)]


def test_utf16_csv_and_empty_parquet_files_stop_the_load_saying_why(src, db):
    (src / "fx_rates.csv").write_bytes("rate_date,currency,usd_per_unit\n2024-01-01,EUR,1.1\n".encode("utf-16"))
    with pytest.raises(LoadError, match=r"fx_rates\.csv: the file is UTF-16 encoded"):
        load_directory(src, db)
    (src / "fx_rates.csv").unlink()
    (src / "fx_rates.parquet").write_bytes(b"")
    with pytest.raises(LoadError, match=r"fx_rates\.parquet: the file is empty, which no Parquet file is"):
        load_directory(src, db)


def test_nanosecond_timestamps_are_truncated_in_parquet_as_in_text(src, db, tmp_path):
    """The warehouse keeps microseconds. Nanoseconds are cut off, never rounded: rounding would move
    an event in the last half microsecond of a month into the next month, and a row delivered once
    as text and once as Parquet would count as changed."""
    instants = [1704067199_999999999, 1704067200_123456789, -315619199_876543300]  # 1960 too
    expected = [
        ("c1", datetime(2023, 12, 31, 23, 59, 59, 999999)),
        ("c2", datetime(2024, 1, 1, 0, 0, 0, 123456)),
        ("c3", datetime(1960, 1, 1, 0, 0, 0, 123456)),
    ]
    for zone in (None, "UTC"):
        folder = tmp_path / f"parquet_{zone}"
        folder.mkdir()
        pq.write_table(
            pa.table(
                {
                    "customer_id": ["c1", "c2", "c3"],
                    "created_at": pa.array(instants, type=pa.timestamp("ns", tz=zone)),
                }
            ),
            folder / "billing_customers.parquet",
        )
        database = tmp_path / f"parquet_{zone}.duckdb"
        load_directory(folder, database)
        assert rows(database, "select customer_id, created_at from raw.billing_customers order by 1") == expected
    write(
        src,
        "billing_customers.csv",
        "customer_id,created_at\n"
        "c1,2023-12-31T23:59:59.999999999Z\n"
        "c2,2024-01-01 00:00:00.123456789\n"
        "c3,1960-01-01T00:00:00.1234567Z\n",
    )
    load_directory(src, db)
    assert rows(db, "select customer_id, created_at from raw.billing_customers order by 1") == expected
