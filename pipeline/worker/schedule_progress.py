"""Which tick each scheduled rule fired last, on a compacted topic every worker follows.

Only the leader fires scheduled rules. Before, a worker that became leader started counting at
the moment it did, so a tick that fell between the old leader's last run and then was skipped.
Now the leader writes ``<rule>`` -> {"tick", "schedule"} after each fired tick, every worker
follows the topic (pipeline.worker.follow), and a new leader resumes after the last tick its
predecessor fired. A tick can still be fired twice if leadership moves within the moment
between a fire and its progress record reaching the new leader; both carry the same event id.

Catch-up is bounded: at most ``MAX_CATCH_UP`` missed ticks of a rule are fired (the newest);
older ones are skipped with a log line, so a worker fleet down for hours does not flood targets
(EventBridge does not replay missed schedules at all; a failover here is not an outage).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

MAX_CATCH_UP = 10


class ScheduleProgress:
    def __init__(self) -> None:
        self.fired: dict[str, tuple[datetime, str]] = {}  # rule -> (last tick fired, its expression)

    def apply(self, rule: str, document: dict[str, Any] | None) -> None:
        if document is None:
            self.fired.pop(rule, None)
        else:
            self.fired[rule] = (datetime.fromisoformat(document["tick"]), document["schedule"])

    def last_tick(self, rule: str, expression: str) -> datetime | None:
        """The last tick fired for ``rule`` under this schedule (a changed schedule starts afresh)."""
        found = self.fired.get(rule)
        return found[0] if found is not None and found[1] == expression else None


def document(tick: datetime, expression: str) -> dict[str, str]:
    return {"tick": tick.isoformat(), "schedule": expression}


def due_ticks(next_tick: Callable[[datetime], datetime | None], last: datetime, now: datetime,
              limit: int = MAX_CATCH_UP) -> tuple[list[datetime], int]:
    """(ticks after ``last`` up to ``now`` to fire, oldest first, at most ``limit``; how many
    older ones were skipped)."""
    due: list[datetime] = []
    tick = next_tick(last)
    while tick is not None and tick <= now:
        due.append(tick)
        tick = next_tick(tick)
    return due[-limit:], max(0, len(due) - limit)
