"""Custom rules: Python callables (CUSTOM_LAMBDA) and event patterns (CUSTOM_POLICY).

Mapping of the AWS owners onto this pipeline:

* ``CUSTOM_LAMBDA`` – ``SourceIdentifier`` names a Python callable: one registered with
  ``register_config_rule(name, fn)`` or an entry point of that name in the group
  ``pipeline.config_rules``. A Lambda ARN is accepted too; its function name is the lookup name
  (``arn:aws:lambda:us-east-1:123456789012:function:my-rule`` -> ``my-rule``).
  The callable is ``fn(configuration_item, rule_parameters, context)``: the CI in the
  invokingEvent (notification) spelling, the decoded InputParameters, and a ``RuleContext``. It
  returns a ComplianceType string, a ``(ComplianceType, annotation)`` pair or a dict with
  ``ComplianceType`` and ``Annotation``.
* ``CUSTOM_POLICY`` with ``CustomPolicyDetails.PolicyRuntime`` ``event-pattern`` –
  ``PolicyText`` is an EventBridge event pattern matched against the CI in the notification
  spelling. A match is COMPLIANT, unless InputParameters ``{"complianceOnMatch":
  "NON_COMPLIANT"}`` turns it around; no match gives the other answer. Guard policies
  (``guard-2.x.x``) are not supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from pipeline.configitems.errors import ConfigRuleError, CustomRuleNotFoundError
from pipeline.configitems.rules.resources import Resources

__all__ = [
    "ENTRY_POINT_GROUP",
    "PATTERN_RUNTIME",
    "RuleContext",
    "register_config_rule",
    "unregister_config_rule",
    "resolve_custom_rule",
    "evaluate_pattern",
]

ENTRY_POINT_GROUP = "pipeline.config_rules"
PATTERN_RUNTIME = "event-pattern"

_REGISTERED: dict[str, Callable[..., Any]] = {}
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(:.*)?$")


@dataclass(frozen=True)
class RuleContext:
    config_rule_name: str
    ordering_timestamp: str | None = None
    event_left_scope: bool = False
    resources: Resources = field(default_factory=Resources)


def register_config_rule(name: str, function: Callable[..., Any]) -> None:
    """Register a callable under ``name`` (takes precedence over entry points)."""
    if not callable(function):
        raise ConfigRuleError(f"custom rule {name!r} must be callable")
    _REGISTERED[name] = function


def unregister_config_rule(name: str) -> None:
    _REGISTERED.pop(name, None)


def lookup_name(source_identifier: str) -> str:
    match = _LAMBDA_ARN.match(source_identifier)
    return match.group(1) if match else source_identifier


def resolve_custom_rule(source_identifier: str) -> Callable[..., Any]:
    """The callable for a CUSTOM_LAMBDA ``SourceIdentifier``.

    :raises CustomRuleNotFoundError: neither registered nor an entry point.
    """
    name = lookup_name(source_identifier)
    if name in _REGISTERED:
        return _REGISTERED[name]
    from importlib.metadata import entry_points  # only custom rules pay for the scan

    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name == name:
            try:
                function = entry_point.load()
            except Exception as error:  # an installed plugin that fails to import
                raise CustomRuleNotFoundError(
                    f"entry point {name!r} ({entry_point.value}) could not be loaded: {error}"
                ) from error
            if not callable(function):
                raise CustomRuleNotFoundError(f"entry point {name!r} ({entry_point.value}) is not callable")
            return function
    raise CustomRuleNotFoundError(
        f"no custom rule named {name!r}: register it with register_config_rule or install a package "
        f"with an entry point in the group {ENTRY_POINT_GROUP!r}"
    )


def check_policy_pattern(pattern: Any) -> None:
    """Refuse an invalid event pattern when pipeline.eventpatterns is installed."""
    try:
        from pipeline.eventpatterns import check_pattern
    except ImportError:
        return  # the pattern engine is not installed; evaluation will say so
    try:
        check_pattern(pattern)
    except Exception as error:
        raise ConfigRuleError(f"PolicyText is not a valid event pattern: {error}") from error


def evaluate_pattern(pattern: Any, document: Mapping[str, Any], compliance_on_match: str) -> tuple[str, str | None]:
    """Match the CI (notification spelling) against the pattern."""
    try:
        from pipeline.eventpatterns import matches
    except ImportError as error:
        raise ConfigRuleError("event-pattern rules need pipeline.eventpatterns, which is not installed") from error
    matched = matches(pattern, dict(document))
    other = "NON_COMPLIANT" if compliance_on_match == "COMPLIANT" else "COMPLIANT"
    if matched:
        return compliance_on_match, "the configuration item matches the rule's pattern"
    return other, "the configuration item does not match the rule's pattern"
