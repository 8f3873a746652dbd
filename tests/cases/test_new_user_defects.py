# ruff: noqa: F811 (test parameters name the fixtures imported from tests/api/conftest.py)
"""Defects a new-user tester found through the widget and the staff API (no demo workspace needed: triage runs
without a classifier here, so every turn escalates, and drafts come from the factories)."""

import pytest
from rest_framework.test import APIClient

from apps.escalation.models import Handoff
from apps.escalation.services import handoff_create
from apps.tickets.models import Message, Ticket
from apps.tickets.services.conversation import conversation_human_request
from apps.workflows.choices import DraftStatus
from tests.api.conftest import WIDGET_KEY, _api_settings, token_client, widget  # noqa: F401 (the API fixtures)
from tests.factories import DraftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_api(agent_user):
    return token_client(agent_user)


def _conversation(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY, HTTP_X_CONVERSATION_TOKEN=token)
    return client


# --- 2. POST /api/v1/conversations/ with a message_id is stored once -------------------------------------------


def test_create_with_the_same_message_id_is_stored_once(widget):
    body = {"message": "How do I download my invoices as PDF?", "message_id": "m-1"}
    tickets, messages = Ticket.objects.count(), Message.objects.filter(author_kind="customer").count()
    first = widget.post("/api/v1/conversations/", body, format="json")
    again = widget.post("/api/v1/conversations/", body, format="json")
    assert first.status_code == 201, first.json()
    assert again.status_code == 201, again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (again.json()["id"], again.json()["token"]) == (first.json()["id"], first.json()["token"])
    assert Ticket.objects.count() == tickets + 1  # (the demo workspace may be loaded in this package)
    assert Message.objects.filter(author_kind="customer").count() == messages + 1
    ticket = Ticket.objects.get(pk=first.json()["id"])
    assert ticket.metadata["api"]["idempotency_key"] == "m-1"


def test_create_with_a_reused_message_id_and_other_text_is_refused(widget):
    tickets = Ticket.objects.count()
    widget.post("/api/v1/conversations/", {"message": "First question", "message_id": "m-2"}, format="json")
    other = widget.post("/api/v1/conversations/", {"message": "Another question", "message_id": "m-2"}, format="json")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == tickets + 1


def test_create_without_ids_still_creates_two_conversations(widget):
    body = {"message": "How do I download my invoices as PDF?"}
    tickets = Ticket.objects.count()
    assert widget.post("/api/v1/conversations/", body, format="json").status_code == 201
    assert widget.post("/api/v1/conversations/", body, format="json").status_code == 201
    assert Ticket.objects.count() == tickets + 2


# --- 3. the conversation's state follows the ticket once a handoff is resolved -------------------------------------


def test_resolving_an_unclaimed_handoff_ends_the_person_will_reply_notice(widget, agent_api):
    created = widget.post("/api/v1/conversations/", {"message": "My export keeps failing"}, format="json").json()
    customer = _conversation(created["token"])
    human = customer.post(f"/api/v1/conversations/{created['id']}/human/", {}, format="json")
    assert human.status_code in (200, 201), human.json()
    assert human.json()["conversation"]["state"] == "person_will_reply"
    handoff_id = human.json()["handoff_id"]
    resolved = agent_api.post(f"/api/v1/handoffs/{handoff_id}/resolve/", {}, format="json")
    assert resolved.status_code == 200, resolved.json()
    view = customer.get(f"/api/v1/conversations/{created['id']}/").json()
    assert view["status"] == "resolved"
    assert view["state"] == "resolved"
    assert view["notice"] == ""


# --- 1. opening a handoff supersedes the ticket's pending drafts ---------------------------------------------------


def _pending_draft():
    draft = DraftFactory(decision__reply_text="To reset your password, use Forgot password on the sign-in page.")
    Message.objects.create(ticket=draft.ticket, author_kind="customer", body="can I change my email too?",
                           created_at=draft.created_at.replace(year=2020))  # fmt: skip
    return draft


def test_human_request_supersedes_the_pending_draft_and_approving_it_is_a_409(agent_api):
    draft = _pending_draft()
    handoff, created = conversation_human_request(ticket=draft.ticket)
    assert created
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SUPERSEDED
    response = agent_api.post(f"/api/v1/drafts/{draft.pk}/approve/", {"version": 1}, format="json")
    assert response.status_code == 409, response.json()
    message = response.json()["error"]["message"]
    assert "handed to a person" in message and f"handoff {handoff.pk}" in message
    assert not Message.objects.filter(ticket=draft.ticket, author_kind="ai").exists()
    draft.ticket.refresh_from_db()
    assert draft.ticket.status == "escalated"
    assert Handoff.objects.get(pk=handoff.pk).status == "open"


def test_any_escalation_supersedes_pending_drafts_but_reject_still_records_the_rejection(agent_api):
    draft = _pending_draft()
    handoff_create(ticket=draft.ticket, queue_slug=None, reason="frustration trigger")
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (DraftStatus.SUPERSEDED, 2)

    other = _pending_draft()
    rejected = agent_api.post(
        f"/api/v1/drafts/{other.pk}/reject/", {"version": 1, "reason": "wrong_answer"}, format="json"
    )
    assert rejected.status_code == 200, rejected.json()
    other.refresh_from_db()
    assert other.status == DraftStatus.REJECTED


# --- 1 (end to end, demo workspace): the tester's widget conversation ----------------------------------------------


def _password_conversation(widget):
    from apps.workflows.services.triage import ticket_triage

    created = widget.post(
        "/api/v1/conversations/", {"message": "How do I reset my password? I forgot it."}, format="json"
    ).json()
    first = ticket_triage(ticket_id=created["id"])
    assert first.outcome == "resolve" and first.sent  # the demo's password category is in auto
    return created, first


def test_widget_follow_up_is_not_answered_with_the_first_answer(widget, demo_workspace):
    from apps.workflows.models import Draft
    from apps.workflows.services.triage import ticket_triage

    created, first = _password_conversation(widget)
    customer = _conversation(created["token"])
    posted = customer.post(
        f"/api/v1/conversations/{created['id']}/messages/",
        {"message": "thanks, and can I change my email too?"},
        format="json",
    )
    assert posted.status_code == 201, posted.json()
    second = ticket_triage(ticket_id=created["id"])
    ai = list(Message.objects.filter(ticket_id=created["id"], author_kind="ai").values_list("body", flat=True))
    assert ai == [first.reply_text]  # the password answer was not sent again
    assert not Draft.objects.filter(decision=second, body__contains=first.reply_text[:80]).exists()  # nor drafted
    turn = next(s for s in second.trace["steps"] if s["step"] == "turn")
    assert turn["conversation_confidence"] > 0.9 and turn["latest_confidence"] < 0.6
    assert second.outcome == "escalate"


def test_widget_person_request_supersedes_the_waiting_draft(widget, agent_api, demo_workspace):
    from apps.workflows.models import Decision, Draft

    created, _ = _password_conversation(widget)
    decision = Decision.objects.create(ticket_id=created["id"], turn=2, outcome="draft")  # the tester's draft 14
    pending = Draft.objects.create(ticket_id=created["id"], decision=decision, body="Use Forgot password.")
    human = _conversation(created["token"]).post(f"/api/v1/conversations/{created['id']}/human/", {}, format="json")
    assert human.status_code == 201, human.json()
    approved = agent_api.post(f"/api/v1/drafts/{pending.pk}/approve/", {"version": 1}, format="json")
    assert approved.status_code == 409, approved.json()
    assert "handed to a person" in approved.json()["error"]["message"]
    ticket = Ticket.objects.get(pk=created["id"])
    assert ticket.status == "escalated"
    assert Message.objects.filter(ticket=ticket, author_kind="ai").count() == 1
