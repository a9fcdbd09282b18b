"""GetMetricStatistics over period buckets (pure)."""

from __future__ import annotations

import bisect
import math
from typing import Any, Iterable, Mapping

from pipeline.alarms.errors import AlarmValidationError
from pipeline.alarms.periods import iso_timestamp, merge_buckets, new_bucket
from pipeline.alarms.statistics import STATISTICS, parse_extended_statistic, statistic_value

__all__ = ["get_metric_statistics"]

MAX_DATAPOINTS = 1440  # GetMetricStatistics refuses larger answers


def get_metric_statistics(
    buckets: Mapping[Any, Mapping[str, Any]],
    start: float,
    end: float,
    period: int,
    statistics: Iterable[str] = (),
    extended_statistics: Iterable[str] = (),
    *,
    label: str = "",
    unit: str = "None",
) -> dict[str, Any]:
    """``{"Label": ..., "Datapoints": [...]}`` like GetMetricStatistics.

    :param buckets: ``{bucket start (epoch s): bucket}``; bucket size must divide ``period``.
    :param start: inclusive, rounded down to the period; ``end``: exclusive.
    Datapoints are stamped with their period start and sorted by time (AWS leaves them
    unordered); periods without samples are left out, as AWS does.
    """
    statistics = list(statistics)
    extended = [(text, parse_extended_statistic(text)) for text in extended_statistics]
    if not statistics and not extended:
        raise AlarmValidationError("At least one of the parameters Statistics and ExtendedStatistics must be specified.")
    for name in statistics:
        if name not in STATISTICS:
            raise AlarmValidationError(f"Invalid value for Statistics: {name!r}. Expected one of {', '.join(STATISTICS)}.")
    first = int(math.floor(start / period) * period)
    if (end - first) / period > MAX_DATAPOINTS:
        raise AlarmValidationError(
            f"You have requested up to {math.ceil((end - first) / period)} datapoints, which exceeds the limit of "
            f"{MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the "
            "time range."
        )
    pairs = sorted((int(k), k) for k in buckets)
    keys = [p[0] for p in pairs]
    datapoints = []
    moment = first
    while moment < end:
        lo, hi = bisect.bisect_left(keys, moment), bisect.bisect_left(keys, min(moment + period, end))
        merged = new_bucket()
        for i in range(lo, hi):
            merge_buckets(merged, buckets[pairs[i][1]])
        if merged["SampleCount"] > 0:
            point: dict[str, Any] = {"Timestamp": iso_timestamp(moment)}
            for name in statistics:
                point[name] = statistic_value(merged, name)
            if extended:
                point["ExtendedStatistics"] = {text: statistic_value(merged, extended=spec) for text, spec in extended}
            point["Unit"] = unit
            datapoints.append(point)
        moment += period
    return {"Label": label, "Datapoints": datapoints}
