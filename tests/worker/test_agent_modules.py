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
    assert {"retry_target_deliveries", "aggregate_metric_data", "evaluate_on_ticks"} <= found


def test_discovery_finds_every_batch_stage():
    from pipeline.worker.app import app
    from pipeline.worker.batch_stage import BatchStage

    app.discover()
    stages = {s.stage for s in app._extra_services if isinstance(s, BatchStage)}
    assert stages == {"cloudtrail", "metric-filters", "event-bus"}
