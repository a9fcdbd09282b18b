"""Metric filters as a worker holds them: one MetricFilterSet per log group, fed by definitions,
and per-minute counts so a filter's defaultValue is emitted for minutes with events but no match.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from pipeline.definitions import DefinitionStore
from pipeline.metricfilters import MetricFilterSet

log = logging.getLogger(__name__)

MINUTE_MS = 60_000


class MetricFilterRuntime:
    def __init__(self, store: DefinitionStore) -> None:
        self.sets: dict[str, MetricFilterSet] = {}
        self._located: dict[str, tuple[str, str]] = {}  # definition name -> (log group, filter)
        store.subscribe("MetricFilter", self._on_definition)

    def _on_definition(self, name: str, body: dict[str, Any] | None) -> None:
        if body is None:
            group, filter_name = self._located.pop(name, (None, None))
            if group is not None and self.sets[group].remove(filter_name) and not self.sets[group]:
                del self.sets[group]
            return
        group = body["logGroupName"]
        filter_set = self.sets.get(group) or MetricFilterSet(group)
        filter_set.put(body)
        self.sets[group] = filter_set
        self._located[name] = (group, body["filterName"])

    def evaluate(self, log_event: dict[str, Any], document: Any = None
                 ) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
        """(metric data, names of the filters that matched) for one log event (``document``:
        its message's JSON object, if the caller has it)."""
        filter_set = self.sets.get(log_event["logGroupName"])
        return ([], ()) if filter_set is None else filter_set.evaluate(log_event, document)

    def counts_minutes(self, log_group: str) -> bool:
        """Whether a filter of the group has a defaultValue: then every event of the group must
        pass one DefaultValueClock (the log-events stage's, keyed by group)."""
        filter_set = self.sets.get(log_group)
        return filter_set is not None and filter_set.has_default_values


class DefaultValueClock:
    """Per log group and minute: events seen and matches per filter, closed in event time.

    A minute closes when an event of the same partition arrives ``grace_ms`` past its end, or
    when the partition has been idle (no event for ``idle_s`` of wall-clock time); its default
    data are then emitted once. Wall-clock time only decides idleness, never which minute closes,
    so replaying old data does not close minutes early.
    """

    def __init__(self, grace_ms: int = MINUTE_MS, idle_s: float = 30.0) -> None:
        self.grace_ms = grace_ms
        self.idle_s = idle_s
        self.last_event_wall_s = 0.0
        self._open: dict[tuple[str, int], list[Any]] = {}  # (group, minute) -> [events, {filter: n}]
        self.watermark_ms = 0

    def record(self, log_group: str, timestamp_ms: int, matched_filters: list[str],
               wall_s: float = 0.0) -> None:
        self.last_event_wall_s = wall_s
        minute = timestamp_ms - timestamp_ms % MINUTE_MS
        if minute + MINUTE_MS <= self.watermark_ms - self.grace_ms:
            return  # its minute already closed; its datapoints still went out, its default did
        counts = self._open.setdefault((log_group, minute), [0, defaultdict(int)])
        counts[0] += 1
        for name in matched_filters:
            counts[1][name] += 1
        self.watermark_ms = max(self.watermark_ms, timestamp_ms)

    def closed(self) -> list[tuple[str, int, int, dict[str, int]]]:
        """(group, minute, events, matches by filter) of minutes that can no longer change."""
        horizon = self.watermark_ms - self.grace_ms
        return self._pop(key for key in self._open if key[1] + MINUTE_MS <= horizon)

    def closed_if_idle(self, wall_s: float) -> list[tuple[str, int, int, dict[str, int]]]:
        if wall_s - self.last_event_wall_s < self.idle_s:
            return []
        return self._pop(list(self._open))

    def _pop(self, keys) -> list[tuple[str, int, int, dict[str, int]]]:
        return [(group, minute, *self._open.pop((group, minute))) for group, minute in sorted(keys)]


def default_data(runtime: MetricFilterRuntime, closed) -> list[dict[str, Any]]:
    data = []
    for group, minute, events, matches in closed:
        filter_set = runtime.sets.get(group)
        if filter_set is not None:
            data.extend(filter_set.default_datapoints(minute, events, matches))
    return data
