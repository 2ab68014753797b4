"""Build-and-publish: failed builds keep the last good warehouse, readers never block a build,
re-runs give identical marts, and no PII reaches a mart."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from saas_metrics.cli import main
from saas_metrics.dbt_runner import BuildError
from saas_metrics.pipeline import build_and_publish, load
from saas_metrics.rejects import RejectsPending
from saas_metrics.warehouse import WarehouseBusy, work_path
from tests.helpers import FIXTURES

AS_OF = "2024-04-30"
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def mart_hashes(database: Path) -> dict[str, str]:
    """A hash of every public mart's rows, in a fixed order."""
    hashes = {}
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        for table in tables:
            rows = con.execute(f"select * from marts.{table} order by all").fetchall()
            hashes[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return hashes


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("published")
    database = folder / "saas_metrics.duckdb"
    load(FIXTURES / "revenue_usd", database)
    build_and_publish(database, as_of=AS_OF, validate=False)
    return database


def test_publish_creates_the_published_file_from_the_working_copy(published):
    assert published.exists()
    assert work_path(published).exists()
    with duckdb.connect(str(published), read_only=True) as con:
        (months,) = con.execute("select count(*) from marts.fct_mrr_monthly").fetchone()
    assert months == 4


def test_rebuild_and_reload_give_identical_marts(published, tmp_path):
    before = mart_hashes(published)
    assert {"fct_mrr_monthly", "fct_mrr_movements", "fct_attribution"} <= set(before)
    load(FIXTURES / "revenue_usd", published)
    build_and_publish(published, as_of=AS_OF, validate=False)
    assert mart_hashes(published) == before


def private_copy(published: Path, tmp_path: Path) -> Path:
    """A copy of the published warehouse and its working copy, for a test that breaks its data."""
    copy = tmp_path / published.name
    shutil.copyfile(published, copy)
    shutil.copyfile(work_path(published), work_path(copy))
    return copy


def test_failed_build_leaves_published_marts_unchanged(published, tmp_path):
    published = private_copy(published, tmp_path)
    before = mart_hashes(published)
    published_bytes = published.read_bytes()
    # a price in a currency with no FX rate at all stops the build half-way
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "billing_prices.csv").write_text(
        "price_id,product_id,currency,unit_amount,billing_interval,interval_count,is_recurring\n"
        "p_chf,prod,CHF,1000,month,1,true\n"
    )
    (broken / "billing_subscriptions.csv").write_text(
        "subscription_id,customer_id,created_at\ns_chf,cus_chf,2024-01-01\n"
    )
    (broken / "billing_subscription_item_history.csv").write_text(
        "subscription_item_id,subscription_id,price_id,quantity,valid_from\ni_chf,s_chf,p_chf,1,2024-01-02\n"
    )
    load(broken, published)
    with pytest.raises(BuildError):
        build_and_publish(published, as_of=AS_OF, validate=False)
    assert published.read_bytes() == published_bytes
    assert mart_hashes(published) == before


def test_a_build_of_part_of_the_project_is_not_published(published, tmp_path):
    """--select (a typo selects nothing, and dbt calls that a success) and --exclude build the working
    copy only: publishing it would pair newly loaded raw data with marts left as they were."""
    published = private_copy(published, tmp_path)
    published_bytes = published.read_bytes()
    later = tmp_path / "later"
    later.mkdir()
    (later / "billing_customers.csv").write_text("customer_id,created_at\ncus_later,2024-02-01\n")
    load(later, published)
    assert build_and_publish(published, as_of=AS_OF, validate=False, select=["fct_mrr_montly"]) is False
    assert build_and_publish(published, as_of=AS_OF, validate=False, exclude=["fct_attribution"]) is False
    assert published.read_bytes() == published_bytes
    with duckdb.connect(str(work_path(published)), read_only=True) as con:
        assert con.execute("select count(*) from raw.billing_customers where customer_id = 'cus_later'").fetchone() == (
            1,
        )


def test_rejected_rows_stop_the_build_until_someone_accepts_them(published, tmp_path, capsys):
    """A rejected correction leaves the earlier values in the warehouse: `load` exits 1, and a build
    after it stops too, naming the rows, instead of publishing marts without the correction."""
    published = private_copy(published, tmp_path)
    published_bytes = published.read_bytes()
    correction = tmp_path / "correction"
    correction.mkdir()
    (correction / "billing_subscription_item_history.csv").write_text(
        "subscription_item_id,subscription_id,price_id,quantity,valid_from,valid_to\n"
        "si_acme_seats,sub_acme,price_seat_monthly,four,2024-01-01T00:00:00Z,2024-02-10T00:00:00Z\n"
    )
    assert main(["load", str(correction), "--database", str(published)]) == 1
    with pytest.raises(RejectsPending) as stopped:
        build_and_publish(published, as_of=AS_OF, validate=False)
    message = str(stopped.value)
    assert "1 row(s) rejected" in message and "billing_subscription_item_history: 1" in message
    assert "item_history.csv, row 1: column quantity: cannot parse four as integer" in message, message
    assert published.read_bytes() == published_bytes
    capsys.readouterr()
    assert main(["build", "--database", str(published), "--as-of", AS_OF, "--skip-validation"]) == 1
    assert "--allow-rejects" in capsys.readouterr().err
    assert published.read_bytes() == published_bytes

    # the corrected row, delivered again with the same key (timestamps written another way), replaces it
    (correction / "billing_subscription_item_history.csv").write_text(
        "subscription_item_id,subscription_id,price_id,quantity,valid_from,valid_to\n"
        "si_acme_seats,sub_acme,price_seat_monthly,4,2024-01-01 00:00:00,2024-02-10T00:00:00Z\n"
    )
    assert main(["load", str(correction), "--database", str(published)]) == 0
    assert build_and_publish(published, as_of=AS_OF, validate=False) is True
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute(
            "select quantity from raw.billing_subscription_item_history "
            "where subscription_item_id = 'si_acme_seats' and valid_from = '2024-01-01'"
        ).fetchall() == [(4,)]

    # a rejected row whose key cannot be read is never replaced: it needs accepting, once, for good
    (correction / "billing_subscription_item_history.csv").write_text(
        "subscription_item_id,subscription_id,price_id,quantity,valid_from,valid_to\n"
        "si_acme_seats,sub_acme,price_seat_monthly,4,yesterday,\n"
    )
    assert main(["load", str(correction), "--database", str(published)]) == 1
    with pytest.raises(RejectsPending, match="1 row"):
        build_and_publish(published, as_of=AS_OF, validate=False)
    assert build_and_publish(published, as_of=AS_OF, validate=False, allow_rejects=True) is True
    assert build_and_publish(published, as_of=AS_OF, validate=False) is True
    # a load that accepts its own rejects does not stop the next build
    (correction / "billing_subscription_item_history.csv").write_text(
        "subscription_item_id,subscription_id,price_id,quantity,valid_from,valid_to\n"
        "si_acme_seats,sub_acme,price_seat_monthly,3,2024-01-01T00:00:00Z,not a time\n"
    )
    assert main(["load", str(correction), "--database", str(published), "--allow-rejects"]) == 0
    assert build_and_publish(published, as_of=AS_OF, validate=False) is True
    with duckdb.connect(str(work_path(published)), read_only=True) as con:
        assert con.execute("select how from raw._accepted_rejects order by accepted_at").fetchall() == [
            ("when built",),
            ("when loaded",),
        ]


def test_no_command_writes_the_warehouse_while_another_works_on_it(published, tmp_path, capsys):
    """Publishing checkpoints the working copy, closes it and copies it; a load or validate writing in
    between would publish an unreadable file. Each command that writes holds the warehouse's lock,
    refuses at once while another holds it, and the lock goes with its holder, even a killed one."""
    published = private_copy(published, tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from saas_metrics.warehouse import exclusive\n"
            f"with exclusive(Path({str(published)!r}), 'build'):\n"
            "    print('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy, match=f"build, process {holder.pid}, since"):
            load(FIXTURES / "revenue_usd", published)
        with pytest.raises(WarehouseBusy):
            build_and_publish(published, as_of=AS_OF, validate=False)
        capsys.readouterr()
        assert main(["validate", "--database", str(published)]) == 2
        assert main(["load", str(FIXTURES / "revenue_usd"), "--database", str(published)]) == 2
        assert "is being worked on by another saas-metrics command" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert sum(r.rows_read for r in load(FIXTURES / "revenue_usd", published)) == 41


def test_a_build_prints_the_quality_warnings(published, tmp_path, capsys):
    """Warnings never stop a build, so its output must show them: the fixture's billing ends in April
    2024, and without --as-of that is as_of, long before today."""
    published = private_copy(published, tmp_path)
    assert main(["build", "--database", str(published)]) == 0
    out = capsys.readouterr().out
    assert "quality suite raw passed" in out and "quality suite marts passed" in out
    assert "warning: [raw] raw.billing_*: expect_column_values_to_be_between (as_of, the latest billing record" in out
    # the latest billing record is an item change of 2024-05-15
    assert "as_of=2024-05-15" in out, out


def test_relations_no_model_builds_are_not_published(published, tmp_path):
    """A mart renamed or deleted in the project left its table in `marts` with its last numbers,
    published and exported beside the current ones; a build drops what no model or seed builds."""
    published = private_copy(published, tmp_path)
    with duckdb.connect(str(work_path(published))) as con:
        con.execute("create table marts.fct_mrr_monthly_old as select * from marts.fct_mrr_monthly")
        con.execute("create view intermediate.int_renamed as select 1 as id")
        con.execute("create table intermediate._kept as select 1 as id")
    assert build_and_publish(published, as_of=AS_OF, validate=False) is True
    with duckdb.connect(str(published), read_only=True) as con:
        left = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name in ('fct_mrr_monthly_old', 'int_renamed', '_kept', 'fct_mrr_monthly')"
        ).fetchall()
    assert sorted(left) == [("intermediate._kept",), ("marts.fct_mrr_monthly",)]


def test_demo_never_replaces_a_warehouse_it_did_not_make(published, tmp_path, capsys):
    """The demo replaces the whole warehouse with a simulated company: pointed at real data (by
    --database or SAAS_METRICS_DATABASE) it stops before simulating anything."""
    from saas_metrics.demo import run_demo

    published = private_copy(published, tmp_path)
    published_bytes, work_bytes = published.read_bytes(), work_path(published).read_bytes()
    data_dir = tmp_path / "demo_data"
    assert run_demo(published, data_dir, customers=20, months=2, seed=1) == 2
    assert "holds a warehouse the demo did not make" in capsys.readouterr().err
    assert not data_dir.exists()
    assert published.read_bytes() == published_bytes
    assert work_path(published).read_bytes() == work_bytes


def test_killed_build_leaves_published_marts_unchanged(published):
    before = published.read_bytes()
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from saas_metrics.pipeline import build_and_publish
        build_and_publish(Path({str(published)!r}), as_of={AS_OF!r}, validate=False)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    time.sleep(4)
    import os
    import signal

    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert published.read_bytes() == before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_mrr_monthly").fetchone() == (4,)


def test_reader_holding_the_published_file_does_not_block_a_build(published, tmp_path):
    reader_code = textwrap.dedent(
        f"""
        import sys, time, duckdb
        con = duckdb.connect({str(published)!r}, read_only=True)
        print("open", flush=True)
        deadline = time.time() + 120
        queries = 0
        while time.time() < deadline:
            if sys.stdin.readline().strip() == "stop":
                break
            (n,) = con.execute("select count(*) from marts.fct_mrr_monthly").fetchone()
            assert n == 4, n
            queries += 1
            print(queries, flush=True)
        con.close()
        """
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", reader_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        reader.stdin.write("query\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"
        build_and_publish(published, as_of=AS_OF, validate=False)  # must not wait for or break the reader
        reader.stdin.write("query\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "2"  # the reader's open connection still answers
        reader.stdin.write("stop\n")
        reader.stdin.flush()
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()


def test_no_pii_in_any_mart(published):
    raw_names = set()
    with duckdb.connect(str(published), read_only=True) as con:
        for (name,) in con.execute(
            "select name from raw.billing_customers where name is not null "
            "union select name from raw.crm_companies where name is not null"
        ).fetchall():
            raw_names.add(name)
        emails = {
            e for (e,) in con.execute("select email from raw.billing_customers where email is not null").fetchall()
        }
        assert emails, "the fixture must carry e-mail addresses for this test to mean anything"
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in columns:
            values = [v for (v,) in con.execute(f'select distinct "{column}" from marts.{table}').fetchall() if v]
            for value in values:
                assert not EMAIL_SHAPE.search(value), f"marts.{table}.{column} holds an e-mail-shaped value {value!r}"
                assert value not in raw_names, f"marts.{table}.{column} holds the raw name {value!r}"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_public_mart(published, tmp_path, fmt):
    from saas_metrics.cli import main

    out = tmp_path / "exports"
    assert main(["export", "--database", str(published), "--format", fmt, "--out", str(out)]) == 0
    with duckdb.connect(str(published), read_only=True) as con:
        counts = dict(
            con.execute("select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'").fetchall()
        )
        for table in counts:
            path = out / f"{table}.{fmt}"
            assert path.exists(), path
            reader = "read_parquet" if fmt == "parquet" else "read_csv"
            (exported,) = con.execute(f"select count(*) from {reader}('{path}')").fetchone()
            (stored,) = con.execute(f"select count(*) from marts.{table}").fetchone()
            assert exported == stored, table


def test_rebuilding_generated_data_gives_identical_marts(tmp_path):
    """Parallel aggregation must not make any mart depend on the order rows were added in."""
    from saas_metrics.dbt_runner import build
    from saas_metrics.generator import generate
    from saas_metrics.loader import load_directory

    data = tmp_path / "data"
    generate(data, customers=400, months=12, seed=5)
    database = tmp_path / "wh.duckdb"
    load_directory(data, database)
    build(database)
    first = mart_hashes(database)
    build(database)
    assert mart_hashes(database) == first
