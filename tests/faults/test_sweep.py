"""The triage sweep: which tickets it re-enqueues (and which it leaves alone), and that sweeping twice or
re-delivering a triage task never doubles a Decision, a reply or a draft."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from django_q.tasks import async_task

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind, TicketSource, TicketStatus
from apps.tickets.models import Message
from apps.workflows.models import Decision
from apps.workflows.services.sweep import tickets_untriaged, triage_sweep
from apps.workflows.tasks import triage_batch, triage_sweep_task, triage_ticket
from tests.factories import DecisionFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def waiting(minutes_ago: float, *, source=TicketSource.CHAT, status=TicketStatus.NEW, extra=()):
    """A ticket whose one customer message arrived ``minutes_ago``; ``extra``: (author_kind, minutes_ago) more."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    ticket = TicketFactory(source=source, status=status, created_at=at)
    MessageFactory(ticket=ticket, author_kind=AuthorKind.CUSTOMER, created_at=at, body="I cannot log in")
    for kind, ago in extra:
        MessageFactory(ticket=ticket, author_kind=kind, created_at=timezone.now() - timedelta(minutes=ago))
    return ticket


def test_finds_only_live_tickets_whose_latest_customer_turn_is_undecided():
    lost = waiting(30)
    lost_followup = waiting(90, status=TicketStatus.OPEN, extra=[(AuthorKind.AI, 80), (AuthorKind.CUSTOMER, 20)])
    DecisionFactory(ticket=lost_followup, turn=1)  # turn 2 (the follow-up) has none
    escalated_followup = waiting(40, status=TicketStatus.ESCALATED, extra=[(AuthorKind.CUSTOMER, 15)])
    DecisionFactory(ticket=escalated_followup, turn=1)

    decided = waiting(30)
    DecisionFactory(ticket=decided, turn=1)
    too_fresh = waiting(2)  # its task is probably still queued
    too_old = waiting(60 * 30)  # outside the look-back: history, not a lost task
    imported = waiting(30, source=TicketSource.IMPORT)  # imports choose whether to triage
    demo = waiting(30, source=TicketSource.DEMO)
    answered = waiting(30, extra=[(AuthorKind.AGENT, 25)])  # a person replied: nothing to triage
    resolved = waiting(30, status=TicketStatus.RESOLVED)  # an agent closed it
    internal_note_last = waiting(30)
    Message.objects.create(
        ticket=internal_note_last, author_kind=AuthorKind.AGENT, is_internal=True, body="n", created_at=timezone.now()
    )  # an internal note is not an answer: still waiting

    found = tickets_untriaged(older_than_minutes=10, lookback_hours=24)

    assert set(found) == {lost.pk, lost_followup.pk, escalated_followup.pk, internal_note_last.pk}
    assert not {decided.pk, too_fresh.pk, too_old.pk, imported.pk, demo.pk, answered.pk, resolved.pk} & set(found)


def test_oldest_waiting_first_and_limit():
    tickets = [waiting(minutes) for minutes in (20, 60, 40)]
    assert tickets_untriaged(older_than_minutes=10, lookback_hours=24) == [tickets[1].pk, tickets[2].pk, tickets[0].pk]
    assert tickets_untriaged(older_than_minutes=10, lookback_hours=24, limit=1) == [tickets[1].pk]


@pytest.mark.parametrize(("after", "lookback"), [(-1, 24), (10, 0), (120, 1)])
def test_bad_windows_are_refused(after, lookback):
    with pytest.raises(ValidationError):
        tickets_untriaged(older_than_minutes=after, lookback_hours=lookback)


def test_defaults_come_from_settings(settings):
    ticket = waiting(30)
    settings.TRIAGE_SWEEP_AFTER_MINUTES = 45
    assert tickets_untriaged() == []
    settings.TRIAGE_SWEEP_AFTER_MINUTES = 15
    assert tickets_untriaged() == [ticket.pk]


def test_sweep_enqueues_batches_in_the_queue(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # keep the tasks in the ORM queue to look at them
    tickets = [waiting(30) for _ in range(3)]
    monkeypatch.setattr("apps.workflows.services.sweep.SWEEP_BATCH", 2)

    result = triage_sweep(older_than_minutes=10)

    assert sorted(result.ticket_ids) == sorted(t.pk for t in tickets)
    assert len(result.tasks) == 2 and OrmQ.objects.count() == 2
    payloads = sorted(len(q.task["args"][0]) for q in OrmQ.objects.all())
    assert payloads == [1, 2] and {q.task["func"] for q in OrmQ.objects.all()} == {"apps.workflows.tasks.triage_batch"}
    assert triage_sweep(older_than_minutes=10, enqueue=False).tasks == []


def test_sweep_task_triages_the_lost_tickets_once_and_a_second_sweep_finds_nothing():
    """Sync mode (test settings): the sweep's batch task runs at once; no classifier is trained, so each ticket
    gets an escalation Decision and no reply."""
    tickets = [waiting(30) for _ in range(3)]

    summary = triage_sweep_task(older_than_minutes=10)

    assert summary["found"] == 3 and summary["tasks"] == 1
    assert Decision.objects.filter(ticket__in=tickets).count() == 3
    assert triage_sweep_task(older_than_minutes=10)["found"] == 0
    assert not Message.objects.filter(ticket__in=tickets, author_kind=AuthorKind.AI).exists()


def test_a_redelivered_task_does_not_decide_twice():
    ticket = waiting(30)
    first = triage_ticket(ticket.pk)
    again = triage_ticket(ticket.pk)  # the cluster re-delivers a task whose result it never saved
    counts = triage_batch([ticket.pk, ticket.pk])  # and the sweep enqueued it as well
    async_task("apps.workflows.tasks.triage_ticket", ticket.pk)  # through django-q2 (sync in tests)
    assert first == again and counts["total"] == 0 and counts["skipped"] >= 1
    assert Decision.objects.filter(ticket=ticket).count() == 1


def test_a_crash_in_triage_escalates_the_ticket_to_a_person_once(monkeypatch):
    from apps.escalation.models import Handoff
    from apps.workflows.choices import Outcome

    ticket = waiting(30)

    def broken(**kwargs):
        raise NameError("name '_closing' is not defined")  # the kind of bug seen mid-session

    monkeypatch.setattr("apps.workflows.tasks.ticket_triage", broken)
    decision_id = triage_ticket(ticket.pk)
    assert triage_ticket(ticket.pk) == decision_id  # a re-delivered task finds the same Decision

    decision = Decision.objects.get(ticket=ticket)
    assert decision.pk == decision_id and decision.outcome == Outcome.ESCALATE and not decision.sent
    assert decision.reason == "triage failed: NameError: name '_closing' is not defined"
    assert decision.trace["why"] == "triage_error"
    handoff = Handoff.objects.get(ticket=ticket)
    assert handoff.decision == decision and handoff.queue.slug == "support"
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()
    assert tickets_untriaged(older_than_minutes=10) == []  # the sweep leaves it to the person


def test_a_crashing_batch_falls_back_to_one_ticket_at_a_time(monkeypatch):
    tickets = [waiting(30) for _ in range(3)]

    def broken_bulk(**kwargs):
        raise RuntimeError("bulk path bug")

    monkeypatch.setattr("apps.workflows.tasks.tickets_triage_bulk", broken_bulk)
    assert triage_batch([t.pk for t in tickets] + [999_999_999]) == {"total": 3, "fallback": "one by one"}
    assert Decision.objects.filter(ticket__in=tickets).count() == 3
    assert not Decision.objects.filter(reason__startswith="triage failed").exists()  # each ran the real engine


def test_a_dropped_database_connection_is_retried_with_a_new_connection(monkeypatch):
    from django.db import OperationalError

    import apps.workflows.tasks as tasks

    ticket = waiting(30)
    real = tasks.ticket_triage
    calls = []
    closed = []
    monkeypatch.setattr(tasks.connection, "close", lambda: closed.append(1))  # the test's transaction stays

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("terminating connection due to administrator command")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "ticket_triage", flaky)
    decision_id = triage_ticket(ticket.pk)
    assert len(calls) == 3 and len(closed) == 2
    assert Decision.objects.get(ticket=ticket).pk == decision_id
    assert not Decision.objects.filter(reason__startswith="triage failed").exists()


def test_an_unknown_ticket_is_an_error_not_an_escalation():
    with pytest.raises(ValidationError):
        triage_ticket(999_999_999)
