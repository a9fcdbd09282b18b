"""Shared paths and small helpers for the metric-filter tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.shared_data import SHARED_DATA

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"


def load_jsonl(name: str) -> list[dict]:
    with open(SHARED_DATA / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
