"""The topic catalog: every topic the pipeline reads or writes, as plain data.

Names get an optional prefix (``PIPELINE_TOPIC_PREFIX``) so several pipelines or test runs can
share one cluster; the partition count (``PIPELINE_PARTITIONS``) is the same for every
partitioned topic, because Faust tables must be co-partitioned with the topics that feed them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    role: str  # stable name used in code: "log-events", "dead-letters", ...
    schema: str  # Avro schema file in schemas/ without ".avsc"
    accepts_json: bool = False  # input topics also take JSON from producers like Fluent Bit or Vector
    compacted: bool = False
    doc: str = ""
    single_partition: bool = False  # every worker reads it whole (definitions)
    configs: tuple[tuple[str, str], ...] = ()  # topic configs at creation (retention)


DAY_MS = 86_400_000
CONFIG_HISTORY_RETENTION_DAYS = 2557  # AWS Config's default: 7 years
KEEP_FOREVER = (("retention.ms", "-1"),)  # state that readers rebuild from the whole topic


CATALOG: tuple[TopicSpec, ...] = (
    TopicSpec("log-events", "log_event", accepts_json=True, doc="CloudWatch Logs events in"),
    TopicSpec("cloudtrail", "cloudtrail_record", accepts_json=True, doc="CloudTrail records in"),
    TopicSpec("config-items", "configuration_item", accepts_json=True, doc="configuration items in"),
    TopicSpec("metric-data", "metric_datum", accepts_json=True,
              doc="datapoints from metric filters and from producers (PutMetricData)"),
    TopicSpec("alarm-state-changes", "alarm_state_change", doc="alarm transitions out", configs=KEEP_FOREVER),
    TopicSpec("alarm-history", "json_document", doc="DescribeAlarmHistory items out"),
    TopicSpec("event-bus", "bus_event", accepts_json=True, doc="the default event bus"),
    TopicSpec("config-history", "configuration_item", doc="every recorded configuration change",
              configs=(("retention.ms", str(CONFIG_HISTORY_RETENTION_DAYS * DAY_MS)),)),
    TopicSpec("config-current", "configuration_item", compacted=True,
              doc="the last recorded configuration item per resource (kept whatever config-history's retention)"),
    TopicSpec("config-notifications", "json_document",
              doc="ConfigurationItemChangeNotification documents"),
    TopicSpec("compliance", "json_document", doc="config rule evaluations", configs=KEEP_FOREVER),
    TopicSpec("target-retries", "json_document",
              doc="target deliveries waiting for another attempt (RetryPolicy)"),
    TopicSpec("definitions", "definition", compacted=True, single_partition=True,
              doc="metric filters, alarms, rules, targets, config rules; keyed Kind/name"),
    TopicSpec("dead-letters", "dead_letter", doc="records that could not be processed, with the reason"),
)

_BY_ROLE = {spec.role: spec for spec in CATALOG}


def prefix() -> str:
    return os.environ.get("PIPELINE_TOPIC_PREFIX", "")


def partitions() -> int:
    return int(os.environ.get("PIPELINE_PARTITIONS", "4"))


def spec(role: str) -> TopicSpec:
    return _BY_ROLE[role]


def topic_name(role: str) -> str:
    """The Kafka topic name for a catalog role (with the configured prefix)."""
    spec(role)  # unknown roles fail here, not at the broker
    return prefix() + role


def custom_buses() -> list[str]:
    """The buses named in ``PIPELINE_EVENT_BUSES`` (comma-separated): created at worker start and
    counted as existing by ``pipeline apply`` (from before the bus registry)."""
    return [bus.strip() for bus in os.environ.get("PIPELINE_EVENT_BUSES", "").split(",") if bus.strip()]


def bus_topic(bus_name: str) -> str:
    """The topic of an event bus: the default bus is ``event-bus``, others ``event-bus.<name>``."""
    if bus_name in ("", "default"):
        return topic_name("event-bus")
    return f"{topic_name('event-bus')}.{bus_name}"


def target_topic(arn: str) -> str:
    """A target's topic: ``kafka:NAME`` or a bare NAME (prefixed like every other topic)."""
    name = arn[len("kafka:"):] if arn.startswith("kafka:") else arn
    return prefix() + name


def action_topic(action: str) -> str:
    """An alarm action as a topic: ``kafka:NAME``, ``NAME``, or an SNS topic ARN's last part."""
    if action.startswith("arn:aws:sns:"):
        action = action.rsplit(":", 1)[1]
    return target_topic(action)


def referenced_topics(kind: str, body: dict) -> list[str]:
    """Topics a definition sends to (targets, dead letters, alarm actions), to create up front:
    producing to a topic the broker auto-creates was seen to stall other records of the same
    producer (see pipeline/worker/alarm_outputs.py)."""
    if kind == "Targets":
        names = [target_topic(t["Arn"]) for t in body.get("Targets", ())]
        names += [target_topic(t["DeadLetterConfig"]["Arn"]) for t in body.get("Targets", ())
                  if (t.get("DeadLetterConfig") or {}).get("Arn")]
        return names
    if kind in ("MetricAlarm", "CompositeAlarm"):
        return [action_topic(a) for key in ("AlarmActions", "OKActions", "InsufficientDataActions")
                for a in body.get(key) or ()]
    if kind == "EventBus":  # the bus's own topic, which the bus stage follows once it exists
        return [bus_topic(body["Name"])]
    return []


def role_of(topic: str) -> TopicSpec | None:
    """The catalog entry of a topic name (custom buses map to the event bus)."""
    p = prefix()
    if not topic.startswith(p):
        return None
    bare = topic[len(p):]
    if bare.startswith("event-bus."):
        bare = "event-bus"
    return _BY_ROLE.get(bare)
