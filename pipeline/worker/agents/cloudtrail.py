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
from pipeline.worker.batch_stage import BatchStage, Outbox
from pipeline.worker.channels import kafka_producer
from pipeline.worker.deadletter import send_record_dead_letter
from pipeline.worker.settings import account_id, cloudtrail_log_group, region

log = logging.getLogger(__name__)

trail_codec = codec_for("cloudtrail")
log_codec = codec_for("log-events")
bus_codec = codec_for("event-bus")


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


async def deliver_cloudtrail(records, out: Outbox) -> None:
    """One batch of the cloudtrail topic: log events to the trail's log group, events to the bus."""
    log_topic = topics.topic_name("log-events")
    bus_topic = topics.bus_topic("default")
    group = cloudtrail_log_group()
    for record in records:
        try:
            trail_records = records_of(record.value, record.timestamp)
            log_events = [e for r in trail_records for e in cloudtrail_to_log_events(r, group)]
            bus_events = [bus_event(r) for r in trail_records]
        except Exception as error:  # DecodeError, or a record CloudTrail would not write
            out.track(await send_record_dead_letter(record, "decode", error))
            continue
        for log_event in log_events:
            await out.send(log_topic, log_event["logGroupName"].encode(), log_codec.encode(log_event))
        for envelope in bus_events:
            await out.send(bus_topic, envelope["id"].encode(), bus_codec.encode(envelope))


cloudtrail_stage = app.service(BatchStage(
    "cloudtrail", lambda: [topics.topic_name("cloudtrail")], deliver_cloudtrail, producer=kafka_producer))
