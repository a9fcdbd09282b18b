"""Anomaly bands on generated seasonal data with injected anomalies, and band alarms."""

from __future__ import annotations

import json
import math
import random

import pytest

from pipeline.alarms import Alarm, AlarmState, evaluate
from pipeline.alarms.anomaly import band, new_model, predict, train_model, update_model
from tests.alarms.helpers import EPOCH

DAY = 86400
START = EPOCH - EPOCH % DAY - 10 * DAY  # midnight, ten days before the fixed epoch


def seasonal(t: float) -> float:
    """Daily cycle (amplitude 30) plus an hourly pattern (amplitude 10) around 100."""
    return 100 + 30 * math.sin(2 * math.pi * t / DAY) + 10 * math.sin(2 * math.pi * (t % 3600) / 3600)


def generate(days: int, noise: float, seed: int):
    rng = random.Random(seed)
    return [(START + i * 60, seasonal(START + i * 60) + rng.gauss(0, noise)) for i in range(days * 1440)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_band_detects_injected_anomalies_with_few_false_alarms(seed):
    points = generate(days=12, noise=2.0, seed=seed)
    model = train_model(points[: 8 * 1440])
    rng = random.Random(100 + seed)
    test = points[8 * 1440:]
    injected = set(rng.sample(range(len(test)), 150))
    true_pos = false_pos = negatives = 0
    for i, (t, value) in enumerate(test):
        if i in injected:
            value += rng.choice([-1, 1]) * rng.uniform(8, 20)  # 4 to 10 sigma
        lower, upper = band(model, t, 3.0)
        flagged = value < lower or value > upper
        if i in injected:
            true_pos += flagged
        else:
            negatives += 1
            false_pos += flagged
        update_model(model, t, value)  # keeps learning on the anomalies, robustly
    recall = true_pos / len(injected)
    false_positive_rate = false_pos / negatives
    assert recall >= 0.9, recall
    assert false_positive_rate <= 0.02, false_positive_rate


def test_band_follows_the_seasonal_curve_and_width():
    model = train_model(generate(days=8, noise=1.0, seed=5))
    for t in (START + 8 * DAY + 6 * 3600 + 15 * 60, START + 8 * DAY + 18 * 3600 + 45 * 60):
        expected, sigma = predict(model, t)
        assert expected == pytest.approx(seasonal(t), abs=1.0)
        assert 0.7 < sigma < 1.5
        lower, upper = band(model, t, 2.0)
        assert upper - lower == pytest.approx(4 * sigma)


def test_no_band_before_a_day_of_history_and_model_is_json():
    model = train_model(generate(days=1, noise=1.0, seed=6)[:600])
    assert band(model, START + 500 * 60, 2) is None
    model = json.loads(json.dumps(train_model(generate(days=2, noise=1.0, seed=6))))
    assert band(model, START + 2 * DAY + 60, 2) is not None
    assert band(None, START, 2) is None and band(new_model(), START, 2) is None


BAND_ALARM = {
    "AlarmName": "latency-band",
    "EvaluationPeriods": 1,
    "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
    "ThresholdMetricId": "ad1",
    "Metrics": [
        {"Id": "m1", "ReturnData": True,
         "MetricStat": {"Metric": {"Namespace": "App", "MetricName": "Latency"}, "Period": 60, "Stat": "Average"}},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)"},
    ],
}


@pytest.mark.parametrize("operator,offset,state", [
    ("LessThanLowerOrGreaterThanUpperThreshold", 0.0, "OK"),
    ("LessThanLowerOrGreaterThanUpperThreshold", 30.0, "ALARM"),
    ("LessThanLowerOrGreaterThanUpperThreshold", -30.0, "ALARM"),
    ("GreaterThanUpperThreshold", 30.0, "ALARM"),
    ("GreaterThanUpperThreshold", -30.0, "OK"),
    ("LessThanLowerThreshold", -30.0, "ALARM"),
    ("LessThanLowerThreshold", 30.0, "OK"),
])
def test_band_operators(operator, offset, state):
    alarm = Alarm.from_dict({**BAND_ALARM, "ComparisonOperator": operator})
    model = train_model(generate(days=3, noise=1.0, seed=8))
    t = START + 3 * DAY + 3600
    change = evaluate(alarm, {t: seasonal(t) + offset}, t + 60, None, anomaly_model=model)
    assert change.state is AlarmState(state)
    data = change.reason_data
    assert "threshold" not in data and len(data["recentLowerThresholds"]) == 1
    if state == "ALARM" and operator == "LessThanLowerOrGreaterThanUpperThreshold":
        lower, upper = band(model, t, 3.0)
        assert change.reason == (
            f"Thresholds Crossed: 1 out of the last 1 datapoints [{seasonal(t) + offset!r} (17/11/26 01:00:00)] was "
            f"less than the lower thresholds [{lower!r}] or greater than the upper thresholds [{upper!r}] "
            "(minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition)."
        )


def test_band_alarm_without_a_model_has_insufficient_data():
    alarm = Alarm.from_dict(BAND_ALARM)
    t = START + 3600
    assert evaluate(alarm, {t: 1.0}, t + 60, "OK", anomaly_model=None).state is AlarmState.INSUFFICIENT_DATA


def test_simulate_band_alarm_trains_online_and_flags_a_spike():
    from pipeline.alarms.simulate import simulate

    alarm = Alarm.from_dict(BAND_ALARM)
    points = generate(days=3, noise=1.0, seed=9)
    spike_at = points[-30][0]
    data = [{"Timestamp": t, "Value": v + (40.0 if t == spike_at else 0.0)} for t, v in points]
    times = [spike_at + 60 * k for k in range(-2, 4)]
    states = [line["StateValue"] for line in simulate(alarm, data, times=times)]
    assert states == ["OK", "OK", "OK", "ALARM", "OK", "OK"]  # the spike period closes at +60 s
