"""``bug_report``: one tracker issue per error signature, every later ticket linked to it (and commented)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.core.errors import ProviderError, ValidationError
from apps.integrations.connections import connection_for, vendor_error_scrub

from .base import IssueDraft, ticket_url

MAX_SIGNATURE = 200
LOCAL_TRACKER_NAME = "Local tracker"


@dataclass(frozen=True)
class TrackerLink:
    """What ``bug_report`` did. ``ok`` False means the vendor refused or failed (``error`` says why; the failure is
    recorded in the CallLog, the connection's health and ``TrackerIssue.last_error``): the caller must escalate.

    ``created``: this call opened the vendor issue; ``linked``: this call linked the ticket (False when the ticket
    was already linked); ``customers``: distinct affected customers on the issue now.
    """

    ok: bool
    issue_id: int | None
    key: str
    url: str
    source: str
    created: bool = False
    linked: bool = False
    customers: int = 0
    error: str = ""


def tracker_connection(*, category_slug: str = ""):
    """The enabled tracker connection (Jira/Linear win over local ones; ``connections.connection_for``); when
    there is none, the local tracker connection (created once). Data source: the Connection table."""
    from apps.integrations.models import Connection

    connection = connection_for(service=Connection.Service.TRACKER, category_slug=category_slug)
    if connection is None:
        connection, _ = Connection.objects.get_or_create(
            name=LOCAL_TRACKER_NAME, defaults={"kind": Connection.Kind.LOCAL, "service": Connection.Service.TRACKER}
        )
    return connection


def tracker_backend(connection):
    """The backend object for a tracker connection: ``JiraTracker``, ``LinearTracker`` or ``LocalTracker``.
    Raises ``ValidationError`` for another kind or a connection missing its project / team."""
    kind = connection.kind
    if kind == "jira":
        from .jira_tracker import JiraTracker

        return JiraTracker(connection)
    if kind == "linear":
        from .linear_tracker import LinearTracker

        return LinearTracker(connection)
    if kind == "local":
        from .local import LocalTracker

        return LocalTracker(connection)
    raise ValidationError(f"Connection {connection.name!r} ({kind}) is not an issue tracker.")


def _customers_on(issue) -> int:
    """Distinct customers among the linked tickets: by contact, else each ticket counts as one."""
    rows = issue.links.values_list("ticket_id", "ticket__contact_id")
    return len({f"c{contact}" if contact else f"t{ticket}" for ticket, contact in rows})


def bug_report(*, signature: str, summary: str, steps: str, ticket, customers: int = 1) -> TrackerLink:
    """Report a bug seen in ``ticket`` to the issue tracker, deduplicated by ``signature``.

    ``signature``: the error signature (e.g. ``E-5031`` or ``session_invalidated_on_new_login``, ≤200 chars);
    ``summary``: one line; ``steps``: steps to reproduce (free text); ``ticket``: a ``tickets.Ticket``;
    ``customers``: affected customers this report stands for (e.g. a spike scan's count; default 1).

    The first report for a signature opens ONE issue (summary, steps, signature, affected customers, links to the
    tickets); every later report links its ticket to that issue and adds a comment — never a second issue, also
    under concurrent calls (the TrackerIssue row is created with a unique constraint and locked with
    SELECT … FOR UPDATE while the vendor is called). The customers count is the larger of ``customers`` and the
    distinct customers of the linked tickets, and never goes down.

    Returns a ``TrackerLink``; vendor failures do not raise: ``ok`` is False with ``error`` (recorded in the
    CallLog and on the issue row; the next report retries the creation). Raises ``ValidationError`` for an empty
    signature or summary. Data source: the tracker connection (``tracker_connection``) and TrackerIssue rows.
    """
    from apps.integrations.models import TrackerIssue, TrackerIssueTicket

    signature = (signature or "").strip()
    summary = (summary or "").strip()
    if not signature or len(signature) > MAX_SIGNATURE:
        raise ValidationError(f"A bug report needs an error signature of 1–{MAX_SIGNATURE} characters.")
    if not summary:
        raise ValidationError("A bug report needs a summary.")
    category_slug = ticket.category.slug if getattr(ticket, "category_id", None) else ""
    connection = tracker_connection(category_slug=category_slug)

    with transaction.atomic():
        issue, _ = TrackerIssue.objects.select_for_update().get_or_create(
            connection=connection, signature=signature, defaults={"summary": summary[:255], "steps": steps or ""}
        )
        link, linked = TrackerIssueTicket.objects.get_or_create(issue=issue, ticket=ticket)
        issue.reports_count += 1
        issue.customers_count = max(issue.customers_count, _customers_on(issue), int(customers or 0))
        result = {"issue_id": issue.pk, "source": connection.kind, "linked": linked}
        try:
            backend = tracker_backend(connection)
            if not issue.external_key:
                tickets = [lk.ticket for lk in issue.links.select_related("ticket")[:50]]
                draft = IssueDraft(
                    signature=signature,
                    summary=issue.summary,
                    steps=issue.steps,
                    customers=issue.customers_count,
                    ticket_links=[ticket_url(t) for t in tickets],
                )
                made = backend.issue_create(draft=draft, issue_id=issue.pk)
                issue.external_key, issue.url, issue.external_id = made.key, made.url, made.external_id
                issue.status, issue.last_error = TrackerIssue.Status.OPEN, ""
                issue.links.update(commented=True)  # the description lists them
                result["created"] = True
            elif not link.commented:
                backend.issue_comment(
                    key=issue.external_key,
                    external_id=issue.external_id,
                    text=(
                        f"Another ticket reports {signature}: {ticket_url(ticket)}\n"
                        f"Affected customers now: {issue.customers_count}"
                    ),
                )
                link.commented = True
                link.save(update_fields=["commented"])
        except (ProviderError, ValidationError) as exc:
            issue.last_error = vendor_error_scrub(str(exc))[:2000]
            if not issue.external_key:
                issue.status = TrackerIssue.Status.FAILED
            issue.save()
            return TrackerLink(
                ok=False,
                key=issue.external_key,
                url=issue.url,
                customers=issue.customers_count,
                error=vendor_error_scrub(str(exc))[:500],
                **result,
            )
        issue.save()
    return TrackerLink(ok=True, key=issue.external_key, url=issue.url, customers=issue.customers_count, **result)
