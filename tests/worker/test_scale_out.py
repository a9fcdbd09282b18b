"""Two `pipeline worker` processes on 4 partitions: each record once, each alarm once, and the
survivor takes over the stopped worker's partitions and alarm state (from the changelogs).

Four log groups and four metrics are chosen so that each lands on its own partition (log events
are keyed by log group, metric data by metric), so both workers own some of each. All data is
stamped in one future 10 s period P: the alarms (Sum >= 1 over 10 s, one per metric) evaluate P
only when the wall clock passes P + 20 s, after the takeover, so the datapoint in their ALARM
transition is the exact sum of what both workers added to the metric's buckets, before and after
the stop.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections import Counter, defaultdict

import pytest

from pipeline import topics
from pipeline.alarms.model import metric_key
from pipeline.producer import Producer
from pipeline.worker.alarm_runtime import partition_of
from tests.fixtures.kafka_io import read_records, read_metric_samples
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PARTITIONS = 4
NAMESPACE = "Scale"


def _one_per_partition(candidates) -> list[str]:
    chosen: dict[int, str] = {}
    for name, key in candidates:
        chosen.setdefault(partition_of(key, PARTITIONS), name)
        if len(chosen) == PARTITIONS:
            return [chosen[p] for p in range(PARTITIONS)]
    raise AssertionError("no names for every partition")


GROUPS = _one_per_partition((f"/scale/app-{i}", f"/scale/app-{i}") for i in range(1000))
METRICS = _one_per_partition((f"Errors{i}", metric_key(NAMESPACE, f"Errors{i}")) for i in range(1000))


def definitions() -> str:
    entries = []
    for group, metric in zip(GROUPS, METRICS):
        entries.append(f"""
- PutMetricFilter:
    logGroupName: {group}
    filterName: errors
    filterPattern: ERROR
    metricTransformations: [{{metricName: {metric}, metricNamespace: {NAMESPACE}, metricValue: '1'}}]
- PutMetricAlarm:
    AlarmName: scale-{metric}
    Namespace: {NAMESPACE}
    MetricName: {metric}
    Statistic: Sum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 1
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: notBreaching""")
    return "".join(entries)


def metric_data_partitions(log_text: str) -> set[int] | None:
    """The metric-data partitions of the worker's latest assignment (from Faust's table; the batch
    stages' consumers log theirs the same way, for their own groups ``<app id>-<stage>``)."""
    app_id = os.environ["PIPELINE_APP_ID"]
    blocks = [b for b in log_text.split("Setting newly assigned partitions")[1:]
              if re.search(rf"\+ for group {re.escape(app_id)} *\n", b)]
    if not blocks:
        return None
    name = re.escape(topics.topic_name("metric-data"))
    found = re.search(rf"\| {name} +\| \{{([^}}]*)\}}", blocks[-1])
    if found is None:
        return set()
    partitions: set[int] = set()
    for part in found.group(1).split(","):
        low, _, high = part.strip().partition("-")
        partitions.update(range(int(low), int(high or low) + 1))
    return partitions


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def produce(counts: list[int], stamp_ms: int) -> None:
    with Producer() as producer:
        for group, count in zip(GROUPS, counts):
            for i in range(count):
                for message in (f"ERROR request {i} failed", f"INFO request {i} ok"):
                    producer.send("log-events", {"logGroupName": group, "logStreamName": "s",
                                                 "timestamp": stamp_ms + i, "message": message})


def metric_counts(expected_total: int, timeout_s: float) -> tuple[Counter, int]:
    data = read_metric_samples(count=expected_total, timeout_s=timeout_s)
    # a little more time: a duplicate arriving late must still be seen
    data = read_metric_samples(count=expected_total + 1, timeout_s=3)
    return Counter({metric: sum(d["value"]["Value"] for d in data if d["value"]["MetricName"] == metric)
                    for metric in METRICS}), len(data)


def test_two_workers_share_partitions_and_survivor_takes_over_exactly(pipeline_env, start_worker, monkeypatch,
                                                                      tmp_path):
    env = dict(pipeline_env, PIPELINE_PARTITIONS=str(PARTITIONS))
    monkeypatch.setenv("PIPELINE_PARTITIONS", str(PARTITIONS))
    apply_definitions(env, tmp_path / "scale.yaml", definitions())

    extra = {"PIPELINE_PARTITIONS": str(PARTITIONS), "PIPELINE_ALARM_TICK_S": "2"}
    first = start_worker("first", **extra)
    second = start_worker("second", **extra)

    # both workers hold some partitions of every topic, together all of them, none twice
    def shared():
        a, b = metric_data_partitions(first.log_text()), metric_data_partitions(second.log_text())
        return a and b and not a & b and a | b == set(range(PARTITIONS)) and (a, b)

    first_parts, second_parts = wait_for(shared, 60, "both workers to get partitions")

    # one future period P for all data: its alarms evaluate only when the clock passes P + 20 s
    period_start = math.ceil((time.time() + 30) / 10) * 10
    stamp_ms = period_start * 1000 + 1000
    before = [50 + 10 * i for i in range(PARTITIONS)]
    produce(before, stamp_ms)
    sums, records = metric_counts(sum(before), timeout_s=60)
    assert records == sum(before), "each log event once, before the stop"
    assert [sums[m] for m in METRICS] == before

    # stop the first worker: the second takes over all partitions (and the first's alarm state)
    log_offset = len(second.log_text())
    first.stop()
    wait_for(lambda: metric_data_partitions(second.log_text()[log_offset:]) == set(range(PARTITIONS)),
             60, "the survivor to take over every partition")
    second.wait_for_log("Worker ready", 60, start=log_offset)
    assert time.time() < period_start + 15, "takeover too slow for the period under test"

    after = [30 + 5 * i for i in range(PARTITIONS)]
    produce(after, stamp_ms + 100)
    total = [b + a for b, a in zip(before, after)]
    sums, records = metric_counts(sum(total), timeout_s=60)
    assert records == sum(total), "each log event once, after the takeover"
    assert [sums[m] for m in METRICS] == total

    # every alarm goes OK (initial, no data), then ALARM on P with the exact sum, then OK again
    names = [f"scale-{m}" for m in METRICS]
    read_records("alarm-state-changes", count=3 * len(names), timeout_s=period_start + 60 - time.time())
    time.sleep(3)  # a duplicate transition would arrive about now
    changes = read_records("alarm-state-changes", count=10 * len(names), timeout_s=3)
    by_alarm = defaultdict(list)
    for change in changes:
        by_alarm[change["value"]["AlarmName"]].append(change["value"])
    assert sorted(by_alarm) == sorted(names)
    for name, metric, expected in zip(names, METRICS, total):
        states = [(c["OldStateValue"], c["NewStateValue"]) for c in by_alarm[name]]
        assert states == [("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "OK")], (name, states)
        times = [c["StateChangeTime"] for c in by_alarm[name]]
        assert len(set(times)) == len(times), f"{name} evaluated twice at one instant: {times}"
        fired = by_alarm[name][1]
        assert fired["StateChangeTime"] == (period_start + 10) * 1000
        assert fired["StateReasonData"]["recentDatapoints"] == [float(expected)], (name, fired["NewStateReason"])

    assert read_records("dead-letters", count=1, timeout_s=2) == []
    assert first_parts and second_parts  # both had work before the stop
