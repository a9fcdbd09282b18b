"""`pipeline test-event-pattern` end to end, in a subprocess, with no broker."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
EVENT = json.dumps({"id": "1", "account": "123456789012", "source": "my.app", "time": "2026-01-01T00:00:00Z",
                    "region": "us-east-1", "detail-type": "d", "resources": [], "detail": {"n": 300.0}})


def run(*args, python_flags=()):
    return subprocess.run([sys.executable, *python_flags, "-m", "pipeline", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_match_true_and_false():
    done = run("test-event-pattern", "--event-pattern", '{"detail": {"n": [300]}}', "--event", EVENT)
    assert done.returncode == 0 and json.loads(done.stdout) == {"Result": True}
    done = run("test-event-pattern", "--event-pattern", '{"source": ["other"]}', "--event", EVENT)
    assert done.returncode == 0 and json.loads(done.stdout) == {"Result": False}


def test_invalid_pattern_and_event():
    done = run("test-event-pattern", "--event-pattern", '{"source": "x"}', "--event", EVENT)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip() == (
        'An error occurred (InvalidEventPatternException) when calling the TestEventPattern operation: '
        'Event pattern is not valid. Reason: "source" must be an object or an array')
    done = run("test-event-pattern", "--event-pattern", '{"source": ["x"]}', "--event", "[1]")
    assert done.returncode != 0
    assert "ValidationException" in done.stderr and "Parameter Event is not valid." in done.stderr


def test_file_arguments(tmp_path):
    (tmp_path / "p.json").write_text('{"source": [{"prefix": "my."}]}')
    (tmp_path / "e.json").write_text(EVENT)
    done = run("test-event-pattern", "--event-pattern", f"file://{tmp_path / 'p.json'}",
               "--event", f"file://{tmp_path / 'e.json'}")
    assert json.loads(done.stdout) == {"Result": True}


def test_no_kafka_or_faust_imported():
    done = run("test-event-pattern", "--event-pattern", '{"source": ["my.app"]}', "--event", EVENT,
               python_flags=("-X", "importtime"))
    assert done.returncode == 0
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    heavy = [name for name in imported if name.split(".")[0] in {"faust", "kafka", "aiokafka", "mode"}]
    assert heavy == []


def test_engines_import_nothing_heavy():
    code = ("import sys, pipeline.eventpatterns, pipeline.eventbus, pipeline.eventpatterns.reference;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'faust','kafka','aiokafka'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_input_transformer_and_schedule_commands():
    transformer = json.dumps({"InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"value": <n>}'})
    done = run("test-input-transformer", "--input-transformer", transformer, "--event", EVENT)
    assert done.returncode == 0 and json.loads(done.stdout) == {"value": 300.0}
    done = run("next-schedule", "--schedule-expression", "cron(0 12 * * ? *)", "--after",
               "2026-01-01T13:00:00Z", "--count", "2")
    assert json.loads(done.stdout) == {"NextFireTimes": ["2026-01-02T12:00:00Z", "2026-01-03T12:00:00Z"]}
