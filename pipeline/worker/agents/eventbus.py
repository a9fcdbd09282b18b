"""Event buses: match every event against the bus's rules and deliver to their targets.

One agent follows every bus topic: the default bus and the custom buses named in
``PIPELINE_EVENT_BUSES`` (comma-separated; topic ``event-bus.<name>``). A new custom bus needs a
worker restart: Faust's pattern subscriptions did not subscribe next to named topics here.
Deliveries and their retries are in pipeline.worker.deliveries; scheduled rules fire from a
leader-only timer.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import datetime, timezone

from pipeline import topics
from pipeline.codec import DecodeError, codec_for
from pipeline.eventbus import parse_schedule, scheduled_event
from pipeline.worker.app import app
from pipeline.worker.channels import role_channel
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded
from pipeline.worker.deliveries import Delivery, attempt_all, settle
from pipeline.worker.event_rules import EventRuleRuntime, rule_arn
from pipeline.worker.settings import account_id, region

log = logging.getLogger(__name__)

runtime = EventRuleRuntime(store)
bus_codec = codec_for("event-bus")
_default_bus = topics.topic_name("event-bus")

CUSTOM_BUSES = [b.strip() for b in os.environ.get("PIPELINE_EVENT_BUSES", "").split(",") if b.strip()]
bus_topics = app.topic(*[topics.bus_topic(b) for b in ["default", *CUSTOM_BUSES]], key_type=bytes,
                       value_type=bytes, key_serializer="raw", value_serializer="raw",
                       partitions=topics.partitions())


def bus_of(topic: str) -> str:
    return "default" if topic == _default_bus else topic[len(_default_bus) + 1:]


@app.agent(bus_topics)
async def route_bus_events(stream):
    await wait_until_loaded()
    async for events in stream.take_events(200, within=0.1):
        deliveries = []
        for event in events:
            message = event.message
            try:
                bus_event = bus_codec.decode(event.value, record_time_ms=int(message.timestamp * 1000))
            except DecodeError as error:
                await send_dead_letter(event, "decode", error)
                continue
            bus = bus_of(message.topic)
            try:
                matched = runtime.deliveries(bus, bus_event)
            except Exception as error:
                log.exception("rule matching failed on %s[%s]@%s", message.topic, message.partition, message.offset)
                await send_dead_letter(event, "event-pattern", error)
                continue
            now_ms = int(time.time() * 1000)
            deliveries.extend(Delivery(event=bus_event, bus=bus, rule=rule, target=target,
                                       source=(message.topic, message.partition, message.offset),
                                       first_attempt_ms=now_ms)
                              for rule, target in matched)
        await attempt_all(deliveries)


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
        await _retry(delivery)


async def _retry(delivery: Delivery) -> None:
    from pipeline.worker.deliveries import send

    try:
        await (await send(delivery))
    except Exception as error:
        await settle(delivery, error)


_last_tick: dict[str, datetime] = {}


@app.timer(interval=1.0, on_leader=True)
async def fire_scheduled_rules() -> None:
    """One "Scheduled Event" per tick of each scheduled rule, from the leader only.

    Event ids are derived from rule and tick, so if leadership moves mid-tick a repeat carries
    the same id and consumers can drop it.
    """
    now = datetime.now(timezone.utc)
    for name, body in runtime.scheduled_rules():
        schedule = parse_schedule(body["ScheduleExpression"])
        last = _last_tick.setdefault(name, now)
        tick = schedule.next_after(last)
        if tick is None or tick > now:
            continue
        _last_tick[name] = tick
        bus, _, rule = name.partition("/")
        arn = rule_arn(bus, rule)
        event = scheduled_event(rule_arn=arn, time=tick, account=account_id(), region=region(),
                                event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}@{tick.isoformat()}")))
        # a scheduled event goes straight to its own rule's targets, as in EventBridge
        await attempt_all([Delivery(event=event, bus=bus, rule=rule, target=target,
                                    source=(topics.bus_topic(bus), -1, -1),
                                    first_attempt_ms=int(time.time() * 1000))
                           for target in runtime.targets.get(name, ())])
