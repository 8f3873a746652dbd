"""``manage.py setup_schedules``: register the recurring django-q2 tasks that apps declare in ``schedules.py``.

Each spec is a dict of ``django_q.models.Schedule`` fields plus an optional ``first_run`` that says when the first
run happens, so a fresh start (or a restart after downtime) does not fire every schedule at once:

- ``{"after_minutes": 3}`` — a few minutes after setup (light, frequent tasks; give them different offsets);
- ``{"at": "03:00"}`` — the next time it is 03:00 in ``settings.TIME_ZONE`` (nightly work);
- ``{"at": "03:00", "weekday": 6}`` — the next Sunday (Monday = 0) at 03:00 (weekly work such as retraining);
- ``{"at": "04:00", "day": 1}`` — the next 1st of the month at 04:00 (monthly work).

A spec without ``first_run`` starts ``DEFAULT_STAGGER`` × its position (+ ``DEFAULT_STAGGER``) after setup. The
schedule's later runs follow from the first one (django-q2 adds the interval to ``next_run``), so a nightly task
planned at 03:00 stays at 03:00. Running the command again keeps a planned ``next_run``; a ``next_run`` that is
already past (the cluster was down) is planned again, so a restart does not fire the overdue heavy tasks at once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

DEFAULT_STAGGER = timedelta(seconds=20)
SPEC_ONLY_KEYS = ("name", "first_run")


def first_run_at(first_run: dict | None, *, now: datetime, position: int = 0) -> datetime:
    """When a schedule with ``first_run`` (see the module docstring) should run first, as an aware datetime.

    ``now``: an aware datetime; ``position``: the spec's index among all specs (used without ``first_run``).
    Raises ``ValueError`` for an unknown key, a malformed ``at`` (``HH:MM``), a weekday outside 0–6 or a day
    outside 1–28 (every month has those days).
    """
    if not first_run:
        return now + DEFAULT_STAGGER * (position + 1)
    unknown = set(first_run) - {"after_minutes", "at", "weekday", "day"}
    if unknown:
        raise ValueError(f"unknown first_run keys: {sorted(unknown)}")
    if "after_minutes" in first_run:
        if set(first_run) != {"after_minutes"} or float(first_run["after_minutes"]) < 0:
            raise ValueError("first_run after_minutes takes a non-negative number and nothing else")
        return now + timedelta(minutes=float(first_run["after_minutes"]))
    if "at" not in first_run:
        raise ValueError("first_run needs after_minutes or at")
    try:
        hour, minute = (int(part) for part in str(first_run["at"]).split(":"))
        clock = time(hour, minute)
    except ValueError as exc:
        raise ValueError(f"first_run at must be HH:MM, got {first_run['at']!r}") from exc
    weekday, day = first_run.get("weekday"), first_run.get("day")
    if weekday is not None and not 0 <= int(weekday) <= 6:
        raise ValueError("first_run weekday must be 0 (Monday) to 6 (Sunday)")
    if day is not None and not 1 <= int(day) <= 28:
        raise ValueError("first_run day must be 1 to 28")
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), clock, tzinfo=zone)
    for _ in range(400):  # at most about a year of days to find the slot
        fits = (weekday is None or candidate.weekday() == int(weekday)) and (day is None or candidate.day == int(day))
        if fits and candidate > local:
            return candidate
        candidate = datetime.combine(candidate.date() + timedelta(days=1), clock, tzinfo=zone)
    raise ValueError(f"no first run found for {first_run}")  # unreachable with validated keys


def schedule_specs() -> list[dict]:
    """Every ``SCHEDULES`` entry of the installed ``apps.*`` apps, in app order (data source: ``schedules.py``)."""
    specs: list[dict] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = import_module(f"{config.name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedules":
                raise
            continue
        specs.extend(getattr(module, "SCHEDULES", []))
    return specs


def schedules_register(*, specs: list[dict], now: datetime | None = None) -> list[tuple[Schedule, str]]:
    """Create or update one ``Schedule`` per spec (keyed by ``name``), atomically; returns ``(schedule, what)`` with
    ``what`` ``created`` / ``updated`` / ``replanned`` (its ``next_run`` was past and was planned again).
    Raises ``CommandError`` for a spec without a name or func, or a bad ``first_run``."""
    now = now or timezone.now()
    done: list[tuple[Schedule, str]] = []
    with transaction.atomic():
        for position, spec in enumerate(specs):
            if not spec.get("name") or not spec.get("func"):
                raise CommandError(f"schedule spec without name or func: {spec}")
            try:
                planned = first_run_at(spec.get("first_run"), now=now, position=position)
            except ValueError as exc:
                raise CommandError(f"{spec['name']}: {exc}") from exc
            fields = {k: v for k, v in spec.items() if k not in SPEC_ONLY_KEYS}
            schedule = Schedule.objects.select_for_update().filter(name=spec["name"]).first()
            if schedule is None:
                schedule = Schedule.objects.create(name=spec["name"], next_run=planned, **fields)
                done.append((schedule, "created"))
                continue
            what = "updated"
            for key, value in fields.items():
                setattr(schedule, key, value)
            if schedule.next_run is None or schedule.next_run <= now:
                schedule.next_run, what = planned, "replanned"
            schedule.save()
            done.append((schedule, what))
    return done


class Command(BaseCommand):
    help = "Register (idempotently) the recurring django-q2 tasks that apps declare in their schedules.py."

    def handle(self, *args, **options):
        done = schedules_register(specs=schedule_specs())
        for schedule, what in done:
            local = timezone.localtime(schedule.next_run).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"  {schedule.name}: {schedule.func} ({what}, next run {local})")
        self.stdout.write(self.style.SUCCESS(f"{len(done)} schedules registered"))
