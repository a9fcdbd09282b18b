"""Backtest one metric alarm on recorded metric data (``pipeline simulate-alarm``).

Metric data are MetricDatum-shaped dicts: ``Timestamp`` (ISO 8601 or epoch seconds/ms) and
``Value`` — or ``Values`` + ``Counts``, or ``StatisticValues`` (SampleCount, Sum, Minimum,
Maximum; percentiles of a statistic set are approximated by its average). A datum whose
``MetricName`` or ``Unit`` differs from the alarm's is skipped (for a metric math alarm: each datum goes to
the MetricStat queries of its MetricName, Namespace and Unit). Data go into buckets of 60 s
(10 s for high-resolution alarms) and alarm periods are merged from them, so several data in a
period are aggregated with the alarm's statistic.

Evaluations: by default on CloudWatch's cadence from the close of the first datum's period (or
``start``, inclusive) to the end of
the period of the last datum plus the evaluation delay (or ``end``); or exactly at
``evaluation_times``. Band alarms train their :mod:`anomaly` model online on periods older than
the evaluation range, as a running worker would.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from pipeline.alarms import anomaly
from pipeline.alarms.errors import MetricDataError
from pipeline.alarms.evaluator import INITIAL_REASON, assess, evaluation_end, evaluation_times
from pipeline.alarms.math_alarm import math_datapoints
from pipeline.alarms.model import Alarm, AlarmState
from pipeline.alarms.periods import (
    add_value,
    iso_timestamp,
    merge_buckets,
    new_bucket,
    period_start,
    to_epoch,
)
from pipeline.alarms.statistics import add_to_sketch, statistic_value

__all__ = ["simulate", "load_buckets", "load_query_buckets"]


def _number(datum: Mapping[str, Any], key: str, line: int) -> float:
    value = datum.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) == float("inf"):
        raise MetricDataError(f"metric datum {line}: {key} must be a finite number, got {value!r}")
    return float(value)


def load_buckets(alarm: Alarm, data: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """Aggregate metric data into ``{bucket start: bucket}`` at the alarm's bucket resolution."""
    buckets: dict[int, dict[str, Any]] = {}
    for line, datum in enumerate(data, 1):
        if not isinstance(datum, Mapping):
            raise MetricDataError(f"metric datum {line}: expected a JSON object")
        if datum.get("MetricName") not in (None, alarm.metric_name):
            continue
        if alarm.unit and datum.get("Unit") not in (None, alarm.unit):
            continue
        _add(buckets, datum, line, alarm.cadence)
    return buckets


def load_query_buckets(alarm: Alarm, data: Iterable[Mapping[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    """A metric math alarm's data: ``{query Id: {bucket start: bucket}}`` for each MetricStat,
    from the data of its MetricName (and Namespace and Unit, where datum and query give them)."""
    stats = [(q["Id"], q["MetricStat"]) for q in alarm.metrics if "MetricStat" in q]
    found: dict[str, dict[int, dict[str, Any]]] = {query: {} for query, _ in stats}
    for line, datum in enumerate(data, 1):
        if not isinstance(datum, Mapping):
            raise MetricDataError(f"metric datum {line}: expected a JSON object")
        for query, stat in stats:
            metric = stat["Metric"]
            if datum.get("MetricName") != metric["MetricName"]:
                continue
            if datum.get("Namespace") not in (None, metric["Namespace"]):
                continue
            if stat.get("Unit") and datum.get("Unit") not in (None, stat["Unit"]):
                continue
            _add(found[query], datum, line, alarm.cadence)
    return found


def _add(buckets: dict[int, dict[str, Any]], datum: Mapping[str, Any], line: int, resolution: int) -> None:
    if "Timestamp" not in datum:
        raise MetricDataError(f"metric datum {line}: Timestamp is required")
    try:
        timestamp = to_epoch(datum["Timestamp"])
    except MetricDataError as error:
        raise MetricDataError(f"metric datum {line}: {error}") from None
    bucket = buckets.setdefault(period_start(timestamp, resolution), new_bucket())
    if "Value" in datum:
        add_value(bucket, _number(datum, "Value", line))
    elif "Values" in datum:
        values, counts = datum["Values"], datum.get("Counts") or [1.0] * len(datum["Values"])
        if not isinstance(values, list) or not isinstance(counts, list) or len(values) != len(counts):
            raise MetricDataError(f"metric datum {line}: Values and Counts must be lists of the same length")
        for value, count in zip(values, counts):
            add_value(bucket, _number({"v": value}, "v", line), _number({"c": count}, "c", line))
    elif "StatisticValues" in datum:
        stats = datum["StatisticValues"]
        part = new_bucket()
        part["SampleCount"] = _number(stats, "SampleCount", line)
        part["Sum"] = _number(stats, "Sum", line)
        part["Minimum"] = _number(stats, "Minimum", line)
        part["Maximum"] = _number(stats, "Maximum", line)
        add_to_sketch(part["Sketch"], part["Sum"] / part["SampleCount"], part["SampleCount"])
        merge_buckets(bucket, part)
    else:
        raise MetricDataError(f"metric datum {line}: one of Value, Values or StatisticValues is required")


def _period_values(alarm: Alarm, buckets: Mapping[int, Mapping[str, Any]]) -> list[tuple[int, float]]:
    """The alarm statistic per epoch-aligned alarm period (training data for band alarms)."""
    periods: dict[int, dict[str, Any]] = {}
    for key, bucket in buckets.items():
        merge_buckets(periods.setdefault(period_start(key, alarm.period), new_bucket()), bucket)
    values = []
    for start in sorted(periods):
        value = statistic_value(periods[start], alarm.statistic, alarm.extended_statistic)
        if value is not None:
            values.append((start, value))
    return values


def _training_horizon(alarm: Alarm, at: float) -> int:
    """Periods ending by here may train the band: older than the window evaluated at ``at``."""
    return evaluation_end(alarm, at) - alarm.evaluation_range * alarm.period


def train_band_model(alarm: Alarm, buckets: Mapping[Any, Mapping[str, Any]], model: dict[str, Any],
                     at: float) -> dict[str, Any]:
    """Teach ``model`` every alarm period that closed before the window evaluated at ``at``.

    The band is learnt only from periods older than the evaluation range, so a spike is judged
    against the band before it can widen it. ``model["TrainedUntil"]`` (a period start) keeps
    each period from being learnt twice; the worker calls this before each evaluation, with the
    buckets it still holds.
    """
    horizon = _training_horizon(alarm, at)
    trained_until = model.get("TrainedUntil", float("-inf"))
    fresh = {int(k): b for k, b in buckets.items() if trained_until < int(k) < horizon}
    for start, value in _period_values(alarm, fresh):
        if trained_until < start and start + alarm.period <= horizon:
            anomaly.update_model(model, start, value)
            model["TrainedUntil"] = trained_until = start
    return model


def simulate(
    alarm: Alarm,
    data: Iterable[Mapping[str, Any]],
    *,
    start: float | None = None,
    end: float | None = None,
    times: Iterable[float] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield ``{"Timestamp", "StateValue", "StateReason"}`` per evaluation, from INSUFFICIENT_DATA.

    StateReason is the reason of the latest transition (it does not change while the state holds).
    """
    by_query = load_query_buckets(alarm, data) if alarm.is_math_alarm else None
    buckets = load_buckets(alarm, data) if by_query is None else {
        start: bucket for found in by_query.values() for start, bucket in found.items()}  # (their span)
    if times is not None:
        moments = sorted(float(t) for t in times)
    else:
        if not buckets and (start is None or end is None):
            return
        first = min(buckets) + alarm.cadence if start is None else start  # first instant a period closed
        last = max(buckets) + alarm.period + alarm.evaluation_delay if end is None else end
        moments = list(evaluation_times(alarm, first, last))
    # the same rule as train_band_model, over a precomputed list: a backtest's buckets span the
    # whole data, the worker's only the evaluation range
    training = _period_values(alarm, buckets) if alarm.is_band_alarm else []
    model = anomaly.new_model() if alarm.is_band_alarm else None
    trained = 0
    state, reason = AlarmState.INSUFFICIENT_DATA, INITIAL_REASON
    for moment in moments:
        if model is not None:
            horizon = _training_horizon(alarm, moment)
            while trained < len(training) and training[trained][0] + alarm.period <= horizon:
                anomaly.update_model(model, *training[trained])
                trained += 1
        datapoints = buckets if by_query is None else math_datapoints(alarm, by_query, moment)
        result = assess(alarm, datapoints, moment, state, anomaly_model=model, previous_reason=reason)
        if result.changed:  # StateReason is kept until the next transition
            state, reason = result.state, result.reason
        yield {"Timestamp": iso_timestamp(moment), "StateValue": state.value, "StateReason": reason}
