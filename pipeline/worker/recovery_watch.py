"""A worker whose table recovery stops receiving changelog records rejoins its group.

Faust 0.15.3 can wait for ever in table recovery: "No event received for active tp ... since
recovery start", no changelog record fetched, the worker's partitions never processed again.
Seen once in CI and once in ~150 local runs of tests/worker/test_join_while_flowing.py (the worker
that kept half of its partitions re-reading its own changelogs after a second worker joined);
the cause is not found (docs/performance.md, "Sixth round"). A rejoin starts a new rebalance, so
Faust stops the flow, assigns and recovers again from the start. Each action is logged as an
error with the consumer's state, so the next occurrence says more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

RECOVERY_STALL_S = 20.0  # Faust's own warning comes after 30 s; a healthy recovery here takes < 1 s


@dataclass
class RecoveryWatch:
    """When recovery made no progress (start or changelog record) for ``stall_s``: act, then
    wait ``stall_s`` again before acting anew."""

    stall_s: float = RECOVERY_STALL_S
    _acted_at: Optional[float] = None

    def should_act(self, now: float, in_recovery: bool, remaining: int, started_at: Optional[float],
                   last_event_at: Optional[float]) -> bool:
        if not in_recovery or remaining <= 0 or started_at is None:
            self._acted_at = None
            return False
        progress = max(started_at, last_event_at or started_at, self._acted_at or started_at)
        if now - progress < self.stall_s:
            return False
        self._acted_at = now
        return True
