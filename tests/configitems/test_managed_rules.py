"""Every managed rule with COMPLIANT and NON_COMPLIANT items, and NOT_APPLICABLE out of scope."""

import json

import pytest

from pipeline.configitems import ConfigRuleError, evaluate_change, evaluate_periodic

from .samples import base, bucket, permission, public_grant, real, security_group


def rule(identifier, params=None, scope=None, name=None):
    body = {"ConfigRuleName": name or identifier.lower(), "Source": {"Owner": "AWS", "SourceIdentifier": identifier}}
    if params is not None:
        body["InputParameters"] = json.dumps(params)
    if scope is not None:
        body["Scope"] = scope
    return {"ConfigRule": body}


def compliance(rule_body, item, **kw):
    return evaluate_change(rule_body, item, **kw)["ComplianceType"]


# ---- S3_BUCKET_PUBLIC_READ_PROHIBITED / WRITE

PUBLIC_READ_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::b/*"}]}
PUBLIC_WRITE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicWrite", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:Put*"],
     "Resource": "arn:aws:s3:::b/*"}]}


def test_real_private_bucket_is_compliant_for_read_and_write():
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), real("ci-05")) == "COMPLIANT"
    assert compliance(rule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED"), real("ci-05")) == "COMPLIANT"


@pytest.mark.parametrize("grantee", [{"identifier": "http://acs.amazonaws.com/groups/global/AllUsers",
                                      "typeIdentifier": "uri"}, "AllUsers", "AuthenticatedUsers"])
def test_public_read_acl_is_non_compliant(grantee):
    item = bucket("b", acl_grants=[{"grantee": grantee, "permission": "Read"}])
    evaluation = evaluate_change(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), item)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "ACL" in evaluation["Annotation"]
    # a read grant is not a write grant
    assert compliance(rule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED"), item) == "COMPLIANT"


def test_public_write_acl_is_non_compliant_for_write():
    item = bucket("b", acl_grants=[public_grant("Write")])
    assert compliance(rule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED"), item) == "NON_COMPLIANT"
    full = bucket("b", acl_grants=[public_grant("FullControl")])
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), full) == "NON_COMPLIANT"


def test_public_policies():
    read = bucket("b", policy=PUBLIC_READ_POLICY)
    write = bucket("b", policy=PUBLIC_WRITE_POLICY)
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), read) == "NON_COMPLIANT"
    assert compliance(rule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED"), read) == "COMPLIANT"
    assert compliance(rule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED"), write) == "NON_COMPLIANT"
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), write) == "COMPLIANT"


def test_rdk_deny_policy_and_restricting_conditions_are_not_public():
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::b", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), bucket("b", policy=deny)) == "COMPLIANT"
    by_ip = json.loads(json.dumps(PUBLIC_READ_POLICY))
    by_ip["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), bucket("b", policy=by_ip)) == "COMPLIANT"


def test_block_public_access_makes_public_grants_harmless():
    blocked = {"blockPublicAcls": True, "ignorePublicAcls": True, "blockPublicPolicy": True,
               "restrictPublicBuckets": True}
    item = bucket("b", acl_grants=[public_grant("Read")], policy=PUBLIC_READ_POLICY, public_access_block=blocked)
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), item) == "COMPLIANT"
    # only the ACL side blocked: the policy still makes it public
    acl_only = bucket("b", acl_grants=[public_grant("Read")], policy=PUBLIC_READ_POLICY,
                      public_access_block={"ignorePublicAcls": True})
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), acl_only) == "NON_COMPLIANT"


def test_account_level_block_public_access_counts():
    item = bucket("b", acl_grants=[public_grant("Read")])
    account_block = base("AWS::S3::AccountPublicAccessBlock", "123456789012", {
        "blockPublicAcls": True, "ignorePublicAcls": True, "blockPublicPolicy": True, "restrictPublicBuckets": True})
    assert compliance(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), item, current_items=[account_block]) == "COMPLIANT"


def test_s3_rule_is_not_applicable_to_a_security_group():
    evaluation = evaluate_change(rule("S3_BUCKET_PUBLIC_READ_PROHIBITED"), real("ci-06"))
    assert evaluation["ComplianceType"] == "NOT_APPLICABLE"


# ---- INCOMING_SSH_DISABLED

def test_real_security_group_with_open_ssh_is_non_compliant():
    assert compliance(rule("INCOMING_SSH_DISABLED"), real("ci-06")) == "NON_COMPLIANT"


@pytest.mark.parametrize("permissions, expected", [
    ([permission("tcp", 22, 22, "10.0.0.0/8")], "COMPLIANT"),
    ([permission("tcp", 443, 443, "0.0.0.0/0")], "COMPLIANT"),
    ([permission("udp", 22, 22, "0.0.0.0/0")], "COMPLIANT"),
    ([], "COMPLIANT"),
    ([permission("tcp", 0, 1024, "0.0.0.0/0")], "NON_COMPLIANT"),
    ([permission("-1", None, None, "0.0.0.0/0")], "NON_COMPLIANT"),
    ([permission("tcp", 22, 22, "0.0.0.0/0", v4_objects=True)], "NON_COMPLIANT"),
    ([permission("tcp", 22, 22, "::/0")], "COMPLIANT"),  # the rule applies to IPv4 only
])
def test_incoming_ssh(permissions, expected):
    assert compliance(rule("INCOMING_SSH_DISABLED"), security_group("sg-1", permissions)) == expected


def test_real_created_group_without_ingress_is_compliant():
    assert compliance(rule("INCOMING_SSH_DISABLED"), real("ci-03")) == "COMPLIANT"


# ---- RESTRICTED_INCOMING_TRAFFIC

@pytest.mark.parametrize("port, expected", [(20, "NON_COMPLIANT"), (21, "NON_COMPLIANT"), (3389, "NON_COMPLIANT"),
                                            (3306, "NON_COMPLIANT"), (4333, "NON_COMPLIANT"), (22, "COMPLIANT"),
                                            (443, "COMPLIANT")])
def test_restricted_common_ports_defaults(port, expected):
    item = security_group("sg-1", [permission("tcp", port, port, "0.0.0.0/0")])
    assert compliance(rule("RESTRICTED_INCOMING_TRAFFIC"), item) == expected


def test_restricted_common_ports_parameters_and_annotation():
    item = security_group("sg-1", [permission("tcp", 8000, 8100, "0.0.0.0/0"),
                                   permission("tcp", 3389, 3389, "192.168.0.0/16")])
    r = rule("RESTRICTED_INCOMING_TRAFFIC", {"blockedPort1": "8080"})
    evaluation = evaluate_change(r, item)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "8080" in evaluation["Annotation"]
    assert compliance(rule("RESTRICTED_INCOMING_TRAFFIC"), item) == "COMPLIANT"


def test_restricted_common_ports_refuses_bad_parameters():
    with pytest.raises(ConfigRuleError, match="blockedPort1 must be a port number"):
        evaluate_change(rule("RESTRICTED_INCOMING_TRAFFIC", {"blockedPort1": "ssh"}), real("ci-06"))
    with pytest.raises(ConfigRuleError, match="unknown input parameter"):
        evaluate_change(rule("RESTRICTED_INCOMING_TRAFFIC", {"blockedPort9": "22"}), real("ci-06"))


# ---- ENCRYPTED_VOLUMES

def _volume(encrypted, attached=True, kms=None):
    attachments = [{"volumeId": "vol-1", "instanceId": "i-1", "device": "/dev/xvda", "state": "attached",
                    "deleteOnTermination": True}] if attached else []
    return base("AWS::EC2::Volume", "vol-1", {"volumeId": "vol-1", "size": 8, "state": "in-use" if attached else "available",
                                              "attachments": attachments, "encrypted": encrypted, "kmsKeyId": kms,
                                              "volumeType": "gp3", "tags": []})


def test_real_encrypted_attached_volume_is_compliant():
    assert compliance(rule("ENCRYPTED_VOLUMES"), real("ci-07")) == "COMPLIANT"


def test_volumes():
    assert compliance(rule("ENCRYPTED_VOLUMES"), _volume(False)) == "NON_COMPLIANT"
    assert compliance(rule("ENCRYPTED_VOLUMES"), _volume(False, attached=False)) == "NOT_APPLICABLE"


def test_volume_kms_key():
    key_arn = "arn:aws:kms:ap-southeast-1:055409840355:key/bd41e26b-d347-4c59-ab0b-32aee30fcf8d"
    assert compliance(rule("ENCRYPTED_VOLUMES", {"kmsId": "bd41e26b-d347-4c59-ab0b-32aee30fcf8d"}), real("ci-07")) == "COMPLIANT"
    assert compliance(rule("ENCRYPTED_VOLUMES", {"kmsId": key_arn}), real("ci-07")) == "COMPLIANT"
    assert compliance(rule("ENCRYPTED_VOLUMES", {"kmsId": "another-key"}), real("ci-07")) == "NON_COMPLIANT"


# ---- REQUIRED_TAGS

def test_required_tags():
    r = rule("REQUIRED_TAGS", {"tag1Key": "env", "tag1Value": "prod,staging", "tag2Key": "owner"})
    assert compliance(r, security_group("sg-1", [], tags={"env": "prod", "owner": "me"})) == "COMPLIANT"
    assert compliance(r, security_group("sg-1", [], tags={"env": "dev", "owner": "me"})) == "NON_COMPLIANT"
    evaluation = evaluate_change(r, security_group("sg-1", [], tags={"env": "prod"}))
    assert evaluation["ComplianceType"] == "NON_COMPLIANT" and "'owner' is missing" in evaluation["Annotation"]
    assert compliance(r, real("ci-05")) == "NON_COMPLIANT"  # application_id only


def test_required_tags_needs_tag1key():
    with pytest.raises(ConfigRuleError, match="tag1Key is required"):
        evaluate_change(rule("REQUIRED_TAGS", {}), real("ci-05"))


def test_required_tags_scope_by_type():
    r = rule("REQUIRED_TAGS", {"tag1Key": "env"}, scope={"ComplianceResourceTypes": ["AWS::S3::Bucket"]})
    assert compliance(r, real("ci-06")) == "NOT_APPLICABLE"


# ---- IAM_USER_NO_POLICIES_CHECK

def _user(inline=(), attached=()):
    return base("AWS::IAM::User", "AIDA1", {
        "path": "/", "userName": "johndoe", "userId": "AIDA1", "groupList": ["MyTestGroup"],
        "userPolicyList": [{"policyName": p, "policyDocument": "{}"} for p in inline],
        "attachedManagedPolicies": [{"policyName": p, "policyArn": f"arn:aws:iam::aws:policy/{p}"} for p in attached],
    }, region="global")


def test_iam_user_policies():
    assert compliance(rule("IAM_USER_NO_POLICIES_CHECK"), _user()) == "COMPLIANT"
    assert compliance(rule("IAM_USER_NO_POLICIES_CHECK"), _user(attached=["AdministratorAccess"])) == "NON_COMPLIANT"
    evaluation = evaluate_change(rule("IAM_USER_NO_POLICIES_CHECK"), _user(inline=["policygen"]))
    assert evaluation["ComplianceType"] == "NON_COMPLIANT" and "policygen" in evaluation["Annotation"]


# ---- VPC_FLOW_LOGS_ENABLED (needs the flow-log items)

VPC = base("AWS::EC2::VPC", "vpc-1", {"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/16", "state": "available"})


def _flow_log(vpc, status="ACTIVE", traffic="ALL"):
    return base("AWS::EC2::FlowLog", f"fl-{vpc}", {"flowLogId": f"fl-{vpc}", "flowLogStatus": status,
                                                   "resourceId": vpc, "trafficType": traffic,
                                                   "logDestinationType": "cloud-watch-logs"})


def test_vpc_flow_logs():
    r = rule("VPC_FLOW_LOGS_ENABLED")
    assert compliance(r, VPC, current_items=[_flow_log("vpc-1")]) == "COMPLIANT"
    assert compliance(r, VPC, current_items=[_flow_log("vpc-2")]) == "NON_COMPLIANT"
    assert compliance(r, VPC, current_items=[]) == "NON_COMPLIANT"
    assert compliance(rule("VPC_FLOW_LOGS_ENABLED", {"trafficType": "REJECT"}), VPC,
                      current_items=[_flow_log("vpc-1", traffic="ACCEPT")]) == "NON_COMPLIANT"


def test_vpc_flow_logs_periodic_over_current_items():
    vpc2 = base("AWS::EC2::VPC", "vpc-2", {"vpcId": "vpc-2"})
    evaluations = evaluate_periodic(rule("VPC_FLOW_LOGS_ENABLED"), [VPC, vpc2, _flow_log("vpc-1"), real("ci-06")],
                                    ordering_timestamp="2024-05-02T00:00:00Z")
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in evaluations] == [
        ("vpc-1", "COMPLIANT"), ("vpc-2", "NON_COMPLIANT")]
    assert evaluations[0]["OrderingTimestamp"] == "2024-05-02T00:00:00.000Z"


# ---- CLOUD_TRAIL_ENABLED (periodic, account level)

def _trail(name, bucket_name="trail-bucket", logging=True, region="us-east-1", multi=False):
    return base("AWS::CloudTrail::Trail", name, {"name": name, "s3BucketName": bucket_name, "isMultiRegionTrail": multi,
                                                 "homeRegion": region, "trailARN": f"arn:aws:cloudtrail:{region}:123456789012:trail/{name}"},
                region=region, supplementary={"TrailStatus": {"isLogging": logging}})


def _account_result(rule_body, items, region="us-east-1"):
    evaluations = evaluate_periodic(rule_body, items, ordering_timestamp="2024-05-02T00:00:00Z", region=region,
                                    account_ids=["123456789012"])
    assert len(evaluations) == 1
    assert evaluations[0]["ComplianceResourceType"] == "AWS::::Account"
    assert evaluations[0]["ComplianceResourceId"] == "123456789012"
    return evaluations[0]["ComplianceType"]


def test_cloud_trail_enabled():
    r = rule("CLOUD_TRAIL_ENABLED")
    assert _account_result(r, [_trail("main")]) == "COMPLIANT"
    assert _account_result(r, [real("ci-06")]) == "NON_COMPLIANT"
    assert _account_result(r, [_trail("main", logging=False)]) == "NON_COMPLIANT"
    assert _account_result(r, [_trail("other", region="eu-west-1")]) == "NON_COMPLIANT"
    assert _account_result(r, [_trail("other", region="eu-west-1", multi=True)]) == "COMPLIANT"
    assert _account_result(rule("CLOUD_TRAIL_ENABLED", {"s3BucketName": "audit"}), [_trail("main")]) == "NON_COMPLIANT"
    assert _account_result(rule("CLOUD_TRAIL_ENABLED", {"s3BucketName": "audit"}), [_trail("main", "audit")]) == "COMPLIANT"


def test_cloud_trail_deleted_trail_does_not_count():
    deleted = base("AWS::CloudTrail::Trail", "main", None, status="ResourceDeleted")
    assert _account_result(rule("CLOUD_TRAIL_ENABLED"), [deleted]) == "NON_COMPLIANT"


def test_account_rule_cannot_be_evaluated_on_one_change():
    with pytest.raises(ConfigRuleError, match="evaluate_periodic"):
        evaluate_change(rule("CLOUD_TRAIL_ENABLED"), real("ci-06"))


# ---- scope, deletions and evaluation shape

def test_scope_resource_id_and_tags():
    r = rule("INCOMING_SSH_DISABLED", scope={"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"],
                                             "ComplianceResourceId": "sg-other"})
    assert compliance(r, real("ci-06")) == "NOT_APPLICABLE"
    tagged = rule("INCOMING_SSH_DISABLED", scope={"TagKey": "env", "TagValue": "prod"})
    assert compliance(tagged, security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0")], tags={"env": "prod"})) == "NON_COMPLIANT"
    assert compliance(tagged, security_group("sg-1", [permission("tcp", 22, 22, "0.0.0.0/0")], tags={"env": "dev"})) == "NOT_APPLICABLE"


def test_deleted_resource_and_left_scope_are_not_applicable():
    deleted = base("AWS::EC2::SecurityGroup", "sg-1", None, status="ResourceDeleted")
    assert compliance(rule("INCOMING_SSH_DISABLED"), deleted) == "NOT_APPLICABLE"
    assert compliance(rule("INCOMING_SSH_DISABLED"), real("ci-06"), event_left_scope=True) == "NOT_APPLICABLE"


def test_evaluation_shape():
    evaluation = evaluate_change(rule("INCOMING_SSH_DISABLED", name="restricted-ssh"), real("ci-06"))
    assert evaluation == {
        "ComplianceResourceType": "AWS::EC2::SecurityGroup",
        "ComplianceResourceId": "sg-1d56fc66",
        "ComplianceType": "NON_COMPLIANT",
        "Annotation": "incoming SSH (TCP 22) is allowed from 0.0.0.0/0",
        "OrderingTimestamp": "2016-06-09T08:59:59.139Z",
        "ConfigRuleName": "restricted-ssh",
    }


def test_related_items_through_lookups_and_lazily():
    from pipeline.configitems.rules import Resources

    flows = {"AWS::EC2::FlowLog": [_flow_log("vpc-1")]}
    lookups = Resources(of_type=lambda t: flows.get(t, []))
    assert compliance(rule("VPC_FLOW_LOGS_ENABLED"), VPC, current_items=lookups) == "COMPLIANT"

    def exploding():
        raise AssertionError("a rule that needs no other items consumed them")
        yield  # pragma: no cover

    assert compliance(rule("INCOMING_SSH_DISABLED"), real("ci-06"), current_items=exploding()) == "NON_COMPLIANT"
