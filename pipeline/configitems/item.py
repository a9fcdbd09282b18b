"""The ConfigurationItem: both spellings in, one model out.

AWS writes a configuration item (CI) two ways (reference/config.md §2):

* the API spelling (GetResourceConfigHistory, snapshots): ``version``, ``accountId``, ``arn``,
  ``configurationItemMD5Hash``, relationships with ``relationshipName``, ``configuration`` as a
  JSON-encoded string and ``supplementaryConfiguration`` values as JSON strings;
* the notification spelling (change notifications, rule invoking events):
  ``configurationItemVersion``, ``awsAccountId``, ``ARN``, ``configurationStateMd5Hash``,
  relationships with ``name``, ``configuration`` as an object.

Real samples mix the two (the RDK IAM user sample has ``awsAccountId`` next to
``configurationItemMD5Hash``), so every field is looked up under each of its names.

The model is a plain ``dict`` (so a Faust table can hold it) with the API field names, but with
``configuration`` and ``supplementaryConfiguration`` values decoded the way notifications carry
them. ``to_api_shape`` and ``to_notification_shape`` write either spelling back.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from pipeline.configitems.errors import ConfigItemError
from pipeline.configitems.times import format_time, to_epoch_ms

__all__ = [
    "STATUSES",
    "DELETED_STATUSES",
    "parse_configuration_item",
    "normalise_configuration_item",
    "to_api_shape",
    "to_notification_shape",
    "resource_key",
    "ordering_key",
    "is_deleted",
]

# configurationItemStatus values [API enum]
STATUSES = (
    "OK",  # the resource was updated
    "ResourceDiscovered",  # newly discovered
    "ResourceNotRecorded",  # discovered, but its type is not recorded
    "ResourceDeleted",  # deleted
    "ResourceDeletedNotRecorded",  # deleted, type not recorded
)
DELETED_STATUSES = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded"})

# model name -> other spellings accepted on input (first match wins; conflicting values refused)
_ALIASES: dict[str, tuple[str, ...]] = {
    "version": ("configurationItemVersion",),
    "accountId": ("awsAccountId",),
    "configurationItemCaptureTime": (),
    "configurationItemStatus": ("configuationItemStatus",),  # sic, the 2014 example
    "configurationStateId": ("configurationStateID",),
    "configurationItemMD5Hash": ("configurationStateMd5Hash",),
    "arn": ("ARN",),
    "resourceType": (),
    "resourceId": (),
    "resourceName": (),
    "awsRegion": (),
    "availabilityZone": (),
    "resourceCreationTime": (),
    "tags": (),
    "relatedEvents": (),
    "relationships": (),
    "configuration": (),
    "supplementaryConfiguration": (),
    "recordingFrequency": (),
    "configurationItemDeliveryTime": (),
}
_OPTIONAL_EXTRAS = ("recordingFrequency", "configurationItemDeliveryTime")

# supplementaryConfiguration keys that notifications keep as JSON strings (ci-05's
# AccessControlList); everything else is decoded when an item arrives in the API spelling.
_STRING_SUPPLEMENTARY = frozenset({"AccessControlList"})

_RESOURCE_TYPE = re.compile(r"^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+(::[A-Za-z0-9]+)?$")
_WRAPPERS = ("configurationItem", "configurationItems")


def _pick(raw: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    found = False
    value: Any = None
    used = ""
    for key in (name, *_ALIASES[name]):
        if key in raw:
            if found and raw[key] != value and raw[key] is not None and value is not None:
                raise ConfigItemError(
                    f"conflicting values for {name}: {used}={value!r} and {key}={raw[key]!r}"
                )
            if not found or value is None:
                found, value, used = True, raw[key], key
    return found, value


def _unwrap(raw: Any) -> Any:
    """Accept a notification envelope or a history answer holding exactly one item."""
    if isinstance(raw, Mapping) and "resourceType" not in raw:
        for wrapper in _WRAPPERS:
            if wrapper in raw:
                inner = raw[wrapper]
                if isinstance(inner, list):
                    if len(inner) != 1:
                        raise ConfigItemError(
                            f"{wrapper} holds {len(inner)} items; exactly one is expected here"
                        )
                    inner = inner[0]
                return inner
    return raw


def _string_or_none(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    raise ConfigItemError(f"{name} must be a string or null, got {type(value).__name__}")


def _decode_json(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as error:
        raise ConfigItemError(f"{name} is a string but not valid JSON ({error.msg})") from None


def _tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): (v if v is None else str(v)) for k, v in value.items()}
    if isinstance(value, list):  # [{"key": .., "value": ..}] as some resources spell their own tags
        tags: dict[str, str] = {}
        for entry in value:
            if not isinstance(entry, Mapping):
                raise ConfigItemError("tags must be a map of key to value")
            key = entry.get("key", entry.get("Key"))
            if not isinstance(key, str):
                raise ConfigItemError("tags must be a map of key to value")
            val = entry.get("value", entry.get("Value"))
            tags[key] = val if val is None else str(val)
        return tags
    raise ConfigItemError(f"tags must be a map of key to value, got {type(value).__name__}")


def _relationships(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigItemError(f"relationships must be a list, got {type(value).__name__}")
    out = []
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise ConfigItemError(f"relationships[{index}] must be an object")
        resource_type = entry.get("resourceType")
        if not isinstance(resource_type, str) or not resource_type:
            raise ConfigItemError(f"relationships[{index}].resourceType is required")
        name = entry.get("relationshipName", entry.get("name"))
        out.append(
            {
                "resourceType": resource_type,
                "resourceId": _string_or_none(f"relationships[{index}].resourceId", entry.get("resourceId")),
                "resourceName": _string_or_none(
                    f"relationships[{index}].resourceName", entry.get("resourceName")
                ),
                "relationshipName": _string_or_none(f"relationships[{index}].relationshipName", name),
            }
        )
    return out


def parse_configuration_item(raw: Any) -> dict[str, Any]:
    """Validate a CI in either spelling (or a mix) and return the model dict.

    Accepts the bare item, a notification (``{"configurationItem": {...}}``) or a history answer
    with exactly one item. Capture time and status may be null (reconstructed items); the recorder
    refuses such items, the diff does not need them. Idempotent: parsing a model returns it.

    :raises ConfigItemError: naming the field and the reason.
    """
    raw = _unwrap(raw)
    if not isinstance(raw, Mapping):
        raise ConfigItemError(f"a configuration item must be a JSON object, got {type(raw).__name__}")
    values = {name: _pick(raw, name) for name in _ALIASES}

    resource_type = values["resourceType"][1]
    if not isinstance(resource_type, str) or not resource_type:
        raise ConfigItemError("resourceType is required (e.g. AWS::EC2::SecurityGroup)")
    if not _RESOURCE_TYPE.match(resource_type):
        raise ConfigItemError(f"resourceType {resource_type!r} is not of the form AWS::Service::Resource")
    resource_id = values["resourceId"][1]
    if not isinstance(resource_id, str) or not resource_id:
        raise ConfigItemError("resourceId is required and must be a non-empty string")

    status = values["configurationItemStatus"][1]
    if status is not None and status not in STATUSES:
        raise ConfigItemError(
            f"configurationItemStatus {status!r} is not one of {', '.join(STATUSES)}"
        )

    capture = values["configurationItemCaptureTime"][1]
    if capture is not None:
        try:
            capture = format_time(capture, field="configurationItemCaptureTime")
        except ValueError as error:
            raise ConfigItemError(str(error)) from None
    creation = values["resourceCreationTime"][1]
    if creation is not None:
        try:
            creation = format_time(creation, field="resourceCreationTime")
        except ValueError as error:
            raise ConfigItemError(str(error)) from None

    state_id = values["configurationStateId"][1]
    if isinstance(state_id, bool) or not (state_id is None or isinstance(state_id, (str, int))):
        raise ConfigItemError("configurationStateId must be a string or an integer")
    if state_id is not None:
        state_id = str(state_id)

    configuration = values["configuration"][1]
    api_spelling = isinstance(configuration, str)
    if api_spelling:
        configuration = _decode_json("configuration", configuration) if configuration else None
    if configuration is not None and not isinstance(configuration, (dict, list)):
        raise ConfigItemError(
            f"configuration must be an object (or its JSON text), got {type(configuration).__name__}"
        )

    supplementary = values["supplementaryConfiguration"][1]
    if supplementary is None:
        supplementary = {}
    if not isinstance(supplementary, Mapping):
        raise ConfigItemError("supplementaryConfiguration must be a map")
    decoded = {}
    for key, value in supplementary.items():
        if api_spelling and isinstance(value, str) and key not in _STRING_SUPPLEMENTARY:
            try:
                value = json.loads(value)
            except ValueError:
                pass  # a plain string value stays a string
        decoded[key] = value

    related = values["relatedEvents"][1]
    if related is None:
        related = []
    if not isinstance(related, list):
        raise ConfigItemError("relatedEvents must be a list")

    item: dict[str, Any] = {
        "version": _string_or_none("version", values["version"][1]),
        "accountId": _string_or_none("accountId", values["accountId"][1]),
        "configurationItemCaptureTime": capture,
        "configurationItemStatus": status,
        "configurationStateId": state_id,
        "configurationItemMD5Hash": _string_or_none(
            "configurationItemMD5Hash", values["configurationItemMD5Hash"][1]
        ),
        "arn": _string_or_none("arn", values["arn"][1]),
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": _string_or_none("resourceName", values["resourceName"][1]),
        "awsRegion": _string_or_none("awsRegion", values["awsRegion"][1]),
        "availabilityZone": _string_or_none("availabilityZone", values["availabilityZone"][1]),
        "resourceCreationTime": creation,
        "tags": _tags(values["tags"][1]),
        "relatedEvents": list(related),
        "relationships": _relationships(values["relationships"][1]),
        "configuration": configuration,
        "supplementaryConfiguration": decoded,
    }
    for extra in _OPTIONAL_EXTRAS:
        found, value = values[extra]
        if found and value is not None:
            item[extra] = value
    return item


def normalise_configuration_item(raw: Any) -> dict[str, Any]:
    """``parse_configuration_item`` for items that are recorded (the config topic, the recorder):
    capture time, status and account id are required as well.

    :raises ConfigItemError: naming the missing field.
    """
    item = parse_configuration_item(raw)
    for name in ("configurationItemCaptureTime", "configurationItemStatus", "accountId"):
        if item[name] is None:
            raise ConfigItemError(f"{name} is required (a recorded configuration item has one)")
    return item


def to_api_shape(item: Mapping[str, Any]) -> dict[str, Any]:
    """The GetResourceConfigHistory / snapshot spelling: configuration and supplementary values
    JSON-encoded, configurationStateId a string."""
    out = {k: v for k, v in item.items() if k not in ("configuration", "supplementaryConfiguration")}
    out["relationships"] = [dict(r) for r in item.get("relationships") or []]
    configuration = item.get("configuration")
    out["configuration"] = None if configuration is None else json.dumps(configuration, separators=(",", ":"))
    out["supplementaryConfiguration"] = {
        key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for key, value in (item.get("supplementaryConfiguration") or {}).items()
    }
    return out


def to_notification_shape(item: Mapping[str, Any]) -> dict[str, Any]:
    """The change-notification / invokingEvent spelling (configuration as an object)."""
    state_id: Any = item.get("configurationStateId")
    if isinstance(state_id, str) and state_id.isdigit():
        state_id = int(state_id)
    out = {
        "relatedEvents": list(item.get("relatedEvents") or []),
        "relationships": [_notification_relationship(r) for r in item.get("relationships") or []],
        "configuration": item.get("configuration"),
        "supplementaryConfiguration": dict(item.get("supplementaryConfiguration") or {}),
        "tags": dict(item.get("tags") or {}),
        "configurationItemVersion": item.get("version"),
        "configurationItemCaptureTime": item.get("configurationItemCaptureTime"),
        "configurationStateId": state_id,
        "awsAccountId": item.get("accountId"),
        "configurationItemStatus": item.get("configurationItemStatus"),
        "resourceType": item.get("resourceType"),
        "resourceId": item.get("resourceId"),
        "resourceName": item.get("resourceName"),
        "ARN": item.get("arn"),
        "awsRegion": item.get("awsRegion"),
        "availabilityZone": item.get("availabilityZone"),
        "configurationStateMd5Hash": item.get("configurationItemMD5Hash"),
        "resourceCreationTime": item.get("resourceCreationTime"),
    }
    return out


def _notification_relationship(rel: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "resourceId": rel.get("resourceId"),
        "resourceName": rel.get("resourceName"),
        "resourceType": rel.get("resourceType"),
        "name": rel.get("relationshipName", rel.get("name")),
    }


def resource_key(item: Mapping[str, Any]) -> str:
    """The key the recorder table uses: ``resourceType/resourceId``."""
    return f"{item['resourceType']}/{item['resourceId']}"


def is_deleted(item: Mapping[str, Any] | None) -> bool:
    return item is not None and item.get("configurationItemStatus") in DELETED_STATUSES


def ordering_key(item: Mapping[str, Any]) -> tuple[int, int]:
    """Order of two CIs of one resource: capture time, then a numeric configurationStateId.

    A missing capture time sorts first; a non-numeric state id counts as -1.
    """
    capture = item.get("configurationItemCaptureTime")
    capture_ms = to_epoch_ms(capture) if capture is not None else -1
    state = item.get("configurationStateId")
    state_num = int(state) if isinstance(state, str) and state.isdigit() else (
        state if isinstance(state, int) and not isinstance(state, bool) else -1
    )
    return capture_ms, state_num
