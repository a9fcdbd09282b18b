"""set-alarm-state on a composite alarm (no broker: the composite agent's step, outputs recorded).

AWS: the forced state holds until a child alarm changes state or the configuration changes."""

import asyncio

import pytest

from pipeline.alarms import CompositeAlarm
from pipeline.alarms.set_state import check_set_alarm_state
from pipeline.worker.agents import composite_alarms as agent


@pytest.fixture
def published(monkeypatch):
    sent = []

    async def publish_transition(change, composite, actions, suppressed_by=None):
        sent.append((change.previous_state.value, change.state.value, change.reason, tuple(actions)))

    async def publish_actions(record, actions, key):
        sent.append(("actions", tuple(actions)))

    monkeypatch.setattr(agent, "publish_transition", publish_transition)
    monkeypatch.setattr(agent, "publish_actions", publish_actions)
    return sent


def composite(rule: str = "ALARM(api-errors)") -> CompositeAlarm:
    return CompositeAlarm.from_dict(
        {"AlarmName": "shop-down", "AlarmRule": rule, "AlarmActions": ["kafka:pager"], "OKActions": ["kafka:pager"]})


def run(alarm, entry, message, now):
    loop = asyncio.new_event_loop()  # not asyncio.run: that would unset the loop other tests hold
    try:
        return loop.run_until_complete(agent.step(alarm, entry, message, now))
    finally:
        loop.close()


def set_state(value: str, reason: str = "testing") -> dict:
    return {"kind": "set-state", "request": check_set_alarm_state("shop-down", value, reason).to_dict()}


def child(state: str, at: float) -> dict:
    return {"kind": "state", "alarm": "api-errors", "StateValue": state, "Timestamp": at}


def test_a_forced_composite_holds_until_a_child_changes(published):
    alarm, entry = composite(), agent.new_entry()
    run(alarm, entry, child("OK", 100.0), 100.0)
    assert entry["StateValue"] == "OK" and published[-1][:2] == ("INSUFFICIENT_DATA", "OK")

    assert run(alarm, entry, set_state("ALARM"), 110.0)
    assert entry["StateValue"] == "ALARM" and published[-1] == ("OK", "ALARM", "testing", ("kafka:pager",))
    count = len(published)
    run(alarm, entry, {"kind": "tick", "Timestamp": 120.0}, 120.0)
    run(alarm, entry, child("OK", 100.0), 121.0)  # a replay of a state it knows: not a change
    assert entry["StateValue"] == "ALARM" and len(published) == count  # ticks do not take it back

    run(alarm, entry, child("INSUFFICIENT_DATA", 130.0), 130.0)  # a child really changed
    run(alarm, entry, child("OK", 140.0), 140.0)
    assert entry["StateValue"] == "OK" and entry["Forced"] is None
    assert published[count][:2] == ("ALARM", "OK")


def test_a_changed_definition_ends_the_forced_state(published):
    entry = agent.new_entry()
    run(composite(), entry, child("OK", 100.0), 100.0)
    run(composite(), entry, set_state("ALARM"), 110.0)
    run(composite("ALARM(api-errors) OR ALARM(db-errors)"), entry, {"kind": "tick", "Timestamp": 120.0}, 120.0)
    assert entry["StateValue"] == "OK" and entry["Forced"] is None


def test_forcing_the_state_it_is_in_changes_nothing(published):
    alarm, entry = composite(), agent.new_entry()
    run(alarm, entry, child("OK", 100.0), 100.0)
    count = len(published)
    assert not run(alarm, entry, set_state("OK"), 110.0)
    assert len(published) == count and entry["Forced"] is None
