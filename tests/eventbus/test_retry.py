from pipeline.eventbus.retry import RetryDecision, dead_letter_attributes, decide_retry


def test_retry_until_attempts_exhausted():
    policy = {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    assert decide_retry(policy, attempts_made=0, event_age_s=1, error_code="TIMEOUT", random_fraction=0.5) == \
        RetryDecision(retry=True, delay_s=0.5)
    assert decide_retry(policy, attempts_made=1, event_age_s=2, error_code="TIMEOUT", random_fraction=1.0).delay_s == 2
    assert decide_retry(policy, attempts_made=2, event_age_s=3, error_code="TIMEOUT", random_fraction=0.5) == \
        RetryDecision(retry=False, exhausted="MaximumRetryAttempts")


def test_age_limit_and_zero_retries_and_defaults():
    assert decide_retry({"MaximumEventAgeInSeconds": 60}, attempts_made=3, event_age_s=59.5,
                        error_code="THROTTLING", random_fraction=0.9).exhausted == "MaximumEventAgeInSeconds"
    assert decide_retry({"MaximumRetryAttempts": 0}, attempts_made=0, event_age_s=0,
                        error_code="THROTTLING", random_fraction=0.1).exhausted == "MaximumRetryAttempts"
    assert decide_retry(None, attempts_made=184, event_age_s=10, error_code="TIMEOUT", random_fraction=0.1).retry
    assert not decide_retry(None, attempts_made=185, event_age_s=10, error_code="TIMEOUT", random_fraction=0.1).retry
    assert decide_retry(None, attempts_made=30, event_age_s=0, error_code="TIMEOUT", random_fraction=1.0).delay_s == 300


def test_non_retriable_goes_straight_to_dead_letter():
    decision = decide_retry(None, attempts_made=0, event_age_s=0, error_code="NO_RESOURCE", random_fraction=0.5)
    assert decision == RetryDecision(retry=False, exhausted=None)


def test_dead_letter_attributes():
    attributes = dead_letter_attributes(rule_arn="r", target_arn="t", error_code="TIMEOUT", error_message="m",
                                        exhausted="MaximumRetryAttempts", retry_attempts=185)
    assert attributes == {"RULE_ARN": "r", "TARGET_ARN": "t", "ERROR_CODE": "TIMEOUT", "ERROR_MESSAGE": "m",
                          "RETRY_ATTEMPTS": "185", "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts"}
    assert "EXHAUSTED_RETRY_CONDITION" not in dead_letter_attributes(
        rule_arn="r", target_arn="t", error_code="NO_RESOURCE", error_message="m", exhausted=None, retry_attempts=0)
