"""Recurring tasks registered by ``manage.py setup_schedules``.

``first_run`` staggers the start (see ``setup_schedules``): the light ten-minute scans begin a few minutes after
setup, the heavy ones (nightly figures, weekly retraining, monthly reviews) wait for their off-peak slot instead of
firing when the cluster first starts.
"""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "analytics-stats-recent",
        "first_run": {"after_minutes": 2},
        "func": "apps.analytics.tasks.stats_refresh_recent_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
        "repeats": -1,
    },
    {
        "name": "analytics-stats-nightly",
        "first_run": {"at": "01:30"},
        "func": "apps.analytics.tasks.stats_refresh_nightly_task",
        "schedule_type": Schedule.DAILY,
        "repeats": -1,
    },
    {
        "name": "analytics-anomaly-scan",
        "first_run": {"after_minutes": 4},
        "func": "apps.analytics.tasks.anomalies_scan_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
        "repeats": -1,
    },
    {
        "name": "analytics-training-examples",
        "first_run": {"after_minutes": 25},
        "func": "apps.analytics.tasks.training_examples_task",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    {
        "name": "analytics-retrain",
        "first_run": {"at": "03:00", "weekday": 6},
        "func": "apps.analytics.tasks.retrain_task",
        "schedule_type": Schedule.WEEKLY,
        "repeats": -1,
    },
    {
        "name": "analytics-monthly-review",
        "first_run": {"at": "04:00", "day": 1},
        "func": "apps.analytics.tasks.monthly_reviews_task",
        "schedule_type": Schedule.MONTHLY,
        "repeats": -1,
    },
]
