"""The event bus commands and `apply`'s bus check against the definitions topic (broker, no worker)."""

from __future__ import annotations

import json

import pytest

from pipeline.cli import main

pytestmark = [pytest.mark.broker]


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_event_bus_lifecycle(pipeline_env, capsys, tmp_path):
    code, out, _ = run(capsys, "create-event-bus", "--name", "orders", "--description", "shop orders")
    assert code == 0 and json.loads(out)["EventBusArn"].endswith(":event-bus/orders")
    code, _, err = run(capsys, "create-event-bus", "--name", "orders")
    assert code == 1 and "(ResourceAlreadyExistsException): Event bus orders already exists." in err

    code, out, _ = run(capsys, "describe-event-bus", "--name", "orders")
    described = json.loads(out)
    assert (described["Name"], described["Description"]) == ("orders", "shop orders") and described["CreationTime"] > 0
    code, out, _ = run(capsys, "list-event-buses")
    assert [b["Name"] for b in json.loads(out)["EventBuses"]] == ["default", "orders"]
    code, _, err = run(capsys, "describe-event-bus", "--name", "nope")
    assert code == 1 and "(ResourceNotFoundException): Event bus nope does not exist." in err

    rules = tmp_path / "rules.yaml"
    rules.write_text("- PutRule: {Name: big, EventBusName: orders, EventPattern: '{\"source\": [\"shop\"]}'}\n")
    assert run(capsys, "apply", str(rules))[0] == 0
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("- PutRule: {Name: lost, EventBusName: billing, EventPattern: '{\"source\": [\"x\"]}'}\n")
    code, _, err = run(capsys, "apply", str(unknown))
    assert code == 1 and "(ResourceNotFoundException): Event bus billing does not exist." in err
    both = tmp_path / "both.yaml"  # a bus created in the same apply as its rule
    both.write_text("- CreateEventBus: {Name: billing}\n" + unknown.read_text())
    assert run(capsys, "apply", str(both))[0] == 0

    code, _, err = run(capsys, "delete-event-bus", "--name", "orders")
    assert code == 1 and "still has rules (big)" in err
    assert run(capsys, "delete", "Rule", "orders/big")[0] == 0
    assert run(capsys, "delete-event-bus", "--name", "orders")[0] == 0
    assert run(capsys, "delete-event-bus", "--name", "orders")[0] == 0  # gone already: no error, as in AWS
    code, out, _ = run(capsys, "list-event-buses", "--name-prefix", "o")
    assert json.loads(out)["EventBuses"] == []
    code, _, err = run(capsys, "delete-event-bus", "--name", "default")
    assert code == 1 and "Cannot delete event bus default." in err
