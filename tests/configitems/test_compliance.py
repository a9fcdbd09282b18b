import pytest

from pipeline.configitems import ComplianceTracker, EvaluationError, apply_evaluation, result_key


def ev(resource_id, compliance, at, rule="restricted-ssh", annotation=None, resource_type="AWS::EC2::SecurityGroup"):
    return {"ComplianceResourceType": resource_type, "ComplianceResourceId": resource_id,
            "ComplianceType": compliance, "Annotation": annotation, "OrderingTimestamp": at, "ConfigRuleName": rule}


def test_compliance_change_is_reported_only_on_a_change():
    tracker = ComplianceTracker(account_id="123456789012", region="us-east-1")
    first = tracker.put_evaluations([ev("sg-1", "COMPLIANT", "2024-05-01T10:00:00Z")], recorded_time="2024-05-01T10:00:01Z")
    assert len(first) == 1 and first[0]["oldEvaluationResult"] is None
    again = tracker.put_evaluations([ev("sg-1", "COMPLIANT", "2024-05-01T11:00:00Z")], recorded_time="2024-05-01T11:00:01Z")
    assert again == []
    changed = tracker.put_evaluations([ev("sg-1", "NON_COMPLIANT", "2024-05-01T12:00:00Z", annotation="ssh open")],
                                      recorded_time="2024-05-01T12:00:01Z",
                                      config_rule_arns={"restricted-ssh": "arn:aws:config:us-east-1:123456789012:config-rule/config-rule-1"})
    assert len(changed) == 1
    detail = changed[0]
    assert detail["messageType"] == "ComplianceChangeNotification"
    assert detail["configRuleARN"].endswith("config-rule-1")
    assert detail["awsAccountId"] == "123456789012" and detail["awsRegion"] == "us-east-1"
    assert detail["resourceType"] == "AWS::EC2::SecurityGroup" and detail["resourceId"] == "sg-1"
    assert detail["newEvaluationResult"]["complianceType"] == "NON_COMPLIANT"
    assert detail["newEvaluationResult"]["annotation"] == "ssh open"
    assert detail["newEvaluationResult"]["evaluationResultIdentifier"] == {
        "evaluationResultQualifier": {"configRuleName": "restricted-ssh", "resourceType": "AWS::EC2::SecurityGroup",
                                      "resourceId": "sg-1"},
        "orderingTimestamp": "2024-05-01T12:00:00.000Z"}
    assert detail["oldEvaluationResult"]["complianceType"] == "COMPLIANT"
    assert detail["oldEvaluationResult"]["evaluationResultIdentifier"]["orderingTimestamp"] == "2024-05-01T11:00:00.000Z"
    assert detail["notificationCreationTime"] == "2024-05-01T12:00:01.000Z"


def test_older_evaluation_is_ignored():
    stored = apply_evaluation(None, ev("sg-1", "NON_COMPLIANT", "2024-05-01T12:00:00Z"), recorded_time="2024-05-01T12:00:01Z")
    late = apply_evaluation(stored.result, ev("sg-1", "COMPLIANT", "2024-05-01T11:00:00Z"), recorded_time="2024-05-01T12:00:02Z")
    assert late.ignored and not late.changed and late.result == stored.result


def test_first_not_applicable_is_not_a_change():
    update = apply_evaluation(None, ev("sg-1", "NOT_APPLICABLE", "2024-05-01T12:00:00Z"), recorded_time="2024-05-01T12:00:01Z")
    assert not update.changed and update.result["ComplianceType"] == "NOT_APPLICABLE"
    later = apply_evaluation(update.result, ev("sg-1", "NON_COMPLIANT", "2024-05-01T13:00:00Z"), recorded_time="2024-05-01T13:00:01Z")
    assert later.changed


def test_account_results_carry_the_account_id():
    update = apply_evaluation(None, ev("123456789012", "COMPLIANT", "2024-05-01T12:00:00Z", rule="cloudtrail-enabled",
                                       resource_type="AWS::::Account"), recorded_time="2024-05-01T12:00:01Z")
    assert update.event_detail["awsAccountId"] == "123456789012"


def test_evaluations_are_validated():
    with pytest.raises(EvaluationError, match="INSUFFICIENT_DATA"):
        apply_evaluation(None, ev("sg-1", "INSUFFICIENT_DATA", "2024-05-01T12:00:00Z"), recorded_time="2024-05-01T12:00:01Z")
    with pytest.raises(EvaluationError, match="OrderingTimestamp"):
        apply_evaluation(None, ev("sg-1", "COMPLIANT", None), recorded_time="2024-05-01T12:00:01Z")
    with pytest.raises(EvaluationError, match="ComplianceResourceId"):
        apply_evaluation(None, ev("", "COMPLIANT", "2024-05-01T12:00:00Z"), recorded_time="2024-05-01T12:00:01Z")


def _tracker():
    tracker = ComplianceTracker()
    tracker.add_rule("unused-rule")
    tracker.put_evaluations([
        ev("sg-1", "NON_COMPLIANT", "2024-05-01T10:00:00Z", annotation="open"),
        ev("sg-2", "COMPLIANT", "2024-05-01T10:00:00Z"),
        ev("sg-3", "NON_COMPLIANT", "2024-05-01T10:00:00Z"),
        ev("sg-4", "NOT_APPLICABLE", "2024-05-01T10:00:00Z"),
        ev("vol-1", "COMPLIANT", "2024-05-01T10:00:00Z", rule="encrypted-volumes", resource_type="AWS::EC2::Volume"),
        ev("b", "NOT_APPLICABLE", "2024-05-01T10:00:00Z", rule="only-na", resource_type="AWS::S3::Bucket"),
    ], recorded_time="2024-05-01T10:00:01Z")
    return tracker


def test_describe_compliance_by_config_rule():
    answer = _tracker().describe_compliance_by_config_rule()
    assert answer == {"ComplianceByConfigRules": [
        {"ConfigRuleName": "encrypted-volumes", "Compliance": {"ComplianceType": "COMPLIANT"}},
        {"ConfigRuleName": "only-na", "Compliance": {"ComplianceType": "INSUFFICIENT_DATA"}},
        {"ConfigRuleName": "restricted-ssh", "Compliance": {
            "ComplianceType": "NON_COMPLIANT",
            "ComplianceContributorCount": {"CappedCount": 2, "CapExceeded": False}}},
        {"ConfigRuleName": "unused-rule", "Compliance": {"ComplianceType": "INSUFFICIENT_DATA"}},
    ]}
    only_bad = _tracker().describe_compliance_by_config_rule(compliance_types=["NON_COMPLIANT"])
    assert [r["ConfigRuleName"] for r in only_bad["ComplianceByConfigRules"]] == ["restricted-ssh"]


def test_get_compliance_details_by_config_rule():
    tracker = _tracker()
    answer = tracker.get_compliance_details_by_config_rule("restricted-ssh", compliance_types=["NON_COMPLIANT"])
    results = answer["EvaluationResults"]
    assert [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in results] == ["sg-1", "sg-3"]
    assert results[0] == {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {"ConfigRuleName": "restricted-ssh", "ResourceType": "AWS::EC2::SecurityGroup",
                                          "ResourceId": "sg-1", "EvaluationMode": "DETECTIVE"},
            "OrderingTimestamp": "2024-05-01T10:00:00.000Z"},
        "ComplianceType": "NON_COMPLIANT",
        "ResultRecordedTime": "2024-05-01T10:00:01.000Z",
        "ConfigRuleInvokedTime": "2024-05-01T10:00:01.000Z",
        "Annotation": "open",
    }
    assert result_key(results[0]) == "restricted-ssh|AWS::EC2::SecurityGroup|sg-1"
    everything = tracker.get_compliance_details_by_config_rule("restricted-ssh", limit=3)
    assert len(everything["EvaluationResults"]) == 3 and everything["NextToken"]
    rest = tracker.get_compliance_details_by_config_rule("restricted-ssh", limit=3, next_token=everything["NextToken"])
    assert len(rest["EvaluationResults"]) == 1 and "NextToken" not in rest


def test_forget_rule():
    tracker = _tracker()
    tracker.forget_rule("restricted-ssh")
    assert "restricted-ssh" not in [r["ConfigRuleName"] for r in tracker.describe_compliance_by_config_rule()["ComplianceByConfigRules"]]
