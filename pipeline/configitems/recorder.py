"""The pure step of the configuration recorder.

The Faust layer keeps the current model item per resource (key ``resourceType/resourceId``) in
a table and, for each incoming CI, calls ``record_step(current, incoming, ...)``. The step reads
no clock and no storage; it answers what to do:

* ``IGNORE_NOT_RECORDED`` – the recording group does not record this type;
* ``IGNORE_OLDER`` – the incoming CI was captured before the current one (out of order on the
  topic); newer state is never overwritten;
* ``IGNORE_IDENTICAL`` – same state as the current item (only capture time, state id, MD5 hash
  or related events differ, or it is a re-discovery of an unchanged resource);
* ``RECORD`` – publish ``decision.notification`` / ``decision.event_detail``.

Whenever ``decision.item`` is not None, store it as the new current item (for
``IGNORE_IDENTICAL`` it is the same state with the newer capture time, and nothing is published).

After a deletion the deleted item stays current (that is what keeps late, older CIs out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from pipeline.configitems.diff import content_equal, diff_configuration_items
from pipeline.configitems.errors import ConfigItemError
from pipeline.configitems.item import normalise_configuration_item, ordering_key, parse_configuration_item
from pipeline.configitems.notifications import (
    change_event_detail,
    change_notification,
    notification_size,
    oversized_change_notification,
)

__all__ = ["RecordingGroup", "RecordDecision", "record_step", "replay", "is_same_state", "GLOBAL_RESOURCE_TYPES",
           "RECORD", "IGNORE_IDENTICAL", "IGNORE_OLDER", "IGNORE_NOT_RECORDED"]

RECORD = "RECORD"
IGNORE_IDENTICAL = "IGNORE_IDENTICAL"
IGNORE_OLDER = "IGNORE_OLDER"
IGNORE_NOT_RECORDED = "IGNORE_NOT_RECORDED"

# global IAM types that allSupported leaves out unless includeGlobalResourceTypes [API]
GLOBAL_RESOURCE_TYPES = frozenset(
    {"AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"}
)

# fields that change with every capture without the resource changing
_VOLATILE = ("configurationItemCaptureTime", "configurationStateId", "configurationItemMD5Hash",
             "relatedEvents", "configurationItemDeliveryTime")


@dataclass(frozen=True)
class RecordingGroup:
    """Which resource types are recorded (the ``recordingGroup`` of PutConfigurationRecorder).

    The defaults are AWS's: all supported types except the global IAM types.
    """

    all_supported: bool = True
    include_global_resource_types: bool = False
    resource_types: frozenset[str] = field(default_factory=frozenset)
    exclusion_resource_types: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_dict(cls, group: Mapping[str, Any] | None) -> "RecordingGroup":
        """From the AWS ``recordingGroup`` object (allSupported, includeGlobalResourceTypes,
        resourceTypes, exclusionByResourceTypes.resourceTypes, recordingStrategy.useOnly)."""
        if not group:
            return cls()
        if not isinstance(group, Mapping):
            raise ConfigItemError("recordingGroup must be an object")
        use_only = (group.get("recordingStrategy") or {}).get("useOnly")
        types = frozenset(group.get("resourceTypes") or ())
        excluded = frozenset((group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or ())
        if use_only == "INCLUSION_BY_RESOURCE_TYPES":
            all_supported = False
        elif use_only in ("ALL_SUPPORTED_RESOURCE_TYPES", "EXCLUSION_BY_RESOURCE_TYPES"):
            all_supported = True
        elif use_only is None:
            all_supported = bool(group.get("allSupported", not types))
        else:
            raise ConfigItemError(f"recordingStrategy.useOnly {use_only!r} is not known")
        if not all_supported and not types:
            raise ConfigItemError("recordingGroup: allSupported is false and resourceTypes is empty")
        return cls(
            all_supported=all_supported,
            include_global_resource_types=bool(group.get("includeGlobalResourceTypes", False)),
            resource_types=types,
            exclusion_resource_types=excluded if use_only != "INCLUSION_BY_RESOURCE_TYPES" else frozenset(),
        )

    def records(self, resource_type: str) -> bool:
        if not self.all_supported:
            return resource_type in self.resource_types
        if resource_type in self.exclusion_resource_types:
            return False
        if resource_type in GLOBAL_RESOURCE_TYPES and not self.include_global_resource_types:
            return False
        return True


@dataclass(frozen=True)
class RecordDecision:
    action: str  # RECORD, IGNORE_IDENTICAL, IGNORE_OLDER, IGNORE_NOT_RECORDED
    reason: str
    item: dict[str, Any] | None = None  # store as the new current item when not None
    diff: dict[str, Any] | None = None
    notification: dict[str, Any] | None = None  # ConfigurationItemChangeNotification
    event_detail: dict[str, Any] | None = None  # detail of "Config Configuration Item Change"

    @property
    def recorded(self) -> bool:
        return self.action == RECORD


def _state(item: Mapping[str, Any]) -> dict[str, Any]:
    state = {k: v for k, v in item.items() if k not in _VOLATILE}
    if state.get("configurationItemStatus") == "ResourceDiscovered":
        state["configurationItemStatus"] = "OK"  # a re-discovery of an unchanged resource
    return state


def is_same_state(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return content_equal(_state(a), _state(b))


def record_step(
    current: Mapping[str, Any] | None,
    incoming: Any,
    *,
    recording_group: RecordingGroup | None = None,
    notification_time: Any = None,
    max_notification_bytes: int | None = None,
    s3_bucket_location: str | None = None,
) -> RecordDecision:
    """Decide what one incoming CI does to the current item of its resource.

    :param current: the stored model item of this resource (a previous ``decision.item``) or None.
    :param incoming: a CI in either spelling; validated here.
    :param recording_group: which types are recorded; default records all but global IAM types.
    :param notification_time: notificationCreationTime; defaults to the CI's capture time.
    :param max_notification_bytes: when the full notification is larger (compact JSON), publish
        the ``OversizedConfigurationItemChangeNotification`` summary instead, as AWS does above
        SNS's 256 KiB (``notifications.MAX_NOTIFICATION_BYTES``); None never switches.
    :param s3_bucket_location: where the full notification is kept, for the summary.
    :raises ConfigItemError: the incoming CI is malformed, lacks capture time or status, or
        belongs to another resource than ``current``.
    """
    item = normalise_configuration_item(incoming)
    group = recording_group or RecordingGroup()
    if not group.records(item["resourceType"]):
        return RecordDecision(IGNORE_NOT_RECORDED, f"{item['resourceType']} is not recorded")
    if current is not None:
        current = parse_configuration_item(current)  # idempotent; tolerates a codec-decoded record
        if (current.get("resourceType"), current.get("resourceId")) != (item["resourceType"], item["resourceId"]):
            raise ConfigItemError(
                f"the incoming item is {item['resourceType']}/{item['resourceId']} but the current one is "
                f"{current.get('resourceType')}/{current.get('resourceId')}"
            )
        if ordering_key(item) < ordering_key(current):
            return RecordDecision(
                IGNORE_OLDER,
                f"captured at {item['configurationItemCaptureTime']}, before the current item "
                f"({current.get('configurationItemCaptureTime')})",
            )
        if is_same_state(current, item):
            # nothing to publish, but the newer capture time must be kept: otherwise a different,
            # older CI arriving later would look newer than the stored one
            return RecordDecision(IGNORE_IDENTICAL, "identical to the current item", item=item)
    diff = diff_configuration_items(current, item)
    when = notification_time if notification_time is not None else item["configurationItemCaptureTime"]
    notification = change_notification(item, diff, notification_time=when)
    if max_notification_bytes is not None and notification_size(notification) > max_notification_bytes:
        notification = oversized_change_notification(item, diff, notification_time=when,
                                                     s3_bucket_location=s3_bucket_location)
    return RecordDecision(
        RECORD, f"{diff['changeType']} recorded", item=item, diff=diff,
        notification=notification, event_detail=change_event_detail(notification),
    )


def replay(items: Iterable[Any], *, recording_group: RecordingGroup | None = None) -> dict[str, dict[str, Any]]:
    """Run ``record_step`` over many CIs (any order) and return the current item per resource key.
    Offline helper (tests, snapshots from history files)."""
    current: dict[str, dict[str, Any]] = {}
    for raw in items:
        item = parse_configuration_item(raw)
        key = f"{item['resourceType']}/{item['resourceId']}"
        decision = record_step(current.get(key), item, recording_group=recording_group)
        if decision.item is not None:
            current[key] = decision.item
    return current
