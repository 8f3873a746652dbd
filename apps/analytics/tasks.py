"""Background tasks of the analytics app (django-q2): thin wrappers that call one service."""

from .anomalies import anomalies_scan
from .reviews import monthly_reviews_build
from .rollup import NIGHTLY_DAYS, category_stats_refresh_recent
from .services.training import classifier_retrain, training_examples_build


def anomalies_scan_task() -> int:
    """Scan for spikes; returns the number of new anomalies (each alerted once)."""
    return len(anomalies_scan())


def training_examples_task() -> dict:
    """Build training examples from new draft edits and category corrections."""
    return training_examples_build()


def retrain_task() -> bool:
    """Retrain the classifier; returns whether the candidate was activated."""
    return classifier_retrain().activated


def monthly_reviews_task() -> int:
    """Build last month's review of every category; returns the number written."""
    return len(monthly_reviews_build())


def stats_refresh_recent_task() -> int:
    """Build new training examples (the edit sizes the dashboard shows) and recompute the daily figures of the
    last three days; returns the rows written."""
    training_examples_build()
    return category_stats_refresh_recent()


def stats_refresh_nightly_task() -> int:
    """Build new training examples (edit sizes) and recompute the daily figures of the last ``NIGHTLY_DAYS`` days
    (late resolutions, ratings, handoffs); returns the rows written. The demo seeder runs it once too."""
    training_examples_build()
    return category_stats_refresh_recent(days=NIGHTLY_DAYS)
