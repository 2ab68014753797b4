"""The same raw data built by DuckDB and by Apache Spark (dbt target `spark`, local mode) gives the
same public marts, row by row: money within 0.01, doubles within 1e-9, everything else exactly.

One small simulated company (200 customers, 5 months: every mart has rows) is delivered in three
loads (tests/deliveries.py: late-arriving and re-delivered rows, one rejected row). Spark builds the
incremental models after the first load and everything after the last, so the incremental models
take their incremental path on Spark (partitions dropped and overwritten); DuckDB builds once, in
full, with its quality gates. Both run through `build_and_publish`, the code path of
`saas-metrics build`. Spark runs seeds, models and the singular data tests (the reconciliations);
the generic key tests and the unit tests run on DuckDB, where they are engine-independent. Spark
needs Java 17, which `make test` installs when it is missing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from saas_metrics.export import public_marts
from saas_metrics.generator import generate
from saas_metrics.loader import qstr
from saas_metrics.parity import compare_marts, spark_mart_folder
from saas_metrics.pipeline import build_and_publish, load
from tests.deliveries import INCREMENTAL_MODELS, compiled_model, split_deliveries


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("java") is None:
        pytest.fail("Spark needs a Java runtime (17): run `make java` (Debian, as root) or install one by hand")
    root = tmp_path_factory.mktemp("parity")
    generate(root / "exports", customers=200, months=5, seed=3, fmt="parquet")
    first, *later = split_deliveries(root / "exports", root)
    published = root / "warehouse.duckdb"
    spark_dir = root / "spark"
    # generic key tests run on DuckDB only (they take minutes on Spark at 2 cores)
    spark_only = ["test_type:generic"]

    load(first, published)
    build_and_publish(
        published,
        target="spark",
        spark_dir=spark_dir,
        validate=False,
        select=[f"+{name}" for name in INCREMENTAL_MODELS],
        # a singular test reading a model this partial build leaves out would fail; the full build
        # below runs them all
        exclude=[*spark_only, "test_type:singular"],
    )
    for folder in later:
        # the second delivery carries a session without its key, rejected on purpose (tests/deliveries.py)
        load(folder, published, accept_rejects=True)
    build_and_publish(
        published,
        target="spark",
        spark_dir=spark_dir,
        validate=False,
        exclude=spark_only,
        target_path=root / "spark_target",
    )
    build_and_publish(published)
    return published, spark_dir


def test_spark_built_the_incremental_models_incrementally(both_engines):
    _, spark_dir = both_engines
    target = spark_dir.parent / "spark_target"
    # the second Spark build filtered on the months the later deliveries changed, as constants (the
    # lineage models on the first of them)
    for name in INCREMENTAL_MODELS:
        assert re.search(r"cast\('\d{4}-\d{2}-\d{2}' as date\)", compiled_model(target, name)), name
    state = spark_dir / "tables" / "intermediate.db" / "_incremental_state" / "*.parquet"
    with duckdb.connect() as con:
        runs = dict(
            con.execute(f"select model_name, count(*) from read_parquet({qstr(str(state))}) group by 1").fetchall()
        )
    assert runs == {name: 2 for name in INCREMENTAL_MODELS}
    touchpoints = spark_mart_folder(spark_dir, "fct_touchpoints")
    months = [p.name for p in touchpoints.iterdir() if p.is_dir() and p.name.startswith("touch_month=")]
    assert len(months) >= 5, months  # one partition folder per month


def test_every_public_mart_matches_row_by_row(both_engines):
    published, spark_dir = both_engines
    with duckdb.connect(str(published), read_only=True) as con:
        marts = public_marts(con)
        empty = [m for m in marts if not con.execute(f"select count(*) from marts.{m}").fetchone()[0]]
    assert len(marts) == 26
    assert not empty, f"marts without rows prove nothing: {empty}"
    diffs = compare_marts(published, spark_dir)
    assert not diffs, "\n".join(f"{d.mart}: {'; '.join(d.problems)}" for d in diffs)


def _tampered_copy(spark_dir: Path, target: Path, mart: str, select_sql: str) -> Path:
    """A copy of the Spark warehouse folder where one mart's rows come from select_sql over `t`."""
    folder = spark_mart_folder(target, mart)
    folder.mkdir(parents=True)
    source = qstr(str(spark_mart_folder(spark_dir, mart) / "*.parquet"))
    with duckdb.connect() as con:
        con.execute(f"create view t as select * from read_parquet({source})")
        con.execute(f"copy ({select_sql}) to {qstr(str(folder / 'part-0.parquet'))} (format parquet)")
    return target


@pytest.mark.parametrize(
    ("change", "expected_column"),
    [
        ("replace(ending_mrr + 0.02 as ending_mrr)", "ending_mrr"),
        ("replace(coalesce(customer_churn_rate, 0) + 1e-8 as customer_churn_rate)", "customer_churn_rate"),
    ],
)
def test_comparison_catches_a_difference_beyond_tolerance(both_engines, tmp_path, change, expected_column):
    published, spark_dir = both_engines
    tampered = _tampered_copy(
        spark_dir,
        tmp_path / "tampered",
        "fct_mrr_monthly",
        f"select * {change} from t where month = (select max(month) from t) "
        "union all select * from t where month <> (select max(month) from t)",
    )
    diffs = {d.mart: d.problems for d in compare_marts(published, tampered)}
    assert any(f"column {expected_column}" in p for p in diffs["fct_mrr_monthly"])


def test_comparison_accepts_differences_within_tolerance(both_engines, tmp_path):
    published, spark_dir = both_engines
    tampered = _tampered_copy(
        spark_dir,
        tmp_path / "tampered",
        "fct_mrr_monthly",
        "select * replace (ending_mrr + 0.004 as ending_mrr, "
        "customer_churn_rate + 1e-12 as customer_churn_rate) from t",
    )
    diffs = {d.mart: d.problems for d in compare_marts(published, tampered)}
    assert "fct_mrr_monthly" not in diffs
