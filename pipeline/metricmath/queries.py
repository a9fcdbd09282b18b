"""GetMetricData: MetricDataQueries checked and answered, given the data of each MetricStat.

A query is a MetricStat (one metric's statistic per period) or an Expression over other
queries' Ids; ``ReturnData`` (default true) says which appear in the answer. Expressions are
evaluated after the queries they read (METRICS() reads every MetricStat query), on the grid of
period starts of their Period (given, or the shortest Period among the MetricStat queries they
read, or in the request). An expression that comes out as a number is answered as that number at
every timestamp of its grid; one that comes out as an array gives one result per series, all
with the expression's Id. Timestamps are period starts, newest first unless ScanBy says
TimestampAscending, as in AWS.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from pipeline.metricmath.errors import MetricMathError
from pipeline.metricmath.evaluate import Context, Series, evaluate
from pipeline.metricmath.parser import parse_expression, references

__all__ = ["Query", "parse_queries", "order_queries", "evaluate_queries", "get_metric_data",
           "answer_queries"]

MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800  # GetMetricData's limit per request
_ID = re.compile(r"^[a-z][a-zA-Z0-9_]{0,254}$")
_HIGH_RESOLUTION = (1, 5, 10, 30)


@dataclass(frozen=True)
class Query:
    id: str
    label: str
    return_data: bool
    period: int | None
    metric_stat: Mapping[str, Any] | None = None
    tree: Any = None
    reads: frozenset[str] = frozenset()


def _period(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or (
            value not in _HIGH_RESOLUTION and value % 60):
        raise MetricMathError(f"{where}.Period must be 1, 5, 10, 30 or a multiple of 60 seconds; got {value!r}.")
    return value


def _metric_stat(stat: Any, where: str) -> Mapping[str, Any]:
    from pipeline.alarms.statistics import STATISTICS, parse_extended_statistic

    if not isinstance(stat, Mapping) or not isinstance(stat.get("Metric"), Mapping):
        raise MetricMathError(f"{where}.MetricStat needs Metric, Period and Stat.")
    metric = stat["Metric"]
    for key in ("Namespace", "MetricName"):
        if not isinstance(metric.get(key), str) or not metric[key]:
            raise MetricMathError(f"{where}.MetricStat.Metric.{key} is required.")
    name = stat.get("Stat")
    if name not in STATISTICS:
        try:
            parse_extended_statistic(name)
        except Exception:
            raise MetricMathError(f"{where}.MetricStat.Stat {name!r} is not a statistic (SampleCount, Average, "
                                  "Sum, Minimum, Maximum, or a percentile such as p99).") from None
    _period(stat.get("Period"), f"{where}.MetricStat")
    return stat


def parse_queries(queries: Any) -> list[Query]:
    """Check MetricDataQueries as CloudWatch does; MetricMathError names the bad member."""
    if not isinstance(queries, list) or not queries:
        raise MetricMathError("MetricDataQueries must be a non-empty list.")
    if len(queries) > MAX_QUERIES:
        raise MetricMathError(f"At most {MAX_QUERIES} MetricDataQueries are allowed; got {len(queries)}.")
    parsed: list[Query] = []
    for number, query in enumerate(queries, 1):
        where = f"MetricDataQueries.member.{number}"
        if not isinstance(query, Mapping):
            raise MetricMathError(f"{where} must be an object.")
        query_id = query.get("Id")
        if not isinstance(query_id, str) or not _ID.match(query_id):
            raise MetricMathError(f"{where}.Id {query_id!r} is not valid: it must start with a lower-case letter "
                                  "and hold only letters, digits and underscores.")
        if any(q.id == query_id for q in parsed):
            raise MetricMathError(f"The Id {query_id} is used by more than one query.")
        has_stat, has_expression = "MetricStat" in query, "Expression" in query
        if has_stat == has_expression:
            raise MetricMathError(f"{where} needs exactly one of MetricStat and Expression.")
        period = _period(query["Period"], where) if query.get("Period") is not None else None
        label = query.get("Label")
        return_data = query.get("ReturnData", True)
        if has_stat:
            stat = _metric_stat(query["MetricStat"], where)
            parsed.append(Query(query_id, label or stat["Metric"]["MetricName"], bool(return_data),
                                stat["Period"], metric_stat=stat))
        else:
            try:
                tree = parse_expression(query["Expression"])
            except MetricMathError as error:
                raise MetricMathError(f"{where}.Expression: {error}") from None
            parsed.append(Query(query_id, label or query_id, bool(return_data), period, tree=tree,
                                reads=frozenset(references(tree))))
    if not any(q.return_data for q in parsed):
        raise MetricMathError("At least one query must have ReturnData true.")
    return parsed


def order_queries(queries: list[Query]) -> list[Query]:
    """Expressions after what they read; a cycle or an unknown Id is an error."""
    by_id = {q.id: q for q in queries}
    stat_ids = [q.id for q in queries if q.metric_stat is not None]

    def reads(query: Query) -> list[str]:
        found = list(query.reads)
        if _calls(query.tree, "METRICS"):
            found.extend(stat_ids)
        for name in found:
            if name not in by_id:
                raise MetricMathError(f"The expression of {query.id} refers to {name!r}, which is not a query Id "
                                      "of the request.")
        return found

    done: dict[str, bool] = {}  # Id -> finished (False while on the path)
    ordered: list[Query] = []

    def visit(query: Query, path: list[str]) -> None:
        if done.get(query.id) is True:
            return
        if done.get(query.id) is False:
            raise MetricMathError(f"Circular dependency between queries: {' -> '.join(path + [query.id])}.")
        done[query.id] = False
        if query.tree is not None:
            for name in reads(query):
                visit(by_id[name], path + [query.id])
        done[query.id] = True
        ordered.append(query)

    for query in queries:
        visit(query, [])
    return ordered


def _calls(tree: Any, name: str) -> bool:
    if tree is None or not isinstance(tree, tuple):
        return False
    if tree[0] == "call" and tree[1] == name:
        return True
    return any(_calls(part, name) for part in tree[1:] if isinstance(part, tuple))


def grid_of(start: float, end: float, period: int) -> list[int]:
    first = int(math.floor(start / period) * period)
    return list(range(first, int(math.ceil(end)), period))


def evaluate_queries(parsed: list[Query], start: float, end: float,
                     fetch: Callable[[Query, Sequence[int]], dict[int, float]]
                     ) -> tuple[dict[str, Any], dict[str, int]]:
    """(Id -> Series or list of Series, Id -> period) for every query, expressions after what
    they read, each on the grid of its period over ``[start, end)``; ``fetch(query, grid)`` gives
    a MetricStat query's value per period start of ``grid``."""
    ordered = order_queries(parsed)
    stat_periods = {q.id: q.period for q in parsed if q.metric_stat is not None}
    shortest = min(stat_periods.values(), default=60)
    values: dict[str, Any] = {}
    periods: dict[str, int] = {}
    total = 0
    for query in ordered:
        if query.metric_stat is not None:
            period = query.period
        else:
            read = [periods[name] for name in query.reads if name in periods] or [shortest]
            period = query.period or min(read)
        periods[query.id] = period
        grid = grid_of(start, end, period)
        total += len(grid) if query.return_data else 0
        if total > MAX_DATAPOINTS:
            raise MetricMathError(f"The request asks for more than {MAX_DATAPOINTS} datapoints; increase the "
                                  "periods or shorten the time range.")
        if query.metric_stat is not None:
            values[query.id] = Series(fetch(query, grid), query.label, period)
            continue
        context = Context(grid=grid, series=values, metric_stat_ids=[i for i in stat_periods if i in values],
                          labels={q.id: q.label for q in parsed}, period=period)
        try:
            value = evaluate(query.tree, context)
        except MetricMathError as error:
            raise MetricMathError(f"Error in expression of {query.id}: {error}") from None
        if isinstance(value, float):
            value = Series({moment: value for moment in grid}, query.label, period)
        elif isinstance(value, Series):
            value = Series(value.points, query.label, period)
        elif not isinstance(value, list):
            raise MetricMathError(f"The expression of {query.id} gives text, not a time series.")
        values[query.id] = value
    return values, periods


def get_metric_data(queries: Any, start: float, end: float,
                    fetch: Callable[[Mapping[str, Any], Sequence[int]], dict[int, float]], *,
                    scan_by: str = "TimestampDescending") -> dict[str, Any]:
    """The GetMetricData answer. ``fetch(metric_stat, grid)`` gives the MetricStat's value per
    period start of ``grid`` (periods without data left out)."""
    return answer_queries(parse_queries(queries), start, end, fetch, scan_by=scan_by)


def answer_queries(parsed: list[Query], start: float, end: float,
                   fetch: Callable[[Mapping[str, Any], Sequence[int]], dict[int, float]], *,
                   scan_by: str = "TimestampDescending") -> dict[str, Any]:
    """:func:`get_metric_data` for queries :func:`parse_queries` checked already."""
    from pipeline.alarms.periods import iso_timestamp

    if end <= start:
        raise MetricMathError("The parameter StartTime must be less than the parameter EndTime.")
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise MetricMathError("ScanBy must be TimestampDescending or TimestampAscending.")
    values, periods = evaluate_queries(parsed, start, end, lambda query, grid: fetch(query.metric_stat, grid))
    results = []
    descending = scan_by == "TimestampDescending"
    for query in parsed:
        if not query.return_data:
            continue
        value = values[query.id]
        for series in (value if isinstance(value, list) else [value]):
            label = query.label if not isinstance(value, list) else (series.label or query.label)
            items = sorted(((m, v) for m, v in series.points.items() if start - periods[query.id] < m < end),
                           reverse=descending)
            results.append({"Id": query.id, "Label": label, "Timestamps": [iso_timestamp(m) for m, _ in items],
                            "Values": [v for _, v in items], "StatusCode": "Complete"})
    return {"MetricDataResults": results, "Messages": []}
