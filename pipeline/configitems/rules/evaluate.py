"""Run a rule: one changed item (configuration-change trigger) or all current items (periodic).

Evaluations have the PutEvaluations shape plus the rule name::

    {"ComplianceResourceType", "ComplianceResourceId", "ComplianceType", "Annotation",
     "OrderingTimestamp", "ConfigRuleName"}

``OrderingTimestamp`` is the CI's capture time for change triggers and the trigger time for
periodic runs [API]. Resources out of the rule's scope, deleted or not recorded, and
``event_left_scope`` give NOT_APPLICABLE (as Cloud Custodian's config-rule mode does).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from pipeline.configitems import definitions as _definitions
from pipeline.configitems.errors import ConfigRuleError
from pipeline.configitems.item import parse_configuration_item, to_notification_shape
from pipeline.configitems.rules.custom import RuleContext, evaluate_pattern, resolve_custom_rule
from pipeline.configitems.rules.resources import Resources
from pipeline.configitems.rules.scope import in_scope
from pipeline.configitems.times import format_time, to_epoch_ms

__all__ = ["COMPLIANCE_TYPES", "evaluate_change", "evaluate_periodic", "rule_in_scope", "make_evaluation",
           "periodic_due"]

COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")
ACCOUNT_RESOURCE_TYPE = "AWS::::Account"
MAX_ANNOTATION = 256  # characters, PutEvaluations' limit
_NOT_EVALUATED_STATUSES = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"})


def make_evaluation(rule_name: str, resource_type: str, resource_id: str, compliance_type: str,
                    annotation: str | None, ordering_timestamp: Any) -> dict[str, Any]:
    if compliance_type not in COMPLIANCE_TYPES:
        raise ConfigRuleError(f"{rule_name}: ComplianceType {compliance_type!r} is not one of {', '.join(COMPLIANCE_TYPES)}")
    if annotation is not None:
        annotation = str(annotation)
        if len(annotation) > MAX_ANNOTATION:
            annotation = annotation[: MAX_ANNOTATION - 3] + "..."
    return {
        "ComplianceResourceType": resource_type,
        "ComplianceResourceId": resource_id,
        "ComplianceType": compliance_type,
        "Annotation": annotation,
        "OrderingTimestamp": None if ordering_timestamp is None else format_time(ordering_timestamp, field="OrderingTimestamp"),
        "ConfigRuleName": rule_name,
    }


def _resources(current_items: Any) -> Resources:
    if isinstance(current_items, Resources):
        return current_items
    return Resources(current_items or ())


def rule_in_scope(rule: Any, item: Mapping[str, Any]) -> bool:
    """Whether a (model) item is in the rule's scope – the cheap check before evaluating."""
    compiled = _definitions.compile_config_rule(rule)
    return in_scope(compiled.scope, item, compiled.default_resource_types)


def _normalise_result(rule_name: str, result: Any) -> tuple[str, str | None]:
    if isinstance(result, str):
        return result, None
    if isinstance(result, tuple) and len(result) == 2:
        return str(result[0]), result[1]
    if isinstance(result, Mapping) and "ComplianceType" in result:
        return str(result["ComplianceType"]), result.get("Annotation")
    raise ConfigRuleError(
        f"{rule_name}: a custom rule must return a ComplianceType, a (ComplianceType, annotation) pair "
        f"or a dict with ComplianceType, got {type(result).__name__}"
    )


def _run(rule: "_definitions.ConfigRule", item: dict[str, Any], resources: Resources,
         ordering: str | None) -> tuple[str, str | None]:
    if rule.managed is not None:
        return rule.managed.check(item, rule.parameters, resources)
    if rule.owner == "CUSTOM_POLICY":
        return evaluate_pattern(rule.pattern, to_notification_shape(item), rule.compliance_on_match)
    function = resolve_custom_rule(rule.source_identifier or "")
    context = RuleContext(config_rule_name=rule.name, ordering_timestamp=ordering, resources=resources)
    try:
        result = function(to_notification_shape(item), dict(rule.parameters), context)
    except ConfigRuleError:
        raise
    except Exception as error:
        raise ConfigRuleError(f"{rule.name}: custom rule {rule.source_identifier!r} raised {type(error).__name__}: {error}") from error
    return _normalise_result(rule.name, result)


def evaluate_change(rule: Any, item: Any, *, current_items: Any = None, event_left_scope: bool = False,
                    ordering_timestamp: Any = None) -> dict[str, Any]:
    """Evaluate one configuration item (the configuration-change trigger).

    :param rule: a ``ConfigRule`` (``compile_config_rule``) or a PutConfigRule body.
    :param item: the CI, either spelling or a model dict.
    :param current_items: other current items (iterable or ``Resources``) for rules that need them.
    :param ordering_timestamp: defaults to the CI's capture time.
    :raises ConfigRuleError: account-level rules (use ``evaluate_periodic``), failing custom rules.
    """
    compiled = _definitions.compile_config_rule(rule)
    if compiled.account_level:
        raise ConfigRuleError(f"{compiled.name}: {compiled.source_identifier} evaluates the account; use evaluate_periodic")
    model = parse_configuration_item(item)
    ordering = ordering_timestamp if ordering_timestamp is not None else model["configurationItemCaptureTime"]
    ordering_text = None if ordering is None else format_time(ordering, field="OrderingTimestamp")

    def answer(compliance: str, annotation: str | None) -> dict[str, Any]:
        return make_evaluation(compiled.name, model["resourceType"], model["resourceId"], compliance, annotation, ordering_text)

    if event_left_scope:
        return answer("NOT_APPLICABLE", "the resource left the rule's scope")
    if not in_scope(compiled.scope, model, compiled.default_resource_types):
        return answer("NOT_APPLICABLE", "the resource is not in the rule's scope")
    if model["configurationItemStatus"] in _NOT_EVALUATED_STATUSES:
        return answer("NOT_APPLICABLE", f"the resource is {model['configurationItemStatus']}")
    compliance, annotation = _run(compiled, model, _resources(current_items), ordering_text)
    return answer(compliance, annotation)


def evaluate_periodic(rule: Any, current_items: Any, *, ordering_timestamp: Any,
                      region: str | None = None, account_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Evaluate a periodic trigger over the current items.

    Account-level rules give one evaluation per account (``account_ids``, else the accounts seen
    in the items) with resource type ``AWS::::Account``; resource rules evaluate every current,
    in-scope item. ``ordering_timestamp`` is the trigger time (an argument: no clock is read).
    """
    compiled = _definitions.compile_config_rule(rule)
    resources = _resources(current_items)
    ordering_text = format_time(ordering_timestamp, field="OrderingTimestamp")
    if compiled.account_level:
        assert compiled.managed is not None
        accounts = sorted(set(account_ids)) if account_ids is not None else resources.accounts()
        return [
            make_evaluation(compiled.name, ACCOUNT_RESOURCE_TYPE, account, *compiled.managed.check(
                account, region, compiled.parameters, resources), ordering_text)
            for account in accounts
        ]
    evaluations = []
    for item in sorted(resources.all(), key=lambda i: (i["resourceType"], i["resourceId"])):
        if not in_scope(compiled.scope, item, compiled.default_resource_types):
            continue
        if item["configurationItemStatus"] in _NOT_EVALUATED_STATUSES:
            continue
        compliance, annotation = _run(compiled, item, resources, ordering_text)
        evaluations.append(make_evaluation(compiled.name, item["resourceType"], item["resourceId"],
                                           compliance, annotation, ordering_text))
    return evaluations


def periodic_due(rule: Any, last_run: Any, now: Any) -> bool:
    """Whether a periodic rule should run at ``now`` given its last run (None = never).

    AWS runs a periodic rule at most once per ``MaximumExecutionFrequency``; the timer that
    calls this owns the clock.
    """
    compiled = _definitions.compile_config_rule(rule)
    if not compiled.periodic or compiled.frequency_seconds is None:
        return False
    if last_run is None:
        return True
    elapsed_ms = to_epoch_ms(now, field="now") - to_epoch_ms(last_run, field="last_run")
    return elapsed_ms >= compiled.frequency_seconds * 1000
