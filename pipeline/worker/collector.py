"""The worker's setting of Python's cyclic garbage collector.

A worker allocates tens of short-lived objects per record (decoded records, log events,
deliveries), freed by reference counting, while the heap holds long-lived definitions (compiled
rules, alarms). With Python's default thresholds (700, 10, 10) the collector ran ~2,000 young and
~20 full collections per 200k records, the full ones walking the whole heap: ~1.6 s of a ~12 s
run (bench/e2e.py, docs/performance.md). A young generation of 50,000 objects makes a collection
rare: batches free what they allocate before it fills. Cyclic garbage still gets collected; at
most ~50,000 objects wait for it.
"""

from __future__ import annotations

import gc
import os

DEFAULT_THRESHOLDS = (50_000, 20, 10)


def thresholds() -> tuple[int, int, int]:
    """PIPELINE_GC_THRESHOLDS="a,b,c" overrides (e.g. "700,10,10", Python's own, for a baseline)."""
    raw = os.environ.get("PIPELINE_GC_THRESHOLDS")
    if not raw:
        return DEFAULT_THRESHOLDS
    values = tuple(int(part) for part in raw.split(","))
    if len(values) != 3 or min(values) < 1:
        raise ValueError(f"PIPELINE_GC_THRESHOLDS must be three positive integers, got {raw!r}")
    return values  # type: ignore[return-value]


def tune_collector() -> tuple[int, int, int]:
    chosen = thresholds()
    gc.set_threshold(*chosen)
    return chosen
