"""Timestamps as AWS Config writes them; nothing here reads the clock.

AWS spells one instant several ways: ISO-8601 with milliseconds in notifications
(``2017-01-09T22:50:14.328Z``), epoch seconds as a float in the CLI's API output
(``1414708529.9219999``), and ISO strings again in the RDK samples. Everything is turned into
an aware ``datetime`` for comparisons and written back as ISO with milliseconds and ``Z``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


__all__ = ["parse_time", "format_time", "to_epoch_ms"]


def parse_time(value: Any, *, field: str = "time") -> datetime:
    """Turn an ISO-8601 string, epoch seconds (int/float) or a datetime into an aware UTC datetime.

    :raises ValueError: with a message naming ``field`` when the value is not a time.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool):
        raise ValueError(f"{field} must be a timestamp, got a boolean")
    if isinstance(value, (int, float)):
        seconds = float(value)
        # epoch milliseconds (configurationStateId-like numbers) are 1000x larger than any
        # plausible epoch-seconds value; accept both.
        if seconds > 1e11:
            seconds /= 1000.0
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return parse_time(float(text), field=field)
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


def format_time(value: Any, *, field: str = "time") -> str:
    """ISO-8601 in UTC with milliseconds and ``Z``, the notification spelling."""
    moment = parse_time(value, field=field).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_epoch_ms(value: Any, *, field: str = "time") -> int:
    moment = parse_time(value, field=field)
    return int(round(moment.timestamp() * 1000))
