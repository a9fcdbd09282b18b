"""Metric data -> per-period buckets -> alarm evaluation, in event time and on wall-clock ticks.

State lives in changelogged tables, written while processing a record of the metric's own
partition (the metric-data topic is keyed by ``Namespace|MetricName|dims``), so the worker that
owns a metric's partition owns its buckets and its alarms: every alarm has exactly one evaluator.
Each period bucket is its own table entry (``<metric>@<start>``) next to a small index per metric
(bucket starts, anomaly models): a datum rewrites one bucket, not the metric's whole history (a
10 s metric kept 20 minutes has 120 buckets: ~11 KB of JSON per datum before).

When evaluation happens: each partition keeps an event-time watermark (newest datum seen). A
datum that moves the watermark evaluates the partition's alarms at every instant of their
cadence up to the watermark: periods close in event time, with all their data. A leader timer
sends one tick per partition of the alarm-ticks topic; a tick evaluates up to
``max(watermark, wall clock - PIPELINE_ALARM_WALL_LAG_S)`` (default 10 s), so a metric that
stops arriving still moves its alarms (missing data) without any new record, and data that
arrives later than the lag counts as missing for that evaluation, as in CloudWatch. Each
instant is evaluated once per alarm. Ticks go through a topic because Faust tables may only be
changed while processing an event of the partition that owns the key; for the same reason
``pipeline set-alarm-state`` sends its request on that topic, to the alarm's partition.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from pipeline import topics
from pipeline.alarms import (add_value, anomaly, check_datum_time, evaluate, evaluation_times,
                             expire_buckets, new_bucket, period_start, retention_seconds, train_band_model)
from pipeline.alarms.set_state import SetAlarmState, force_metric_alarm_state
from pipeline.alarms.units import series_key, unit_views, view_of
from pipeline.cli.set_alarm_state import SET_STATE_KEY
from pipeline.codec import DecodeError, codec_for
from pipeline.keys import metric_identity
from pipeline.metric_data import samples_of
from pipeline.worker.alarm_outputs import send_transition
from pipeline.worker.agents.math_alarms import forward_to_math_alarms
from pipeline.worker.alarm_runtime import (MAX_CATCH_UP, TICK_S, WALL_LAG_S, AlarmRuntime, EventTimeProgress,
                                           initial_state, partition_of)
from pipeline.worker.app import app
from pipeline.worker.channels import role_channel
from pipeline.worker.deadletter import send_dead_letter
from pipeline.worker.definitions import store, wait_until_loaded

log = logging.getLogger(__name__)

runtime = AlarmRuntime(store)  # also read by the composite and math alarm agents
metric_codec = codec_for("metric-data")

# metric key -> {"starts": [bucket start, ...] (sorted), "anomaly": {band alarm name: model} or None}
metric_index = app.Table("alarm-metric-index", default=None, partitions=topics.partitions())
# "<metric key>@<bucket start>" -> bucket
metric_buckets = app.Table("alarm-metric-period-buckets", default=None, partitions=topics.partitions())
# metric key -> {alarm name: {"StateValue", "StateReason", "Timestamp", "LastEvaluated"}}
alarm_states = app.Table("alarm-states", default=None, partitions=topics.partitions())
ticks = app.topic(f"{topics.prefix()}alarm-ticks", partitions=topics.partitions(), internal=True,
                  key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
progress = EventTimeProgress()


def _bucket_seconds(alarms) -> int:
    return min(alarm.cadence for alarm in alarms)


def _bucket_key(key: str, start: int) -> str:
    return f"{key}@{start}"


def add_datum(key: str, datum: dict, alarms) -> None:
    """Add the datum to the buckets of each unit view that takes it (pipeline.alarms.units)."""
    start = period_start(datum["Timestamp"] / 1000, _bucket_seconds(alarms))
    samples = None
    for view in unit_views(alarms, datum.get("Unit")):
        series = series_key(key, view)
        bucket_key = _bucket_key(series, start)
        # percentile sketches only where an alarm reads an extended statistic: they are most of
        # the state (bench/alarms.py memory per series)
        bucket = metric_buckets.get(bucket_key)
        if bucket is None:
            bucket = new_bucket(sketch=any(alarm.extended_statistic is not None for alarm in alarms
                                           if view_of(alarm) == view))
            index = metric_index.get(series) or {"starts": [], "anomaly": None}
            if start not in index["starts"]:
                metric_index[series] = {**index, "starts": sorted([*index["starts"], start])}
        if samples is None:
            samples = list(samples_of(datum))
        for value, count in samples:
            add_value(bucket, value, count)
        metric_buckets[bucket_key] = bucket


def _buckets_of(key: str, index: dict) -> dict[str, dict]:
    """The metric's buckets by start (as text, the evaluator's keys)."""
    found = {}
    for start in index["starts"]:
        bucket = metric_buckets.get(_bucket_key(key, start))
        if bucket is not None:
            found[str(start)] = bucket
    return found


async def evaluate_partition(partition: int, clock: float) -> None:
    """Evaluate every alarm owned by ``partition`` at each due instant up to ``clock``.

    States are computed and written to the tables without any await, and the transitions are
    published only afterwards: a rebalance can then never hand the partition over between a
    published transition and its state (the next owner would publish it again).
    """
    transitions = []
    for key in runtime.metrics_of_partition(partition):
        transitions.extend(_evaluate_metric(key, clock))
    acknowledgements = []
    for change, alarm in transitions:  # sent together, acknowledged together: one linger, not one each
        acknowledgements.extend(await send_transition(change, alarm, alarm.actions_for(change.state)))
    await asyncio.gather(*acknowledgements)


def _evaluate_metric(key: str, clock: float) -> list:
    """The (change, alarm) transitions of one metric's alarms up to ``clock``; tables updated."""
    alarms = runtime.by_metric.get(key, [])
    entries: dict = {}  # unit view -> {"index", "buckets", "anomaly", "trained"}, read when needed
    states = dict(alarm_states.get(key) or {})
    transitions = []
    changed = False
    for alarm in alarms:
        view = view_of(alarm)
        entry = entries.get(view)
        if entry is None:
            series = series_key(key, view)
            index = metric_index.get(series) or {"starts": [], "anomaly": None}
            entry = entries[view] = {"index": index, "buckets": _buckets_of(series, index),
                                     "anomaly": index["anomaly"], "trained": False}
        state = states.get(alarm.name) or initial_state(alarm, clock)
        due = list(evaluation_times(alarm, state["LastEvaluated"] + 1, clock))[-MAX_CATCH_UP:]
        for moment in due:
            model = None
            if alarm.is_band_alarm:  # one model per band alarm: its statistic and period
                models = entry.get("anomaly") or {}
                model = train_band_model(alarm, entry["buckets"], models.get(alarm.name) or anomaly.new_model(),
                                         moment)
                entry["anomaly"] = {**models, alarm.name: model}
                entry["trained"] = True
            change = evaluate(alarm, entry["buckets"], at=moment, previous_state=state["StateValue"],
                              previous_reason=state["StateReason"], anomaly_model=model)
            if change is not None:
                state.update(StateValue=change.state.value, StateReason=change.reason,
                             Timestamp=change.timestamp)
                transitions.append((change, alarm))
        if due or alarm.name not in states:
            state["LastEvaluated"] = due[-1] if due else state["LastEvaluated"]
            states[alarm.name] = state
            changed = True
    for view, entry in entries.items():
        series = series_key(key, view)
        kept = dict.fromkeys(entry["index"]["starts"])
        dropped = expire_buckets(kept, clock, retention_seconds(alarms) or 3600)
        for start in dropped:
            metric_buckets.pop(_bucket_key(series, start), None)
        if dropped or entry["trained"]:
            metric_index[series] = {"starts": list(kept), "anomaly": entry["anomaly"]}
    if changed:
        alarm_states[key] = states
    return transitions


@app.agent(role_channel("metric-data"))
async def aggregate_metric_data(stream):
    await wait_until_loaded()
    channel = role_channel("metric-data")
    async for event in stream.events():  # one event at a time: table writes follow its partition
        message = event.message
        try:
            datum = metric_codec.decode(event.value, record_time_ms=int(message.timestamp * 1000))
            key = metric_identity(datum)
        except Exception as error:
            await send_dead_letter(event, "decode", error)
            continue
        if message.key != key.encode():
            # producers that did not key by metric: route it to the metric's own partition
            await channel.send(key=key.encode(), value=metric_codec.encode(datum))
            continue
        alarms = runtime.by_metric.get(key)
        readers = runtime.math_inputs().get(key)
        if not alarms and not readers:
            continue  # no alarm reads this metric: nothing to keep (get-metric-statistics reads the topic)
        problem = check_datum_time(datum["Timestamp"] / 1000, time.time())
        if problem:  # CloudWatch refuses such data for alarms: too old or too far ahead
            await send_dead_letter(event, "alarm-metric-data", DecodeError(problem))
            continue
        if readers:  # to the owners of the math alarms that read this metric
            await forward_to_math_alarms(readers, datum)
        if not alarms:
            continue
        try:
            add_datum(key, datum, alarms)
            due = progress.advance(message.partition, datum["Timestamp"] / 1000, store.version)
            if due is not None:
                await evaluate_partition(message.partition, due)
        except Exception as error:
            log.exception("alarm evaluation failed on %s[%s]@%s", message.topic, message.partition, message.offset)
            await send_dead_letter(event, "alarm-evaluation", error)


async def apply_set_state(partition: int, request: SetAlarmState) -> None:
    """SetAlarmState on the partition that owns the alarm: the new state is written (its
    LastEvaluated kept, so the next due evaluation compares the data with it) and published."""
    alarm = runtime.alarms.get(request.alarm_name)
    if alarm is None or partition_of(alarm.metric_key) != partition:
        log.warning("set-alarm-state for %s ignored: no such metric alarm on partition %s", request.alarm_name,
                    partition)
        return
    states = dict(alarm_states.get(alarm.metric_key) or {})
    forced = force_metric_alarm_state(request, states.get(alarm.name) or initial_state(alarm, time.time() - WALL_LAG_S))
    if forced is None:
        return
    change, states[alarm.name] = forced
    alarm_states[alarm.metric_key] = states  # before publishing, as evaluate_partition does
    await asyncio.gather(*await send_transition(change, alarm, alarm.actions_for(change.state)))


@app.agent(ticks)
async def evaluate_on_ticks(stream):
    await wait_until_loaded()
    async for event in stream.events():
        partition = event.message.partition
        if event.key == SET_STATE_KEY:  # pipeline set-alarm-state, sent to this partition
            try:
                await apply_set_state(partition, SetAlarmState.from_dict(json.loads(event.value)))
            except Exception as error:
                log.exception("set-alarm-state failed on partition %s", partition)
                await send_dead_letter(event, "set-alarm-state", error)
            continue
        try:
            await evaluate_partition(partition, progress.clock(partition, time.time()))
        except Exception:
            log.exception("alarm evaluation on tick failed for partition %s", partition)


@app.timer(interval=TICK_S, on_leader=True)
async def send_alarm_ticks() -> None:
    now = str(time.time()).encode()
    for partition in range(topics.partitions()):
        await ticks.send(key=b"tick", value=now, partition=partition)


__all__ = ["partition_of"]
