"""Event buses: match every event against the bus's rules and deliver to their targets.

One batch stage (pipeline.worker.batch_stage) follows every bus topic by pattern: the default bus
``event-bus`` and every custom bus ``event-bus.<name>``, also one created while workers run (seen
within ``PIPELINE_BUS_DISCOVERY_MS``, default 5 s). Buses named in ``PIPELINE_EVENT_BUSES``
(comma-separated) are created at start.
Deliveries and their retries are in pipeline.worker.deliveries; scheduled rules fire from a
leader-only timer (pipeline.worker.agents.schedules). Events kept by an archive (pipeline.worker.agents.archives) are written to the
archive's topic before their deliveries start. A replayed event (``replay-name`` set) whose bus
record carries the ``pipeline-replay-filter-arns`` header goes only to the rules listed there
(StartReplay's Destination.FilterArns).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time

from pipeline import topics
from pipeline.codec import DecodeError, codec_for
from pipeline.cli.events import REPLAY_FILTER_HEADER
from pipeline.worker.app import app
from pipeline.worker.batch_stage import BatchStage, Outbox
from pipeline.worker.channels import kafka_producer, role_channel, track_topic
from pipeline.worker.deadletter import send_dead_letter, send_record_dead_letter
from pipeline.worker.bus_routing import Routing, bus_codec, rules_and_archives_loaded
from pipeline.worker.deliveries import Delivery, deliver_now

log = logging.getLogger(__name__)

_default_bus = topics.topic_name("event-bus")

CUSTOM_BUSES = topics.custom_buses()


@app.task
async def track_bus_topics() -> None:
    """The CloudTrail, Config and alarm agents write to the default bus through plain channels;
    keep the custom bus topics (not in the catalog) in the producer's metadata too (channels.track_topic)."""
    for bus in ["default", *CUSTOM_BUSES]:
        await track_topic(topics.bus_topic(bus))


def bus_of(topic: str) -> str:
    return "default" if topic == _default_bus else topic[len(_default_bus) + 1:]


def _header(message, name: str) -> bytes | None:
    headers = message.headers or ()
    items = headers.items() if isinstance(headers, dict) else headers
    for key, value in items:
        if key == name:
            return value
    return None


def replay_filter(message, bus_event: dict) -> set[str] | None:
    """The rule ARNs a replayed event may reach (None: every matching rule)."""
    if "replay-name" not in bus_event:
        return None
    raw = _header(message, REPLAY_FILTER_HEADER)
    return None if not raw else set(json.loads(raw))


async def route_bus_events(records, out: Outbox) -> None:
    """One batch of bus records: match each event, archive it, then deliver to the targets."""
    routing = Routing()
    for record in records:
        try:
            bus_event = bus_codec.decode(record.value, record_time_ms=record.timestamp)
        except DecodeError as error:
            out.track(await send_record_dead_letter(record, "decode", error))
            continue
        try:
            await routing.add(bus_of(record.topic), bus_event, (record.topic, record.partition, record.offset),
                              replay_filter(record, bus_event))
        except Exception as error:
            log.exception("rule matching failed on %s[%s]@%s", record.topic, record.partition, record.offset)
            out.track(await send_record_dead_letter(record, "event-pattern", error))
    await routing.finish(out)


def bus_topic_pattern() -> str:
    """Every bus topic, also those of buses created while the worker runs."""
    return rf"^{re.escape(_default_bus)}(\.[A-Za-z0-9_-][A-Za-z0-9._-]*)?$"


BUS_DISCOVERY_MS = int(os.environ.get("PIPELINE_BUS_DISCOVERY_MS", "5000"))
bus_stage = app.service(BatchStage("event-bus", None, route_bus_events, pattern=bus_topic_pattern,
                                   metadata_max_age_ms=BUS_DISCOVERY_MS, producer=kafka_producer,
                                   ready=rules_and_archives_loaded, max_records=1000))


@app.agent(role_channel("target-retries"))
async def retry_target_deliveries(stream):
    codec = codec_for("target-retries")
    async for event in stream.events():
        try:
            document = codec.decode(event.value)["document"]
            delivery = Delivery.from_document(document)
        except Exception as error:
            await send_dead_letter(event, "decode", error)
            continue
        wait_s = (document["dueMs"] - time.time() * 1000) / 1000
        if wait_s > 0:
            await app.sleep(wait_s)  # holds only this retry partition, never a bus
        delivery.attempt += 1
        await deliver_now([delivery])  # a failure is settled again: the next retry or a dead letter

