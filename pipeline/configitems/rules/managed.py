"""AWS managed rules, one small function each, written against the CI shape.

A resource rule is ``fn(item, params, resources) -> (ComplianceType, annotation)`` where ``item``
is a model dict (``parse_configuration_item``), ``params`` the decoded and defaulted
InputParameters and ``resources`` a ``Resources`` view of the current items. An account rule
(CLOUD_TRAIL_ENABLED) is ``fn(account_id, region, params, resources)``.

Semantics follow the rule pages of the AWS Config developer guide; the choices made where the
pages say nothing are listed in docs/config.md.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from pipeline.configitems.errors import ConfigRuleError
from pipeline.configitems.rules.resources import Resources

__all__ = ["ManagedRule", "MANAGED_RULES", "managed_rule", "resolve_parameters"]

COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
NOT_APPLICABLE = "NOT_APPLICABLE"

Result = tuple[str, "str | None"]


@dataclass(frozen=True)
class Param:
    kind: str  # "int", "str", "port"
    default: Any = None
    required: bool = False


@dataclass(frozen=True)
class ManagedRule:
    identifier: str
    resource_types: tuple[str, ...] | None  # default scope; None = any type
    change_triggered: bool
    periodic: bool
    check: Callable[..., Result]
    parameters: Mapping[str, Param] = field(default_factory=dict)
    account_level: bool = False  # evaluates AWS::::Account, not each resource


# ---------------------------------------------------------------- helpers


def _json(value: Any) -> Any:
    """Supplementary values may be JSON text (AccessControlList, BucketPolicy.policyText)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _config(item: Mapping[str, Any]) -> Mapping[str, Any]:
    configuration = item.get("configuration")
    return configuration if isinstance(configuration, Mapping) else {}


def _supplementary(item: Mapping[str, Any], key: str) -> Any:
    return _json((item.get("supplementaryConfiguration") or {}).get(key))


# ---------------------------------------------------------------- S3 public access


_PUBLIC_GROUPS = ("AllUsers", "AuthenticatedUsers")
_READ_PERMISSIONS = {"read", "fullcontrol", "full_control"}
_WRITE_PERMISSIONS = {"write", "fullcontrol", "full_control"}
_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions")
_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl",
                  "s3:RestoreObject", "s3:AbortMultipartUpload")
# condition keys that pin a statement to fixed callers, which makes it non-public (S3's
# definition of "public" in the Block Public Access documentation)
_RESTRICTING_CONDITION_KEYS = {
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourcearn", "aws:sourceaccount",
    "aws:sourceowner", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount",
    "aws:principalarn", "aws:userid", "s3:dataaccesspointarn", "s3:dataaccesspointaccount",
}


def _block_public_access(item: Mapping[str, Any], resources: Resources) -> dict[str, bool]:
    """Bucket-level settings OR-ed with the account-level ones (when that item is known)."""
    flags = {"blockPublicAcls": False, "ignorePublicAcls": False, "blockPublicPolicy": False,
             "restrictPublicBuckets": False}
    sources = [_supplementary(item, "PublicAccessBlockConfiguration")]
    account = item.get("accountId")
    if account:
        account_block = resources.get("AWS::S3::AccountPublicAccessBlock", account)
        if account_block is not None:
            sources.append(account_block.get("configuration"))
    for source in sources:
        if isinstance(source, Mapping):
            for key in flags:
                flags[key] = flags[key] or source.get(key) is True
    return flags


def _public_acl_grants(item: Mapping[str, Any], permissions: set[str]) -> list[str]:
    acl = _supplementary(item, "AccessControlList")
    found = []
    grants = (acl or {}).get("grantList") if isinstance(acl, Mapping) else None
    for grant in grants or []:
        if not isinstance(grant, Mapping):
            continue
        grantee = grant.get("grantee")
        text = json.dumps(grantee) if not isinstance(grantee, str) else grantee
        group = next((g for g in _PUBLIC_GROUPS if g in text), None)
        permission = str(grant.get("permission", "")).lower()
        if group and permission in permissions:
            found.append(f"{group}:{grant.get('permission')}")
    return found


def _principal_is_public(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in _as_list(value) for value in principal.values())
    return False


def _restricted_by_condition(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator_block in condition.values():
        if not isinstance(operator_block, Mapping):
            continue
        for key, value in operator_block.items():
            if key.lower() in _RESTRICTING_CONDITION_KEYS and not any(
                "*" in str(v) for v in _as_list(value)
            ):
                return True
    return False


def _public_policy_statements(item: Mapping[str, Any], actions: tuple[str, ...]) -> list[str]:
    policy_config = _supplementary(item, "BucketPolicy")
    text = policy_config.get("policyText") if isinstance(policy_config, Mapping) else None
    policy = _json(text) if text else None
    if not isinstance(policy, Mapping):
        return []
    found = []
    for index, statement in enumerate(_as_list(policy.get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if not _principal_is_public(statement.get("Principal")):
            continue
        if _restricted_by_condition(statement.get("Condition")):
            continue
        if "NotAction" in statement:
            granted = True  # everything but a list: assume it reaches the actions we look for
        else:
            patterns = [str(a).lower() for a in _as_list(statement.get("Action"))]
            granted = any(fnmatch.fnmatchcase(a.lower(), p) for p in patterns for a in actions)
        if granted:
            found.append(str(statement.get("Sid") or f"Statement {index}"))
    return found


def _s3_public(item: Mapping[str, Any], resources: Resources, what: str) -> Result:
    flags = _block_public_access(item, resources)
    permissions, actions = (_READ_PERMISSIONS, _READ_ACTIONS) if what == "read" else (_WRITE_PERMISSIONS, _WRITE_ACTIONS)
    problems = []
    if not flags["ignorePublicAcls"]:
        grants = _public_acl_grants(item, permissions)
        if grants:
            problems.append(f"the ACL grants public {what} access ({', '.join(grants)})")
    if not flags["restrictPublicBuckets"]:
        statements = _public_policy_statements(item, actions)
        if statements:
            problems.append(f"the bucket policy allows public {what} access ({', '.join(statements)})")
    if problems:
        return NON_COMPLIANT, "; ".join(problems)
    return COMPLIANT, None


def s3_bucket_public_read_prohibited(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    return _s3_public(item, resources, "read")


def s3_bucket_public_write_prohibited(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    return _s3_public(item, resources, "write")


# ---------------------------------------------------------------- security groups


_ANYWHERE_V4 = ipaddress.ip_network("0.0.0.0/0")


def _open_ipv4_ranges(permission: Mapping[str, Any]) -> bool:
    ranges = list(_as_list(permission.get("ipRanges")))
    ranges += [r.get("cidrIp") for r in _as_list(permission.get("ipv4Ranges")) if isinstance(r, Mapping)]
    for cidr in ranges:
        try:
            if ipaddress.ip_network(str(cidr), strict=False) == _ANYWHERE_V4:
                return True
        except ValueError:
            continue
    return False


def _tcp_ports_opened_to_world(item: Mapping[str, Any], ports: list[int]) -> list[int]:
    """Which of ``ports`` an ingress permission opens to 0.0.0.0/0 for TCP (or all protocols)."""
    opened: set[int] = set()
    for permission in _as_list(_config(item).get("ipPermissions")):
        if not isinstance(permission, Mapping) or not _open_ipv4_ranges(permission):
            continue
        protocol = str(permission.get("ipProtocol", "")).lower()
        if protocol not in ("tcp", "6", "-1"):
            continue
        low, high = permission.get("fromPort"), permission.get("toPort")
        every_port = protocol == "-1" or low in (None, -1) or high in (None, -1)
        for port in ports:
            if every_port or int(low) <= port <= int(high):
                opened.add(port)
    return sorted(opened)


def incoming_ssh_disabled(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    if _tcp_ports_opened_to_world(item, [22]):
        return NON_COMPLIANT, "incoming SSH (TCP 22) is allowed from 0.0.0.0/0"
    return COMPLIANT, None


def restricted_incoming_traffic(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    blocked = [params[f"blockedPort{n}"] for n in range(1, 6) if params.get(f"blockedPort{n}") is not None]
    opened = _tcp_ports_opened_to_world(item, blocked)
    if opened:
        return NON_COMPLIANT, "TCP port(s) " + ", ".join(map(str, opened)) + " open to 0.0.0.0/0"
    return COMPLIANT, None


# ---------------------------------------------------------------- volumes, tags, IAM


def encrypted_volumes(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    configuration = _config(item)
    attachments = [a for a in _as_list(configuration.get("attachments"))
                   if isinstance(a, Mapping) and a.get("state") in ("attached", "attaching", None)]
    if not attachments:
        return NOT_APPLICABLE, "the volume is not attached to an instance"
    if configuration.get("encrypted") is not True:
        return NON_COMPLIANT, "the attached volume is not encrypted"
    wanted = params.get("kmsId")
    if wanted:
        key = str(configuration.get("kmsKeyId") or "")
        if not (key == wanted or key.endswith("/" + wanted) or key.endswith(":" + wanted)):
            return NON_COMPLIANT, f"the volume is encrypted with {key or 'an unknown key'}, not {wanted}"
    return COMPLIANT, None


def required_tags(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    tags = item.get("tags") or {}
    problems = []
    for n in range(1, 7):
        key = params.get(f"tag{n}Key")
        if not key:
            continue
        if key not in tags:
            problems.append(f"tag {key!r} is missing")
            continue
        allowed = params.get(f"tag{n}Value")
        if allowed:
            values = [v.strip() for v in str(allowed).split(",")]
            if tags[key] not in values:
                problems.append(f"tag {key!r} is {tags[key]!r}, not one of {', '.join(values)}")
    if problems:
        return NON_COMPLIANT, "; ".join(problems)
    return COMPLIANT, None


def iam_user_no_policies_check(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    configuration = _config(item)
    inline = [p.get("policyName") for p in _as_list(configuration.get("userPolicyList")) if isinstance(p, Mapping)]
    attached = [p.get("policyName") for p in _as_list(configuration.get("attachedManagedPolicies")) if isinstance(p, Mapping)]
    if inline or attached:
        parts = []
        if inline:
            parts.append("inline policies " + ", ".join(map(str, inline)))
        if attached:
            parts.append("attached policies " + ", ".join(map(str, attached)))
        return NON_COMPLIANT, "the user has " + " and ".join(parts)
    return COMPLIANT, None


# ---------------------------------------------------------------- rules over other items


def _pick(mapping: Mapping[str, Any], name: str) -> Any:
    # flow-log and trail items have been seen with camelCase and PascalCase keys
    return mapping.get(name, mapping.get(name[:1].upper() + name[1:]))


def vpc_flow_logs_enabled(item: Mapping[str, Any], params: Mapping[str, Any], resources: Resources) -> Result:
    wanted_traffic = params.get("trafficType")
    vpc_id = item["resourceId"]
    inactive = False
    for flow_log in resources.of_type("AWS::EC2::FlowLog"):
        configuration = _config(flow_log)
        if _pick(configuration, "resourceId") != vpc_id:
            continue
        status = _pick(configuration, "flowLogStatus")
        if status not in (None, "ACTIVE"):
            inactive = True
            continue
        if wanted_traffic and _pick(configuration, "trafficType") != wanted_traffic:
            continue
        return COMPLIANT, None
    if inactive:
        return NON_COMPLIANT, f"the flow logs of {vpc_id} are not active"
    suffix = f" with trafficType {wanted_traffic}" if wanted_traffic else ""
    return NON_COMPLIANT, f"no flow log{suffix} is recorded for {vpc_id}"


def _trail_is_logging(trail: Mapping[str, Any]) -> bool:
    configuration = _config(trail)
    status = _supplementary(trail, "TrailStatus")
    for source in (configuration, status if isinstance(status, Mapping) else {}):
        if _pick(source, "isLogging") is False:
            return False
    return True


def cloud_trail_enabled(account_id: str, region: str | None, params: Mapping[str, Any], resources: Resources) -> Result:
    wanted = {key: params.get(key) for key in ("s3BucketName", "snsTopicArn", "cloudWatchLogsLogGroupArn")}
    candidates = 0
    for trail in resources.of_type("AWS::CloudTrail::Trail"):
        if trail.get("accountId") not in (None, account_id):
            continue
        configuration = _config(trail)
        if region and trail.get("awsRegion") != region and not _pick(configuration, "isMultiRegionTrail"):
            continue
        candidates += 1
        if not _trail_is_logging(trail):
            continue
        if all(value in (None, "") or _pick(configuration, key) == value for key, value in wanted.items()):
            return COMPLIANT, None
    if candidates:
        return NON_COMPLIANT, "no logging trail matches " + (
            ", ".join(f"{k}={v}" for k, v in wanted.items() if v) or "the rule"
        )
    return NON_COMPLIANT, "no CloudTrail trail is recorded in this account"


# ---------------------------------------------------------------- registry


_PORT_DEFAULTS = (20, 21, 3389, 3306, 4333)

MANAGED_RULES: dict[str, ManagedRule] = {
    rule.identifier: rule
    for rule in (
        ManagedRule("S3_BUCKET_PUBLIC_READ_PROHIBITED", ("AWS::S3::Bucket",), True, True,
                    s3_bucket_public_read_prohibited),
        ManagedRule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", ("AWS::S3::Bucket",), True, True,
                    s3_bucket_public_write_prohibited),
        ManagedRule("INCOMING_SSH_DISABLED", ("AWS::EC2::SecurityGroup",), True, False, incoming_ssh_disabled),
        ManagedRule(
            "RESTRICTED_INCOMING_TRAFFIC", ("AWS::EC2::SecurityGroup",), True, False, restricted_incoming_traffic,
            {f"blockedPort{n}": Param("port", default) for n, default in enumerate(_PORT_DEFAULTS, start=1)},
        ),
        ManagedRule("ENCRYPTED_VOLUMES", ("AWS::EC2::Volume",), True, False, encrypted_volumes,
                    {"kmsId": Param("str")}),
        ManagedRule(
            "REQUIRED_TAGS", None, True, False, required_tags,
            {**{f"tag{n}Key": Param("str", required=(n == 1)) for n in range(1, 7)},
             **{f"tag{n}Value": Param("str") for n in range(1, 7)}},
        ),
        ManagedRule("IAM_USER_NO_POLICIES_CHECK", ("AWS::IAM::User",), True, False, iam_user_no_policies_check),
        ManagedRule("VPC_FLOW_LOGS_ENABLED", ("AWS::EC2::VPC",), False, True, vpc_flow_logs_enabled,
                    {"trafficType": Param("str")}),
        ManagedRule(
            "CLOUD_TRAIL_ENABLED", ("AWS::::Account",), False, True, cloud_trail_enabled,
            {"s3BucketName": Param("str"), "snsTopicArn": Param("str"), "cloudWatchLogsLogGroupArn": Param("str")},
            account_level=True,
        ),
    )
}


def managed_rule(identifier: str) -> ManagedRule:
    try:
        return MANAGED_RULES[identifier]
    except KeyError:
        known = ", ".join(sorted(MANAGED_RULES))
        raise ConfigRuleError(f"managed rule {identifier!r} is not implemented here; available: {known}") from None


def resolve_parameters(rule: ManagedRule, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check InputParameters against the rule's parameters and fill the defaults."""
    unknown = sorted(set(params) - set(rule.parameters))
    if unknown:
        raise ConfigRuleError(f"{rule.identifier}: unknown input parameter(s) {', '.join(unknown)}")
    resolved: dict[str, Any] = {}
    for name, spec in rule.parameters.items():
        value = params.get(name)
        if value in (None, ""):
            if spec.required:
                raise ConfigRuleError(f"{rule.identifier}: input parameter {name} is required")
            resolved[name] = spec.default
            continue
        if spec.kind == "port":
            try:
                port = int(str(value))
            except ValueError:
                raise ConfigRuleError(f"{rule.identifier}: {name} must be a port number, got {value!r}") from None
            if not 0 <= port <= 65535:
                raise ConfigRuleError(f"{rule.identifier}: {name} must be between 0 and 65535")
            resolved[name] = port
        else:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ConfigRuleError(f"{rule.identifier}: {name} must be a string")
            resolved[name] = str(value)
    return resolved
