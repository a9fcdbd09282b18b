"""set-alarm-state on the real broker: the forced transition runs the alarm's actions, lands in
the history, and the next evaluation takes the alarm back to the state its data give; a
composite alarm is forced through its own agent."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from pipeline import topics
from tests.fixtures.kafka_io import read_records
from tests.fixtures.workers import apply_definitions

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DEFINITIONS = """
- PutMetricAlarm:
    AlarmName: quiet-queue
    Namespace: Shop
    MetricName: Backlog
    Statistic: Maximum
    Period: 10
    EvaluationPeriods: 1
    Threshold: 100
    ComparisonOperator: GreaterThanThreshold
    TreatMissingData: notBreaching
    AlarmActions: [kafka:pager]
    OKActions: [kafka:pager]
- PutCompositeAlarm:
    AlarmName: shop-down
    AlarmRule: ALARM(quiet-queue)
"""


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def changes_of(count: int, timeout_s: float = 60) -> list[dict]:
    return [r["value"] for r in read_records("alarm-state-changes", count=count, timeout_s=timeout_s,
                                             predicate=lambda r: r["value"]["AlarmName"] == "quiet-queue")]


def test_a_forced_alarm_runs_its_actions_and_returns_to_its_actual_state(pipeline_env, start_worker, tmp_path):
    apply_definitions(pipeline_env, tmp_path / "alarm.yaml", DEFINITIONS)
    missing = cli("set-alarm-state", "--alarm-name", "quiet-queue", "--state-value", "ALARM",
                  "--state-reason", "too early", env=pipeline_env)
    assert missing.returncode == 1 and "no worker has run yet" in missing.stderr
    start_worker(PIPELINE_ALARM_TICK_S="2")

    # no data, missing data not breaching: the first evaluation makes it OK
    assert [c["NewStateValue"] for c in changes_of(1)] == ["OK"]
    forced = cli("set-alarm-state", "--alarm-name", "quiet-queue", "--state-value", "ALARM",
                 "--state-reason", "testing the pager", "--state-reason-data", '{"by": "alice"}', env=pipeline_env)
    assert forced.returncode == 0, forced.stderr
    started = time.time()

    changes = changes_of(3)
    assert [(c["OldStateValue"], c["NewStateValue"]) for c in changes] == [
        ("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "OK")]
    assert changes[1]["NewStateReason"] == "testing the pager"
    assert changes[1]["StateReasonData"] == {"by": "alice"}
    assert changes[1]["Actions"] == ["kafka:pager"]
    # back at the next evaluation (10 s periods, 2 s ticks), from the data, not the request, and
    # stamped later than the forced change, so readers that order by time see it last
    assert changes[2]["NewStateReason"].startswith("Threshold Crossed")
    assert changes[0]["StateChangeTime"] < changes[1]["StateChangeTime"] < changes[2]["StateChangeTime"]
    assert changes[2]["StateChangeTime"] / 1000 - started < 30

    pages = read_records(topics.target_topic("pager"), count=3, timeout_s=30, schema="alarm_state_change")
    assert [p["value"]["NewStateValue"] for p in pages] == ["OK", "ALARM", "OK"]
    history = read_records("alarm-history", count=3, timeout_s=30,
                           predicate=lambda r: r["value"]["document"]["AlarmName"] == "quiet-queue"
                           and r["value"]["document"]["HistoryItemType"] == "StateUpdate")
    assert history[1]["value"]["document"]["HistorySummary"] == "Alarm updated from OK to ALARM"
    actions = read_records("alarm-history", count=3, timeout_s=30,
                           predicate=lambda r: r["value"]["document"]["HistoryItemType"] == "Action")
    assert [a["value"]["document"]["HistorySummary"] for a in actions] == ["Successfully executed action kafka:pager"] * 3
    data = json.loads(actions[1]["value"]["document"]["HistoryData"])
    assert data["actionState"] == "Succeeded" and json.loads(data["publishedMessage"])["NewStateValue"] == "ALARM"

    same = cli("set-alarm-state", "--alarm-name", "quiet-queue", "--state-value", "OK", "--state-reason", "noop",
               env=pipeline_env)
    assert same.returncode == 0  # the state it is in: nothing happens
    unknown = cli("set-alarm-state", "--alarm-name", "nope", "--state-value", "ALARM", "--state-reason", "r",
                  env=pipeline_env)
    assert unknown.returncode == 1 and "(ResourceNotFound)" in unknown.stderr
    time.sleep(3)
    assert len(read_records("alarm-state-changes", count=10, timeout_s=3,
                            predicate=lambda r: r["value"]["AlarmName"] == "quiet-queue")) == 3

    # the composite followed its child: OK, ALARM (the forced one), OK again, in that order
    composite_changes = read_records("alarm-state-changes", count=3, timeout_s=30,
                                     predicate=lambda r: r["value"]["AlarmName"] == "shop-down")
    assert [c["value"]["NewStateValue"] for c in composite_changes] == ["OK", "ALARM", "OK"]
    # a composite keeps a forced state until a child changes (its own tests: test_composite_set_state.py)
    composite = cli("set-alarm-state", "--alarm-name", "shop-down", "--state-value", "ALARM", "--state-reason",
                    "drill", env=pipeline_env)
    assert composite.returncode == 0, composite.stderr
    forced = read_records("alarm-state-changes", count=1, timeout_s=30,
                          predicate=lambda r: r["value"]["AlarmName"] == "shop-down"
                          and r["value"]["NewStateReason"] == "drill")
    assert forced and forced[0]["value"]["NewStateValue"] == "ALARM"
    assert forced[0]["value"]["AlarmType"] == "CompositeAlarm"
