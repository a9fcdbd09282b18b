"""GetMetricData: queries checked, expressions ordered and answered on their grids."""

from __future__ import annotations

import pytest

from pipeline.metricmath import MetricMathError, get_metric_data, parse_queries

DATA = {"Errors": {0: 5.0, 60: 10.0, 180: 1.0}, "Requests": {0: 100.0, 60: 50.0, 120: 20.0, 180: 0.0},
        "Slow": {0: 1.0, 300: 2.0}}
CALLS: list[tuple[str, tuple[int, ...]]] = []


def fetch(stat, grid):
    name = stat["Metric"]["MetricName"]
    CALLS.append((name, tuple(grid)))
    return {moment: value for moment, value in DATA[name].items() if moment in grid}


def stat(name: str, period: int = 60, **extra) -> dict:
    return {"Metric": {"Namespace": "Shop", "MetricName": name}, "Period": period, "Stat": "Sum", **extra}


def answer(queries, start=0, end=240, **options):
    return {(r["Id"], r["Label"]): (r["Timestamps"], r["Values"])
            for r in get_metric_data(queries, start, end, fetch, **options)["MetricDataResults"]}


def test_expression_over_metric_stats_newest_first():
    found = answer([{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False},
                    {"Id": "r", "MetricStat": stat("Requests"), "ReturnData": False},
                    {"Id": "rate", "Expression": "100 * e / r", "Label": "Error rate"}])
    assert found == {("rate", "Error rate"): (["1970-01-01T00:01:00+00:00", "1970-01-01T00:00:00+00:00"],
                                               [20.0, 5.0])}


def test_expressions_read_expressions_in_any_order_and_scalars_fill_the_grid():
    found = answer([{"Id": "double", "Expression": "2 * total"},
                    {"Id": "total", "Expression": "SUM(e)", "ReturnData": False},
                    {"Id": "e", "MetricStat": stat("Errors")}], scan_by="TimestampAscending")
    assert found[("double", "double")][1] == [32.0, 32.0, 32.0, 32.0]
    assert found[("e", "Errors")][1] == [5.0, 10.0, 1.0]


def test_an_array_result_gives_one_result_per_series():
    found = answer([{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False},
                    {"Id": "r", "MetricStat": stat("Requests"), "Label": "Reqs", "ReturnData": False},
                    {"Id": "all", "Expression": "FILL(METRICS(), 0)"}], scan_by="TimestampAscending")
    assert found == {("all", "Errors"): (found[("all", "Errors")][0], [5.0, 10.0, 0.0, 1.0]),
                     ("all", "Reqs"): (found[("all", "Reqs")][0], [100.0, 50.0, 20.0, 0.0])}


def test_grids_follow_periods():
    CALLS.clear()
    found = answer([{"Id": "slow", "MetricStat": stat("Slow", 300), "ReturnData": False},
                    {"Id": "x", "Expression": "FILL(slow, 0)"}], start=0, end=900, scan_by="TimestampAscending")
    assert CALLS == [("Slow", (0, 300, 600))]
    assert found[("x", "x")][1] == [1.0, 2.0, 0.0]


@pytest.mark.parametrize("queries,message", [
    ([], "non-empty list"),
    ([{"Id": "M1", "MetricStat": stat("Errors")}], "member.1.Id 'M1' is not valid"),
    ([{"Id": "a", "MetricStat": stat("Errors")}, {"Id": "a", "Expression": "1"}], "used by more than one query"),
    ([{"Id": "a"}], "exactly one of MetricStat and Expression"),
    ([{"Id": "a", "MetricStat": stat("Errors"), "Expression": "1"}], "exactly one of"),
    ([{"Id": "a", "MetricStat": stat("Errors", 61)}], "multiple of 60"),
    ([{"Id": "a", "MetricStat": dict(stat("Errors"), Stat="Median")}], "'Median' is not a statistic"),
    ([{"Id": "a", "MetricStat": {"Metric": {"Namespace": "Shop"}, "Period": 60, "Stat": "Sum"}}],
     "Metric.MetricName is required"),
    ([{"Id": "a", "Expression": "b +"}], "member.1.Expression: Error in expression at position 3"),
    ([{"Id": "a", "MetricStat": stat("Errors"), "ReturnData": False}], "At least one query must have ReturnData"),
])
def test_bad_queries(queries, message):
    with pytest.raises(MetricMathError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_queries(queries)


def test_unknown_ids_cycles_and_limits():
    with pytest.raises(MetricMathError, match="refers to 'zz'"):
        answer([{"Id": "a", "Expression": "zz * 2"}])
    with pytest.raises(MetricMathError, match="Circular dependency between queries: a -> b -> a"):
        answer([{"Id": "a", "Expression": "b + 1"}, {"Id": "b", "Expression": "a + 1"}])
    with pytest.raises(MetricMathError, match="more than 100800 datapoints"):
        answer([{"Id": "e", "MetricStat": stat("Errors")}], start=0, end=60 * 100_801)
    with pytest.raises(MetricMathError, match="StartTime must be less"):
        answer([{"Id": "e", "MetricStat": stat("Errors")}], start=60, end=60)
    with pytest.raises(MetricMathError, match="gives text"):
        answer([{"Id": "t", "Expression": '"text"'}])
