import json
import textwrap

import pytest

from pipeline.configitems import (
    ConfigRuleError, CustomRuleNotFoundError, evaluate_change, evaluate_periodic, register_config_rule,
    unregister_config_rule, validate_config_rule,
)
from pipeline.configitems.rules.custom import ENTRY_POINT_GROUP, resolve_custom_rule

from .samples import base, real


def pattern_rule(pattern, params=None, scope=None):
    body = {"ConfigRuleName": "pattern-rule", "Source": {
        "Owner": "CUSTOM_POLICY",
        "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}],
        "CustomPolicyDetails": {"PolicyRuntime": "event-pattern", "PolicyText": json.dumps(pattern)}}}
    if params:
        body["InputParameters"] = json.dumps(params)
    if scope:
        body["Scope"] = scope
    return {"ConfigRule": body}


VERSIONING_ON = {"resourceType": ["AWS::S3::Bucket"],
                 "supplementaryConfiguration": {"BucketVersioningConfiguration": {"status": ["Enabled"]}}}


def test_pattern_rule_compliant_when_it_matches():
    pytest.importorskip("pipeline.eventpatterns")
    r = pattern_rule(VERSIONING_ON)
    assert evaluate_change(r, real("ci-04"))["ComplianceType"] == "COMPLIANT"
    evaluation = evaluate_change(r, real("ci-05"))  # versioning suspended
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "does not match" in evaluation["Annotation"]


def test_pattern_rule_reversed_by_parameter():
    pytest.importorskip("pipeline.eventpatterns")
    open_ssh = {"configuration": {"ipPermissions": {"fromPort": [22], "ipRanges": ["0.0.0.0/0"]}}}
    r = pattern_rule(open_ssh, params={"complianceOnMatch": "NON_COMPLIANT"},
                     scope={"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]})
    assert evaluate_change(r, real("ci-06"))["ComplianceType"] == "NON_COMPLIANT"
    assert evaluate_change(r, real("ci-03"))["ComplianceType"] == "COMPLIANT"
    assert evaluate_change(r, real("ci-05"))["ComplianceType"] == "NOT_APPLICABLE"


def test_pattern_rule_sees_the_notification_spelling_and_tags():
    pytest.importorskip("pipeline.eventpatterns")
    r = pattern_rule({"awsAccountId": ["123456789012"], "tags": {"application_id": ["ADM"]}})
    assert evaluate_change(r, real("ci-05"))["ComplianceType"] == "COMPLIANT"


def test_invalid_pattern_and_guard_policies_are_refused():
    pytest.importorskip("pipeline.eventpatterns")
    with pytest.raises(ConfigRuleError, match="not a valid event pattern"):
        validate_config_rule(pattern_rule({"resourceType": "AWS::S3::Bucket"}))  # values must be arrays
    guard = pattern_rule(VERSIONING_ON)
    guard["ConfigRule"]["Source"]["CustomPolicyDetails"]["PolicyRuntime"] = "guard-2.x.x"
    with pytest.raises(ConfigRuleError, match="PolicyRuntime 'guard-2.x.x' is not supported"):
        validate_config_rule(guard)
    with pytest.raises(ConfigRuleError, match="complianceOnMatch"):
        validate_config_rule(pattern_rule(VERSIONING_ON, params={"complianceOnMatch": "MAYBE"}))


# ---- callables

def lambda_rule(identifier, params=None, periodic=False):
    details = [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]
    if periodic:
        details.append({"EventSource": "aws.config", "MessageType": "ScheduledNotification",
                        "MaximumExecutionFrequency": "One_Hour"})
    body = {"ConfigRuleName": "custom", "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": identifier,
                                                   "SourceDetails": details}}
    if params:
        body["InputParameters"] = json.dumps(params)
    return body


@pytest.fixture
def registered():
    names = []

    def register(name, function):
        register_config_rule(name, function)
        names.append(name)

    yield register
    for name in names:
        unregister_config_rule(name)


def test_registered_callable_rule(registered):
    seen = {}

    def no_default_vpc(configuration_item, rule_parameters, context):
        seen.update(item=configuration_item, params=rule_parameters, rule=context.config_rule_name)
        if configuration_item["configuration"].get("vpcId") == rule_parameters["forbiddenVpc"]:
            return "NON_COMPLIANT", "in the forbidden VPC"
        return "COMPLIANT"

    registered("no-default-vpc", no_default_vpc)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:no-default-vpc"
    r = lambda_rule(arn, {"forbiddenVpc": "vpc-0990dc6d"})
    evaluation = evaluate_change(r, real("ci-06"))
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == ("NON_COMPLIANT", "in the forbidden VPC")
    assert seen["item"]["awsAccountId"] == "264683526309"  # invokingEvent spelling
    assert seen["params"] == {"forbiddenVpc": "vpc-0990dc6d"}
    assert seen["rule"] == "custom"
    assert evaluate_change(r, real("ci-03"))["ComplianceType"] == "COMPLIANT"


def test_callable_returning_a_dict_and_periodic_run(registered):
    registered("tagged", lambda item, params, context: {"ComplianceType": "COMPLIANT" if item["tags"] else "NON_COMPLIANT",
                                                        "Annotation": "x" * 300})
    r = lambda_rule("tagged", periodic=True)
    evaluations = evaluate_periodic(r, [real("ci-05"), real("ci-06")], ordering_timestamp="2024-01-01T00:00:00Z")
    assert [e["ComplianceType"] for e in evaluations] == ["NON_COMPLIANT", "COMPLIANT"]
    assert len(evaluations[0]["Annotation"]) == 256


def test_failing_or_misbehaving_callable_is_a_rule_error(registered):
    registered("boom", lambda item, params, context: 1 / 0)
    with pytest.raises(ConfigRuleError, match="ZeroDivisionError"):
        evaluate_change(lambda_rule("boom"), real("ci-06"))
    registered("odd", lambda item, params, context: "GREEN")
    with pytest.raises(ConfigRuleError, match="ComplianceType 'GREEN'"):
        evaluate_change(lambda_rule("odd"), real("ci-06"))


def test_unknown_callable():
    with pytest.raises(CustomRuleNotFoundError, match="no custom rule named 'nowhere'"):
        evaluate_change(lambda_rule("nowhere"), real("ci-06"))


def test_entry_point_rule(tmp_path, monkeypatch):
    (tmp_path / "acme_config_rules.py").write_text(textwrap.dedent("""
        def volume_size(configuration_item, rule_parameters, context):
            size = configuration_item["configuration"]["size"]
            limit = int(rule_parameters.get("maxSize", 100))
            return ("COMPLIANT", None) if size <= limit else ("NON_COMPLIANT", f"{size} GiB > {limit} GiB")
    """))
    dist = tmp_path / "acme_config_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-config-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nvolume-size = acme_config_rules:volume_size\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert resolve_custom_rule("volume-size").__name__ == "volume_size"
    assert evaluate_change(lambda_rule("volume-size"), real("ci-07"))["ComplianceType"] == "COMPLIANT"
    evaluation = evaluate_change(lambda_rule("volume-size", {"maxSize": 4}), real("ci-07"))
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == ("NON_COMPLIANT", "8 GiB > 4 GiB")


def test_registered_callable_wins_over_entry_point(registered):
    registered("volume-size", lambda item, params, context: "NOT_APPLICABLE")
    assert evaluate_change(lambda_rule("volume-size"), real("ci-07"))["ComplianceType"] == "NOT_APPLICABLE"


def test_deleted_item_is_not_applicable_without_calling_the_rule(registered):
    def never(*args):
        raise AssertionError("called")

    registered("never", never)
    deleted = base("AWS::EC2::SecurityGroup", "sg-1", None, status="ResourceDeleted")
    assert evaluate_change(lambda_rule("never"), deleted)["ComplianceType"] == "NOT_APPLICABLE"
