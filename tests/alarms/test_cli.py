"""`pipeline simulate-alarm` end to end, in a subprocess (no broker)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.alarms.helpers import EPOCH

ROOT = Path(__file__).resolve().parents[2]

ALARM = {
    "AlarmName": "high-latency",
    "Namespace": "App",
    "MetricName": "Latency",
    "Statistic": "Average",
    "Period": 60,
    "EvaluationPeriods": 3,
    "DatapointsToAlarm": 2,
    "Threshold": 100,
    "ComparisonOperator": "GreaterThanThreshold",
}
VALUES = [10, 20, 150, 160, 30, 20, 10]  # one per minute from 10:00


def write_inputs(tmp_path: Path, alarm=ALARM) -> tuple[Path, Path]:
    alarm_path = tmp_path / "alarm.json"
    alarm_path.write_text(json.dumps(alarm))
    data_path = tmp_path / "data.jsonl"
    lines = []
    for minute, value in enumerate(VALUES):
        # two data per period, ISO and epoch timestamps: averaged with the alarm statistic
        lines.append(json.dumps({"MetricName": "Latency", "Timestamp": EPOCH + minute * 60 + 5, "Value": value - 1}))
        iso = f"2026-11-24T10:{minute:02d}:40Z"
        lines.append(json.dumps({"MetricName": "Latency", "Timestamp": iso, "Value": value + 1}))
    lines.append(json.dumps({"MetricName": "Other", "Timestamp": EPOCH, "Value": 1e9}))  # not this metric
    data_path.write_text("\n".join(lines) + "\n")
    return alarm_path, data_path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_simulate_on_cloudwatch_cadence(tmp_path):
    alarm_path, data_path = write_inputs(tmp_path)
    result = run("simulate-alarm", "--alarm", str(alarm_path), "--metric-data", str(data_path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["Timestamp"][11:16] for line in lines] == ["10:01", "10:02", "10:03", "10:04", "10:05", "10:06", "10:07"]
    assert [line["StateValue"] for line in lines] == ["OK", "OK", "OK", "ALARM", "ALARM", "OK", "OK"]
    assert lines[3]["StateReason"] == (
        "Threshold Crossed: 2 out of the last 3 datapoints [160.0 (24/11/26 10:03:00), 150.0 (24/11/26 10:02:00)] "
        "were greater than the threshold (100.0) (minimum 2 datapoints for OK -> ALARM transition)."
    )
    assert lines[4]["StateReason"] == lines[3]["StateReason"]  # kept while the state holds
    assert set(lines[0]) == {"Timestamp", "StateValue", "StateReason"}


def test_simulate_at_given_times_and_range(tmp_path):
    alarm_path, data_path = write_inputs(tmp_path)
    result = run("simulate-alarm", "--alarm", str(alarm_path), "--metric-data", str(data_path),
                 "--evaluation-times", f"2026-11-24T10:03:59Z,{EPOCH + 240},2026-11-24T10:20:00Z")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["StateValue"] for line in lines] == ["OK", "ALARM", "INSUFFICIENT_DATA"]
    result = run("simulate-alarm", "--alarm", f"file://{alarm_path}", "--metric-data", str(data_path),
                 "--start-time", "2026-11-24T10:03:00Z", "--end-time", "2026-11-24T10:05:00Z")
    assert [json.loads(line)["StateValue"] for line in result.stdout.splitlines()] == ["OK", "ALARM", "ALARM"]


def test_first_line_can_stay_insufficient(tmp_path):
    alarm_path, data_path = write_inputs(tmp_path, {**ALARM, "EvaluationPeriods": 5, "DatapointsToAlarm": 5,
                                                    "Threshold": 0})
    result = run("simulate-alarm", "--alarm", str(alarm_path), "--metric-data", str(data_path),
                 "--evaluation-times", str(EPOCH + 60))
    line = json.loads(result.stdout)
    assert line == {"Timestamp": "2026-11-24T10:01:00+00:00", "StateValue": "INSUFFICIENT_DATA",
                    "StateReason": "Unchecked: Initial alarm creation"}


@pytest.mark.parametrize("alarm,data,message", [
    ({**ALARM, "Period": 45}, None, "An error occurred (AlarmValidationError): Invalid value for Period: 45."),
    (ALARM, '{"Timestamp": "yesterday", "Value": 1}\n', "metric datum 1: invalid timestamp 'yesterday'"),
    (ALARM, '{"Timestamp": 1, "Value": "x"}\n', "metric datum 1: Value must be a finite number"),
    (ALARM, "not json\n", "data.jsonl:1: not JSON"),
])
def test_errors_exit_1_with_a_message(tmp_path, alarm, data, message):
    alarm_path, data_path = write_inputs(tmp_path, alarm)
    if data is not None:
        data_path.write_text(data)
    result = run("simulate-alarm", "--alarm", str(alarm_path), "--metric-data", str(data_path))
    assert result.returncode == 1
    assert message in result.stderr


def test_simulate_does_not_import_kafka_or_faust(tmp_path):
    alarm_path, data_path = write_inputs(tmp_path)
    code = (
        "import sys\n"
        "from pipeline.cli import main\n"
        f"rc = main(['simulate-alarm', '--alarm', {str(alarm_path)!r}, '--metric-data', {str(data_path)!r}])\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'faust', 'kafka', 'aiokafka', 'mode'})\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
        "sys.exit(rc or (3 if loaded else 0))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stderr


def test_alarm_from_a_yaml_definitions_entry(tmp_path):
    import yaml

    _, data_path = write_inputs(tmp_path)
    alarm_path = tmp_path / "alarm.yaml"
    alarm_path.write_text(yaml.safe_dump([{"PutMetricAlarm": ALARM}]))
    result = run("simulate-alarm", "--alarm", str(alarm_path), "--metric-data", str(data_path),
                 "--evaluation-times", str(EPOCH + 240))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["StateValue"] == "ALARM"
