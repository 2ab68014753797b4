"""The same raw data built by DuckDB and by Apache Spark (dbt target `spark`, local mode) gives the
same public marts, row by row: money within 0.01, doubles within 1e-9, everything else exactly.

One small simulated company (150 customers, 12 months: every mart has rows) is loaded once and
built by both engines through `build_and_publish`, the code path of `saas-metrics build`. Spark runs
the seeds, every model and the singular data tests (the reconciliations); the generic key tests and
the unit tests run on DuckDB, where they are engine-independent. Spark needs Java 17, which
`make install` installs when it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from saas_metrics.export import public_marts
from saas_metrics.generator import generate
from saas_metrics.loader import qstr
from saas_metrics.parity import compare_marts, spark_mart_folder
from saas_metrics.pipeline import build_and_publish, load


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("java") is None:
        pytest.fail("Spark needs a Java runtime (17): run `make java` (Debian, as root) or install one by hand")
    root = tmp_path_factory.mktemp("parity")
    generate(root / "exports", customers=150, months=12, start="2024-01", seed=7, fmt="parquet", progress=False)
    published = root / "warehouse.duckdb"
    results = load(root / "exports", published)
    assert not any(r.rows_rejected for r in results)
    build_and_publish(published, exclude=["test_type:unit"])
    spark_dir = root / "spark"
    build_and_publish(
        published,
        target="spark",
        spark_dir=spark_dir,
        validate=False,
        exclude=["test_type:unit", "test_type:generic"],
    )
    return published, spark_dir


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
