"""Anomaly scan: spikes of an error signature or a topic across DISTINCT customers against their baseline.

Signatures are error codes in what customers wrote (``error 500``, ``Fehler: E1042``, ``code AUTH-401`` → key
``500`` / ``e1042`` / ``auth-401``); topics are ticket categories. For each key, the scan counts distinct
customers (contact, else organisation, else the ticket itself) in the last ``window`` and the mean number of
distinct customers per window of the same length over the ``baseline`` before it — so the same ticket
delivered twice, or one customer writing five times, counts once. A key spikes when it reaches
``MIN_CUSTOMERS``, at least ``MIN_RATIO`` × its baseline, and its Poisson tail probability (``scipy.stats``)
is below ``MAX_P``.

Each spike raises one Slack alert (``apps.integrations.alerts.alert_post``) and one tracker issue
(``apps.integrations.trackers.bug_report``, deduplicated by signature). A spike that goes on (the same key was
anomalous within ``COOLDOWN``) updates its ``Anomaly`` row and alerts nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from scipy.stats import poisson

from apps.tickets.models import Message, Ticket
from apps.workflows.models import Category

from .choices import AnomalyKind
from .models import Anomaly

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
BASELINE = timedelta(days=7)
COOLDOWN = timedelta(hours=6)
MIN_CUSTOMERS = 3
MIN_RATIO = 3.0
MAX_P = 0.001
MAX_TICKET_IDS = 50
SIGNATURE_PATTERN = r"(?:error|err|fehler|code|status|exception)[[:space:]:#=]*([a-z]{0,8}[-_]?[0-9]{2,6})\M"


@dataclass
class Spike:
    kind: str
    key: str
    customers: int
    tickets: int
    baseline: float
    p_value: float
    ticket_ids: list[int]


def _customer_sql() -> str:
    return "coalesce('c' || t.contact_id, 'o' || t.organization_id, 't' || t.id)"


def _aggregate(rows_sql: str, params: dict) -> list[tuple]:
    """Per key: distinct customers now, distinct tickets now, distinct (customer, window) pairs in the baseline,
    the first ticket ids now."""
    sql = f"""
    WITH hits AS ({rows_sql})
    SELECT key,
           count(DISTINCT customer) FILTER (WHERE at >= %(window_start)s) AS customers,
           count(DISTINCT ticket_id) FILTER (WHERE at >= %(window_start)s) AS tickets,
           count(DISTINCT customer || ':' || floor(extract(epoch FROM at - %(baseline_start)s) / %(window_s)s))
               FILTER (WHERE at < %(window_start)s) AS baseline_pairs,
           (array_agg(DISTINCT ticket_id) FILTER (WHERE at >= %(window_start)s))[1:{MAX_TICKET_IDS}] AS ids
      FROM hits
     GROUP BY key
    HAVING count(DISTINCT customer) FILTER (WHERE at >= %(window_start)s) >= %(min_customers)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def spikes_find(
    *, now: datetime | None = None, window: timedelta = WINDOW, baseline: timedelta = BASELINE
) -> list[Spike]:
    """The keys spiking in ``[now - window, now)`` against ``[now - window - baseline, now - window)`` (two
    grouped queries: signatures in customer messages, topics in new tickets)."""
    now = now or timezone.now()
    window_start = now - window
    baseline_start = window_start - baseline
    params = {
        "window_start": window_start,
        "baseline_start": baseline_start,
        "now": now,
        "window_s": window.total_seconds(),
        "min_customers": MIN_CUSTOMERS,
        "pattern": SIGNATURE_PATTERN,
    }
    windows = baseline / window
    message, ticket = Message._meta.db_table, Ticket._meta.db_table
    signature_rows = f"""
        SELECT DISTINCT lower(sig[1]) AS key, t.id AS ticket_id, {_customer_sql()} AS customer, m.created_at AS at
          FROM {message} m JOIN {ticket} t ON t.id = m.ticket_id
         CROSS JOIN LATERAL regexp_matches(m.body, %(pattern)s, 'gi') AS sig
         WHERE m.author_kind = 'customer' AND m.created_at >= %(baseline_start)s AND m.created_at < %(now)s
    """
    topic_rows = f"""
        SELECT c.slug AS key, t.id AS ticket_id, {_customer_sql()} AS customer, t.created_at AS at
          FROM {ticket} t JOIN {Category._meta.db_table} c ON c.id = t.category_id
         WHERE t.created_at >= %(baseline_start)s AND t.created_at < %(now)s
    """
    spikes = []
    for kind, rows_sql in ((AnomalyKind.SIGNATURE, signature_rows), (AnomalyKind.TOPIC, topic_rows)):
        for key, customers, tickets, baseline_pairs, ids in _aggregate(rows_sql, params):
            mean = baseline_pairs / windows if windows else 0.0
            p_value = float(poisson.sf(customers - 1, max(mean, 0.05)))
            if customers >= MIN_RATIO * mean and p_value < MAX_P:
                spikes.append(Spike(str(kind), key, customers, tickets, round(mean, 3), p_value, sorted(ids or [])))
    return spikes


def _integrations():
    """``(alert_post, bug_report)`` from the connectors' integration packages, ``None`` for a missing one."""
    try:
        from apps.integrations.alerts import alert_post
    except ImportError:
        alert_post = None
    try:
        from apps.integrations.trackers import bug_report
    except ImportError:
        bug_report = None
    return alert_post, bug_report


def _notify(anomaly: Anomaly) -> None:
    """One Slack alert and one tracker issue for a new anomaly; failures are recorded on the row, never raised."""
    alert_post, bug_report = _integrations()
    what = "error signature" if anomaly.kind == AnomalyKind.SIGNATURE else "topic"
    text = (
        f"Spike of {what} '{anomaly.key}': {anomaly.customers} customers in the last "
        f"{int((anomaly.window_end - anomaly.window_start).total_seconds() // 60)} min "
        f"(baseline {anomaly.baseline:.1f} per window, p={anomaly.p_value:.1e})."
    )
    errors = []
    if bug_report is None:
        errors.append("trackers integration not installed")
    else:
        ticket = Ticket.objects.filter(pk__in=anomaly.ticket_ids[:1]).first()
        try:
            link = bug_report(
                signature=f"{anomaly.kind}:{anomaly.key}",
                summary=text,
                steps="Tickets: " + ", ".join(f"#{t}" for t in anomaly.ticket_ids[:20]),
                ticket=ticket,
                customers=anomaly.customers,
            )
            if getattr(link, "ok", True):
                anomaly.tracker_url = str(getattr(link, "url", "") or "")[:500]
            else:  # the vendor refused or failed: recorded, shown on the dashboard
                errors.append(f"tracker: {getattr(link, 'error', '') or 'failed'}")
        except Exception as exc:  # a vendor outage must not stop the scan
            logger.exception("tracker issue for anomaly %s failed", anomaly.pk)
            errors.append(f"tracker: {exc}")
    if alert_post is None:
        errors.append("alerts integration not installed")
    else:
        try:
            anomaly.alert_sent = bool(
                alert_post(
                    key=f"anomaly-{anomaly.kind}-{anomaly.key}-{anomaly.window_start:%Y%m%d%H%M}",
                    text=text,
                    counts={"customers": anomaly.customers, "tickets": anomaly.tickets, "baseline": anomaly.baseline},
                    links=[anomaly.tracker_url] if anomaly.tracker_url else [],
                )
            )
        except Exception as exc:
            logger.exception("alert for anomaly %s failed", anomaly.pk)
            errors.append(f"alert: {exc}")
    anomaly.error = "; ".join(errors)[:500]
    anomaly.save(update_fields=["tracker_url", "alert_sent", "error"])


def anomalies_scan(*, now: datetime | None = None, window: timedelta = WINDOW) -> list[Anomaly]:
    """Find spikes (see ``spikes_find``), record one ``Anomaly`` per spike and notify once per spike.

    Returns the anomalies created by this scan (ongoing spikes update their row and are not returned).
    """
    now = now or timezone.now()
    created = []
    for spike in spikes_find(now=now, window=window):
        with transaction.atomic():
            ongoing = (
                Anomaly.objects.select_for_update()
                .filter(kind=spike.kind, key=spike.key, last_seen_at__gte=now - window - COOLDOWN)
                .order_by("-last_seen_at")
                .first()
            )
            if ongoing is not None:
                ongoing.customers = max(ongoing.customers, spike.customers)
                ongoing.tickets = max(ongoing.tickets, spike.tickets)
                ongoing.ticket_ids = sorted(set(ongoing.ticket_ids) | set(spike.ticket_ids))[:MAX_TICKET_IDS]
                ongoing.last_seen_at = now
                ongoing.save(update_fields=["customers", "tickets", "ticket_ids", "last_seen_at"])
                continue
            anomaly, made = Anomaly.objects.get_or_create(
                kind=spike.kind,
                key=spike.key,
                window_start=now - window,
                defaults={
                    "window_end": now,
                    "customers": spike.customers,
                    "tickets": spike.tickets,
                    "baseline": spike.baseline,
                    "p_value": spike.p_value,
                    "ticket_ids": spike.ticket_ids,
                    "last_seen_at": now,
                },
            )
        if made:
            _notify(anomaly)
            created.append(anomaly)
    return created
