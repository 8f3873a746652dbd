"""Recurring tasks registered by ``manage.py setup_schedules``."""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "analytics-stats-recent",
        "func": "apps.analytics.tasks.stats_refresh_recent_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
        "repeats": -1,
    },
    {
        "name": "analytics-stats-nightly",
        "func": "apps.analytics.tasks.stats_refresh_nightly_task",
        "schedule_type": Schedule.DAILY,
        "repeats": -1,
    },
    {
        "name": "analytics-anomaly-scan",
        "func": "apps.analytics.tasks.anomalies_scan_task",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
        "repeats": -1,
    },
    {
        "name": "analytics-training-examples",
        "func": "apps.analytics.tasks.training_examples_task",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    {
        "name": "analytics-retrain",
        "func": "apps.analytics.tasks.retrain_task",
        "schedule_type": Schedule.WEEKLY,
        "repeats": -1,
    },
    {
        "name": "analytics-monthly-review",
        "func": "apps.analytics.tasks.monthly_reviews_task",
        "schedule_type": Schedule.MONTHLY,
        "repeats": -1,
    },
]
