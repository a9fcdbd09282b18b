"""AWS Config's retention configuration, as the retention of the config-history topic.

PutRetentionConfiguration keeps configuration history for 30 to 2,557 days (the default, 7
years); there is one configuration, named ``default``. Here it is the ``retention.ms`` of
config-history: Kafka deletes older history segments. The last recorded item of every resource
stays on the compacted ``config-current`` topic whatever the retention, as AWS Config keeps the
current item: the snapshot, the rules' reference view and get-resource-config-history read it.
"""

from __future__ import annotations

from pipeline.errors import PipelineError
from pipeline.topics import CONFIG_HISTORY_RETENTION_DAYS, DAY_MS

__all__ = ["RetentionError", "NoSuchRetentionConfigurationException", "retention_ms", "retention_days",
           "MIN_DAYS", "MAX_DAYS", "NAME"]

MIN_DAYS, MAX_DAYS = 30, CONFIG_HISTORY_RETENTION_DAYS  # AWS's default is also its maximum
NAME = "default"


class RetentionError(PipelineError):
    """A retention request AWS Config would refuse (its InvalidParameterValueException)."""


class NoSuchRetentionConfigurationException(RetentionError):
    """No retention configuration of that name."""


def retention_ms(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise RetentionError(f"1 validation error detected: Value '{days}' at 'retentionPeriodInDays' failed to "
                             f"satisfy constraint: Member must have value between {MIN_DAYS} and {MAX_DAYS}")
    return days * DAY_MS


def retention_days(ms: str | int | None) -> int | None:
    """Days of a topic's retention.ms; None when it keeps everything or is not set on the topic."""
    if ms is None or int(ms) < 0:
        return None
    return int(ms) // DAY_MS
