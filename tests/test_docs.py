"""dbt docs, exposures and the semantic layer, checked against a built fixture warehouse.

`dbt docs generate` runs offline against the customer_finance fixture; its catalog (what the
warehouse really holds) must list every marts table with exactly the columns, and types, that the
YAML documents, and the manifest must carry the exposures and the MetricFlow definitions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_report import fixture_warehouse

PROJECT = Path(__file__).resolve().parent.parent
REPORT_SOURCES = PROJECT / "saas_metrics" / "report"

# Spellings of one DuckDB type that YAML and the catalog may use.
TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "long": "bigint",
    "text": "varchar",
    "string": "varchar",
    "bool": "boolean",
    "float8": "double",
    "float4": "float",
    "real": "float",
    "numeric": "decimal",
}


def _type(name: str) -> str:
    compact = re.sub(r"\s+", "", name.lower())
    base, _, rest = compact.partition("(")
    return TYPE_ALIASES.get(base, base) + (f"({rest}" if rest else "")


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Runs `dbt docs generate` on a copy of the built fixture; returns its manifest and catalog."""
    folder = tmp_path_factory.mktemp("docs")
    database = folder / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(tmp_path_factory), database)
    target = folder / "target"
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from dbt.cli.main import cli; sys.exit(cli())",
            "docs",
            "generate",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(target),
            "--log-path",
            str(folder / "logs"),
        ],
        env={**os.environ, "SAAS_METRICS_DATABASE": str(database), "DO_NOT_TRACK": "1"},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    return {
        "manifest": json.loads((target / "manifest.json").read_text()),
        "catalog": json.loads((target / "catalog.json").read_text()),
        "semantic_manifest": json.loads((target / "semantic_manifest.json").read_text()),
        "index": target / "index.html",
    }


def _mart_models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def _mart_tables(catalog: dict) -> dict[str, dict]:
    return {
        node["metadata"]["name"]: node for node in catalog["nodes"].values() if node["metadata"]["schema"] == "marts"
    }


def test_docs_generate_writes_the_site(docs: dict):
    assert docs["index"].is_file()
    assert not docs["catalog"].get("errors")


def test_catalog_matches_the_documented_marts(docs: dict):
    models, tables = _mart_models(docs["manifest"]), _mart_tables(docs["catalog"])
    assert set(tables) == set(models), (
        f"undocumented tables in marts: {sorted(set(tables) - set(models))}; "
        f"documented but not built: {sorted(set(models) - set(tables))}"
    )
    problems = []
    for name, model in sorted(models.items()):
        built = {column.lower(): spec["type"] for column, spec in tables[name]["columns"].items()}
        documented = {column.lower(): spec for column, spec in model["columns"].items()}
        if set(built) != set(documented):
            problems.append(
                f"{name}: built but undocumented {sorted(set(built) - set(documented))}, "
                f"documented but not built {sorted(set(documented) - set(built))}"
            )
            continue
        for column, spec in documented.items():
            if spec.get("data_type") and _type(spec["data_type"]) != _type(built[column]):
                problems.append(f"{name}.{column}: documented {spec['data_type']}, built {built[column]}")
            if not (spec.get("description") or "").strip():
                problems.append(f"{name}.{column}: no description")
        if not (model.get("description") or "").strip():
            problems.append(f"{name}: no description")
    assert not problems, "\n".join(problems)


def test_exposures(docs: dict):
    exposures = {e["name"]: e for e in docs["manifest"]["exposures"].values()}
    assert set(exposures) >= {"leadership_report", "bi_tools"}
    report, bi = exposures["leadership_report"], exposures["bi_tools"]
    assert report["type"] == "dashboard"
    assert bi["type"] in ("analysis", "application")

    marts = {f"model.saas_metrics.{name}" for name in _mart_models(docs["manifest"])}
    assert set(bi["depends_on"]["nodes"]) == marts, "the BI exposure must list every public mart"

    # the report exposure lists exactly the relations the report's code reads
    code = "\n".join(path.read_text() for path in REPORT_SOURCES.glob("*.py"))
    read = {
        f"model.saas_metrics.{name}"
        for name in re.findall(r"\b(?:marts|intermediate)\.((?:fct|dim|int|saas)_\w+)", code)
    }
    assert set(report["depends_on"]["nodes"]) == read


def test_semantic_layer_in_manifest(docs: dict):
    semantic = docs["semantic_manifest"]
    metrics = {m["name"]: m for m in semantic["metrics"]}
    expected = {
        "mrr",
        "arr",
        "net_new_mrr",
        "mrr_movement",
        "customers",
        "customer_churn_rate",
        "gross_mrr_churn_rate",
        "nrr",
        "grr",
        "blended_cac",
        "channel_cac",
        "ltv",
        "ltv_to_cac",
        "trial_to_paid_rate",
        "demo_to_paid_rate",
        "lead_to_customer_rate",
    }
    assert expected <= set(metrics)
    models = {m["name"]: m["node_relation"]["relation_name"] for m in semantic["semantic_models"]}
    assert {"kpis_monthly", "mrr_movements", "cac_by_channel"} <= set(models)
    assert '"marts"."saas_kpis_monthly"' in models["kpis_monthly"]
    spines = semantic["project_configuration"]["time_spines"]
    assert [s["primary_column"]["name"] for s in spines] == ["date_day"]
    assert all(s["primary_column"]["time_granularity"] == "day" for s in spines)
