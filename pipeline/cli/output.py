"""Printing answers the way the AWS CLI does: indented JSON on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=4, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def read_json_argument(text: str) -> Any:
    """AWS CLI style: a literal JSON string, or ``file://path`` to read it from a file."""
    if text.startswith("file://"):
        with open(text[len("file://"):], encoding="utf-8") as handle:
            text = handle.read()
    return json.loads(text)
