"""setup_schedules: every app's schedules registered once, first runs staggered so the heavy ones wait for their
off-peak slot instead of firing when the cluster first starts (or restarts after downtime)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule

from apps.core.management.commands.setup_schedules import (
    DEFAULT_STAGGER,
    first_run_at,
    schedule_specs,
    schedules_register,
)

HEAVY = ("analytics-retrain", "analytics-monthly-review", "analytics-stats-nightly", "analytics-training-examples")
NOW = datetime(2026, 12, 1, 3, 16, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("first_run", "expected"),
    [
        ({"after_minutes": 3}, NOW + timedelta(minutes=3)),
        ({"at": "01:30"}, datetime(2026, 12, 2, 1, 30, tzinfo=UTC)),  # already past today: tomorrow
        ({"at": "05:00"}, datetime(2026, 12, 1, 5, 0, tzinfo=UTC)),  # still ahead today
        ({"at": "03:00", "weekday": 6}, datetime(2026, 12, 6, 3, 0, tzinfo=UTC)),  # the coming Sunday
        ({"at": "04:00", "day": 1}, datetime(2026, 12, 1, 4, 0, tzinfo=UTC)),  # the 1st, later today
        ({"at": "02:00", "day": 1}, datetime(2027, 1, 1, 2, 0, tzinfo=UTC)),  # the 1st, already past: next month
    ],
)
def test_first_run_at(first_run, expected, settings):
    settings.TIME_ZONE = "UTC"
    assert first_run_at(first_run, now=NOW) == expected


def test_first_run_at_uses_the_local_clock(settings):
    settings.TIME_ZONE = "Europe/Berlin"  # UTC+1 in December: 03:00 Berlin is 02:00 UTC
    assert first_run_at({"at": "03:00"}, now=NOW) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_first_run_without_a_spec_is_staggered_by_position():
    times = [first_run_at(None, now=NOW, position=i) for i in range(3)]
    assert times == [NOW + DEFAULT_STAGGER, NOW + 2 * DEFAULT_STAGGER, NOW + 3 * DEFAULT_STAGGER]


@pytest.mark.parametrize(
    "bad",
    [{"at": "25:00"}, {"at": "noon"}, {"at": "03:00", "weekday": 7}, {"at": "03:00", "day": 31}, {"every": 5},
     {"weekday": 1}, {"after_minutes": -1}],
)  # fmt: skip
def test_bad_first_run_is_refused(bad):
    with pytest.raises(ValueError):
        first_run_at(bad, now=NOW)


@pytest.mark.django_db
def test_setup_schedules_registers_every_app_once_with_staggered_first_runs():
    out = StringIO()
    before = timezone.now()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)  # idempotent
    names = [spec["name"] for spec in schedule_specs()]
    assert "workflows-triage-sweep" in names and len(names) == len(set(names))
    assert Schedule.objects.filter(name__in=names).count() == len(names)
    runs = dict(Schedule.objects.filter(name__in=names).values_list("name", "next_run"))
    assert all(run > before for run in runs.values()), "nothing fires at start-up"
    assert len(set(runs.values())) == len(runs), "no two schedules share a first run"
    sweep = Schedule.objects.get(name="workflows-triage-sweep")
    assert (sweep.func, sweep.schedule_type, sweep.minutes) == (
        "apps.workflows.tasks.triage_sweep_task",
        Schedule.MINUTES,
        5,
    )
    assert "next run" in out.getvalue()


@pytest.mark.django_db
def test_heavy_schedules_wait_for_their_off_peak_slot(settings):
    settings.TIME_ZONE = "UTC"
    wednesday_noon = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    runs = {s.name: s.next_run for s, _ in schedules_register(specs=schedule_specs(), now=wednesday_noon)}
    assert runs["analytics-stats-nightly"] == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    assert runs["analytics-retrain"] == datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # Sunday night
    assert runs["analytics-monthly-review"] == datetime(2027, 1, 1, 4, 0, tzinfo=UTC)
    assert runs["analytics-training-examples"] == wednesday_noon + timedelta(minutes=25)
    light = {name: run - wednesday_noon for name, run in runs.items() if name not in HEAVY}
    assert all(timedelta(seconds=20) <= offset <= timedelta(minutes=5) for offset in light.values()), light


@pytest.mark.django_db
def test_a_second_setup_keeps_planned_runs_and_replans_overdue_ones():
    now = timezone.now()
    specs = [
        {"name": "t-light", "func": "math.floor", "schedule_type": Schedule.MINUTES, "minutes": 1,
         "first_run": {"after_minutes": 1}},
        {"name": "t-heavy", "func": "math.ceil", "schedule_type": Schedule.WEEKLY, "first_run": {"at": "03:00"}},
    ]  # fmt: skip
    first = {s.name: (s.next_run, what) for s, what in schedules_register(specs=specs, now=now)}
    assert {what for _, what in first.values()} == {"created"}
    assert first["t-light"][0] == now + timedelta(minutes=1)

    later = now + timedelta(seconds=30)  # planned runs still ahead: kept
    again = {s.name: (s.next_run, what) for s, what in schedules_register(specs=specs, now=later)}
    assert again == {name: (run, "updated") for name, (run, _) in first.items()}

    Schedule.objects.filter(name="t-heavy").update(next_run=now - timedelta(days=3))  # the cluster was down
    after_downtime = now + timedelta(days=1)
    replanned = {s.name: (s.next_run, what) for s, what in schedules_register(specs=specs, now=after_downtime)}
    assert replanned["t-heavy"][1] == "replanned" and replanned["t-heavy"][0] > after_downtime
    assert replanned["t-light"][1] == "replanned"  # its first run (now + 1 min) is past a day later


@pytest.mark.django_db
def test_a_spec_without_func_or_with_a_bad_first_run_writes_nothing():
    good = {"name": "t-ok", "func": "math.floor", "schedule_type": Schedule.MINUTES, "minutes": 1}
    with pytest.raises(CommandError, match="t-bad"):
        schedules_register(specs=[good, {**good, "name": "t-bad", "first_run": {"at": "99:99"}}])
    with pytest.raises(CommandError, match="without name or func"):
        schedules_register(specs=[good, {"name": "t-nofunc"}])
    assert not Schedule.objects.filter(name__startswith="t-").exists()  # atomic: the good one was rolled back
