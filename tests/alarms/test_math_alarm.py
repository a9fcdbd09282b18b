"""Metric math alarms: PutMetricAlarm's Metrics form checked, datapoints from per-query buckets,
which metrics feed which alarm, and the alarm event's configuration."""

from __future__ import annotations

import pytest

from pipeline.alarms import Alarm, AlarmValidationError, add_value, evaluate, new_bucket, state_change_event
from pipeline.alarms.math_alarm import math_datapoints, math_inputs
from pipeline.metricmath import MetricMathError


def stat(name: str, period: int = 60, **extra) -> dict:
    return {"Metric": {"Namespace": "Shop", "MetricName": name}, "Period": period, "Stat": "Sum", **extra}


def math_alarm(metrics=None, **overrides) -> Alarm:
    body = {"AlarmName": "error-rate", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 10,
            "EvaluationPeriods": 2, "DatapointsToAlarm": 2,
            "Metrics": metrics or [{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False},
                                   {"Id": "r", "MetricStat": stat("Requests", Unit="Count"), "ReturnData": False},
                                   {"Id": "rate", "Expression": "100 * FILL(e, 0) / r", "Label": "Error %"}]}
    body.update(overrides)
    return Alarm.from_dict(body)


def bucket(*values: float) -> dict:
    found = new_bucket(sketch=False)
    for value in values:
        add_value(found, value)
    return found


def test_the_metrics_form_is_a_math_alarm():
    alarm = math_alarm()
    assert alarm.is_math_alarm and alarm.period == 60 and not alarm.is_band_alarm
    assert [q["Id"] for q in alarm.metrics] == ["e", "r", "rate"]
    hash(alarm)  # alarms are kept in sets and dicts


@pytest.mark.parametrize("metrics,extra,message", [
    ([{"Id": "e", "MetricStat": stat("Errors")}, {"Id": "x", "Expression": "e * 2"}], {},
     "exactly one element of the metrics list must have ReturnData true \\(found 2"),
    ([{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False}, {"Id": "x", "Expression": "q * 2"}], {},
     "refers to 'q'"),
    ([{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False},
      {"Id": "r", "MetricStat": stat("Requests", 120), "ReturnData": False}, {"Id": "x", "Expression": "e / r"}], {},
     "same Period; got \\[60, 120\\]"),
    ([{"Id": f"m{i}", "MetricStat": stat("Errors"), "ReturnData": False} for i in range(11)]
     + [{"Id": "x", "Expression": "SUM(METRICS())"}], {}, "at most 10 MetricStat"),
    ([{"Id": "x", "Expression": "TIME_SERIES(1)"}], {}, "at least one MetricStat"),
    ([{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False}, {"Id": "x", "Expression": "e +"}], {},
     "Expression: Error in expression at position 3"),
    (None, {"Namespace": "Shop"}, "Namespace must not be specified when Metrics is specified"),
])
def test_bad_math_alarms(metrics, extra, message):
    with pytest.raises(AlarmValidationError, match=message):
        math_alarm(metrics, **extra)


def test_datapoints_from_query_buckets_over_the_evaluation_range():
    alarm = math_alarm()
    buckets = {"e": {600: bucket(1, 2), 660: bucket(30)}, "r": {600: bucket(100), 660: bucket(50, 50), 720: bucket(20)}}
    # evaluated at 780: the range is 4 periods ending at 780 (N=2 -> 2 + 2)
    assert math_datapoints(alarm, buckets, 780) == {600: 3.0, 660: 30.0, 720: 0.0}
    change = evaluate(alarm, math_datapoints(alarm, buckets, 720), at=720, previous_state="OK")
    assert change is None  # 3 % then 30 %: only one of the last two breaches
    change = evaluate(math_alarm(EvaluationPeriods=1, DatapointsToAlarm=1), math_datapoints(alarm, buckets, 720),
                      at=720, previous_state="OK")
    assert change.state.value == "ALARM" and "[30.0 (" in change.reason


def test_an_array_result_is_refused_at_evaluation():
    alarm = math_alarm([{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False},
                        {"Id": "r", "MetricStat": stat("Requests"), "ReturnData": False},
                        {"Id": "all", "Expression": "METRICS() * 2"}])
    with pytest.raises(MetricMathError, match="gives 2 time series; an alarm needs exactly one"):
        math_datapoints(alarm, {"e": {600: bucket(1)}, "r": {600: bucket(1)}}, 720)


def test_math_inputs_by_metric_key_with_units():
    alarm = math_alarm()
    found = math_inputs({"error-rate": alarm})
    assert {key: [(a.name, query, unit) for a, query, unit in readers] for key, readers in found.items()} == {
        "Shop|Errors|": [("error-rate", "e", None)], "Shop|Requests|": [("error-rate", "r", "Count")]}


def test_the_state_change_event_lists_the_queries():
    from pipeline.alarms.model import AlarmState, StateChange

    alarm = math_alarm()
    change = StateChange("error-rate", AlarmState.OK, AlarmState.ALARM, "why", {}, 720.0)
    metrics = state_change_event(change, alarm)["detail"]["configuration"]["metrics"]
    assert metrics[0] == {"id": "e", "metricStat": {"metric": {"namespace": "Shop", "name": "Errors", "dimensions": {}},
                                                    "period": 60, "stat": "Sum"}, "returnData": False}
    assert metrics[1]["metricStat"]["unit"] == "Count"
    assert metrics[2] == {"id": "rate", "expression": "100 * FILL(e, 0) / r", "label": "Error %", "returnData": True}


def test_simulate_a_math_alarm():
    from pipeline.alarms.simulate import simulate

    alarm = math_alarm(EvaluationPeriods=1, DatapointsToAlarm=1)
    data = [{"MetricName": "Errors", "Namespace": "Shop", "Timestamp": 600, "Value": 2},
            {"MetricName": "Requests", "Timestamp": 600, "Value": 100, "Unit": "Count"},
            {"MetricName": "Errors", "Timestamp": 660, "Value": 30},
            {"MetricName": "Requests", "Timestamp": 660, "Value": 100, "Unit": "Count"},
            {"MetricName": "Requests", "Timestamp": 660, "Value": 900, "Unit": "Seconds"},  # not the query's unit
            {"MetricName": "Errors", "Namespace": "Other", "Timestamp": 720, "Value": 99},  # another namespace
            {"MetricName": "Requests", "Timestamp": 720, "Value": 50, "Unit": "Count"}]
    states = [(line["Timestamp"][11:19], line["StateValue"]) for line in simulate(alarm, data)]
    # 2 %, then 30 %, then FILL(e, 0) / 50 = 0 %
    assert states == [("00:11:00", "OK"), ("00:12:00", "ALARM"), ("00:13:00", "OK")]

