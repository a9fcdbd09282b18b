"""The calls the Faust layer makes, in order, over plain dicts standing in for its tables."""

from pipeline.configitems import (
    ComplianceTracker, compile_config_rule, evaluate_change, record_step, resource_key, rule_in_scope,
)

from .samples import permission, security_group


def test_record_then_evaluate_then_track_compliance():
    items: dict = {}
    tracker = ComplianceTracker(account_id="123456789012", region="us-east-1")
    rule = compile_config_rule({"ConfigRuleName": "restricted-ssh",
                                "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
    events = []
    stream = [
        security_group("sg-1", [], capture="2024-05-01T10:00:00Z", status="ResourceDiscovered"),
        security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0")], capture="2024-05-01T11:00:00Z"),
        security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0")], capture="2024-05-01T11:30:00Z"),  # same
        security_group("sg-1", [], capture="2024-05-01T10:30:00Z"),  # late and older
        security_group("sg-1", [], capture="2024-05-01T12:00:00Z"),
    ]
    for raw in stream:
        key = f"{raw['resourceType']}/{raw['resourceId']}"
        decision = record_step(items.get(key), raw)
        if decision.item is not None:
            items[resource_key(decision.item)] = decision.item
        if not decision.recorded:
            continue
        events.append(("Config Configuration Item Change", decision.event_detail["configurationItemDiff"]["changeType"]))
        if rule.change_triggered and rule_in_scope(rule, decision.item):
            evaluation = evaluate_change(rule, decision.item, current_items=items.values())
            for detail in tracker.put_evaluations([evaluation], recorded_time=decision.item["configurationItemCaptureTime"]):
                events.append(("Config Rules Compliance Change", detail["newEvaluationResult"]["complianceType"]))
    assert events == [
        ("Config Configuration Item Change", "CREATE"),
        ("Config Rules Compliance Change", "COMPLIANT"),
        ("Config Configuration Item Change", "UPDATE"),
        ("Config Rules Compliance Change", "NON_COMPLIANT"),
        ("Config Configuration Item Change", "UPDATE"),
        ("Config Rules Compliance Change", "COMPLIANT"),
    ]
