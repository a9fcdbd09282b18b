"""Faust's aiokafka consumer with its commit bookkeeping made safe across seeks.

Faust 0.15.3 seeks its partitions back to their committed offsets when the flow starts after a
rebalance and again when table recovery completes, while its fetch loop may still be delivering
a batch fetched before the seek (faust-streaming/faust#221, #318); resuming the flow also clears
the stream queues of records taken but not processed. Three things then went wrong
(docs/performance.md, "Fifth round: the commit stall after a rebalance"):

* a stale record moved the read offset past the seek position, so the re-fetched records below
  it were dropped as read and never acknowledged: the committed offset stopped for good;
* or it registered a "gap" over offsets already acknowledged; merging that gap duplicated them
  in the acknowledged list, and Faust's run-of-consecutive-offsets rule then advanced the commit
  by one offset per commit interval (~1 offset/s against ~100 records/s);
* a partition never committed yet is not moved by a seek to committed offsets, so records
  cleared from the queues were never read again and the first of them held the commit back.

Here, when a fetch batch that began before a seek is done, the read offsets and gaps it left on
the partitions the seek moved are put back to the seek positions; a never committed partition
is moved to the end of the run it acknowledged from its start (kept across the revocation,
where Faust forgets it); and the committable offset is computed over the set of acknowledged
offsets (a duplicate cannot break a run). Every record is still delivered; those taken before a
seek and not acknowledged are read again (at-least-once, as after any rebalance).
"""

from __future__ import annotations

from collections import deque
from typing import Any, AsyncIterator, Mapping, Optional, Tuple

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message


class SeekSafeConsumer(faust_aiokafka.Consumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seek_epoch = 0
        self._seeks: deque = deque(maxlen=8)  # (epoch, {tp: position}) of the last seeks
        # never committed partition -> where it is read from again / offsets acknowledged
        # before a revocation (dropped once the partition has a committed offset)
        self._read_from: dict = {}
        self._acked_before: dict = {}

    async def on_partitions_revoked(self, revoked) -> None:
        # Faust forgets what was acknowledged and not committed yet: keep it for never
        # committed partitions, whose position no seek to a committed offset can set right
        for tp in revoked:
            if self._committed_offset.get(tp) is None and self._acked.get(tp):
                self._acked_before[tp] = set(self._acked[tp])
        await super().on_partitions_revoked(revoked)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        positions = dict(await super().seek_to_committed())
        moved = {}
        for tp, offset in positions.items():
            if offset and offset > 0:  # aiokafka moved it to its committed offset
                moved[tp] = offset
                self._read_from.pop(tp, None)
                self._acked_before.pop(tp, None)
            elif (self.app.conf.consumer_auto_offset_reset == "earliest"
                  and not self._is_changelog_tp(tp)):
                moved[tp] = positions[tp] = self._reread_uncommitted(tp)
        self._seek_epoch += 1
        self._seeks.append((self._seek_epoch, moved))
        return positions

    def _reread_uncommitted(self, tp: TP) -> int:
        """Move a never committed partition to the end of the run acknowledged from its start
        (0; aiokafka resets an offset below the log start to it). Records taken before the
        rebalance and cleared from the stream queues are read again instead of lost (the first
        of them held the commit back for good)."""
        acked = self._acked_before.get(tp, set()) | set(self._acked.get(tp, ()))
        position = _run_end(acked) + 1 if 0 in acked else 0
        self._thread.seek(tp, position)  # as Faust's own seek: no broker round trip in recovery
        self._read_from[tp] = position
        return position

    def _moved_since(self, epoch: int) -> dict:
        moved: dict = {}
        for seek_epoch, positions in self._seeks:
            if seek_epoch > epoch:
                moved.update(positions)
        return moved

    async def getmany(self, timeout: float) -> AsyncIterator[Tuple[TP, Message]]:
        epoch = self._seek_epoch
        try:
            async for item in super().getmany(timeout):
                yield item
        finally:  # after the fetch loop set the read offset of the batch's last record
            if self._seek_epoch != epoch:
                self._undo_stale_reads(self._moved_since(epoch))

    def _undo_stale_reads(self, moved: dict) -> None:
        """A batch that began before a seek set read offsets and gaps from records fetched before
        it. Back to the seek positions: what aiokafka fetches next is read, not dropped as read
        already, and real gaps are registered again from there."""
        for tp, offset in moved.items():
            self._read_offset[tp] = offset
            self._gap.pop(tp, None)

    def _new_offset(self, tp: TP) -> Optional[int]:
        """The offset to commit for ``tp``: the end of the run of consecutive acknowledged (or
        skipped-over) offsets that starts at the committed offset, or None."""
        acked = self._acked[tp]
        if not acked:
            return None
        offsets = set(acked)
        gaps = self._gap.get(tp)
        if gaps:
            top = max(offsets)
            for interval in gaps.overlap(0, top + 1):
                offsets.update(range(interval.begin, interval.end))
            gaps.chop(0, max(offsets) + 1)
        committed = self._committed_offset[tp]
        if committed is None:
            committed = self._read_from.get(tp)
        if committed is not None:
            offsets = {offset for offset in offsets if offset >= committed}
            # Faust's own tolerance: its gaps start one past the read offset
            if not offsets or min(offsets) - committed > 1:
                acked[:] = sorted(offsets)
                return None
        run_end = _run_end(offsets)
        rest = sorted(offset for offset in offsets if offset > run_end)
        acked[:] = rest
        self._acked_index[tp].intersection_update(rest)
        return run_end + 1


def _run_end(offsets: set) -> int:
    """The last offset of the run of consecutive offsets that starts at the lowest one."""
    end = min(offsets)
    while end + 1 in offsets:
        end += 1
    return end


class SeekSafeTransport(faust_aiokafka.Transport):
    Consumer = SeekSafeConsumer


def new_transport(app: Any) -> SeekSafeTransport:
    return SeekSafeTransport(app.conf.broker_consumer, app)
