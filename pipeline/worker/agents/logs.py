"""Log events -> metric data: decode and validate, apply the log group's metric filters.

A record that cannot be decoded or processed goes to the dead-letter topic with the reason; the
agent carries on with the next one.
"""

from __future__ import annotations

import logging
import time

from pipeline.codec import DecodeError, codec_for
from pipeline.keys import key_for
from pipeline.worker.app import app
from pipeline.worker.channels import role_channel
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded
from pipeline.worker.metric_filters import DefaultValueClock, MetricFilterRuntime, default_data

log = logging.getLogger(__name__)

runtime = MetricFilterRuntime(store)
clocks: dict[int, DefaultValueClock] = {}  # per source partition: event time is per partition

log_codec = codec_for("log-events")
metric_codec = codec_for("metric-data")
metric_channel = role_channel("metric-data")


async def publish_data(data) -> None:
    for datum in data:
        await metric_channel.send(key=key_for("metric-data", datum), value=metric_codec.encode(datum))


@app.agent(role_channel("log-events"))
async def apply_metric_filters(stream):
    await wait_until_loaded()
    async for events in stream.take_events(500, within=0.2):
        for event in events:
            message = event.message
            try:
                log_event = log_codec.decode(event.value, record_time_ms=int(message.timestamp * 1000))
            except DecodeError as error:
                await send_dead_letter(event, "decode", error)
                continue
            try:
                data, matched = runtime.evaluate(log_event)
            except Exception as error:  # an engine bug on one record must not stop the stream
                log.exception("metric filters failed on %s[%s]@%s", message.topic, message.partition,
                              message.offset)
                await send_dead_letter(event, "metric-filter", error)
                continue
            await publish_data(data)
            clock = clocks.setdefault(message.partition, DefaultValueClock())
            clock.record(log_event["logGroupName"], log_event["timestamp"], matched, time.time())
            await publish_data(default_data(runtime, clock.closed()))


@app.timer(interval=10.0)
async def flush_idle_minutes() -> None:
    """Close minutes of partitions that went quiet, so their default values still go out."""
    now = time.time()
    for clock in clocks.values():
        await publish_data(default_data(runtime, clock.closed_if_idle(now)))
