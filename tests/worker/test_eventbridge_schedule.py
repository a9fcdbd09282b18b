"""A scheduled rule with two workers running: one "Scheduled Event" per tick at its target.

PIPELINE_SCHEDULE_MINUTE_S=2 makes a schedule minute last two seconds, so ``rate(1 minute)``
ticks every 2 s (at even epoch seconds) and the test sees several ticks in a few seconds. What it
proves: while both workers run, only the leader fires, every tick in the observed window is
delivered exactly once and none is skipped; event ids are uuid5(rule ARN, tick). And across a
leadership change: a worker that takes over after the leader stopped resumes after the last tick
the old leader fired (the schedule-progress topic), so the ticks missed in between are fired
late instead of skipped. (A repeat with the same id stays possible if leadership moves within
the moment between a fire and its progress record reaching the new leader.)
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from pipeline import topics
from tests.fixtures.kafka_io import read_records
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

RULES = """
- PutRule: {Name: every-minute, ScheduleExpression: "rate(1 minute)"}
- PutTargets: {Rule: every-minute, Targets: [{Id: ticks, Arn: "kafka:ticks"}]}
"""


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()


def test_one_scheduled_event_per_tick_with_two_workers(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "rules.yaml", RULES)
    first = start_worker("a", PIPELINE_SCHEDULE_MINUTE_S="2")
    second = start_worker("b", PIPELINE_SCHEDULE_MINUTE_S="2")
    first.wait_for_log("Ready")
    time.sleep(3)  # let the second worker's rebalance settle
    window_start = time.time()
    time.sleep(9)
    window_end = time.time() - 2  # a tick fired just now may not be on the topic yet

    records = read_records(topics.target_topic("ticks"), count=1000, timeout_s=3, schema="target_delivery")
    events = [json.loads(r["value"]["input"]) for r in records]
    assert events and all(e["detail-type"] == "Scheduled Event" and e["source"] == "aws.events" for e in events)
    assert all(e["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/every-minute"] for e in events)
    ticks = [epoch(e["time"]) for e in events if window_start <= epoch(e["time"]) <= window_end]
    expected = [t for t in range(int(window_start), int(window_end) + 1) if t % 2 == 0 and t >= window_start]
    assert sorted(ticks) == expected  # every tick once: none missing, none twice
    assert len({e["id"] for e in events}) == len({e["time"] for e in events})  # one id per tick
    # the ticks of the window were fired by one worker only (the leader), not by both
    firing = {w.name for w in (first, second) for line in w.log_text().splitlines()
              if "every-minute fired for" in line
              and window_start <= epoch(line.split("fired for ")[1].split()[0]) <= window_end}
    assert len(firing) == 1


def scheduled_ticks() -> list[dict]:
    records = read_records(topics.target_topic("ticks"), count=1000, timeout_s=3, schema="target_delivery")
    return [json.loads(r["value"]["input"]) for r in records]


def test_a_new_leader_fires_the_ticks_missed_while_no_worker_ran(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "rules.yaml", RULES)
    first = start_worker("a", PIPELINE_SCHEDULE_MINUTE_S="2")
    first.wait_for_log("every-minute fired for")
    time.sleep(4)
    first.stop()
    stopped = time.time()
    time.sleep(7)  # ~3 ticks fall due with no worker running
    second = start_worker("b", PIPELINE_SCHEDULE_MINUTE_S="2")
    second.wait_for_log("every-minute fired for")
    time.sleep(3)

    events = scheduled_ticks()
    times = sorted(epoch(e["time"]) for e in events)
    assert len(times) == len(set(times)) and len({e["id"] for e in events}) == len(events)  # none twice
    assert times == [float(t) for t in range(int(times[0]), int(times[-1]) + 1, 2)]  # none skipped
    missed = [t for t in times if stopped < t < stopped + 6]
    assert missed, times  # ticks of the gap are there: fired by the second worker when it led
    fired_by_second = {epoch(line.split("fired for ")[1].split()[0]) for line in second.log_text().splitlines()
                       if "every-minute fired for" in line}
    assert set(missed) <= fired_by_second
