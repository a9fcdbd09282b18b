"""AWS Config as a worker holds it: compiled config rules, the recording group, the partition of a
resource, and a worker-wide view of the items that rules look up across partitions.

No Faust tables here (they live in ``pipeline.worker.agents.configitems``); everything in this
module is plain state a worker may change at any time.

Environment:

PIPELINE_CONFIG_RECORDING_GROUP   the AWS ``recordingGroup`` object as JSON (default: all supported
                                  types except the global IAM types, as AWS)
PIPELINE_CONFIG_TICK_INTERVAL     seconds between periodic-rule ticks (default 60)
PIPELINE_CONFIG_PERIODIC_FREQUENCY_S  overrides every periodic rule's MaximumExecutionFrequency
                                  (tests and demos; AWS's shortest is One_Hour)
PIPELINE_CONFIG_REGION            region of account-level rules (CLOUD_TRAIL_ENABLED); unset = any
PIPELINE_CONFIG_MAX_NOTIFICATION_BYTES  switch to the oversized summary above this size (default:
                                  never)
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Iterable, Mapping

from pipeline.configitems import (
    ConfigRule,
    RecordingGroup,
    compile_config_rule,
    periodic_due,
    resource_key,
)
from pipeline.configitems.item import is_deleted, ordering_key, parse_configuration_item
from pipeline.configitems.rules.resources import Resources
from pipeline.definitions import DefinitionStore
from pipeline.partitioning import partition_for_text

log = logging.getLogger(__name__)

# types rules look up beside the evaluated item (CLOUD_TRAIL_ENABLED, VPC_FLOW_LOGS_ENABLED, the S3
# rules); their items live in other partitions, so every worker follows them from config-history
REFERENCE_TYPES = frozenset({"AWS::CloudTrail::Trail", "AWS::EC2::FlowLog", "AWS::S3::AccountPublicAccessBlock"})
# account-level rules run on the partition that owns this key (one partition, one evaluation)
ACCOUNT_RULES_KEY = "AWS::::Account"


def recording_group_from_env() -> RecordingGroup:
    text = os.environ.get("PIPELINE_CONFIG_RECORDING_GROUP", "").strip()
    if not text:
        return RecordingGroup()
    return RecordingGroup.from_dict(json.loads(text))


def tick_interval_s() -> float:
    return float(os.environ.get("PIPELINE_CONFIG_TICK_INTERVAL", "60"))


def periodic_frequency_override_s() -> float | None:
    text = os.environ.get("PIPELINE_CONFIG_PERIODIC_FREQUENCY_S", "").strip()
    return float(text) if text else None


def config_region() -> str | None:
    return os.environ.get("PIPELINE_CONFIG_REGION") or None


def max_notification_bytes() -> int | None:
    text = os.environ.get("PIPELINE_CONFIG_MAX_NOTIFICATION_BYTES", "").strip()
    return int(text) if text else None


def partition_for_key(key: str | bytes, partitions: int) -> int:
    """The partition a producer's default partitioner (murmur2, as Java and kafka-python) gives a
    key: which partition's worker owns a resource's current item."""
    return partition_for_text(key, partitions)


class ConfigRuleRuntime:
    """The compiled ConfigRule definitions, rebuilt as the definitions topic changes.

    ``generation`` counts puts per rule: a tick evaluates a rule over a partition's items once per
    generation (AWS evaluates a new or updated rule over the existing resources).
    """

    def __init__(self, store: DefinitionStore | None = None) -> None:
        self.rules: dict[str, ConfigRule] = {}
        self.generation: dict[str, int] = {}
        self.defined: set[str] = set()  # every ConfigRule definition, compiled here or not
        self._counter = 0
        if store is not None:
            store.subscribe("ConfigRule", self.on_definition)

    def on_definition(self, name: str, body: Mapping[str, Any] | None) -> None:
        if body is None:
            self.rules.pop(name, None)
            self.generation.pop(name, None)
            self.defined.discard(name)
            return
        self.defined.add(name)
        try:
            rule = compile_config_rule(body)
        except Exception:  # validated on apply; a plugin missing on this worker must not stop others
            log.exception("config rule %s cannot be compiled; it is not evaluated", name)
            self.rules.pop(name, None)
            return
        self._counter += 1
        self.rules[rule.name] = rule
        self.generation[rule.name] = self._counter

    def active(self) -> list[ConfigRule]:
        return [rule for rule in self.rules.values()
                if rule.definition.get("ConfigRuleState", "ACTIVE") in ("ACTIVE", "EVALUATING")]

    def change_rules(self) -> list[ConfigRule]:
        return [rule for rule in self.active() if rule.change_triggered and not rule.account_level]

    def periodic_rules(self) -> list[ConfigRule]:
        return [rule for rule in self.active() if rule.periodic]


class PeriodicSchedule:
    """When each periodic rule last ran on each partition (in memory: a restarted worker runs its
    periodic rules at its first tick, as if they had never run)."""

    def __init__(self, frequency_override_s: float | None = None) -> None:
        self.override_s = frequency_override_s
        self.last_run: dict[tuple[str, int], int] = {}
        self.evaluated_generation: dict[tuple[str, int], int] = {}

    def due(self, rule: ConfigRule, partition: int, now_ms: int) -> bool:
        last = self.last_run.get((rule.name, partition))
        if self.override_s is not None and rule.periodic:
            return last is None or now_ms - last >= self.override_s * 1000
        return periodic_due(rule, last, now_ms)

    def ran(self, rule: ConfigRule, partition: int, now_ms: int, generation: int) -> None:
        self.last_run[(rule.name, partition)] = now_ms
        self.evaluated_generation[(rule.name, partition)] = generation

    def needs_initial(self, rule: ConfigRule, partition: int, generation: int) -> bool:
        return self.evaluated_generation.get((rule.name, partition)) != generation

    def initial_done(self, rule: ConfigRule, partition: int, generation: int) -> None:
        self.evaluated_generation[(rule.name, partition)] = generation


class ReferenceView:
    """Current items of ``REFERENCE_TYPES`` and the account ids seen, over all partitions.

    Fed from config-history (every recorded change) by a plain consumer on every worker, so a
    rule evaluated on one partition can see a trail or a flow log recorded on another. Eventually
    consistent: a change recorded a moment ago elsewhere may not be visible yet.
    """

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.accounts: set[str] = set()

    def add(self, raw: Mapping[str, Any]) -> None:
        item = parse_configuration_item(raw)
        if item.get("accountId"):
            self.accounts.add(item["accountId"])
        if item["resourceType"] not in REFERENCE_TYPES:
            return
        key = resource_key(item)
        stored = self.items.get(key)
        if stored is None or ordering_key(stored) <= ordering_key(item):
            self.items[key] = item

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [item for item in self.items.values() if item["resourceType"] == resource_type]


class PartitionResources(Resources):
    """What a rule sees on one partition: ``all()`` = the partition's own current items (the ones
    a periodic run evaluates); ``get`` / ``of_type`` also see the reference items of every partition.
    """

    def __init__(self, local_items: Iterable[Mapping[str, Any]], reference: ReferenceView) -> None:
        local = [parse_configuration_item(raw) for raw in local_items]
        self._local_keys = {resource_key(item) for item in local}
        merged = {resource_key(item): item for item in reference.items.values()}
        merged.update({resource_key(item): item for item in local})
        super().__init__(list(merged.values()))

    def all(self) -> list[dict[str, Any]]:
        return [item for item in super().all() if resource_key(item) in self._local_keys]


def live(item: Mapping[str, Any]) -> bool:
    return not is_deleted(item)


def result_partition(result: Mapping[str, Any], partitions: int) -> int:
    """The partition whose worker owns a stored EvaluationResult: its resource's partition, or the
    account partition for ``AWS::::Account`` results."""
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    if qualifier["ResourceType"] == "AWS::::Account":
        return partition_for_key(ACCOUNT_RULES_KEY, partitions)
    return partition_for_key(f"{qualifier['ResourceType']}/{qualifier['ResourceId']}", partitions)
