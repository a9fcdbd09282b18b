"""put-events' entry handling without a broker (a fake producer)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from pipeline.cli import build_parser
from pipeline.cli.events import _load_entries, put_entries
from pipeline.codec import codec_for


class FakeFuture:
    def __init__(self, error=None):
        self.error = error

    def get(self, timeout=None):
        if self.error:
            raise self.error


class FakeProducer:
    def __init__(self):
        self.sent = []

    def send_raw(self, topic, value, key=None):
        self.sent.append((topic, key, value))
        return FakeFuture()

    def flush(self):
        pass


def test_put_entries_routes_by_bus_and_fails_bad_entries_alone(monkeypatch):
    monkeypatch.setenv("PIPELINE_TOPIC_PREFIX", "p-")
    producer = FakeProducer()
    now = datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)
    results = put_entries([
        {"Source": "a", "DetailType": "t", "Detail": "{}"},
        {"Source": "a", "DetailType": "t", "Detail": "[1]"},
        {"Source": "a", "DetailType": "t", "Detail": "{}", "EventBusName": "arn:aws:events:us-east-1:123456789012:event-bus/orders"},
        {"DetailType": "t", "Detail": "{}"},
        "not an object",
    ], producer, now=now)
    assert [sorted(r) for r in results] == [["EventId"], ["ErrorCode", "ErrorMessage"], ["EventId"],
                                             ["ErrorCode", "ErrorMessage"], ["ErrorCode", "ErrorMessage"]]
    assert results[1]["ErrorCode"] == "MalformedDetail"
    assert results[3] == {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Source is not valid."}
    assert [topic for topic, _, _ in producer.sent] == ["p-event-bus", "p-event-bus.orders"]
    event = codec_for("event-bus").decode(producer.sent[0][2])
    assert event["time"] == "2026-01-01T10:00:00Z" and event["id"] == results[0]["EventId"]
    assert producer.sent[0][1] == results[0]["EventId"].encode()


def test_entries_from_text_files_and_json_lines(tmp_path):
    entry = {"Source": "a", "DetailType": "t", "Detail": "{}"}
    assert _load_entries(json.dumps([entry])) == [entry]
    assert _load_entries(json.dumps({"Entries": [entry, entry]})) == [entry, entry]
    lines = tmp_path / "e.jsonl"
    lines.write_text(json.dumps(entry) + "\n\n" + json.dumps(entry) + "\n")
    assert _load_entries(str(lines)) == [entry, entry]
    assert _load_entries(f"file://{lines}") == [entry, entry]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(entry))
    assert _load_entries(str(single)) == [entry]


def test_commands_are_registered():
    arguments = {
        "put-events": ["x.json"], "create-archive": ["--archive-name", "a", "--event-source-arn", "b"],
        "describe-archive": ["--archive-name", "a"], "list-archives": [],
        "start-replay": ["--replay-name", "r", "--event-source-arn", "a", "--event-start-time", "1",
                         "--event-end-time", "2", "--destination", "{}"],
        "describe-replay": ["--replay-name", "r"],
        "test-event-pattern": ["--event-pattern", "{}", "--event", "{}"],
        "next-schedule": ["--schedule-expression", "rate(1 minute)", "--after", "2026-01-01T00:00:00Z"],
    }
    parser = build_parser()
    for command, rest in arguments.items():
        assert callable(parser.parse_args([command, *rest]).handler)
