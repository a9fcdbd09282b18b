"""Every few seconds: is table recovery stuck? If so, log the consumer's state and rejoin
(pipeline/worker/recovery_watch.py says why)."""

from __future__ import annotations

import asyncio
import logging
import time

from pipeline.worker.app import app
from pipeline.worker.recovery_watch import RecoveryWatch

log = logging.getLogger(__name__)
watch = RecoveryWatch()


@app.timer(interval=5.0)
async def rejoin_when_recovery_is_stuck() -> None:
    recovery = app.tables.recovery
    received = recovery._active_events_received_at
    if not watch.should_act(time.monotonic(), recovery.in_recovery, recovery.active_remaining_total(),
                            recovery._recovery_started_at, max(received.values(), default=None)):
        return
    consumer = app.consumer
    log.error("table recovery received no changelog record for %.0f s (remaining %d): rejoining the "
              "group to start it again; flow active %s, flow control active %s, paused %d of %d "
              "partitions, (remaining, read offset, fetch position) by partition %s; the fetch loop is at: %s", watch.stall_s,
              recovery.active_remaining_total(), consumer.flow_active, app.flow_control.is_active(),
              len(consumer._paused_partitions), len(consumer.assignment()), _remaining(recovery),
              _fetch_loop_at())
    await consumer._thread.call_thread(_request_rejoin, consumer._thread)


def _remaining(recovery) -> dict:
    """Per stuck partition: (remaining, read offset in Faust, fetch position in aiokafka)."""
    consumer = app.consumer
    return {f"{tp.topic}:{tp.partition}": (stats.remaining, consumer._read_offset.get(tp), _fetch_position(tp))
            for tp, stats in recovery.active_stats().items()}


def _fetch_position(tp) -> object:
    try:  # read across threads for a log line only
        state = app.consumer._thread._ensure_consumer()._subscription.subscription.assignment.state_value(tp)
        return state.position if state.has_valid_position else "none"
    except Exception as error:
        return type(error).__name__


def _fetch_loop_at() -> str:
    """Where Faust's fetch loop task waits (the thing that feeds recovery), outermost first."""
    for task in asyncio.all_tasks():
        where = _awaiting(task.get_coro())
        if any(step.startswith("_drain_messages:") for step in where):
            return " -> ".join(where)
    return "no fetch loop task"


def _awaiting(awaitable) -> list[str]:
    where = []
    while awaitable is not None and len(where) < 40:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "ag_frame", None) \
            or getattr(awaitable, "gi_frame", None)
        if frame is None:
            where.append(type(awaitable).__name__)
            break
        where.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
        awaitable = getattr(awaitable, "cr_await", None) or getattr(awaitable, "ag_await", None) \
            or getattr(awaitable, "gi_yieldfrom", None)
    return where


async def _request_rejoin(thread) -> None:  # on the consumer's thread, where its group coordinator runs
    thread._ensure_consumer()._coordinator.request_rejoin()
