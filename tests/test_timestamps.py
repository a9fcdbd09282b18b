"""pipeline.timestamps.parse_timestamp: every way a time is written, and the refusals."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pipeline.timestamps import parse_timestamp

T = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)  # 1,700,000,000 s since the epoch


@pytest.mark.parametrize("value", [
    "2023-11-14T22:13:20Z", "2023-11-14T22:13:20z", "2023-11-14T23:13:20+01:00", "2023-11-14T22:13:20",
    " 2023-11-14T22:13:20Z ", 1_700_000_000, 1_700_000_000.0, 1_700_000_000_000, "1700000000",
    "1700000000.0", " 1700000000 ", "1700000000000", T, T.replace(tzinfo=None),
])
def test_each_written_form_reads_as_the_same_instant(value):
    assert parse_timestamp(value) == T


@pytest.mark.parametrize("value", ["", "  ", "yesterday", "2023-13-01T00:00:00Z", "12:xx", "1700000000:5",
                                   True, None, [], {}])
def test_what_is_not_a_time_is_refused_naming_the_field(value):
    with pytest.raises(ValueError, match="eventTime"):
        parse_timestamp(value, field="eventTime")
