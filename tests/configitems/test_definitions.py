import json

import pytest

from pipeline.configitems import ConfigRuleError, compile_config_rule, validate_config_rule
from pipeline.definitions.kinds import validate


def test_put_config_rule_request_is_normalised():
    name, body = validate_config_rule({"ConfigRule": {
        "ConfigRuleName": "restricted-common-ports",
        "Source": {"Owner": "AWS", "SourceIdentifier": "RESTRICTED_INCOMING_TRAFFIC"},
        "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]},
        "InputParameters": "{\"blockedPort1\": \"8080\"}"}, "Tags": [{"Key": "team", "Value": "sec"}]})
    assert name == "restricted-common-ports"
    assert body["ConfigRule"]["InputParameters"] == json.dumps({"blockedPort1": "8080"}, separators=(",", ":"))
    assert body["ConfigRule"]["ConfigRuleState"] == "ACTIVE"
    assert body["Tags"] == [{"Key": "team", "Value": "sec"}]
    # the normalised form validates to itself
    assert validate_config_rule(body) == (name, body)


def test_bare_rule_without_wrapper_is_accepted():
    name, body = validate_config_rule({"ConfigRuleName": "restricted-ssh",
                                       "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
    assert name == "restricted-ssh" and "ConfigRule" in body


def test_registered_with_the_definitions_loader():
    definition = validate("PutConfigRule", {"ConfigRule": {
        "ConfigRuleName": "encrypted-volumes", "Source": {"Owner": "AWS", "SourceIdentifier": "ENCRYPTED_VOLUMES"}}})
    assert definition.key == "ConfigRule/encrypted-volumes"


def test_triggers_and_frequency():
    managed_periodic = compile_config_rule({"ConfigRuleName": "ct", "Source": {"Owner": "AWS", "SourceIdentifier": "CLOUD_TRAIL_ENABLED"},
                                            "MaximumExecutionFrequency": "One_Hour"})
    assert managed_periodic.periodic and not managed_periodic.change_triggered
    assert managed_periodic.frequency_seconds == 3600 and managed_periodic.account_level
    default_frequency = compile_config_rule({"ConfigRuleName": "vpc", "Source": {"Owner": "AWS", "SourceIdentifier": "VPC_FLOW_LOGS_ENABLED"}})
    assert default_frequency.maximum_execution_frequency == "TwentyFour_Hours"
    change = compile_config_rule({"ConfigRuleName": "ssh", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
    assert change.change_triggered and not change.periodic and change.frequency_seconds is None


@pytest.mark.parametrize("rule, message", [
    ({"Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}, "ConfigRuleName is required"),
    ({"ConfigRuleName": "x"}, "Source is required"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "ME", "SourceIdentifier": "X"}}, "Source.Owner must be one of"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS"}}, "SourceIdentifier is required"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "EC2_MAGIC"}}, "managed rule 'EC2_MAGIC' is not implemented"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
      "InputParameters": "{oops"}, "InputParameters is not valid JSON"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
      "MaximumExecutionFrequency": "Daily"}, "MaximumExecutionFrequency must be one of"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
      "Scope": {"TagValue": "prod"}}, "Scope.TagValue needs Scope.TagKey"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
      "Scope": {"ComplianceResourceId": "sg-1"}}, "needs exactly one type"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": "f",
      "SourceDetails": [{"EventSource": "aws.config", "MessageType": "Whenever"}]}}, "MessageType must be one of"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "CUSTOM_POLICY"}}, "CustomPolicyDetails"),
    ({"ConfigRuleName": "x", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}, "Color": "red"},
     "unknown ConfigRule field"),
])
def test_invalid_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(ConfigRuleError, match=__import__("re").escape(message)):
        validate_config_rule({"ConfigRule": rule})


def test_periodic_due():
    from pipeline.configitems import periodic_due

    hourly = {"ConfigRuleName": "ct", "Source": {"Owner": "AWS", "SourceIdentifier": "CLOUD_TRAIL_ENABLED"},
              "MaximumExecutionFrequency": "One_Hour"}
    assert periodic_due(hourly, None, "2024-05-01T10:00:00Z")
    assert not periodic_due(hourly, "2024-05-01T10:00:00Z", "2024-05-01T10:59:59Z")
    assert periodic_due(hourly, "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z")
    change_only = {"ConfigRuleName": "ssh", "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}
    assert not periodic_due(change_only, None, "2024-05-01T10:00:00Z")
