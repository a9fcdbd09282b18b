"""Resuming scheduled rules after a leadership change: the stored last tick, bounded catch-up."""

from datetime import datetime, timedelta, timezone

from pipeline.worker.schedule_progress import MAX_CATCH_UP, ScheduleProgress, document, due_ticks

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def every_minute(last):
    return last.replace(second=0, microsecond=0) + timedelta(minutes=1)


def test_the_last_tick_is_kept_per_rule_and_schedule():
    progress = ScheduleProgress()
    progress.apply("default/nightly", document(T0, "rate(1 minute)"))
    assert progress.last_tick("default/nightly", "rate(1 minute)") == T0
    assert progress.last_tick("default/nightly", "rate(5 minutes)") is None  # a new schedule starts afresh
    assert progress.last_tick("default/other", "rate(1 minute)") is None
    progress.apply("default/nightly", None)  # the rule was deleted
    assert progress.last_tick("default/nightly", "rate(1 minute)") is None


def test_due_ticks_after_the_last_one_up_to_now():
    ticks, skipped = due_ticks(every_minute, T0, T0 + timedelta(minutes=3, seconds=30))
    assert ticks == [T0 + timedelta(minutes=n) for n in (1, 2, 3)] and skipped == 0
    assert due_ticks(every_minute, T0, T0 + timedelta(seconds=59)) == ([], 0)
    assert due_ticks(every_minute, T0, T0 + timedelta(minutes=1))[0] == [T0 + timedelta(minutes=1)]


def test_a_long_gap_fires_only_the_newest_ticks():
    ticks, skipped = due_ticks(every_minute, T0, T0 + timedelta(hours=2))
    assert len(ticks) == MAX_CATCH_UP and skipped == 120 - MAX_CATCH_UP
    assert ticks[-1] == T0 + timedelta(hours=2) and ticks[0] == T0 + timedelta(minutes=120 - MAX_CATCH_UP + 1)


def test_a_schedule_with_no_next_time_fires_nothing():
    assert due_ticks(lambda last: None, T0, T0 + timedelta(days=1)) == ([], 0)
