"""The 18 CIS AWS Foundations metric filters over the 40 CloudTrail samples.

EXPECTED was worked out by hand from the records (reference note section 6 lists what each
record is; the matrix itself is not in the shared copy), and is cross-checked below against a
plain-Python reading of each filter, so a mistake would have to be made twice.
"""

import json

import pytest

from pipeline.metricfilters import cloudtrail_to_log_events, compile_filter_pattern

from .helpers import load_jsonl

FILTERS = {f["id"]: f["pattern"] for f in load_jsonl("cis_filters.jsonl")}
RECORDS = load_jsonl("cloudtrail_samples.jsonl")
IDS = [f"ct{i:02d}" for i in range(1, len(RECORDS) + 1)]

EXPECTED = {
    # ct40 VpceAccessDenied does not start with AccessDenied; ct11/ct21 fail with other codes
    "cis-4.1": {"ct28", "ct29", "ct30", "ct39"},
    "cis-v1.2-3.1": {"ct28", "ct29", "ct30", "ct39"},
    # ct06 has MFAUsed "YES": != "Yes" is case-sensitive, so it counts as no MFA
    "cis-4.2": {"ct01", "ct05", "ct06", "ct07", "ct23"},
    "cis-4.2-sso": {"ct01", "ct23"},
    # ct38 has invokedBy, ct15 is an AwsServiceEvent without userIdentity.type
    "cis-4.3": {"ct05", "ct06", "ct07", "ct08", "ct09", "ct37"},
    "cis-4.4": {"ct27"},
    "cis-4.5": {"ct11", "ct25"},  # ct11 failed (TrailNotFoundException) but is still UpdateTrail
    "cis-4.6": {"ct03", "ct07"},
    "cis-4.7": {"ct13", "ct14"},  # ct15 DeleteKey is not in the list
    "cis-4.8": {"ct19", "ct32"},
    "cis-4.9": {"ct16", "ct17", "ct18"},
    "cis-4.10": {"ct24"},
    "cis-v4.0-4.10": {"ct24"},
    "cis-4.11": {"ct34"},
    "cis-4.12": {"ct36"},
    "cis-4.13": {"ct33"},
    "cis-4.14": {"ct35"},
    "cis-4.15": {"ct20", "ct21", "ct29"},
}


def _get(record, dotted):
    cur = record
    for key in dotted.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def _name_in(record, *names):
    return record.get("eventName") in names


ORACLE = {
    "cis-4.1": lambda r: str(r.get("errorCode", "")).endswith("UnauthorizedOperation") or (
        str(r.get("errorCode", "")).startswith("AccessDenied")
        and r.get("sourceIPAddress") != "delivery.logs.amazonaws.com"
        and r.get("eventName") != "HeadBucket"),
    "cis-v1.2-3.1": lambda r: str(r.get("errorCode", "")).endswith("UnauthorizedOperation")
    or str(r.get("errorCode", "")).startswith("AccessDenied"),
    "cis-4.2": lambda r: r.get("eventName") == "ConsoleLogin"
    and _get(r, "additionalEventData.MFAUsed") not in (None, "Yes"),
    "cis-4.2-sso": lambda r: r.get("eventName") == "ConsoleLogin"
    and _get(r, "additionalEventData.MFAUsed") not in (None, "Yes")
    and _get(r, "userIdentity.type") == "IAMUser"
    and _get(r, "responseElements.ConsoleLogin") == "Success",
    "cis-4.3": lambda r: _get(r, "userIdentity.type") == "Root"
    and "invokedBy" not in r.get("userIdentity", {})
    and r.get("eventType") is not None and r.get("eventType") != "AwsServiceEvent",
    "cis-4.4": lambda r: _name_in(r, *(
        "DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy "
        "PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion "
        "AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy "
        "DetachGroupPolicy").split()),
    "cis-4.5": lambda r: _name_in(r, "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging",
                                  "StopLogging"),
    "cis-4.6": lambda r: r.get("eventName") == "ConsoleLogin"
    and r.get("errorMessage") == "Failed authentication",
    "cis-4.7": lambda r: r.get("eventSource") == "kms.amazonaws.com"
    and _name_in(r, "DisableKey", "ScheduleKeyDeletion"),
    "cis-4.8": lambda r: r.get("eventSource") == "s3.amazonaws.com" and _name_in(r, *(
        "PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication "
        "DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication").split()),
    "cis-4.9": lambda r: r.get("eventSource") == "config.amazonaws.com" and _name_in(
        r, "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
        "PutConfigurationRecorder"),
    "cis-4.10": lambda r: _name_in(r, *(
        "AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress "
        "RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup "
        "ModifySecurityGroupRules").split()),
    "cis-v4.0-4.10": lambda r: _name_in(r, *(
        "AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress "
        "RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup").split()),
    "cis-4.11": lambda r: _name_in(r, *(
        "CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry "
        "ReplaceNetworkAclEntry ReplaceNetworkAclAssociation").split()),
    "cis-4.12": lambda r: _name_in(r, *(
        "CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway "
        "DeleteInternetGateway DetachInternetGateway").split()),
    "cis-4.13": lambda r: _name_in(r, *(
        "CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable "
        "DeleteRoute DisassociateRouteTable").split()),
    "cis-4.14": lambda r: _name_in(r, *(
        "CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection "
        "CreateVpcPeeringConnection DeleteVpcPeeringConnection RejectVpcPeeringConnection "
        "AttachClassicLinkVpc DetachClassicLinkVpc DisableVpcClassicLink "
        "EnableVpcClassicLink").split()),
    "cis-4.15": lambda r: r.get("eventSource") == "organizations.amazonaws.com" and _name_in(r, *(
        "AcceptHandshake AttachPolicy CreateAccount CreateOrganizationalUnit CreatePolicy "
        "DeclineHandshake DeleteOrganization DeleteOrganizationalUnit DeletePolicy DetachPolicy "
        "DisablePolicyType EnablePolicyType InviteAccountToOrganization LeaveOrganization "
        "MoveAccount RemoveAccountFromOrganization UpdatePolicy "
        "UpdateOrganizationalUnit").split()),
}


def test_data_is_what_the_note_describes():
    assert len(FILTERS) == 18 and len(RECORDS) == 40
    assert set(FILTERS) == set(EXPECTED) == set(ORACLE)
    assert max(len(p) for p in FILTERS.values()) == 758  # cis-4.15, below 1024


@pytest.mark.parametrize("filter_id", sorted(FILTERS))
def test_cis_filter_over_cloudtrail_samples(filter_id):
    pattern = compile_filter_pattern(FILTERS[filter_id])
    events = [cloudtrail_to_log_events(record, "CloudTrail/logs")[0] for record in RECORDS]
    got = {ct for ct, event in zip(IDS, events) if pattern.matches(event["message"])}
    assert got == EXPECTED[filter_id]


@pytest.mark.parametrize("filter_id", sorted(FILTERS))
def test_expected_matrix_agrees_with_plain_python_oracle(filter_id):
    got = {ct for ct, record in zip(IDS, RECORDS) if ORACLE[filter_id](record)}
    assert got == EXPECTED[filter_id]


def test_precedence_in_cis_4_1_exclusions_only_guard_access_denied():
    pattern = compile_filter_pattern(FILTERS["cis-4.1"])
    base = {"eventName": "HeadBucket", "sourceIPAddress": "delivery.logs.amazonaws.com"}
    assert pattern.matches(json.dumps({**base, "errorCode": "Client.UnauthorizedOperation"}))
    assert not pattern.matches(json.dumps({**base, "errorCode": "AccessDenied"}))
    assert pattern.matches(json.dumps({**base, "eventName": "GetObject",
                                       "sourceIPAddress": "1.2.3.4", "errorCode": "AccessDenied"}))


def test_community_route_table_variant_precedence():
    # by precedence the eventSource guard applies to CreateRoute only
    pattern = compile_filter_pattern(
        "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || "
        "($.eventName = CreateRouteTable) || ($.eventName = DeleteRoute)}")
    assert pattern.matches('{"eventSource": "x.amazonaws.com", "eventName": "DeleteRoute"}')
    assert not pattern.matches('{"eventSource": "x.amazonaws.com", "eventName": "CreateRoute"}')
    assert pattern.matches('{"eventSource": "ec2.amazonaws.com", "eventName": "CreateRoute"}')


def test_cis_v6_unquoted_names_behave_like_quoted():
    quoted = compile_filter_pattern(FILTERS["cis-4.15"])
    unquoted = compile_filter_pattern(FILTERS["cis-4.15"].replace('"', ""))
    for record in RECORDS:
        message = json.dumps(record)
        assert quoted.matches(message) == unquoted.matches(message)
