"""Recurring tasks of the tickets app, registered by ``manage.py setup_schedules``.

The IMAP poll runs every minute. Without ``IMAP_HOST`` / ``IMAP_USER`` (see ``apps/tickets/email/conf.py``) it logs
one line and does nothing, so a deployment without a mailbox can register every schedule safely.
"""

from __future__ import annotations

import logging

from django_q.models import Schedule

logger = logging.getLogger(__name__)

IMAP_POLL_FUNC = "apps.tickets.schedules.imap_poll_scheduled_task"

SCHEDULES = [
    {
        "name": "tickets-imap-poll",
        "first_run": {"after_minutes": 0.5},
        "func": IMAP_POLL_FUNC,
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "repeats": -1,
    },
]


def imap_poll_scheduled_task() -> dict | None:
    """Poll the IMAP mailbox once (``apps.tickets.email.tasks.imap_poll_task``) when it is configured.

    Returns the poll's counts (``ImapPollResult.as_dict()``), or ``None`` without touching the network when
    ``IMAP_HOST`` or ``IMAP_USER`` is not set (settings or environment). Raises ``ProviderError`` when a configured
    server cannot be reached, so django-q2 records the failed run.
    """
    from apps.tickets.email.conf import setting
    from apps.tickets.email.tasks import imap_poll_task

    if not setting("IMAP_HOST") or not setting("IMAP_USER"):
        logger.info("IMAP poll skipped: IMAP_HOST / IMAP_USER not configured")
        return None
    return imap_poll_task()
