"""AWS Config on the worker: the configuration recorder, config rules and compliance.

* ``record_configuration_items`` (config-items): decode, ``record_step`` against the current
  item of the resource (table ``config-current-items``), and for a recorded change publish the
  history item, the change notification, the ``Config Configuration Item Change`` bus event, then
  run the change-triggered rules; compliance results live in table ``config-compliance-results``.
* ``config_rule_ticks`` (leader timer) sends one tick per partition to ``config-ticks``;
  ``run_periodic_rules`` evaluates, on each tick, the periodic rules (when due) and the rules not
  yet evaluated since they were put over the items of the tick's partition: tables may only be
  changed while iterating a stream, so timers go through a topic.
* ``follow_config_history`` keeps the worker-wide ``ReferenceView`` (trails, flow logs, account
  public access blocks, account ids) that rules look up across partitions.

Bad records go to dead letters with the reason (stage ``decode``, ``config-record`` or
``config-rule``); no exception leaves a loop. See docs/config-worker.md.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Mapping

from pipeline import topics
from pipeline.codec import DecodeError, codec_for
from pipeline.configitems import (
    ConfigRule,
    RecordingGroup,
    apply_evaluation,
    aws_config_event,
    evaluate_change,
    evaluate_periodic,
    record_step,
    resource_key,
    result_key,
    rule_in_scope,
)
from pipeline.configitems.item import is_deleted
from pipeline.configitems.rules.resources import Resources
from pipeline.configitems.times import format_time
from pipeline.errors import PipelineError
from pipeline.worker.app import app
from pipeline.worker.follow import follow_topic_forever
from pipeline.worker.channels import channel, role_channel
from pipeline.worker.config_recorder import (
    ACCOUNT_RULES_KEY,
    REFERENCE_TYPES,
    ConfigRuleRuntime,
    PartitionResources,
    PeriodicSchedule,
    ReferenceView,
    config_region,
    max_notification_bytes,
    partition_for_key,
    periodic_frequency_override_s,
    result_partition,
    recording_group_from_env,
    tick_interval_s,
)
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded

log = logging.getLogger(__name__)

ITEM_CHANGE = "Config Configuration Item Change"
COMPLIANCE_CHANGE = "Config Rules Compliance Change"

runtime = ConfigRuleRuntime(store)
schedule = PeriodicSchedule(periodic_frequency_override_s())
reference = ReferenceView()
try:
    recording_group = recording_group_from_env()
except Exception as _error:  # fail closed and say so: recording the wrong types would be worse
    log.error("PIPELINE_CONFIG_RECORDING_GROUP is not a valid recordingGroup (%s): nothing is recorded", _error)
    recording_group = RecordingGroup(all_supported=False, resource_types=frozenset({"-"}))
notification_limit = max_notification_bytes()

item_codec = codec_for("config-items")
history_codec = codec_for("config-history")
document_codec = codec_for("config-notifications")  # json_document, as compliance
compliance_codec = codec_for("compliance")
bus_codec = codec_for("event-bus")

history_channel = role_channel("config-history")
current_channel = role_channel("config-current")  # compacted: the last recorded item per resource
notification_channel = role_channel("config-notifications")
compliance_channel = role_channel("compliance")

current_items = app.Table("config-current-items", default=None, partitions=topics.partitions())
compliance_results = app.Table("config-compliance-results", default=None, partitions=topics.partitions())

ticks = app.topic(f"{topics.prefix()}config-ticks", partitions=topics.partitions(), key_type=bytes,
                  value_type=bytes, key_serializer="raw", value_serializer="raw", internal=True)

_unkeyed_warned = False


def _now_ms() -> int:
    return int(time.time() * 1000)


# ---------------------------------------------------------------- publishing


async def publish_bus_event(event: Mapping[str, Any]) -> None:
    envelope = dict(event, account=event.get("account") or "", region=event.get("region") or "")
    await channel(topics.bus_topic("default")).send(key=envelope["id"].encode(), value=bus_codec.encode(envelope))


async def publish_document(target, codec, key: str, kind: str, document: Mapping[str, Any]) -> None:
    await target.send(key=key.encode(), value=codec.encode({"type": kind, "document": document, "time": _now_ms()}))


async def apply_and_publish(rule: ConfigRule, evaluation: Mapping[str, Any], *, account: str | None,
                            region: str | None, now_ms: int) -> None:
    """Store the result of one evaluation, publish it, and publish a compliance change event."""
    key = result_key(evaluation)
    update = apply_evaluation(compliance_results.get(key), evaluation, recorded_time=now_ms, account_id=account,
                              region=region, config_rule_arn=rule.arn)
    document = dict(evaluation, ResultRecordedTime=format_time(now_ms), AccountId=account, AwsRegion=region,
                    ConfigRuleArn=rule.arn, ComplianceChanged=update.changed)
    if update.ignored:
        document["Ignored"] = update.ignored
    await publish_document(compliance_channel, compliance_codec, key, "Evaluation", document)
    if update.changed and update.event_detail is not None:
        await publish_bus_event(aws_config_event(
            COMPLIANCE_CHANGE, update.event_detail, account=update.event_detail.get("awsAccountId") or account,
            region=region, time=now_ms, resources=[rule.arn] if rule.arn else []))
    # stored after publishing: a crash in between republishes on replay instead of losing the output
    if update.result is not None and update.ignored is None:
        compliance_results[key] = update.result


# ---------------------------------------------------------------- lookups for rules


def _local_lookup(resource_type: str, resource_id: str) -> Any:
    local = current_items.get(f"{resource_type}/{resource_id}")
    if resource_type in REFERENCE_TYPES:
        seen = reference.items.get(f"{resource_type}/{resource_id}")
        return seen if local is None else local if seen is None else max(
            (seen, local), key=lambda i: i.get("configurationItemCaptureTime") or "")
    return local


def _local_of_type(resource_type: str) -> list[Any]:
    found = {resource_key(v): v for v in current_items.values()
             if v is not None and v.get("resourceType") == resource_type}
    if resource_type in REFERENCE_TYPES:
        for key, item in reference.items.items():
            if item["resourceType"] == resource_type and key not in found:
                found[key] = item
    return list(found.values())


def change_resources() -> Resources:
    return Resources(get=_local_lookup, of_type=_local_of_type)


# ---------------------------------------------------------------- recorder


async def evaluate_change_rules(event, previous: Mapping[str, Any] | None, item: Mapping[str, Any]) -> None:
    rules = runtime.change_rules()
    if not rules:
        return
    resources = change_resources()
    now_ms = _now_ms()
    for rule in rules:
        try:
            if rule_in_scope(rule, item):
                evaluation = evaluate_change(rule, item, current_items=resources)
            elif previous is not None and rule_in_scope(rule, previous):
                evaluation = evaluate_change(rule, item, event_left_scope=True)
            else:
                continue
            await apply_and_publish(rule, evaluation, account=item.get("accountId"),
                                    region=item.get("awsRegion"), now_ms=now_ms)
        except Exception as error:  # one failing rule must not stop the others nor the stream
            if not isinstance(error, PipelineError):
                log.exception("config rule %s failed on %s", rule.name, resource_key(item))
            await send_dead_letter(event, "config-rule", error)


async def record_one(event) -> None:
    global _unkeyed_warned
    message = event.message
    try:
        incoming = item_codec.decode(event.value, record_time_ms=int(message.timestamp * 1000))
    except DecodeError as error:
        await send_dead_letter(event, "decode", error)
        return
    key = resource_key(incoming)
    if message.key != key.encode() and not _unkeyed_warned:
        _unkeyed_warned = True  # periodic runs find a resource by the partition of its key
        log.warning("config-items record keyed %r, not by resourceType/resourceId (%s)", message.key, key)
    previous = current_items.get(key)
    try:
        decision = record_step(previous, incoming, recording_group=recording_group,
                               max_notification_bytes=notification_limit)
        history_value = history_codec.encode(decision.item) if decision.recorded else None
    except Exception as error:
        await send_dead_letter(event, "config-record", error)
        return
    if decision.item is None:
        return  # a type the recording group leaves out
    if not decision.recorded:
        current_items[key] = decision.item  # same state, newer capture time: nothing to publish
        return
    item = decision.item
    if item["resourceType"] in REFERENCE_TYPES:
        reference.add(item)
    await history_channel.send(key=key.encode(), value=history_value)
    await current_channel.send(key=key.encode(), value=history_value)
    notification = decision.notification
    await publish_document(notification_channel, document_codec, key,
                           notification.get("messageType", "ConfigurationItemChangeNotification"), notification)
    await publish_bus_event(aws_config_event(
        ITEM_CHANGE, decision.event_detail, account=item.get("accountId"), region=item.get("awsRegion"),
        time=item["configurationItemCaptureTime"], resources=[item["arn"]] if item.get("arn") else []))
    await evaluate_change_rules(event, previous, item)
    # stored last: a crash before this line records the item again on replay (at least once; the
    # notification and the event ids are derived from the item, so duplicates are identical)
    current_items[key] = item


@app.agent(role_channel("config-items"))
async def record_configuration_items(stream):
    await wait_until_loaded()
    # one event at a time: a table write goes to the changelog partition of the current event
    async for event in stream.events():
        try:
            await record_one(event)
        except Exception as error:  # an unexpected bug on one record must not stop the stream
            log.exception("recording failed on %s[%s]@%s", event.message.topic, event.message.partition,
                          event.message.offset)
            try:
                await send_dead_letter(event, "config-record", error)
            except Exception:
                log.exception("dead letter failed")


# ---------------------------------------------------------------- periodic rules


@app.timer(interval=tick_interval_s(), on_leader=True)
async def config_rule_ticks() -> None:
    """One tick per partition: each partition's owner evaluates its own resources."""
    value = json.dumps({"time": _now_ms()}).encode()
    for partition in range(topics.partitions()):
        await ticks.send(key=b"tick", value=value, partition=partition)


def _partition_items(partition: int) -> list[dict[str, Any]]:
    count = topics.partitions()
    return [value for key, value in list(current_items.items())
            if value is not None and partition_for_key(key, count) == partition]


async def tick_partition(event, partition: int, now_ms: int) -> None:
    local = _partition_items(partition)
    by_key = {resource_key(item): item for item in local}
    resources = PartitionResources(local, reference)
    account_partition = partition_for_key(ACCOUNT_RULES_KEY, topics.partitions())
    for rule in runtime.active():
        generation = runtime.generation.get(rule.name, 0)
        initial = schedule.needs_initial(rule, partition, generation)
        try:
            if rule.account_level:
                if partition != account_partition or not (initial or schedule.due(rule, partition, now_ms)):
                    continue
                accounts = sorted(reference.accounts | {i["accountId"] for i in local if i.get("accountId")})
                evaluations = evaluate_periodic(rule, resources, ordering_timestamp=now_ms, region=config_region(),
                                                account_ids=accounts)
                schedule.ran(rule, partition, now_ms, generation)
            elif rule.periodic and (initial or schedule.due(rule, partition, now_ms)):
                evaluations = evaluate_periodic(rule, resources, ordering_timestamp=now_ms)
                schedule.ran(rule, partition, now_ms, generation)
            elif initial and rule.change_triggered:
                # a new or changed rule: evaluate the resources recorded before it (as AWS does)
                evaluations = [evaluate_change(rule, item, current_items=resources) for item in local
                               if not is_deleted(item) and rule_in_scope(rule, item)]
                schedule.initial_done(rule, partition, generation)
            else:
                continue
        except Exception as error:
            if not isinstance(error, PipelineError):
                log.exception("periodic run of %s failed on partition %s", rule.name, partition)
            schedule.ran(rule, partition, now_ms, generation)  # retried when due again, not every tick
            await send_dead_letter(event, "config-rule", error)
            continue
        for evaluation in evaluations:
            item = by_key.get(f"{evaluation['ComplianceResourceType']}/{evaluation['ComplianceResourceId']}") or {}
            account = item.get("accountId")
            if evaluation["ComplianceResourceType"] == "AWS::::Account":
                account = evaluation["ComplianceResourceId"]
            try:
                await apply_and_publish(rule, evaluation, account=account,
                                        region=item.get("awsRegion") or config_region(), now_ms=now_ms)
            except Exception as error:
                log.exception("storing an evaluation of %s failed", rule.name)
                await send_dead_letter(event, "config-rule", error)


async def forget_deleted_rules(partition: int) -> None:
    """DeleteConfigRule deletes the rule's evaluation results: drop them from this partition's
    table and say so on the compliance topic (the commands rebuild from it)."""
    count = topics.partitions()
    for key, result in list(compliance_results.items()):
        if result is None:
            continue
        qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        if qualifier["ConfigRuleName"] in runtime.defined or result_partition(result, count) != partition:
            continue
        await publish_document(compliance_channel, compliance_codec, key, "EvaluationDeleted", {
            "ConfigRuleName": qualifier["ConfigRuleName"], "ComplianceResourceType": qualifier["ResourceType"],
            "ComplianceResourceId": qualifier["ResourceId"]})
        del compliance_results[key]


@app.agent(ticks)
async def run_periodic_rules(stream):
    await wait_until_loaded()
    async for event in stream.events():
        try:
            now_ms = int(json.loads(event.value)["time"])
        except (ValueError, KeyError, TypeError):
            now_ms = _now_ms()
        try:
            await forget_deleted_rules(event.message.partition)
            await tick_partition(event, event.message.partition, now_ms)
        except Exception:
            log.exception("periodic config rules failed on partition %s", event.message.partition)


# ---------------------------------------------------------------- reference items


def _add_reference(record) -> None:
    try:
        reference.add(history_codec.decode(record.value))
    except Exception:
        log.exception("config-history record %s[%s]@%s not readable", record.topic, record.partition,
                      record.offset)


@app.task
async def config_history_follower() -> None:
    """Every recorded change, from the beginning, into the worker-wide ``reference`` view."""
    await follow_topic_forever(topics.topic_name("config-history"), _add_reference)


@app.task
async def config_current_follower() -> None:
    """The last recorded item per resource, also of resources whose history config-history's
    retention has deleted (the view keeps the newest of both, so reading both is safe)."""
    await follow_topic_forever(topics.topic_name("config-current"), _add_reference)
