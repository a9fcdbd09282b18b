"""`pipeline put-events` on the real broker: entries reach their bus (default or custom), a bad
entry fails alone, and a rule on a custom bus sees only that bus's events."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import topics
from tests.fixtures.kafka_io import read_records

pytestmark = [pytest.mark.broker, pytest.mark.slow]

RULES = """
- CreateEventBus: {Name: orders}
- PutRule: {Name: shop-orders, EventBusName: orders, EventPattern: '{"source": ["shop"]}'}
- PutTargets: {Rule: shop-orders, EventBusName: orders, Targets: [{Id: out, Arn: "kafka:orders-out"}]}
- PutRule: {Name: shop-default, EventPattern: '{"source": ["shop"]}'}
- PutTargets: {Rule: shop-default, Targets: [{Id: out, Arn: "kafka:default-out"}]}
"""


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def inputs(topic: str, count: int, timeout_s: float = 30) -> list[dict]:
    records = read_records(topics.target_topic(topic), count=count, timeout_s=timeout_s, schema="target_delivery")
    return [dict(json.loads(r["value"]["input"]), bus=r["value"]["eventBusName"]) for r in records]


def test_put_events_to_custom_and_default_bus(pipeline_env, start_worker, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    applied = cli("apply", str(rules), env=pipeline_env)
    assert applied.returncode == 0, applied.stderr
    start_worker(PIPELINE_EVENT_BUSES="orders")

    entries = [
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": '{"order": 1}', "EventBusName": "orders",
         "Resources": ["arn:aws:shop:::order/1"]},
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": "not json", "EventBusName": "orders"},
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": '{"order": 2}',
         "Time": "2026-01-01T10:00:00Z"},  # default bus
        {"Source": "elsewhere", "DetailType": "OrderPlaced", "Detail": '{"order": 3}',
         "EventBusName": "arn:aws:events:us-east-1:123456789012:event-bus/orders"},
    ]
    put = cli("put-events", "--entries", json.dumps(entries), env=pipeline_env)
    assert put.returncode == 0, put.stderr
    answer = json.loads(put.stdout)
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][1] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert all(set(e) == {"EventId"} for i, e in enumerate(answer["Entries"]) if i != 1)

    # JSON lines through `pipeline put-events FILE`
    lines = tmp_path / "entries.jsonl"
    lines.write_text("\n".join(json.dumps({"Source": "shop", "DetailType": "OrderPlaced",
                                           "Detail": json.dumps({"order": n}), "EventBusName": "orders"})
                               for n in (4, 5)) + "\n")
    put_file = cli("put-events", str(lines), env=pipeline_env)
    assert put_file.returncode == 0, put_file.stderr
    assert json.loads(put_file.stdout)["FailedEntryCount"] == 0

    on_orders = inputs("orders-out", 3)
    assert sorted(e["detail"]["order"] for e in on_orders) == [1, 4, 5]
    assert {e["bus"] for e in on_orders} == {"orders"}
    first = next(e for e in on_orders if e["detail"]["order"] == 1)
    assert first["id"] == answer["Entries"][0]["EventId"]
    assert first["resources"] == ["arn:aws:shop:::order/1"] and first["detail-type"] == "OrderPlaced"

    on_default = inputs("default-out", 2, timeout_s=5)
    assert [e["detail"]["order"] for e in on_default] == [2]  # bus isolation: nothing from "orders"
    assert on_default[0]["time"] == "2026-01-01T10:00:00Z" and on_default[0]["bus"] == "default"


LATE_RULES = """
- PutRule: {Name: late-orders, EventBusName: late, EventPattern: '{"source": ["shop"]}'}
- PutTargets: {Rule: late-orders, EventBusName: late, Targets: [{Id: out, Arn: "kafka:late-out"}]}
"""


def test_a_bus_created_while_the_worker_runs_is_followed_without_a_restart(pipeline_env, start_worker, tmp_path):
    start_worker(PIPELINE_BUS_DISCOVERY_MS="1000")  # no PIPELINE_EVENT_BUSES: only the default bus exists
    rules = tmp_path / "late.yaml"
    rules.write_text(LATE_RULES)
    refused = cli("apply", str(rules), env=pipeline_env)  # as PutRule answers for a bus nobody created
    assert refused.returncode == 1 and "(ResourceNotFoundException): Event bus late does not exist." in refused.stderr
    created = cli("create-event-bus", "--name", "late", env=pipeline_env)  # also creates the bus's topic
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["EventBusArn"].endswith(":event-bus/late")
    assert cli("apply", str(rules), env=pipeline_env).returncode == 0

    entry = {"Source": "shop", "DetailType": "OrderPlaced", "Detail": '{"order": 7}', "EventBusName": "late"}
    put = cli("put-events", "--entries", json.dumps([entry]), env=pipeline_env)
    assert put.returncode == 0 and json.loads(put.stdout)["FailedEntryCount"] == 0, put.stderr

    delivered = inputs("late-out", 1, timeout_s=60)
    assert [(e["detail"]["order"], e["bus"]) for e in delivered] == [(7, "late")]
