"""A second worker joins while metric data flows: every metric-data partition of the alarms agent
must still be committed to its end.

Before pipeline/worker/consumer.py this failed about 3 runs in 10 (docs/performance.md, "The
commit stall after a rebalance"): Faust's fetch loop delivered records fetched before a seek
after it, and a partition the first worker kept then committed one offset per second, or never.
"""

from __future__ import annotations

import threading
import time

import pytest

from pipeline import topics
from pipeline.producer import Producer
from tests.worker.test_scale_out import METRICS, NAMESPACE, PARTITIONS, wait_for
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def alarms() -> str:
    return "".join(f"""
- PutMetricAlarm:
    AlarmName: join-{metric}
    Namespace: {NAMESPACE}
    MetricName: {metric}
    Statistic: Sum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 1000000
    ComparisonOperator: GreaterThanOrEqualToThreshold
    TreatMissingData: notBreaching""" for metric in METRICS)


def committed_and_end(app_id: str) -> list[tuple[int, int]]:
    from kafka import KafkaConsumer, TopicPartition

    from pipeline.kafka_settings import kafka_python_config

    consumer = KafkaConsumer(**kafka_python_config(), group_id=app_id, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topics.topic_name("metric-data"), p) for p in range(PARTITIONS)]
        ends = consumer.end_offsets(tps)
        return [(consumer.committed(tp) or 0, ends[tp]) for tp in tps]
    finally:
        consumer.close()


def test_every_partition_commits_to_its_end_after_a_worker_joins_mid_stream(pipeline_env, start_worker,
                                                                          monkeypatch, tmp_path):
    env = dict(pipeline_env, PIPELINE_PARTITIONS=str(PARTITIONS))
    monkeypatch.setenv("PIPELINE_PARTITIONS", str(PARTITIONS))
    apply_definitions(env, tmp_path / "join.yaml", alarms())
    extra = {"PIPELINE_PARTITIONS": str(PARTITIONS)}
    workers = [start_worker("first", **extra)]

    stop = threading.Event()

    def flow() -> None:  # ~400 data/s spread over the 4 partitions until told to stop
        with Producer() as producer:
            i = 0
            while not stop.is_set():
                now_ms = int(time.time() * 1000)
                for metric in METRICS:
                    producer.send("metric-data", {"Namespace": NAMESPACE, "MetricName": metric,
                                                  "Timestamp": now_ms, "Value": 1.0, "Unit": "Count"})
                i += 1
                if i % 25 == 0:
                    producer.flush()
                    time.sleep(0.25)

    sender = threading.Thread(target=flow, daemon=True)
    sender.start()
    time.sleep(4)
    workers.append(start_worker("second", **extra))
    time.sleep(6)
    stop.set()
    sender.join(10)

    app_id = env["PIPELINE_APP_ID"]
    positions = None

    def all_committed():
        nonlocal positions
        positions = committed_and_end(app_id)
        return all(committed >= end for committed, end in positions)

    try:
        wait_for(all_committed, 45, "every metric-data partition committed to its end")
    except AssertionError:
        logs = "\n".join(f"--- {worker.name}: warnings and errors\n{notable_lines(worker.log_text())}"
                         for worker in workers)
        raise AssertionError(f"(committed, end) per partition: {positions}\n{logs}") from None


def notable_lines(log: str, limit: int = 60) -> str:
    lines = [line for line in log.splitlines() if "[WARNING]" in line or "[ERROR]" in line]
    return "\n".join(line[:300] for line in lines[-limit:])
