"""Log events -> metric data: decode and validate, apply the log group's metric filters.

A batch stage (pipeline.worker.batch_stage): a record that cannot be decoded or processed goes to
the dead-letter topic with the reason, and the stage carries on with the next one. A log event
whose filters were applied where it was written (the ``pipeline-metric-filters: applied`` header,
see pipeline.worker.agents.cloudtrail) is passed by undecoded.
"""

from __future__ import annotations

import logging
import time

from pipeline import topics
from pipeline.codec import DecodeError, codec_for
from pipeline.keys import key_for
from pipeline.metric_data import fold_metric_data
from pipeline.worker.app import app
from pipeline.worker.batch_stage import BatchStage, Outbox
from pipeline.worker.channels import kafka_producer
from pipeline.worker.deadletter import send_record_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded
from pipeline.worker.metric_filters import DefaultValueClock, MetricFilterRuntime, default_data

log = logging.getLogger(__name__)

runtime = MetricFilterRuntime(store)
clocks: dict[int, DefaultValueClock] = {}  # per source partition: event time is per partition
IDLE_CHECK_S = 10.0

log_codec = codec_for("log-events")
FILTERS_APPLIED = [("pipeline-metric-filters", b"applied")]
metric_codec = codec_for("metric-data")


async def publish_data(out: Outbox, data) -> None:
    """Folded per metric and second first (pipeline.metric_data): a batch of log
    events gives one record per metric and second, not one per match."""
    metric_topic = topics.topic_name("metric-data")
    for datum in fold_metric_data(data):
        await out.send(metric_topic, key_for("metric-data", datum), metric_codec.encode(datum))


def filters_applied(headers) -> bool:
    return any(key == "pipeline-metric-filters" and value == b"applied" for key, value in headers)


async def apply_metric_filters(records, out: Outbox) -> None:
    now = time.time()
    data = []
    touched: set[int] = set()
    for record in records:
        if record.headers and filters_applied(record.headers):
            continue
        try:
            log_event = log_codec.decode(record.value, record_time_ms=record.timestamp)
        except DecodeError as error:
            out.track(await send_record_dead_letter(record, "decode", error))
            continue
        try:
            event_data, matched = runtime.evaluate(log_event)
        except Exception as error:  # an engine bug on one record must not stop the stream
            log.exception("metric filters failed on %s[%s]@%s", record.topic, record.partition, record.offset)
            out.track(await send_record_dead_letter(record, "metric-filter", error))
            continue
        data.extend(event_data)
        clock = clocks.get(record.partition)
        if clock is None:
            clock = clocks[record.partition] = DefaultValueClock()
        clock.record(log_event["logGroupName"], log_event["timestamp"], matched, now)
        touched.add(record.partition)
    for partition in touched:  # minutes the batch moved past are closed once per batch
        data.extend(default_data(runtime, clocks[partition].closed()))
    await publish_data(out, data)


_last_idle_check = 0.0


async def flush_idle_minutes(out: Outbox) -> None:
    """Close minutes of partitions that went quiet, so their default values still go out."""
    global _last_idle_check
    now = time.time()
    if now - _last_idle_check < IDLE_CHECK_S:
        return
    _last_idle_check = now
    for clock in clocks.values():
        await publish_data(out, default_data(runtime, clock.closed_if_idle(now)))


metric_filter_stage = app.service(BatchStage(
    "metric-filters", lambda: [topics.topic_name("log-events")], apply_metric_filters,
    producer=kafka_producer, ready=wait_until_loaded, between_batches=flush_idle_minutes))
