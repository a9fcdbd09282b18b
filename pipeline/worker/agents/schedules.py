"""Scheduled rules: one "Scheduled Event" per tick of each enabled rule, fired by the leader.

A leader-only timer fires every tick that fell due since the rule's last fired tick, straight to
the rule's own targets (as EventBridge does), with the event id uuid5(rule ARN, tick). The last
fired tick of each rule is written to the compacted ``<prefix>schedule-progress`` topic, which
every worker follows, so a worker that becomes leader resumes where the previous leader stopped
instead of skipping the ticks in between (pipeline.worker.schedule_progress: bounded catch-up,
and the remaining window for a repeat with the same id).

``PIPELINE_SCHEDULE_MINUTE_S`` (tests and demos only) sets how many wall-clock seconds a
schedule minute lasts for ``rate(...)`` rules: with 2, ``rate(1 minute)`` fires every 2 seconds
(ticks at multiples of the scaled period since the epoch). ``cron(...)`` ignores it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
import uuid
from datetime import datetime, timezone

from pipeline import topics
from pipeline.eventbus import Rate, parse_schedule, scheduled_event
from pipeline.worker.app import app
from pipeline.worker.bus_routing import runtime
from pipeline.worker.channels import producing_channel
from pipeline.worker.definitions import ready_event
from pipeline.worker.deliveries import Delivery, deliver_now
from pipeline.worker.event_rules import rule_arn
from pipeline.worker.follow import follow_topic_forever
from pipeline.worker.schedule_progress import ScheduleProgress, document, due_ticks
from pipeline.worker.settings import account_id, region

log = logging.getLogger(__name__)

MINUTE_S = float(os.environ.get("PIPELINE_SCHEDULE_MINUTE_S", "60"))
progress = ScheduleProgress()
_progress_read = asyncio.Event()
_fired_here: dict[str, datetime] = {}  # this leader's own last ticks (ahead of the followed topic)


def progress_topic() -> str:
    return topics.prefix() + "schedule-progress"


def next_tick(schedule, last: datetime) -> datetime | None:
    """The first fire time after ``last``; rate(...) periods scaled by PIPELINE_SCHEDULE_MINUTE_S."""
    if MINUTE_S == 60 or not isinstance(schedule, Rate):
        return schedule.next_after(last)
    period = schedule.seconds / 60 * MINUTE_S
    return datetime.fromtimestamp((math.floor(last.timestamp() / period) + 1) * period, tz=timezone.utc)


def _apply_progress(record) -> None:
    try:
        progress.apply(record.key.decode("utf-8"), None if record.value is None else json.loads(record.value))
    except Exception:
        log.exception("bad schedule-progress record at offset %s ignored", record.offset)


@app.task
async def follow_schedule_progress() -> None:
    from pipeline.admin import ensure_compacted_topic

    await asyncio.to_thread(ensure_compacted_topic, progress_topic())
    await follow_topic_forever(progress_topic(), _apply_progress, on_caught_up=_progress_read.set)


@app.timer(interval=min(1.0, MINUTE_S / 4))
async def fire_scheduled_rules() -> None:
    if not app.is_leader():
        _fired_here.clear()  # the next time this worker leads, the followed topic says where to go on
        return
    if not (_progress_read.is_set() and ready_event().is_set()):
        return  # not before the rules and the previous leader's progress are known
    now = datetime.now(timezone.utc)
    scheduled = runtime.scheduled_rules()
    for name, body in scheduled:
        expression = body["ScheduleExpression"]
        schedule = parse_schedule(expression)
        known = [t for t in (_fired_here.get(name), progress.last_tick(name, expression)) if t is not None]
        last = max(known) if known else _fired_here.setdefault(name, now)  # a new rule counts from now
        ticks, skipped = due_ticks(lambda moment: next_tick(schedule, moment), last, now)
        if skipped:
            log.warning("scheduled rule %s: %d missed ticks before %s skipped (catch-up is bounded)", name,
                        skipped, ticks[0].isoformat())
        for tick in ticks:
            await _fire(name, tick)
            _fired_here[name] = tick
        if ticks:
            await _record(name, document(ticks[-1], expression))
    names = {name for name, _ in scheduled}
    for name in [n for n in progress.fired if n not in names]:  # deleted or disabled: start afresh later
        progress.fired.pop(name, None)
        _fired_here.pop(name, None)
        await _record(name, None)


async def _fire(name: str, tick: datetime) -> None:
    bus, _, rule = name.partition("/")
    arn = rule_arn(bus, rule)
    event = scheduled_event(rule_arn=arn, time=tick, account=account_id(), region=region(),
                            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}@{tick.isoformat()}")))
    log.info("scheduled rule %s fired for %s", name, event["time"])
    # a scheduled event goes straight to its own rule's targets, as in EventBridge
    await deliver_now([Delivery(event=event, bus=bus, rule=rule, target=target, source=(topics.bus_topic(bus), -1, -1),
                                first_attempt_ms=int(time.time() * 1000))
                       for target in runtime.targets_of(name)])


async def _record(name: str, value: dict | None) -> None:
    channel = await producing_channel(progress_topic())
    await (await channel.send(key=name.encode(), value=None if value is None else json.dumps(value).encode()))
