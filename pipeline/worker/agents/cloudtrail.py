"""CloudTrail records -> the trail's CloudWatch Logs group and the default event bus.

Each record becomes a log event (so metric filters such as the CIS pack see it) and, like
EventBridge does for CloudTrail, an "AWS API Call via CloudTrail" event (console sign-ins as
"AWS Console Sign In via CloudTrail"). A file-shaped payload ``{"Records": [...]}`` is split.
"""

from __future__ import annotations

import logging

import orjson

from pipeline import topics
from pipeline.codec import DecodeError, codec_for
from pipeline.eventbus import build_event
from pipeline.metricfilters import cloudtrail_to_log_events
from pipeline.worker.app import app
from pipeline.worker.channels import channel, role_channel
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.settings import account_id, cloudtrail_log_group, region

log = logging.getLogger(__name__)

trail_codec = codec_for("cloudtrail")
log_codec = codec_for("log-events")
bus_codec = codec_for("event-bus")
log_channel = role_channel("log-events")


def detail_type(record: dict) -> str:
    if record.get("eventType") == "AwsConsoleSignIn":
        return "AWS Console Sign In via CloudTrail"
    return "AWS API Call via CloudTrail"


def bus_event(record: dict) -> dict:
    service = str(record.get("eventSource", "")).split(".")[0]
    return build_event(
        source=f"aws.{service}", detail_type=detail_type(record), detail=record,
        time=record["eventTime"], account=record.get("recipientAccountId") or account_id(),
        region=record.get("awsRegion") or region(), event_id=record.get("eventID"))


def records_of(value: bytes | None, record_time_ms: int) -> list[dict]:
    """One record, or each record of a CloudTrail file payload; DecodeError with the reason."""
    if value is not None and value[:1] == b"{" and b'"Records"' in value[:64]:
        try:
            payload = orjson.loads(value)
        except orjson.JSONDecodeError as error:
            raise DecodeError(f"not valid JSON: {error}") from None
        if isinstance(payload, dict) and isinstance(payload.get("Records"), list):
            return [trail_codec.decode(orjson.dumps(r), record_time_ms) for r in payload["Records"]]
    return [trail_codec.decode(value, record_time_ms)]


@app.agent(role_channel("cloudtrail"))
async def deliver_cloudtrail(stream):
    bus = channel(topics.bus_topic("default"))
    async for events in stream.take_events(500, within=0.2):
        for event in events:
            try:
                records = records_of(event.value, int(event.message.timestamp * 1000))
                log_events = [e for r in records for e in cloudtrail_to_log_events(r, cloudtrail_log_group())]
                bus_events = [bus_event(r) for r in records]
            except Exception as error:  # DecodeError, or a record CloudTrail would not write
                await send_dead_letter(event, "decode", error)
                continue
            for log_event in log_events:
                await log_channel.send(key=log_event["logGroupName"].encode(), value=log_codec.encode(log_event))
            for envelope in bus_events:
                await bus.send(key=envelope["id"].encode(), value=bus_codec.encode(envelope))
