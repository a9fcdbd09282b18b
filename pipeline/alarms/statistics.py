"""CloudWatch statistics over a period bucket, from exact aggregates and a quantile sketch.

SampleCount, Sum, Minimum, Maximum and Average are exact. Percentiles (``pNN.NN``) and the
other extended statistics (TM, WM, TC, TS, PR, IQM) come from a DDSketch-style log-bucket
sketch written here:

* a positive value ``x`` goes to bin ``i = ceil(log(x) / log(gamma))`` with
  ``gamma = (1 + a) / (1 - a)``; bin ``i`` covers ``(gamma**(i-1), gamma**i]`` and is
  represented by ``2 * gamma**i / (gamma + 1)``, which is within a relative error ``a`` of
  every value in the bin. Negative values use a mirrored store, and |x| < 1e-9 counts as zero.
* **Stated error**: with the default ``a = 0.01`` a percentile estimate is within **1 %**
  (relative) of the exact value at rank ``floor(q * (n - 1))`` of the sorted samples
  (DDSketch's "lower" quantile); the estimate is also clamped to the exact [Minimum, Maximum],
  so p0 and p100 are exact. Trimmed / winsorized means and sums use the bin representatives,
  so each contributing value is within 1 %, and bins split by a rank boundary are counted
  fractionally.
* The sketch is a plain dict (``{"RelativeAccuracy", "Positive", "Negative", "Zero"}``, bins as
  ``{"index": count}`` with string keys so json/orjson round-trip it unchanged), and
  merging is adding bin counts, so buckets from several workers combine exactly.
  Bins are not collapsed: ``a = 0.01`` needs about 115 bins per decade of value range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from pipeline.alarms.errors import AlarmValidationError

__all__ = [
    "STATISTICS",
    "DEFAULT_RELATIVE_ACCURACY",
    "ExtendedStatistic",
    "parse_extended_statistic",
    "new_sketch",
    "add_to_sketch",
    "merge_sketches",
    "sketch_quantile",
    "statistic_value",
    "too_few_samples",
]

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
DEFAULT_RELATIVE_ACCURACY = 0.01
_ZERO_MAGNITUDE = 1e-9  # |x| below this is counted in the zero bin (no log of 0)
_LOG_GAMMA: dict[float, float] = {}
_log = math.log


def _log_gamma(accuracy: float) -> float:
    value = _LOG_GAMMA.get(accuracy)
    if value is None:
        value = _LOG_GAMMA[accuracy] = math.log((1 + accuracy) / (1 - accuracy))
    return value


def new_sketch(relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY) -> dict[str, Any]:
    if not 0 < relative_accuracy < 1:
        raise ValueError("relative_accuracy must be in (0, 1)")
    return {"RelativeAccuracy": relative_accuracy, "Positive": {}, "Negative": {}, "Zero": 0.0}


def add_to_sketch(sketch: dict[str, Any], value: float, count: float = 1.0) -> None:
    accuracy = sketch["RelativeAccuracy"]
    log_gamma = _LOG_GAMMA.get(accuracy) or _log_gamma(accuracy)  # hot path: skip the call
    if value > _ZERO_MAGNITUDE:
        store = sketch["Positive"]
        index = math.ceil(_log(value) / log_gamma)
    elif value < -_ZERO_MAGNITUDE:
        store = sketch["Negative"]
        index = math.ceil(_log(-value) / log_gamma)
    else:
        sketch["Zero"] += count
        return
    key = str(index)  # string keys: JSON and orjson (no int keys without an option) round-trip as is
    store[key] = store.get(key, 0.0) + count


def merge_sketches(into: dict[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """Add ``other``'s bins to ``into`` (in place); both must share the relative accuracy."""
    if into["RelativeAccuracy"] != other["RelativeAccuracy"]:
        raise ValueError("cannot merge sketches with different relative accuracy")
    for name in ("Positive", "Negative"):
        store = into[name]
        for key, count in other[name].items():
            key = str(key)
            store[key] = store.get(key, 0.0) + count
    into["Zero"] += other["Zero"]
    return into


def _store(store: Mapping[Any, float]) -> dict[int, float]:
    merged: dict[int, float] = {}
    for index, count in store.items():
        index = int(index)
        merged[index] = merged.get(index, 0.0) + count
    return merged


def _bins(sketch: Mapping[str, Any], low: float | None, high: float | None) -> list[tuple[float, float]]:
    """(representative value, count) for every bin, ascending by value, clamped to [low, high]."""
    gamma = math.exp(_log_gamma(sketch["RelativeAccuracy"]))
    scale = 2.0 / (gamma + 1.0)
    bins: list[tuple[float, float]] = []
    negative = _store(sketch["Negative"])
    for index in sorted(negative, reverse=True):
        bins.append((-scale * gamma**index, negative[index]))
    if sketch["Zero"]:
        bins.append((0.0, sketch["Zero"]))
    positive = _store(sketch["Positive"])
    for index in sorted(positive):
        bins.append((scale * gamma**index, positive[index]))
    if low is not None or high is not None:
        bins = [(min(max(v, low if low is not None else v), high if high is not None else v), c) for v, c in bins]
    return bins


def sketch_quantile(
    sketch: Mapping[str, Any], quantile: float, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    """Estimate of the value at rank ``floor(quantile * (n - 1))``; None for an empty sketch."""
    bins = _bins(sketch, minimum, maximum)
    total = sum(count for _, count in bins)
    if total <= 0:
        return None
    rank = quantile * (total - 1)
    if rank <= 0 and minimum is not None:
        return minimum
    if rank >= total - 1 and maximum is not None:
        return maximum
    seen = 0.0
    for value, count in bins:
        seen += count
        if seen > rank:
            return value
    return bins[-1][0]


@dataclass(frozen=True)
class ExtendedStatistic:
    """A parsed ExtendedStatistic: ``kind`` p, TM, WM, TC, TS or PR; bounds as given.

    ``percent`` tells whether ``low``/``high`` are percentiles (0-100) or absolute values;
    a missing bound is None (0 % / 100 %, or unbounded).
    """

    text: str
    kind: str
    low: float | None
    high: float | None
    percent: bool


_PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d{1,10})?)$")
_SHORT = re.compile(r"^(tm|wm|tc|ts)(\d{1,2}(?:\.\d{1,10})?)$")
_RANGE = re.compile(r"^(TM|WM|TC|TS|PR)\(([^:()]*):([^:()]*)\)$")
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"


def _invalid(text: str) -> AlarmValidationError:
    return AlarmValidationError(
        f"Invalid value for ExtendedStatistic: {text!r}. Expected pNN.NN, tmNN, wmNN, tcNN, tsNN, IQM, "
        "or TM/WM/TC/TS(a%:b%) / TM/WM/TC/TS/PR(a:b)."
    )


def parse_extended_statistic(text: str) -> ExtendedStatistic:
    if not isinstance(text, str):
        raise _invalid(repr(text))
    match = _PERCENTILE.match(text)
    if match:
        value = float(match.group(1))
        if value > 100:
            raise _invalid(text)
        return ExtendedStatistic(text, "p", None, value, True)
    match = _SHORT.match(text)
    if match:
        return ExtendedStatistic(text, match.group(1).upper(), None, float(match.group(2)), True)
    if text == "IQM":
        return ExtendedStatistic(text, "TM", 25.0, 75.0, True)
    match = _RANGE.match(text)
    if not match:
        raise _invalid(text)
    kind, low_text, high_text = match.group(1), match.group(2).strip(), match.group(3).strip()
    percent_sides = [side.endswith("%") for side in (low_text, high_text) if side]
    if not percent_sides:
        raise _invalid(text)
    percent = all(percent_sides)
    if any(percent_sides) and not percent or (percent and kind == "PR"):
        raise _invalid(text)

    def bound(side: str) -> float | None:
        if not side:
            return None
        number = side[:-1] if percent else side
        if not re.fullmatch(_NUMBER, number):
            raise _invalid(text)
        return float(number)

    low, high = bound(low_text), bound(high_text)
    if percent and not (0 <= (low or 0) < (100 if high is None else high) <= 100):
        raise _invalid(text)
    if not percent and low is not None and high is not None and low >= high:
        raise _invalid(text)
    return ExtendedStatistic(text, kind, low, high, percent)


def too_few_samples(spec: ExtendedStatistic, sample_count: float) -> bool:
    """CloudWatch's low-sample-count rule for percentiles (EvaluateLowSampleCountPercentile).

    For 0.5 <= p < 1: fewer than 10 / (1 - p) samples; for 0 < p < 0.5: fewer than 10 / p.
    """
    if spec.kind != "p" or spec.high is None:
        return False
    p = spec.high / 100.0
    if 0.5 <= p < 1:
        return sample_count < round(10 / (1 - p), 9)  # round: 10 / (1 - 0.9) is 100.00000000000001
    if 0 < p < 0.5:
        return sample_count < round(10 / p, 9)
    return False


def _trimmed(bins: list[tuple[float, float]], total: float, spec: ExtendedStatistic):
    """Yield (value, weight) for the part of the distribution inside the statistic's range."""
    if spec.percent:
        lower_rank = total * (spec.low or 0.0) / 100.0
        upper_rank = total * (100.0 if spec.high is None else spec.high) / 100.0
        seen = 0.0
        for value, count in bins:
            start, stop = seen, seen + count
            seen = stop
            weight = min(stop, upper_rank) - max(start, lower_rank)
            if weight > 0:
                yield value, weight
    else:
        for value, count in bins:
            if (spec.low is None or value > spec.low) and (spec.high is None or value <= spec.high):
                yield value, count


def _extended_value(bucket: Mapping[str, Any], spec: ExtendedStatistic) -> float | None:
    if bucket.get("Sketch") is None:
        return None  # kept without a sketch (periods.new_bucket)
    low, high = bucket["Minimum"], bucket["Maximum"]
    if spec.kind == "p":
        return sketch_quantile(bucket["Sketch"], spec.high / 100.0, low, high)
    bins = _bins(bucket["Sketch"], low, high)
    total = sum(count for _, count in bins)
    if total <= 0:
        return None
    if spec.kind == "PR":
        inside = sum(w for _, w in _trimmed(bins, total, spec))
        return 100.0 * inside / total
    if spec.kind == "WM":
        if spec.percent:
            floor = sketch_quantile(bucket["Sketch"], (spec.low or 0.0) / 100.0, low, high)
            ceiling = sketch_quantile(bucket["Sketch"], (spec.high or 100.0) / 100.0, low, high)
        else:
            floor, ceiling = spec.low, spec.high
        clamped = [
            (min(max(v, floor if floor is not None else v), ceiling if ceiling is not None else v), c)
            for v, c in bins
        ]
        return sum(v * c for v, c in clamped) / total
    parts = list(_trimmed(bins, total, spec))
    count = sum(w for _, w in parts)
    weighted = sum(v * w for v, w in parts)
    if spec.kind == "TC":
        return count
    if spec.kind == "TS":
        return weighted
    return weighted / count if count > 0 else None  # TM


def statistic_value(
    bucket: Mapping[str, Any] | None, statistic: str | None = None, extended: ExtendedStatistic | None = None
) -> float | None:
    """The statistic of one (merged) bucket; None when the bucket holds no sample."""
    if bucket is None or bucket["SampleCount"] <= 0:
        return None
    if extended is not None:
        return _extended_value(bucket, extended)
    if statistic == "SampleCount":
        return float(bucket["SampleCount"])
    if statistic == "Sum":
        return float(bucket["Sum"])
    if statistic == "Minimum":
        return float(bucket["Minimum"])
    if statistic == "Maximum":
        return float(bucket["Maximum"])
    if statistic == "Average":
        return bucket["Sum"] / bucket["SampleCount"]
    raise AlarmValidationError(f"Invalid value for Statistic: {statistic!r}. Expected one of {', '.join(STATISTICS)}.")
