"""PutMetricAlarm's Metrics form for metric math alarms (not the anomaly band form, which
pipeline.alarms.definitions checks): MetricStat queries and expressions over them, one query
with ReturnData true that the alarm watches.

AWS's rules: at most 10 MetricStat queries, all with the same Period (the alarm's period); exactly
one query returns data; Ids and expressions as in GetMetricData (pipeline.metricmath); alarm
periods are 10, 20, 30 or a multiple of 60 seconds.
"""

from __future__ import annotations

from typing import Any, Mapping

from pipeline.alarms.errors import AlarmValidationError
from pipeline.alarms.periods import check_period

__all__ = ["validate_math_metrics", "MAX_METRIC_STATS"]

MAX_METRIC_STATS = 10


def validate_math_metrics(metrics: Any) -> tuple[list[dict[str, Any]], int]:
    """(the queries as published, the alarm's Period); AlarmValidationError otherwise."""
    from pipeline.metricmath import MetricMathError, parse_queries
    from pipeline.metricmath.queries import order_queries

    if not isinstance(metrics, list) or not metrics or not all(isinstance(q, Mapping) for q in metrics):
        raise AlarmValidationError("Invalid value for Metrics: expected a non-empty list of MetricDataQuery.")
    try:
        queries = parse_queries(metrics)
        order_queries(queries)
    except MetricMathError as error:
        raise AlarmValidationError(f"Invalid value for Metrics: {error}") from None
    returned = [q for q in queries if q.return_data]
    if len(returned) != 1:
        raise AlarmValidationError("Invalid value for Metrics: exactly one element of the metrics list must have "
                                   f"ReturnData true (found {len(returned)}; it defaults to true).")
    stats = [q for q in queries if q.metric_stat is not None]
    if not stats:
        raise AlarmValidationError("Invalid value for Metrics: at least one MetricStat is needed.")
    if len(stats) > MAX_METRIC_STATS:
        raise AlarmValidationError(f"Invalid value for Metrics: at most {MAX_METRIC_STATS} MetricStat queries "
                                   f"are allowed; got {len(stats)}.")
    periods = {q.period for q in stats}
    if len(periods) != 1:
        raise AlarmValidationError("Invalid value for Metrics: all MetricStat queries of an alarm must have the same "
                                   f"Period; got {sorted(periods)}.")
    period = check_period(periods.pop())
    for query in queries:
        if query.tree is not None and query.period not in (None, period):
            raise AlarmValidationError(f"Invalid value for Metrics: the Period of expression {query.id} must be the "
                                       f"alarm's period ({period}).")
    return [dict(q) for q in metrics], period
