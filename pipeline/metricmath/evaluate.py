"""Evaluating a metric math tree over time series.

Values are a number (scalar), a :class:`Series` (period start in epoch seconds -> value), or an
array of series. Operators work point by point: series with series on the timestamps both have
(a point one of them lacks is left out), series with scalar on each point, an array member by
member. Comparisons and AND / OR / NOT give 1 or 0. A result that is not a finite number
(x / 0, LOG of a negative) is left out: CloudWatch stores no NaN or infinity.

Functions (CloudWatch's names and meaning): ABS, CEIL, FLOOR, LOG, LOG10 (each point);
SUM, AVG, MIN, MAX, STDDEV (of an array: one series, per timestamp over the members that have
it; of one series: a scalar over its points; STDDEV is the population deviation);
DATAPOINT_COUNT (points of a series); FILL(s, value | REPEAT | LINEAR) (the grid's missing
points: a number, a series' value there, the last earlier value, or the straight line between
the neighbouring values; points before the first value stay missing for REPEAT and outside the
known values for LINEAR); IF(condition, a[, b]) (per point of the condition: a where it is not
0, else b, else no point); METRICS([text]) (the MetricStat queries' series, those whose Id or
label contains the text); PERIOD(s); RATE(s) (change per second from the previous point);
DIFF(s); DIFF_TIME(s); RUNNING_SUM(s); REMOVE_EMPTY(array); TIME_SERIES(number) (the number at
every timestamp of the grid). Others (SEARCH, ANOMALY_DETECTION_BAND in queries, SORT, SLICE,
INSIGHT_RULE_METRIC, ...) are refused with their name.
"""

from __future__ import annotations

import math
import statistics as stats
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from pipeline.metricmath.errors import MetricMathError

__all__ = ["Series", "Context", "evaluate"]


@dataclass
class Series:
    points: dict[int, float]  # period start (epoch s) -> value
    label: str = ""
    period: int = 60

    def sorted_items(self) -> list[tuple[int, float]]:
        return sorted(self.points.items())


@dataclass
class Context:
    grid: Sequence[int]  # every period start of the request, ascending
    series: Mapping[str, Any]  # query Id -> its value (MetricStat queries and evaluated expressions)
    metric_stat_ids: Sequence[str] = ()  # in query order, for METRICS()
    labels: Mapping[str, str] = field(default_factory=dict)
    period: int = 60


def _finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))


def _pointwise(value: Any, function: Callable[[float], float], name: str) -> Any:
    if isinstance(value, list):
        return [_pointwise(member, function, name) for member in value]
    if isinstance(value, Series):
        points = {}
        for moment, x in value.points.items():
            y = _safe(function, x)
            if y is not None:
                points[moment] = y
        return Series(points, value.label, value.period)
    if isinstance(value, float):
        y = _safe(function, value)
        if y is None:
            raise MetricMathError(f"{name} of {value} has no value.")
        return y
    raise MetricMathError(f"{name} takes a number, a time series or an array of time series.")


def _safe(function: Callable[..., float], *args: float) -> float | None:
    try:
        result = float(function(*args))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if _finite(result) else None


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a ** b,
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "AND": lambda a, b: float(bool(a) and bool(b)),
    "OR": lambda a, b: float(bool(a) or bool(b)),
}


def _binary(op: str, left: Any, right: Any) -> Any:
    function = _BINARY[op]
    if isinstance(left, list):
        return [_binary(op, member, right) for member in left]
    if isinstance(right, list):
        return [_binary(op, left, member) for member in right]
    if isinstance(left, float) and isinstance(right, float):
        result = _safe(function, left, right)
        if result is None:
            raise MetricMathError(f"{left} {op} {right} has no value.")
        return result
    if isinstance(left, Series) and isinstance(right, Series):
        points = {}
        for moment, a in left.points.items():
            b = right.points.get(moment)
            if b is not None and (y := _safe(function, a, b)) is not None:
                points[moment] = y
        return Series(points, left.label, min(left.period, right.period))
    if isinstance(left, Series) and isinstance(right, float):
        return _pointwise(left, lambda a: function(a, right), op)
    if isinstance(left, float) and isinstance(right, Series):
        return _pointwise(right, lambda b: function(left, b), op)
    raise MetricMathError(f"The operator {op} takes numbers and time series, not text or keywords.")


def _series_arg(value: Any, name: str) -> Series:
    if not isinstance(value, Series):
        raise MetricMathError(f"{name} takes one time series.")
    return value


def _aggregate(values: Any, name: str, reduce: Callable[[list[float]], float]) -> Any:
    if isinstance(values, Series):
        numbers = list(values.points.values())
        if not numbers:
            raise MetricMathError(f"{name} of a time series without data has no value.")
        return float(reduce(numbers))
    if isinstance(values, list):
        members = [m for m in values if isinstance(m, Series)]
        if len(members) != len(values):
            raise MetricMathError(f"{name} takes an array of time series.")
        moments = sorted(set().union(*(m.points for m in members))) if members else []
        points = {}
        for moment in moments:
            numbers = [m.points[moment] for m in members if moment in m.points]
            points[moment] = float(reduce(numbers))
        period = min((m.period for m in members), default=60)
        return Series(points, name, period)
    raise MetricMathError(f"{name} takes a time series or an array of time series.")


def _fill(value: Any, how: Any, context: Context) -> Any:
    if isinstance(value, list):
        return [_fill(member, how, context) for member in value]
    series = _series_arg(value, "FILL")
    points = dict(series.points)
    missing = [moment for moment in context.grid if moment not in points]
    if isinstance(how, float):
        points.update((moment, how) for moment in missing)
    elif isinstance(how, Series):
        points.update((moment, how.points[moment]) for moment in missing if moment in how.points)
    elif how == ("kw", "REPEAT"):
        last = None
        for moment in context.grid:
            if moment in series.points:
                last = series.points[moment]
            elif last is not None:
                points[moment] = last
    elif how == ("kw", "LINEAR"):
        known = series.sorted_items()
        for moment in missing:
            before = [(t, v) for t, v in known if t < moment]
            after = [(t, v) for t, v in known if t > moment]
            if before and after:
                (t0, v0), (t1, v1) = before[-1], after[0]
                points[moment] = v0 + (v1 - v0) * (moment - t0) / (t1 - t0)
    else:
        raise MetricMathError("FILL takes a number, a time series, REPEAT or LINEAR as its second argument.")
    return Series(points, series.label, series.period)


def _if(condition: Any, then: Any, otherwise: Any) -> Any:
    def at(value: Any, moment: int) -> float | None:
        if isinstance(value, Series):
            return value.points.get(moment)
        return value

    if isinstance(condition, float):
        return then if condition else otherwise
    condition = _series_arg(condition, "IF")
    points = {}
    for moment, flag in condition.points.items():
        chosen = at(then if flag else otherwise, moment) if (flag or otherwise is not None) else None
        if chosen is not None:
            points[moment] = chosen
    return Series(points, condition.label, condition.period)


def _neighbours(series: Series, combine: Callable[[int, float, int, float], float]) -> Series:
    items = series.sorted_items()
    points = {}
    for (t0, v0), (t1, v1) in zip(items, items[1:]):
        if (y := _safe(combine, t0, v0, t1, v1)) is not None:
            points[t1] = y
    return Series(points, series.label, series.period)


def _running_sum(series: Series) -> Series:
    total, points = 0.0, {}
    for moment, value in series.sorted_items():
        total += value
        points[moment] = total
    return Series(points, series.label, series.period)


def _metrics(args: list[Any], context: Context) -> list[Series]:
    if len(args) > 1 or (args and not isinstance(args[0], str)):
        raise MetricMathError('METRICS takes nothing or one text, such as METRICS("errors").')
    text = args[0] if args else None
    chosen = [i for i in context.metric_stat_ids
              if text is None or text in i or text in context.labels.get(i, "")]
    return [context.series[i] for i in chosen]


_EACH_POINT = {"ABS": abs, "CEIL": math.ceil, "FLOOR": math.floor, "LOG": math.log, "LOG10": math.log10}
_REDUCE = {"SUM": math.fsum, "AVG": stats.fmean, "MIN": min, "MAX": max, "STDDEV": stats.pstdev}


def _call(name: str, args: list[Any], context: Context) -> Any:
    def arity(low: int, high: int | None = None) -> None:
        high = low if high is None else high
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise MetricMathError(f"{name} takes {wanted} argument{'s' if high != 1 else ''}; got {len(args)}.")

    if name in _EACH_POINT:
        arity(1)
        return _pointwise(args[0], _EACH_POINT[name], name)
    if name in _REDUCE:
        arity(1)
        return _aggregate(args[0], name, _REDUCE[name])
    if name == "DATAPOINT_COUNT":
        arity(1)
        return float(len(_series_arg(args[0], name).points))
    if name == "FILL":
        arity(2)
        return _fill(args[0], args[1], context)
    if name == "IF":
        arity(2, 3)
        return _if(args[0], args[1], args[2] if len(args) == 3 else None)
    if name == "METRICS":
        return _metrics(args, context)
    if name == "PERIOD":
        arity(1)
        return float(_series_arg(args[0], name).period)
    if name == "RATE":
        arity(1)
        return _neighbours(_series_arg(args[0], name), lambda t0, v0, t1, v1: (v1 - v0) / (t1 - t0))
    if name == "DIFF":
        arity(1)
        return _neighbours(_series_arg(args[0], name), lambda t0, v0, t1, v1: v1 - v0)
    if name == "DIFF_TIME":
        arity(1)
        return _neighbours(_series_arg(args[0], name), lambda t0, v0, t1, v1: float(t1 - t0))
    if name == "RUNNING_SUM":
        arity(1)
        return _running_sum(_series_arg(args[0], name))
    if name == "REMOVE_EMPTY":
        arity(1)
        if not isinstance(args[0], list):
            raise MetricMathError("REMOVE_EMPTY takes an array of time series.")
        return [member for member in args[0] if member.points]
    if name == "TIME_SERIES":
        arity(1)
        if not isinstance(args[0], float):
            raise MetricMathError("TIME_SERIES takes a number.")
        return Series({moment: args[0] for moment in context.grid}, "", context.period)
    raise MetricMathError(f"The function {name} is not supported here.")


def evaluate(tree: Any, context: Context) -> Any:
    """The value of a parsed expression (pipeline.metricmath.parser) in ``context``."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "str":
        return tree[1]
    if kind == "kw":
        return tree
    if kind == "ref":
        if tree[1] not in context.series:
            raise MetricMathError(f"The expression refers to {tree[1]!r}, which is not a query Id of the request.")
        return context.series[tree[1]]
    if kind == "neg":
        return _pointwise(evaluate(tree[1], context), lambda x: -x, "-")
    if kind == "not":
        return _pointwise(evaluate(tree[1], context), lambda x: float(not x), "NOT")
    if kind == "bin":
        return _binary(tree[1], evaluate(tree[2], context), evaluate(tree[3], context))
    if kind == "array":
        members: list[Series] = []
        for item in tree[1]:
            value = evaluate(item, context)
            if isinstance(value, list):
                members.extend(value)
            elif isinstance(value, Series):
                members.append(value)
            else:
                raise MetricMathError("An array [...] holds time series only.")
        return members
    if kind == "call":
        return _call(tree[1], [evaluate(arg, context) for arg in tree[2]], context)
    raise MetricMathError(f"unknown expression node {kind!r}")
