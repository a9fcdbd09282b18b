"""The worker's metric-filter holder and per-minute default values, without a broker."""

from __future__ import annotations

import json

from pipeline.definitions import DefinitionStore, validate
from pipeline.worker.metric_filters import DefaultValueClock, MetricFilterRuntime, default_data

MINUTE = 60_000
T0 = 1_732_528_800_000  # a minute boundary

FILTER = {
    "logGroupName": "/app", "filterName": "errors", "filterPattern": "ERROR",
    "metricTransformations": [{"metricName": "Errors", "metricNamespace": "App", "metricValue": "1",
                               "defaultValue": 0, "unit": "Count"}],
}


def runtime_with(*bodies) -> tuple[DefinitionStore, MetricFilterRuntime]:
    store = DefinitionStore()
    runtime = MetricFilterRuntime(store)
    for body in bodies:
        definition = validate("PutMetricFilter", body)
        store.apply_record(definition.key, json.dumps(definition.body))
    return store, runtime


def event(message: str, at_ms: int, group: str = "/app") -> dict:
    return {"logGroupName": group, "logStreamName": "s", "timestamp": at_ms, "message": message}


def test_filters_follow_definitions_including_deletes():
    store, runtime = runtime_with(FILTER)
    data, matched = runtime.evaluate(event("ERROR boom", T0))
    assert matched == ("errors",) and data[0]["MetricName"] == "Errors" and data[0]["Timestamp"] == T0
    assert runtime.evaluate(event("ERROR boom", T0, group="/other")) == ([], ())
    store.apply_record("MetricFilter//app/errors", None)
    assert runtime.evaluate(event("ERROR boom", T0)) == ([], ())
    assert runtime.sets == {}


def test_default_value_for_a_minute_with_events_but_no_match():
    _, runtime = runtime_with(FILTER)
    clock = DefaultValueClock(grace_ms=MINUTE)
    clock.record("/app", T0 + 1_000, [], wall_s=0)  # minute 0: an event, no match
    clock.record("/app", T0 + MINUTE + 1_000, ["errors"], wall_s=0)  # minute 1: a match
    assert clock.closed() == []  # minute 0 still within its grace
    clock.record("/app", T0 + 2 * MINUTE + 5_000, [], wall_s=0)
    closed = clock.closed()
    assert [(group, minute) for group, minute, *_ in closed] == [("/app", T0)]
    defaults = default_data(runtime, closed)
    assert [(d["Timestamp"], d["Value"]) for d in defaults] == [(T0, 0.0)]
    # minute 1 had a match: no default when it closes
    clock.record("/app", T0 + 3 * MINUTE + 5_000, [], wall_s=0)
    assert default_data(runtime, clock.closed()) == []


def test_late_events_do_not_reopen_a_closed_minute_and_idle_partitions_flush():
    _, runtime = runtime_with(FILTER)
    clock = DefaultValueClock(grace_ms=MINUTE, idle_s=30)
    clock.record("/app", T0 + 3 * MINUTE, [], wall_s=100)
    clock.record("/app", T0 + 1_000, [], wall_s=100)  # far behind the watermark: ignored
    assert clock.closed() == []
    assert clock.closed_if_idle(wall_s=110) == []  # not idle yet
    flushed = clock.closed_if_idle(wall_s=131)
    assert [(minute, events) for _, minute, events, _ in flushed] == [(T0 + 3 * MINUTE, 1)]
