"""Run `pipeline worker` in this process: the entry bench/e2e.py starts its workers with, so a
what-if change to the wiring can be patched in here (before the worker's modules import) and
measured before it is made in the worker itself.

    .venv/bin/python bench/profile_worker.py [-l info]

The three what-if patches of the first measurements (partition map per alarm change,
PIPELINE_PARTITIONS read once, evaluation once per 10 s step) are in the worker now and were
removed from here; docs/performance.md keeps their measured effect.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description="pipeline worker, run from the bench")
    parser.add_argument("-l", "--loglevel", default="info")
    args = parser.parse_args()
    from pipeline.cli import main as pipeline_main

    return pipeline_main(["worker", "-l", args.loglevel])


if __name__ == "__main__":
    sys.exit(main())
