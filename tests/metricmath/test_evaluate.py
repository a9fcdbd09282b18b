"""Metric math over series: point by point, missing points, functions."""

from __future__ import annotations

import math

import pytest

from pipeline.metricmath import Context, MetricMathError, Series, evaluate, parse_expression

GRID = [0, 60, 120, 180, 240]


def run(text: str, **series: dict[int, float]):
    values = {name: Series(points, name.capitalize(), 60) for name, points in series.items()}
    context = Context(grid=GRID, series=values, metric_stat_ids=list(values),
                      labels={name: s.label for name, s in values.items()}, period=60)
    return evaluate(parse_expression(text), context)


def points(value):
    return dict(sorted(value.points.items()))


def test_series_arithmetic_keeps_common_timestamps_and_drops_non_finite():
    a, b = {0: 2.0, 60: 4.0, 120: 6.0}, {0: 1.0, 120: 0.0, 180: 5.0}
    assert points(run("a + b", a=a, b=b)) == {0: 3.0, 120: 6.0}
    assert points(run("100 * a / b", a=a, b=b)) == {0: 200.0}  # 6 / 0 has no value
    assert points(run("a ^ 2 - 1", a=a)) == {0: 3.0, 60: 15.0, 120: 35.0}
    assert points(run("-a", a=a)) == {0: -2.0, 60: -4.0, 120: -6.0}
    assert run("2 * 3 + 1") == 7.0
    with pytest.raises(MetricMathError, match="has no value"):
        run("1 / 0")


def test_comparisons_and_logic_give_one_or_zero():
    a = {0: 1.0, 60: 5.0, 120: 10.0}
    assert points(run("a >= 5", a=a)) == {0: 0.0, 60: 1.0, 120: 1.0}
    assert points(run("a > 1 AND a < 10", a=a)) == {0: 0.0, 60: 1.0, 120: 0.0}
    assert points(run("NOT (a == 5) OR a == 10", a=a)) == {0: 1.0, 60: 0.0, 120: 1.0}


def test_if():
    a, b = {0: 1.0, 60: 5.0, 120: 10.0}, {0: 100.0, 60: 200.0}
    assert points(run("IF(a > 2, a, 0)", a=a)) == {0: 0.0, 60: 5.0, 120: 10.0}
    assert points(run("IF(a > 2, b)", a=a, b=b)) == {60: 200.0}  # no else, and b has no point at 120
    assert run("IF(1, 7, 8)") == 7.0


def test_fill():
    a = {60: 4.0, 180: 8.0}
    assert points(run("FILL(a, 0)", a=a)) == {0: 0.0, 60: 4.0, 120: 0.0, 180: 8.0, 240: 0.0}
    assert points(run("FILL(a, REPEAT)", a=a)) == {60: 4.0, 120: 4.0, 180: 8.0, 240: 8.0}
    assert points(run("FILL(a, LINEAR)", a=a)) == {60: 4.0, 120: 6.0, 180: 8.0}
    assert points(run("FILL(a, b)", a=a, b={0: 1.0, 60: 99.0})) == {0: 1.0, 60: 4.0, 180: 8.0}
    with pytest.raises(MetricMathError, match="FILL takes"):
        run('FILL(a, "x")', a=a)


def test_aggregates_of_arrays_and_of_one_series():
    a, b = {0: 1.0, 60: 3.0}, {0: 5.0, 120: 7.0}
    assert points(run("SUM([a, b])", a=a, b=b)) == {0: 6.0, 60: 3.0, 120: 7.0}
    assert points(run("AVG(METRICS())", a=a, b=b)) == {0: 3.0, 60: 3.0, 120: 7.0}
    assert points(run("MAX(METRICS()) - MIN(METRICS())", a=a, b=b)) == {0: 4.0, 60: 0.0, 120: 0.0}
    assert run("SUM(a)", a=a) == 4.0
    assert run("STDDEV(a)", a=a) == 1.0  # population deviation
    assert run("DATAPOINT_COUNT(b)", b=b) == 2.0
    assert [s.label for s in run('METRICS("B")', a=a, b=b)] == ["B"]  # by Id or label
    assert [points(s) for s in run("METRICS() * 10", a=a, b=b)] == [{0: 10.0, 60: 30.0}, {0: 50.0, 120: 70.0}]
    assert run("REMOVE_EMPTY(METRICS())", a=a, b={}) and len(run("REMOVE_EMPTY(METRICS())", a=a, b={})) == 1
    with pytest.raises(MetricMathError, match="without data"):
        run("MAX(a)", a={})


def test_time_functions():
    a = {0: 10.0, 60: 40.0, 180: 100.0}
    assert points(run("RATE(a)", a=a)) == {60: 0.5, 180: 0.5}
    assert points(run("DIFF(a)", a=a)) == {60: 30.0, 180: 60.0}
    assert points(run("DIFF_TIME(a)", a=a)) == {60: 60.0, 180: 120.0}
    assert points(run("RUNNING_SUM(a)", a=a)) == {0: 10.0, 60: 50.0, 180: 150.0}
    assert run("PERIOD(a)", a=a) == 60.0
    assert points(run("TIME_SERIES(3)")) == dict.fromkeys(GRID, 3.0)
    assert points(run("ABS(-a) + CEIL(a / 7) + FLOOR(LOG10(a))", a=a)) == {0: 13.0, 60: 47.0, 180: 117.0}
    assert math.isclose(run("LOG(SUM(a))", a=a), math.log(150.0))


def test_unsupported_and_misused_functions():
    with pytest.raises(MetricMathError, match="SEARCH is not supported"):
        run("SEARCH('x', 'Sum', 60)")
    with pytest.raises(MetricMathError, match="RATE takes 1 argument; got 2"):
        run("RATE(a, a)", a={0: 1.0})
    with pytest.raises(MetricMathError, match="not a query Id"):
        run("a + zz", a={0: 1.0})
    with pytest.raises(MetricMathError, match="operator \\+ takes numbers"):
        run('"x" + 1')
