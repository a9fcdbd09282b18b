"""Faust's autodiscovery skips a module that fails to import; this test does not."""

from __future__ import annotations

import importlib
import pkgutil

import pipeline.worker.agents as agents


def test_every_agent_module_imports():
    names = [m.name for m in pkgutil.iter_modules(agents.__path__)]
    assert {"logs", "eventbus", "cloudtrail", "alarms", "definitions"} <= set(names)
    for name in names:
        importlib.import_module(f"{agents.__name__}.{name}")


def test_discovery_finds_every_agent():
    from pipeline.worker.app import app

    app.discover()
    found = {name.rsplit(".", 1)[1] for name in app.agents}
    assert {"apply_metric_filters", "route_bus_events", "retry_target_deliveries", "deliver_cloudtrail",
            "aggregate_metric_data", "evaluate_on_ticks"} <= found
