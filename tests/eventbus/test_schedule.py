"""rate()/cron() next fire times; plain cron cases cross-checked with croniter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from croniter import croniter

from pipeline.eventbus.schedule import Cron, Rate, ScheduleError, parse_schedule

UTC = timezone.utc


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


def fires(expression, after, count=3):
    schedule = parse_schedule(expression)
    out = []
    for _ in range(count):
        after = schedule.next_after(after)
        out.append(after)
    return out


@pytest.mark.parametrize("expression", [
    "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(2 weeks)", "rate(-1 days)",
    "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(0 12 * *)", "cron(60 12 * * ? *)",
    "cron(0 24 * * ? *)", "cron(0 12 32 * ? *)", "cron(0 12 ? * 8 *)", "cron(0 12 * 13 ? *)",
    "cron(0 12 * * ? 2200)", "cron(0 12 ? * 3#6 *)", "cron(0 12 ? * 2#1,3#2 *)", "cron(*/0 * * * ? *)",
    "cron(0 12 5-1 * ? *)", "every 5 minutes", "",
])
def test_invalid(expression):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(expression)
    assert str(caught.value) == "Parameter ScheduleExpression is not valid."


def test_rate():
    assert parse_schedule("rate(1 minute)") == Rate(1, "minute")
    assert fires("rate(5 minutes)", at(2026, 1, 1, 0, 3)) == [at(2026, 1, 1, 0, 5), at(2026, 1, 1, 0, 10),
                                                               at(2026, 1, 1, 0, 15)]
    assert parse_schedule("rate(2 hours)").next_after(at(2026, 1, 1, 1, 0)) == at(2026, 1, 1, 2)
    anchor = at(2026, 1, 1, 0, 7, 30)
    assert parse_schedule("rate(1 day)").next_after(at(2026, 1, 3), anchor=anchor) == at(2026, 1, 3, 0, 7, 30)
    assert parse_schedule("rate(1 day)").next_after(at(2025, 1, 1), anchor=anchor) == anchor


@pytest.mark.parametrize("aws,unix", [
    ("cron(0 12 * * ? *)", "0 12 * * *"),
    ("cron(5,35 14 * * ? *)", "5,35 14 * * *"),
    ("cron(0/5 8-17 ? * MON-FRI *)", "0/5 8-17 * * 1-5"),
    ("cron(0 0 1 JAN,JUL ? *)", "0 0 1 1,7 *"),
    ("cron(15 3 ? * 1 *)", "15 3 * * 0"),
    ("cron(*/7 */5 10-20/3 * ? *)", "*/7 */5 10-20/3 * *"),
])
def test_plain_cron_matches_croniter(aws, unix):
    start = at(2026, 11, 25, 12, 34)
    expected = croniter(unix, start)
    moment = start
    for _ in range(50):
        moment = parse_schedule(aws).next_after(moment)
        assert moment == expected.get_next(datetime)


def test_aws_specials():
    assert fires("cron(15 10 ? * 6L 2019-2022)", at(2019, 1, 1)) == [
        at(2019, 1, 25, 10, 15), at(2019, 2, 22, 10, 15), at(2019, 3, 29, 10, 15)]  # last Fridays
    assert fires("cron(0 9 ? * 3#2 *)", at(2026, 1, 1)) == [
        at(2026, 1, 13, 9), at(2026, 2, 10, 9), at(2026, 3, 10, 9)]  # second Tuesdays
    assert fires("cron(0 0 L * ? *)", at(2026, 1, 31, 0, 0)) == [
        at(2026, 2, 28), at(2026, 3, 31), at(2026, 4, 30)]
    assert fires("cron(0 0 LW * ? *)", at(2026, 1, 1)) == [at(2026, 1, 30), at(2026, 2, 27), at(2026, 3, 31)]
    # 15W: nearest weekday to the 15th (Sun 2026-02-15 → Mon 16th; Sat 2026-08-15 → Fri 14th)
    assert parse_schedule("cron(0 0 15W * ? *)").next_after(at(2026, 2, 1)) == at(2026, 2, 16)
    assert parse_schedule("cron(0 0 15W * ? *)").next_after(at(2026, 8, 1)) == at(2026, 8, 14)
    assert parse_schedule("cron(0 0 1W * ? *)").next_after(at(2026, 7, 20)) == at(2026, 8, 3)  # Sat 1st → Mon 3rd
    assert parse_schedule("cron(0 0 ? * L *)").next_after(at(2026, 11, 25)) == at(2026, 11, 28)  # Saturday
    assert parse_schedule("cron(0 0 29 2 ? *)").next_after(at(2026, 1, 1)) == at(2028, 2, 29)
    assert parse_schedule("cron(0 0 1 1 ? 2020)").next_after(at(2021, 1, 1)) is None
    assert isinstance(parse_schedule("cron(0 12 * * ? *)"), Cron)


def test_next_after_is_strictly_later_and_whole_minutes():
    schedule = parse_schedule("cron(* * * * ? *)")
    assert schedule.next_after(at(2026, 1, 1, 0, 0, 0)) == at(2026, 1, 1, 0, 1)
    assert schedule.next_after(at(2026, 1, 1, 0, 0, 59, 999)) == at(2026, 1, 1, 0, 1)
    naive = datetime(2026, 1, 1, 0, 0) + timedelta(seconds=1)
    assert schedule.next_after(naive) == at(2026, 1, 1, 0, 1)


def _field(draw_values, low, high):
    return ",".join(str(v) for v in sorted(draw_values)) if draw_values else "*"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(
    minutes=st.sets(st.integers(0, 59), max_size=3),
    hours=st.sets(st.integers(0, 23), max_size=3),
    days=st.sets(st.integers(1, 31), max_size=2),
    months=st.sets(st.integers(1, 12), max_size=3),
    weekdays=st.sets(st.integers(1, 7), max_size=3),
    use_weekdays=st.booleans(),
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
)
def test_random_plain_cron_agrees_with_croniter(minutes, hours, days, months, weekdays, use_weekdays, start):
    minute, hour, month = _field(minutes, 0, 59), _field(hours, 0, 23), _field(months, 1, 12)
    if use_weekdays:
        aws = f"cron({minute} {hour} ? {month} {_field(weekdays, 1, 7)} *)"
        unix_dow = ",".join(str(d - 1) for d in sorted(weekdays)) if weekdays else "*"
        unix = f"{minute} {hour} * {month} {unix_dow}"
    else:
        aws = f"cron({minute} {hour} {_field(days, 1, 31)} {month} ? *)"
        unix = f"{minute} {hour} {_field(days, 1, 31)} {month} *"
    start = start.replace(tzinfo=UTC)
    schedule = parse_schedule(aws)
    expected = croniter(unix, start)
    moment = start
    for _ in range(5):
        moment = schedule.next_after(moment)
        if moment is None:  # only past 2199, out of croniter's comparison range
            break
        assert moment == expected.get_next(datetime), (aws, unix)
