"""The one way a worker sends a record it could not process: to the dead-letter topic, with why."""

from __future__ import annotations

import logging
import time

from pipeline.codec import codec_for
from pipeline.worker.channels import role_channel

log = logging.getLogger(__name__)


def dead_letter_record(*, value: bytes | None, key: bytes | None, topic: str, partition: int,
                       offset: int, stage: str, error: BaseException) -> dict:
    return {
        "original": value, "originalKey": key, "sourceTopic": topic,
        "sourcePartition": partition, "sourceOffset": offset, "stage": stage,
        "error": str(error) or repr(error), "errorType": type(error).__name__,
        "time": int(time.time() * 1000),
    }


async def send_dead_letter(event, stage: str, error: BaseException) -> None:
    """``event`` is a Faust event whose value is the raw bytes that failed."""
    message = event.message
    await send_dead_letter_raw(value=message.value if isinstance(message.value, bytes) else None,
                               key=message.key if isinstance(message.key, bytes) else None,
                               topic=message.topic, partition=message.partition,
                               offset=message.offset, stage=stage, error=error)


async def send_record_dead_letter(record, stage: str, error: BaseException):
    """``record`` is an aiokafka ConsumerRecord (batch stages); returns the acknowledgement to
    wait for before the batch's offsets are committed."""
    return await send_dead_letter_raw(value=record.value, key=record.key, topic=record.topic,
                                      partition=record.partition, offset=record.offset, stage=stage, error=error)


async def send_dead_letter_raw(**fields):
    """Send a dead letter; returns the broker's acknowledgement (an awaitable)."""
    record = dead_letter_record(**fields)
    log.warning("dead letter from %s[%s]@%s at %s: %s", record["sourceTopic"],
                record["sourcePartition"], record["sourceOffset"], record["stage"], record["error"])
    return await role_channel("dead-letters").send(key=fields.get("key"),
                                                   value=codec_for("dead-letters").encode(record), force=True)
