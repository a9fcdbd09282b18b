"""The CIS rule pack (packs/cis-metric-filters.yaml): it loads, it is the shared data's 18
patterns, and each filter matches exactly the CloudTrail samples tests/metricfilters/test_cis.py
expects, when the pack's own definitions run as one log group's filter set (as the worker runs
them) over the log events the CloudTrail agent writes.

The pack is self-contained (the patterns are copied into it); ../shared is only read here, to
check the copy.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipeline.definitions import load_definitions
from pipeline.metricfilters import MetricFilterSet, cloudtrail_to_log_events
from tests.fixtures.shared_data import SHARED_DATA

from .test_cis import EXPECTED

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACK = PROJECT_ROOT / "packs" / "cis-metric-filters.yaml"
LOG_GROUP = "aws-cloudtrail-logs"  # the CloudTrail agent's default (PIPELINE_CLOUDTRAIL_LOG_GROUP)


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


SHARED_FILTERS = {f["id"]: f["pattern"] for f in _jsonl(SHARED_DATA / "cis_filters.jsonl")}
RECORDS = _jsonl(SHARED_DATA / "cloudtrail_samples.jsonl")
IDS = [f"ct{i:02d}" for i in range(1, len(RECORDS) + 1)]


def cis_id(filter_name: str) -> str:
    """The CIS id a pack filter name starts with (longest wins: cis-4.2-sso before cis-4.2)."""
    candidates = [i for i in EXPECTED if filter_name == i or filter_name.startswith(i + "-")]
    if not candidates:
        raise KeyError(f"{filter_name!r} does not start with a CIS id")
    return max(candidates, key=len)


def pack_filters() -> dict[str, dict]:
    """CIS id -> the pack's PutMetricFilter body (normalised by the loader)."""
    definitions = load_definitions([str(PACK)])
    assert all(d.kind == "MetricFilter" for d in definitions)
    return {cis_id(d.body["filterName"]): d.body for d in definitions}


def expected_data_by_metric() -> dict[str, int]:
    """metricName -> how many metric data the 40 samples produce (from test_cis.EXPECTED)."""
    return {body["metricTransformations"][0]["metricName"]: len(EXPECTED[cid])
            for cid, body in pack_filters().items()}


def test_pack_loads_with_18_filters_whose_patterns_are_the_shared_data():
    filters = pack_filters()
    assert len(filters) == 18
    assert set(filters) == set(SHARED_FILTERS) == set(EXPECTED)
    for cid, body in filters.items():
        assert body["filterPattern"] == SHARED_FILTERS[cid], cid


def test_pack_filters_have_the_documented_shape():
    filters = pack_filters()
    names = set()
    for cid, body in filters.items():
        assert body["logGroupName"] == LOG_GROUP
        assert body["filterName"].startswith(cid + "-")
        (transformation,) = body["metricTransformations"]
        assert transformation["metricNamespace"] == "CISBenchmark"
        assert str(transformation["metricValue"]) == "1"
        assert transformation["unit"] == "Count"
        assert "defaultValue" not in transformation or transformation["defaultValue"] is None
        names.add(transformation["metricName"])
    assert len(names) == 18  # one metric per filter, so counts per metric are counts per filter


def test_pack_does_not_depend_on_shared_data():
    assert "shared" not in PACK.read_text(encoding="utf-8")


def test_dry_run_apply_accepts_the_pack():
    done = subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "pipeline", "apply",
                           "--dry-run", str(PACK)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("valid: MetricFilter/aws-cloudtrail-logs/cis-") == 18


def _matches_by_filter() -> dict[str, set[str]]:
    filters = pack_filters()
    by_name = {body["filterName"]: cid for cid, body in filters.items()}
    filter_set = MetricFilterSet(LOG_GROUP)
    for body in filters.values():
        filter_set.put(body)
    got: dict[str, set[str]] = {cid: set() for cid in filters}
    for ct, record in zip(IDS, RECORDS):
        (event,) = cloudtrail_to_log_events(record, LOG_GROUP)
        for metric_filter, _match in filter_set.matches_for(event):
            got[by_name[metric_filter.filter_name]].add(ct)
    return got


@pytest.fixture(scope="module")
def matches() -> dict[str, set[str]]:
    return _matches_by_filter()


@pytest.mark.parametrize("filter_id", sorted(EXPECTED))
def test_pack_filter_matches_the_expected_samples(filter_id, matches):
    assert matches[filter_id] == EXPECTED[filter_id]


def test_pack_data_per_metric_over_all_samples():
    filters = pack_filters()
    filter_set = MetricFilterSet(LOG_GROUP)
    for body in filters.values():
        filter_set.put(body)
    counts: dict[str, int] = {}
    for record in RECORDS:
        for event in cloudtrail_to_log_events(record, LOG_GROUP):
            for datum in filter_set.datapoints_for(event):
                assert datum["Value"] == 1.0 and datum["Unit"] == "Count"
                assert datum["Timestamp"] == event["timestamp"]
                counts[datum["MetricName"]] = counts.get(datum["MetricName"], 0) + 1
    expected = {name: n for name, n in expected_data_by_metric().items() if n}
    assert counts == expected
    assert sum(counts.values()) == 42


def test_which_samples_each_filter_matches_as_a_table(matches):
    """Prints the matrix (pytest -s shows it); also: records no filter matches stay unmatched."""
    got = matches
    for cid in EXPECTED:
        print(f"{cid:<14} {' '.join(sorted(got[cid]))}")
    matched_any = set().union(*got.values())
    unmatched = [ct for ct in IDS if ct not in matched_any]
    print("no filter:", " ".join(unmatched))
    assert matched_any == set().union(*EXPECTED.values())
