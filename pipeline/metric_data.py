"""Metric-data records: the samples one carries, and many folded into few.

A metric filter matches log events one by one, but CloudWatch Logs publishes their data as
aggregates, not one datum per log event; the worker does the same per batch.

Data of one metric (namespace, name, dimensions, unit) in the same second become one datum
carrying PutMetricData's ``Values``/``Counts`` (at most 150 distinct values per datum, as
PutMetricData allows), so SampleCount, Sum, Minimum, Maximum and every percentile stay exact.
The timestamp is the second's start: one second is CloudWatch's finest resolution, and period
boundaries (multiples of 10 s and more) never fall inside a second, so no datum changes period.
"""

from __future__ import annotations

from typing import Any, Iterable

MAX_VALUES = 150  # PutMetricData's limit on distinct Values per datum


def samples_of(datum: dict[str, Any]) -> list[tuple[float, float]]:
    """(value, count) pairs of a datum: its Values/Counts, or its single Value."""
    values = datum.get("Values")
    if values:
        counts = datum.get("Counts") or [1.0] * len(values)
        return list(zip(values, counts))
    return [(datum["Value"], 1.0)]


def fold_metric_data(data: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Data folded per metric, unit and second; order: first appearance of each group."""
    groups: dict[tuple, dict[float, float]] = {}
    first: dict[tuple, dict[str, Any]] = {}
    for datum in data:
        dimensions = tuple((d["Name"], d["Value"]) for d in datum.get("Dimensions") or ())
        second_ms = datum["Timestamp"] - datum["Timestamp"] % 1000
        key = (datum["Namespace"], datum["MetricName"], dimensions, datum.get("Unit") or "None", second_ms)
        counts = groups.get(key)
        if counts is None:
            counts = groups[key] = {}
            first[key] = datum
        for value, count in samples_of(datum):
            counts[value] = counts.get(value, 0.0) + count
    folded = []
    for key, counts in groups.items():
        template = first[key]
        items = list(counts.items())
        for start in range(0, len(items), MAX_VALUES):
            chunk = items[start:start + MAX_VALUES]
            single = len(chunk) == 1 and chunk[0][1] == 1.0  # a lone sample stays a plain Value
            folded.append({
                "Namespace": template["Namespace"], "MetricName": template["MetricName"],
                "Dimensions": list(template.get("Dimensions") or []), "Timestamp": key[4],
                "Value": chunk[0][0], "Unit": key[3],
                "Values": [] if single else [value for value, _ in chunk],
                "Counts": [] if single else [count for _, count in chunk],
            })
    return folded
