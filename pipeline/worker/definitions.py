"""Every worker reads the whole compacted definitions topic into a DefinitionStore and follows it.

A group-less consumer (pipeline.worker.follow: every worker sees every definition) feeds the store;
engines subscribe to their kinds and rebuild on change. Agents wait for ``ready`` (the topic read
up to its end at start) so the first records are not processed without definitions.
"""

from __future__ import annotations

import asyncio
import logging

from pipeline import topics
from pipeline.codec import codec_for
from pipeline.definitions import DefinitionStore
from pipeline.worker.follow import follow_topic_forever

log = logging.getLogger(__name__)

store = DefinitionStore()
_ready: asyncio.Event | None = None


def ready_event() -> asyncio.Event:
    global _ready
    if _ready is None:
        _ready = asyncio.Event()
    return _ready


async def wait_until_loaded() -> None:
    await ready_event().wait()


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


async def _apply_or_dead_letter(record) -> None:
    from pipeline.worker.deadletter import send_dead_letter_raw

    try:
        apply_record(record.key, record.value)
    except Exception as error:
        await send_dead_letter_raw(value=record.value, key=record.key, topic=record.topic,
                                   partition=record.partition, offset=record.offset,
                                   stage="definition", error=error)


def _loaded() -> None:
    log.info("definitions loaded: %d", len(store))
    ready_event().set()


async def follow_definitions_forever() -> None:
    """Read the definitions topic from the beginning, forever (see pipeline.worker.follow)."""
    await follow_topic_forever(topics.topic_name("definitions"), _apply_or_dead_letter, on_caught_up=_loaded)
