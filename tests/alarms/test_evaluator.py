"""Evaluator: operators, time-stepped state tables, evaluation window, reasons and history."""

from __future__ import annotations

import json

import pytest

from pipeline.alarms import AlarmState, assess, evaluate, evaluation_times, initial_state_change, state_update_item
from pipeline.alarms.periods import add_value, new_bucket
from tests.alarms.helpers import EPOCH, MINUTE, make_alarm, series

# operator, value, breaches (threshold 1.0)
OPERATOR_CASES = [
    ("GreaterThanOrEqualToThreshold", 2.0, True),
    ("GreaterThanOrEqualToThreshold", 1.0, True),
    ("GreaterThanOrEqualToThreshold", 0.5, False),
    ("GreaterThanThreshold", 2.0, True),
    ("GreaterThanThreshold", 1.0, False),
    ("GreaterThanThreshold", 0.5, False),
    ("LessThanThreshold", 0.5, True),
    ("LessThanThreshold", 1.0, False),
    ("LessThanThreshold", 2.0, False),
    ("LessThanOrEqualToThreshold", 0.5, True),
    ("LessThanOrEqualToThreshold", 1.0, True),
    ("LessThanOrEqualToThreshold", 2.0, False),
]


@pytest.mark.parametrize("operator,value,breaches", OPERATOR_CASES)
def test_static_operators(operator, value, breaches):
    alarm = make_alarm(ComparisonOperator=operator)
    change = evaluate(alarm, {EPOCH: value}, EPOCH + MINUTE, None)
    assert change.state is (AlarmState.ALARM if breaches else AlarmState.OK)


def test_reason_text_matches_aws_sample():
    alarm = make_alarm()
    change = evaluate(alarm, {EPOCH: 5.0}, EPOCH + MINUTE, "OK")
    assert change.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (24/11/26 10:00:00)] was greater than or equal "
        "to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert change.reason_data == {
        "version": "1.0",
        "queryDate": "2026-11-24T10:01:00.000+0000",
        "startDate": "2026-11-24T10:00:00.000+0000",
        "statistic": "Maximum",
        "period": 60,
        "recentDatapoints": [5.0],
        "threshold": 1.0,
        "evaluatedDatapoints": [{"timestamp": "2026-11-24T10:00:00.000+0000", "value": 5.0}],
    }
    back = evaluate(alarm, {EPOCH: 5.0, EPOCH + MINUTE: 0.0}, EPOCH + 2 * MINUTE, "ALARM")
    assert back.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (24/11/26 10:01:00)] was not greater than or "
        "equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."
    )


def test_reason_lists_breaching_points_newest_first_with_sample_counts():
    alarm = make_alarm(EvaluationPeriods=3, DatapointsToAlarm=2, Statistic="Average", Unit="Count")
    buckets = {}
    for minute, values in enumerate([[0.0], [3.0, 5.0], [0.0], [7.0]]):
        bucket = new_bucket()
        for v in values:
            add_value(bucket, v)
        buckets[EPOCH + minute * MINUTE] = bucket
    change = evaluate(alarm, buckets, EPOCH + 4 * MINUTE, "OK")
    assert change.reason == (
        "Threshold Crossed: 2 out of the last 3 datapoints [7.0 (24/11/26 10:03:00), 4.0 (24/11/26 10:01:00)] were "
        "greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition)."
    )
    data = change.reason_data
    assert data["unit"] == "Count" and data["recentDatapoints"] == [4.0, 0.0, 7.0]
    assert data["evaluatedDatapoints"][0] == {"timestamp": "2026-11-24T10:03:00.000+0000", "sampleCount": 1.0, "value": 7.0}
    assert data["evaluatedDatapoints"][2] == {"timestamp": "2026-11-24T10:01:00.000+0000", "sampleCount": 2.0, "value": 4.0}


def test_history_item_for_a_transition():
    change = evaluate(make_alarm(), {EPOCH: 5.0}, EPOCH + MINUTE, "OK", previous_reason="was fine")
    item = state_update_item(change)
    assert item["HistoryItemType"] == "StateUpdate"
    assert item["HistorySummary"] == "Alarm updated from OK to ALARM"
    assert item["Timestamp"] == "2026-11-24T10:01:00+00:00"
    data = json.loads(item["HistoryData"])
    assert data["version"] == "1.0"
    assert data["oldState"] == {"stateValue": "OK", "stateReason": "was fine"}
    assert data["newState"]["stateValue"] == "ALARM"
    assert data["newState"]["stateReason"] == change.reason
    assert data["newState"]["stateReasonData"]["recentDatapoints"] == [5.0]


def test_initial_state():
    change = initial_state_change("a", EPOCH)
    assert change.state is AlarmState.INSUFFICIENT_DATA and change.reason == "Unchecked: Initial alarm creation"


def test_no_state_change_returns_none():
    alarm = make_alarm()
    assert evaluate(alarm, {EPOCH: 5.0}, EPOCH + MINUTE, "ALARM") is None
    result = assess(alarm, {EPOCH: 5.0}, EPOCH + MINUTE, "ALARM")
    assert result.state is AlarmState.ALARM and not result.changed


def test_open_period_is_not_used():
    alarm = make_alarm()
    data = {EPOCH: 0.0, EPOCH + MINUTE: 5.0}
    # 10:01:59 - the 10:01 period is still open, only 10:00 counts
    assert evaluate(alarm, data, EPOCH + 2 * MINUTE - 1, "OK") is None
    assert evaluate(alarm, data, EPOCH + 2 * MINUTE, "OK").state is AlarmState.ALARM


def test_evaluation_delay_waits_for_late_data():
    alarm = make_alarm(EvaluationDelay=120)
    data = {EPOCH: 0.0, EPOCH + MINUTE: 5.0}
    assert evaluate(alarm, data, EPOCH + 3 * MINUTE, "OK") is None  # window ends at 10:01
    assert evaluate(alarm, data, EPOCH + 4 * MINUTE, "OK").state is AlarmState.ALARM


def test_sliding_window_merges_minute_buckets_into_the_period():
    """Period 300 evaluated every minute: at 10:06 it looks at 10:01-10:06 (AWS guide example)."""
    alarm = make_alarm(Period=300, Statistic="Sum", Threshold=10.0)
    buckets = {}
    for minute, value in enumerate([9, 1, 1, 1, 1, 1, 6]):  # 10:00 .. 10:06
        buckets[EPOCH + minute * MINUTE] = add_value(new_bucket(), float(value))
    assert assess(alarm, buckets, EPOCH + 5 * MINUTE, None).state is AlarmState.ALARM  # 9+1+1+1+1 = 13
    assert assess(alarm, buckets, EPOCH + 6 * MINUTE, None).state is AlarmState.OK  # 1*5 = 5
    assert assess(alarm, buckets, EPOCH + 7 * MINUTE, None).state is AlarmState.ALARM  # 1*4+6 = 10 >= 10
    assert assess(alarm, buckets, EPOCH + 9 * MINUTE, None).state is AlarmState.OK  # 10:04-10:09: 1+1+6
    wall = make_alarm(Period=300, Statistic="Sum", Threshold=10.0, EvaluationWindow="WallClockWindow")
    assert assess(wall, buckets, EPOCH + 9 * MINUTE, None).state is AlarmState.ALARM  # 10:00-10:05 = 13


def test_cadence():
    assert list(evaluation_times(make_alarm(Period=300), EPOCH, EPOCH + 180)) == [EPOCH, EPOCH + 60, EPOCH + 120, EPOCH + 180]
    assert list(evaluation_times(make_alarm(Period=30), EPOCH + 1, EPOCH + 30)) == [EPOCH + 10, EPOCH + 20, EPOCH + 30]


def test_high_resolution_alarm_steps_every_ten_seconds():
    alarm = make_alarm(Period=10, EvaluationPeriods=2)
    data = series("0 5 5 0", step=10)
    states = [assess(alarm, data, EPOCH + s * 10, "OK").state.value for s in range(1, 5)]
    assert states == ["OK", "OK", "ALARM", "OK"]


# Prometheus-style time-stepped tables: one value per minute from EPOCH, step a minute at a time;
# the state after the evaluation at EPOCH + k minutes (periods up to minute k-1 closed).
STEPPED = [
    pytest.param(
        dict(EvaluationPeriods=1),
        "0 5 5 0 _ _ 5",
        ["OK", "ALARM", "ALARM", "OK", "OK", "OK", "ALARM"],
        id="N1-missing",
    ),
    pytest.param(
        dict(EvaluationPeriods=3, DatapointsToAlarm=2),
        "0 5 0 5 0 0 0 _ _ _ _ _",
        # 10:05: newest three real points 0 5 0 -> OK; 10:11: one good point left in the range -> OK
        ["OK", "OK", "OK", "ALARM", "OK", "OK", "OK", "OK", "OK", "OK", "OK", "INSUFFICIENT_DATA"],
        id="2-of-3-then-silence",
    ),
    pytest.param(
        dict(EvaluationPeriods=3, DatapointsToAlarm=3),
        "5 5 5 0 5 5 5",
        ["INSUFFICIENT_DATA", "INSUFFICIENT_DATA", "ALARM", "OK", "OK", "OK", "ALARM"],
        id="3-of-3-premature-waits",
    ),
    pytest.param(
        dict(EvaluationPeriods=2, TreatMissingData="breaching"),
        "0 _ _ _ _ 0",
        # range 4: the real 0 counts as long as it is in the range; then 2 filled breaches -> ALARM
        ["OK", "OK", "OK", "OK", "ALARM", "OK"],
        id="breaching-gaps",
    ),
    pytest.param(
        dict(EvaluationPeriods=2, TreatMissingData="ignore"),
        "5 5 _ _ _ _ _ 0 0",
        # silence keeps ALARM; one good real point in the range decides (documented row '- - - - 0')
        ["INSUFFICIENT_DATA", "ALARM", "ALARM", "ALARM", "ALARM", "ALARM", "ALARM", "OK", "OK"],
        id="ignore-keeps-alarm",
    ),
]


@pytest.mark.parametrize("overrides,values,expected", STEPPED)
def test_time_stepped(overrides, values, expected):
    alarm = make_alarm(**overrides)
    data = series(values)
    state, seen = None, []
    transitions = 0
    for step in range(1, len(expected) + 1):
        change = evaluate(alarm, data, EPOCH + step * MINUTE, state)
        if change is not None:
            assert change.previous_state is AlarmState.of(state) and change.state is not change.previous_state
            transitions += 1
            state = change.state
        seen.append(AlarmState.of(state).value)
    assert seen == expected
    changes = sum(1 for a, b in zip(["INSUFFICIENT_DATA"] + expected, expected) if a != b)
    assert transitions == changes  # one StateChange per transition, none otherwise


def test_state_change_event_and_metric_key():
    from pipeline.alarms import metric_key, state_change_event

    alarm = make_alarm(Dimensions=[{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}], Unit="Count")
    assert alarm.metric_key == "App|Errors|A=1,B=2" == metric_key("App", "Errors", [("A", "1"), ("B", "2")])
    change = evaluate(alarm, {EPOCH: 5.0}, EPOCH + MINUTE, "OK")
    event = state_change_event(change, alarm, account="123456789012", region="eu-west-1")
    assert event["source"] == "aws.cloudwatch" and event["detail-type"] == "CloudWatch Alarm State Change"
    assert event["resources"] == ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:test-alarm"]
    detail = event["detail"]
    assert detail["state"]["value"] == "ALARM" and detail["previousState"]["value"] == "OK"
    assert json.loads(detail["state"]["reasonData"])["threshold"] == 1.0
    assert detail["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] == {"A": "1", "B": "2"}


def test_topic_record_matches_the_avro_schema():
    import pathlib

    schema = json.loads((pathlib.Path(__file__).resolve().parents[2] / "schemas" / "alarm_state_change.avsc").read_text())
    alarm = make_alarm(AlarmActions=["alarm-topic"])
    change = evaluate(alarm, {EPOCH: 5.0}, EPOCH + MINUTE, "OK")
    record = change.to_record(actions=alarm.actions_for(change.state), configuration=alarm.body)
    assert [f["name"] for f in schema["fields"]] == list(record)
    assert record["StateChangeTime"] == (EPOCH + MINUTE) * 1000 and record["Actions"] == ["alarm-topic"]
    assert record["NewStateValue"] == "ALARM" and json.loads(record["Configuration"])["AlarmName"] == "test-alarm"
