"""Archives and replay on the real broker: create-archive keeps matching events of its bus,
start-replay sends a time range back with replay-name set, only to the FilterArns rules, and
replayed events are not archived again."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import topics
from tests.fixtures.kafka_io import read_records

pytestmark = [pytest.mark.broker, pytest.mark.slow]

ACCOUNT_REGION = "us-east-1:123456789012"
BUS_ARN = f"arn:aws:events:{ACCOUNT_REGION}:event-bus/default"
RULES = """
- PutRule: {Name: shop-out, EventPattern: '{"source": ["shop"]}'}
- PutTargets: {Rule: shop-out, Targets: [{Id: out, Arn: "kafka:shop-out"}]}
- PutRule: {Name: shop-audit, EventPattern: '{"source": ["shop"]}'}
- PutTargets: {Rule: shop-audit, Targets: [{Id: audit, Arn: "kafka:shop-audit"}]}
"""


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def events_on(topic: str, count: int, timeout_s: float = 30) -> list[dict]:
    records = read_records(topics.target_topic(topic), count=count, timeout_s=timeout_s, schema="target_delivery")
    return [json.loads(r["value"]["input"]) for r in records]


def test_archive_and_replay(pipeline_env, start_worker, tmp_path):
    created = cli("create-archive", "--archive-name", "shop-archive", "--event-source-arn", BUS_ARN,
                  "--event-pattern", '{"source": ["shop"]}', "--retention-days", "7", env=pipeline_env)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["ArchiveArn"] == f"arn:aws:events:{ACCOUNT_REGION}:archive/shop-archive"
    again = cli("create-archive", "--archive-name", "shop-archive", "--event-source-arn", "default",
                env=pipeline_env)
    assert again.returncode == 1 and "ResourceAlreadyExistsException" in again.stderr
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    assert cli("apply", str(rules), env=pipeline_env).returncode == 0
    start_worker()

    times = ["2026-01-01T10:02:30Z", "2026-01-01T10:00:10Z", "2026-01-01T10:01:59Z"]
    entries = [{"Source": "shop", "DetailType": "Order", "Detail": json.dumps({"n": n}), "Time": t}
               for n, t in enumerate(times)]
    entries.append({"Source": "other", "DetailType": "Order", "Detail": "{}", "Time": times[0]})
    put = cli("put-events", "--entries", json.dumps(entries), env=pipeline_env)
    assert put.returncode == 0 and json.loads(put.stdout)["FailedEntryCount"] == 0, put.stderr
    originals = events_on("shop-out", 3)
    assert len(originals) == 3
    archived = read_records(topics.prefix() + "archive.shop-archive", count=3, timeout_s=30, schema="bus_event")
    assert sorted(r["value"]["time"] for r in archived) == sorted(times)  # "other" is not archived

    destination = {"Arn": BUS_ARN, "FilterArns": [f"arn:aws:events:{ACCOUNT_REGION}:rule/shop-out"]}
    replay = cli("start-replay", "--replay-name", "r1", "--event-source-arn", "shop-archive",
                 "--event-start-time", "2026-01-01T10:00:00Z", "--event-end-time", "2026-01-01T10:02:00Z",
                 "--destination", json.dumps(destination), env=pipeline_env)
    assert replay.returncode == 0, replay.stderr
    answer = json.loads(replay.stdout)
    assert answer["ReplayArn"] == f"arn:aws:events:{ACCOUNT_REGION}:replay/r1"
    assert answer["State"] == "COMPLETED" and answer["StateReason"] == "Replayed 2 events."

    replayed = [e for e in events_on("shop-out", 5) if "replay-name" in e]
    assert sorted(e["time"] for e in replayed) == ["2026-01-01T10:00:10Z", "2026-01-01T10:01:59Z"]
    assert {e["replay-name"] for e in replayed} == {"r1"}
    by_time = {e["time"]: e["id"] for e in originals}
    assert all(by_time[e["time"]] == e["id"] for e in replayed)  # same event ids

    # shop-audit is not in FilterArns; replayed events are never archived again
    assert len(events_on("shop-audit", 4, timeout_s=4)) == 3
    assert len(read_records(topics.prefix() + "archive.shop-archive", count=4, timeout_s=2, schema="bus_event")) == 3

    described = cli("describe-replay", "--replay-name", "r1", env=pipeline_env)
    assert json.loads(described.stdout)["EventLastReplayedTime"] == "2026-01-01T10:01:59Z"
    archive = json.loads(cli("describe-archive", "--archive-name", "shop-archive", env=pipeline_env).stdout)
    assert archive["EventCount"] == 3 and archive["RetentionDays"] == 7
    duplicate = cli("start-replay", "--replay-name", "r1", "--event-source-arn", "shop-archive",
                    "--event-start-time", "2026-01-01T10:00:00Z", "--event-end-time", "2026-01-01T10:02:00Z",
                    "--destination", json.dumps(destination), env=pipeline_env)
    assert duplicate.returncode == 1 and "ResourceAlreadyExistsException" in duplicate.stderr
