"""PutConfigRule definitions: validate the request, and build the runnable rule from it.

``validate_config_rule(body)`` is the validator registered in ``pipeline.definitions.kinds``:
it takes the PutConfigRule request (``{"ConfigRule": {...}, "Tags": [...]}``; the bare
``ConfigRule`` object is accepted too) and returns ``(ConfigRuleName, normalised_request)``.
``compile_config_rule`` turns a (normalised or raw) definition into a ``ConfigRule`` that the
evaluator runs; validation and compilation share one code path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from pipeline.configitems.errors import ConfigRuleError
from pipeline.configitems.rules.custom import PATTERN_RUNTIME, check_policy_pattern
from pipeline.configitems.rules.managed import ManagedRule, managed_rule, resolve_parameters

__all__ = ["ConfigRule", "validate_config_rule", "compile_config_rule", "OWNERS"]

OWNERS = ("AWS", "CUSTOM_LAMBDA", "CUSTOM_POLICY")
MESSAGE_TYPES = (
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
    "ScheduledNotification",
    "ConfigurationSnapshotDeliveryCompleted",
)
_CHANGE_TYPES = MESSAGE_TYPES[:2]
FREQUENCIES = {  # MaximumExecutionFrequency -> seconds
    "One_Hour": 3600,
    "Three_Hours": 3 * 3600,
    "Six_Hours": 6 * 3600,
    "Twelve_Hours": 12 * 3600,
    "TwentyFour_Hours": 24 * 3600,
}
DEFAULT_FREQUENCY = "TwentyFour_Hours"
_NAME = re.compile(r".*\S.*")
_KNOWN_KEYS = {
    "ConfigRuleName", "ConfigRuleArn", "ConfigRuleId", "Description", "Scope", "Source", "InputParameters",
    "MaximumExecutionFrequency", "ConfigRuleState", "CreatedBy", "EvaluationModes",
}


@dataclass(frozen=True)
class ConfigRule:
    """A validated rule, ready to evaluate."""

    name: str
    owner: str  # AWS, CUSTOM_LAMBDA, CUSTOM_POLICY
    source_identifier: str | None
    scope: Mapping[str, Any]
    parameters: Mapping[str, Any]  # decoded InputParameters (managed rules: with defaults)
    change_triggered: bool
    periodic: bool
    maximum_execution_frequency: str | None  # set when periodic
    managed: ManagedRule | None = None
    pattern: Any = None  # CUSTOM_POLICY event pattern
    compliance_on_match: str = "COMPLIANT"
    arn: str | None = None
    definition: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def account_level(self) -> bool:
        return self.managed is not None and self.managed.account_level

    @property
    def frequency_seconds(self) -> int | None:
        return FREQUENCIES[self.maximum_execution_frequency] if self.maximum_execution_frequency else None

    @property
    def default_resource_types(self) -> tuple[str, ...] | None:
        return self.managed.resource_types if self.managed else None


def _fail(message: str) -> ConfigRuleError:
    return ConfigRuleError(message)


def _unwrap(body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(body, Mapping):
        raise _fail(f"the PutConfigRule request must be an object, got {type(body).__name__}")
    if "ConfigRule" in body:
        rule = body["ConfigRule"]
        if not isinstance(rule, Mapping):
            raise _fail("ConfigRule must be an object")
        extra = {k: v for k, v in body.items() if k != "ConfigRule"}
        unknown = sorted(set(extra) - {"Tags"})
        if unknown:
            raise _fail(f"unknown field(s) in the PutConfigRule request: {', '.join(unknown)}")
        return dict(rule), extra
    return dict(body), {}


def _scope(rule: Mapping[str, Any]) -> dict[str, Any]:
    scope = rule.get("Scope")
    if scope is None:
        return {}
    if not isinstance(scope, Mapping):
        raise _fail("Scope must be an object")
    unknown = sorted(set(scope) - {"ComplianceResourceTypes", "TagKey", "TagValue", "ComplianceResourceId"})
    if unknown:
        raise _fail(f"unknown Scope field(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    types = scope.get("ComplianceResourceTypes")
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
            raise _fail("Scope.ComplianceResourceTypes must be a list of resource types")
        if len(types) > 100:
            raise _fail("Scope.ComplianceResourceTypes holds at most 100 types")
        if types:
            out["ComplianceResourceTypes"] = list(types)
    for key, limit in (("TagKey", 128), ("TagValue", 256), ("ComplianceResourceId", 768)):
        value = scope.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not 1 <= len(value) <= limit:
            raise _fail(f"Scope.{key} must be a string of 1 to {limit} characters")
        out[key] = value
    if "TagValue" in out and "TagKey" not in out:
        raise _fail("Scope.TagValue needs Scope.TagKey")
    if "ComplianceResourceId" in out and len(out.get("ComplianceResourceTypes", [])) != 1:
        raise _fail("Scope.ComplianceResourceId needs exactly one type in Scope.ComplianceResourceTypes")
    return out


def _input_parameters(rule: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    raw = rule.get("InputParameters")
    if raw is None or raw == "":
        return {}, None
    if isinstance(raw, Mapping):  # convenience: an object instead of its JSON text
        params = dict(raw)
    elif isinstance(raw, str):
        try:
            params = json.loads(raw)
        except ValueError as error:
            raise _fail(f"InputParameters is not valid JSON ({error.msg})") from None
        if not isinstance(params, dict):
            raise _fail("InputParameters must be a JSON object")
    else:
        raise _fail("InputParameters must be a JSON string")
    return params, json.dumps(params, separators=(",", ":"), sort_keys=True)


def _source_details(source: Mapping[str, Any]) -> list[dict[str, Any]]:
    details = source.get("SourceDetails")
    if details is None:
        return []
    if not isinstance(details, list) or len(details) > 25:
        raise _fail("Source.SourceDetails must be a list of at most 25 entries")
    out = []
    for index, detail in enumerate(details):
        if not isinstance(detail, Mapping):
            raise _fail(f"Source.SourceDetails[{index}] must be an object")
        event_source = detail.get("EventSource", "aws.config")
        if event_source != "aws.config":
            raise _fail(f"Source.SourceDetails[{index}].EventSource must be aws.config")
        message_type = detail.get("MessageType")
        if message_type not in MESSAGE_TYPES:
            raise _fail(f"Source.SourceDetails[{index}].MessageType must be one of {', '.join(MESSAGE_TYPES)}")
        entry = {"EventSource": "aws.config", "MessageType": message_type}
        frequency = detail.get("MaximumExecutionFrequency")
        if frequency is not None:
            if frequency not in FREQUENCIES:
                raise _fail(f"MaximumExecutionFrequency must be one of {', '.join(FREQUENCIES)}")
            entry["MaximumExecutionFrequency"] = frequency
        out.append(entry)
    return out


def _build(rule: Mapping[str, Any]) -> tuple[ConfigRule, dict[str, Any]]:
    name = rule.get("ConfigRuleName")
    if not isinstance(name, str) or not 1 <= len(name) <= 128 or not _NAME.fullmatch(name):
        raise _fail("ConfigRuleName is required: 1 to 128 characters, not only spaces")
    unknown = sorted(set(rule) - _KNOWN_KEYS)
    if unknown:
        raise _fail(f"{name}: unknown ConfigRule field(s): {', '.join(unknown)}")
    source = rule.get("Source")
    if not isinstance(source, Mapping):
        raise _fail(f"{name}: Source is required (Owner, SourceIdentifier)")
    owner = source.get("Owner")
    if owner not in OWNERS:
        raise _fail(f"{name}: Source.Owner must be one of {', '.join(OWNERS)}")
    identifier = source.get("SourceIdentifier")
    if owner != "CUSTOM_POLICY" and (not isinstance(identifier, str) or not identifier):
        raise _fail(f"{name}: Source.SourceIdentifier is required for {owner} rules")
    scope = _scope(rule)
    params, params_text = _input_parameters(rule)
    details = _source_details(source)
    frequency = rule.get("MaximumExecutionFrequency")
    if frequency is not None and frequency not in FREQUENCIES:
        raise _fail(f"{name}: MaximumExecutionFrequency must be one of {', '.join(FREQUENCIES)}")
    state = rule.get("ConfigRuleState", "ACTIVE")
    if state not in ("ACTIVE", "DELETING", "DELETING_RESULTS", "EVALUATING"):
        raise _fail(f"{name}: ConfigRuleState {state!r} is not known")

    managed = None
    pattern = None
    compliance_on_match = "COMPLIANT"
    normal_source: dict[str, Any] = {"Owner": owner}
    if owner == "AWS":
        managed = managed_rule(identifier)
        try:
            params = resolve_parameters(managed, params)
        except ConfigRuleError as error:
            raise _fail(f"{name}: {error}") from None
        change = managed.change_triggered
        periodic = managed.periodic or frequency is not None
        if details:
            change = any(d["MessageType"] in _CHANGE_TYPES for d in details)
            periodic = any(d["MessageType"] == "ScheduledNotification" for d in details) or frequency is not None
        normal_source["SourceIdentifier"] = identifier
    elif owner == "CUSTOM_LAMBDA":
        change = not details or any(d["MessageType"] in _CHANGE_TYPES for d in details)
        periodic = any(d["MessageType"] == "ScheduledNotification" for d in details) or frequency is not None
        normal_source["SourceIdentifier"] = identifier
    else:  # CUSTOM_POLICY
        policy = source.get("CustomPolicyDetails")
        if not isinstance(policy, Mapping):
            raise _fail(f"{name}: CUSTOM_POLICY rules need Source.CustomPolicyDetails (PolicyRuntime, PolicyText)")
        runtime = policy.get("PolicyRuntime")
        if runtime != PATTERN_RUNTIME:
            raise _fail(
                f"{name}: PolicyRuntime {runtime!r} is not supported; use {PATTERN_RUNTIME!r} "
                "(PolicyText = an event pattern over the configuration item)"
            )
        text = policy.get("PolicyText")
        if isinstance(text, str):
            try:
                pattern = json.loads(text)
            except ValueError as error:
                raise _fail(f"{name}: PolicyText is not valid JSON ({error.msg})") from None
        else:
            pattern = text
        if not isinstance(pattern, dict) or not pattern:
            raise _fail(f"{name}: PolicyText must be a non-empty JSON object (an event pattern)")
        try:
            check_policy_pattern(pattern)
        except ConfigRuleError as error:
            raise _fail(f"{name}: {error}") from None
        compliance_on_match = params.get("complianceOnMatch", "COMPLIANT")
        if compliance_on_match not in ("COMPLIANT", "NON_COMPLIANT"):
            raise _fail(f"{name}: InputParameters.complianceOnMatch must be COMPLIANT or NON_COMPLIANT")
        if any(d["MessageType"] not in _CHANGE_TYPES for d in details):
            raise _fail(f"{name}: CUSTOM_POLICY rules are triggered by configuration changes only")
        change, periodic = True, False
        normal_source["CustomPolicyDetails"] = {
            "PolicyRuntime": runtime,
            "PolicyText": json.dumps(pattern, separators=(",", ":")),
            "EnableDebugLogDelivery": bool(policy.get("EnableDebugLogDelivery", False)),
        }
    if details:
        normal_source["SourceDetails"] = details

    if periodic and frequency is None:
        frequency = next((d["MaximumExecutionFrequency"] for d in details if "MaximumExecutionFrequency" in d),
                         DEFAULT_FREQUENCY)
    normalised: dict[str, Any] = {"ConfigRuleName": name}
    for key in ("ConfigRuleArn", "ConfigRuleId", "Description", "CreatedBy", "EvaluationModes"):
        if rule.get(key) is not None:
            normalised[key] = rule[key]
    if scope:
        normalised["Scope"] = scope
    normalised["Source"] = normal_source
    if params_text is not None:
        normalised["InputParameters"] = params_text
    if rule.get("MaximumExecutionFrequency") is not None:
        normalised["MaximumExecutionFrequency"] = rule["MaximumExecutionFrequency"]
    normalised["ConfigRuleState"] = state

    compiled = ConfigRule(
        name=name, owner=owner, source_identifier=identifier if owner != "CUSTOM_POLICY" else None,
        scope=scope, parameters=params, change_triggered=change, periodic=periodic,
        maximum_execution_frequency=frequency if periodic else None, managed=managed, pattern=pattern,
        compliance_on_match=compliance_on_match, arn=rule.get("ConfigRuleArn"), definition=normalised,
    )
    return compiled, normalised


def validate_config_rule(body: Any) -> tuple[str, dict[str, Any]]:
    """Validator for ``PutConfigRule`` definitions: ``(ConfigRuleName, normalised request)``.

    :raises ConfigRuleError: with the rule name and what is wrong.
    """
    rule, extra = _unwrap(body)
    compiled, normalised = _build(rule)
    request: dict[str, Any] = {"ConfigRule": normalised}
    if "Tags" in extra:
        request["Tags"] = extra["Tags"]
    return compiled.name, request


def compile_config_rule(body: Any) -> ConfigRule:
    """The runnable rule for a PutConfigRule request or a bare ConfigRule object."""
    if isinstance(body, ConfigRule):
        return body
    rule, _ = _unwrap(body)
    return _build(rule)[0]


