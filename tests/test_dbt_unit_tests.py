"""Every dbt unit test of the project (hand-computed inputs and outputs for each metric rule)."""

from __future__ import annotations

import json

from saas_metrics.contract import project_dir
from saas_metrics.dbt_runner import run_dbt
from tests.helpers import FIXTURES, build_warehouse


def test_every_dbt_unit_test_passes(tmp_path):
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, "2024-04-30")
    target = tmp_path / "target"
    run_dbt(["test"], database, {"as_of": "2024-04-30"}, ["test_type:unit"], target_path=target)
    results = json.loads((target / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    # every unit test defined in the project ran, and passed
    defined = sum(
        path.read_text().count("\n  - name: ") for path in (project_dir() / "models").rglob("*unit_tests.yml")
    )
    assert len(unit_tests) == defined > 40
    assert all(r["status"] == "pass" for r in unit_tests), [r["unique_id"] for r in unit_tests if r["status"] != "pass"]
