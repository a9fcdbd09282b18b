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
    partitions = 1 if spec is not None and spec.compacted else topics.partitions()
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw",
                     value_serializer="raw", partitions=partitions)


def role_channel(role: str) -> faust.TopicT:
    return channel(topics.topic_name(role))
