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
from pipeline.worker.follow import follow_topic_forever

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


async def wait_until_loaded() -> None:
    await archives.ready.wait()


def _apply_archive(record) -> None:
    try:
        archives.apply(record.key.decode("utf-8"), None if record.value is None else json.loads(record.value))
    except Exception:
        log.exception("bad archives record at offset %s ignored", record.offset)


def _loaded() -> None:
    log.info("archives loaded: %d", len(archives.archives))
    archives.ready.set()


@app.task
async def archives_follower() -> None:
    from pipeline.cli.events import archives_topic, ensure_archives_topic

    await asyncio.to_thread(ensure_archives_topic)
    await follow_topic_forever(archives_topic(), _apply_archive, on_caught_up=_loaded)
