"""BatchStage keeps one batch in flight: batch N is committed only after N+1 was handled and N's
writes were acknowledged; a failure rewinds every batch not committed, earliest offsets first."""

from __future__ import annotations

import asyncio
from collections import namedtuple

import pytest

from pipeline.worker import batch_stage
from pipeline.worker.batch_stage import BatchStage, Outbox
from tests.worker.test_outbox import FakeProducer

TP = namedtuple("TP", "topic partition")
Record = namedtuple("Record", "topic partition offset value")


class FakeConsumer:
    def __init__(self) -> None:
        self.commits: list[dict] = []
        self.seeks: list[tuple[TP, int]] = []

    async def commit(self, offsets: dict) -> None:
        self.commits.append(dict(offsets))

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


def batch(tp: TP, first: int, count: int, value: bytes = b"ok") -> dict:
    return {tp: [Record(tp.topic, tp.partition, offset, value) for offset in range(first, first + count)]}


A, B = TP("in", 0), TP("in", 1)


def stage_writing_to(handled: list) -> BatchStage:
    async def handler(records, out: Outbox) -> None:
        handled.append([(r.partition, r.offset) for r in records])
        for record in records:
            if record.value == b"handler-fails":
                raise RuntimeError("engine down")
            await out.send("bad" if record.value == b"write-fails" else "out", None, record.value)

    return BatchStage("test", lambda: ["in"], handler, producer=lambda: None)


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(batch_stage, "RETRY_PAUSE_S", 0)


def test_a_batch_is_committed_once_the_next_one_is_handled_and_the_last_when_quiet():
    async def scenario():
        stage, consumer = stage_writing_to([]), FakeConsumer()
        out = Outbox(FakeProducer({"out": 1}))
        await stage._deliver(consumer, batch(A, 0, 3), out)
        assert consumer.commits == []  # in flight
        await stage._deliver(consumer, batch(A, 3, 2), out)
        assert consumer.commits == [{A: 3}]
        await stage._settle_in_flight(consumer)  # what a quiet poll, a revocation or a stop does
        assert consumer.commits == [{A: 3}, {A: 5}]
        assert consumer.seeks == []

    asyncio.run(scenario())


def test_failed_writes_of_the_batch_in_flight_rewind_it_and_the_batch_handled_after_it():
    async def scenario():
        handled: list = []
        stage, consumer = stage_writing_to(handled), FakeConsumer()
        out = Outbox(FakeProducer({"out": 1, "bad": 1}, failing={"bad"}))
        await stage._deliver(consumer, {**batch(A, 0, 2, b"write-fails")}, out)
        await stage._deliver(consumer, {**batch(A, 2, 2), **batch(B, 7, 1)}, out)
        assert consumer.commits == []
        # A goes back to 0 (the failed batch), not 2; B, only in the later batch, to its start
        assert consumer.seeks == [(A, 0), (B, 7)]
        assert stage._in_flight is None
        await stage._settle_in_flight(consumer)
        assert consumer.commits == []

    asyncio.run(scenario())


def test_a_handler_failure_commits_the_whole_batch_before_it_and_rewinds_its_own():
    async def scenario():
        stage, consumer = stage_writing_to([]), FakeConsumer()
        out = Outbox(FakeProducer({"out": 1}))
        await stage._deliver(consumer, batch(A, 0, 2), out)
        await stage._deliver(consumer, batch(A, 2, 2, b"handler-fails"), out)
        assert consumer.commits == [{A: 2}]
        assert consumer.seeks == [(A, 2)]
        assert stage._in_flight is None

    asyncio.run(scenario())


def test_records_sent_after_sealing_belong_to_the_next_batch():
    async def scenario():
        producer = FakeProducer({"out": 1}, capacity=100)
        out = Outbox(producer)
        await out.send("out", None, b"first")
        sealed = await out.seal()
        await out.send("out", None, b"second")
        await sealed.settled()
        assert [records for _, _, records in producer.shipped] == [[(None, b"first")]]
        await out.flushed()
        assert [records for _, _, records in producer.shipped][-1] == [(None, b"second")]

    asyncio.run(scenario())


def test_a_failed_batch_whose_partitions_moved_away_still_holds_back_the_batch_after_it():
    class MovedAway(FakeConsumer):
        def seek(self, tp, offset):
            if tp == A:
                raise RuntimeError("partition not assigned")  # aiokafka's IllegalStateError
            super().seek(tp, offset)

    async def scenario():
        stage, consumer = stage_writing_to([]), MovedAway()
        out = Outbox(FakeProducer({"out": 1, "bad": 1}, failing={"bad"}))
        await stage._deliver(consumer, batch(A, 0, 2, b"write-fails"), out)
        await stage._deliver(consumer, batch(B, 5, 2), out)
        assert consumer.commits == []  # B's offsets are not committed past a failure
        assert consumer.seeks == [(B, 5)]

    asyncio.run(scenario())
