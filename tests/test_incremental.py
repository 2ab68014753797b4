"""Incremental builds give exactly the marts of a full refresh.

A small simulated company is delivered in four loads (tests/deliveries.py): everything up to a
cut-off day, then deliveries of the following days that also carry late-arriving rows for earlier
months (sessions, usage, contacts, lifecycle stage changes, tickets, NPS responses, e-mail events,
FX rates held back from the first load) and re-delivered rows (same primary key, changed values,
some with a changed date in another month), plus a rejected row, and a last delivery of the final
days alone. After each load the models are built incrementally, the warehouse is copied and
rebuilt with --full-refresh, and every public mart must be identical, row for row (fct_touchpoints
patched session by session and int_contact_stages contact by contact, the other incremental
models month by month). Then the same holds for a build with nothing new loaded, for a report
back-dated to an earlier as_of, for as_of brought forward again, and after a corrected price (a
raw table without a date rule: every month rebuilt).
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb

from saas_metrics.dbt_runner import run_dbt
from saas_metrics.generator import generate
from saas_metrics.loader import load_directory
from tests.deliveries import (
    DOMAIN_MODELS,
    INCREMENTAL_MODELS,
    LINEAGE_MODELS,
    STITCHED_LINEAGE_MODELS,
    compiled_model,
    split_deliveries,
)

PROJECT = Path(__file__).resolve().parents[1]


def test_the_lineage_checksum_covers_every_var_the_models_read():
    """Changing a var rebuilds every month of the incremental models: the vars whose values the
    checksum includes are all the vars the models and macros read, as_of excepted."""
    read = set()
    for folder in ("models", "macros"):
        for path in (PROJECT / folder).rglob("*.sql"):
            read |= set(re.findall(r"""var\(\s*['"]([a-z_]+)['"]""", path.read_text()))
    macro = (PROJECT / "macros" / "incremental.sql").read_text()
    listed = macro[macro.index("macro checksummed_vars()") :]
    listed = set(re.findall(r"'([a-z_]+)'", listed[: listed.index("endmacro")]))
    assert read - {"as_of"} == listed and "health_ticket_window_months" in listed


def build_models(database: Path, target: Path, full_refresh: bool = False, dbt_vars: dict | None = None) -> None:
    args = ["--resource-type", "seed", "--resource-type", "model"]
    run_dbt(
        ["build"],
        database,
        dbt_vars=dbt_vars,
        extra_args=[*args, *(["--full-refresh"] if full_refresh else [])],
        target_path=target,
    )


def public_marts(database: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}


def full_refresh_of(database: Path, tmp_path: Path, label: str, dbt_vars: dict | None = None) -> Path:
    """A copy of the warehouse rebuilt with --full-refresh (its dbt artifacts in target_full_<label>)."""
    full = tmp_path / f"full_refresh_{label}.duckdb"
    shutil.copyfile(database, full)
    build_models(full, tmp_path / f"target_full_{label}", full_refresh=True, dbt_vars=dbt_vars)
    return full


def assert_marts_of_a_full_refresh(database: Path, full: Path, when: str) -> None:
    incremental_marts, full_marts = public_marts(database), public_marts(full)
    assert set(incremental_marts) == set(full_marts) and len(full_marts) > 25
    for table, rows in full_marts.items():
        assert incremental_marts[table] == rows, f"{when}: marts.{table} differs from a full refresh"
    # the contact stages, patched contact by contact, are compared row by row too: the funnel reads
    # them only as counts and medians
    query = "select * from intermediate.int_contact_stages order by all"
    with duckdb.connect(str(database), read_only=True) as con, duckdb.connect(str(full), read_only=True) as ref:
        assert con.execute(query).fetchall() == ref.execute(query).fetchall(), f"{when}: int_contact_stages differs"


def rebuilt_and_stored_months(database, target: Path, name: str) -> tuple[set, set]:
    """The months the latest run of an incremental model recorded as rebuilt, and the months it holds
    (its month column and schema as the build in `target` configured them)."""
    node = json.loads((target / "manifest.json").read_text())["nodes"][f"model.saas_metrics.{name}"]
    month, schema = node["config"]["incremental_month_column"], node["schema"]
    with duckdb.connect(str(database), read_only=True) as con:
        rebuilt = {
            row[0]
            for row in con.execute(
                "select month from intermediate._rebuilt_months where model_name = ? and recorded_at = "
                "(select max(recorded_at) from intermediate._rebuilt_months where model_name = ?)",
                [name, name],
            ).fetchall()
        }
        stored = {row[0] for row in con.execute(f"select distinct {month} from {schema}.{name}").fetchall()}
    return rebuilt, stored


def assert_rebuilt_some_months(database, target: Path) -> None:
    """The latest run of each incremental model recorded the months it rebuilt (not the every-month
    marker of a full build), and they are months the model holds."""
    for name in INCREMENTAL_MODELS:
        rebuilt, stored = rebuilt_and_stored_months(database, target, name)
        assert None not in rebuilt and rebuilt and rebuilt <= stored, (name, rebuilt, stored)


def test_incremental_builds_give_the_marts_of_a_full_refresh(tmp_path):
    data = tmp_path / "generated"
    generate(data, customers=200, months=5, seed=3, fmt="parquet")
    deliveries = split_deliveries(data, tmp_path)
    database = tmp_path / "warehouse.duckdb"

    for number, folder in enumerate(deliveries, start=1):
        results = load_directory(folder, database)
        rejected = {r.table: r.rows_rejected for r in results if r.rows_rejected}
        # the session delivered without its key is rejected and kept in raw._rejects, as on any load
        assert rejected == ({"web_sessions": 1} if number == 2 else {})
        build_models(database, tmp_path / f"target_{number}")
        if number == 1:
            continue
        # the build was incremental: the compiled models filter on the months the run rebuilt, as
        # constants (the lineage models on the first of them), and their data tests read those months
        assert_rebuilt_some_months(database, tmp_path / f"target_{number}")
        for name in DOMAIN_MODELS:
            rebuilt, _ = rebuilt_and_stored_months(database, tmp_path / f"target_{number}", name)
            compiled = compiled_model(tmp_path / f"target_{number}", name)
            assert all(f"cast('{month}' as date)" in compiled for month in rebuilt), name
        if number == len(deliveries):
            # the last delivery holds only the final days: the monthly models that rebuild every
            # month from the earliest changed one rebuilt the last month alone (the funnel's
            # visitors too, although fct_touchpoints re-stitched earlier months), those that read
            # the stitched contact every month from the earliest one fct_touchpoints re-stitched
            target = tmp_path / f"target_{number}"
            restitched, _ = rebuilt_and_stored_months(database, target, "fct_touchpoints")
            # on DuckDB fct_touchpoints replaced only the sessions that can have changed, keyed by
            # touchpoint_id, not every session of the months they fall in
            assert "in (select row_key from" in compiled_model(target, "fct_touchpoints")
            with duckdb.connect(str(database), read_only=True) as con:
                (replaced,) = con.execute("select count(*) from intermediate._changed_rows_fct_touchpoints").fetchone()
                (in_months,) = con.execute(
                    "select count(*) from marts.fct_touchpoints where touch_month in (select unnest(?))",
                    [sorted(restitched)],
                ).fetchone()
            assert 0 < replaced < in_months / 2, (replaced, in_months)
            # and int_contact_stages replaced the stage rows of the contacts that can have changed only
            assert "in (select row_key from" in compiled_model(target, "int_contact_stages")
            with duckdb.connect(str(database), read_only=True) as con:
                (patched, contacts) = con.execute(
                    "select (select count(distinct row_key) from intermediate._changed_rows_int_contact_stages), "
                    "count(distinct contact_id) from intermediate.int_contact_stages"
                ).fetchone()
            assert 0 < patched < contacts / 2, (patched, contacts)
            for name in LINEAGE_MODELS:
                rebuilt, stored = rebuilt_and_stored_months(database, target, name)
                if name in STITCHED_LINEAGE_MODELS:
                    assert rebuilt == {month for month in stored if month >= min(restitched)}, (name, rebuilt)
                else:
                    assert rebuilt == {max(stored)} and len(stored) > 1, (name, rebuilt, stored)
        touchpoint_tests = (tmp_path / f"target_{number}" / "compiled").rglob("*_fct_touchpoints_*.sql")
        # (the months as constants, read when the test is compiled)
        assert all("touch_month in (cast(" in path.read_text() for path in touchpoint_tests)
        full = full_refresh_of(database, tmp_path, str(number))
        for name in INCREMENTAL_MODELS:
            assert compiled_model(tmp_path / f"target_{number}", name) != compiled_model(
                tmp_path / f"target_full_{number}", name
            ), f"{name} compiled as a full build"
        assert_marts_of_a_full_refresh(database, full, f"after delivery {number}")
    # the marts of the last delivery, which the builds below that load nothing new must keep
    last_delivery_refreshed = full

    # a build with nothing new loaded rebuilds no month and leaves every mart as it was
    recorded = "select count(*) from intermediate._rebuilt_months"
    with duckdb.connect(str(database), read_only=True) as con:
        (months_recorded,) = con.execute(recorded).fetchone()
    build_models(database, tmp_path / "target_again")
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(recorded).fetchone() == (months_recorded,)
    assert_marts_of_a_full_refresh(database, last_delivery_refreshed, "nothing new")

    # a report back-dated to an earlier as_of (the as_of band spans months), then brought forward
    with duckdb.connect(str(database), read_only=True) as con:
        (as_of,) = con.execute(
            "select cast(max(as_of_date) - interval 40 day as date) from intermediate.int_reporting_window"
        ).fetchone()
    earlier = {"as_of": as_of.isoformat()}
    build_models(database, tmp_path / "target_earlier", dbt_vars=earlier)
    for name in LINEAGE_MODELS:
        # incremental: the months from the earlier as_of's on (the stitched models from the first
        # month fct_touchpoints re-stitched, as contacts created since that as_of no longer count)
        rebuilt, _ = rebuilt_and_stored_months(database, tmp_path / "target_earlier", name)
        first = as_of.replace(day=1)
        assert None not in rebuilt and rebuilt, (name, rebuilt)
        assert min(rebuilt) <= first if name in STITCHED_LINEAGE_MODELS else min(rebuilt) == first, (name, rebuilt)
    assert_marts_of_a_full_refresh(database, full_refresh_of(database, tmp_path, "earlier", earlier), f"as_of {as_of}")
    build_models(database, tmp_path / "target_forward")
    assert_marts_of_a_full_refresh(database, last_delivery_refreshed, "as_of forward")

    # a corrected price, a table without a date rule: the lineage models rebuild every month (from
    # 1900, the rule's marker) and the MRR of every month it prices changes
    correction = tmp_path / "price_correction"
    correction.mkdir()
    with duckdb.connect() as con:
        con.execute(
            f"""copy (
                select * replace (unit_amount * 2 as unit_amount)
                from read_parquet('{data / "billing_prices.parquet"}')
                where price_id = (
                    select price_id from read_parquet('{data / "billing_subscription_item_history.parquet"}')
                    group by price_id order by count(*) desc, price_id limit 1
                )
            ) to '{correction / "billing_prices.parquet"}' (format parquet)"""
        )
    mrr_before = public_marts(database)["fct_mrr_monthly"]
    load_directory(correction, database)
    build_models(database, tmp_path / "target_price")
    rebuilt, _ = rebuilt_and_stored_months(database, tmp_path / "target_price", "fct_customer_mrr_monthly")
    assert min(rebuilt) == date(1900, 1, 1), rebuilt
    assert public_marts(database)["fct_mrr_monthly"] != mrr_before
    assert_marts_of_a_full_refresh(database, full_refresh_of(database, tmp_path, "price"), "a corrected price")

    with duckdb.connect(str(database), read_only=True) as con:
        (replaced,) = con.execute("select count(*) from raw._replaced_rows").fetchone()
        (rejects,) = con.execute("select count(*) from raw._rejects").fetchone()
        states = dict(
            con.execute(
                "select model_name, count(*) from intermediate._incremental_state group by model_name"
            ).fetchall()
        )
    assert replaced > 0 and rejects == 1
    assert states == {name: len(deliveries) + 4 for name in INCREMENTAL_MODELS}


def test_moving_as_of_restitches_a_cookie_whose_identified_session_it_crosses(tmp_path):
    """tests/fixtures/acquisition: cookie anon_three_x has an anonymous session ws_three_2
    (2024-04-08, channel email) and one that carries ct_three, ws_three_later (2024-05-01). With
    as_of 2024-04-20 ws_three_later is outside the reporting window, so the cookie has no stitching
    candidate and ws_three_2 belongs to nobody; with as_of 2024-06-30 it belongs to ct_three
    (edge rule 4), and cus_three (co_three, converted 2024-04-15) has three touches instead of two:
    linear credit 1/3 each instead of 1/2. Moving as_of either way must re-stitch the cookie's
    earlier session, as a full refresh does, although no raw row changed."""
    fixture = Path(__file__).parent / "fixtures" / "acquisition"
    database = tmp_path / "warehouse.duckdb"
    load_directory(fixture, database)

    def ws_three_2(label: str) -> tuple:
        with duckdb.connect(str(database), read_only=True) as con:
            (contact,) = con.execute(
                "select contact_id from marts.fct_touchpoints where touchpoint_id = 'ws_three_2'"
            ).fetchone()
            credits = sorted(
                con.execute(
                    "select touchpoint_id, round(credit, 12) from marts.fct_attribution "
                    "where customer_id = 'cus_three' and attribution_model = 'linear'"
                ).fetchall()
            )
        return contact, credits

    before, after = {"as_of": "2024-04-20"}, {"as_of": "2024-06-30"}
    build_models(database, tmp_path / "target_before", dbt_vars=before)
    assert ws_three_2("before") == (None, [("ws_three_1", 0.5), ("ws_three_3", 0.5)])

    third = round(1 / 3, 12)
    for label, dbt_vars, expected in (
        ("forward", after, ("ct_three", [("ws_three_1", third), ("ws_three_2", third), ("ws_three_3", third)])),
        ("back", before, (None, [("ws_three_1", 0.5), ("ws_three_3", 0.5)])),
    ):
        build_models(database, tmp_path / f"target_{label}", dbt_vars=dbt_vars)
        # incremental: fct_touchpoints replaced the sessions that can have changed, not every session
        assert "in (select row_key from" in compiled_model(tmp_path / f"target_{label}", "fct_touchpoints")
        assert ws_three_2(label) == expected, label
        full = full_refresh_of(database, tmp_path, label, dbt_vars)
        assert_marts_of_a_full_refresh(database, full, f"as_of moved {label} to {dbt_vars['as_of']}")
