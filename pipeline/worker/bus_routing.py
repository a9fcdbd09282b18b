"""Routing events of a bus: match them against the bus's rules, archive them, deliver them.

Two stages route: the event-bus stage (events put on a bus topic) and the CloudTrail stage,
which routes the "AWS API Call via CloudTrail" events it makes itself (one decode and no bus
round trip). Both collect one batch in a :class:`Routing` and finish it before their commit.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pipeline.cli.events import archive_topic
from pipeline.codec import codec_for
from pipeline.worker.agents import archives as archive_agent
from pipeline.worker.batch_stage import Outbox
from pipeline.worker.channels import producing_channel
from pipeline.worker.deadletter import send_dead_letter_raw
from pipeline.worker.definitions import store, wait_until_loaded
from pipeline.worker.deliveries import Delivery, attempt_all
from pipeline.worker.event_rules import EventRuleRuntime, rule_arn

runtime = EventRuleRuntime(store)
bus_codec = codec_for("event-bus")


async def rules_and_archives_loaded() -> None:
    await wait_until_loaded()
    await archive_agent.wait_until_loaded()


async def archive(bus: str, bus_event: dict, source: tuple[str, int, int]) -> list:
    """Write the event to every archive of its bus that keeps it; (future, name, value, source)
    for each write, to await with :func:`settle_archived`."""
    names = archive_agent.archives.matching(bus, bus_event)
    if not names:
        return []
    value = bus_codec.encode(bus_event)
    writes = []
    for name in names:
        topic = await producing_channel(archive_topic(name))
        writes.append((await topic.send(key=bus_event["id"].encode(), value=value, force=True), name, value, source))
    return writes


async def settle_archived(writes: list) -> None:
    """Wait for the archive writes of a batch; one the broker refused goes to the dead letters."""
    results = await asyncio.gather(*(future for future, *_ in writes), return_exceptions=True)
    for (_, name, value, (topic, partition, offset)), result in zip(writes, results):
        if isinstance(result, BaseException):
            await send_dead_letter_raw(value=value, key=None, topic=topic, partition=partition, offset=offset,
                                       stage=f"archive {name}", error=result)


class Routing:
    """The deliveries and archive writes of one batch of events."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.archived: list = []

    async def add(self, bus: str, bus_event: dict[str, Any], source: tuple[str, int, int],
                  allowed_rules: set[str] | None = None) -> None:
        """Match and archive one event (raises if the engine fails on it: nothing was added then
        but archive writes already started); ``allowed_rules``: the only rule ARNs it may reach."""
        matched = runtime.deliveries(bus, bus_event)
        if allowed_rules is not None:
            matched = [(rule, target) for rule, target in matched if rule_arn(bus, rule) in allowed_rules]
        self.archived.extend(await archive(bus, bus_event, source))
        self.deliveries.extend(Delivery(event=bus_event, bus=bus, rule=rule, target=target, source=source)
                               for rule, target in matched)

    async def finish(self, out: Outbox) -> None:
        """First attempts into ``out`` (acknowledged or settled with it), then the archives."""
        now_ms = int(time.time() * 1000)  # the first attempts are made now, one clock read per batch
        for delivery in self.deliveries:
            delivery.first_attempt_ms = now_ms
        await attempt_all(self.deliveries, out)
        if self.archived:  # on the archive before the batch's offsets can be committed
            await settle_archived(self.archived)
