"""Delivering matched events to rule targets, with EventBridge's RetryPolicy and dead letters.

A delivery that fails with a retriable error is written to the target-retries topic with its
due time (exponential backoff with jitter) and tried again by its own agent, so a slow target
never holds up the bus. A delivery whose retries are exhausted, or that failed for good, goes to
the target's DeadLetterConfig topic, or to the pipeline's dead-letter topic when it has none
(EventBridge would drop it; here nothing is lost).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from pipeline import topics
from pipeline.codec import TopicCodec, codec_for
from pipeline.eventbus.input import render_target_input
from pipeline.worker.channels import channel, role_channel
from pipeline.worker.deadletter import dead_letter_record
from pipeline.worker.event_rules import rule_arn

log = logging.getLogger(__name__)

delivery_codec = TopicCodec("target_delivery")  # every target topic carries this schema

DEFAULT_RETRY_ATTEMPTS = 185
DEFAULT_MAX_AGE_S = 86_400


@dataclass
class Delivery:
    event: dict[str, Any]
    bus: str
    rule: str
    target: dict[str, Any]
    source: tuple[str, int, int]  # topic, partition, offset of the event on its bus
    attempt: int = 1
    first_attempt_ms: int = 0

    def to_document(self, due_ms: int, error: str) -> dict[str, Any]:
        return {"event": self.event, "bus": self.bus, "rule": self.rule, "target": self.target,
                "source": list(self.source), "attempt": self.attempt,
                "firstAttemptMs": self.first_attempt_ms, "dueMs": due_ms, "lastError": error}

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "Delivery":
        return cls(event=document["event"], bus=document["bus"], rule=document["rule"],
                   target=document["target"], source=tuple(document["source"]),
                   attempt=document["attempt"], first_attempt_ms=document["firstAttemptMs"])


class DeliveryError(Exception):
    def __init__(self, code: str, message: str, retriable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retriable = retriable


def classify(error: BaseException) -> DeliveryError:
    """EventBridge-style ERROR_CODE and whether another attempt can help."""
    if isinstance(error, DeliveryError):
        return error
    name = type(error).__name__
    message = f"{name}: {error}"
    if "Authorization" in name:
        return DeliveryError("NO_PERMISSIONS", message, False)
    if name in ("InvalidTopicError", "UnknownTopicOrPartitionError"):
        return DeliveryError("NO_RESOURCE", message, name == "UnknownTopicOrPartitionError")
    if name in ("MessageSizeTooLargeError", "RecordTooLargeError"):
        return DeliveryError("PAYLOAD_TOO_LARGE", message, False)
    if "Timeout" in name or "TimedOut" in name:
        return DeliveryError("TIMEOUT", message, True)
    return DeliveryError("DELIVERY_FAILED", message, bool(getattr(error, "retriable", False)))


def render(delivery: Delivery) -> bytes:
    """The TargetDelivery record for one attempt; DeliveryError if the input cannot be built."""
    try:
        text = render_target_input(delivery.target, delivery.event, rule_name=delivery.rule,
                                   rule_arn=rule_arn(delivery.bus, delivery.rule))
    except Exception as error:
        raise DeliveryError("INPUT_TRANSFORMATION_FAILED", f"{type(error).__name__}: {error}", False) from None
    return delivery_codec.encode({
        "input": text, "ruleName": delivery.rule, "eventBusName": delivery.bus,
        "targetId": delivery.target["Id"], "eventId": delivery.event.get("id", ""),
        "attempt": delivery.attempt, "time": int(time.time() * 1000)})


async def send(delivery: Delivery):
    """Start one attempt; returns the future of the broker's acknowledgement."""
    value = render(delivery)
    target_topic = topics.target_topic(delivery.target["Arn"])
    return await channel(target_topic).send(key=delivery.event.get("id", "").encode(), value=value)


def backoff_s(attempt: int) -> float:
    return min(60.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


async def settle(delivery: Delivery, error: BaseException) -> None:
    """After a failed attempt: schedule the next one, or give up to a dead-letter topic."""
    failure = classify(error)
    policy = delivery.target.get("RetryPolicy") or {}
    max_attempts = policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS)
    max_age_ms = policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S) * 1000
    now_ms = int(time.time() * 1000)
    due_ms = now_ms + int(backoff_s(delivery.attempt) * 1000)
    exhausted = None
    if failure.retriable:
        if delivery.attempt > max_attempts:  # attempt 1 is not a retry
            exhausted = "MaximumRetryAttempts"
        elif due_ms - delivery.first_attempt_ms > max_age_ms:
            exhausted = "MaximumEventAgeInSeconds"
        else:
            document = delivery.to_document(due_ms, str(failure))
            await role_channel("target-retries").send(
                key=delivery.event.get("id", "").encode(),
                value=codec_for("target-retries").encode(
                    {"type": "TargetRetry", "document": document, "time": now_ms}))
            return
    await dead_letter(delivery, failure, exhausted)


async def dead_letter(delivery: Delivery, failure: DeliveryError, exhausted: str | None) -> None:
    dead_letter_arn = (delivery.target.get("DeadLetterConfig") or {}).get("Arn")
    destination = topics.target_topic(dead_letter_arn) if dead_letter_arn else topics.topic_name("dead-letters")
    source_topic, partition, offset = delivery.source
    record = dead_letter_record(
        value=json.dumps(delivery.event).encode(), key=None, topic=source_topic, partition=partition,
        offset=offset, stage=f"target {delivery.rule}/{delivery.target['Id']}",
        error=RuntimeError(f"{failure.code}: {failure}"))
    record["errorType"] = failure.code
    headers = {
        "RULE_ARN": rule_arn(delivery.bus, delivery.rule),
        "TARGET_ARN": delivery.target["Arn"] if delivery.target["Arn"].startswith("kafka:") else f"kafka:{delivery.target['Arn']}",
        "ERROR_CODE": failure.code,
        "ERROR_MESSAGE": str(failure),
        "RETRY_ATTEMPTS": str(delivery.attempt - 1),
    }
    if exhausted:
        headers["EXHAUSTED_RETRY_CONDITION"] = exhausted
    log.warning("target %s of rule %s gave up on event %s: %s", delivery.target["Id"], delivery.rule,
                delivery.event.get("id"), failure)
    await channel(destination).send(key=delivery.event.get("id", "").encode(),
                                    value=codec_for("dead-letters").encode(record),
                                    headers={k: v.encode() for k, v in headers.items()})


async def attempt_all(deliveries: list[Delivery]) -> None:
    """One attempt each; failures are settled (retry topic or dead letters)."""
    started = []
    for delivery in deliveries:
        try:
            started.append((delivery, await send(delivery)))
        except Exception as error:
            await settle(delivery, error)
    if not started:
        return
    results = await asyncio.gather(*(future for _, future in started), return_exceptions=True)
    for (delivery, _), result in zip(started, results):
        if isinstance(result, BaseException):
            await settle(delivery, result)
