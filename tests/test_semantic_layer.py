"""The MetricFlow semantic layer answers with the same numbers as the marts."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from saas_metrics.contract import project_dir
from tests.helpers import FIXTURES, build_warehouse


def test_mf_query_mrr_by_month_matches_saas_kpis(tmp_path):
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, "2024-04-30")
    mf = Path(sys.executable).with_name("mf")
    assert mf.exists() or shutil.which("mf"), (
        "MetricFlow's CLI (dbt-metricflow) must be installed from requirements.lock"
    )
    env = {**os.environ, "SAAS_METRICS_DATABASE": str(database), "DBT_PROFILES_DIR": str(project_dir())}
    target = tmp_path / "target"
    env["DBT_TARGET_PATH"] = str(target)
    dbt = [sys.executable, "-c", "import sys; from dbt.cli.main import cli; sys.exit(cli())"]
    subprocess.run([*dbt, "parse", "--target-path", str(target)], cwd=project_dir(), env=env, check=True)
    out = tmp_path / "mrr.csv"
    subprocess.run(
        [
            str(mf),
            "query",
            "--metrics",
            "mrr",
            "--group-by",
            "metric_time__month",
            "--order",
            "metric_time__month",
            "--csv",
            str(out),
        ],
        cwd=project_dir(),
        env=env,
        check=True,
    )
    with out.open() as handle:
        rows = [(r["metric_time__month"][:10], round(float(r["mrr"]), 2)) for r in csv.DictReader(handle)]
    with duckdb.connect(str(database), read_only=True) as con:
        expected = [
            (str(month), round(float(mrr), 2))
            for month, mrr in con.execute(
                "select month, ending_mrr from marts.saas_kpis_monthly order by month"
            ).fetchall()
        ]
    assert rows == expected
    # hand-computed in tests/test_revenue_e2e.py: 285, 404.50, 403, 443
    assert [mrr for _, mrr in rows] == [285.0, 404.5, 403.0, 443.0]
