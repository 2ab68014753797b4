"""The bench's arithmetic (saas_metrics.bench), on fabricated measurements: the ratios it prints,
the goals it checks and by how much one is missed, and how --repeat combines runs. Nothing is
timed here; every expected figure is worked out by hand in the comments."""

from __future__ import annotations

import json

from saas_metrics.bench import Goal, SizeResult, Step, _median_of, _node_times, goal_lines, report


def size(customers: int, lower: float, build: float, peak: float, daily: float, slowest: str = "m") -> SizeResult:
    return SizeResult(
        customers=customers,
        months=36,
        raw_rows=10 * customers,
        load=Step(seconds=30.0, peak_rss_mib=500.0),
        lower_bound=Step(seconds=lower, peak_rss_mib=100.0),
        build=Step(seconds=build, peak_rss_mib=peak),
        model_seconds=build,
        test_seconds=build / 2,
        slowest_models=[(slowest, 1.0)],
        slowest_tests=[(slowest + "_test", 0.25)],
        daily_load=Step(seconds=5.0, peak_rss_mib=200.0),
        daily_build=Step(seconds=daily, peak_rss_mib=peak / 2),
        daily_model_seconds=daily,
        daily_test_seconds=daily / 4,
        slowest_daily_models=[(slowest + "_daily", 0.5)],
        slowest_daily_tests=[(slowest + "_daily_test", 0.125)],
    )


def test_goals_met_and_missed_by_how_much():
    hundred_k = size(100_000, lower=1.6, build=66.8, peak=2_867.0, daily=39.2)
    million = size(1_000_000, lower=9.0, build=410.1, peak=6_304.0, daily=136.8)
    lines = goal_lines([hundred_k, million])
    assert lines == [
        "goals:",
        # 66.8 - 60 = 6.8 over; 66.8 / 60 = 1.113
        "  100,000 customers: full build under 60 s: MISSED: 66.80 s, over by 6.80 s (1.11x the limit of 60 s)",
        "  1,000,000 customers: full build under 10 minutes: met: 410.10 s",
        # 8 GiB = 8,192 MiB
        "  1,000,000 customers: peak memory of the build under 8 GiB: met: 6,304.00 MiB",
        # 410.1 / 66.8 = 6.139
        "  build time 1,000,000 / 100,000 customers at most 12: met: 6.14x",
        # 136.8 / 410.1 = 33.357%; 33.357 - 10 = 23.357; 33.357 / 10 = 3.336
        "  1,000,000 customers: daily run at most 10% of the full build: "
        "MISSED: 33.36%, over by 23.36% (3.34x the limit of 10%)",
        # 66.8 / 1.6 = 41.75; 41.75 / 20 = 2.0875
        "  100,000 customers: full build at most 20x the raw-scan lower bound: "
        "MISSED: 41.75x, over by 21.75x (2.09x the limit of 20x)",
        # 410.1 / 9.0 = 45.567; 45.567 / 20 = 2.278
        "  1,000,000 customers: full build at most 20x the raw-scan lower bound: "
        "MISSED: 45.57x, over by 25.57x (2.28x the limit of 20x)",
    ]


def test_goals_of_sizes_not_measured_say_so():
    lines = goal_lines([size(10_000, lower=0.5, build=9.5, peak=400.0, daily=9.0)])
    assert lines[1:6] == [
        "  100,000 customers: full build under 60 s: not measured",
        "  1,000,000 customers: full build under 10 minutes: not measured",
        "  1,000,000 customers: peak memory of the build under 8 GiB: not measured",
        "  build time 1,000,000 / 100,000 customers at most 12: not measured",
        "  1,000,000 customers: daily run at most 10% of the full build: not measured",
    ]
    # 9.5 / 0.5 = 19: within 20x
    assert lines[6:] == ["  10,000 customers: full build at most 20x the raw-scan lower bound: met: 19.00x"]


def test_a_goal_stated_as_under_is_missed_at_its_limit_and_at_most_is_met():
    assert Goal("under", 60, " s", strict=True).verdict(60.0).startswith("MISSED: 60.00 s, over by 0.00 s")
    assert Goal("at most", 12, "x").verdict(12.0) == "met: 12.00x"


def test_report_prints_the_ratios_of_each_size_and_the_growth_between_sizes():
    hundred_k = size(100_000, lower=2.0, build=50.0, peak=2_000.0, daily=20.0)
    million = size(1_000_000, lower=10.0, build=400.0, peak=6_000.0, daily=60.0)
    text = "\n".join(report([million, hundred_k]))
    # 50 / 2 = 25.0; 20 / 50 = 40.0%; the daily models 20 against 50 = 40.0%
    assert "100,000 customers: full build 50.0 s = 25.0 x the raw-scan lower bound" in text
    assert "daily run (one day appended, then dbt build) 20.0 s = 40.0% of the full build; models alone 40.0%" in text
    # 400 / 10 = 40.0; 60 / 400 = 15.0%; the highest peak of any step is the build's 6,000 MiB
    assert "1,000,000 customers: full build 400.0 s = 40.0 x the raw-scan lower bound" in text
    assert "peak memory 6000 MiB (build), 6000 MiB (any step)" in text
    assert "60.0 s = 15.0% of the full build" in text
    # sizes are ordered by customers, whatever order they were measured in: 400 / 50 = 8.00
    assert "build time 1,000,000 / 100,000 customers = 8.00 (customers x10)" in text


def test_repeated_runs_give_median_times_highest_peak_and_the_median_runs_slowest_models():
    runs = [
        size(100_000, lower=1.0, build=3.0, peak=10.0, daily=7.0, slowest="first"),
        size(100_000, lower=3.0, build=1.0, peak=30.0, daily=9.0, slowest="second"),
        size(100_000, lower=2.0, build=2.0, peak=20.0, daily=8.0, slowest="third"),
    ]
    combined = _median_of(runs)
    # build times 3, 1, 2: median 2 (the third run); peaks 10, 30, 20: highest 30
    assert combined.build == Step(seconds=2.0, peak_rss_mib=30.0)
    assert combined.lower_bound.seconds == 2.0
    assert combined.model_seconds == 2.0 and combined.test_seconds == 1.0
    assert combined.slowest_models == [("third", 1.0)]
    assert combined.slowest_tests == [("third_test", 0.25)]
    # daily builds 7, 9, 8: median 8 (the third run again); daily peaks are half the build's: 15
    assert combined.daily_build == Step(seconds=8.0, peak_rss_mib=15.0)
    assert combined.slowest_daily_models == [("third_daily", 0.5)]
    assert combined.slowest_daily_tests == [("third_daily_test", 0.125)]


def test_an_even_number_of_runs_averages_the_middle_two_times_and_lists_the_lower_ones_models():
    runs = [
        size(100_000, lower=1.0, build=build, peak=10.0 * build, daily=build, slowest=f"run{build:g}")
        for build in (4.0, 1.0, 3.0, 2.0)
    ]
    combined = _median_of(runs)
    # build times 1, 2, 3, 4: median (2 + 3) / 2 = 2.5; highest peak 40
    assert combined.build == Step(seconds=2.5, peak_rss_mib=40.0)
    assert combined.slowest_models == [("run2", 1.0)]
    assert combined.slowest_daily_models == [("run2_daily", 0.5)]


def test_node_times_sum_models_and_tests_and_name_the_slowest_of_each(tmp_path):
    def node(unique_id: str, seconds: float) -> dict:
        return {"unique_id": unique_id, "execution_time": seconds}

    results = [node("seed.saas_metrics.currency_exponents", 9.0)]
    # twelve models taking 1 to 12 s: 78 s in all; the slowest ten are 12 down to 3
    results += [node(f"model.saas_metrics.m{i}", float(i)) for i in range(1, 13)]
    results += [
        # a generic test's id ends in a hash of its arguments, which is not part of its name
        node("test.saas_metrics.source_unique_raw_web_sessions_session_id.35913a5d55", 14.5),
        node("test.saas_metrics.assert_customer_mrr_roll_forward", 7.0),
        node("test.saas_metrics.not_null_fct_touchpoints_touchpoint_id.0a1b2c3d4e", 0.5),
        node("unit_test.saas_metrics.fct_mrr_monthly.mrr_roll_forward", 3.0),
    ]
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"results": results}))
    models, tests, slowest_models, slowest_tests = _node_times(path)
    assert models == 78.0
    # 14.5 + 7 + 0.5; the seed and the unit test are neither
    assert tests == 22.0
    assert slowest_models == [(f"m{i}", float(i)) for i in range(12, 2, -1)]
    assert slowest_tests == [
        ("source_unique_raw_web_sessions_session_id", 14.5),
        ("assert_customer_mrr_roll_forward", 7.0),
        ("not_null_fct_touchpoints_touchpoint_id", 0.5),
    ]


def test_the_report_names_the_slowest_tests_of_both_builds():
    text = "\n".join(report([size(100_000, lower=1.0, build=40.0, peak=2_000.0, daily=20.0, slowest="x")]))
    assert "  slowest tests: x_test 0.25s" in text
    assert "  slowest tests in the daily run: x_daily_test 0.125s" in text
