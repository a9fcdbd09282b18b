"""Metric math alarms: the datapoints an evaluation judges, from the buckets of each MetricStat
query, and which metrics feed which alarm's queries.

The worker keeps, per math alarm, the buckets of each of its MetricStat queries (data of the
query's metric, and unit when the MetricStat names one). At an evaluation the statistic of each
query is taken per period over the evaluation range, the expressions are computed
(pipeline.metricmath), and the returned query's values, one per period start, go to the
evaluator like any metric's precomputed datapoints.
"""

from __future__ import annotations

from typing import Any, Mapping

from pipeline.alarms.evaluator import evaluation_end
from pipeline.alarms.model import Alarm, metric_key
from pipeline.alarms.periods import merge_buckets, new_bucket
from pipeline.alarms.statistics import STATISTICS, parse_extended_statistic, statistic_value

__all__ = ["math_datapoints", "math_inputs", "MathInput"]

MathInput = tuple[Alarm, str, str | None]  # (alarm, query Id, unit the MetricStat asks for)


def math_inputs(alarms: Mapping[str, Alarm]) -> dict[str, list[MathInput]]:
    """metric key -> the (alarm, query Id, unit) of every math alarm's MetricStat on that metric."""
    found: dict[str, list[MathInput]] = {}
    for alarm in alarms.values():
        for query in alarm.metrics:
            stat = query.get("MetricStat")
            if stat is None:
                continue
            metric = stat["Metric"]
            key = metric_key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions"))
            found.setdefault(key, []).append((alarm, query["Id"], stat.get("Unit")))
    return found


def math_datapoints(alarm: Alarm, buckets: Mapping[str, Mapping[Any, Mapping[str, Any]]], at: float
                    ) -> dict[int, float]:
    """{period start: value of the returned query} over the evaluation range of an evaluation at
    ``at``. ``buckets``: query Id -> {bucket start: bucket} (buckets no longer than the period).
    MetricMathError if the returned query gives more than one series."""
    from pipeline.metricmath import MetricMathError
    from pipeline.metricmath.queries import evaluate_queries

    end = evaluation_end(alarm, at)
    start = end - alarm.evaluation_range * alarm.period
    parsed = list(alarm.queries)

    def fetch(query, grid) -> dict[int, float]:
        stat = query.metric_stat["Stat"]
        extended = None if stat in STATISTICS else parse_extended_statistic(stat)
        by_start = sorted((int(k), bucket) for k, bucket in (buckets.get(query.id) or {}).items())
        values = {}
        for period_start in grid:
            inside = [b for k, b in by_start if period_start <= k < period_start + alarm.period]
            if not inside:
                continue
            merged = inside[0] if len(inside) == 1 else new_bucket(sketch=extended is not None)
            if len(inside) > 1:
                for bucket in inside:
                    merge_buckets(merged, bucket)
            value = statistic_value(merged, None if extended else stat, extended)
            if value is not None:
                values[period_start] = value
        return values

    values, _ = evaluate_queries(parsed, start, end, fetch)
    returned = next(q for q in parsed if q.return_data)
    result = values[returned.id]
    if isinstance(result, list):
        if len(result) != 1:
            raise MetricMathError(f"The alarm's expression {returned.id} gives {len(result)} time series; an alarm "
                                  "needs exactly one.")
        result = result[0]
    return {moment: value for moment, value in result.points.items() if start <= moment < end}
