"""Stateless stages as batched Kafka consumers inside the worker process.

Why not Faust agents: a Faust stream costs ~100 us of worker CPU per message (bench/e2e profile)
against a few us for a plain aiokafka fetch, and the stages without tables (CloudTrail delivery,
metric filters, event-bus routing) need nothing from Faust but a consumer group. So each such
stage is a :class:`BatchStage`:

* its own consumer group ``<app id>-<stage>``: workers split its partitions as they split an
  agent's, and a stopped worker's partitions move to the others;
* records handled a batch at a time (``getmany``), outputs sent through the app's producer;
* offsets committed only once every output of the batch is acknowledged (at least once). One
  batch is in flight: batch N+1 is handled while N's outputs travel, then N's acknowledgements
  are awaited and N committed (the broker's round trip no longer idles the stage);
* a rebalance waits for the batch in hand (revocation takes the batch lock, and a stopping
  worker finishes its batch and commits), so partitions that move between running workers are
  neither skipped nor repeated.

Handlers deal with bad records themselves (dead letters); an exception out of a handler means
the batch could not be delivered (a Kafka failure): the stage rewinds to the batch's first
offsets and tries again after a pause, so nothing is committed that was not written. A batch in
flight whose outputs fail rewinds the batch handled after it too (read again: at least once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

import mode

from pipeline.kafka_settings import aiokafka_config
from pipeline.partitioning import partition_for
from pipeline.worker.stage_clock import StageClock
from pipeline.worker.settings import app_id

log = logging.getLogger(__name__)

RETRY_PAUSE_S = 1.0
RESTART_PAUSE_S = 5.0
YIELD_EVERY = 256  # outputs between two yields to the event loop (a batch holds it ~100 ms otherwise)


def stage_group(stage: str) -> str:
    """The consumer group of a stage (one per app, shared by all its workers)."""
    return f"{app_id()}-{stage}"


class Outbox:
    """The records one batch writes, appended to one producer batch per topic partition (one
    acknowledgement per partition batch instead of a future per record), all acknowledged before
    the batch's offsets are committed.

    Partitions are chosen like the producer's default partitioner (murmur2 of the key), so a key
    lands where any other client would put it. A record may name ``on_failure``: it is called with
    the error instead of failing the whole batch (target deliveries settle their own failures).
    """

    def __init__(self, producer) -> None:
        self._producer = producer  # an aiokafka AIOKafkaProducer
        self._open: dict[tuple[str, int], tuple[Any, list]] = {}
        self._shipped: list[tuple[Awaitable[Any], list]] = []
        self._tracked: list[Awaitable[Any]] = []
        self._partitions: dict[str, list[int]] = {}
        self._round_robin = 0
        self._sent = 0

    async def send(self, topic: str, key: bytes | None, value: bytes | None, *,
                   headers: list[tuple[str, bytes]] | None = None,
                   on_failure: Callable[[BaseException], Awaitable[None]] | None = None) -> None:
        partitions = self._partitions.get(topic) or await self._learn(topic)
        if key is None:
            self._round_robin += 1
            partition = partitions[self._round_robin % len(partitions)]
        else:
            partition = partitions[partition_for(key, len(partitions))]
        slot = self._open.get((topic, partition))
        if slot is None:
            slot = self._open[(topic, partition)] = (self._producer.create_batch(), [])
        if slot[0].append(timestamp=None, key=key, value=value, headers=headers) is None:  # full: ship it
            await self._ship(topic, partition)
            slot = self._open[(topic, partition)] = (self._producer.create_batch(), [])
            if slot[0].append(timestamp=None, key=key, value=value, headers=headers) is None:
                raise ValueError(f"a record of {len(value or b'')} bytes does not fit a producer batch")
        slot[1].append(on_failure)
        self._sent += 1
        if self._sent % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the loop run: acks, fetches, Faust agents (alarms)

    async def _learn(self, topic: str) -> list[int]:
        # an explicit add keeps the topic in the producer's metadata (see channels.track_topic)
        await self._producer.client.add_topic(topic)
        partitions = sorted(await self._producer.client._wait_on_metadata(topic))
        self._partitions[topic] = partitions
        return partitions

    async def seal(self) -> "Sealed":
        """Ship every open producer batch and hand over what this batch wrote, to be awaited
        with :meth:`Sealed.settled` while the outbox takes the next batch's records."""
        for topic, partition in list(self._open):
            await self._ship(topic, partition)
        sealed = Sealed(self._shipped, self._tracked)
        self._shipped, self._tracked = [], []
        return sealed

    async def flushed(self) -> None:
        await (await self.seal()).settled()

    async def _ship(self, topic: str, partition: int) -> None:
        builder, handlers = self._open.pop((topic, partition))
        builder.close()  # complete: the sender ships it now instead of lingering (producer_linger)
        future = await self._producer.send_batch(builder, topic, partition=partition)
        self._shipped.append((future, handlers))

    def track(self, acknowledgement: Awaitable[Any]) -> None:
        """Also wait for a write made elsewhere (a dead letter sent through a Faust channel)."""
        self._tracked.append(acknowledgement)

    def discard(self) -> None:
        self._open.clear()
        self._shipped = []
        self._tracked = []


class Sealed:
    """The acknowledgements one batch waits for before its offsets are committed."""

    def __init__(self, shipped: list[tuple[Awaitable[Any], list]], tracked: list[Awaitable[Any]]) -> None:
        self._shipped = shipped
        self._tracked = tracked

    async def settled(self) -> None:
        """Wait for every write; a failed record with ``on_failure`` settles itself, any other
        failure is raised (the batch was not delivered)."""
        results = await asyncio.gather(*(future for future, _ in self._shipped), return_exceptions=True)
        failure = None
        for (_, handlers), result in zip(self._shipped, results):
            if isinstance(result, BaseException):
                for handler in handlers:
                    if handler is None:
                        failure = failure or result
                    else:
                        await handler(result)
        for result in await asyncio.gather(*self._tracked, return_exceptions=True):
            if isinstance(result, BaseException):
                failure = failure or result
        if failure is not None:
            raise failure

    async def abandoned(self) -> None:
        """Wait for the writes of a batch that will be read again (their failures do not matter)."""
        await asyncio.gather(*(future for future, _ in self._shipped), *self._tracked, return_exceptions=True)


Handler = Callable[[list[Any], Outbox], Awaitable[None]]  # aiokafka ConsumerRecords of one batch


class BatchStage(mode.Service):
    """Consume ``topics`` in batches with ``handler``; see the module docstring."""

    def __init__(self, name: str, topics: Callable[[], list[str]] | None, handler: Handler, *,
                 pattern: Callable[[], str] | None = None, metadata_max_age_ms: int = 300_000,
                 producer: Callable[[], Any], ready: Callable[[], Awaitable[None]] | None = None,
                 between_batches: Callable[[Outbox], Awaitable[None]] | None = None,
                 max_records: int = 2000, poll_ms: int = 200, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stage = name
        self._topics = topics
        self._pattern = pattern  # a regex: topics created later are picked up on a metadata refresh
        self._metadata_max_age_ms = metadata_max_age_ms
        self._handler = handler
        self._producer = producer
        self._ready = ready
        self._between_batches = between_batches
        self.max_records = max_records
        self.poll_ms = poll_ms
        self._lock = asyncio.Lock()
        self._stopping = False
        self._loop_task: asyncio.Task | None = None
        self.consumer = None
        self._agent_offsets: dict | None = None  # the app group's offsets, read once (upgrades)
        self._fresh: set = set()  # assigned partitions whose first records are not handled yet
        self._in_flight: tuple[Sealed, dict] | None = None  # handled, not yet acknowledged and committed
        self.clock = StageClock(name)

    @property
    def label(self) -> str:  # mode's name for logs
        return f"BatchStage[{self.stage}]"

    async def on_started(self) -> None:
        self._loop_task = asyncio.ensure_future(self._run())

    async def on_stop(self) -> None:
        self._stopping = True
        if self._loop_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._loop_task), timeout=60)
            except asyncio.TimeoutError:
                log.error("stage %s did not finish its batch within 60 s", self.stage)
                self._loop_task.cancel()

    async def _run(self) -> None:
        """Consume until stopped; a failure outside any batch (broker gone, ...) restarts the
        consumer after a pause instead of leaving the worker up but idle."""
        if self._ready is not None:
            await self._ready()
        while not self._stopping:
            try:
                await self._consume()
            except Exception:
                log.exception("stage %s failed; restarting its consumer in %s s", self.stage, RESTART_PAUSE_S)
                await asyncio.sleep(RESTART_PAUSE_S)

    async def _consume(self) -> None:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.abc import ConsumerRebalanceListener

        stage = self

        class WaitForBatch(ConsumerRebalanceListener):
            async def on_partitions_revoked(self, revoked) -> None:
                async with stage._lock:  # the batch in hand is written and committed first
                    await stage._settle_in_flight(consumer)

            async def on_partitions_assigned(self, assigned) -> None:
                log.info("stage %s assigned %s", stage.stage, sorted((tp.topic, tp.partition) for tp in assigned))
                stage._fresh |= set(assigned)  # checked against the agents' offsets on first records

        self.consumer = consumer = AIOKafkaConsumer(
            **aiokafka_config(), group_id=stage_group(self.stage), enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=10_000, heartbeat_interval_ms=1_000,
            max_poll_interval_ms=300_000, max_partition_fetch_bytes=4 * 1024 * 1024,
            metadata_max_age_ms=self._metadata_max_age_ms)
        await consumer.start()
        if self._pattern is not None:
            consumer.subscribe(pattern=self._pattern(), listener=WaitForBatch())
        else:
            consumer.subscribe(self._topics(), listener=WaitForBatch())
        outbox = Outbox(self._producer())
        clock = self.clock
        try:
            while not self._stopping:
                # not under the lock: getmany waits for an assignment, which waits for revocation
                started = time.monotonic()
                batches = await consumer.getmany(timeout_ms=self.poll_ms, max_records=self.max_records)
                clock.add("waiting for records" if batches else "idle", started)
                clock.report()
                async with self._lock:
                    assigned = consumer.assignment()
                    batches = {tp: rs for tp, rs in batches.items() if tp in assigned}
                    if self._fresh:
                        batches = await self._skip_what_agents_did(consumer, batches)
                    if batches:
                        await self._deliver(consumer, batches, outbox)
                    else:  # quiet: commit what is in flight now
                        await self._settle_in_flight(consumer)
                if self._between_batches is not None:
                    try:
                        await self._between_batches(outbox)
                        await outbox.flushed()
                    except Exception:  # a Kafka failure: this step's outputs (idle minutes' defaults) are lost, logged
                        log.exception("stage %s: periodic step failed", self.stage)
                        outbox.discard()
        finally:
            try:
                async with self._lock:
                    await self._settle_in_flight(consumer)
            finally:
                clock.report(final=True)
                await consumer.stop()  # leaves the group: the partitions move at once

    async def _skip_what_agents_did(self, consumer, batches: dict) -> dict:
        """Before a newly assigned partition's first records are handled: if this stage's group
        has no offset for it but the app's Faust group has, start there. These stages were Faust
        agents of that group before, and an upgraded worker must not replay whole topics
        (deliveries, metric data) from the beginning. Without either offset the stage starts at
        the beginning, as the agents did."""
        for tp in [tp for tp in batches if tp in self._fresh]:
            self._fresh.discard(tp)
            start = await self._agents_offset(consumer, tp)
            if start is None or batches[tp][0].offset >= start:
                continue
            log.info("stage %s continues %s[%d] at %d, where the agents' group stopped",
                     self.stage, tp.topic, tp.partition, start)
            kept = [record for record in batches[tp] if record.offset >= start]
            if kept:
                batches[tp] = kept
            else:
                del batches[tp]
                consumer.seek(tp, start)
        return batches

    async def _agents_offset(self, consumer, tp) -> int | None:
        try:
            if await consumer.committed(tp) is not None:
                return None
            if self._agent_offsets is None:
                from aiokafka.admin import AIOKafkaAdminClient

                admin = AIOKafkaAdminClient(**aiokafka_config())
                await admin.start()
                try:
                    self._agent_offsets = await admin.list_consumer_group_offsets(app_id())
                finally:
                    await admin.close()
            found = self._agent_offsets.get(tp)
            return found.offset if found is not None and found.offset >= 0 else None
        except Exception:  # the beginning is the safe default: at least once, never lost
            log.exception("stage %s: could not read the agents' offsets", self.stage)
            return None

    async def _deliver(self, consumer, batches: dict, outbox: Outbox) -> None:
        """Handle a batch and put it in flight; settle the batch that was in flight before."""
        records = [record for partition_records in batches.values() for record in partition_records]
        started = time.monotonic()
        try:
            await self._handler(records, outbox)
            sealed = await outbox.seal()
            started = self.clock.add("handling", started)
            self.clock.batch(len(records))
        except Exception:
            log.exception("stage %s: batch of %d records not delivered; reading it again", self.stage, len(records))
            outbox.discard()
            earlier = await self._settle_in_flight(consumer)
            self._rewind(consumer, batches, skip=earlier or set())
            await asyncio.sleep(RETRY_PAUSE_S)
            return
        previous, self._in_flight = self._in_flight, (sealed, batches)
        if previous is None:
            return
        rewound = await self._settle(consumer, *previous)
        self.clock.add("waiting for acks and commits", started)
        if rewound is not None:  # this batch was read after the failed one: it is read again too
            self._in_flight = None
            await sealed.abandoned()
            self._rewind(consumer, batches, skip=rewound)
            await asyncio.sleep(RETRY_PAUSE_S)

    async def _settle_in_flight(self, consumer) -> set | None:
        """Acknowledge and commit the batch in flight: None, or the partitions rewound if it failed."""
        if self._in_flight is None:
            return None
        in_flight, self._in_flight = self._in_flight, None
        return await self._settle(consumer, *in_flight)

    async def _settle(self, consumer, sealed: Sealed, batches: dict) -> set | None:
        """None once written and committed; if not, the partitions rewound to the batch."""
        try:
            await sealed.settled()
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batches.items()})
            return None
        except Exception:
            count = sum(len(rs) for rs in batches.values())
            log.exception("stage %s: batch of %d records not delivered; reading it again", self.stage, count)
            return self._rewind(consumer, batches)

    @staticmethod
    def _rewind(consumer, batches: dict, skip: set = frozenset()) -> set:
        """Seek to the batch's first offsets, except partitions an earlier batch rewound (its
        offsets come first)."""
        rewound = set(skip)
        for tp, rs in batches.items():
            if tp in skip:
                continue
            try:
                consumer.seek(tp, rs[0].offset)
                rewound.add(tp)
            except Exception:  # no longer ours: its next owner starts from the last commit
                pass
        return rewound
