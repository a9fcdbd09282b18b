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
seek and not acknowledged are read again (at-least-once, as after any rebalance). The first
record of a batch begun after a seek marks the offsets between the seek position and itself as
skipped: below a log start moved by retention nothing is left to acknowledge.

Last resort for shapes not understood yet: a partition processes its records in order, so an
offset below acknowledged ones that stays unacknowledged was dropped on the way, not queued.
When such a hole at the head of the commit lasts ``HOLE_GRACE_S``, the partition is read again
from the hole, and re-read records acknowledged already are skipped (not processed twice).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any, AsyncIterator, Mapping, Optional, Tuple

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

logger = logging.getLogger(__name__)

HOLE_GRACE_S = 10.0  # far above the time a record waits in the stream queue
_clock = time.monotonic


class SeekSafeConsumer(faust_aiokafka.Consumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seek_epoch = 0
        self._seeks: deque = deque(maxlen=8)  # (epoch, {tp: position}) of the last seeks
        # never committed partition -> where it is read from again / offsets acknowledged
        # before a revocation (dropped once the partition has a committed offset)
        self._read_from: dict = {}
        self._acked_before: dict = {}
        # partition -> (offset, first seen) of an unacknowledged offset below acknowledged ones;
        # partition -> (hole offset, highest acknowledged) while it is read again from the hole
        self._head_hole: dict = {}
        self._rereading: dict = {}
        # partition -> (epoch, position) of a seek whose first record is not delivered yet
        self._seek_starts: dict = {}

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
        self._head_hole.clear()  # positions set anew: a hole is timed from scratch
        self._rereading.clear()
        self._note_seeks(moved)
        return positions

    def _note_seeks(self, moved: dict) -> None:
        self._seek_epoch += 1
        self._seeks.append((self._seek_epoch, moved))
        for tp, position in moved.items():
            self._seek_starts[tp] = (self._seek_epoch, position)

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
                if (self._seek_starts or self._rereading) and self._after_seek(epoch, *item):
                    continue
                yield item
        finally:  # after the fetch loop set the read offset of the batch's last record
            if self._seek_epoch != epoch:
                self._undo_stale_reads(self._moved_since(epoch))

    def _after_seek(self, epoch: int, tp: TP, message: Message) -> bool:
        """Bookkeeping on the first records after a seek; True if ``message`` is to be skipped."""
        start = self._seek_starts.get(tp)
        if start is not None and start[0] <= epoch:  # first record of a batch begun after the seek
            del self._seek_starts[tp]
            if message.offset > start[1]:  # below it nothing is left (retention, compaction)
                self._gap[tp].addi(start[1], message.offset)
        return tp in self._rereading and self._processed_already(tp, message)

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
                if offsets:
                    self._watch_head_hole(tp, committed, max(offsets))
                return None
        self._head_hole.pop(tp, None)
        run_end = _run_end(offsets)
        rest = sorted(offset for offset in offsets if offset > run_end)
        acked[:] = rest
        self._acked_index[tp].intersection_update(rest)
        return run_end + 1

    def _watch_head_hole(self, tp: TP, hole: int, top: int) -> None:
        """Read ``tp`` again from ``hole`` once it has stayed unacknowledged below acknowledged
        offsets for ``HOLE_GRACE_S`` (it was dropped, or it would have been processed first)."""
        now = _clock()
        seen = self._head_hole.get(tp)
        if seen is None or seen[0] != hole:
            self._head_hole[tp] = (hole, now)
            return
        if now - seen[1] < HOLE_GRACE_S:
            return
        logger.warning("Offset %s of %s stayed unacknowledged below acknowledged offsets for %.0f s: "
                       "reading the partition again from it", hole, tp, now - seen[1])
        self._thread.seek(tp, hole)
        self._read_offset[tp] = hole
        self._gap.pop(tp, None)
        self._head_hole[tp] = (hole, now)
        self._rereading[tp] = (hole, top)
        self._note_seeks({tp: hole})

    def _processed_already(self, tp: TP, message: Message) -> bool:
        """While ``tp`` is read again from a hole: is this record one acknowledged before?"""
        span = self._rereading[tp]
        offset = message.offset
        if offset >= span[1]:
            del self._rereading[tp]
        committed = self._committed_offset.get(tp)
        return offset in self._acked_index[tp] or (committed is not None and offset < committed)


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
