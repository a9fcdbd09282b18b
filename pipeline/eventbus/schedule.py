"""EventBridge schedule expressions: ``rate(...)`` and six-field AWS ``cron(...)``.

Pure: ``next_after(t)`` is handed the time and returns the first fire time strictly after it
(UTC, whole minutes). croniter is not used because AWS cron differs from Unix cron: six fields
(minutes hours day-of-month month day-of-week year), day-of-week 1-7 with 1 = Sunday, exactly
one of the two day fields must be ``?``, and ``L``, ``W``, ``LW`` and ``#`` (eventbridge.md §2.4).

``rate(n unit)`` fires every n units counted from an anchor: the rule's creation time in AWS,
passed as ``anchor``; without one we count from the Unix epoch, so ``rate(5 minutes)`` fires at
:00, :05, ... (our choice).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pipeline.errors import PipelineError

__all__ = ["ScheduleError", "Rate", "Cron", "parse_schedule"]

_INVALID = "Parameter ScheduleExpression is not valid."
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MINUTE = timedelta(minutes=1)
_MONTHS = {name: i + 1 for i, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
_DAYS = {name: i + 1 for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_CRON = re.compile(r"cron\((.*)\)")
MAX_YEAR = 2199


class ScheduleError(PipelineError):
    """A schedule expression AWS would refuse (ValidationException)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(_INVALID)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Rate:
    value: int
    unit: str  # minute | hour | day

    @property
    def seconds(self) -> int:
        return self.value * _UNITS[self.unit]

    def next_after(self, after: datetime, anchor: datetime | None = None) -> datetime:
        after = _utc(after)
        base = _utc(anchor) if anchor is not None else _EPOCH
        period = self.seconds
        elapsed = (after - base).total_seconds()
        steps = int(elapsed // period) + 1 if elapsed >= 0 else 0
        return base + timedelta(seconds=steps * period)


def _number(text: str, names: dict[str, int] | None, low: int, high: int) -> int:
    upper = text.upper()
    if names and upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not a number")
    value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{value} is outside {low}-{high}")
    return value


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """``*``, ``n``, ``a-b``, ``*/s``, ``a/s``, ``a-b/s`` and comma lists of those."""
    result: set[int] = set()
    for item in field.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"bad step {step_text!r}")
            step = int(step_text)
        if item == "*":
            start, end = low, high
        elif "-" in item:
            first, last = item.split("-", 1)
            start, end = _number(first, names, low, high), _number(last, names, low, high)
            if start > end:
                raise ScheduleError(f"range {item!r} runs backwards")
        else:
            start = _number(item, names, low, high)
            end = high if step != 1 else start
        result.update(range(start, end + 1, step))
    return frozenset(result)


def _weekday(year: int, month: int, day: int) -> int:
    """AWS day-of-week: 1 = Sunday ... 7 = Saturday."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_any: bool  # the day-of-month field is ? (use day-of-week) or vice versa
    days: frozenset[int] = frozenset()  # day-of-month numbers
    last_day: bool = False  # L
    last_weekday: bool = False  # LW
    nearest_weekday: frozenset[int] = frozenset()  # nW
    weekdays: frozenset[int] = frozenset()  # day-of-week numbers
    nth_weekday: tuple[tuple[int, int], ...] = ()  # (weekday, n) from d#n
    last_of_weekday: frozenset[int] = frozenset()  # dL

    def _month_days(self, year: int, month: int) -> list[int]:
        length = calendar.monthrange(year, month)[1]
        chosen: set[int] = set()
        if self.day_any:  # day-of-month is ?: day-of-week decides
            for day in range(1, length + 1):
                weekday = _weekday(year, month, day)
                if weekday in self.weekdays:
                    chosen.add(day)
                if weekday in self.last_of_weekday and day + 7 > length:
                    chosen.add(day)
                for wanted, nth in self.nth_weekday:
                    if weekday == wanted and (day - 1) // 7 + 1 == nth:
                        chosen.add(day)
            return sorted(chosen)
        chosen.update(day for day in self.days if day <= length)
        if self.last_day:
            chosen.add(length)
        if self.last_weekday:
            day = length
            while _weekday(year, month, day) in (1, 7):
                day -= 1
            chosen.add(day)
        for wanted in self.nearest_weekday:
            if wanted > length:
                continue
            weekday = _weekday(year, month, wanted)
            if weekday == 7:  # Saturday → Friday, or Monday if that leaves the month
                chosen.add(wanted - 1 if wanted > 1 else wanted + 2)
            elif weekday == 1:  # Sunday → Monday, or Friday if that leaves the month
                chosen.add(wanted + 1 if wanted < length else wanted - 2)
            else:
                chosen.add(wanted)
        return sorted(chosen)

    def next_after(self, after: datetime) -> datetime | None:
        """First fire time strictly after ``after``; None when the year range is exhausted."""
        start = _utc(after).replace(second=0, microsecond=0) + _MINUTE
        minutes, hours = sorted(self.minutes), sorted(self.hours)
        for year in sorted(y for y in self.years if y >= start.year):
            for month in sorted(self.months):
                if (year, month) < (start.year, start.month):
                    continue
                for day in self._month_days(year, month):
                    if (year, month, day) < (start.year, start.month, start.day):
                        continue
                    same_day = (year, month, day) == (start.year, start.month, start.day)
                    for hour in hours:
                        if same_day and hour < start.hour:
                            continue
                        same_hour = same_day and hour == start.hour
                        for minute in minutes:
                            if same_hour and minute < start.minute:
                                continue
                            return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
        return None


def _parse_cron(body: str, expression: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleError("cron needs six fields")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("exactly one of day-of-month and day-of-week must be ?")
    options: dict = {}
    if dom == "?":
        weekdays: set[int] = set()
        nth: list[tuple[int, int]] = []
        last_of: set[int] = set()
        items = dow.split(",")
        if sum("#" in item for item in items) > 1 or ("#" in dow and len(items) > 1):
            raise ScheduleError("only one # expression is allowed")
        for item in items:
            if item == "L":
                weekdays.add(7)
            elif "#" in item:
                day_text, nth_text = item.split("#", 1)
                if not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
                    raise ScheduleError(f"bad # expression {item!r}")
                nth.append((_number(day_text, _DAYS, 1, 7), int(nth_text)))
            elif item.endswith("L") and len(item) > 1:
                last_of.add(_number(item[:-1], _DAYS, 1, 7))
            else:
                weekdays.update(_values(item, 1, 7, _DAYS))
        options.update(day_any=True, weekdays=frozenset(weekdays), nth_weekday=tuple(nth),
                       last_of_weekday=frozenset(last_of))
    else:
        days: set[int] = set()
        nearest: set[int] = set()
        last_day = last_weekday = False
        for item in dom.split(","):
            if item == "L":
                last_day = True
            elif item == "LW":
                last_weekday = True
            elif item.endswith("W") and len(item) > 1:
                nearest.add(_number(item[:-1], None, 1, 31))
            else:
                days.update(_values(item, 1, 31))
        options.update(day_any=False, days=frozenset(days), last_day=last_day,
                       last_weekday=last_weekday, nearest_weekday=frozenset(nearest))
    return Cron(
        expression=expression,
        minutes=_values(minute, 0, 59),
        hours=_values(hour, 0, 23),
        months=_values(month, 1, 12, _MONTHS),
        years=_values(year, 1970, MAX_YEAR),
        **options,
    )


def parse_schedule(expression: str) -> Rate | Cron:
    """Parse ``rate(...)`` or ``cron(...)``; raises :class:`ScheduleError` (AWS's text)."""
    if not isinstance(expression, str) or not 1 <= len(expression) <= 256:
        raise ScheduleError("expression must be 1 to 256 characters")
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise ScheduleError("rate value must be positive; unit singular iff value is 1")
        return Rate(value, unit.rstrip("s"))
    cron = _CRON.fullmatch(text)
    if cron:
        return _parse_cron(cron.group(1), expression)
    raise ScheduleError("expected rate(...) or cron(...)")
