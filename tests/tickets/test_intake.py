"""ticket_receive / message_receive: idempotent intake, contact and organization deduplication, reopening."""

from datetime import UTC, datetime

import pytest

from apps.core.errors import ConflictError, ValidationError
from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.tickets.services.intake import message_receive, ticket_receive
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def receive(**over):
    values = {
        "source": "api",
        "external_id": "chat-1",
        "channel": "chat",
        "body": "My invoice is wrong",
        "contact_email": "Anna@Acme.example",
        "contact_name": "Anna",
        "triage": False,
    }
    values.update(over)
    return ticket_receive(**values)


def test_ticket_receive_is_idempotent_on_source_and_external_id():
    ticket, created = receive(
        subject="Invoice",
        page_url="https://app.example/billing",
        page_context={"area": "billing"},
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    again, created_again = receive(body="a retried webhook with other text")

    assert created and not created_again and again.pk == ticket.pk
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    message = ticket.messages.get()
    assert (message.author_kind, message.body, message.created_at) == (
        "customer",
        "My invoice is wrong",
        datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert ticket.page_context == {"area": "billing"} and ticket.status == "new"
    # same external id from another source is another ticket
    other, created_other = receive(source="email")
    assert created_other and other.pk != ticket.pk


def test_contacts_dedupe_by_email_case_insensitively_and_organizations_by_domain_or_name():
    first, _ = receive(external_id="a")
    second, _ = receive(external_id="b", contact_email="anna@ACME.example", contact_name="")
    assert first.contact_id == second.contact_id and Contact.objects.count() == 1
    assert first.organization.domain == "acme.example" and second.organization_id == first.organization_id

    existing = OrganizationFactory(name="Globex Corporation")
    third, _ = receive(external_id="c", contact_email="hank@gmail.com", organization_name="globex corporation")
    assert third.organization_id == existing.id

    fourth, _ = receive(external_id="d", contact_email="joe@gmail.com", tier="enterprise")
    assert fourth.organization is None  # a free-mail domain says nothing about the company
    assert Organization.objects.count() == 2


def test_ticket_receive_rejects_bad_input_and_writes_nothing():
    with pytest.raises(ValidationError, match="needs a message body"):
        receive(body="   ")
    with pytest.raises(ValidationError, match="Unknown channel 'pigeon'"):
        receive(channel="pigeon")
    with pytest.raises(ValidationError, match="Unknown tier"):
        receive(tier="platinum")
    assert not Ticket.objects.exists() and not Contact.objects.exists()


def test_a_message_id_reused_by_another_ticket_is_a_conflict():
    receive(external_id="a", message_external_id="msg-1")
    with pytest.raises(ConflictError, match="msg-1"):
        receive(external_id="b", message_external_id="msg-1")
    assert Ticket.objects.count() == 1


def test_ticket_receive_caps_huge_bodies_with_a_note(settings):
    settings.IMPORT_MAX_TEXT_CHARS = 50
    ticket, _ = receive(body="x" * 80)
    assert len(ticket.messages.get().body) == 50
    assert ticket.metadata["truncated"] == {"body": {"original_chars": 80}}


def test_message_receive_dedupes_and_reopens_a_resolved_ticket():
    ticket, _ = receive()
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved", resolved_at=datetime(2024, 5, 2, tzinfo=UTC))
    ticket.refresh_from_db()

    message, created = message_receive(
        ticket=ticket,
        body="Still wrong!",
        external_id="<m2@acme.example>",
        email_message_id="<m2@acme.example>",
        triage=False,
    )
    again, created_again = message_receive(
        ticket=ticket, body="Still wrong!", external_id="<m2@acme.example>", triage=False
    )
    assert created and not created_again and again.pk == message.pk
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None
    assert list(ticket.messages.values_list("body", flat=True)) == ["My invoice is wrong", "Still wrong!"]


def test_agent_messages_do_not_reopen():
    ticket, _ = receive()
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")
    message_receive(ticket=ticket, body="Closing note from the agent", author_kind="agent", triage=False)
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    with pytest.raises(ValidationError, match="Unknown author kind"):
        message_receive(ticket=ticket, body="x", author_kind="robot")


def test_triage_is_enqueued_after_commit_once_per_new_ticket_and_customer_message(
    probe_triage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket, _ = receive(triage=True)
    with django_capture_on_commit_callbacks(execute=True):
        receive(triage=True)  # duplicate: nothing new, no triage
    with django_capture_on_commit_callbacks(execute=True):
        message_receive(ticket=ticket, body="any news?", external_id="m-2")
        message_receive(ticket=ticket, body="any news?", external_id="m-2")
    assert probe_triage == [("ticket", ticket.id), ("ticket", ticket.id)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_receives_of_one_ticket_store_it_once():
    import threading

    from django.db import connection

    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(receive(external_id="race", contact_email="Race@Example.com")[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert Ticket.objects.count() == 1 and Contact.objects.count() == 1 and Organization.objects.count() == 1
