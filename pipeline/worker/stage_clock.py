"""Where a batch stage's wall time goes: handling records, waiting for records that then came
(a fetch round trip while the stage had work), waiting for the acknowledgements and commit of
the batch before, and idle (polls that returned nothing: caught up). Logged every ``every_s`` seconds while records
flow, so a slow stage says whether it is busy (CPU) or waiting (broker round trips, fetches)."""

from __future__ import annotations

import logging
import os
import time

log = logging.getLogger(__name__)

PARTS = ("handling", "waiting for records", "waiting for acks and commits", "idle")


class StageClock:
    def __init__(self, stage: str, every_s: float | None = None, clock=time.monotonic) -> None:
        self.stage = stage
        self.every_s = float(os.environ.get("PIPELINE_STAGE_REPORT_S", "30")) if every_s is None else every_s
        self._clock = clock
        self._reset(clock())

    def _reset(self, now: float) -> None:
        self.since = now
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self.batches = 0
        self.records = 0

    def add(self, part: str, started: float) -> float:
        """Count the time since ``started`` to ``part``; returns now (the next part's start)."""
        now = self._clock()
        self.seconds[part] += now - started
        return now

    def batch(self, records: int) -> None:
        self.batches += 1
        self.records += records

    def report(self, final: bool = False) -> str | None:
        """The summary line when ``every_s`` has passed (or ``final``) with records handled."""
        now = self._clock()
        if now - self.since < self.every_s and not final:
            return None
        line = None
        if self.records:
            parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in self.seconds.items())
            line = (f"stage {self.stage}: {self.records:,} records in {self.batches:,} batches in the last "
                    f"{now - self.since:.0f} s: {parts}")
            log.info(line)
        self._reset(now)
        return line
