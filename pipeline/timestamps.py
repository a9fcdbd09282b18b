"""Reading a timestamp the ways AWS and log shippers write one: ISO 8601 (``Z`` or an offset;
no zone means UTC), epoch seconds, or epoch milliseconds (numbers above 1e11: no plausible
epoch-seconds value is that large, every ms value since 1973 is). Pure; each engine wraps
``ValueError`` in its own error type."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

MILLISECONDS_ABOVE = 1e11


def parse_timestamp(value: Any, *, field: str = "timestamp") -> datetime:
    """An aware UTC datetime; ``ValueError`` naming ``field`` when ``value`` is not a time."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a timestamp, got a boolean")
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if value > MILLISECONDS_ABOVE else float(value)
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if ":" not in text:  # epoch seconds as text; a float never has a ":" (a failed try costs)
            try:
                return parse_timestamp(float(text), field=field)
            except ValueError:
                pass
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{field} {value!r} is not an ISO-8601 timestamp or epoch seconds") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise ValueError(f"{field} must be a timestamp, got {type(value).__name__}")
