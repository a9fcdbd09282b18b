"""PutRule and PutTargets request bodies → (name, normalised body); the definitions contract.

Limits and texts follow botocore's EventBridge model (eventbridge.md §1.6, §2). Differences on
purpose, all documented in docs/event-patterns.md:

* a target ``Arn`` (and a ``DeadLetterConfig.Arn``) names a Kafka topic: ``kafka:topic-name`` or
  a bare topic name; it is normalised to the bare topic name;
* a PutTargets definition holds *all* targets of its rule (definitions are keyed by
  ``bus/rule`` and the last one wins), so AWS's "5 targets per rule" is checked per body;
* ``EventPattern`` may also be given as an object; it is normalised to compact JSON text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline.errors import PipelineError
from pipeline.eventbus.input import InputError, check_transformer, parse_json_path
from pipeline.eventbus.schedule import parse_schedule

__all__ = ["EventBusDefinitionError", "validate_rule", "validate_targets", "topic_of", "STATES"]

STATES = ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
_RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_TARGET_ID = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_BUS_NAME = re.compile(r"[/.\-_A-Za-z0-9]{1,256}")
_BUS_ARN = re.compile(r"arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus/")
_TOPIC = re.compile(r"[A-Za-z0-9._\-]{1,249}")
_RULE_KEYS = {"Name", "EventBusName", "EventPattern", "ScheduleExpression", "State", "Description",
              "RoleArn", "Tags"}
_TARGET_KEYS = {"Id", "Arn", "Input", "InputPath", "InputTransformer", "RetryPolicy",
                "DeadLetterConfig", "RoleArn"}
MAX_TARGETS_PER_RULE = 5
MAX_PATTERN_CHARS = 4096


class EventBusDefinitionError(PipelineError):
    """A PutRule/PutTargets body AWS would refuse (ValidationException-like)."""

    aws_code = "ValidationException"


def _constraint(value: Any, where: str, rule: str) -> EventBusDefinitionError:
    return EventBusDefinitionError(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: {rule}")


def _bus(body: dict) -> str:
    """EventBusName, given as a name or an event-bus ARN (botocore's EventBusNameOrArn)."""
    value = body.get("EventBusName", "default")
    if isinstance(value, str):
        arn = _BUS_ARN.match(value)
        if arn:
            value = value[arn.end():]
    return _name({"EventBusName": value}, "EventBusName", _BUS_NAME, "eventBusName")


def _name(body: dict, key: str, pattern: re.Pattern, where: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if value is None:
        raise EventBusDefinitionError(f"1 validation error detected: Value null at '{where}' failed to "
                                      "satisfy constraint: Member must not be null")
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _constraint(value, where, f"Member must satisfy regular expression pattern: {pattern.pattern}")
    return value


def topic_of(arn: Any, where: str) -> str:
    """``kafka:name`` or ``name`` → the Kafka topic name."""
    if not isinstance(arn, str):
        raise _constraint(arn, where, "Member must be a Kafka topic: kafka:<topic> or <topic>")
    topic = arn[len("kafka:"):] if arn.startswith("kafka:") else arn
    if not _TOPIC.fullmatch(topic) or topic in (".", ".."):
        raise _constraint(arn, where, "Member must be a Kafka topic: kafka:<topic> or <topic>")
    return topic


def validate_rule(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """PutRule body → (``bus/name``, normalised body)."""
    unknown = set(body) - _RULE_KEYS
    if unknown:
        raise EventBusDefinitionError(f"PutRule: unknown parameters {sorted(unknown)}")
    name = _name(body, "Name", _RULE_NAME, "name")
    bus = _bus(body)
    normalised: dict[str, Any] = {"Name": name, "EventBusName": bus}
    pattern = body.get("EventPattern")
    schedule = body.get("ScheduleExpression")
    if pattern is None and schedule is None:
        raise EventBusDefinitionError("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if pattern is not None:
        from pipeline.eventpatterns import check_pattern  # the engine, imported on first use

        text = pattern if isinstance(pattern, str) else json.dumps(pattern, separators=(",", ":"))
        if len(text) > MAX_PATTERN_CHARS:
            raise _constraint("...", "eventPattern", f"Member must have length less than or equal to "
                              f"{MAX_PATTERN_CHARS}")
        check_pattern(text)
        normalised["EventPattern"] = text
    if schedule is not None:
        if bus != "default":
            raise EventBusDefinitionError("ScheduleExpression is supported only on the default event bus.")
        parse_schedule(schedule)
        normalised["ScheduleExpression"] = schedule
    state = body.get("State", "ENABLED")
    if state not in STATES:
        raise _constraint(state, "state", f"Member must satisfy enum value set: [{', '.join(STATES)}]")
    normalised["State"] = state
    description = body.get("Description")
    if description is not None:
        if not isinstance(description, str) or len(description) > 512:
            raise _constraint(description, "description", "Member must have length less than or equal to 512")
        normalised["Description"] = description
    for key in ("RoleArn", "Tags"):
        if key in body:
            normalised[key] = body[key]
    return f"{bus}/{name}", normalised


def _int_in(value: Any, low: int, high: int, where: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _constraint(value, where, f"Member must have value between {low} and {high}")
    return value


def _target(target: Any, index: int) -> dict[str, Any]:
    where = f"targets.{index + 1}.member"
    if not isinstance(target, dict):
        raise EventBusDefinitionError(f"{where} must be an object")
    unknown = set(target) - _TARGET_KEYS
    if unknown:
        raise EventBusDefinitionError(f"PutTargets: unknown target parameters {sorted(unknown)}")
    target_id = _name(target, "Id", _TARGET_ID, f"{where}.id")
    if "Arn" not in target:
        raise EventBusDefinitionError(f"1 validation error detected: Value null at '{where}.arn' failed "
                                      "to satisfy constraint: Member must not be null")
    result: dict[str, Any] = {"Id": target_id, "Arn": topic_of(target["Arn"], f"{where}.arn")}
    given = [key for key in ("Input", "InputPath", "InputTransformer") if target.get(key) is not None]
    if len(given) > 1:
        raise EventBusDefinitionError(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}.")
    try:
        if "Input" in given:
            text = target["Input"]
            if not isinstance(text, str) or len(text) > 8192:
                raise _constraint("...", f"{where}.input", "Member must have length less than or equal to 8192")
            try:
                json.loads(text)
            except ValueError:
                raise EventBusDefinitionError(f"Input for target {target_id} is not valid JSON text.") from None
            result["Input"] = text
        elif "InputPath" in given:
            path = target["InputPath"]
            if not isinstance(path, str) or len(path) > 256:
                raise _constraint(path, f"{where}.inputPath", "Member must have length less than or equal to 256")
            parse_json_path(path)
            result["InputPath"] = path
        elif "InputTransformer" in given:
            result["InputTransformer"] = check_transformer(target["InputTransformer"], target_id)
    except InputError as error:
        raise EventBusDefinitionError(str(error)) from None
    retry = target.get("RetryPolicy")
    if retry is not None:
        if not isinstance(retry, dict) or set(retry) - {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}:
            raise EventBusDefinitionError(f"RetryPolicy for target {target_id} is not valid.")
        policy = {}
        if "MaximumRetryAttempts" in retry:
            policy["MaximumRetryAttempts"] = _int_in(
                retry["MaximumRetryAttempts"], 0, 185, f"{where}.retryPolicy.maximumRetryAttempts")
        if "MaximumEventAgeInSeconds" in retry:
            policy["MaximumEventAgeInSeconds"] = _int_in(
                retry["MaximumEventAgeInSeconds"], 60, 86400, f"{where}.retryPolicy.maximumEventAgeInSeconds")
        result["RetryPolicy"] = policy
    dead_letter = target.get("DeadLetterConfig")
    if dead_letter is not None:
        if not isinstance(dead_letter, dict) or set(dead_letter) - {"Arn"}:
            raise EventBusDefinitionError(f"DeadLetterConfig for target {target_id} is not valid.")
        if "Arn" in dead_letter:
            result["DeadLetterConfig"] = {"Arn": topic_of(dead_letter["Arn"], f"{where}.deadLetterConfig.arn")}
    if target.get("RoleArn") is not None:
        result["RoleArn"] = target["RoleArn"]
    return result


def validate_targets(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """PutTargets body → (``bus/rule``, normalised body). The body lists all of the rule's targets."""
    unknown = set(body) - {"Rule", "EventBusName", "Targets"}
    if unknown:
        raise EventBusDefinitionError(f"PutTargets: unknown parameters {sorted(unknown)}")
    rule = _name(body, "Rule", _RULE_NAME, "rule")
    bus = _bus(body)
    targets = body.get("Targets")
    if not isinstance(targets, list) or not targets:
        raise EventBusDefinitionError("1 validation error detected: Value at 'targets' failed to satisfy "
                                      "constraint: Member must have length greater than or equal to 1")
    if len(targets) > 10:
        raise EventBusDefinitionError("1 validation error detected: Value at 'targets' failed to satisfy "
                                      "constraint: Member must have length less than or equal to 10")
    normalised = [_target(target, index) for index, target in enumerate(targets)]
    ids = [target["Id"] for target in normalised]
    if len(set(ids)) != len(ids):
        raise EventBusDefinitionError("Targets must have unique Ids.")
    if len(normalised) > MAX_TARGETS_PER_RULE:
        raise EventBusDefinitionError("The requested resource exceeds the maximum number allowed.")
    return f"{bus}/{rule}", {"Rule": rule, "EventBusName": bus, "Targets": normalised}
