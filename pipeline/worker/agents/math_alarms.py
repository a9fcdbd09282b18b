"""Metric math alarms in the worker: their inputs brought to one owner, then evaluated there.

A math alarm's MetricStat queries may read metrics that hash to different metric-data partitions
(and workers), so the alarms agent, on each datum of such a metric, forwards it to the
``alarm-math-inputs`` topic keyed by the alarm's name (:func:`forward_to_math_alarms`). The worker
owning that partition keeps the alarm's buckets per query and its state in tables, evaluates it
when a datum moves the partition's event-time watermark or on a tick (the leader sends one per
partition, so missing data moves the alarm without new records), and publishes transitions as
metric alarms do. The datapoints come from pipeline.alarms.math_alarm; the judgement (M out of N,
TreatMissingData, reasons) is the metric alarms' evaluator. ``set-alarm-state`` for a math alarm
arrives on this topic too, keyed by the alarm.

Forwarding is at least once like every stage: a datum forwarded again after a rebalance of the
metric-data partition is counted again in the math alarm's bucket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from pipeline import topics
from pipeline.alarms import add_value, evaluate, evaluation_times, expire_buckets, new_bucket, period_start
from pipeline.alarms import retention_seconds
from pipeline.alarms.math_alarm import MathInput, math_datapoints
from pipeline.alarms.set_state import SetAlarmState, force_metric_alarm_state
from pipeline.alarms.statistics import STATISTICS
from pipeline.cli.set_alarm_state import SET_STATE_KEY
from pipeline.metric_data import samples_of
from pipeline.worker.alarm_outputs import send_transition
from pipeline.worker.alarm_runtime import MAX_CATCH_UP, TICK_S, WALL_LAG_S, EventTimeProgress, initial_state
from pipeline.worker.app import app
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded

log = logging.getLogger(__name__)

TICK_KEY = b"tick"
inputs = app.topic(f"{topics.prefix()}alarm-math-inputs", partitions=topics.partitions(), internal=True,
                   key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
# alarm name -> {query Id: [bucket start, ...]}
math_index = app.Table("alarm-math-index", default=None, partitions=topics.partitions())
# "<alarm name>\x1f<query Id>@<bucket start>" -> bucket (no alarm name or Id holds \x1f)
math_buckets = app.Table("alarm-math-buckets", default=None, partitions=topics.partitions())
# alarm name -> {"StateValue", "StateReason", "Timestamp", "LastEvaluated"}
math_states = app.Table("alarm-math-states", default=None, partitions=topics.partitions())
progress = EventTimeProgress()  # of forwarded data, per partition of alarm-math-inputs


def _runtime():
    from pipeline.worker.agents.alarms import runtime  # imported here: that module imports this one

    return runtime


def _bucket_key(alarm: str, query: str, start: int) -> str:
    return f"{alarm}\x1f{query}@{start}"


async def forward_to_math_alarms(readers: list[MathInput], datum: dict) -> None:
    """Send a datum to the owner of each math alarm query that reads it (unit permitting)."""
    unit = datum.get("Unit") or "None"
    samples = None
    for alarm, query, wanted_unit in readers:
        if wanted_unit and wanted_unit != unit:
            continue
        if samples is None:
            samples = [list(pair) for pair in samples_of(datum)]
        value = {"alarm": alarm.name, "query": query, "Timestamp": datum["Timestamp"], "samples": samples}
        await inputs.send(key=alarm.name.encode(), value=json.dumps(value).encode())


def _add(alarm, query: str, timestamp_ms: int, samples: list) -> None:
    start = period_start(timestamp_ms / 1000, alarm.cadence)
    key = _bucket_key(alarm.name, query, start)
    bucket = math_buckets.get(key)
    if bucket is None:
        stat = next(q["MetricStat"]["Stat"] for q in alarm.metrics if q["Id"] == query)
        bucket = new_bucket(sketch=stat not in STATISTICS)
        index = dict(math_index.get(alarm.name) or {})
        if start not in index.get(query, []):
            index[query] = sorted([*index.get(query, []), start])
            math_index[alarm.name] = index
    for value, count in samples:
        add_value(bucket, value, count)
    math_buckets[key] = bucket


def _evaluate_alarm(alarm, clock: float) -> list:
    """The transitions of one math alarm up to ``clock``; its tables updated."""
    index = math_index.get(alarm.name) or {}
    buckets: dict[str, dict[int, dict]] = {}
    for query, starts in index.items():
        found = buckets[query] = {}
        for start in starts:
            bucket = math_buckets.get(_bucket_key(alarm.name, query, start))
            if bucket is not None:
                found[start] = bucket
    state = dict(math_states.get(alarm.name) or initial_state(alarm, clock))
    due = list(evaluation_times(alarm, state["LastEvaluated"] + 1, clock))[-MAX_CATCH_UP:]
    transitions = []
    for moment in due:
        change = evaluate(alarm, math_datapoints(alarm, buckets, moment), at=moment,
                          previous_state=state["StateValue"], previous_reason=state["StateReason"])
        if change is not None:
            state.update(StateValue=change.state.value, StateReason=change.reason, Timestamp=change.timestamp)
            transitions.append((change, alarm))
    if due or math_states.get(alarm.name) is None:
        state["LastEvaluated"] = due[-1] if due else state["LastEvaluated"]
        math_states[alarm.name] = state
    kept_index, dropped_any = {}, False
    for query, starts in index.items():
        kept = dict.fromkeys(starts)
        for start in expire_buckets(kept, clock, retention_seconds([alarm]) or 3600):
            math_buckets.pop(_bucket_key(alarm.name, query, start), None)
            dropped_any = True
        kept_index[query] = list(kept)
    if dropped_any:
        math_index[alarm.name] = kept_index
    return transitions


async def evaluate_partition(partition: int, clock: float) -> None:
    """Evaluate the math alarms owned by ``partition``; tables first, then the transitions
    published (as the metric alarms agent does, for the same reason)."""
    transitions = []
    for alarm in _runtime().math_alarms_of_partition(partition):
        try:
            transitions.extend(_evaluate_alarm(alarm, clock))
        except Exception:  # one alarm's bad expression must not stop the others
            log.exception("math alarm %s could not be evaluated", alarm.name)
    acknowledgements = []
    for change, alarm in transitions:
        acknowledgements.extend(await send_transition(change, alarm, alarm.actions_for(change.state)))
    await asyncio.gather(*acknowledgements)


async def _set_state(request: SetAlarmState) -> None:
    alarm = _runtime().math_alarms.get(request.alarm_name)
    if alarm is None:
        log.warning("set-alarm-state for %s ignored: no such metric math alarm", request.alarm_name)
        return
    forced = force_metric_alarm_state(request, math_states.get(alarm.name) or initial_state(
        alarm, time.time() - WALL_LAG_S))
    if forced is None:
        return
    change, math_states[alarm.name] = forced
    await asyncio.gather(*await send_transition(change, alarm, alarm.actions_for(change.state)))


@app.agent(inputs)
async def evaluate_math_alarms(stream):
    await wait_until_loaded()
    async for event in stream.events():
        partition = event.message.partition
        try:
            if event.key == TICK_KEY:
                await evaluate_partition(partition, progress.clock(partition, time.time()))
                continue
            if event.key == SET_STATE_KEY:
                await _set_state(SetAlarmState.from_dict(json.loads(event.value)))
                continue
            message = json.loads(event.value)
            alarm = _runtime().math_alarms.get(message["alarm"])
            if alarm is None or message["query"] not in {q["Id"] for q in alarm.metrics}:
                continue  # the alarm was deleted or changed since the datum was forwarded
            _add(alarm, message["query"], message["Timestamp"], message["samples"])
            due = progress.advance(partition, message["Timestamp"] / 1000, store.version)
            if due is not None:
                await evaluate_partition(partition, due)
        except Exception as error:
            log.exception("math alarm input failed on partition %s", partition)
            await send_dead_letter(event, "math-alarm", error)


@app.timer(interval=TICK_S, on_leader=True)
async def send_math_alarm_ticks() -> None:
    now = str(time.time()).encode()
    for partition in range(topics.partitions()):
        await inputs.send(key=TICK_KEY, value=now, partition=partition)
