"""The worker's Faust consumer keeps committing across the seeks of a rebalance (no broker).

The states below are the ones logged from real workers when a second worker joined mid-stream
(docs/performance.md, "The commit stall after a rebalance"); Faust's own bookkeeping is run on the
same states to show what it did."""

from __future__ import annotations

import asyncio
from collections import namedtuple

import faust
import pytest
from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from pipeline.worker import consumer as consumer_module
from pipeline.worker.consumer import SeekSafeConsumer, new_transport

DATA = TP("metric-data", 2)
Message = namedtuple("Message", "topic partition offset")


def new_consumer(**settings):
    app = faust.App("seek-safe-consumer-test", broker="kafka://127.0.0.1:1", **settings)

    async def unused(*args):
        raise AssertionError("not called without a broker")

    async def app_revoked(revoked):
        pass

    return new_transport(app).create_consumer(callback=unused, on_partitions_revoked=app_revoked,
                                              on_partitions_assigned=unused)


@pytest.fixture
def consumer():
    return new_consumer()


def acknowledge(consumer, offsets) -> None:
    for offset in offsets:
        consumer._acked[DATA].append(offset)
        consumer._acked_index[DATA].add(offset)


def test_the_worker_app_uses_it():
    from pipeline.worker.app import app

    assert app.transport.Consumer is SeekSafeConsumer


def test_a_gap_over_acknowledged_offsets_commits_in_one_step(consumer):
    # 500..599 processed, then a record fetched before the seek registered a gap 501..600
    consumer._committed_offset[DATA] = 500
    acknowledge(consumer, range(500, 700))
    consumer._gap[DATA].addi(501, 601)

    assert consumer._new_offset(DATA) == 700
    assert not consumer._acked[DATA] and not consumer._acked_index[DATA]
    assert consumer._new_offset(DATA) is None


def test_faust_alone_advanced_one_offset_per_commit_on_that_state(consumer):
    consumer._committed_offset[DATA] = 500
    acknowledge(consumer, range(500, 700))
    consumer._gap[DATA].addi(501, 601)

    assert faust_consumer.Consumer._new_offset(consumer, DATA) == 502
    consumer._committed_offset[DATA] = 502
    assert faust_consumer.Consumer._new_offset(consumer, DATA) == 503


def test_a_run_stops_at_the_first_missing_offset_and_the_rest_waits(consumer):
    consumer._committed_offset[DATA] = 10
    acknowledge(consumer, [10, 11, 12, 15, 16])
    assert consumer._new_offset(DATA) == 13
    consumer._committed_offset[DATA] = 13
    assert consumer._new_offset(DATA) is None  # 13 and 14 not acknowledged yet: nothing to commit
    acknowledge(consumer, [13, 14])
    assert consumer._new_offset(DATA) == 17


def test_nothing_is_committed_over_unacknowledged_offsets_at_the_head(consumer):
    consumer._committed_offset[DATA] = 500
    acknowledge(consumer, range(574, 600))
    assert consumer._new_offset(DATA) is None
    acknowledge(consumer, range(500, 574))
    assert consumer._new_offset(DATA) == 600


def test_after_a_batch_fetched_before_a_seek_the_moved_partitions_read_from_the_seek_position(
        consumer, monkeypatch):
    changelog = TP("alarm-states-changelog", 2)
    consumer._read_offset[DATA] = 599
    consumer._read_offset[changelog] = 40
    stale = [(tp, Message(tp.topic, tp.partition, offset))
             for tp, offset in ((DATA, 600), (DATA, 601), (changelog, 41), (DATA, 602))]

    async def batch_fetched_before_the_seek(self, timeout):
        for item in stale:
            yield item

    async def seek_to_committed(self):  # aiokafka moves only partitions with a committed offset
        return {DATA: 500, changelog: None}

    monkeypatch.setattr(faust_consumer.Consumer, "getmany", batch_fetched_before_the_seek)
    monkeypatch.setattr(faust_aiokafka.Consumer, "seek_to_committed", seek_to_committed)
    monkeypatch.setattr(consumer, "_is_changelog_tp", lambda tp: tp == changelog)  # no tables here

    async def fetch_loop() -> list[int]:
        delivered = []
        async for tp, message in consumer.getmany(timeout=1.0):
            delivered.append(message.offset)
            # what Faust's fetch loop does with a record above the read offset
            read = consumer._read_offset[tp]
            if read is not None and message.offset - read > 1:
                consumer._gap[tp].addi(read + 1, message.offset + 1)
            consumer._read_offset[tp] = message.offset
            if message.offset == 600:  # the rebalance's seek happens while 600 is processed
                await consumer.perform_seek()
                assert consumer._read_offset[tp] == 500
        return delivered

    assert asyncio.run(fetch_loop()) == [600, 601, 41, 602]  # every record still delivered
    assert consumer._read_offset[DATA] == 500  # 601 and 602 had set it above the seek position
    assert not consumer._gap.get(DATA)  # 501..601 registered after the seek, wrongly
    assert consumer._read_offset[changelog] == 41  # not moved by the seek: untouched


class ThreadSeeks:
    """aiokafka's side of a seek: what was committed, and the seeks made on the consumer thread."""

    def __init__(self, consumer, monkeypatch, committed: dict) -> None:
        self.seeks: list[tuple[TP, int]] = []

        async def seek_to_committed(_):
            return dict(committed)

        monkeypatch.setattr(faust_aiokafka.Consumer, "seek_to_committed", seek_to_committed)
        monkeypatch.setattr(consumer, "_thread", self)
        monkeypatch.setattr(consumer, "_is_changelog_tp", lambda tp: tp.topic.endswith("-changelog"))

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


def revoke_and_seek(consumer) -> None:
    async def rebalance() -> None:
        await consumer.on_partitions_revoked({DATA})
        await consumer.perform_seek()

    asyncio.run(rebalance())


def test_a_never_committed_partition_is_read_again_after_what_was_acknowledged(consumer, monkeypatch):
    # logged from a bench worker: nothing committed yet, 0 acknowledged (the record in flight
    # during the rebalance), 1..9 taken and cleared from the stream queue; no seek moved it, so
    # 10..180 came next and the commit stopped at 1 for good
    seeks = ThreadSeeks(consumer, monkeypatch, committed={DATA: None})
    revoke_and_seek(consumer)
    assert seeks.seeks == [(DATA, 0)]  # nothing acknowledged before the revocation
    acknowledge(consumer, [0])
    asyncio.run(consumer.perform_seek())  # the seek when recovery is done: read again from 1
    assert seeks.seeks[-1] == (DATA, 1)
    assert consumer._read_offset[DATA] == 1
    acknowledge(consumer, range(10, 181))
    assert consumer._new_offset(DATA) is None  # 1..9 are read again first
    acknowledge(consumer, range(1, 10))
    assert consumer._new_offset(DATA) == 181


def test_what_was_processed_before_the_revocation_is_not_read_again(consumer, monkeypatch):
    # test_scale_out's case: 70 data processed, not committed yet when a worker was stopped
    seeks = ThreadSeeks(consumer, monkeypatch, committed={DATA: None})
    acknowledge(consumer, range(70))
    revoke_and_seek(consumer)  # Faust's own revocation drops the acknowledged offsets
    assert not consumer._acked.get(DATA)
    assert seeks.seeks == [(DATA, 70)]
    assert consumer._read_offset[DATA] == 70
    acknowledge(consumer, [69, 180])  # late acknowledgement of a record before the position
    assert consumer._new_offset(DATA) is None  # 70..179 not yet read again


def test_from_the_start_nothing_is_committed_over_an_unread_head(consumer, monkeypatch):
    ThreadSeeks(consumer, monkeypatch, committed={DATA: None})
    revoke_and_seek(consumer)
    acknowledge(consumer, range(180, 200))  # records taken before the seek, acknowledged after it
    assert consumer._new_offset(DATA) is None
    acknowledge(consumer, range(180))
    assert consumer._new_offset(DATA) == 200


def test_changelogs_committed_partitions_and_latest_reset_are_left_to_aiokafka(consumer, monkeypatch):
    changelog = TP("alarm-states-changelog", 2)
    committed = TP("metric-data", 3)
    seeks = ThreadSeeks(consumer, monkeypatch, committed={changelog: None, committed: 40})
    asyncio.run(consumer.perform_seek())
    reading_latest = new_consumer(consumer_auto_offset_reset="latest")
    latest_seeks = ThreadSeeks(reading_latest, monkeypatch, committed={DATA: None})
    asyncio.run(reading_latest.perform_seek())
    assert seeks.seeks == [] and latest_seeks.seeks == []


def test_a_batch_without_a_seek_is_delivered_whole(consumer, monkeypatch):
    async def batch(self, timeout):
        for offset in (1, 2, 3):
            yield DATA, Message(DATA.topic, DATA.partition, offset)

    monkeypatch.setattr(faust_consumer.Consumer, "getmany", batch)

    async def fetch_loop() -> list[int]:
        return [message.offset async for _, message in consumer.getmany(timeout=1.0)]

    assert asyncio.run(fetch_loop()) == [1, 2, 3]


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr(consumer_module, "_clock", lambda: self.now)


def refetch(consumer, monkeypatch, offsets) -> list[int]:
    """What Faust's fetch loop gets from the consumer after aiokafka fetched ``offsets``."""
    async def batch(self, timeout):
        for offset in offsets:
            yield DATA, Message(DATA.topic, DATA.partition, offset)

    monkeypatch.setattr(faust_consumer.Consumer, "getmany", batch)

    async def fetch_loop() -> list[int]:
        return [message.offset async for _, message in consumer.getmany(timeout=1.0)]

    return asyncio.run(fetch_loop())


def test_a_hole_below_acknowledged_offsets_is_read_again_after_the_grace(consumer, monkeypatch):
    # CI, once: two partitions of a worker stayed committed at 525 while later data was processed
    clock = Clock(monkeypatch)
    seeks = ThreadSeeks(consumer, monkeypatch, committed={})
    consumer._committed_offset[DATA] = 525
    consumer._read_offset[DATA] = 900
    acknowledge(consumer, [*range(530, 600), *range(610, 900)])
    assert consumer._new_offset(DATA) is None
    clock.now += consumer_module.HOLE_GRACE_S - 1
    assert consumer._new_offset(DATA) is None and seeks.seeks == []  # may still be on its way
    clock.now += 1
    assert consumer._new_offset(DATA) is None
    assert seeks.seeks == [(DATA, 525)] and consumer._read_offset[DATA] == 525

    # what was acknowledged is not processed twice; the rest and what follows is
    assert refetch(consumer, monkeypatch, range(525, 905)) == [*range(525, 530), *range(600, 610),
                                                               *range(900, 905)]
    acknowledge(consumer, [*range(525, 530), *range(600, 610), *range(900, 905)])
    assert consumer._new_offset(DATA) == 905
    assert refetch(consumer, monkeypatch, [905, 906]) == [905, 906]  # back to normal


def test_a_hole_filled_within_the_grace_is_left_alone(consumer, monkeypatch):
    clock = Clock(monkeypatch)
    seeks = ThreadSeeks(consumer, monkeypatch, committed={})
    consumer._committed_offset[DATA] = 500
    acknowledge(consumer, range(510, 520))
    assert consumer._new_offset(DATA) is None
    clock.now += consumer_module.HOLE_GRACE_S / 2
    acknowledge(consumer, range(500, 505))
    assert consumer._new_offset(DATA) == 505  # progress: the first hole is forgotten
    consumer._committed_offset[DATA] = 505
    clock.now += consumer_module.HOLE_GRACE_S / 2 + 1
    assert consumer._new_offset(DATA) is None  # a new hole at 505, timed from now
    assert seeks.seeks == []
    clock.now += consumer_module.HOLE_GRACE_S
    assert consumer._new_offset(DATA) is None
    assert seeks.seeks == [(DATA, 505)]


def test_a_rebalance_seek_ends_the_reading_again(consumer, monkeypatch):
    clock = Clock(monkeypatch)
    ThreadSeeks(consumer, monkeypatch, committed={DATA: 525})
    consumer._committed_offset[DATA] = 525
    acknowledge(consumer, range(530, 600))
    consumer._new_offset(DATA)
    clock.now += consumer_module.HOLE_GRACE_S
    consumer._new_offset(DATA)
    asyncio.run(consumer.perform_seek())  # positions set anew by the rebalance
    assert refetch(consumer, monkeypatch, [525, 530]) == [525, 530]


def test_a_never_committed_partition_whose_log_starts_later_still_commits(consumer, monkeypatch):
    # retention deleted the partition's first records before this group ever committed:
    # aiokafka resets the seek to 0 to the log start, and nothing below it will ever come
    ThreadSeeks(consumer, monkeypatch, committed={DATA: None})
    revoke_and_seek(consumer)
    assert refetch(consumer, monkeypatch, [100000, 100001]) == [100000, 100001]
    acknowledge(consumer, [100000, 100001])
    assert consumer._new_offset(DATA) == 100002


def test_a_record_fetched_before_the_seek_does_not_mark_where_the_log_starts(consumer, monkeypatch):
    ThreadSeeks(consumer, monkeypatch, committed={DATA: None})
    stale = iter([DATA])

    async def stale_then_fresh(self, timeout):
        if next(stale, None) is not None:  # first batch: begun before the seek, delivered after it
            await consumer.perform_seek()
            yield DATA, Message(DATA.topic, DATA.partition, 40)
            return
        for offset in (0, 1):
            yield DATA, Message(DATA.topic, DATA.partition, offset)

    monkeypatch.setattr(faust_consumer.Consumer, "getmany", stale_then_fresh)

    async def fetch_loop() -> list[int]:
        delivered = []
        for _ in range(2):
            delivered += [message.offset async for _, message in consumer.getmany(timeout=1.0)]
        return delivered

    assert asyncio.run(fetch_loop()) == [40, 0, 1]
    acknowledge(consumer, [0, 1])
    assert consumer._new_offset(DATA) == 2  # not 41: 2..39 were never read
