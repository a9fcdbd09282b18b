"""The worker's delivery decisions without a broker: error codes, retry topic or dead letter,
and the AWS attributes a dead letter carries (decisions come from pipeline.eventbus.retry)."""

from __future__ import annotations

import asyncio
import time

import pytest

from pipeline.eventbus.retry import RetryDecision
from pipeline.worker import deliveries
from pipeline.worker.deliveries import Delivery, DeliveryError, classify, decide


class FakeTopic:
    def __init__(self, name: str, sent: list) -> None:
        self.name, self.sent = name, sent

    async def send(self, **kwargs):
        self.sent.append((self.name, kwargs))


@pytest.fixture
def sent(monkeypatch):
    records: list = []

    async def producing_channel(name):
        return FakeTopic(name, records)

    monkeypatch.setattr(deliveries, "producing_channel", producing_channel)
    return records


def delivery(first_attempt_ms: int = 1_000_000, **target) -> Delivery:
    return Delivery(event={"id": "e1", "detail": {}}, bus="default", rule="r1",
                    target={"Id": "t1", "Arn": "out", **target}, source=("event-bus", 0, 7),
                    attempt=1, first_attempt_ms=first_attempt_ms)


class KafkaTimeoutError(Exception):
    pass


class MessageSizeTooLargeError(Exception):
    retriable = False


class UnknownTopicOrPartitionError(Exception):
    retriable = True


def test_error_codes():
    assert classify(KafkaTimeoutError("slow")).code == "TIMEOUT"
    assert classify(MessageSizeTooLargeError("big")).code == "PAYLOAD_TOO_LARGE"
    assert classify(UnknownTopicOrPartitionError()).code == "NO_RESOURCE"
    assert classify(RuntimeError("boom")).code == "DELIVERY_FAILED"


def test_decisions_come_from_the_retry_module():
    policy = {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60}
    first = delivery(RetryPolicy=policy)
    assert decide(first, DeliveryError("TIMEOUT", "x"), 1_000_500, 0.5) == RetryDecision(retry=True, delay_s=0.5)
    second = delivery(RetryPolicy=policy)
    second.attempt = 2
    assert decide(second, DeliveryError("TIMEOUT", "x"), 1_002_000, 0.5) == \
        RetryDecision(retry=False, exhausted="MaximumRetryAttempts")
    assert decide(first, DeliveryError("TIMEOUT", "x"), 1_000_000 + 59_900, 0.5).exhausted == "MaximumEventAgeInSeconds"
    assert decide(first, DeliveryError("NO_RESOURCE", "x"), 1_000_000, 0.5) == RetryDecision(retry=False)
    assert decide(first, DeliveryError("PAYLOAD_TOO_LARGE", "x"), 1_000_000, 0.5) == RetryDecision(retry=False)


def test_retriable_failure_goes_to_the_retry_topic(sent, monkeypatch):
    monkeypatch.setattr(deliveries.random, "random", lambda: 0.5)
    asyncio.run(deliveries.settle(delivery(int(time.time() * 1000)), KafkaTimeoutError("slow")))
    [(topic, kwargs)] = sent
    assert topic.endswith("target-retries") and kwargs["key"] == b"e1"
    document = deliveries.codec_for("target-retries").decode(kwargs["value"])["document"]
    assert document["attempt"] == 1 and document["lastError"] == "TIMEOUT: KafkaTimeoutError: slow"
    assert document["dueMs"] - int(time.time() * 1000) <= 500  # BASE_DELAY_S * 0.5
    assert document["dueMs"] - document["firstAttemptMs"] >= 0
    assert Delivery.from_document(document).target["Arn"] == "out"


def test_exhausted_retries_go_to_the_dead_letter_config_with_aws_attributes(sent):
    failed = delivery(int(time.time() * 1000), RetryPolicy={"MaximumRetryAttempts": 1}, DeadLetterConfig={"Arn": "dlq"})
    failed.attempt = 2  # the first retry failed as well
    asyncio.run(deliveries.settle(failed, KafkaTimeoutError("slow")))
    [(topic, kwargs)] = sent
    assert topic.endswith("dlq")
    headers = {k: v.decode() for k, v in kwargs["headers"].items()}
    assert headers == {"RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/r1", "TARGET_ARN": "kafka:out",
                       "ERROR_CODE": "TIMEOUT", "ERROR_MESSAGE": "KafkaTimeoutError: slow",
                       "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "1"}
    letter = deliveries.codec_for("dead-letters").decode(kwargs["value"])
    assert letter["stage"] == "target r1/t1" and letter["sourceOffset"] == 7


def test_non_retriable_failure_without_dead_letter_config_goes_to_the_pipeline_dead_letters(sent):
    asyncio.run(deliveries.settle(delivery(), UnknownTopicOrPartitionError("gone")))
    [(topic, kwargs)] = sent
    assert topic.endswith("dead-letters")
    assert kwargs["headers"]["ERROR_CODE"] == b"NO_RESOURCE" and "EXHAUSTED_RETRY_CONDITION" not in kwargs["headers"]
    assert kwargs["headers"]["RETRY_ATTEMPTS"] == b"0"


def test_a_refused_archive_write_is_dead_lettered(monkeypatch):
    from pipeline.worker import bus_routing

    letters = []

    async def send_dead_letter_raw(**fields):
        letters.append(fields)

    monkeypatch.setattr(bus_routing, "send_dead_letter_raw", send_dead_letter_raw)

    async def run():
        ok, refused = asyncio.get_running_loop().create_future(), asyncio.get_running_loop().create_future()
        ok.set_result(None)
        refused.set_exception(RuntimeError("refused"))
        await bus_routing.settle_archived([(ok, "a", b"v1", ("bus", 0, 1)), (refused, "b", b"v2", ("bus", 1, 5))])

    asyncio.run(run())
    assert [(l["stage"], l["value"], l["offset"]) for l in letters] == [("archive b", b"v2", 5)]
