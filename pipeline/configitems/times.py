"""Timestamps as AWS Config writes them; nothing here reads the clock.

AWS spells one instant several ways: ISO-8601 with milliseconds in notifications
(``2017-01-09T22:50:14.328Z``), epoch seconds as a float in the CLI's API output
(``1414708529.9219999``), and ISO strings again in the RDK samples. Everything is turned into
an aware ``datetime`` for comparisons and written back as ISO with milliseconds and ``Z``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pipeline.timestamps import parse_timestamp


__all__ = ["parse_time", "format_time", "to_epoch_ms"]


def parse_time(value: Any, *, field: str = "time") -> datetime:
    """Turn an ISO-8601 string, epoch seconds (int/float) or a datetime into an aware UTC datetime.

    :raises ValueError: with a message naming ``field`` when the value is not a time.
    """
    return parse_timestamp(value, field=field)


def format_time(value: Any, *, field: str = "time") -> str:
    """ISO-8601 in UTC with milliseconds and ``Z``, the notification spelling."""
    moment = parse_time(value, field=field).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_epoch_ms(value: Any, *, field: str = "time") -> int:
    moment = parse_time(value, field=field)
    return int(round(moment.timestamp() * 1000))
