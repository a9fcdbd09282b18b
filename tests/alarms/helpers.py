"""Shared builders for the alarm tests: a fixed epoch, alarms, series from compact text."""

from __future__ import annotations

import calendar
from typing import Any

from pipeline.alarms import Alarm

EPOCH = calendar.timegm((2026, 11, 24, 10, 0, 0))  # Tuesday 24 Nov 2026 10:00:00 UTC
MINUTE = 60


def make_alarm(**overrides: Any) -> Alarm:
    body = {
        "AlarmName": "test-alarm",
        "Namespace": "App",
        "MetricName": "Errors",
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    body.update(overrides)
    return Alarm.from_dict({k: v for k, v in body.items() if v is not None})


def series(text: str, start: int = EPOCH, step: int = MINUTE) -> dict[int, float]:
    """'1 _ 5 5' -> {start: 1.0, start+2*step: 5.0, ...}; '_' is a missing period."""
    out = {}
    for i, token in enumerate(text.split()):
        if token != "_":
            out[start + i * step] = float(token)
    return out


def marks_to_series(marks: str, start: int = EPOCH) -> dict[int, float]:
    """Missing-data table notation (X breaching, 0 good, - missing) as values for threshold 1."""
    return series(" ".join({"X": "5", "0": "0", "-": "_"}[m] for m in marks.split()), start)
