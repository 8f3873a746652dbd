"""Recurring tasks registered by ``manage.py setup_schedules``."""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "escalation-soft-triggers-sweep",
        "first_run": {"after_minutes": 1},
        "func": "apps.escalation.tasks.soft_triggers_sweep_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "repeats": -1,
    },
]
