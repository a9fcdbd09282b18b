"""Change notifications and the EventBridge events built from them.

Shapes follow the AWS developer guide (reference/config.md §3): a
``ConfigurationItemChangeNotification`` is ``{configurationItemDiff, configurationItem
(notification spelling), notificationCreationTime, messageType, recordVersion}``, and the
``detail`` of a ``Config Configuration Item Change`` event on the bus is that message.
Times are arguments; event ids are derived from the content, so rebuilding is deterministic.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Mapping

from pipeline.configitems.item import to_notification_shape
from pipeline.configitems.times import format_time

__all__ = [
    "RECORD_VERSION",
    "MAX_NOTIFICATION_BYTES",
    "change_notification",
    "oversized_change_notification",
    "notification_size",
    "change_event_detail",
    "aws_config_event",
    "sns_subject",
]

RECORD_VERSION = "1.3"
# SNS's message size limit (256 KiB); above it AWS sends the oversized summary instead
MAX_NOTIFICATION_BYTES = 256 * 1024
_EVENT_NAMESPACE = uuid.UUID("5b2f9c3e-6d0a-4a57-9a53-0c0f1c0f1a11")

_VERBS = {"CREATE": "Created", "UPDATE": "Updated", "DELETE": "Deleted"}


def change_notification(
    item: Mapping[str, Any], diff: Mapping[str, Any], *, notification_time: Any,
    record_version: str = RECORD_VERSION,
) -> dict[str, Any]:
    """``ConfigurationItemChangeNotification`` for a model item and its diff."""
    return {
        "configurationItemDiff": dict(diff),
        "configurationItem": to_notification_shape(item),
        "notificationCreationTime": format_time(notification_time, field="notification_time"),
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": record_version,
    }


def oversized_change_notification(
    item: Mapping[str, Any], diff: Mapping[str, Any], *, notification_time: Any,
    s3_bucket_location: str | None = None,
) -> dict[str, Any]:
    """``OversizedConfigurationItemChangeNotification``: the summary AWS sends when the full
    message exceeds ``MAX_NOTIFICATION_BYTES``; ``s3_bucket_location`` is where the full one is."""
    full = to_notification_shape(item)
    summary = {
        "changeType": diff.get("changeType"),
        "configurationItemVersion": full["configurationItemVersion"],
        "configurationItemCaptureTime": full["configurationItemCaptureTime"],
        "configurationStateId": full["configurationStateId"],
        "awsAccountId": full["awsAccountId"],
        "configurationItemStatus": full["configurationItemStatus"],
        "resourceType": full["resourceType"],
        "resourceId": full["resourceId"],
        "resourceName": full["resourceName"],
        "ARN": full["ARN"],
        "awsRegion": full["awsRegion"],
        "availabilityZone": full["availabilityZone"],
        "configurationStateMd5Hash": full["configurationStateMd5Hash"],
        "resourceCreationTime": full["resourceCreationTime"],
    }
    return {
        "configurationItemSummary": summary,
        "s3DeliverySummary": {"s3BucketLocation": s3_bucket_location, "errorCode": None, "errorMessage": None},
        "notificationCreationTime": format_time(notification_time, field="notification_time"),
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.0",
    }


def notification_size(notification: Mapping[str, Any]) -> int:
    """Bytes of the notification as compact JSON (compare with ``MAX_NOTIFICATION_BYTES``)."""
    return len(json.dumps(notification, separators=(",", ":"), default=str).encode("utf-8"))


def change_event_detail(notification: Mapping[str, Any]) -> dict[str, Any]:
    """The ``detail`` of a ``Config Configuration Item Change`` event: the message itself."""
    return dict(notification)


def aws_config_event(
    detail_type: str, detail: Mapping[str, Any], *, account: str | None, region: str | None,
    time: Any, resources: list[str] | None = None, event_id: str | None = None,
) -> dict[str, Any]:
    """A whole EventBridge event from ``aws.config`` (envelope + detail). The id defaults to a
    UUID derived from the detail, so the same change always gets the same id."""
    if event_id is None:
        digest = json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)
        event_id = str(uuid.uuid5(_EVENT_NAMESPACE, detail_type + digest))
    when = format_time(time, field="time")
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "aws.config",
        "account": account,
        "time": when[:19] + "Z",  # EventBridge writes whole seconds
        "region": region,
        "resources": list(resources or []),
        "detail": dict(detail),
    }


def sns_subject(item: Mapping[str, Any], change_type: str) -> str:
    """``[AWS Config:us-east-2] AWS::EC2::Instance i-0… Updated in Account 123456789012``."""
    return (
        f"[AWS Config:{item.get('awsRegion')}] {item.get('resourceType')} {item.get('resourceId')} "
        f"{_VERBS.get(change_type, change_type)} in Account {item.get('accountId')}"
    )
