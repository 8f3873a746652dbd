"""Recurring tasks of the workflows app, registered by ``manage.py setup_schedules``.

The triage sweep re-enqueues triage for live tickets whose latest customer turn still has no Decision
(``apps.workflows.services.sweep``): a lost task (cluster killed mid-batch, dropped database connection, a task
out of attempts) is picked up within ``TRIAGE_SWEEP_AFTER_MINUTES`` plus one interval.
"""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "workflows-triage-sweep",
        "first_run": {"after_minutes": 3},
        "func": "apps.workflows.tasks.triage_sweep_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
        "repeats": -1,
    },
]
