"""Definition files are validated all or nothing; the store never loads an invalid definition."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.definitions import DefinitionError, DefinitionStore, load_definitions

FILTER = """
- PutMetricFilter:
    logGroupName: app
    filterName: errors
    filterPattern: ERROR
    metricTransformations: [{metricName: Errors, metricNamespace: App, metricValue: '1'}]
"""


def test_yaml_and_json_files_load(tmp_path):
    (tmp_path / "a.yaml").write_text(FILTER)
    (tmp_path / "b.json").write_text(json.dumps([{"PutRule": {"Name": "r", "EventPattern": '{"source": ["x"]}'}}]))
    loaded = load_definitions([str(tmp_path / "a.yaml"), str(tmp_path / "b.json")])
    assert [d.key for d in loaded] == ["MetricFilter/app/errors", "Rule/default/r"]


@pytest.mark.parametrize("text, message", [
    ("- PutNothing: {}\n", "unknown definition kind 'PutNothing'"),
    ("- {PutRule: {Name: r}, PutTargets: {}}\n", "one key naming the action"),
    ("- PutRule: [1]\n", "the request must be a mapping"),
    ("- PutRule: {Name: r, EventPattern: '{\"source\": \"x\"}'}\n", "entry 1 (PutRule)"),
    ("- PutMetricFilter: {logGroupName: app, filterName: f, filterPattern: \"{ $.a = \", "
     "metricTransformations: [{metricName: M, metricNamespace: N, metricValue: '1'}]}\n", "entry 1 (PutMetricFilter)"),
    ("key: [unclosed\n", "not valid YAML"),
])
def test_invalid_files_are_refused_with_where_and_why(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_definitions([str(path)])


def test_a_name_defined_twice_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(FILTER)
    (tmp_path / "b.yaml").write_text(FILTER)
    with pytest.raises(DefinitionError, match="defined twice"):
        load_definitions([str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])


def test_store_refuses_invalid_bodies_and_keeps_the_rest():
    store = DefinitionStore()
    seen = []
    store.subscribe("Rule", lambda name, body: seen.append((name, body and body["EventPattern"])))
    store.apply_record("Rule/default/ok", json.dumps({"Name": "ok", "EventPattern": '{"a": [1]}'}))
    with pytest.raises(Exception, match="Event pattern is not valid"):
        store.apply_record("Rule/default/bad", json.dumps({"Name": "bad", "EventPattern": '{"a": 1}'}))
    with pytest.raises(ValueError, match="does not match"):
        store.apply_record("Rule/default/other", json.dumps({"Name": "ok", "EventPattern": '{"a": [1]}'}))
    store.apply_record("Rule/default/ok", None)
    assert seen == [("default/ok", '{"a": [1]}'), ("default/ok", None)]
    assert len(store) == 0


def test_apply_refuses_an_invalid_file_and_publishes_nothing(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(FILTER + "- PutRule: {Name: r, EventPattern: '{\"detail\": {\"n\": [{\"numeric\": [\">\"]}]}}'}\n")
    # no broker is running on this port: a refusal must come before any connection attempt
    result = subprocess.run([sys.executable, "-m", "pipeline", "apply", str(path)], capture_output=True, text=True,
                            env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 1
    assert "entry 2 (PutRule)" in result.stderr and "Event pattern is not valid" in result.stderr
    assert result.stdout == ""
