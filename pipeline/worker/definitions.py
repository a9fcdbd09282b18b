"""Every worker reads the whole compacted definitions topic into a DefinitionStore and follows it.

A plain consumer without a group (every worker must see every definition) feeds the store;
engines subscribe to their kinds and rebuild on change. Agents wait for ``ready`` (the topic read
up to its end at start) so the first records are not processed without definitions.
"""

from __future__ import annotations

import asyncio
import logging

from pipeline import topics
from pipeline.codec import codec_for
from pipeline.definitions import DefinitionStore
from pipeline.kafka_settings import aiokafka_config

log = logging.getLogger(__name__)

store = DefinitionStore()
_ready: asyncio.Event | None = None


def ready_event() -> asyncio.Event:
    global _ready
    if _ready is None:
        _ready = asyncio.Event()
    return _ready


async def wait_until_loaded(timeout_s: float = 60.0) -> None:
    await asyncio.wait_for(ready_event().wait(), timeout_s)


def apply_record(key: bytes | None, value: bytes | None) -> None:
    """One definitions-topic record into the store; a bad one is logged, never loaded."""
    if key is None:
        log.error("definitions record without a key ignored")
        return
    body = None if value is None else codec_for("definitions").decode(value)["body"]
    store.apply_record(key.decode("utf-8"), None if body is None else _to_json(body))


def _to_json(body) -> str:
    import json

    return body if isinstance(body, str) else json.dumps(body)


async def _caught_up(consumer, end) -> bool:
    for partition, offset in end.items():
        if await consumer.position(partition) < offset:
            return False
    return True


async def follow_definitions_forever(retry_s: float = 5.0) -> None:
    """Follow the topic; a broker hiccup restarts the consumer instead of stopping the worker."""
    while True:
        try:
            await follow_definitions()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("following the definitions topic failed; retrying in %.0fs", retry_s)
            await asyncio.sleep(retry_s)


async def follow_definitions(poll_timeout_ms: int = 500) -> None:
    """Read the definitions topic from the beginning, forever."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from pipeline.worker.deadletter import send_dead_letter_raw

    topic = topics.topic_name("definitions")
    consumer = AIOKafkaConsumer(**aiokafka_config(), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        # all partitions, though we create the topic with one: a producer may have auto-created it
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
                        apply_record(record.key, record.value)
                    except Exception as error:
                        await send_dead_letter_raw(
                            value=record.value, key=record.key, topic=record.topic,
                            partition=record.partition, offset=record.offset,
                            stage="definition", error=error)
            if not ready_event().is_set() and await _caught_up(consumer, end):
                log.info("definitions loaded: %d", len(store))
                ready_event().set()
    finally:
        await consumer.stop()
