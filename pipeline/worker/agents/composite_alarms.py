"""Composite alarms: child transitions -> rule evaluation -> composite transitions and actions.

Two hops, because Faust tables may only be written while processing an event of the partition
that owns the key:

1. ``forward_child_states`` reads ``alarm-state-changes`` (keyed by AlarmName). It remembers each
   alarm's latest state in ``alarm-last-states`` (keyed by AlarmName, so co-partitioned with
   the topic) and, for every composite whose rule names the alarm or whose ActionsSuppressor it
   is, sends a small JSON record keyed by the COMPOSITE name to the internal ``composite-inputs``
   topic.
2. ``evaluate_composites`` reads ``composite-inputs`` and keeps one ``composite-states`` entry per
   composite (children's states with their transition times, StateValue, StateReason, the
   suppressor state machine). It calls the engine (``evaluate_composite``, ``suppression_step``)
   and publishes a transition through ``publish_transition``. A composite's own transitions go to
   ``alarm-state-changes`` too, so composites of composites work.

Timers: the leader sends one ``tick`` per composite to composite-inputs every
``PIPELINE_ALARM_TICK_S`` (default 10) seconds, so a new or changed definition is evaluated
without any child changing, and Wait/Extension periods of the suppressor end on time. Every
worker also replays the last states it holds in ``alarm-last-states`` for composites it has not
synced yet (new or changed definitions) and, every ``RESYNC_TICKS`` ticks, for all composites:
a composite created after its children last transitioned still learns their states. Replays
that bring nothing newer are dropped by the composite agent without a table write.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from pipeline import topics
from pipeline.alarms import AlarmState, evaluate_composite, find_cycle, new_suppression, suppression_step
from pipeline.alarms.set_state import SetAlarmState, forced_change
from pipeline.codec import codec_for
from pipeline.worker.agents.alarms import runtime
from pipeline.worker.alarm_outputs import publish_actions, publish_transition
from pipeline.worker.app import app
from pipeline.worker.channels import role_channel
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded

log = logging.getLogger(__name__)

TICK_S = float(os.environ.get("PIPELINE_ALARM_TICK_S", "10"))
RESYNC_TICKS = 6  # full replay of known child states every RESYNC_TICKS ticks
INITIAL_REASON = "Unchecked: Initial alarm creation"

state_codec = codec_for("alarm-state-changes")

inputs = app.topic(f"{topics.prefix()}composite-inputs", partitions=topics.partitions(), internal=True,
                   key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
# AlarmName -> {"StateValue", "Timestamp" (epoch s of the transition), "AlarmType"}
last_states = app.Table("alarm-last-states", default=None, partitions=topics.partitions())
# composite name -> {"Children": {name: {"StateValue", "Timestamp"}}, "StateValue", "StateReason",
#                    "Timestamp", "Suppression": {...}, "Suppressor", "LastRecord": record or None}
composite_states = app.Table("composite-states", default=None, partitions=topics.partitions())


# ---- definitions -----------------------------------------------------------------------------

_cycles: tuple[int, frozenset[str]] = (-1, frozenset())


def cyclic_composites() -> frozenset[str]:
    """Names of composites on a cycle (AWS stops evaluating those); cached per definitions version."""
    global _cycles
    if _cycles[0] != store.version:
        rules = {name: c.rule for name, c in runtime.composites.items()}
        found: set[str] = set()
        while True:
            cycle = find_cycle(rules)
            if not cycle:
                break
            found.update(cycle)
            for name in cycle:
                rules.pop(name, None)
        if found:
            log.warning("composite alarms on a cycle are not evaluated: %s", ", ".join(sorted(found)))
        _cycles = (store.version, frozenset(found))
    return _cycles[1]


def _fingerprint(composite) -> tuple:
    return (composite.rule.text, composite.actions_suppressor)


# ---- hop 1: alarm-state-changes -> composite-inputs -------------------------------------------


def _input(kind: str, **fields: Any) -> bytes:
    return json.dumps({"kind": kind, **fields}, separators=(",", ":")).encode()


async def send_state(composite_name: str, alarm_name: str, state: dict[str, Any]) -> None:
    await inputs.send(key=composite_name.encode(), value=_input(
        "state", alarm=alarm_name, StateValue=state["StateValue"], Timestamp=state["Timestamp"]))


@app.agent(role_channel("alarm-state-changes"))
async def forward_child_states(stream):
    await wait_until_loaded()
    async for event in stream.events():  # one at a time: the table write follows the event's partition
        message = event.message
        try:
            record = state_codec.decode(event.value)
            name = record["AlarmName"]
            state = {"StateValue": AlarmState.of(record["NewStateValue"]).value,
                     "Timestamp": record["StateChangeTime"] / 1000,
                     "AlarmType": record.get("AlarmType") or "MetricAlarm"}
        except Exception as error:
            await send_dead_letter(event, "decode", error)
            continue
        try:
            if message.key == name.encode():
                known = last_states.get(name)
                if known is None or known["Timestamp"] <= state["Timestamp"]:
                    last_states[name] = state
            else:
                log.warning("alarm-state-changes record for %r keyed %r: state not remembered", name,
                            message.key)
            for composite in runtime.composites_watching(name):
                await send_state(composite.name, name, state)
        except Exception as error:
            log.exception("forwarding %s[%s]@%s to composites failed", message.topic, message.partition,
                          message.offset)
            await send_dead_letter(event, "composite-forward", error)


# ---- hop 2: composite-inputs -> composite state ----------------------------------------------


def new_entry() -> dict[str, Any]:
    return {"Children": {}, "StateValue": AlarmState.INSUFFICIENT_DATA.value, "StateReason": INITIAL_REASON,
            "Timestamp": None, "Suppression": new_suppression(), "Suppressor": None, "LastRecord": None,
            "Forced": None}


async def step(composite, entry: dict[str, Any], message: dict[str, Any], now: float) -> bool:
    """Apply one composite-inputs message to ``entry`` (in place); True when it changed."""
    changed = False
    suppressor = composite.actions_suppressor
    if entry.get("Suppressor") != suppressor:  # replacing the suppressor discards running periods
        entry["Suppressor"], entry["Suppression"] = suppressor, new_suppression()
        changed = True
    suppressor_moved = False
    if message.get("kind") == "set-state":  # pipeline set-alarm-state
        forced = forced_change(SetAlarmState.from_dict(message["request"]), entry["StateValue"],
                               entry["StateReason"], now, alarm_type="CompositeAlarm")
        if forced is None:
            return changed
        # AWS: a forced composite returns to its actual state only once a child changes state or
        # its configuration is updated, so ticks leave it alone until then
        entry["Forced"] = list(_fingerprint(composite))
        return await _transition(composite, entry, forced, now, suppressor_moved=False) or True
    if message.get("kind") == "state":
        alarm = message["alarm"]
        if alarm not in composite.rule.alarm_names and alarm != suppressor:
            return changed  # sent before the definition changed
        old = entry["Children"].get(alarm)
        new = {"StateValue": message["StateValue"], "Timestamp": float(message["Timestamp"])}
        if old is not None and (old["Timestamp"] > new["Timestamp"] or old == new):
            return changed  # a replay or an out-of-date copy: nothing to do
        entry["Children"][alarm] = new
        changed = True
        suppressor_moved = alarm == suppressor and (old or {}).get("StateValue") != new["StateValue"]
        if alarm not in composite.rule.alarm_names and not suppressor_moved:
            return changed  # the suppressor only, and its state did not change
    if composite.name in cyclic_composites():
        return changed
    at = max(now, entry.get("Timestamp") or 0.0)
    if entry.get("Forced") is not None:
        child_changed = message.get("kind") == "state" and message["alarm"] in composite.rule.alarm_names
        if not child_changed and entry["Forced"] == list(_fingerprint(composite)):
            # forced by set-alarm-state, and no child or definition changed since: not evaluated,
            # but the suppressor's periods still run
            return await _transition(composite, entry, None, at, suppressor_moved) or changed
        entry["Forced"] = None
        changed = True
    change = evaluate_composite(composite, entry["Children"], at, previous_state=entry["StateValue"],
                                previous_reason=entry["StateReason"])
    return await _transition(composite, entry, change, at, suppressor_moved) or changed


async def _transition(composite, entry: dict[str, Any], change, at: float, suppressor_moved: bool) -> bool:
    """Publish ``change`` (None: none) with the suppressor's say on actions; True when ``entry`` changed."""
    changed = False
    suppressor = composite.actions_suppressor
    suppressor_state = entry["Children"].get(suppressor, {}).get("StateValue") if suppressor else None
    run = False
    if change is not None or suppressor_moved or entry["Suppression"].get("Pending"):
        before = entry["Suppression"]
        entry["Suppression"], run = suppression_step(composite, before, at, suppressor_state=suppressor_state,
                                                     composite_changed=change is not None)
        changed = changed or entry["Suppression"] != before
    actions = composite.actions_for(entry["StateValue"] if change is None else change.state) if run else ()
    if change is not None:
        # "Alarm" or "WaitPeriod" while the suppressor holds the actions back, as AWS reports it
        suppressed_by = entry["Suppression"].get("SuppressedBy") if not run and composite.actions_suppressor else None
        await publish_transition(change, composite, actions, suppressed_by=suppressed_by)
        entry.update(StateValue=change.state.value, StateReason=change.reason, Timestamp=change.timestamp,
                     LastRecord=change.to_record(actions=(), actions_enabled=composite.actions_enabled,
                                                 configuration=composite.body))
        changed = True
    elif actions and entry.get("LastRecord"):
        await publish_actions(entry["LastRecord"], actions, composite.name.encode())
    return changed


@app.agent(inputs)
async def evaluate_composites(stream):
    await wait_until_loaded()
    async for event in stream.events():
        message = event.message
        try:
            name = message.key.decode()
            body = json.loads(event.value)
        except Exception as error:
            await send_dead_letter(event, "decode", error)
            continue
        try:
            composite = runtime.composites.get(name)
            if composite is None:
                if composite_states.get(name) is not None:
                    del composite_states[name]  # deleted definition: forget its state
                continue
            stored = composite_states.get(name)
            entry = json.loads(json.dumps(stored)) if stored is not None else new_entry()
            if await step(composite, entry, body, time.time()) or stored is None:
                composite_states[name] = entry
        except Exception as error:
            log.exception("composite alarm %r failed on %s[%s]@%s", message.key, message.topic,
                          message.partition, message.offset)
            await send_dead_letter(event, "composite-alarm", error)


# ---- timers ----------------------------------------------------------------------------------


_ticked: set[str] = set()  # composites the leader ticked last time: a deleted one gets one more tick


@app.timer(interval=TICK_S, on_leader=True)
async def send_composite_ticks() -> None:
    """One tick per composite; a composite deleted since the last run gets a last tick, so its
    entry is dropped (a composite put again later starts from INSUFFICIENT_DATA)."""
    global _ticked
    now = time.time()
    names = set(runtime.composites)
    for name in sorted(names | _ticked):
        await inputs.send(key=name.encode(), value=_input("tick", Timestamp=now))
    _ticked = names


_synced: dict[str, tuple] = {}  # composite name -> fingerprint its children's states were replayed for
_timer_runs = 0


@app.timer(interval=TICK_S)
async def replay_child_states() -> None:
    """Send the child states this worker holds to composites that have not seen them yet."""
    global _timer_runs
    _timer_runs += 1
    full = _timer_runs % RESYNC_TICKS == 0
    for name, composite in list(runtime.composites.items()):
        fingerprint = _fingerprint(composite)
        if not full and _synced.get(name) == fingerprint:
            continue
        _synced[name] = fingerprint
        watched = list(composite.rule.alarm_names)
        if composite.actions_suppressor and composite.actions_suppressor not in watched:
            watched.append(composite.actions_suppressor)
        for alarm in watched:
            state = last_states.get(alarm)  # only the partitions this worker owns hold anything
            if state is not None:
                await send_state(name, alarm, state)
    for name in set(_synced) - set(runtime.composites):
        del _synced[name]
