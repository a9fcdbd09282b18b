"""Delivering matched events to rule targets, with EventBridge's RetryPolicy and dead letters.

The decisions are pipeline.eventbus.retry's (pure): whether a failed attempt is retried, when,
and which attributes a dead letter carries. This module only turns a Kafka failure into an
ERROR_CODE, reads the clock and the random source, and writes to topics:

* a retriable failure is written to the target-retries topic with its due time and tried again
  by its own agent (pipeline.worker.agents.eventbus), so a slow target never holds up the bus;
* a failure that is not retriable, or whose RetryPolicy is exhausted, goes to the target's
  DeadLetterConfig topic, or to the pipeline's dead-letter topic when it has none (EventBridge
  would drop it; here nothing is lost). The AWS message attributes (RULE_ARN, TARGET_ARN,
  ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS) are Kafka headers.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from pipeline import topics
from pipeline.codec import TopicCodec, codec_for
from pipeline.eventbus.input import render_target_input
from pipeline.eventbus.retry import RetryDecision, dead_letter_attributes, decide_retry
from pipeline.worker.batch_stage import Outbox
from pipeline.worker.channels import kafka_producer, producing_channel
from pipeline.worker.deadletter import dead_letter_record
from pipeline.worker.event_rules import rule_arn

log = logging.getLogger(__name__)

delivery_codec = TopicCodec("target_delivery")  # every target topic carries this schema

# Failures no number of attempts can fix: the same rendered bytes stay too large, the same
# template stays invalid. retry.NON_RETRIABLE holds AWS's own codes (NO_PERMISSIONS, NO_RESOURCE,
# RESOURCE_ALREADY_EXISTS); these are the worker's, decided before decide_retry is asked.
PERMANENT = frozenset({"PAYLOAD_TOO_LARGE", "INPUT_TRANSFORMATION_FAILED", "INVALID_REQUEST"})


@dataclass
class Delivery:
    event: dict[str, Any]
    bus: str
    rule: str
    target: dict[str, Any]
    source: tuple[str, int, int]  # topic, partition, offset of the event on its bus
    attempt: int = 1  # 1 = the first delivery; retries made = attempt - 1
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
    """A failed attempt as EventBridge reports it: an ERROR_CODE and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def classify(error: BaseException) -> DeliveryError:
    """The EventBridge-style ERROR_CODE of a failed attempt (retriability is decided elsewhere)."""
    if isinstance(error, DeliveryError):
        return error
    name = type(error).__name__
    message = f"{name}: {error}"
    if "Authorization" in name:
        return DeliveryError("NO_PERMISSIONS", message)
    if name in ("InvalidTopicError", "UnknownTopicOrPartitionError"):
        return DeliveryError("NO_RESOURCE", message)
    if name in ("MessageSizeTooLargeError", "RecordTooLargeError"):
        return DeliveryError("PAYLOAD_TOO_LARGE", message)
    if "Timeout" in name or "TimedOut" in name:
        return DeliveryError("TIMEOUT", message)
    if "Throttl" in name or "Quota" in name:
        return DeliveryError("THROTTLING", message)
    if getattr(error, "retriable", True) is False:  # kafka errors say whether a retry can help
        return DeliveryError("INVALID_REQUEST", message)
    return DeliveryError("DELIVERY_FAILED", message)


def decide(delivery: Delivery, failure: DeliveryError, now_ms: int, random_fraction: float) -> RetryDecision:
    """Retry (and when) or give up (and why) after ``delivery``'s attempt failed with ``failure``."""
    if failure.code in PERMANENT:
        return RetryDecision(retry=False)
    return decide_retry(delivery.target.get("RetryPolicy"), attempts_made=delivery.attempt - 1,
                        event_age_s=max(0, now_ms - delivery.first_attempt_ms) / 1000,
                        error_code=failure.code, random_fraction=random_fraction)


def target_arn(delivery: Delivery) -> str:
    arn = delivery.target["Arn"]
    return arn if arn.startswith("kafka:") else f"kafka:{arn}"


def render(delivery: Delivery) -> bytes:
    """The TargetDelivery record for one attempt; DeliveryError if the input cannot be built."""
    try:
        text = render_target_input(delivery.target, delivery.event, rule_name=delivery.rule,
                                   rule_arn=rule_arn(delivery.bus, delivery.rule))
    except Exception as error:
        raise DeliveryError("INPUT_TRANSFORMATION_FAILED", f"{type(error).__name__}: {error}") from None
    return delivery_codec.encode({
        "input": text, "ruleName": delivery.rule, "eventBusName": delivery.bus,
        "targetId": delivery.target["Id"], "eventId": delivery.event.get("id", ""),
        "attempt": delivery.attempt, "time": int(time.time() * 1000)})


async def settle(delivery: Delivery, error: BaseException) -> None:
    """After a failed attempt: schedule the next one, or give up to a dead-letter topic."""
    failure = classify(error)
    now_ms = int(time.time() * 1000)
    decision = decide(delivery, failure, now_ms, random.random())
    if decision.retry:
        due_ms = now_ms + int(decision.delay_s * 1000)
        document = delivery.to_document(due_ms, f"{failure.code}: {failure}")
        retries = await producing_channel(topics.topic_name("target-retries"))
        await retries.send(
            key=delivery.event.get("id", "").encode(),
            value=codec_for("target-retries").encode(
                {"type": "TargetRetry", "document": document, "time": now_ms}), force=True)
        return
    await dead_letter(delivery, failure, decision.exhausted)


async def dead_letter(delivery: Delivery, failure: DeliveryError, exhausted: str | None) -> None:
    dead_letter_arn = (delivery.target.get("DeadLetterConfig") or {}).get("Arn")
    destination = topics.target_topic(dead_letter_arn) if dead_letter_arn else topics.topic_name("dead-letters")
    source_topic, partition, offset = delivery.source
    record = dead_letter_record(
        value=json.dumps(delivery.event).encode(), key=None, topic=source_topic, partition=partition,
        offset=offset, stage=f"target {delivery.rule}/{delivery.target['Id']}",
        error=RuntimeError(f"{failure.code}: {failure}"))
    record["errorType"] = failure.code
    headers = dead_letter_attributes(
        rule_arn=rule_arn(delivery.bus, delivery.rule), target_arn=target_arn(delivery),
        error_code=failure.code, error_message=str(failure), exhausted=exhausted,
        retry_attempts=delivery.attempt - 1)
    log.warning("target %s of rule %s gave up on event %s after %d retries: %s", delivery.target["Id"],
                delivery.rule, delivery.event.get("id"), delivery.attempt - 1, failure)
    await (await producing_channel(destination)).send(key=delivery.event.get("id", "").encode(),
                                    value=codec_for("dead-letters").encode(record),
                                    headers={k: v.encode() for k, v in headers.items()}, force=True)


async def attempt_all(deliveries: list[Delivery], out: Outbox) -> None:
    """One attempt each, appended to ``out`` (a batch stage's Outbox): acknowledged when the
    outbox is flushed; a failed attempt is settled (retry topic or dead letters) then."""
    topic_of: dict[str, str] = {}  # target ARN -> topic, once per call (the prefix is read from the environment)
    for delivery in deliveries:
        try:
            value = render(delivery)
            arn = delivery.target["Arn"]
            topic = topic_of.get(arn) or topic_of.setdefault(arn, topics.target_topic(arn))
            await out.send(topic, delivery.event.get("id", "").encode(), value,
                           on_failure=functools.partial(settle, delivery))
        except Exception as error:
            await settle(delivery, error)


async def deliver_now(deliveries: list[Delivery]) -> None:
    """Attempts outside a batch stage (retries, scheduled events), acknowledged or settled here."""
    out = Outbox(kafka_producer())
    await attempt_all(deliveries, out)
    await out.flushed()
