"""EventBridge archives in the worker: follow the archives topic, keep matching bus events.

``pipeline create-archive`` writes ``Archive/<name>`` records (JSON) to the compacted topic
``<prefix>eventbridge-archives`` (see pipeline.cli.events). Every worker reads that topic from the
beginning and follows it, like the definitions topic; the bus agent
(pipeline.worker.agents.eventbus) asks :data:`archives` which archives keep an event and writes
it to ``<prefix>archive.<name>``. Events that carry ``replay-name`` are never archived again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from pipeline.eventbus.archive import archive_matches
from pipeline.worker.app import app

log = logging.getLogger(__name__)


class ArchiveRuntime:
    def __init__(self) -> None:
        self.archives: dict[str, dict[str, Any]] = {}  # name -> archive
        self.ready = asyncio.Event()

    def apply(self, key: str, document: dict[str, Any] | None) -> None:
        kind, _, name = key.partition("/")
        if kind != "Archive":
            return  # replays are the CLI's records
        if document is None or document.get("State", "ENABLED") != "ENABLED":
            self.archives.pop(name, None)
        else:
            self.archives[name] = document

    def matching(self, bus: str, event: dict[str, Any]) -> list[str]:
        """Names of the archives of ``bus`` that keep ``event``."""
        if not self.archives or "replay-name" in event:
            return []
        return [name for name, archive in self.archives.items()
                if archive["EventSourceBus"] == bus and archive_matches(archive, event)]


archives = ArchiveRuntime()


async def wait_until_loaded(timeout_s: float = 60.0) -> None:
    await asyncio.wait_for(archives.ready.wait(), timeout_s)


async def follow_archives(poll_timeout_ms: int = 500) -> None:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from pipeline.cli.events import archives_topic, ensure_archives_topic
    from pipeline.kafka_settings import aiokafka_config

    topic = archives_topic()
    await asyncio.to_thread(ensure_archives_topic)
    consumer = AIOKafkaConsumer(**aiokafka_config(), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partition_ids = consumer.partitions_for_topic(topic)
        while not partition_ids:
            await consumer._client.force_metadata_update()
            partition_ids = consumer.partitions_for_topic(topic)
        partitions = [TopicPartition(topic, p) for p in sorted(partition_ids)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        while True:
            batches = await consumer.getmany(timeout_ms=poll_timeout_ms)
            for records in batches.values():
                for record in records:
                    try:
                        archives.apply(record.key.decode("utf-8"),
                                       None if record.value is None else json.loads(record.value))
                    except Exception:
                        log.exception("bad archives record at offset %s ignored", record.offset)
            if not archives.ready.is_set():
                positions = [await consumer.position(p) for p in partitions]
                if all(pos >= end[p] for pos, p in zip(positions, partitions)):
                    log.info("archives loaded: %d", len(archives.archives))
                    archives.ready.set()
    finally:
        await consumer.stop()


@app.task
async def archives_follower() -> None:
    while True:
        try:
            await follow_archives()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("following the archives topic failed; retrying in 5s")
            await asyncio.sleep(5)
