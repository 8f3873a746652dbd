"""Business-time arithmetic on a ``BusinessCalendar``: add business minutes to an instant, measure the business
time between two instants, tell whether an instant is inside opening hours.

Opening hours are local wall-clock intervals; each day's intervals are turned into aware UTC instants with
``zoneinfo`` (a wall time skipped by a DST jump moves forward by the gap, an ambiguous one takes its first
occurrence), so a working day is measured in real elapsed time and DST changes need no special casing.
Holidays come from the ``holidays`` library (country / subdivision) plus the calendar's extra closed dates.
No business-hours library on PyPI is maintained (``businesstimedelta`` 1.0.1 is from 2017 and pytz-based), so
this is a small function with DST tests (tests/escalation/test_business_time.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from apps.core.errors import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 3 * 366  # search horizon: a calendar with no opening hours for three years is an error


def _parse_time(value: str) -> tuple[int, int]:
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
    except ValueError as exc:
        raise ValidationError(f"Opening time {value!r} is not HH:MM.") from exc
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValidationError(f"Opening time {value!r} is out of range.")
    return hours, minutes


@lru_cache(maxsize=64)
def _holiday_table(country: str, subdivision: str, years: tuple[int, ...]):
    try:
        return holidays_lib.country_holidays(country, subdiv=subdivision or None, years=years)
    except NotImplementedError as exc:
        raise ValidationError(f"Unknown holiday country or subdivision: {country}/{subdivision}.") from exc


@dataclass(frozen=True)
class Hours:
    """A calendar in plain values (build with ``Hours.of(calendar)``; ``None`` calendar = around the clock)."""

    time_zone: str = "UTC"
    weekly: tuple[tuple[tuple[tuple[int, int], tuple[int, int]], ...], ...] = ()  # per weekday: ((start, end), …)
    country: str = ""
    subdivision: str = ""
    closed: frozenset[date] = frozenset()
    always_open: bool = True

    @classmethod
    def of(cls, calendar) -> Hours:
        """``Hours`` of a ``BusinessCalendar`` (or around the clock for ``None``). Raises ``ValidationError`` for
        an unknown time zone or malformed hours."""
        if calendar is None:
            return cls()
        try:
            ZoneInfo(calendar.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"Unknown time zone {calendar.time_zone!r}.") from exc
        weekly = []
        for day in WEEKDAYS:
            intervals = []
            for pair in (calendar.weekly_hours or {}).get(day) or []:
                start, end = _parse_time(pair[0]), _parse_time(pair[1])
                if end <= start:
                    raise ValidationError(f"Opening hours {pair} on {day} end before they start.")
                intervals.append((start, end))
            weekly.append(tuple(sorted(intervals)))
        closed = frozenset(date.fromisoformat(d) for d in calendar.closed_dates or [])
        return cls(
            time_zone=calendar.time_zone,
            weekly=tuple(weekly),
            country=calendar.holiday_country,
            subdivision=calendar.holiday_subdivision,
            closed=closed,
            always_open=False,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_closed_day(self, day: date) -> bool:
        if day in self.closed:
            return True
        return bool(self.country) and day in _holiday_table(self.country, self.subdivision, (day.year,))

    def _local(self, day: date, hm: tuple[int, int]) -> datetime:
        """The instant (UTC) of local wall time ``hm`` on ``day``; 24:00 is the next midnight; times in a DST
        gap are moved forward by the gap (round trip through UTC normalises them)."""
        if hm == (24, 0):
            day, hm = day + timedelta(days=1), (0, 0)
        local = datetime.combine(day, time(*hm), tzinfo=self.zone)
        return local.astimezone(UTC)

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening intervals ``(from, to)`` in UTC that end after ``start``, in order (clipped to ``start``)."""
        start = start.astimezone(UTC)
        if self.always_open:
            yield start, datetime.max.replace(tzinfo=UTC)
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(MAX_DAYS):
            if not self.is_closed_day(day):
                for open_hm, close_hm in self.weekly[day.weekday()]:
                    begin, end = self._local(day, open_hm), self._local(day, close_hm)
                    if end > start:
                        yield max(begin, start), end
            day += timedelta(days=1)
        raise ValidationError("The business calendar has no opening hours in the next three years.")


def business_add(*, start: datetime, minutes: float, hours: Hours) -> datetime:
    """The instant ``minutes`` business minutes after ``start`` (aware datetime, returned in UTC).

    ``start`` outside opening hours counts from the next opening. Raises ``ValidationError`` when the calendar
    never opens."""
    remaining = timedelta(minutes=minutes)
    if remaining <= timedelta(0):
        return start.astimezone(UTC)
    for begin, end in hours.intervals(start):
        if end - begin >= remaining:
            return begin + remaining
        remaining -= end - begin
    raise ValidationError("The business calendar has no opening hours.")  # pragma: no cover (intervals raises)


def business_between(*, start: datetime, end: datetime, hours: Hours) -> timedelta:
    """Business time between ``start`` and ``end`` (zero when ``end`` is not after ``start``)."""
    total = timedelta(0)
    if end <= start:
        return total
    for begin, stop in hours.intervals(start):
        if begin >= end:
            break
        total += min(stop, end) - begin
    return total


def is_open(*, at: datetime, hours: Hours) -> bool:
    """True when ``at`` is inside opening hours."""
    begin, _ = next(hours.intervals(at))
    return begin <= at.astimezone(UTC)
