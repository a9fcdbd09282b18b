"""Reading a whole topic from the CLI: every record from the beginning to the end offsets seen
at the start (records written meanwhile are left for the next call). A missing topic reads as
empty. Commands that answer from topics (describe-alarms, get-resource-config-history, ...)
build their answer from these records."""

from __future__ import annotations

import time
from typing import Any

from pipeline.errors import PipelineError


def read_topic(name: str, timeout_s: float = 30.0) -> list[Any]:
    """kafka-python ConsumerRecords of topic ``name``, in offset order per partition."""
    from kafka import KafkaConsumer, TopicPartition

    from pipeline.kafka_settings import kafka_python_config

    consumer = KafkaConsumer(**kafka_python_config(), enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or [])]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        found: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(p) < end[p] for p in partitions):
            if time.monotonic() > deadline:
                raise PipelineError(f"reading topic {name} took longer than {timeout_s:.0f}s")
            for partition, records in consumer.poll(timeout_ms=1000).items():
                found.extend(record for record in records if record.offset < end[partition])
        return found
    finally:
        consumer.close()


def latest_by_key(records) -> dict[str, Any]:
    """A compacted topic's current view: the newest record per key, tombstones removing keys."""
    current: dict[str, Any] = {}
    for record in records:
        key = (record.key or b"").decode("utf-8", "replace")
        if record.value is None:
            current.pop(key, None)
        else:
            current[key] = record
    return current
