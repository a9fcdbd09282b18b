"""Target retry policy and dead-letter attributes (eventbridge.md §2.2), as pure decisions.

AWS retries a failed delivery with exponential backoff and jitter until either
``MaximumRetryAttempts`` (default 185) or ``MaximumEventAgeInSeconds`` (default 86400) is reached,
whichever comes first; non-retriable errors go to the dead-letter queue at once. AWS does not
publish its backoff constants: ours start at :data:`BASE_DELAY_S` and double up to
:data:`MAX_DELAY_S`, with "full jitter" drawn from the ``random_fraction`` the caller passes
(so this module reads neither clock nor random source).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RetryDecision", "decide_retry", "dead_letter_attributes", "NON_RETRIABLE",
           "DEFAULT_MAX_ATTEMPTS", "DEFAULT_MAX_AGE_S"]

DEFAULT_MAX_ATTEMPTS = 185
DEFAULT_MAX_AGE_S = 86_400
BASE_DELAY_S = 1.0  # first retry after up to one second (ours)
MAX_DELAY_S = 300.0  # backoff cap (ours)
NON_RETRIABLE = frozenset({"NO_PERMISSIONS", "NO_RESOURCE", "RESOURCE_ALREADY_EXISTS"})


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay_s: float = 0.0  # wait before the next attempt (when retry)
    exhausted: str | None = None  # MaximumRetryAttempts | MaximumEventAgeInSeconds (when not)


def decide_retry(policy: dict[str, Any] | None, *, attempts_made: int, event_age_s: float,
                 error_code: str, random_fraction: float) -> RetryDecision:
    """After a failed attempt: retry (and when) or give up (and why).

    :param attempts_made: retries already made (0 after the first, failed delivery).
    :param event_age_s: seconds since the event was received (the caller's clock).
    :param random_fraction: a number in [0, 1) for the jitter.
    """
    policy = policy or {}
    max_attempts = policy.get("MaximumRetryAttempts", DEFAULT_MAX_ATTEMPTS)
    max_age = policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S)
    if error_code in NON_RETRIABLE:
        return RetryDecision(retry=False, exhausted=None)
    if attempts_made >= max_attempts:
        return RetryDecision(retry=False, exhausted="MaximumRetryAttempts")
    delay = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** attempts_made) * random_fraction
    if event_age_s + delay >= max_age:
        return RetryDecision(retry=False, exhausted="MaximumEventAgeInSeconds")
    return RetryDecision(retry=True, delay_s=delay)


def dead_letter_attributes(*, rule_arn: str, target_arn: str, error_code: str, error_message: str,
                           exhausted: str | None, retry_attempts: int) -> dict[str, str]:
    """The message attributes AWS puts on a dead-lettered event (all strings)."""
    attributes = {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target_arn,
        "ERROR_CODE": error_code,
        "ERROR_MESSAGE": error_message,
        "RETRY_ATTEMPTS": str(retry_attempts),
    }
    if exhausted is not None:
        attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
    return attributes
