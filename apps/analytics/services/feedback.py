"""Customer feedback on answers: stored as ``Feedback`` rows (API and signed links), reviewed when unhelpful.

A signed link (``django.core.signing``, salt ``analytics.feedback``, valid ``LINK_MAX_AGE`` seconds) carries the
ticket and the rated message; the public feedback page checks the signature before recording anything.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.models import Decision

from ..choices import FeedbackSource, ReviewState
from ..models import Feedback

LINK_SALT = "analytics.feedback"
LINK_MAX_AGE = 60 * 60 * 24 * 30  # 30 days
COMMENT_CHARS = 2000


def _decision_for(ticket: Ticket, message: Message | None) -> Decision | None:
    """The Decision behind the rated answer: the latest one made at or before the message (else the latest)."""
    decisions = Decision.objects.filter(ticket=ticket).order_by("-created_at", "-id")
    if message is not None:
        before = decisions.filter(created_at__lte=message.created_at).first()
        if before is not None:
            return before
    return decisions.first()


@transaction.atomic
def feedback_record(
    *,
    ticket: Ticket,
    csat: int | None = None,
    helpful: bool | None = None,
    message_id: int | None = None,
    comment: str = "",
    source: str = FeedbackSource.API,
) -> Feedback:
    """Store the rating of ``ticket`` (one reply, or the whole conversation) as a ``Feedback`` row linked to the
    Decision behind the answer.

    One rating per reply: the rater is the ticket's customer (conversation token or signed link), so there is one
    ``Feedback`` row per ``(ticket, message)`` (``message`` ``None`` = the conversation as a whole). Rating the
    same reply again *changes* that row — the fields sent replace the old ones, the previous version is appended
    to ``Feedback.history`` with its time, ``updated_at`` is set — and never adds a second rating that would
    count twice. Check ``feedback.updated_at is not None`` to tell a change (API: 200) from a first rating (201).

    ``csat``: 1–5 (also sets ``Ticket.csat``); ``helpful``: thumbs up/down; ``message_id``: the rated AI/agent
    reply of this ticket; ``source``: ``api`` or ``link``. A change to CSAT 1–2 or "not helpful" puts the answer
    (back) on the review list; a change to a good rating takes it off.
    Raises ``ValidationError`` when neither ``csat`` nor ``helpful`` is given, ``csat`` is outside 1–5, or
    ``message_id`` is not a customer-visible reply in this ticket. Nothing is stored on error.
    """
    if csat is None and helpful is None:
        raise ValidationError("Send a CSAT score (1–5), a helpful flag, or both.")
    if csat is not None and not 1 <= csat <= 5:
        raise ValidationError("CSAT must be between 1 and 5.", extra={"csat": csat})
    if source not in FeedbackSource.values:
        raise ValidationError(f"Unknown feedback source {source!r}.")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    message = None
    if message_id is not None:
        message = Message.objects.filter(
            pk=message_id, ticket=ticket, is_internal=False, author_kind__in=[AuthorKind.AI, AuthorKind.AGENT]
        ).first()
        if message is None:
            raise ValidationError(
                "That message is not a reply in this conversation.", extra={"message_id": message_id}
            )
    now = timezone.now()
    # the ticket row is locked above: two posts for the same reply cannot both create a row
    feedback = Feedback.objects.filter(ticket=ticket, message=message).order_by("created_at", "id").first()
    if feedback is not None:
        feedback.history = [
            *feedback.history,
            {
                "csat": feedback.csat,
                "helpful": feedback.helpful,
                "comment": feedback.comment,
                "source": feedback.source,
                "at": (feedback.updated_at or feedback.created_at).isoformat(),
            },
        ]
        if csat is not None:
            feedback.csat = csat
        if helpful is not None:
            feedback.helpful = helpful
        if comment:
            feedback.comment = comment[:COMMENT_CHARS]
        feedback.source = source
        feedback.updated_at = now
        if _unhappy(feedback.csat, feedback.helpful):
            feedback.review_state, feedback.reviewed_by = ReviewState.OPEN, None
        else:  # the customer took the low rating back: off the review list (the history keeps it)
            feedback.review_state = ReviewState.REVIEWED
        feedback.save(
            update_fields=[
                "history",
                "csat",
                "helpful",
                "comment",
                "source",
                "updated_at",
                "review_state",
                "reviewed_by",
            ]
        )
    else:
        feedback = _feedback_create(ticket, message, csat, helpful, comment, source, now)
    if csat is not None:
        ticket.csat = csat
        ticket.save(update_fields=["csat", "updated_at"])
    return feedback


def _feedback_create(ticket, message, csat, helpful, comment, source, now) -> Feedback:
    return Feedback.objects.create(
        ticket=ticket,
        decision=_decision_for(ticket, message),
        message=message,
        csat=csat,
        helpful=helpful,
        comment=(comment or "")[:COMMENT_CHARS],
        source=source,
        review_state=ReviewState.OPEN if _unhappy(csat, helpful) else ReviewState.REVIEWED,
        created_at=now,
    )


def _unhappy(csat: int | None, helpful: bool | None) -> bool:
    """'Not helpful', or CSAT 1–2: the answer goes on the review list."""
    return helpful is False or (csat is not None and csat <= 2)


def feedback_token(*, ticket_id: int, message_id: int | None = None) -> str:
    """A signed, URL-safe token naming the ticket and the rated reply (no secrets inside, tamper-proof)."""
    return signing.dumps({"t": int(ticket_id), "m": message_id}, salt=LINK_SALT, compress=True)


def feedback_link(*, ticket_id: int, message_id: int | None = None) -> str:
    """The absolute URL of the public rating page for a reply (``settings.SITE_URL`` + path, if set)."""
    token = feedback_token(ticket_id=ticket_id, message_id=message_id)
    path = reverse("analytics:feedback_link", kwargs={"token": token})
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def feedback_footer(*, ticket_id: int, message_id: int | None = None) -> str:
    """A line to put under a reply: 'Was this helpful? Rate this answer: <link>'."""
    return f"Was this answer helpful? Rate it here: {feedback_link(ticket_id=ticket_id, message_id=message_id)}"


def feedback_token_read(token: str) -> tuple[Ticket, int | None]:
    """Check ``token``'s signature and age; returns ``(ticket, message_id)``.

    Raises ``ValidationError`` for a bad or expired signature or a ticket that no longer exists.
    """
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError("This rating link has expired.") from exc
    except signing.BadSignature as exc:
        raise ValidationError("This rating link is not valid.") from exc
    ticket = Ticket.objects.filter(pk=data.get("t")).first()
    if ticket is None:
        raise ValidationError("This conversation no longer exists.")
    return ticket, data.get("m")


def feedback_record_from_link(*, token: str, csat: int | None, helpful: bool | None, comment: str = "") -> Feedback:
    """Record a rating sent through a signed link (source ``link``). Errors as ``feedback_token_read`` and
    ``feedback_record``."""
    ticket, message_id = feedback_token_read(token)
    return feedback_record(
        ticket=ticket, csat=csat, helpful=helpful, message_id=message_id, comment=comment, source=FeedbackSource.LINK
    )


@transaction.atomic
def feedback_mark_reviewed(*, feedback_id: int, user) -> Feedback:
    """Take an unhelpful answer off the review list. Raises ``ValidationError`` for an unknown id."""
    feedback = Feedback.objects.select_for_update().filter(pk=feedback_id).first()
    if feedback is None:
        raise ValidationError(f"No feedback {feedback_id}.")
    feedback.review_state = ReviewState.REVIEWED
    feedback.reviewed_by = user
    feedback.save(update_fields=["review_state", "reviewed_by"])
    return feedback
