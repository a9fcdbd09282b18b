"""CloudTrail records -> the trail's CloudWatch Logs group and the default event bus.

Each record becomes a log event (so metric filters such as the CIS pack see it) and, like
EventBridge does for CloudTrail, an "AWS API Call via CloudTrail" event (console sign-ins as
"AWS Console Sign In via CloudTrail"). A file-shaped payload ``{"Records": [...]}`` is split.

Each record is decoded once and handled here to the end (no round trip through two topics):

* the log event is written to ``log-events`` (the log group's store); when no filter of the
  trail's group has a defaultValue, the group's filters are applied here on the decoded record
  and the log event carries the ``pipeline-metric-filters: applied`` header, so the log-events
  stage passes it by. A group with a defaultValue filter needs its per-minute event count in one
  place (the log-events stage, keyed by group), so its log events go there unmarked.
* the bus event is routed against the default bus's rules, archived and delivered here
  (pipeline.worker.bus_routing), as the bus stage would; it is not written to the bus topic,
  which carries the events put on a bus (PutEvents, Config, alarms, replays).
"""

from __future__ import annotations

import logging

from pipeline import jsontext, topics
from pipeline.codec import DecodeError, codec_for
from pipeline.eventbus import build_event
from pipeline.metricfilters import cloudtrail_to_log_events
from pipeline.worker.app import app
from pipeline.worker.agents.logs import FILTERS_APPLIED, publish_data
from pipeline.worker.agents.logs import runtime as filters
from pipeline.worker.batch_stage import BatchStage, Outbox
from pipeline.worker.bus_routing import Routing, rules_and_archives_loaded
from pipeline.worker.channels import kafka_producer
from pipeline.worker.deadletter import send_record_dead_letter
from pipeline.worker.settings import account_id, cloudtrail_log_group, region

log = logging.getLogger(__name__)

trail_codec = codec_for("cloudtrail")
log_codec = codec_for("log-events")


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
            payload = jsontext.loads(value)
        except ValueError as error:
            raise DecodeError(f"not valid JSON: {error}") from None
        if isinstance(payload, dict) and isinstance(payload.get("Records"), list):
            return [trail_codec.decode(jsontext.dumps(r).encode(), record_time_ms) for r in payload["Records"]]
    return [trail_codec.decode(value, record_time_ms)]


async def deliver_cloudtrail(records, out: Outbox) -> None:
    """One batch of the cloudtrail topic: log events to the trail's log group (filters applied
    here when the group allows it), events routed on the default bus."""
    log_topic = topics.topic_name("log-events")
    group = cloudtrail_log_group()
    filter_here = not filters.counts_minutes(group)
    headers = FILTERS_APPLIED if filter_here else None
    data: list[dict] = []
    routing = Routing()
    for record in records:
        source = (record.topic, record.partition, record.offset)
        try:
            trail_records = records_of(record.value, record.timestamp)
            log_events = [cloudtrail_to_log_events(r, group)[0] for r in trail_records]
            bus_events = [bus_event(r) for r in trail_records]
        except Exception as error:  # DecodeError, or a record CloudTrail would not write
            out.track(await send_record_dead_letter(record, "decode", error))
            continue
        stage = "metric-filter"
        try:
            record_data = []
            if filter_here:
                for log_event, trail_record in zip(log_events, trail_records):
                    record_data.extend(filters.evaluate(log_event, trail_record)[0])
            stage = "event-pattern"
            for envelope in bus_events:
                await routing.add("default", envelope, source)
        except Exception as error:  # an engine bug on one record must not stop the stream
            log.exception("%s failed on %s[%s]@%s", stage, *source)
            out.track(await send_record_dead_letter(record, stage, error))
            continue
        data.extend(record_data)
        for log_event in log_events:
            await out.send(log_topic, group.encode(), log_codec.encode(log_event), headers=headers)
    await publish_data(out, data)
    await routing.finish(out)


cloudtrail_stage = app.service(BatchStage(
    "cloudtrail", lambda: [topics.topic_name("cloudtrail")], deliver_cloudtrail, producer=kafka_producer,
    ready=rules_and_archives_loaded))
