"""Anomaly detection bands: a seasonal model trained on the metric's own history.

Method (see docs/alarms.md): the expected value at time t is

    expected(t) = daily(t) + hourly(minute of the hour)

* ``daily`` — 24 hour-of-day slots, each an exponentially decayed mean of ``value - hourly``
  seen in that hour (half-life 7 days by default); between slot centres the curve is interpolated linearly
  (wrapping round midnight), so a smooth daily cycle is followed within the hour.
* ``hourly`` — 60 minute-of-hour slots, each a decayed mean of ``value - daily(t)``: the
  pattern that repeats every hour.
* spread — per hour-of-day slot, a decayed mean of the squared residual
  ``(value - expected(t))**2``; sigma is its square root, so noise may differ by time of day.

The band is ``expected(t) ± k * sigma`` (k from ``ANOMALY_DETECTION_BAND(m1, k)``). Learning is
robust: once a slot is warm, a value is clipped to ``expected ± 4 sigma`` before it updates the
model, so anomalies do not widen the band or drag the curve. A band is given only when the hour
slot has at least ``MinWeight`` (decayed) observations and the model has seen a day of history
(``MinHistorySeconds``); otherwise the datapoint counts as missing.
Weekly seasonality, trends beyond what the decay follows, ExcludedTimeRanges and time zones are
not modelled. The model is a plain dict (JSON-serialisable, updated in place).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

__all__ = ["new_model", "update_model", "train_model", "predict", "band"]

_HOUR = 3600
_DAY = 86400
_CLIP_SIGMAS = 4.0  # values beyond this are winsorized before learning


def new_model(
    *, half_life_seconds: float = 7 * _DAY, min_weight: float = 5.0, min_history_seconds: float = _DAY
) -> dict[str, Any]:
    """An empty model. No band is given before ``min_history_seconds`` of history (one day by
    default, so the daily curve has been seen once) nor for an hour slot with fewer than
    ``min_weight`` observations."""
    return {
        "Version": 1,
        "HalfLifeSeconds": half_life_seconds,
        "MinWeight": min_weight,
        "MinHistorySeconds": min_history_seconds,
        "FirstTimestamp": None,
        "LastTimestamp": None,
        # [weight, mean, last update (epoch s)] per slot
        "Daily": [[0.0, 0.0, 0.0] for _ in range(24)],
        "Hourly": [[0.0, 0.0, 0.0] for _ in range(60)],
        "Spread": [[0.0, 0.0, 0.0] for _ in range(24)],
        "Count": 0,
    }


def _learn(slot: list[float], timestamp: float, value: float, half_life: float) -> None:
    weight = slot[0]
    if weight > 0 and timestamp > slot[2]:
        weight *= 0.5 ** ((timestamp - slot[2]) / half_life)
    weight += 1.0
    slot[1] += (value - slot[1]) / weight
    slot[0] = weight
    slot[2] = max(slot[2], timestamp)


def _daily(model: dict[str, Any], timestamp: float) -> float | None:
    slots = model["Daily"]
    position = (timestamp % _DAY) / _HOUR - 0.5  # hours after the first slot's centre
    left = int(math.floor(position)) % 24
    right = (left + 1) % 24
    fraction = position - math.floor(position)
    a, b = slots[left], slots[right]
    if a[0] <= 0 and b[0] <= 0:
        return None
    if a[0] <= 0:
        return b[1]
    if b[0] <= 0:
        return a[1]
    return a[1] + (b[1] - a[1]) * fraction


def predict(model: dict[str, Any], timestamp: float) -> tuple[float, float] | None:
    """(expected value, sigma) at ``timestamp``; None while the model is not warm there."""
    first = model["FirstTimestamp"]
    if first is None or model["LastTimestamp"] - first < model["MinHistorySeconds"]:
        return None
    hour = int(timestamp % _DAY // _HOUR)
    if model["Daily"][hour][0] < model["MinWeight"] or model["Spread"][hour][0] < model["MinWeight"]:
        return None
    daily = _daily(model, timestamp)
    if daily is None:
        return None
    minute = int(timestamp % _HOUR // 60)
    hourly = model["Hourly"][minute]
    expected = daily + (hourly[1] if hourly[0] > 0 else 0.0)
    return expected, math.sqrt(max(model["Spread"][hour][1], 0.0))


def band(model: dict[str, Any] | None, timestamp: float, width: float = 2.0) -> tuple[float, float] | None:
    """(lower, upper) = expected ± width * sigma, or None when no band is available yet."""
    if model is None:
        return None
    prediction = predict(model, timestamp)
    if prediction is None:
        return None
    expected, sigma = prediction
    return expected - width * sigma, expected + width * sigma


def update_model(model: dict[str, Any], timestamp: float, value: float) -> dict[str, Any]:
    """Learn one datapoint (the alarm statistic of the period starting at ``timestamp``)."""
    half_life = model["HalfLifeSeconds"]
    hour = int(timestamp % _DAY // _HOUR)
    minute = int(timestamp % _HOUR // 60)
    prediction = predict(model, timestamp)
    if prediction is not None:
        expected, sigma = prediction
        if sigma > 0:
            value = min(max(value, expected - _CLIP_SIGMAS * sigma), expected + _CLIP_SIGMAS * sigma)
    hourly = model["Hourly"][minute]
    # backfitting: each component learns what the other leaves unexplained
    _learn(model["Daily"][hour], timestamp, value - (hourly[1] if hourly[0] > 0 else 0.0), half_life)
    daily = _daily(model, timestamp)
    _learn(model["Hourly"][minute], timestamp, value - daily, half_life)
    expected = daily + model["Hourly"][minute][1]
    _learn(model["Spread"][hour], timestamp, (value - expected) ** 2, half_life)
    model["Count"] += 1
    if model["FirstTimestamp"] is None or timestamp < model["FirstTimestamp"]:
        model["FirstTimestamp"] = timestamp
    if model["LastTimestamp"] is None or timestamp > model["LastTimestamp"]:
        model["LastTimestamp"] = timestamp
    return model


def train_model(points: Iterable[tuple[float, float]], **options: Any) -> dict[str, Any]:
    """A new model trained on ``(timestamp, value)`` pairs in time order."""
    model = new_model(**options)
    for timestamp, value in points:
        update_model(model, timestamp, value)
    return model
