"""`pipeline get-metric-data`: GetMetricData (MetricStat queries and metric math expressions)
answered from the metric-data topic, read from the beginning like get-metric-statistics."""

from __future__ import annotations

import argparse
from typing import Any, Mapping, Sequence


def register(subparsers) -> None:
    command = subparsers.add_parser(
        "get-metric-data", help="GetMetricData: metric statistics and metric math from the metric-data topic",
        description="GetMetricData computed by reading the whole metric-data topic. --metric-data-queries takes "
                    "the MetricDataQueries list (Id, MetricStat{Metric, Period, Stat, Unit} or Expression, "
                    "Label, ReturnData, Period) as JSON or file://path. Dimensions must match exactly, as in "
                    "AWS. Metric math functions: docs/metric-math.md.")
    command.add_argument("--metric-data-queries", required=True, metavar="JSON|file://PATH")
    command.add_argument("--start-time", required=True, metavar="T", help="ISO 8601 or epoch seconds (inclusive)")
    command.add_argument("--end-time", required=True, metavar="T", help="ISO 8601 or epoch seconds (exclusive)")
    command.add_argument("--scan-by", choices=("TimestampDescending", "TimestampAscending"),
                         default="TimestampDescending")
    command.set_defaults(handler=get_metric_data)


def get_metric_data(args: argparse.Namespace) -> int:
    from pipeline.cli.cloudwatch import decoded_records, epoch_argument, json_argument, read_topic
    from pipeline.cli.output import print_json
    from pipeline.alarms.model import metric_key
    from pipeline.metricmath import answer_queries, parse_queries

    parsed = parse_queries(json_argument(args.metric_data_queries, "--metric-data-queries"))  # before reading
    start, end = epoch_argument(args.start_time, "--start-time"), epoch_argument(args.end_time, "--end-time")
    by_metric: dict[str, list[Mapping[str, Any]]] = {}  # each datum's metric key computed once
    for _, datum in decoded_records("metric-data", read_topic("metric-data")):
        key = metric_key(datum["Namespace"], datum["MetricName"], datum.get("Dimensions"))
        by_metric.setdefault(key, []).append(datum)
    print_json(answer_queries(parsed, start, end, lambda stat, grid: statistic_per_period(by_metric, stat, grid),
                              scan_by=args.scan_by))
    return 0


def statistic_per_period(by_metric: Mapping[str, Sequence[Mapping[str, Any]]], metric_stat: Mapping[str, Any],
                         grid: Sequence[int]) -> dict[int, float]:
    """The MetricStat's statistic for each period of ``grid`` that has data of its metric (and
    unit, when the MetricStat names one); ``by_metric``: the data by metric key."""
    from pipeline.alarms import add_value, new_bucket, period_start
    from pipeline.alarms.model import metric_key
    from pipeline.alarms.statistics import STATISTICS, parse_extended_statistic, statistic_value
    from pipeline.metric_data import samples_of

    metric = metric_stat["Metric"]
    wanted = metric_key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions"))
    period, unit, stat = metric_stat["Period"], metric_stat.get("Unit"), metric_stat["Stat"]
    first, end = (grid[0], grid[-1] + period) if grid else (0, 0)
    buckets: dict[int, dict] = {}
    for datum in by_metric.get(wanted, ()):
        moment = datum["Timestamp"] / 1000
        if not first <= moment < end:
            continue
        if unit and (datum.get("Unit") or "None") != unit:
            continue
        bucket = buckets.setdefault(period_start(moment, period), new_bucket(sketch=stat not in STATISTICS))
        for value, count in samples_of(datum):
            add_value(bucket, value, count)
    extended = None if stat in STATISTICS else parse_extended_statistic(stat)
    found = {}
    for start, bucket in buckets.items():
        value = statistic_value(bucket, None if extended else stat, extended)
        if value is not None:
            found[start] = value
    return found
