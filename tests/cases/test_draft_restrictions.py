"""The review queue's edit-then-send refuses edited text the guard rejects: nothing is sent, the draft stays."""

import pytest

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus
from apps.workflows.services.drafts import draft_edit_send
from tests.factories import DecisionFactory, DraftFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    ticket = TicketFactory(subject="Charged twice?")
    MessageFactory(ticket=ticket, body="Why was I charged twice this month?")
    decision = DecisionFactory(ticket=ticket, turn=1, reply_text="One charge belongs to INV-6001.")
    return DraftFactory(decision=decision, body="One charge belongs to INV-6001; the other is a released hold.")


def replies(ticket):
    return list(Message.objects.filter(ticket=ticket).exclude(author_kind=AuthorKind.CUSTOMER))


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Sorry about that, we will refund the second payment today.", "refund-promise"),
        ("I guarantee this won't happen again.", "guarantee"),
        ("You are entitled to a full refund.", "entitlement"),
        ("Details: [statement](https://evil.example/phish)", "outside-link"),
    ],
)
def test_edit_with_a_violation_is_refused_and_nothing_is_sent(draft, agent_user, body, named):
    with pytest.raises(ValidationError) as error:
        draft_edit_send(draft_id=draft.pk, version=1, user=agent_user, body=body)
    assert "not sent" in error.value.message and named in error.value.message
    assert [v["name"] for v in error.value.extra["violations"]] == [named]
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PENDING and draft.version == 1 and draft.sent_body == ""
    assert replies(draft.ticket) == []


def test_edit_without_a_violation_is_sent(draft, agent_user):
    body = "One charge belongs to INV-6001. We can't promise a refund; our billing team will look at it."
    result = draft_edit_send(draft_id=draft.pk, version=1, user=agent_user, body=body)
    assert result.status == DraftStatus.EDITED
    [message] = replies(draft.ticket)
    assert message.body == body
