"""A real broker, a real `pipeline worker`, the CIS pack: the 40 CloudTrail samples in, the
expected CISBenchmark metric data out (counts per metric from tests/metricfilters/test_cis.py's
expected matrix), and nothing more.

Path: cloudtrail topic -> deliver_cloudtrail (log group aws-cloudtrail-logs, stream
<account>_CloudTrail_<region>): the log event to the log-events topic, marked as filtered, and
the pack applied there -> metric-data topic. With a defaultValue filter on the trail's group the
log-events stage applies the filters instead (one per-minute count per group).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from pipeline import topics
from pipeline.codec import codec_for
from pipeline.metricfilters import cloudtrail_to_log_events
from pipeline.producer import Producer
from tests.fixtures.kafka_io import read_records, read_metric_samples
from tests.metricfilters.test_cis import EXPECTED
from tests.metricfilters.test_cis_pack import IDS, PACK, RECORDS, expected_data_by_metric, pack_filters

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def cli(*args: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def expected_points(skip: set[str] = frozenset()) -> Counter:
    """(metricName, event time ms) of every datum the expected matrix implies (minus ``skip``)."""
    event_time = {ct: cloudtrail_to_log_events(r, "aws-cloudtrail-logs")[0]["timestamp"]
                  for ct, r in zip(IDS, RECORDS)}
    return Counter((body["metricTransformations"][0]["metricName"], event_time[ct])
                   for cid, body in pack_filters().items() for ct in EXPECTED[cid] if ct not in skip)


def codec_refuses(record: dict) -> str | None:
    """The cloudtrail codec's reason for refusing a record, or None if it takes it."""
    codec = codec_for("cloudtrail")
    try:
        codec.encode(codec.decode(json.dumps(record).encode("utf-8")))
    except Exception as error:  # DecodeError / schema errors: the producer would refuse it too
        return f"{type(error).__name__}: {error}"
    return None


def test_cloudtrail_samples_through_the_cis_pack_give_the_expected_metric_data(pipeline_env, start_worker):
    applied = cli("apply", str(PACK), env=pipeline_env)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.count("MetricFilter/aws-cloudtrail-logs/cis-") == 18, applied.stdout
    worker = start_worker()

    refused: dict[str, str] = {}  # sample id -> the codec's reason (none today: all 40 pass)
    with Producer() as producer:
        for ct, record in zip(IDS, RECORDS):
            reason = codec_refuses(record)
            if reason is None:
                producer.send("cloudtrail", record)
            else:  # what a careless producer could still write: the worker must dead-letter it
                refused[ct] = reason
                producer.send_raw(topics.topic_name("cloudtrail"), json.dumps(record).encode("utf-8"))
        # and one broken copy of a matching record (ct28, AccessDenied) that the codec refuses:
        # raw on the topic it must reach dead letters with the reason, and count for no metric
        broken = {k: v for k, v in RECORDS[27].items() if k != "eventTime"}
        assert codec_refuses(broken) == "DecodeError: eventTime is missing"
        producer.send_raw(topics.topic_name("cloudtrail"), json.dumps(broken).encode("utf-8"))

    points = expected_points(skip=set(refused))
    if not refused:  # the matrix's 42 data; per metric, the matrix's counts
        assert sum(points.values()) == 42
        assert Counter(name for name, _ in points.elements()) == Counter(
            {name: n for name, n in expected_data_by_metric().items() if n})
    total = sum(points.values())
    data = read_metric_samples(count=total, timeout_s=120)
    got = Counter(d["value"]["MetricName"] for d in data)
    assert got == Counter(name for name, _ in points.elements()), worker.log_text()[-3000:]
    assert all(d["value"]["Namespace"] == "CISBenchmark" and d["value"]["Value"] == 1.0
               and d["value"]["Unit"] == "Count" for d in data)
    # each datum is the matching record's, at its event time
    assert Counter((d["value"]["MetricName"], d["value"]["Timestamp"]) for d in data) == points

    # the log events went to the trail's log group, one per record, with CloudTrail's stream names
    delivered = len(RECORDS) - len(refused)
    log_events = read_records("log-events", count=delivered + 1, timeout_s=10)
    assert len(log_events) == delivered
    assert {e["value"]["logGroupName"] for e in log_events} == {"aws-cloudtrail-logs"}
    assert all("_CloudTrail_" in e["value"]["logStreamName"] for e in log_events)
    # the CloudTrail stage applied the pack (no defaultValue): the log-events stage passes them by
    assert all(e["headers"] == {"pipeline-metric-filters": "applied"} for e in log_events)

    dead = read_records("dead-letters", count=len(refused) + 2, timeout_s=10)
    assert len(dead) == len(refused) + 1, (refused, dead)
    assert all(d["value"]["sourceTopic"] == topics.topic_name("cloudtrail") and d["value"]["stage"] == "decode"
               for d in dead)
    assert any("eventTime is missing" in d["value"]["error"] for d in dead), dead

    time.sleep(5)  # nothing late: exactly the expected data and no more
    again = read_metric_samples(count=total + 1, timeout_s=5)
    assert len(again) == total
    assert worker.process.poll() is None


DEFAULT_VALUE_FILTER = {"PutMetricFilter": {
    "logGroupName": "aws-cloudtrail-logs", "filterName": "user-created",
    "filterPattern": '{ $.eventName = "CreateUser" }',
    "metricTransformations": [{"metricName": "UserCreated", "metricNamespace": "Trail",
                               "metricValue": "1", "defaultValue": 0}]}}


def test_a_default_value_filter_on_the_trail_group_counts_each_minute_once(pipeline_env, start_worker, tmp_path):
    """The log-events stage applies the group's filters (it keeps the per-minute count): one
    datum per match, a 0 for a minute with events but no match, nothing twice."""
    definitions = tmp_path / "default.json"
    definitions.write_text(json.dumps([DEFAULT_VALUE_FILTER]))
    applied = cli("apply", str(definitions), env=pipeline_env)
    assert applied.returncode == 0, applied.stderr
    start_worker()

    create_user = next(r for r in RECORDS if r["eventName"] == "CreateUser")
    other = next(r for r in RECORDS if r["eventName"] != "CreateUser")
    minute_ms = 1_700_000_040_000  # a minute boundary
    stamped = [(create_user, minute_ms + 5_000), (other, minute_ms + 65_000), (other, minute_ms + 185_000)]
    with Producer() as producer:
        for record, at_ms in stamped:
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at_ms / 1000))
            producer.send("cloudtrail", dict(record, eventTime=at))

    data = read_metric_samples(count=2, timeout_s=60, predicate=lambda d: d["value"]["MetricName"] == "UserCreated")
    assert sorted((d["value"]["Timestamp"], d["value"]["Value"]) for d in data) == [
        (minute_ms + 5_000, 1.0), (minute_ms + 60_000, 0.0)]
    log_events = read_records("log-events", count=3, timeout_s=10)
    assert len(log_events) == 3 and all(e["headers"] == {} for e in log_events)
    time.sleep(3)  # no second copy of either
    again = read_metric_samples(count=3, timeout_s=5, predicate=lambda d: d["value"]["MetricName"] == "UserCreated"
                                and d["value"]["Timestamp"] <= minute_ms + 60_000)
    assert len(again) == 2
