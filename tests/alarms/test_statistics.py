"""Bucket aggregation, the quantile sketch's stated error, extended statistics, low sample counts."""

from __future__ import annotations

import json
import math
import random

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.alarms import AlarmState, AlarmValidationError, assess, get_metric_statistics
from pipeline.alarms.periods import (
    add_value,
    advance_watermark,
    check_period,
    closed_before,
    expire_buckets,
    merge_buckets,
    new_bucket,
    period_start,
    retention_seconds,
    to_epoch,
)
from pipeline.alarms.statistics import (
    DEFAULT_RELATIVE_ACCURACY,
    parse_extended_statistic,
    statistic_value,
    too_few_samples,
)
from tests.alarms.helpers import EPOCH, MINUTE, make_alarm


def bucket_of(values):
    bucket = new_bucket()
    for v in values:
        add_value(bucket, v)
    return bucket


def test_basic_statistics_are_exact():
    bucket = bucket_of([1.0, 2.0, 4.5])
    assert [statistic_value(bucket, s) for s in ("SampleCount", "Sum", "Minimum", "Maximum", "Average")] == [
        3.0, 7.5, 1.0, 4.5, 2.5,
    ]
    assert statistic_value(new_bucket(), "Sum") is None


positive = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(positive, positive.map(lambda v: -v), st.just(0.0)), min_size=1, max_size=300),
       st.floats(min_value=0.0, max_value=1.0))
def test_percentile_relative_error_is_within_stated_bound(values, q):
    """Estimate within 1 % of the exact value at rank floor(q * (n - 1))."""
    bucket = bucket_of(values)
    exact = sorted(values)[math.floor(q * (len(values) - 1))]
    estimate = statistic_value(bucket, extended=parse_extended_statistic(f"p{q * 100:.6f}".rstrip("0").rstrip(".")))
    # the text is rounded to 6 decimals: allow the neighbouring rank as well
    q2 = float(f"{q * 100:.6f}") / 100
    exact2 = sorted(values)[math.floor(q2 * (len(values) - 1))]
    tolerance = DEFAULT_RELATIVE_ACCURACY * 1.000001
    assert any(abs(estimate - e) <= tolerance * abs(e) + 1e-9 for e in (exact, exact2))


@settings(max_examples=60, deadline=None)
@given(st.lists(positive, min_size=1, max_size=200), st.integers(min_value=1, max_value=4), st.randoms())
def test_merge_is_order_independent_and_json_safe(values, parts, rnd):
    """Buckets split across workers and merged (in any order, via JSON) equal one bucket."""
    whole = bucket_of(values)
    shuffled = list(values)
    rnd.shuffle(shuffled)
    pieces = [bucket_of(shuffled[i::parts]) for i in range(parts)]
    merged = new_bucket()
    for i, piece in enumerate(reversed(pieces)):
        wire = orjson.loads(orjson.dumps(piece)) if i % 2 else json.loads(json.dumps(piece))
        merge_buckets(merged, wire)
    merged = orjson.loads(orjson.dumps(merged))  # a table round trip, then keep adding
    add_value(merged, values[0])
    add_value(whole, values[0])
    for name in ("SampleCount", "Minimum", "Maximum"):
        assert statistic_value(merged, name) == statistic_value(whole, name)
    assert math.isclose(statistic_value(merged, "Sum"), statistic_value(whole, "Sum"), rel_tol=1e-9)
    for text in ("p50", "p99.9", "tm90", "IQM"):
        spec = parse_extended_statistic(text)
        assert math.isclose(statistic_value(merged, extended=spec), statistic_value(whole, extended=spec), rel_tol=1e-9)


def test_extended_statistics_close_to_exact():
    rng = random.Random(3)
    values = [rng.lognormvariate(0, 1) for _ in range(20000)]
    bucket = bucket_of(values)
    ordered = sorted(values)
    n = len(ordered)

    def check(text, exact, rel=0.012):
        got = statistic_value(bucket, extended=parse_extended_statistic(text))
        assert got == pytest.approx(exact, rel=rel), text

    check("tm90", sum(ordered[: int(0.9 * n)]) / int(0.9 * n))
    check("IQM", sum(ordered[n // 4: 3 * n // 4]) / (n // 2))
    check("TM(10%:90%)", sum(ordered[n // 10: 9 * n // 10]) / (8 * n // 10))
    check("tc90", 0.9 * n, rel=1e-9)
    lo, hi = ordered[n // 10], ordered[9 * n // 10]
    check("WM(10%:90%)", sum(min(max(v, lo), hi) for v in ordered) / n)
    check("TC(0.5:2)", sum(1 for v in ordered if 0.5 < v <= 2), rel=0.02)
    check("TS(:3)", sum(v for v in ordered if v <= 3), rel=0.02)
    check("PR(:1)", 100 * sum(1 for v in ordered if v <= 1) / n, rel=0.02)
    assert statistic_value(bucket, extended=parse_extended_statistic("p100")) == max(values)
    assert statistic_value(bucket, extended=parse_extended_statistic("p0")) == min(values)


@pytest.mark.parametrize("text", ["p99", "p95.0123456789", "tm99", "wm10", "tc90", "ts90", "IQM", "TM(2%:98%)",
                                  "TM(150:1000)", "PR(:300)", "PR(100:2000)", "WM(:95%)", "TC(0.005:0.030)"])
def test_extended_statistic_forms_parse(text):
    assert parse_extended_statistic(text).text == text


@pytest.mark.parametrize("text", ["p101", "P99", "TM(10%:5)", "PR(1%:5%)", "tm", "TM(90%:10%)", "iqm", "p99.12345678901"])
def test_bad_extended_statistics_are_refused(text):
    with pytest.raises(AlarmValidationError, match="Invalid value for ExtendedStatistic"):
        parse_extended_statistic(text)


def test_absolute_bounds_exclude_the_lower_and_include_the_upper():
    bucket = bucket_of([1.0, 2.0, 3.0])
    assert statistic_value(bucket, extended=parse_extended_statistic("TC(1:3)")) == 2.0


@pytest.mark.parametrize("stat,count,few", [("p99", 999, True), ("p99", 1000, False), ("p50", 19, True),
                                            ("p50", 20, False), ("p10", 99, True), ("p10", 100, False),
                                            ("p100", 1, False)])
def test_low_sample_count_threshold(stat, count, few):
    assert too_few_samples(parse_extended_statistic(stat), count) is few


def test_percentile_alarm_with_low_sample_counts():
    """EvaluateLowSampleCountPercentile=ignore keeps the state while the newest period is too small."""
    few = {EPOCH: bucket_of([50.0, 60.0, 70.0])}  # 3 samples < 10 / (1 - 0.9)
    many = {EPOCH: bucket_of([float(v) for v in range(1, 101)])}
    ignore = make_alarm(Statistic=None, ExtendedStatistic="p90", Threshold=40.0, EvaluateLowSampleCountPercentile="ignore")
    evaluate_ = make_alarm(Statistic=None, ExtendedStatistic="p90", Threshold=40.0)
    at = EPOCH + MINUTE
    assert assess(ignore, few, at, "OK").state is AlarmState.OK and not assess(ignore, few, at, "OK").changed
    assert assess(evaluate_, few, at, "OK").state is AlarmState.ALARM
    result = assess(ignore, many, at, "OK")
    assert result.state is AlarmState.ALARM and "p90" == result.reason_data["statistic"]
    assert result.slots[-1].value == pytest.approx(90.0, rel=0.01)


def test_periods_and_expiry():
    assert [check_period(p) for p in (10, 20, 30, 60, 300, 3600)] == [10, 20, 30, 60, 300, 3600]
    for bad in (0, 15, 45, 90, 61, -60, 1.5, "60", True):
        with pytest.raises(AlarmValidationError, match="Valid values are 10, 20, 30, and any multiple of 60"):
            check_period(bad)
    assert period_start(EPOCH + 299, 300) == EPOCH and period_start(EPOCH + 300, 300) == EPOCH + 300
    buckets = {EPOCH + i * MINUTE: bucket_of([1.0]) for i in range(10)}
    retention = retention_seconds([make_alarm(EvaluationPeriods=3)])  # (5 periods + 1) * 60
    assert retention == 360
    dropped = expire_buckets(buckets, EPOCH + 10 * MINUTE, retention)
    assert dropped == [EPOCH + i * MINUTE for i in range(4)] and min(buckets) == EPOCH + 4 * MINUTE
    watermark = advance_watermark(None, EPOCH + 100, 30)
    assert advance_watermark(watermark, EPOCH + 50, 30) == EPOCH + 70
    assert closed_before(EPOCH, 60, watermark) and not closed_before(EPOCH + 60, 60, watermark)
    assert to_epoch("2026-11-24T10:00:00Z") == EPOCH == to_epoch(EPOCH * 1000) == to_epoch(str(EPOCH))
    assert to_epoch("2026-11-24T11:00:00+01:00") == EPOCH


def test_get_metric_statistics_shape():
    buckets = {EPOCH + i * MINUTE: bucket_of([float(i), float(i) + 2]) for i in range(6)}
    answer = get_metric_statistics(buckets, EPOCH, EPOCH + 6 * MINUTE, 180, ["SampleCount", "Average", "Maximum"],
                                   ["p50"], label="Errors", unit="Count")
    assert answer == {
        "Label": "Errors",
        "Datapoints": [
            {"Timestamp": "2026-11-24T10:00:00+00:00", "SampleCount": 6.0, "Average": 2.0, "Maximum": 4.0,
             "ExtendedStatistics": {"p50": answer["Datapoints"][0]["ExtendedStatistics"]["p50"]}, "Unit": "Count"},
            {"Timestamp": "2026-11-24T10:03:00+00:00", "SampleCount": 6.0, "Average": 5.0, "Maximum": 7.0,
             "ExtendedStatistics": {"p50": answer["Datapoints"][1]["ExtendedStatistics"]["p50"]}, "Unit": "Count"},
        ],
    }
    assert answer["Datapoints"][0]["ExtendedStatistics"]["p50"] == pytest.approx(2.0, rel=0.01)
    with pytest.raises(AlarmValidationError, match="exceeds the limit of 1440"):
        get_metric_statistics(buckets, EPOCH, EPOCH + 86400 * 2, 60, ["Sum"])


def test_datum_time_limits():
    from pipeline.alarms import check_datum_time

    assert check_datum_time(EPOCH - 13 * 86400, EPOCH) is None
    assert "two weeks" in check_datum_time(EPOCH - 15 * 86400, EPOCH)
    assert "two hours" in check_datum_time(EPOCH + 3 * 3600, EPOCH)


def test_buckets_without_a_sketch_answer_the_plain_statistics_only():
    from pipeline.alarms.periods import add_value, merge_buckets, new_bucket
    from pipeline.alarms.statistics import parse_extended_statistic, statistic_value

    plain = new_bucket(sketch=False)
    for value in (1.0, 5.0, 3.0):
        add_value(plain, value)
    assert [statistic_value(plain, s) for s in ("SampleCount", "Sum", "Minimum", "Maximum", "Average")] == [
        3.0, 9.0, 1.0, 5.0, 3.0]
    assert statistic_value(plain, None, parse_extended_statistic("p50")) is None
    full = add_value(new_bucket(), 2.0)
    assert statistic_value(full, None, parse_extended_statistic("p50")) is not None
    merged = merge_buckets(merge_buckets(new_bucket(), full), plain)
    assert merged["Sketch"] is None and merged["SampleCount"] == 4.0
