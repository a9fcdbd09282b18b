"""batch_stage.Outbox without a broker: partitions as the default partitioner picks them, full
producer batches shipped and continued, failures settled per record or raised for the batch."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.partitioner import DefaultPartitioner

from pipeline.worker.batch_stage import Outbox


class FakeBatch:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[tuple[bytes | None, bytes | None]] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def append(self, *, timestamp, key, value, headers=()):
        if self.closed or len(self.records) >= self.capacity:
            return None
        self.records.append((key, value))
        return object()


class FakeClient:
    def __init__(self, partitions: dict[str, int]) -> None:
        self.partitions = partitions
        self.added: list[str] = []

    async def add_topic(self, topic: str) -> None:
        self.added.append(topic)

    async def _wait_on_metadata(self, topic: str) -> set[int]:
        return set(range(self.partitions[topic]))


class FakeProducer:
    def __init__(self, partitions: dict[str, int], failing: set[str] = frozenset(), capacity: int = 3) -> None:
        self.client = FakeClient(partitions)
        self.failing = failing
        self.capacity = capacity
        self.shipped: list[tuple[str, int, list]] = []

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int):
        # aiokafka's sender lets an open batch linger (producer_linger) for more records; the
        # outbox knows a batch is complete and must close it, so it goes at once
        assert batch.closed, "an outbox batch shipped open"
        self.shipped.append((topic, partition, batch.records))
        future = asyncio.get_running_loop().create_future()
        if topic in self.failing:
            future.set_exception(RuntimeError(f"{topic} refused"))
        else:
            future.set_result(None)
        return future


def run(coroutine):
    return asyncio.run(coroutine)


def test_keys_go_where_the_default_partitioner_puts_them():
    producer = FakeProducer({"out": 7}, capacity=1000)

    async def scenario():
        out = Outbox(producer)
        for i in range(200):
            await out.send("out", f"key-{i}".encode(), b"v")
        await out.flushed()

    run(scenario())
    placed = {key: partition for _, partition, records in producer.shipped for key, _ in records}
    expected = {f"key-{i}".encode(): DefaultPartitioner()(f"key-{i}".encode(), list(range(7)), list(range(7)))
                for i in range(200)}
    assert placed == expected
    assert producer.client.added == ["out"]  # tracked once (channels.track_topic's reason)


def test_a_full_batch_is_shipped_and_the_rest_continues_in_a_new_one():
    producer = FakeProducer({"out": 1}, capacity=3)

    async def scenario():
        out = Outbox(producer)
        for i in range(7):
            await out.send("out", None, str(i).encode())
        await out.flushed()

    run(scenario())
    assert [[v for _, v in records] for _, _, records in producer.shipped] == [
        [b"0", b"1", b"2"], [b"3", b"4", b"5"], [b"6"]]


def test_failures_are_settled_per_record_or_fail_the_batch():
    producer = FakeProducer({"good": 1, "bad": 1}, failing={"bad"})
    settled: list[tuple[bytes, str]] = []

    def settle(value):
        async def handler(error):
            settled.append((value, str(error)))
        return handler

    async def with_handlers():
        out = Outbox(producer)
        await out.send("good", None, b"a", on_failure=settle(b"a"))
        await out.send("bad", None, b"b", on_failure=settle(b"b"))
        await out.send("bad", None, b"c", on_failure=settle(b"c"))
        await out.flushed()  # nothing raised: each failed record was settled

    run(with_handlers())
    assert settled == [(b"b", "bad refused"), (b"c", "bad refused")]

    async def without_handler():
        out = Outbox(producer)
        await out.send("good", None, b"a")
        await out.send("bad", None, b"b")
        await out.flushed()

    with pytest.raises(RuntimeError, match="bad refused"):  # the stage then reads the batch again
        run(without_handler())


def test_tracked_acknowledgements_are_awaited_and_their_failure_raised():
    producer = FakeProducer({"out": 1})

    async def scenario():
        out = Outbox(producer)
        failed = asyncio.get_running_loop().create_future()
        failed.set_exception(OSError("dead letter not written"))
        out.track(failed)
        await out.flushed()

    with pytest.raises(OSError, match="dead letter not written"):
        run(scenario())
