"""train_band_model (the worker's online training) learns exactly what the backtest learns."""

from __future__ import annotations

import math

from pipeline.alarms import Alarm, add_value, anomaly, evaluation_times, new_bucket, train_band_model
from pipeline.alarms.simulate import _period_values, _training_horizon

BAND = {
    "AlarmName": "latency-band", "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
    "EvaluationPeriods": 2, "ThresholdMetricId": "ad1",
    "Metrics": [
        {"Id": "m1", "ReturnData": True,
         "MetricStat": {"Metric": {"Namespace": "App", "MetricName": "Latency"}, "Period": 300, "Stat": "Average"}},
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"},
    ],
}
EPOCH = 1_795_514_400


def buckets_for(hours: int) -> dict[int, dict]:
    buckets = {}
    for minute in range(hours * 60):
        at = EPOCH + minute * 60
        bucket = buckets.setdefault(at, new_bucket())
        add_value(bucket, 100 + 20 * math.sin(2 * math.pi * minute / 1440))
    return buckets


def test_online_training_matches_the_backtest_and_learns_each_period_once():
    alarm = Alarm.from_dict(BAND)
    buckets = buckets_for(26)  # the model gives a band after a day of history
    end = EPOCH + 26 * 3600
    online = anomaly.new_model()
    for moment in evaluation_times(alarm, EPOCH, end):
        # the worker holds only recent buckets; pass all, training must still take each once
        train_band_model(alarm, buckets, online, moment)
        train_band_model(alarm, buckets, online, moment)  # a repeat learns nothing new
    offline = anomaly.new_model()
    horizon = _training_horizon(alarm, end)
    for start, value in _period_values(alarm, buckets):
        if start + alarm.period <= horizon:
            anomaly.update_model(offline, start, value)
    online.pop("TrainedUntil")
    assert online == offline
    assert anomaly.band(offline, end, 2.0) is not None
