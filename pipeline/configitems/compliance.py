"""Compliance bookkeeping: evaluations in, results and compliance-change events out.

One stored result per (rule, resource type, resource id), in the API's ``EvaluationResult``
shape. The Faust layer keeps them in a table keyed by ``result_key(evaluation)`` and calls
``apply_evaluation(previous_result, evaluation, ...)``; ``ComplianceTracker`` does the same over a
plain dict for offline use and tests. Queries answer in the AWS shapes of
DescribeComplianceByConfigRule and GetComplianceDetailsByConfigRule.

When compliance changes (our reading of "ComplianceChangeNotification"): a result whose
ComplianceType differs from the stored one, or a first result that is not NOT_APPLICABLE.
Evaluations older than the stored one (OrderingTimestamp) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pipeline.configitems.errors import EvaluationError
from pipeline.configitems.times import format_time, to_epoch_ms

__all__ = [
    "ComplianceUpdate",
    "ComplianceTracker",
    "result_key",
    "apply_evaluation",
    "compliance_change_detail",
    "describe_compliance_by_config_rule",
    "get_compliance_details_by_config_rule",
]

RESOURCE_COMPLIANCE = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
RULE_COMPLIANCE = ("COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA")
CONTRIBUTOR_CAP = 100  # ComplianceContributorCount.CappedCount is capped [API]
DEFAULT_DETAILS_LIMIT = 100


def result_key(evaluation: Mapping[str, Any]) -> str:
    """``ConfigRuleName|ResourceType|ResourceId`` for an evaluation or a stored result."""
    if "EvaluationResultIdentifier" in evaluation:
        qualifier = evaluation["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        return f"{qualifier['ConfigRuleName']}|{qualifier['ResourceType']}|{qualifier['ResourceId']}"
    return (f"{evaluation['ConfigRuleName']}|{evaluation['ComplianceResourceType']}|"
            f"{evaluation['ComplianceResourceId']}")


@dataclass(frozen=True)
class ComplianceUpdate:
    result: dict[str, Any] | None  # store under result_key (unchanged previous one when ignored)
    changed: bool
    event_detail: dict[str, Any] | None  # detail of "Config Rules Compliance Change" when changed
    ignored: str | None = None  # why the evaluation was not applied


def _check_evaluation(evaluation: Mapping[str, Any]) -> None:
    for key in ("ConfigRuleName", "ComplianceResourceType", "ComplianceResourceId", "ComplianceType"):
        if not isinstance(evaluation.get(key), str) or not evaluation.get(key):
            raise EvaluationError(f"an evaluation needs {key}")
    if evaluation["ComplianceType"] not in RESOURCE_COMPLIANCE:
        raise EvaluationError(
            f"ComplianceType {evaluation['ComplianceType']!r} is not accepted for a resource; "
            f"use one of {', '.join(RESOURCE_COMPLIANCE)}"
        )
    if evaluation.get("OrderingTimestamp") is None:
        raise EvaluationError("an evaluation needs OrderingTimestamp")


def _result(evaluation: Mapping[str, Any], recorded_time: Any, invoked_time: Any) -> dict[str, Any]:
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": evaluation["ConfigRuleName"],
                "ResourceType": evaluation["ComplianceResourceType"],
                "ResourceId": evaluation["ComplianceResourceId"],
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": format_time(evaluation["OrderingTimestamp"], field="OrderingTimestamp"),
        },
        "ComplianceType": evaluation["ComplianceType"],
        "ResultRecordedTime": format_time(recorded_time, field="recorded_time"),
        "ConfigRuleInvokedTime": format_time(invoked_time if invoked_time is not None else recorded_time,
                                             field="invoked_time"),
        "Annotation": evaluation.get("Annotation"),
    }


def _notification_result(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if result is None:
        return None
    identifier = result["EvaluationResultIdentifier"]
    qualifier = identifier["EvaluationResultQualifier"]
    return {
        "evaluationResultIdentifier": {
            "evaluationResultQualifier": {
                "configRuleName": qualifier["ConfigRuleName"],
                "resourceType": qualifier["ResourceType"],
                "resourceId": qualifier["ResourceId"],
            },
            "orderingTimestamp": identifier["OrderingTimestamp"],
        },
        "complianceType": result["ComplianceType"],
        "resultRecordedTime": result["ResultRecordedTime"],
        "configRuleInvokedTime": result["ConfigRuleInvokedTime"],
        "annotation": result.get("Annotation"),
        "resultToken": None,
    }


def compliance_change_detail(new_result: Mapping[str, Any], old_result: Mapping[str, Any] | None, *,
                             notification_time: Any, account_id: str | None, region: str | None,
                             config_rule_arn: str | None = None) -> dict[str, Any]:
    """``ComplianceChangeNotification`` – the detail of a ``Config Rules Compliance Change`` event."""
    qualifier = new_result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    return {
        "resourceId": qualifier["ResourceId"],
        "awsRegion": region,
        "awsAccountId": account_id,
        "configRuleName": qualifier["ConfigRuleName"],
        "recordVersion": "1.0",
        "configRuleARN": config_rule_arn,
        "messageType": "ComplianceChangeNotification",
        "newEvaluationResult": _notification_result(new_result),
        "oldEvaluationResult": _notification_result(old_result),
        "notificationCreationTime": format_time(notification_time, field="notification_time"),
        "resourceType": qualifier["ResourceType"],
    }


def apply_evaluation(previous: Mapping[str, Any] | None, evaluation: Mapping[str, Any], *,
                     recorded_time: Any, invoked_time: Any = None, account_id: str | None = None,
                     region: str | None = None, config_rule_arn: str | None = None) -> ComplianceUpdate:
    """Apply one evaluation to the stored result of its (rule, resource).

    :param previous: the stored result (a previous ``update.result``) or None.
    :param recorded_time: ResultRecordedTime and the notification time (no clock is read).
    :param account_id: for the event detail; for ``AWS::::Account`` results the resource id.
    """
    _check_evaluation(evaluation)
    if previous is not None:
        if result_key(previous) != result_key(evaluation):
            raise EvaluationError(f"the evaluation is for {result_key(evaluation)}, the stored result for {result_key(previous)}")
        before = to_epoch_ms(previous["EvaluationResultIdentifier"]["OrderingTimestamp"])
        if to_epoch_ms(evaluation["OrderingTimestamp"], field="OrderingTimestamp") < before:
            return ComplianceUpdate(dict(previous), False, None, "older than the stored result")
    result = _result(evaluation, recorded_time, invoked_time)
    if previous is None:
        changed = result["ComplianceType"] != "NOT_APPLICABLE"
    else:
        changed = result["ComplianceType"] != previous["ComplianceType"]
    detail = None
    if changed:
        if account_id is None and evaluation["ComplianceResourceType"] == "AWS::::Account":
            account_id = evaluation["ComplianceResourceId"]
        detail = compliance_change_detail(result, previous, notification_time=recorded_time,
                                          account_id=account_id, region=region, config_rule_arn=config_rule_arn)
    return ComplianceUpdate(result, changed, detail)


def _rule_compliance(results: list[Mapping[str, Any]]) -> tuple[str, int]:
    non_compliant = sum(1 for r in results if r["ComplianceType"] == "NON_COMPLIANT")
    if non_compliant:
        return "NON_COMPLIANT", non_compliant
    if any(r["ComplianceType"] == "COMPLIANT" for r in results):
        return "COMPLIANT", 0
    return "INSUFFICIENT_DATA", 0  # no results, or only NOT_APPLICABLE ones


def _rule_name(result: Mapping[str, Any]) -> str:
    return result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"]


def describe_compliance_by_config_rule(results: Iterable[Mapping[str, Any]], config_rule_names: Iterable[str],
                                       compliance_types: Iterable[str] | None = None) -> dict[str, Any]:
    """``{"ComplianceByConfigRules": [{"ConfigRuleName", "Compliance": {...}}]}``.

    :param config_rule_names: the rules to describe (rules without results are INSUFFICIENT_DATA).
    :param compliance_types: keep only rules whose compliance is one of these.
    """
    wanted = None if compliance_types is None else set(compliance_types)
    if wanted is not None and wanted - set(RULE_COMPLIANCE):
        raise EvaluationError(f"ComplianceTypes must be among {', '.join(RULE_COMPLIANCE)}")
    by_rule: dict[str, list[Mapping[str, Any]]] = {}
    for result in results:
        by_rule.setdefault(_rule_name(result), []).append(result)
    answer = []
    for name in sorted(set(config_rule_names)):
        compliance_type, count = _rule_compliance(by_rule.get(name, []))
        if wanted is not None and compliance_type not in wanted:
            continue
        compliance: dict[str, Any] = {"ComplianceType": compliance_type}
        if compliance_type == "NON_COMPLIANT":
            compliance["ComplianceContributorCount"] = {
                "CappedCount": min(count, CONTRIBUTOR_CAP), "CapExceeded": count > CONTRIBUTOR_CAP,
            }
        answer.append({"ConfigRuleName": name, "Compliance": compliance})
    return {"ComplianceByConfigRules": answer}


def get_compliance_details_by_config_rule(results: Iterable[Mapping[str, Any]], config_rule_name: str,
                                          compliance_types: Iterable[str] | None = None, limit: int = 0,
                                          next_token: str | None = None) -> dict[str, Any]:
    """``{"EvaluationResults": [...]}`` (+ ``NextToken``) for one rule, ordered by resource."""
    wanted = set(compliance_types) if compliance_types else set(RESOURCE_COMPLIANCE)
    if wanted - set(RESOURCE_COMPLIANCE):
        raise EvaluationError(f"ComplianceTypes must be among {', '.join(RESOURCE_COMPLIANCE)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 100:
        raise EvaluationError("Limit must be an integer from 0 to 100")
    limit = limit or DEFAULT_DETAILS_LIMIT
    selected = sorted(
        (dict(r) for r in results if _rule_name(r) == config_rule_name and r["ComplianceType"] in wanted),
        key=lambda r: (r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceType"],
                       r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]),
    )
    start = 0
    if next_token:
        try:
            start = int(next_token.split(":", 1)[1])
        except (IndexError, ValueError):
            raise EvaluationError("NextToken is not valid") from None
    answer: dict[str, Any] = {"EvaluationResults": selected[start:start + limit]}
    if start + limit < len(selected):
        answer["NextToken"] = f"offset:{start + limit}"
    return answer


class ComplianceTracker:
    """The same bookkeeping over an in-memory dict (offline tools, tests)."""

    def __init__(self, *, account_id: str | None = None, region: str | None = None) -> None:
        self.account_id = account_id
        self.region = region
        self.results: dict[str, dict[str, Any]] = {}
        self.rule_names: set[str] = set()

    def add_rule(self, name: str) -> None:
        self.rule_names.add(name)

    def put_evaluations(self, evaluations: Iterable[Mapping[str, Any]], *, recorded_time: Any,
                        invoked_time: Any = None, config_rule_arns: Mapping[str, str] | None = None,
                        ) -> list[dict[str, Any]]:
        """Apply evaluations; return the compliance-change event details, in order."""
        details = []
        for evaluation in evaluations:
            key = result_key(evaluation)
            update = apply_evaluation(
                self.results.get(key), evaluation, recorded_time=recorded_time, invoked_time=invoked_time,
                account_id=self.account_id, region=self.region,
                config_rule_arn=(config_rule_arns or {}).get(evaluation["ConfigRuleName"]),
            )
            if update.result is not None:
                self.results[key] = update.result
            self.rule_names.add(evaluation["ConfigRuleName"])
            if update.event_detail is not None:
                details.append(update.event_detail)
        return details

    def forget_rule(self, name: str) -> None:
        """DeleteConfigRule / DeleteEvaluationResults."""
        self.rule_names.discard(name)
        self.results = {k: v for k, v in self.results.items() if _rule_name(v) != name}

    def describe_compliance_by_config_rule(self, config_rule_names: Iterable[str] | None = None,
                                           compliance_types: Iterable[str] | None = None) -> dict[str, Any]:
        names = self.rule_names if config_rule_names is None else config_rule_names
        return describe_compliance_by_config_rule(self.results.values(), names, compliance_types)

    def get_compliance_details_by_config_rule(self, config_rule_name: str, compliance_types: Iterable[str] | None = None,
                                              limit: int = 0, next_token: str | None = None) -> dict[str, Any]:
        return get_compliance_details_by_config_rule(self.results.values(), config_rule_name, compliance_types,
                                                     limit, next_token)
