"""Real CIs from ../shared/data/config_items.jsonl and realistic synthetic ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.fixtures.shared_data import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
DATA = SHARED_DATA / "config_items.jsonl"


def real_items() -> dict[str, dict[str, Any]]:
    """id -> raw configurationItem, as stored."""
    out = {}
    with DATA.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                entry = json.loads(line)
                out[entry["id"]] = entry["configurationItem"]
    return out


def real(item_id: str) -> dict[str, Any]:
    return copy.deepcopy(real_items()[item_id])


def base(resource_type: str, resource_id: str, configuration: Any, *, capture: str = "2024-05-01T10:00:00.000Z",
         status: str = "OK", tags: dict[str, str] | None = None, supplementary: dict[str, Any] | None = None,
         relationships: list[dict[str, Any]] | None = None, account: str = "123456789012",
         region: str = "us-east-1", state_id: str | None = None) -> dict[str, Any]:
    """A CI in the API spelling (configuration as an object, as the RDK samples store it)."""
    return {
        "version": "1.3",
        "accountId": account,
        "configurationItemCaptureTime": capture,
        "configurationItemStatus": status,
        "configurationStateId": state_id or "1",
        "configurationItemMD5Hash": "",
        "arn": f"arn:aws:test:{region}:{account}:{resource_id}",
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": None,
        "awsRegion": region,
        "availabilityZone": "Not Applicable",
        "resourceCreationTime": "2024-01-01T00:00:00.000Z",
        "tags": tags or {},
        "relatedEvents": [],
        "relationships": relationships or [],
        "configuration": configuration,
        "supplementaryConfiguration": supplementary or {},
    }


def security_group(group_id: str, permissions: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return base("AWS::EC2::SecurityGroup", group_id, {
        "ownerId": "123456789012", "groupName": group_id, "groupId": group_id, "description": "test",
        "ipPermissions": permissions,
        "ipPermissionsEgress": [{"ipProtocol": "-1", "userIdGroupPairs": [], "ipRanges": ["0.0.0.0/0"],
                                 "prefixListIds": []}],
        "vpcId": "vpc-0990dc6d", "tags": [],
    }, **kw)


def permission(protocol: str, low: int | None, high: int | None, *cidrs: str, v4_objects: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {"ipProtocol": protocol, "fromPort": low, "toPort": high, "userIdGroupPairs": [],
                             "prefixListIds": []}
    if v4_objects:
        entry["ipv4Ranges"] = [{"cidrIp": c} for c in cidrs]
        entry["ipRanges"] = []
    else:
        entry["ipRanges"] = list(cidrs)
    return entry


def bucket(name: str, *, acl_grants: list[dict[str, Any]] | None = None, policy: dict[str, Any] | None = None,
           public_access_block: dict[str, bool] | None = None) -> dict[str, Any]:
    """An S3 bucket CI in the notification spelling, shaped like ci-05."""
    owner = "eadb5178bbc89e74466498016ffb01b950e758026c6d44296c35646518db9217"
    grants = [{"grantee": {"id": owner, "displayName": None}, "permission": "FullControl"}] + (acl_grants or [])
    supplementary: dict[str, Any] = {
        "AccessControlList": json.dumps({"grantSet": None, "grantList": grants,
                                         "owner": {"displayName": None, "id": owner}, "isRequesterCharged": False}),
        "BucketPolicy": {"policyText": json.dumps(policy) if policy is not None else None},
        "BucketVersioningConfiguration": {"status": "Off", "isMfaDeleteEnabled": None},
    }
    if public_access_block is not None:
        supplementary["PublicAccessBlockConfiguration"] = public_access_block
    return {
        "relatedEvents": [], "relationships": [],
        "configuration": {"name": name, "owner": {"displayName": None, "id": owner},
                          "creationDate": "2024-01-01T00:00:00.000Z"},
        "supplementaryConfiguration": supplementary,
        "tags": {},
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": "2024-05-01T10:00:00.000Z",
        "configurationStateId": 1714557600000,
        "awsAccountId": "123456789012",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::S3::Bucket",
        "resourceId": name,
        "resourceName": name,
        "ARN": f"arn:aws:s3:::{name}",
        "awsRegion": "us-east-1",
        "availabilityZone": "Regional",
        "configurationStateMd5Hash": "",
        "resourceCreationTime": "2024-01-01T00:00:00.000Z",
    }


ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"


def public_grant(permission: str) -> dict[str, Any]:
    return {"grantee": {"identifier": ALL_USERS_URI, "typeIdentifier": "uri"}, "permission": permission}
