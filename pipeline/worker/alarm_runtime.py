"""Alarms as a worker holds them: metric alarms by the metric they read, metric math alarms by
name (and the metrics that feed them), composite alarms by the alarms they watch, and which
partition owns a metric or a math alarm (so each alarm has one evaluator). Also what the metric
and math alarm agents share: the tick, the wall-clock lag and a new alarm's first state."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from pipeline import topics
from pipeline.alarms import Alarm, AlarmState, CompositeAlarm
from pipeline.alarms.math_alarm import MathInput, math_inputs
from pipeline.definitions import DefinitionStore
from pipeline.partitioning import partition_for_text


MAX_CATCH_UP = 30  # evaluations per alarm per step; more would only replay a long outage
TICK_S = float(os.environ.get("PIPELINE_ALARM_TICK_S", "10"))
WALL_LAG_S = float(os.environ.get("PIPELINE_ALARM_WALL_LAG_S", "10"))


def initial_state(alarm, clock: float) -> dict:
    """A new alarm's state entry, as if last evaluated one cadence before ``clock``: due at ``clock``."""
    return {"StateValue": AlarmState.INSUFFICIENT_DATA.value, "StateReason": "Unchecked: Initial alarm creation",
            "LastEvaluated": clock - alarm.cadence}


class EventTimeProgress:
    """Per partition: the newest datum time seen (the event-time watermark) and the 10 s step of
    the last data-driven evaluation. Within one step (and one definitions version) no evaluation
    instant can fall due, so a datum needs no evaluation pass. Rebuilt as data flow."""

    def __init__(self) -> None:
        self.watermarks: dict[int, float] = {}
        self._steps: dict[int, tuple[int, int]] = {}

    def clock(self, partition: int, now: float) -> float:
        """Where a tick evaluates to: the watermark, or the wall clock less WALL_LAG_S if later."""
        return max(self.watermarks.get(partition, 0.0), now - WALL_LAG_S)

    def advance(self, partition: int, seconds: float, version: int) -> float | None:
        """Count a datum at ``seconds``; the watermark when an evaluation is due, else None."""
        watermark = max(self.watermarks.get(partition, 0.0), seconds)
        self.watermarks[partition] = watermark
        step = (int(watermark // 10), version)
        if self._steps.get(partition) == step:
            return None
        self._steps[partition] = step
        return watermark


def partition_of(key: str, partitions: int | None = None) -> int:
    """The partition Kafka's default partitioner gives ``key`` (same as producers and Faust)."""
    return partition_for_text(key, partitions or topics.partitions())


class AlarmRuntime:
    def __init__(self, store: DefinitionStore) -> None:
        self.alarms: dict[str, Alarm] = {}
        self.by_metric: dict[str, list[Alarm]] = defaultdict(list)
        self.math_alarms: dict[str, Alarm] = {}
        self.composites: dict[str, CompositeAlarm] = {}
        self._by_partition: dict[int, list[str]] | None = None  # built on first use after a change
        self._math_by_partition: dict[int, list[Alarm]] | None = None
        self._math_inputs: dict[str, list[MathInput]] | None = None
        store.subscribe("MetricAlarm", self._on_alarm)
        store.subscribe("CompositeAlarm", self._on_composite)

    def _on_alarm(self, name: str, body: dict[str, Any] | None) -> None:
        self._by_partition = self._math_by_partition = self._math_inputs = None
        old = self.alarms.pop(name, None)
        self.math_alarms.pop(name, None)
        if old is not None and not old.is_math_alarm:
            self.by_metric[old.metric_key] = [a for a in self.by_metric[old.metric_key] if a.name != name]
            if not self.by_metric[old.metric_key]:
                del self.by_metric[old.metric_key]
        if body is not None:
            alarm = Alarm.from_normalised(body)
            self.alarms[name] = alarm
            if alarm.is_math_alarm:
                self.math_alarms[name] = alarm
            else:
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

    def math_inputs(self) -> dict[str, list[MathInput]]:
        """metric key -> the math alarms' MetricStat queries it feeds (kept until an alarm changes)."""
        if self._math_inputs is None:
            self._math_inputs = math_inputs(self.math_alarms)
        return self._math_inputs

    def math_alarms_of_partition(self, partition: int) -> list[Alarm]:
        """Math alarms whose name hashes to ``partition`` (their inputs are keyed by alarm name)."""
        if self._math_by_partition is None:
            by_partition: dict[int, list[Alarm]] = defaultdict(list)
            for alarm in self.math_alarms.values():
                by_partition[partition_of(alarm.name)].append(alarm)
            self._math_by_partition = dict(by_partition)
        return self._math_by_partition.get(partition, [])

    def composites_watching(self, alarm_name: str) -> list[CompositeAlarm]:
        return [c for c in self.composites.values()
                if alarm_name in c.rule.alarm_names or alarm_name == c.actions_suppressor]
