"""The review actions as services: approve, edit then send, reject; version conflicts; stale drafts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.escalation.models import Handoff
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft
from apps.workflows.services.drafts import draft_approve, draft_edit_send, draft_recategorize, draft_reject
from tests.factories import CategoryFactory, MessageFactory

pytestmark = pytest.mark.django_db


def sent_messages(ticket):
    return list(Message.objects.filter(ticket=ticket).exclude(author_kind=AuthorKind.CUSTOMER))


def test_approve_sends_the_draft_as_an_ai_reply_reviewed_by_the_agent(draft, agent_user):
    result = draft_approve(draft_id=draft.pk, version=1, user=agent_user)

    assert result.status == DraftStatus.APPROVED
    assert result.version == 2
    assert result.reviewed_by == agent_user and result.reviewed_at is not None
    assert result.sent_body == draft.body
    [message] = sent_messages(draft.ticket)
    assert message.author_kind == AuthorKind.AI
    assert message.author_user == agent_user
    assert message.body == draft.body
    draft.ticket.refresh_from_db()
    assert draft.ticket.first_response_at is not None
    assert draft.ticket.status == TicketStatus.PENDING


def test_edit_send_stores_what_was_sent_and_keeps_the_ai_text(draft, agent_user):
    body = "  Settings → Billing → Invoices → PDF.  "
    result = draft_edit_send(draft_id=draft.pk, version=1, user=agent_user, body=body)

    assert result.status == DraftStatus.EDITED
    assert result.sent_body == "Settings → Billing → Invoices → PDF."
    assert result.body == draft.body  # the AI's text stays for the edit-size metric
    [message] = sent_messages(draft.ticket)
    assert (message.author_kind, message.author_user, message.body) == (
        AuthorKind.AGENT,
        agent_user,
        "Settings → Billing → Invoices → PDF.",
    )


def test_edit_send_with_unchanged_text_counts_as_approval(draft, agent_user):
    result = draft_edit_send(draft_id=draft.pk, version=1, user=agent_user, body=draft.body + "\n")
    assert result.status == DraftStatus.APPROVED
    assert sent_messages(draft.ticket)[0].author_kind == AuthorKind.AI


@pytest.mark.parametrize("body", ["", "   \n", "x" * 20_001])
def test_edit_send_refuses_empty_or_huge_text_and_sends_nothing(draft, agent_user, body):
    with pytest.raises(ValidationError):
        draft_edit_send(draft_id=draft.pk, version=1, user=agent_user, body=body)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PENDING and draft.version == 1
    assert sent_messages(draft.ticket) == []


def test_reject_escalates_to_the_category_queue_with_a_package(draft, agent_user, billing_queue):
    result = draft_reject(draft_id=draft.pk, version=1, user=agent_user, reason="wrong_answer", note="Wrong menu path")

    assert result.status == DraftStatus.REJECTED
    assert (result.reject_reason, result.reject_note) == ("wrong_answer", "Wrong menu path")
    assert sent_messages(draft.ticket) == []
    handoff = Handoff.objects.get(ticket=draft.ticket)
    assert handoff.queue == billing_queue
    assert handoff.decision_id == draft.decision_id
    assert "Wrong or incomplete answer" in handoff.reason and "Wrong menu path" in handoff.reason
    package = handoff.package
    assert package["why"]["kind"] == "draft_rejected"
    assert package["why"]["reject_reason"] == "wrong_answer"
    assert package["tried"]["draft"] == draft.body
    assert package["understood"]["category"] == "billing/invoice-copy"
    assert package["understood"]["confidence"] == pytest.approx(0.74)
    assert package["conversation"][0]["body"].startswith("Hi, I need last month's invoice")
    assert package["customer"]["tier"] == "pro"
    assert any(step.startswith("classified as billing/invoice-copy") for step in package["tried"]["steps"])
    draft.ticket.refresh_from_db()
    assert draft.ticket.status == TicketStatus.ESCALATED
    assert draft.ticket.queue == billing_queue


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [("because", "", "Unknown reject reason"), ("other", "  ", "note"), ("wrong_tone", "n" * 2001, "limit")],
)
def test_reject_validates_reason_and_note(draft, agent_user, reason, note, message):
    with pytest.raises(ValidationError, match=message):
        draft_reject(draft_id=draft.pk, version=1, user=agent_user, reason=reason, note=note)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PENDING
    assert not Handoff.objects.exists()


def test_second_action_on_the_same_version_is_a_conflict_and_sends_nothing_more(draft, agent_user, lead_user):
    draft_approve(draft_id=draft.pk, version=1, user=agent_user)
    with pytest.raises(ConflictError, match="already handled by agent1"):
        draft_approve(draft_id=draft.pk, version=1, user=lead_user)
    with pytest.raises(ConflictError):
        draft_reject(draft_id=draft.pk, version=1, user=lead_user, reason="wrong_answer")
    assert len(sent_messages(draft.ticket)) == 1
    assert not Handoff.objects.exists()


def test_outdated_version_is_a_conflict(draft, agent_user):
    draft.version = 3
    draft.save(update_fields=["version"])
    with pytest.raises(ConflictError, match="changed since you opened it") as caught:
        draft_approve(draft_id=draft.pk, version=2, user=agent_user)
    assert caught.value.extra["version"] == 3
    assert sent_messages(draft.ticket) == []


def test_unknown_draft_is_a_validation_error(agent_user):
    with pytest.raises(ValidationError, match="does not exist"):
        draft_approve(draft_id=999_999, version=1, user=agent_user)


def test_stale_draft_needs_confirmation(draft, agent_user):
    MessageFactory(
        ticket=draft.ticket,
        body="Also, can you change the billing address?",
        created_at=timezone.now() + timedelta(seconds=1),
    )
    with pytest.raises(ConflictError, match="wrote again") as caught:
        draft_approve(draft_id=draft.pk, version=1, user=agent_user)
    assert caught.value.extra["stale"] is True
    assert sent_messages(draft.ticket) == []

    result = draft_approve(draft_id=draft.pk, version=1, user=agent_user, confirm_stale=True)
    assert result.status == DraftStatus.APPROVED


def test_internal_notes_and_agent_messages_do_not_make_a_draft_stale(draft, agent_user):
    later = timezone.now() + timedelta(seconds=1)
    MessageFactory(ticket=draft.ticket, body="note to self", is_internal=True, created_at=later)
    MessageFactory(ticket=draft.ticket, body="agent follow-up", author_kind=AuthorKind.AGENT, created_at=later)
    assert draft_approve(draft_id=draft.pk, version=1, user=agent_user).status == DraftStatus.APPROVED


def test_recategorize_labels_the_ticket_and_keeps_the_draft_pending(draft, agent_user):
    refund = CategoryFactory(slug="billing/refund", name="Refund")
    result = draft_recategorize(draft_id=draft.pk, version=1, user=agent_user, category_slug="billing/refund")

    assert (result.status, result.version) == (DraftStatus.PENDING, 2)
    draft.ticket.refresh_from_db()
    assert draft.ticket.labelled_category == refund and draft.ticket.category == refund
    draft.decision.refresh_from_db()
    assert draft.decision.category.slug == "billing/invoice-copy"  # what the AI predicted stays on record
    with pytest.raises(ConflictError):  # the old version is gone
        draft_approve(draft_id=draft.pk, version=1, user=agent_user)
    with pytest.raises(ValidationError, match="does not exist"):
        draft_recategorize(draft_id=draft.pk, version=2, user=agent_user, category_slug="nope")
    assert draft_approve(draft_id=draft.pk, version=2, user=agent_user).status == DraftStatus.APPROVED


def test_superseded_draft_says_so(draft, agent_user):
    Draft.objects.filter(pk=draft.pk).update(status=DraftStatus.SUPERSEDED)
    with pytest.raises(ConflictError, match="superseded"):
        draft_approve(draft_id=draft.pk, version=1, user=agent_user)
    assert sent_messages(draft.ticket) == []


def test_snoozed_draft_leaves_the_queue_until_the_time_passes(draft, agent_user):
    from apps.workflows.selectors import pending_drafts
    from apps.workflows.services.drafts import draft_snooze

    now = timezone.now()
    result = draft_snooze(draft_id=draft.pk, version=1, user=agent_user, until=now + timedelta(hours=2), now=now)

    assert result.status == DraftStatus.PENDING and result.version == 2
    assert list(pending_drafts(now=now)) == []
    assert list(pending_drafts(now=now + timedelta(hours=1, minutes=59))) == []
    assert [d.pk for d in pending_drafts(now=now + timedelta(hours=2, seconds=1))] == [draft.pk]
    assert sent_messages(draft.ticket) == []


def test_snooze_with_a_stale_version_is_rejected_and_changes_nothing(draft, agent_user):
    from apps.workflows.services.drafts import draft_snooze

    draft_recategorize(draft_id=draft.pk, version=1, user=agent_user, category_slug=draft.decision.category.slug)
    with pytest.raises(ConflictError, match="changed since you opened it"):
        draft_snooze(draft_id=draft.pk, version=1, user=agent_user, until=timezone.now() + timedelta(hours=1))
    draft.refresh_from_db()
    assert draft.snoozed_until is None and draft.version == 2


@pytest.mark.parametrize("offset", [timedelta(minutes=-5), timedelta(days=8)])
def test_snooze_refuses_past_or_too_distant_times(draft, agent_user, offset):
    from apps.workflows.services.drafts import draft_snooze

    with pytest.raises(ValidationError):
        draft_snooze(draft_id=draft.pk, version=1, user=agent_user, until=timezone.now() + offset)
    draft.refresh_from_db()
    assert draft.snoozed_until is None and draft.version == 1


def test_opened_at_is_set_once(draft):
    from apps.workflows.services.drafts import draft_mark_opened

    first = timezone.now() - timedelta(minutes=3)
    assert draft_mark_opened(draft_id=draft.pk, now=first) is True
    assert draft_mark_opened(draft_id=draft.pk) is False
    draft.refresh_from_db()
    assert draft.opened_at == first
