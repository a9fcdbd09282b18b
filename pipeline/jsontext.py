"""Compact JSON text fast (orjson), with the standard library for what orjson refuses.

orjson writes the same compact text as ``json.dumps(value, separators=(",", ":"),
ensure_ascii=False)`` for JSON data, about 10x faster; it refuses integers beyond 64 bits and
non-string keys, and reads integers beyond 64 bits as floats: the standard library takes those.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: big integers, non-string keys
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# ASCII digits -> "1", every other byte -> "0": a run of 19 "1"s may be a number orjson cannot hold
# (2**64 has 20 digits, -2**63 - 1 has 19). A translate and a substring search cost a sixth of a
# regex search.
_DIGITS_AS_ONES = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_LONG_RUN = b"1" * 19


def might_hold_a_long_number(text: str | bytes) -> bool:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return _LONG_RUN in data.translate(_DIGITS_AS_ONES)


def loads(text: str | bytes) -> Any:
    # orjson turns integers beyond 64 bits into floats silently: such text goes to json
    if might_hold_a_long_number(text):
        return json.loads(text)
    return orjson.loads(text)


def loads_all(texts: list[str]) -> list[Any]:
    """``loads`` of each text, with one long-number check for all (a record's JSON fields)."""
    if might_hold_a_long_number("\n".join(texts)):
        return [json.loads(text) for text in texts]
    return [orjson.loads(text) for text in texts]
