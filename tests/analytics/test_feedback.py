"""Feedback: API ratings become Feedback rows, signed links (bad signatures rejected), the unhelpful review list."""

import pytest
from django.core import signing
from rest_framework.test import APIClient

from apps.analytics.choices import FeedbackSource, ReviewState
from apps.analytics.models import Feedback
from apps.analytics.services.feedback import LINK_SALT, feedback_link, feedback_record, feedback_token
from apps.core.errors import ValidationError
from apps.tickets.services.replies import reply_send
from tests.factories import DecisionFactory, TicketFactory

pytestmark = pytest.mark.django_db
WIDGET_KEY = "sb_pk_test_analytics"


@pytest.fixture
def answered():
    ticket = TicketFactory(subject="Where is my invoice?")
    decision = DecisionFactory(ticket=ticket, outcome="resolve", sent=True, trace={"steps": [{"step": "classify"}]})
    message = reply_send(ticket=ticket, body="Settings → Billing → Invoices.", author_kind="ai")
    return ticket, decision, message


def test_api_rating_is_stored_as_feedback_with_its_decision(settings, answered):
    from django.core.cache import cache

    settings.WIDGET_PUBLIC_KEY = WIDGET_KEY
    cache.clear()
    widget = APIClient()
    widget.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY)
    created = widget.post(
        "/api/v1/conversations/",
        {"message": "Where is my invoice?", "contact": {"email": "ana@shop.example"}},
        format="json",
    ).json()
    from apps.tickets.models import Ticket

    ticket = Ticket.objects.get(pk=created["id"])
    answer = reply_send(ticket=ticket, body="See Settings → Billing.", author_kind="ai")
    client = APIClient()
    client.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY, HTTP_X_CONVERSATION_TOKEN=created["token"])
    response = client.post(
        f"/api/v1/conversations/{ticket.pk}/feedback/", {"helpful": False, "message_id": answer.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    feedback = Feedback.objects.get()
    assert (feedback.source, feedback.helpful, feedback.message_id) == (FeedbackSource.API, False, answer.pk)
    assert feedback.review_state == ReviewState.OPEN
    ticket.refresh_from_db()
    assert "feedback" not in ticket.metadata


def test_feedback_record_links_the_decision_and_sets_csat(answered):
    ticket, decision, message = answered
    feedback = feedback_record(ticket=ticket, csat=2, message_id=message.pk, comment="not what I asked")
    ticket.refresh_from_db()
    assert feedback.decision == decision and ticket.csat == 2
    assert feedback.review_state == ReviewState.OPEN  # CSAT 2 counts as unhappy
    happy = feedback_record(ticket=ticket, csat=5)
    assert happy.review_state == ReviewState.REVIEWED
    with pytest.raises(ValidationError):
        feedback_record(ticket=ticket, csat=7)
    assert Feedback.objects.count() == 2


def test_signed_link_records_a_rating(client, answered):
    ticket, _, message = answered
    url = feedback_link(ticket_id=ticket.pk, message_id=message.pk)
    page = client.get(url + "?csat=4")
    assert page.status_code == 200 and b"How did we do?" in page.content
    done = client.post(url, {"csat": "4", "helpful": "no", "comment": "slow"})
    assert done.status_code == 200 and b"Thank you" in done.content
    feedback = Feedback.objects.get()
    assert (feedback.source, feedback.csat, feedback.helpful, feedback.message_id) == ("link", 4, False, message.pk)
    assert feedback.comment == "slow"


def test_bad_or_tampered_signature_is_rejected_and_records_nothing(client, answered):
    ticket, _, message = answered
    token = feedback_token(ticket_id=ticket.pk, message_id=message.pk)
    forged = signing.dumps({"t": ticket.pk, "m": message.pk}, salt="another-salt")
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    for bad in (forged, tampered, "garbage"):
        response = client.post(f"/analytics/rate/{bad}/", {"csat": "1"})
        assert response.status_code == 400 and b"not valid" in response.content
    assert not Feedback.objects.exists()
    assert signing.loads(token, salt=LINK_SALT)["t"] == ticket.pk


def test_agents_cannot_open_the_review_list(agent_client):
    assert agent_client.get("/analytics/feedback/").status_code == 403


def test_unhelpful_answers_review_list_with_trace(lead_client, answered):
    ticket, decision, message = answered
    bad = feedback_record(ticket=ticket, helpful=False, message_id=message.pk, comment="wrong menu")
    other = reply_send(ticket=ticket, body="Anything else?", author_kind="ai")
    feedback_record(ticket=ticket, helpful=True, message_id=other.pk)
    page = lead_client.get("/analytics/feedback/")
    html = page.content.decode()
    assert page.status_code == 200 and f'data-feedback="{bad.pk}"' in html and "wrong menu" in html
    assert f"Decision {decision.pk}" in html and "classify" in html
    assert html.count("data-feedback=") == 1  # the helpful one is not listed
    assert lead_client.post(f"/analytics/feedback/{bad.pk}/reviewed/").status_code == 302
    bad.refresh_from_db()
    assert bad.review_state == ReviewState.REVIEWED
    assert 'data-feedback="' not in lead_client.get("/analytics/feedback/").content.decode()


def test_rating_the_same_reply_again_changes_it_and_keeps_history(settings, answered):
    """One rating per reply per customer: {"csat": 5} then {"csat": 1} on the same reply is one Feedback row
    (201, then 200), now 1 and back on the review list, the 5 kept in its history; the ticket's CSAT counts once.
    A rating of another reply (or of the conversation as a whole) is a rating of its own."""
    from django.core.cache import cache

    from apps.tickets.models import Ticket

    settings.WIDGET_PUBLIC_KEY = WIDGET_KEY
    cache.clear()
    widget = APIClient()
    widget.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY)
    created = widget.post(
        "/api/v1/conversations/",
        {"message": "Where is my invoice?", "contact": {"email": "b@shop.example"}},
        format="json",
    ).json()
    ticket = Ticket.objects.get(pk=created["id"])
    answer = reply_send(ticket=ticket, body="See Settings → Billing.", author_kind="ai")
    client = APIClient()
    client.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY, HTTP_X_CONVERSATION_TOKEN=created["token"])
    url = f"/api/v1/conversations/{ticket.pk}/feedback/"

    first = client.post(url, {"csat": 5, "message_id": answer.pk, "comment": "great"}, format="json")
    assert first.status_code == 201, first.json()
    again = client.post(url, {"csat": 1, "message_id": answer.pk}, format="json")
    assert again.status_code == 200, again.json()
    assert again.json()["csat"] == 1 and again.json()["comment"] == "great"

    feedback = Feedback.objects.get(ticket=ticket)  # still one row: the rating changed, no second vote
    assert (feedback.csat, feedback.review_state) == (1, ReviewState.OPEN)
    assert [(h["csat"], h["comment"]) for h in feedback.history] == [(5, "great")]
    assert feedback.updated_at is not None and feedback.updated_at >= feedback.created_at
    ticket.refresh_from_db()
    assert ticket.csat == 1

    whole = client.post(url, {"csat": 4}, format="json")  # the conversation as a whole: its own rating
    assert whole.status_code == 201
    assert Feedback.objects.filter(ticket=ticket).count() == 2
    assert client.post(url, {"csat": 3}, format="json").status_code == 200
    assert Feedback.objects.filter(ticket=ticket).count() == 2
    bad = client.post(url, {"csat": 9, "message_id": answer.pk}, format="json")
    assert bad.status_code == 400
    assert Feedback.objects.get(ticket=ticket, message=answer).csat == 1  # bad input loses nothing


def test_signed_link_rated_twice_is_one_rating(client, answered):
    ticket, _, message = answered
    url = feedback_link(ticket_id=ticket.pk, message_id=message.pk)
    assert client.post(url, {"csat": "2"}).status_code == 200
    assert client.post(url, {"csat": "4", "helpful": "yes"}).status_code == 200
    feedback = Feedback.objects.get()
    assert (feedback.csat, feedback.helpful, len(feedback.history)) == (4, True, 1)
    assert feedback.history[0]["csat"] == 2 and feedback.history[0]["source"] == "link"
    assert feedback.review_state == ReviewState.REVIEWED  # the customer took the low rating back
