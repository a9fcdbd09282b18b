"""Reading a whole topic on every worker: definitions, archives, configuration history.

A plain aiokafka consumer without a group (every worker must see every record, which a Faust
consumer group would split), all partitions from the beginning, forever. ``on_caught_up`` runs
once when the positions first reach the end offsets seen at start, so callers can wait for a
complete view; a failure restarts the consumer after a pause instead of stopping the worker.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Callable

from pipeline.kafka_settings import aiokafka_config

log = logging.getLogger(__name__)

OnRecord = Callable[[Any], Any]  # an aiokafka ConsumerRecord; may return an awaitable


async def follow_topic(topic: str, on_record: OnRecord, *, on_caught_up: Callable[[], None] | None = None,
                       poll_timeout_ms: int = 500) -> None:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(**aiokafka_config(), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partition_ids = consumer.partitions_for_topic(topic)
        while not partition_ids:  # not in the metadata read at start (just created), or not there yet
            await consumer._client.force_metadata_update()
            partition_ids = consumer.partitions_for_topic(topic)
            if not partition_ids:
                await asyncio.sleep(0.5)
        partitions = [TopicPartition(topic, p) for p in sorted(partition_ids)]
        # the end offsets before assigning: asked after, aiokafka answers ~0.5 s later (a
        # metadata refresh it waits for), which every follower paid at worker start
        end = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        caught_up = on_caught_up is None
        while True:
            # checked before each poll: an empty topic is caught up at once, not one poll later
            if not caught_up and await _reached(consumer, end):
                caught_up = True
                on_caught_up()
            batches = await consumer.getmany(timeout_ms=poll_timeout_ms)
            for records in batches.values():
                for record in records:
                    result = on_record(record)
                    if inspect.isawaitable(result):
                        await result
    finally:
        await consumer.stop()


async def _reached(consumer, end) -> bool:
    for partition, offset in end.items():
        if await consumer.position(partition) < offset:
            return False
    return True


async def follow_topic_forever(topic: str, on_record: OnRecord, *, retry_s: float = 5.0, **options: Any) -> None:
    """:func:`follow_topic`, restarted after any failure (a broker hiccup, a bug in a handler)."""
    while True:
        try:
            await follow_topic(topic, on_record, **options)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("following %s failed; retrying in %.0fs", topic, retry_s)
            await asyncio.sleep(retry_s)
