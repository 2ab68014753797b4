"""Tests on the raw tables read only the rows no load checked that were loaded since the last
complete build that passed (or carry no load time).

The loader rejects every row a raw test could fail on, so a bad raw row is written here directly
into the raw table, as a process other than `saas-metrics load` could: the same web session twice,
dated after as_of so that no model reads it and only the raw key test can see it.
"""

from __future__ import annotations

import json

import duckdb
import pytest
import yaml

from saas_metrics.contract import load_contract, project_dir
from saas_metrics.dbt_runner import BuildError, build, run_dbt
from tests.helpers import FIXTURES, build_warehouse

AS_OF = "2024-04-30"


def _watermarks(database) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(*) from intermediate._tested_loads").fetchone()[0]


def _insert_duplicate_session(database, loaded_at: str) -> None:
    """Two raw rows with one session_id, loaded at loaded_at (an SQL expression)."""
    with duckdb.connect(str(database)) as con:
        for _ in range(2):
            con.execute(
                "insert into raw.web_sessions (session_id, anonymous_id, started_at, pageviews, _loaded_at) "
                f"values ('ses_twice', 'anon_twice', timestamp '2030-01-01 00:00:00', 1, {loaded_at})"
            )


def test_raw_tests_read_the_rows_loaded_since_the_last_complete_passing_build(tmp_path):
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, AS_OF)
    assert _watermarks(database) == 1

    # a build of some models only records no watermark
    build(database, as_of=AS_OF, select=["+fct_mrr_monthly"], target_path=tmp_path / "target_selected")
    assert _watermarks(database) == 1

    # a bad row dated before the watermark counts as tested: the next build passes and records one
    _insert_duplicate_session(database, "timestamp '2000-01-01 00:00:00'")
    build(database, as_of=AS_OF, target_path=tmp_path / "target_daily")
    assert _watermarks(database) == 2

    # a bad row loaded after the last passing build fails the build, which records no watermark,
    # so the next build tests the same rows again
    _insert_duplicate_session(database, "timestamp '2999-01-01 00:00:00'")
    with pytest.raises(BuildError):
        build(database, as_of=AS_OF, target_path=tmp_path / "target_new_row")
    assert _watermarks(database) == 2

    # --full-refresh tests every raw row no load checked again
    with duckdb.connect(str(database)) as con:
        con.execute("delete from raw.web_sessions where _loaded_at > timestamp '2100-01-01 00:00:00'")
    with pytest.raises(BuildError):
        build(database, as_of=AS_OF, target_path=tmp_path / "target_full", full_refresh=True)


def test_raw_tests_skip_the_rows_a_load_checked_and_read_rows_without_a_load_time(tmp_path):
    """A row with no _loaded_at (written by a process that does not set it) is tested by every
    build; a row whose _loaded_at is a recorded load's was checked by that load, so even
    --full-refresh does not read it again."""
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, AS_OF)

    _insert_duplicate_session(database, "null")
    with pytest.raises(BuildError):
        build(database, as_of=AS_OF, target_path=tmp_path / "target_no_load_time")

    with duckdb.connect(str(database)) as con:
        con.execute("delete from raw.web_sessions where session_id = 'ses_twice'")
    _insert_duplicate_session(database, "(select max(loaded_at) from raw._load_log)")
    build(database, as_of=AS_OF, target_path=tmp_path / "target_checked", full_refresh=True)


def test_every_raw_test_checks_a_rule_the_loader_enforces():
    """The raw tests skip the rows a load wrote, which is exact only while each of them checks what
    the loader rejects a row for: a required column's value (not_null) or the primary key (unique,
    unique_combination). A raw test of anything else must read every row, so it fails here."""
    contract = load_contract()
    sources = yaml.safe_load((project_dir() / "models" / "sources" / "_raw__sources.yml").read_text())
    checked = 0
    for source in sources["sources"]:
        for table in source["tables"]:
            rules = contract[table["name"]]
            for test in table.get("data_tests", []):
                ((name, config),) = test.items()
                assert name == "unique_combination", (table["name"], name)
                assert tuple(config["arguments"]["columns"]) == rules.primary_key, table["name"]
                checked += 1
            for column in table.get("columns", []):
                for test in column.get("data_tests", []):
                    name = test if isinstance(test, str) else next(iter(test))
                    where = f"{table['name']}.{column['name']}: {name}"
                    assert name in ("not_null", "unique"), where
                    if name == "not_null":
                        assert column["name"] in rules.required_columns, where
                    else:
                        assert (column["name"],) == rules.primary_key, where
                    checked += 1
    assert checked >= 90


def test_the_composite_key_test_reports_exactly_the_repeated_combinations(tmp_path):
    """unique_combination fails with one row per repeated (customer_id, usage_date), counted: rows
    that share one of the two columns only are not duplicates."""
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, AS_OF)
    rows = [
        ("cus_twice", "2030-01-01"),
        ("cus_twice", "2030-01-01"),
        ("cus_twice", "2030-01-02"),  # same customer, another day
        ("cus_other", "2030-01-01"),  # same day, another customer
        ("cus_thrice", "2030-01-05"),
        ("cus_thrice", "2030-01-05"),
        ("cus_thrice", "2030-01-05"),
    ]
    with duckdb.connect(str(database)) as con:
        for customer_id, usage_date in rows:
            con.execute(
                "insert into raw.product_usage_daily (customer_id, usage_date, active_users, _loaded_at) "
                f"values ('{customer_id}', date '{usage_date}', 1, timestamp '2999-01-01 00:00:00')"
            )
    target = tmp_path / "target_keys"
    with pytest.raises(BuildError):
        run_dbt(["test"], database, {"as_of": AS_OF}, ["source:raw.product_usage_daily"], target_path=target)
    results = json.loads((target / "run_results.json").read_text())["results"]
    (key_test,) = [r for r in results if "unique_combination" in r["unique_id"]]
    assert (key_test["status"], key_test["failures"]) == ("fail", 2)
    with duckdb.connect(str(database)) as con:
        failing_sql = (target / "compiled").rglob("source_unique_combination_raw_*.sql")
        (compiled,) = list(failing_sql)
        reported = con.execute(
            f"select customer_id, usage_date, occurrences from ({compiled.read_text()}) order by 1"
        ).fetchall()
    assert [(c, str(d), n) for c, d, n in reported] == [("cus_thrice", "2030-01-05", 3), ("cus_twice", "2030-01-01", 2)]


KEY_TEST = "unique_fct_customer_mrr_monthly_customer_month_id"
ROLL_FORWARD = "assert_customer_mrr_roll_forward"
CREDITS = "assert_attribution_credits_sum_to_one"
TESTS = (KEY_TEST, ROLL_FORWARD, CREDITS)


def _run_tests(database, target) -> dict[str, tuple[str, int, str]]:
    """Runs fct_customer_mrr_monthly's key test, the customer roll-forward and the attribution
    credits' test alone: {test: (status, failures, compiled SQL)}."""
    try:
        run_dbt(["test"], database, {"as_of": AS_OF}, list(TESTS), target_path=target)
    except BuildError:
        pass
    outcome = {}
    for result in json.loads((target / "run_results.json").read_text())["results"]:
        name = result["unique_id"].split(".")[2]
        if name in TESTS:
            (compiled,) = list((target / "compiled").rglob(f"{name}.sql"))
            outcome[name] = (result["status"], result["failures"], compiled.read_text())
    assert set(outcome) == set(TESTS)
    return outcome


def _record_rebuilt(con, month, recorded_at: str) -> None:
    """A run of the MRR months, the movements and the attribution that rebuilt `month` (its first)."""
    for model in ("fct_customer_mrr_monthly", "fct_mrr_movements", "fct_attribution"):
        con.execute(
            f"insert into intermediate._rebuilt_months values (?, ?, timestamp '{recorded_at}')", [model, month]
        )


def test_mart_tests_read_the_months_rebuilt_since_the_last_complete_passing_build(tmp_path):
    """A test on an incremental model reads the months its runs rebuilt since the last complete build
    that passed: a failure in a month one run wrote is reported again by the next run, which
    rebuilt a later month, until a complete build passes (then only the newer months are read).
    The customer roll-forward and the attribution credits' test, singular tests over two such
    models each, read from the first of their months on (the roll-forward the month before too)."""
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, AS_OF)
    with duckdb.connect(str(database)) as con:
        query = "select distinct month from marts.fct_customer_mrr_monthly order by 1"
        months = [month for (month,) in con.execute(query).fetchall()]
        first, last = months[1], months[-1]
        assert len(months) >= 4
        # a run after the passing build rewrote months[1] on: one customer-month twice (the key test
        # fails) and another customer's MRR off by 1 in that month (the roll-forward fails there and
        # in the month after); its tests failed, so no complete build passed
        twice, off = con.execute(
            "select min(customer_id), max(customer_id) from marts.fct_customer_mrr_monthly where month = ? and mrr > 0",
            [first],
        ).fetchone()
        assert twice != off
        con.execute(
            "insert into marts.fct_customer_mrr_monthly "
            "select * from marts.fct_customer_mrr_monthly where month = ? and customer_id = ?",
            [first, twice],
        )
        con.execute(
            "update marts.fct_customer_mrr_monthly set mrr = mrr + 1 where month = ? and customer_id = ?",
            [first, off],
        )
        _record_rebuilt(con, first, "2999-01-01 00:00:00")
        # the next run rebuilt only the last month
        _record_rebuilt(con, last, "2999-01-02 00:00:00")
    outcome = _run_tests(database, tmp_path / "target_next")
    # both months are still read, and both tests still fail
    status, failures, compiled = outcome[KEY_TEST]
    assert (status, failures) == ("fail", 1)
    assert f"cast('{first}' as date)" in compiled and f"cast('{last}' as date)" in compiled
    status, failures, compiled = outcome[ROLL_FORWARD]
    assert status == "fail" and failures >= 1
    assert f"cast('{first}' as date)" in compiled and f"cast('{last}' as date)" not in compiled
    status, failures, compiled = outcome[CREDITS]
    assert (status, failures) == ("pass", 0)
    assert f"conversion_month >= cast(cast('{first}' as date)" in compiled

    # after a complete build that passed, a run that rebuilt the last month reads that month alone
    # (and the roll-forward the month before it too)
    with duckdb.connect(str(database)) as con:
        con.execute("insert into intermediate._tested_loads values (null, timestamp '2999-01-03 00:00:00')")
        _record_rebuilt(con, last, "2999-01-04 00:00:00")
    outcome = _run_tests(database, tmp_path / "target_after_pass")
    for test in TESTS:
        status, failures, compiled = outcome[test]
        assert (status, failures) == ("pass", 0), test
        assert f"cast('{first}' as date)" not in compiled and f"cast('{last}' as date)" in compiled, test

    # a wrong MRR in the month the run rebuilt fails the roll-forward
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update marts.fct_customer_mrr_monthly set mrr = mrr + 1 where month = ? and customer_id = ?",
            [last, off],
        )
    status, failures, _ = _run_tests(database, tmp_path / "target_last_month")[ROLL_FORWARD]
    assert (status, failures) == ("fail", 1)
