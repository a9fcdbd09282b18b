"""Event-time period buckets, time formats, and watermark / expiry helpers.

Time is always an argument: epoch seconds (int or float, UTC). A *bucket* is a plain dict so the
Faust layer can keep it in a changelogged table and merge partial buckets from several workers::

    {"SampleCount": 3.0, "Sum": 7.5, "Minimum": 1.0, "Maximum": 4.0,
     "Sketch": {...statistics.new_sketch()...}}

Buckets are keyed by the *start* of their period (CloudWatch stamps aggregated datapoints with
the start of the period). Alarm periods are built from finer buckets by merging, so one table
of 60 s buckets (10 s for high-resolution metrics) serves every alarm period on the metric.
"""

from __future__ import annotations

from pipeline.timestamps import parse_timestamp

import math
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from pipeline.alarms.errors import AlarmValidationError, MetricDataError
from pipeline.alarms.statistics import add_to_sketch, merge_sketches, new_sketch

__all__ = [
    "STANDARD_RESOLUTION_SECONDS",
    "HIGH_RESOLUTION_SECONDS",
    "check_period",
    "bucket_resolution",
    "period_start",
    "new_bucket",
    "add_value",
    "merge_buckets",
    "aggregate",
    "expire_buckets",
    "retention_seconds",
    "advance_watermark",
    "closed_before",
    "check_datum_time",
    "to_epoch",
    "iso_timestamp",
]

STANDARD_RESOLUTION_SECONDS = 60  # periods >= 60 s are multiples of a minute
HIGH_RESOLUTION_SECONDS = 10  # 10/20/30 s periods are multiples of 10 s
HIGH_RESOLUTION_PERIODS = (10, 20, 30)


def check_period(period: Any) -> int:
    """Return ``period`` as an int, or raise if CloudWatch would refuse it (10, 20, 30, n*60)."""
    if isinstance(period, bool) or not isinstance(period, (int, float)) or period != int(period):
        raise AlarmValidationError(
            f"Invalid value for Period: {period!r}. Valid values are 10, 20, 30, and any multiple of 60."
        )
    period = int(period)
    if period not in HIGH_RESOLUTION_PERIODS and (period <= 0 or period % 60):
        raise AlarmValidationError(
            f"Invalid value for Period: {period}. Valid values are 10, 20, 30, and any multiple of 60."
        )
    return period


def bucket_resolution(period: int) -> int:
    """The bucket size (and evaluation cadence) that serves an alarm of this period."""
    return HIGH_RESOLUTION_SECONDS if period < STANDARD_RESOLUTION_SECONDS else STANDARD_RESOLUTION_SECONDS


def period_start(timestamp: float, period: int) -> int:
    """Start of the epoch-aligned period containing ``timestamp`` (``[start, start+period)``)."""
    return int(math.floor(timestamp / period) * period)


def new_bucket(*, sketch: bool = True) -> dict[str, Any]:
    """An empty bucket. Without ``sketch`` it answers only SampleCount, Sum, Minimum, Maximum and
    Average (percentiles and the other extended statistics give None): the sketch is most of a
    bucket's size (bench/alarms.py), so a worker keeps it only for metrics such an alarm reads."""
    # Minimum/Maximum are None while empty: JSON has no infinity
    return {"SampleCount": 0.0, "Sum": 0.0, "Minimum": None, "Maximum": None,
            "Sketch": new_sketch() if sketch else None}


def add_value(bucket: dict[str, Any], value: float, count: float = 1.0) -> dict[str, Any]:
    """Add ``count`` samples of ``value`` to ``bucket`` in place and return it."""
    bucket["SampleCount"] += count
    bucket["Sum"] += value * count
    low = bucket["Minimum"]
    if low is None or value < low:
        bucket["Minimum"] = value
    high = bucket["Maximum"]
    if high is None or value > high:
        bucket["Maximum"] = value
    if bucket["Sketch"] is not None:
        add_to_sketch(bucket["Sketch"], value, count)
    return bucket


def merge_buckets(into: dict[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``other`` into ``into`` in place (associative and commutative) and return it."""
    if other["SampleCount"] <= 0:
        return into
    into["SampleCount"] += other["SampleCount"]
    into["Sum"] += other["Sum"]
    if into["Minimum"] is None or (other["Minimum"] is not None and other["Minimum"] < into["Minimum"]):
        into["Minimum"] = other["Minimum"]
    if into["Maximum"] is None or (other["Maximum"] is not None and other["Maximum"] > into["Maximum"]):
        into["Maximum"] = other["Maximum"]
    if other.get("Sketch") is None:
        into["Sketch"] = None  # part of the samples has no sketch: no percentile for the merge
    elif into["Sketch"] is not None:
        merge_sketches(into["Sketch"], other["Sketch"])
    return into


def aggregate(
    buckets: Mapping[int, Mapping[str, Any]], start: float, end: float
) -> dict[str, Any] | None:
    """Merge every bucket whose key lies in ``[start, end)``; None when there is none."""
    result = None
    for key, bucket in buckets.items():
        if start <= int(key) < end and bucket["SampleCount"] > 0:
            if result is None:
                result = new_bucket()
            merge_buckets(result, bucket)
    return result


def retention_seconds(alarms: Iterable[Any]) -> int:
    """How long buckets must be kept: the longest evaluation range (plus delay) over ``alarms``."""
    longest = 0
    for alarm in alarms:
        longest = max(longest, alarm.evaluation_range * alarm.period + alarm.evaluation_delay + alarm.period)
    return longest


def expire_buckets(buckets: dict[Any, Any], now: float, retention: float) -> list[Any]:
    """Drop buckets that start before ``now - retention``; returns the dropped keys.

    ``now`` is the evaluation time (wall clock of the timer), not the watermark, so a silent
    metric still loses its old buckets.
    """
    horizon = now - retention
    dropped = [key for key in buckets if int(key) < horizon]
    for key in dropped:
        del buckets[key]
    return dropped


def advance_watermark(watermark: float | None, event_time: float, allowed_lateness: float) -> float:
    """Event-time watermark: the newest event time seen minus the allowed lateness, never lower."""
    candidate = event_time - allowed_lateness
    return candidate if watermark is None or candidate > watermark else watermark


def closed_before(period_begin: float, period: int, watermark: float) -> bool:
    """True when the period ``[period_begin, period_begin+period)`` is closed by the watermark."""
    return period_begin + period <= watermark


MAX_DATUM_AGE_SECONDS = 14 * 86400  # PutMetricData accepts data up to two weeks old
MAX_DATUM_FUTURE_SECONDS = 2 * 3600  # ... and up to two hours in the future


def check_datum_time(timestamp: float, now: float) -> str | None:
    """None if PutMetricData would accept a datum stamped ``timestamp`` at ``now``, else the
    reason (for a dead letter)."""
    if timestamp < now - MAX_DATUM_AGE_SECONDS:
        return "The timestamp is more than two weeks in the past."
    if timestamp > now + MAX_DATUM_FUTURE_SECONDS:
        return "The timestamp is more than two hours in the future."
    return None


def to_epoch(value: Any) -> float:
    """Epoch seconds from an ISO 8601 string or a number (see pipeline.timestamps)."""
    try:
        return parse_timestamp(value).timestamp()
    except ValueError as error:
        raise MetricDataError(f"invalid timestamp {value!r}: {error}") from None


def iso_timestamp(timestamp: float) -> str:
    """``2026-11-24T10:00:00+00:00`` — how the AWS CLI prints timestamps."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat()


def reason_timestamp(timestamp: float) -> str:
    """``24/11/26 10:00:00`` (DD/MM/YY HH:MM:SS, UTC) as in StateReason texts."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%d/%m/%y %H:%M:%S")


def reason_data_timestamp(timestamp: float) -> str:
    """``2026-11-24T10:00:00.000+0000`` as in StateReasonData."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
