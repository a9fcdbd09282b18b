"""Loading the .avsc files in schemas/ (the single source of every record shape)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any


def schema_dir() -> Path:
    configured = os.environ.get("PIPELINE_SCHEMA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "schemas"


@lru_cache(maxsize=None)
def schema_json(name: str) -> dict[str, Any]:
    path = schema_dir() / f"{name}.avsc"
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def schema_names() -> list[str]:
    return sorted(p.stem for p in schema_dir().glob("*.avsc"))


def schema_id(name: str) -> int:
    """A stable id per schema for the Confluent framing when no registry assigns one."""
    return schema_names().index(name) + 1
