"""The MetricFlow semantic layer answers with the same numbers as the marts.

Rates are ratios of sums: over a quarter, trial_to_paid_rate, demo_to_paid_rate, lead_to_customer_rate,
nps and paid_cac are the quarter's numerator over its denominator (not the last month's rate), and
cac_payback_months is the quarter's blended CAC over its new MRR per new customer times the last
month's gross margin. channel_spend is the spend whatever is done with the attribution model.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from saas_metrics.contract import project_dir
from tests.helpers import shared_warehouse


def test_mf_query_mrr_by_month_matches_saas_kpis(tmp_path, tmp_path_factory):
    database = shared_warehouse(tmp_path_factory, "revenue_usd", "2024-04-30")
    mf = Path(sys.executable).with_name("mf")
    assert mf.exists() or shutil.which("mf"), (
        "MetricFlow's CLI (dbt-metricflow) must be installed from requirements.lock"
    )
    env = _parse(database)
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


# --------------------------------------------------------------------------- rates over quarters

RATES = (
    "paid_cac",
    "cac_payback_months",
    "lead_to_customer_rate",
    "trial_to_paid_rate",
    "demo_to_paid_rate",
    "nps",
)


def _parse(database: Path) -> dict:
    """dbt parse for database; returns the environment mf needs.

    `mf` reads the semantic manifest from the project's own target/ folder whatever DBT_TARGET_PATH
    says, so the parse writes there: the database name in it must be that of `database`.
    """
    env = {**os.environ, "SAAS_METRICS_DATABASE": str(database), "DBT_PROFILES_DIR": str(project_dir())}
    dbt = [sys.executable, "-c", "import sys; from dbt.cli.main import cli; sys.exit(cli())"]
    target = project_dir() / "target"
    subprocess.run([*dbt, "parse", "--target-path", str(target)], cwd=project_dir(), env=env, check=True)
    return env


def _mf_query(env: dict, out: Path, metrics: list[str], group_by: list[str], where: str | None = None) -> list[dict]:
    """Rows of `mf query` as dicts of strings (empty string for null); none when the query returned
    no row (mf then writes no file)."""
    mf = Path(sys.executable).with_name("mf")
    command = [str(mf) if mf.exists() else "mf", "query", "--metrics", ",".join(metrics)]
    command += ["--group-by", ",".join(group_by), "--csv", str(out)]
    if where:
        command += ["--where", where]
    subprocess.run(command, cwd=project_dir(), env=env, check=True)
    if not out.exists():
        return []
    with out.open() as handle:
        return list(csv.DictReader(handle))


def _quarter_start(month: dt.date) -> dt.date:
    return dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _same(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)


def _ratio(numerator, denominator) -> float | None:
    return None if not denominator else float(numerator) / float(denominator)


def _ratios_of_sums(months: list[dict]) -> dict[str, float | None]:
    """The six rates of a period computed from the mart's monthly numerators and denominators."""
    total = {k: sum(m[k] for m in months) for k in months[0] if k not in ("month", "gross_margin")}
    new_customers = total["new_customers"]
    blended_cac = _ratio(total["ad_spend"] + total["sales_marketing_expenses"], new_customers)
    last_margin = max(months, key=lambda m: m["month"])["gross_margin"]
    per_customer = _ratio(total["new_mrr"], new_customers)
    payback_denominator = None if per_customer is None or last_margin is None else per_customer * last_margin
    return {
        "paid_cac": _ratio(total["ad_spend"], total["paid_first_touch_credits"]),
        "cac_payback_months": None if blended_cac is None else _ratio(blended_cac, payback_denominator),
        "lead_to_customer_rate": _ratio(total["leads_converted_180d"], total["new_leads"]),
        "trial_to_paid_rate": _ratio(total["trials_converted"], total["trials_started"]),
        "demo_to_paid_rate": _ratio(total["demos_converted"], total["demos_held"]),
        "nps": _ratio(100 * (total["nps_promoters"] - total["nps_detractors"]), total["nps_responses"]),
    }


def _check_rates(database: Path, env: dict, tmp_path: Path) -> dict[str, dict[str, float | None]]:
    """The six rates by month equal the mart's columns; by quarter, the ratios of the quarter's sums.

    Returns the rates by quarter (keyed by the quarter's first day, YYYY-MM-DD) for hand checks.
    """
    columns = (
        "month, ad_spend, sales_marketing_expenses, new_customers, new_mrr, gross_margin, "
        "paid_first_touch_credits, new_leads, leads_converted_180d, trials_started, trials_converted, "
        "demos_held, demos_converted, nps_responses, nps_promoters, nps_detractors"
    )
    with duckdb.connect(str(database), read_only=True) as con:
        mart = {
            str(row[0]): dict(zip(RATES, row[1:], strict=True))
            for row in con.execute(f"select month, {', '.join(RATES)} from marts.saas_kpis_monthly").fetchall()
        }
        cursor = con.execute(f"select {columns} from marts.saas_kpis_monthly order by month")
        names = [d[0] for d in cursor.description]
        counts = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert mart, "saas_kpis_monthly is empty"

    by_month = _mf_query(env, tmp_path / "rates_month.csv", list(RATES), ["metric_time__month"])
    got = {r["metric_time__month"][:10]: {m: _number(r[m]) for m in RATES} for r in by_month}
    assert sorted(got) == sorted(mart)
    problems = [
        f"{month} {metric}: mf {got[month][metric]!r}, saas_kpis_monthly {want!r}"
        for month, row in mart.items()
        for metric, want in row.items()
        if not _same(got[month][metric], want)
    ]
    assert not problems, "\n".join(problems)

    quarters: dict[str, list[dict]] = {}
    for row in counts:
        quarters.setdefault(str(_quarter_start(row["month"])), []).append(row)
    by_quarter = _mf_query(env, tmp_path / "rates_quarter.csv", list(RATES), ["metric_time__quarter"])
    got = {r["metric_time__quarter"][:10]: {m: _number(r[m]) for m in RATES} for r in by_quarter}
    assert sorted(got) == sorted(quarters)
    problems = []
    for quarter, months in quarters.items():
        for metric, want in _ratios_of_sums(months).items():
            if not _same(got[quarter][metric], want):
                problems.append(f"{quarter} {metric}: mf {got[quarter][metric]!r}, ratio of sums {want!r}")
    assert not problems, "\n".join(problems)
    return got


def test_rates_by_quarter_are_ratios_of_sums(tmp_path, tmp_path_factory):
    """tests/fixtures/customer_finance (January-April 2024, see tests/test_customer_finance_e2e.py)."""
    database = shared_warehouse(tmp_path_factory, "customer_finance", "2024-04-30")
    env = _parse(database)
    quarters = _check_rates(database, env, tmp_path)
    q1, q2 = quarters["2024-01-01"], quarters["2024-04-01"]
    # NPS answers: Jan 9, 3; Feb 7, 6; Mar 10 -> Q1 promoters 2, detractors 2 of 5: 100 x 0 / 5 = 0
    # (March alone is +100, the value the quarter took before); Q2 is April's one promoter: +100
    assert q1["nps"] == 0.0
    assert q2["nps"] == 100.0
    # Q1: sales and marketing 1,000 (January), no ad spend, new customers alpha, beta, gamma (Jan)
    # and delta (Feb): blended CAC 1000 / 4 = 250; new MRR 1000 + 500 + 2000 x 1.10 + 400 = 4,100,
    # 1,025 per new customer; gross margin of March (the quarter's last month) 1 - 2820 / 10500.
    # March has no new customer, so March's own payback (the value the quarter took before) is null.
    assert q1["cac_payback_months"] == pytest.approx(250 / (1025 * (1 - 2820 / 10500)), rel=1e-12)
    assert q2["cac_payback_months"] is None  # no new customer in April


def test_channel_spend_whatever_the_attribution_model(tmp_path, tmp_path_factory):
    """tests/fixtures/acquisition (see tests/test_acquisition_e2e.py): spend by channel and quarter is
    the same with no attribution-model grouping, grouped by each model, and filtered on one model."""
    database = shared_warehouse(tmp_path_factory, "acquisition", "2024-06-30")
    env = _parse(database)
    _check_rates(database, env, tmp_path)
    # March: paid_search 300, paid_social 200 (Meta); April: paid_search 400, paid_social EUR 100 x 1.10;
    # May: paid_search 50, other GBP 40 x 1.25 (the July row is after as_of)
    spend = {
        ("2024-01-01", "paid_search"): 300.0,
        ("2024-01-01", "paid_social"): 200.0,
        ("2024-04-01", "paid_search"): 450.0,
        ("2024-04-01", "paid_social"): 110.0,
        ("2024-04-01", "other"): 50.0,
    }
    quarter, channel = "metric_time__quarter", "channel_month_model__channel"
    model = "channel_month_model__attribution_model"

    def spent(rows: list[dict]) -> dict:
        """Non-zero spend keyed by quarter, channel (and model when grouped by it)."""
        return {
            (r[quarter][:10], r[channel], *([r[model]] if model in r else [])): _number(r["channel_spend"])
            for r in rows
            if _number(r["channel_spend"])
        }

    plain = _mf_query(env, tmp_path / "spend.csv", ["channel_spend"], [quarter, channel])
    assert spent(plain) == pytest.approx(spend, abs=0.005)
    linear = _mf_query(
        env,
        tmp_path / "spend_linear.csv",
        ["channel_spend"],
        [quarter, channel],
        where="{{ Dimension('channel_month_model__attribution_model') }} = 'linear'",
    )
    assert spent(linear) == pytest.approx(spend, abs=0.005)
    by_model = _mf_query(env, tmp_path / "spend_by_model.csv", ["channel_spend"], [quarter, channel, model])
    models = ("first_touch", "last_touch", "linear", "position_based", "time_decay")
    expected = {(*key, m): value for key, value in spend.items() for m in models}
    assert spent(by_model) == pytest.approx(expected, abs=0.005)


def test_attributed_customers_whatever_the_attribution_model(tmp_path, tmp_path_factory):
    """tests/fixtures/acquisition: grouped by a model, attributed_customers is that model's credits
    (tests/test_acquisition_e2e.py's hand-worked EXPECTED_CAC); without a model, the average of the
    five models' credits, and channel_cac the spend over that average."""
    from tests.test_acquisition_e2e import EXPECTED_CAC, MODELS

    database = shared_warehouse(tmp_path_factory, "acquisition", "2024-06-30")
    env = _parse(database)
    quarter, channel = "metric_time__quarter", "channel_month_model__channel"
    model = "channel_month_model__attribution_model"

    credits: dict[tuple, float] = {}
    spend: dict[tuple, float] = {}
    for month, row_channel, row_model, row_spend, customers, _mrr, _cac in EXPECTED_CAC:
        key = (str(_quarter_start(month)), row_channel)
        credits[(*key, row_model)] = credits.get((*key, row_model), 0.0) + customers
        if row_model == MODELS[0]:
            spend[key] = spend.get(key, 0.0) + row_spend
    average = {key: sum(credits.get((*key, m), 0.0) for m in MODELS) / len(MODELS) for key in spend}
    # by hand, Q2 paid_search: credits 0, 1, 8/15, 7/15 and 88/105 (first_touch ... time_decay), so
    # 0.5676190 on average; spend 400 (April) + 50 (May); CAC 450 / 0.5676190 = 792.79. Q2 email is
    # credited in three models only (1/3, 0.2, 2/7): the average still divides by five.
    assert average[("2024-04-01", "paid_search")] == pytest.approx((2 + 88 / 105) / 5)
    assert average[("2024-04-01", "email")] == pytest.approx((1 / 3 + 0.2 + 2 / 7) / 5)

    metrics = ["attributed_customers", "channel_cac"]
    plain = _mf_query(env, tmp_path / "credits.csv", metrics, [quarter, channel])
    got = {(r[quarter][:10], r[channel]): r for r in plain}
    assert sorted(got) == sorted(average)
    for key, want in average.items():
        assert _number(got[key]["attributed_customers"]) == pytest.approx(want, abs=1e-9), key
        cac = _number(got[key]["channel_cac"])
        assert cac is None if not want else cac == pytest.approx(spend[key] / want, rel=1e-9), key
    assert _number(got[("2024-04-01", "paid_search")]["channel_cac"]) == pytest.approx(450 / ((2 + 88 / 105) / 5))

    by_model = _mf_query(env, tmp_path / "credits_by_model.csv", metrics, [quarter, channel, model])
    got = {(r[quarter][:10], r[channel], r[model]): _number(r["attributed_customers"]) for r in by_model}
    assert got == pytest.approx(credits, abs=1e-9)

    # over all channels, every model's credits add up to the quarter's new customers (March 2, April 2)
    total = _mf_query(env, tmp_path / "credits_total.csv", ["attributed_customers"], [quarter])
    assert {r[quarter][:10]: _number(r["attributed_customers"]) for r in total} == pytest.approx(
        {"2024-01-01": 2.0, "2024-04-01": 2.0}
    )


def test_open_windows_can_be_left_out(tmp_path, tmp_path_factory):
    """tests/fixtures/acquisition: the rates filtered on the window flags are the ratios of sums over
    the months whose flag says the rate is final."""
    database = shared_warehouse(tmp_path_factory, "acquisition", "2024-06-30")
    env = _parse(database)
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(
            "select month, new_leads, leads_converted_180d, is_lead_window_complete, demos_held, demos_converted, "
            "is_demo_window_complete, trials_started, trials_converted, trials_in_progress "
            "from marts.saas_kpis_monthly order by month"
        )
        names = [d[0] for d in cursor.description]
        months = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    checks = [
        ("demo_to_paid_rate", "{{ Dimension('kpi_month__is_demo_window_complete') }}", "is_demo_window_complete",
         "demos_converted", "demos_held"),
        ("lead_to_customer_rate", "{{ Dimension('kpi_month__is_lead_window_complete') }}", "is_lead_window_complete",
         "leads_converted_180d", "new_leads"),
        ("trial_to_paid_rate", "not {{ Dimension('kpi_month__has_trials_in_progress') }}", None,
         "trials_converted", "trials_started"),
    ]  # fmt: skip
    # the fixture (as_of 2024-06-30): the demos of the months up to April have had their 90 days, May's
    # and June's not; no month's leads have had their 180 days, so that filter leaves no month at all
    assert [m["is_demo_window_complete"] for m in months].count(True) >= 1
    assert [m["is_demo_window_complete"] for m in months].count(False) >= 1
    assert not any(m["is_lead_window_complete"] for m in months)
    for metric, where, flag, numerator, denominator in checks:
        final = [m for m in months if (m[flag] if flag else m["trials_in_progress"] == 0)]
        rows = _mf_query(env, tmp_path / f"{metric}.csv", [metric], ["metric_time__year"], where=where)
        got = {r["metric_time__year"][:4]: _number(r[metric]) for r in rows}
        expected = {}
        for year in sorted({str(m["month"].year) for m in final}):
            of_year = [m for m in final if str(m["month"].year) == year]
            expected[year] = _ratio(sum(m[numerator] for m in of_year), sum(m[denominator] for m in of_year))
        assert got.keys() == expected.keys(), metric
        assert all(_same(got[y], expected[y]) for y in expected), (metric, got, expected)
