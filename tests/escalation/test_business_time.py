"""Business-time arithmetic: opening hours in a time zone, holidays, DST changes, pausing."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.core.errors import ValidationError
from apps.escalation.business_time import Hours, business_add, business_between, is_open
from apps.escalation.models import BusinessCalendar
from apps.escalation.sla import sla_elapsed_share, sla_resume_due


def z(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


BERLIN = Hours.of(
    BusinessCalendar(name="b", time_zone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BE")
)
NEW_YORK = Hours.of(BusinessCalendar(name="ny", time_zone="America/New_York", holiday_country="US"))


def test_f11_friday_evening_due_monday_morning():
    # Friday 16:30 Berlin (14:30Z), 1 business hour: 30 min on Friday, 30 on Monday 09:00–09:30 Berlin = 07:30Z
    assert business_add(start=z(2025, 6, 13, 14, 30), minutes=60, hours=BERLIN) == z(2025, 6, 16, 7, 30)
    assert not is_open(at=z(2025, 6, 13, 15, 45), hours=BERLIN)
    assert is_open(at=z(2025, 6, 16, 7, 0), hours=BERLIN)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # spring forward (30 Mar 2025): Friday 16:30 CET = 15:30Z; Monday 09:30 CEST = 07:30Z
        (z(2025, 3, 28, 15, 30), z(2025, 3, 31, 7, 30)),
        # fall back (26 Oct 2025): Friday 16:30 CEST = 14:30Z; Monday 09:30 CET = 08:30Z
        (z(2025, 10, 24, 14, 30), z(2025, 10, 27, 8, 30)),
    ],
)
def test_due_times_across_daylight_saving_changes(start, due):
    assert business_add(start=start, minutes=60, hours=BERLIN) == due
    assert business_between(start=start, end=due, hours=BERLIN) == timedelta(hours=1)


def test_a_day_with_a_dst_change_is_measured_in_real_hours():
    always = Hours.of(
        BusinessCalendar(
            name="24/7",
            time_zone="Europe/Berlin",
            weekly_hours={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        )
    )
    # Sunday 30 Mar 2025 in Berlin lasts 23 hours, Sunday 26 Oct 25 hours
    assert business_between(start=z(2025, 3, 29, 23), end=z(2025, 3, 30, 22), hours=always) == timedelta(hours=23)
    assert business_between(start=z(2025, 10, 25, 22), end=z(2025, 10, 26, 23), hours=always) == timedelta(hours=25)


def test_new_york_calendar_and_us_holiday():
    # Wed 2 Jul 2025 16:30 EDT (20:30Z) + 2 h: 30 min Wed, 4 July closed, Thu 3 Jul 09:00–10:30 EDT = 14:30Z
    assert business_add(start=z(2025, 7, 2, 20, 30), minutes=120, hours=NEW_YORK) == z(2025, 7, 3, 14, 30)
    # Thu 3 Jul 16:30 EDT + 1 h: Friday 4 July is a holiday -> Monday 7 Jul 09:30 EDT = 13:30Z
    assert business_add(start=z(2025, 7, 3, 20, 30), minutes=60, hours=NEW_YORK) == z(2025, 7, 7, 13, 30)


def test_holidays_and_extra_closed_dates():
    calendar = BusinessCalendar(
        name="x",
        time_zone="Europe/Berlin",
        holiday_country="DE",
        holiday_subdivision="BE",
        closed_dates=["2025-12-29"],
    )
    # Wed 24 Dec 16:30 CET + 1 h: 25/26 Dec holidays, weekend, 29 Dec closed -> Tue 30 Dec 09:30 CET = 08:30Z
    assert business_add(start=z(2025, 12, 24, 15, 30), minutes=60, hours=Hours.of(calendar)) == z(2025, 12, 30, 8, 30)


def test_pause_keeps_the_business_time_that_was_left():
    due = business_add(start=z(2025, 6, 13, 14, 30), minutes=60, hours=BERLIN)  # Mon 07:30Z
    # paused Friday 14:45Z (45 business minutes left), resumed Monday 08:00Z -> due 08:45Z
    assert sla_resume_due(due=due, paused_at=z(2025, 6, 13, 14, 45), now=z(2025, 6, 16, 8), hours=BERLIN) == z(
        2025, 6, 16, 8, 45
    )
    share = sla_elapsed_share(started=z(2025, 6, 13, 14, 30), due=due, now=z(2025, 6, 13, 15, 45), hours=BERLIN)
    assert share == pytest.approx(0.5)  # only 30 of the 60 business minutes passed by Friday evening


def test_malformed_calendars_are_clear_errors():
    with pytest.raises(ValidationError, match="Unknown time zone"):
        Hours.of(BusinessCalendar(name="x", time_zone="Mars/Olympus"))
    with pytest.raises(ValidationError, match="end before they start"):
        Hours.of(BusinessCalendar(name="x", weekly_hours={"mon": [["17:00", "09:00"]]}))
    with pytest.raises(ValidationError, match="no opening hours"):
        business_add(start=z(2025, 1, 1), minutes=1, hours=Hours.of(BusinessCalendar(name="x", weekly_hours={})))
