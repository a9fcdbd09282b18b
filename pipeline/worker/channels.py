"""Faust topics for the catalog roles. Values stay raw bytes: agents decode them themselves,
so a record that cannot be decoded reaches the dead-letter topic instead of Faust's log."""

from __future__ import annotations

from functools import lru_cache

import faust

from pipeline import topics
from pipeline.worker.app import app


@lru_cache(maxsize=None)
def channel(name: str) -> faust.TopicT:
    """A raw topic by Kafka topic name (catalog topics, buses, targets)."""
    spec = topics.role_of(name)
    partitions = 1 if spec is not None and spec.single_partition else topics.partitions()
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw",
                     value_serializer="raw", partitions=partitions)


def role_channel(role: str) -> faust.TopicT:
    return channel(topics.topic_name(role))


_tracked: set[str] = set()


def kafka_producer():
    """The aiokafka producer under the app's Faust producer (batch stages append to its batches)."""
    return app.producer._ensure_producer()


async def track_topic(name: str) -> None:
    """Make the producer's metadata keep tracking ``name`` (once per topic and process).

    aiokafka only tracks a topic it had to look up: one it first found in the all-topics metadata
    it fetched at start is dropped from the metadata as soon as any other topic is looked up, and
    batches for the dropped topic then wait for a partition leader forever, silently. Seen here
    as alarm state changes and archive records that never left the worker once a target or
    action topic had been looked up. Adding the topic explicitly keeps it.
    """
    if name in _tracked:
        return
    try:
        client = kafka_producer().client
    except Exception:  # not the aiokafka driver, or not started: nothing to work around
        client = None
    if client is not None:
        await client.add_topic(name)
        _tracked.add(name)


async def producing_channel(name: str) -> faust.TopicT:
    """``channel(name)`` for a topic this worker writes to, tracked by the producer's metadata."""
    await track_topic(name)
    return channel(name)


async def track_catalog_topics() -> None:
    for spec in topics.CATALOG:
        await track_topic(topics.topic_name(spec.role))
