"""The HTML leadership report (saas_metrics.report), on the customer_finance fixture (as_of 2024-04-30).

Pure-Python checks read the HTML: self-contained (no network, no scripts), every chart titled with
labelled axes, the as_of date at the top, "no data" where the fixture has none, text escaped, the
database opened read-only. The browser test opens the report in headless Chromium: no console
messages, every chart drawn with a non-zero size (or its no-data message shown), and a screenshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from saas_metrics.cli_report import headline_lines
from saas_metrics.report import fmt, write_report
from saas_metrics.report.charts import Chart, Marts, trial_demo
from saas_metrics.report.page import NO_VALIDATION, AsOf, _change, chart_html, headline_tiles
from saas_metrics.report.svg import Series, line_chart
from tests.helpers import FIXTURES, shared_warehouse

FIXTURE = FIXTURES / "customer_finance"
AS_OF = "2024-04-30"

# chart id -> (title, a unit its value axis must name)
CHARTS = {
    "mrr-arr": ("MRR and ARR", "$"),
    "mrr-movements": ("MRR movements by type", "$"),
    "customers": ("Customers", "customers"),
    "churn-rates": ("Churn rates", "%"),
    "nrr-grr": ("Net and gross revenue retention (12 months)", "%"),
    "cohort-logo": ("Logo retention by cohort", "months"),
    "cohort-revenue": ("Net MRR retention by cohort", "months"),
    "cac-by-channel": ("CAC by channel (linear attribution)", "$"),
    "ltv-cac": ("LTV and CAC by first-touch channel", "$"),
    "funnel": ("Funnel conversion", "people"),
    "trial-demo-conversion": ("Trial and demo conversion", "%"),
    "health-bands": ("Customers by health band", "customers"),
    "health-backtest": ("Churn within 3 months by health band", "%"),
    "nps": ("Net Promoter Score", "points"),
}
# The fixture has fewer than 13 paid months, no trials and no demos.
NO_DATA_IN_FIXTURE = {"nrr-grr", "trial-demo-conversion"}

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The customer_finance fixture, built once per pytest session (tests/test_docs.py shares it)."""
    return shared_warehouse(tmp_path_factory, FIXTURE.name, AS_OF)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def report(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(warehouse, tmp_path_factory.mktemp("report") / "report.html")


class _Figures(HTMLParser):
    """Collects each [data-chart] element: its title, whether it holds an svg or a no-data message,
    and the texts of its axis labels."""

    def __init__(self):
        super().__init__()
        self.figures: dict[str, dict] = {}
        self._current: str | None = None
        self._depth = 0
        self._capture: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-chart" in attributes:
            self._current = attributes["data-chart"]
            self._depth = 0
            self.figures[self._current] = {"title": "", "svg": 0, "no_data": "", "axis_labels": []}
        if self._current is None:
            return
        self._depth += 1
        figure = self.figures[self._current]
        classes = (attributes.get("class") or "").split()
        if tag == "svg":
            figure["svg"] += 1
        if tag == "h3":
            self._capture = "title"
        elif "no-data" in classes:
            self._capture = "no_data"
        elif tag == "text" and "axis-label" in classes:
            self._capture = "axis_label"

    def handle_endtag(self, tag):
        if self._current is None:
            return
        if tag in ("h3", "div", "text"):
            self._capture = None
        self._depth -= 1
        if self._depth == 0:
            self._current = None

    def handle_data(self, data):
        if self._current is None or self._capture is None:
            return
        figure = self.figures[self._current]
        if self._capture == "axis_label":
            figure["axis_labels"].append(data)
        else:
            figure[self._capture] += data


def figures_of(html: str) -> dict[str, dict]:
    parser = _Figures()
    parser.feed(html)
    return parser.figures


# ---------------------------------------------------------------------------------------------
# The HTML itself


def test_report_is_self_contained(report: Path):
    html = report.read_text(encoding="utf-8")
    assert re.search(r"https?://", html, re.IGNORECASE) is None, "the report must not reference the network"
    assert re.search(r"<script\b", html, re.IGNORECASE) is None
    assert re.search(r"<link\b", html, re.IGNORECASE) is None
    assert re.search(r"\bsrc\s*=", html, re.IGNORECASE) is None
    assert re.search(r"@import|url\(", html, re.IGNORECASE) is None
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_as_of_date_at_the_top(report: Path):
    html = report.read_text(encoding="utf-8")
    header = html[: html.index("<main>")]
    assert AS_OF in header
    assert f"as of {AS_OF}" in html[: html.index("</title>")]


def test_every_chart_titled_with_labelled_axes(report: Path):
    figures = figures_of(report.read_text(encoding="utf-8"))
    assert set(figures) == set(CHARTS)
    for chart_id, (title, unit) in CHARTS.items():
        figure = figures[chart_id]
        assert figure["title"] == title, chart_id
        if chart_id in NO_DATA_IN_FIXTURE:
            assert figure["svg"] == 0 and figure["no_data"].startswith("No data"), chart_id
            continue
        assert figure["svg"] == 1 and not figure["no_data"], chart_id
        labels = figure["axis_labels"]
        assert len(labels) >= 2, f"{chart_id} needs a label on each axis, has {labels}"
        assert any(unit in label for label in labels), f"{chart_id}: no axis names its unit {unit!r}: {labels}"


def test_numbers_formatted(report: Path):
    html = report.read_text(encoding="utf-8")
    # April 2024: MRR 3,400 (alpha 1,000 + gamma EUR 2,000 at 1.20), two customers, one of three churned
    assert ">$3,400<" in html and ">$40.8K<" in html
    assert ">33.3%<" in html
    assert fmt.money(1_234_567) == "$1.2M"
    # below $10K in whole dollars: ARPAs of $1,027 and $1,049 must not both read $1K
    assert [fmt.money(v) for v in (1_027.4, 1_049, -1500, 9_999.4, 9_999.6, 10_049)] == [
        "$1,027",
        "$1,049",
        "-$1,500",
        "$9,999",
        "$10K",
        "$10K",
    ]
    assert fmt.money(850) == "$850"
    assert fmt.money(999_960) == "$1M"
    assert fmt.percent(0.034) == "3.4%"
    assert fmt.percent(1.0) == "100%"
    assert fmt.count(1234) == "1,234"
    assert fmt.ratio(3.24) == "3.2x"
    assert fmt.money(None) == fmt.percent(float("nan")) == "n/a"
    # retention cells: whole percentages, but never 100% for a value above or below it
    assert [fmt.retention_percent(v) for v in (0.93, 0.9958, 1.0, 1.003)] == ["93%", "99.6%", "100%", "100.3%"]
    assert fmt.retention_percent(0.99996, 1) == "99.996%"
    # a change that rounds to 0% has no sign and no arrow; one that does not keeps both
    april = dt.date(2024, 4, 1)
    assert _change(1000.4, 1000, april) == ("0% vs Apr 2024", "")
    assert _change(1010, 1000, april) == ("+1% vs Apr 2024", "up")


def test_text_is_escaped():
    hostile = '<img src=x onerror="alert(1)">'
    svg = line_chart(hostile, [hostile], [Series(hostile, [1.0], "#000")], fmt.money, hostile)
    html = chart_html(Chart("x", hostile, hostile, svg=svg)) + chart_html(Chart("y", hostile, hostile, no_data=hostile))
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_database_opened_read_only_and_closed(warehouse: Path, tmp_path: Path):
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    write_report(warehouse, tmp_path / "report.html", attribution_model="first_touch")
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    # closed: this process can open it again with a different (read-write) configuration
    duckdb.connect(str(warehouse)).close()
    assert "CAC by channel (first touch attribution)" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_unknown_attribution_model_and_missing_database(warehouse: Path, tmp_path: Path):
    with pytest.raises(ValueError, match="unknown attribution model 'w_shaped'"):
        write_report(warehouse, tmp_path / "report.html", attribution_model="w_shaped")
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "absent.duckdb", tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


def test_empty_warehouse_shows_no_data_everywhere(tmp_path: Path):
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    html = write_report(database, tmp_path / "report.html").read_text(encoding="utf-8")
    figures = figures_of(html)
    assert set(figures) == set(CHARTS)
    assert all(f["svg"] == 0 and f["no_data"].startswith("No data") for f in figures.values())
    assert NO_VALIDATION in html.lower()


def test_data_quality_status(warehouse: Path, report: Path, tmp_path: Path):
    assert NO_VALIDATION in report.read_text(encoding="utf-8").lower()
    database = tmp_path / "audited.duckdb"
    shutil.copyfile(warehouse, database)
    with duckdb.connect(str(database)) as con:
        con.execute("create schema audit")
        con.execute(
            """create table audit.validation_runs (run_id varchar, started_at timestamp, finished_at timestamp,
               suite varchar, success boolean, expectations_evaluated integer, expectations_failed integer,
               warnings integer)"""
        )
        con.execute(
            """insert into audit.validation_runs values
               ('r1', '2024-05-01 10:00', '2024-05-01 10:01', 'raw', true, 120, 0, 2),
               ('r2', '2024-05-01 10:05', '2024-05-01 10:06', 'marts', false, 80, 3, 0),
               ('r0', '2024-04-01 10:05', '2024-04-01 10:06', 'marts', true, 80, 0, 0)"""
        )
    html = write_report(database, tmp_path / "report.html").read_text(encoding="utf-8")
    status = html[html.index('id="data-quality"') :]
    assert NO_VALIDATION not in status.lower()
    assert '<span class="badge failed">Failed</span>' in status
    assert "<td>raw</td><td>2024-05-01 10:01:00 UTC</td><td>passed</td><td>120</td><td>0</td><td>2</td>" in status
    assert "<td>marts</td><td>2024-05-01 10:06:00 UTC</td><td>failed</td><td>80</td><td>3</td><td>0</td>" in status
    assert "2024-04-01" not in status  # only the latest run of each suite


# ---------------------------------------------------------------------------------------------
# In a browser

# Appended to a copy of the report (the report itself has no scripts): measures every chart.
RENDER_CHECK = """
<script>
(function () {
  var results = [];
  document.querySelectorAll('[data-chart]').forEach(function (element) {
    var result = {id: element.getAttribute('data-chart')};
    var svg = element.querySelector('svg');
    if (svg) {
      var box = svg.getBBox();
      var rect = svg.getBoundingClientRect();
      result.bbox = [box.width, box.height];
      result.rect = [rect.width, rect.height];
      result.marks = svg.querySelectorAll('rect, polyline, circle').length;
    }
    var noData = element.querySelector('.no-data');
    if (noData) {
      var shown = noData.getBoundingClientRect();
      result.noData = noData.textContent;
      result.noDataRect = [shown.width, shown.height];
    }
    results.push(result);
  });
  var out = document.createElement('pre');
  out.id = 'render-check';
  out.textContent = JSON.stringify(results);
  document.body.appendChild(out);
})();
</script>
"""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing and this process is root."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail(
            "chromium is not installed, and this test can install it only as root on Debian or Ubuntu: "
            "run `apt-get install -y chromium` (or install Chromium another way) and run the tests again"
        )
    for command in (
        ["apt-get", "install", "-y", "chromium"],
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "chromium"],
    ):
        subprocess.run(
            command,
            check=False,
            capture_output=True,
            timeout=900,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if shutil.which("chromium"):
            return shutil.which("chromium")
    pytest.fail("`apt-get install -y chromium` did not install chromium; install it by hand and run the tests again")


def _run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_report_renders_in_chromium(report: Path, chromium: str, tmp_path: Path):
    screenshot = tmp_path / "report.png"
    shown = _run_chromium(
        chromium,
        tmp_path / "profile-screenshot",
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={screenshot}",
        "--window-size=1400,5000",
        report.as_uri(),
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "the report logged to the browser console:\n" + "\n".join(console)
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000
    assert _png_size(screenshot) == (1400, 5000)

    # The same page with a measuring script appended (and its script-blocking policy removed).
    instrumented = tmp_path / "report_check.html"
    html = report.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    instrumented.write_text(html.replace("</body>", RENDER_CHECK + "</body>"), encoding="utf-8")
    dumped = _run_chromium(
        chromium, tmp_path / "profile-dom", "--dump-dom", "--window-size=1400,5000", instrumented.as_uri()
    )
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    match = re.search(r'<pre id="render-check">(.*?)</pre>', dumped.stdout, re.DOTALL)
    assert match, "the render check did not run:\n" + dumped.stdout[-2000:]
    results = {r["id"]: r for r in json.loads(unescape(match.group(1)))}

    assert set(results) == set(CHARTS)
    for chart_id, result in results.items():
        if "bbox" in result:
            width, height = result["bbox"]
            assert width > 0 and height > 0, f"{chart_id}: empty svg bounding box {result}"
            assert min(result["rect"]) > 0, f"{chart_id}: svg not laid out {result}"
            assert result["marks"] > 0, f"{chart_id}: svg without bars, lines or points"
        else:
            assert result.get("noData", "").startswith("No data"), f"{chart_id}: neither a chart nor no data"
            assert min(result["noDataRect"]) > 0, f"{chart_id}: no-data message not shown"
    assert {c for c, r in results.items() if "bbox" not in r} == NO_DATA_IN_FIXTURE


def test_as_of_month_fallback_without_reporting_window(warehouse: Path, tmp_path: Path):
    """Without intermediate.int_reporting_window, the last month of saas_kpis_monthly is the as_of."""
    database = tmp_path / "no_window.duckdb"
    shutil.copyfile(warehouse, database)
    with duckdb.connect(str(database)) as con:
        con.execute("drop table intermediate.int_reporting_window")
    html = write_report(database, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "As of <strong>2024-04</strong>" in html
    assert dt.date(2024, 4, 1).strftime("%b %Y") in html


def test_trial_demo_chart_says_which_months_can_still_rise(tmp_path: Path):
    """By hand: January's trials are decided (4 started, 25% paid, none still in trial) and its demos have
    had their 90 days; February has 1 of 2 trials still in trial and demos still in their window. The
    month's demo rate is over every demo type: January (1 + 1) / (3 + 1) = 50%."""
    database = tmp_path / "trials_demos.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_trials_monthly as select * from (values "
            "(date '2024-01-01', 4, 0.25, 0), (date '2024-02-01', 2, 0.5, 1)) "
            "as t (month, trials_started, trial_to_paid_rate, trials_in_progress)"
        )
        con.execute(
            "create table marts.fct_demos_monthly as select * from (values "
            "(date '2024-01-01', 'live', 3, 1, true), (date '2024-01-01', 'webinar', 1, 1, true), "
            "(date '2024-02-01', 'live', 2, 0, false)) "
            "as t (month, demo_type, demos_held, demos_converted, is_window_complete)"
        )
    with duckdb.connect(str(database), read_only=True) as con:
        chart = trial_demo(Marts(con))
    assert chart.table_header == [
        "Month",
        "Trials started",
        "Trial to paid",
        "Still in trial",
        "Demos held",
        "Demo to paid",
        "Demo rate final",
    ]
    assert [row[1:] for row in chart.table_rows] == [
        ["4", "25%", "0", "4", "50%", "yes"],
        ["2", "50%", "1", "2", "0%", "no"],
    ]
    # February's trial rate (1 of 2 trials still in trial) and demo rate (window open) are drawn on the
    # dashed "can still rise" lines, January's final ones on the solid lines
    tips = [unescape(t) for t in re.findall(r"<title>([^<]*: [^<]*)</title>", chart.svg)]
    jan, feb = fmt.month_short(dt.date(2024, 1, 1)), fmt.month_short(dt.date(2024, 2, 1))
    assert sorted(tips) == sorted(
        [
            f"Trial to paid, {jan}: 25%",
            f"Trial to paid, can still rise, {feb}: 50%",
            f"Demo to paid, {jan}: 50%",
            f"Demo to paid, can still rise, {feb}: 0%",
        ]
    )


def test_headline_flows_come_from_the_last_whole_month_when_as_of_is_inside_a_month(tmp_path: Path):
    """as_of 2025-12-15: MRR and customers are December's (at as_of); churn, CAC and NPS are November's,
    December's being half a month of flows against a whole month of costs. As of 2025-12-31, December's."""
    database = tmp_path / "headline.duckdb"
    columns = (
        "month, ending_mrr, arr, ending_customers, arpa, net_revenue_retention_12m, gross_revenue_retention_12m, "
        "customer_churn_rate, gross_mrr_churn_rate, quick_ratio, blended_cac, ltv, ltv_to_cac, cac_payback_months, nps"
    )
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.execute(
            f"create table marts.saas_kpis_monthly as select * from (values "
            "(date '2025-11-01', 1000.0, 12000.0, 10, 100.0, 1.0, 0.9, 0.02, 0.011, 5.0, 7800.0, 29000.0, 3.7, 12.0, "
            "11.0), (date '2025-12-01', 1100.0, 13200.0, 11, 100.0, 1.0, 0.9, 0.013, 0.005, 9.0, 15400.0, 30000.0, "
            "1.9, 24.1, -4.0)) "
            f"as t ({columns})"
        )
        con.execute("create table intermediate.int_reporting_window as select date '2025-12-15' as as_of_date")
    with duckdb.connect(str(database), read_only=True) as con:
        marts = Marts(con)
        mid_month = headline_tiles(marts, AsOf(dt.date(2025, 12, 15), dt.date(2025, 12, 1), "reporting window"))
        month_end = headline_tiles(marts, AsOf(dt.date(2025, 12, 31), dt.date(2025, 12, 1), "reporting window"))
    nov, dec = fmt.month_label(dt.date(2025, 11, 1)), fmt.month_label(dt.date(2025, 12, 1))
    assert f"MRR, {dec}" in mid_month and "$1,100" in mid_month
    assert f"Logo churn, {nov}" in mid_month and "2%" in mid_month
    assert f"Blended CAC, {nov}" in mid_month and "$7,800" in mid_month
    assert f"CAC payback, {nov}" in mid_month and f"NPS, {nov}" in mid_month
    assert dec not in mid_month.replace(f"MRR, {dec}", "")
    assert f"Logo churn, {dec}" in month_end and "$15.4K" in month_end


def test_cli_headline_takes_flows_from_the_last_whole_month(tmp_path: Path):
    database = tmp_path / "cli.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.execute(
            "create table marts.fct_mrr_monthly as select * from (values "
            "(date '2025-11-01', 1000.0, 12000.0, 50.0, 5.0, 0.0, -1.0, -20.0, 0.0, 10, 1, 2, 100.0, 0.2, 0.02, 1.0, "
            "0.9, 2.5), (date '2025-12-01', 1100.0, 13200.0, 120.0, 0.0, 0.0, 0.0, -10.0, 0.0, 11, 2, 1, 100.0, 0.1, "
            "0.01, 1.0, 0.9, 12.0)) "
            "as t (month, ending_mrr, arr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr, "
            "fx_mrr, ending_customers, new_customers, churned_customers, arpa, customer_churn_rate, "
            "gross_mrr_churn_rate, net_revenue_retention_12m, gross_revenue_retention_12m, quick_ratio)"
        )
        con.execute("create table intermediate.int_reporting_window as select date '2025-12-15' as as_of_date")
        mid_month = headline_lines(con)
        con.execute("create or replace table intermediate.int_reporting_window as select date '2025-12-31' as_of_date")
        month_end = headline_lines(con)
    assert mid_month[0] == "Headline numbers as of 2025-12-15 (December 2025):"
    assert "MRR $1,100.00" in mid_month[1]
    assert mid_month[3] == "Movements of November 2025:"
    assert "new $50.00" in mid_month[4] and "logo churn 20.00%" in mid_month[5] and "quick ratio 2.50" in mid_month[5]
    assert month_end[3] == "Movements of December 2025:"
    assert "new $120.00" in month_end[4] and "logo churn 10.00%" in month_end[5]
