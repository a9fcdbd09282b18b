"""Alarms as a worker holds them: metric alarms by the metric they read, composite alarms by
the alarms they watch, and which partition owns a metric (so each alarm has one evaluator)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pipeline import topics
from pipeline.alarms import Alarm, CompositeAlarm
from pipeline.definitions import DefinitionStore
from pipeline.partitioning import partition_for_text


def partition_of(key: str, partitions: int | None = None) -> int:
    """The partition Kafka's default partitioner gives ``key`` (same as producers and Faust)."""
    return partition_for_text(key, partitions or topics.partitions())


class AlarmRuntime:
    def __init__(self, store: DefinitionStore) -> None:
        self.alarms: dict[str, Alarm] = {}
        self.by_metric: dict[str, list[Alarm]] = defaultdict(list)
        self.composites: dict[str, CompositeAlarm] = {}
        self._by_partition: dict[int, list[str]] | None = None  # built on first use after a change
        store.subscribe("MetricAlarm", self._on_alarm)
        store.subscribe("CompositeAlarm", self._on_composite)

    def _on_alarm(self, name: str, body: dict[str, Any] | None) -> None:
        self._by_partition = None
        old = self.alarms.pop(name, None)
        if old is not None:
            self.by_metric[old.metric_key] = [a for a in self.by_metric[old.metric_key] if a.name != name]
            if not self.by_metric[old.metric_key]:
                del self.by_metric[old.metric_key]
        if body is not None:
            alarm = Alarm.from_normalised(body)
            self.alarms[name] = alarm
            self.by_metric[alarm.metric_key].append(alarm)

    def _on_composite(self, name: str, body: dict[str, Any] | None) -> None:
        self.composites.pop(name, None)
        if body is not None:
            self.composites[name] = CompositeAlarm.from_dict(body)

    def metrics_of_partition(self, partition: int) -> list[str]:
        """Alarmed metrics whose key hashes to ``partition`` (hashing every key per datum was 56%
        of a worker's time in bench/e2e, so the map is kept until an alarm changes)."""
        if self._by_partition is None:
            by_partition: dict[int, list[str]] = defaultdict(list)
            for key in self.by_metric:
                by_partition[partition_of(key)].append(key)
            self._by_partition = dict(by_partition)
        return self._by_partition.get(partition, [])

    def composites_watching(self, alarm_name: str) -> list[CompositeAlarm]:
        return [c for c in self.composites.values()
                if alarm_name in c.rule.alarm_names or alarm_name == c.actions_suppressor]
