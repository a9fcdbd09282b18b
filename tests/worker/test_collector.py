"""The worker's garbage-collector thresholds: the default, an override, refused overrides."""

from __future__ import annotations

import gc

import pytest

from pipeline.worker.collector import DEFAULT_THRESHOLDS, thresholds, tune_collector


def test_the_default_makes_young_collections_rare(monkeypatch):
    monkeypatch.delenv("PIPELINE_GC_THRESHOLDS", raising=False)
    assert thresholds() == DEFAULT_THRESHOLDS


def test_an_override_is_applied_to_the_collector(monkeypatch):
    monkeypatch.setenv("PIPELINE_GC_THRESHOLDS", "700,10,10")
    before = gc.get_threshold()
    try:
        assert tune_collector() == (700, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("raw", ["700,10", "0,10,10", "a,b,c", "700,10,10,10"])
def test_a_malformed_override_is_refused(monkeypatch, raw):
    monkeypatch.setenv("PIPELINE_GC_THRESHOLDS", raw)
    with pytest.raises(ValueError):
        thresholds()
