"""Importing the shared public data sets end to end (full files: 1,872 helpdesk tickets, 3,624 Bitext rows)."""

import csv
from collections import Counter

import pytest
from django.db.models import Count, F

from apps.tickets.models import Message, Ticket
from apps.tickets.services.imports import tickets_import
from apps.workflows.models import Category

pytestmark = [pytest.mark.django_db, pytest.mark.dataset]


def test_helpdesk_tickets_import_with_queue_as_category_and_reruns_idempotently(shared_data):
    path = shared_data / "helpdesk_tickets" / "tickets_en_de.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        queues = Counter(row["queue"] for row in csv.DictReader(handle))

    result = tickets_import(path=path, format="helpdesk-tickets")

    assert (result.rows_read, result.imported, result.invalid, result.duplicates) == (1872, 1872, 0, 0)
    assert result.categories_created == 10 and result.messages == 2 * 1872
    per_label = Ticket.objects.values_list("labelled_category__name").annotate(n=Count("id")).order_by()
    assert dict(per_label) == dict(queues)
    assert not Ticket.objects.exclude(category=F("labelled_category")).exists()
    assert Ticket.objects.filter(category__slug="billing-and-payments").count() == queues["Billing and Payments"]
    assert set(Ticket.objects.values_list("language", flat=True)) == {"en", "de"}
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"low", "normal", "high"}
    assert Ticket.objects.filter(tags__contains=["Security"]).exists()
    assert Ticket.objects.filter(metadata__type="Incident").count() == 748

    again = tickets_import(path=path, format="helpdesk-tickets")
    assert (again.imported, again.duplicates) == (0, 1872) and Ticket.objects.count() == 1872


def test_bitext_import_labels_intents_and_keeps_the_coarse_category(shared_data):
    path = shared_data / "bitext" / "bitext_customer_support_train.csv"
    result = tickets_import(path=path, format="bitext")

    assert (result.rows_read, result.imported, result.invalid) == (3624, 3624, 0)
    assert Category.objects.count() == 27
    human = Ticket.objects.filter(labelled_category__slug="contact-human-agent")
    assert human.count() == 129 and human.first().channel == "chat"
    assert Ticket.objects.filter(metadata__bitext_category="ORDER").count() == 518
    assert Message.objects.filter(author_kind="agent").count() == 3624


def test_imported_helpdesk_tickets_are_triaged_end_to_end(shared_data, tmp_path, django_capture_on_commit_callbacks):
    """``--triage`` on a slice of the helpdesk file: every imported ticket ends with a Decision (real task)."""
    from apps.workflows.models import Decision

    source = shared_data / "helpdesk_tickets" / "tickets_en_de.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:61]
    path = tmp_path / "slice.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)

    with django_capture_on_commit_callbacks(execute=True):
        result = tickets_import(path=path, format="helpdesk-tickets", triage=True)

    assert result.imported == 60 and result.triage_enqueued is True
    decided = set(Decision.objects.values_list("ticket_id", flat=True))
    assert decided == set(result.ticket_ids)
