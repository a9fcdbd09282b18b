"""What an alarm transition produces: the state-change record, a history item, action
messages (only when actions are enabled) and a "CloudWatch Alarm State Change" bus event."""

from __future__ import annotations

import asyncio
import time
import uuid

from pipeline import topics
from pipeline.alarms import action_item, state_change_event, state_update_item
from pipeline.codec import codec_for
from pipeline.worker.channels import channel, producing_channel, role_channel
from pipeline.worker.settings import account_id, region


async def send_actions(record: dict, actions, key: bytes) -> list:
    """The state-change record on each action topic (also for actions a suppressor held back);
    returns the acknowledgements to wait for. Each action, once the broker answered, gets its
    Action history item (succeeded or failed)."""
    encoded = codec_for("alarm-state-changes").encode(dict(record, Actions=list(actions)))
    acknowledgements = []
    for action in actions:
        action_channel = await producing_channel(topics.action_topic(action))
        sent = await action_channel.send(key=key, value=encoded)
        acknowledgements.append(asyncio.ensure_future(_record_action(sent, record, action, key)))
    return acknowledgements


async def _record_action(sent, record: dict, action: str, key: bytes) -> None:
    error = None
    try:
        await sent
    except Exception as failure:  # recorded, then raised to the caller as before
        error = failure
    item = action_item(record, action, time.time(), error)
    await role_channel("alarm-history").send(key=key, value=codec_for("alarm-history").encode(
        {"type": "AlarmHistoryItem", "document": item, "time": int(time.time() * 1000)}))
    if error is not None:
        raise error


async def publish_actions(record: dict, actions, key: bytes) -> None:
    await asyncio.gather(*await send_actions(record, actions, key))


async def send_transition(change, alarm, actions: tuple[str, ...], *, suppressed_by: str | None = None) -> list:
    """Start every output of one transition; returns the acknowledgements of the state-change
    and action records, so a caller can wait for many transitions at once."""
    key = change.alarm_name.encode()
    record = change.to_record(actions=actions, actions_enabled=alarm.actions_enabled,
                              configuration=alarm.body)
    encoded = codec_for("alarm-state-changes").encode(record)
    acknowledgements = [await role_channel("alarm-state-changes").send(key=key, value=encoded)]
    acknowledgements.extend(await send_actions(record, actions, key))
    now_ms = int(time.time() * 1000)
    await role_channel("alarm-history").send(key=key, value=codec_for("alarm-history").encode(
        {"type": "AlarmHistoryItem", "document": state_update_item(change), "time": now_ms}))
    event = state_change_event(change, alarm, account=account_id(), region=region(), suppressed_by=suppressed_by,
                               event_id=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                       f"{change.alarm_name}@{change.timestamp}")))
    await channel(topics.bus_topic("default")).send(key=event["id"].encode(),
                                                    value=codec_for("event-bus").encode(event))
    return acknowledgements


async def publish_transition(change, alarm, actions: tuple[str, ...], *, suppressed_by: str | None = None) -> None:
    """Every output of one transition. Sends wait for the broker's acknowledgement, so a lost
    record shows up as an error (one stalled silently before channels.track_topic)."""
    await asyncio.gather(*await send_transition(change, alarm, actions, suppressed_by=suppressed_by))
