"""``pipeline test-metric-filter`` end to end, in a subprocess like a user would run it."""

import json
import subprocess

from .helpers import PROJECT_ROOT, PYTHON


def run(*args, importtime=False):
    command = [str(PYTHON)] + (["-X", "importtime"] if importtime else []) + [
        "-m", "pipeline", "test-metric-filter", *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)


def test_terms_pattern_numbers_matches_from_one():
    result = run("--filter-pattern", "ERROR", "--log-event-messages",
                 "[ERROR] connection refused", "[ERROR] timeout", "[INFO] connected")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"matches": [
        {"eventNumber": 1, "eventMessage": "[ERROR] connection refused", "extractedValues": {}},
        {"eventNumber": 2, "eventMessage": "[ERROR] timeout", "extractedValues": {}},
    ]}


def test_delimited_pattern_extracts_values():
    result = run("--filter-pattern", "[ip, user, ..., status=4*, bytes]",
                 "--log-event-messages", "nothing", "10.0.0.1 bob GET / 404 12")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matches"] == [{
        "eventNumber": 2, "eventMessage": "10.0.0.1 bob GET / 404 12",
        "extractedValues": {"$ip": "10.0.0.1", "$user": "bob", "$3": "GET", "$4": "/",
                            "$status": "404", "$bytes": "12"}}]


def test_no_match_prints_empty_list():
    result = run("--filter-pattern", '{ $.a = 1 }', "--log-event-messages", '{"a": 2}')
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"matches": []}


def test_invalid_pattern_exits_non_zero_with_message_on_stderr():
    result = run("--filter-pattern", "{ $.userIdentity.type = 'Root' }",
                 "--log-event-messages", "x")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "FilterPatternError" in result.stderr
    assert "single-quoted strings are not supported" in result.stderr
    assert "at character 25" in result.stderr


def test_more_than_50_messages_is_refused():
    result = run("--filter-pattern", "x", "--log-event-messages", *["m"] * 51)
    assert result.returncode == 1
    assert "less than or equal to 50" in result.stderr


def test_pattern_starting_with_dash_via_equals_sign():
    result = run("--filter-pattern=-DEBUG", "--log-event-messages", "INFO a", "DEBUG b")
    assert result.returncode == 0, result.stderr
    assert [m["eventNumber"] for m in json.loads(result.stdout)["matches"]] == [1]


def test_no_faust_or_kafka_import_on_this_path():
    result = run("--filter-pattern", "{ $.a = 1 }", "--log-event-messages", '{"a": 1}',
                 importtime=True)
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "pipeline" in imported
    assert not imported & {"faust", "kafka", "aiokafka", "mode", "confluent_kafka"}
