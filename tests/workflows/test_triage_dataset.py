"""End to end on the shared helpdesk tickets: import history, train, then import new tickets with ``--triage``."""

import csv

import pytest
from django.db.models import Count

from apps.escalation.models import Handoff
from apps.escalation.triggers import trigger_rules_ensure_defaults
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.tickets.services.imports import tickets_import
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.classifier import classifier_train, classifier_version_activate
from apps.workflows.classifier.services import labelled_history
from apps.workflows.models import Category, ClassifierVersion, Decision, Draft

pytestmark = [pytest.mark.django_db, pytest.mark.dataset]
HISTORY_ROWS, NEW_ROWS = 150, 40


def slice_csv(source, target, rows: range) -> None:
    """Rows ``rows`` of the shared CSV into a temporary file (read at run time, never stored in the repo)."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        picked = [row for i, row in enumerate(reader) if i in rows]
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(picked)


def test_helpdesk_history_trains_the_classifier_and_new_imports_are_triaged(
    shared_data, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    trigger_rules_ensure_defaults()
    source = shared_data / "helpdesk_tickets" / "tickets_en_de.csv"
    slice_csv(source, tmp_path / "history.csv", range(HISTORY_ROWS))
    slice_csv(source, tmp_path / "new.csv", range(HISTORY_ROWS, HISTORY_ROWS + NEW_ROWS))
    tickets_import(path=tmp_path / "history.csv", format="helpdesk-tickets", source="history")
    texts, labels, _ = labelled_history(min_per_category=5)
    # Opening lines only: training on whole emails takes ~10 s here, and this test is about the pipeline.
    model = classifier_train(texts=[t[:300] for t in texts], labels=labels, refit=False)
    model.save(tmp_path / "classifier" / "helpdesk.joblib")
    classifier_version_activate(
        version=ClassifierVersion.objects.create(
            model_name=model.model_name, path="classifier/helpdesk.joblib", labels=model.labels
        )
    )
    Category.objects.update(rollout_state=RolloutState.AUTO, reply_template="Thanks {first_name}, we are on it.")

    with django_capture_on_commit_callbacks(execute=True):  # the triage_batch task runs (sync) after the commit
        tickets_import(path=tmp_path / "new.csv", format="helpdesk-tickets", source="new", triage=True)

    new = Ticket.objects.filter(source="new")
    assert new.count() == NEW_ROWS
    assert Decision.objects.filter(ticket__in=new).count() == NEW_ROWS
    assert not new.annotate(n=Count("decisions")).exclude(n=1).exists()
    by_outcome = dict(Decision.objects.filter(ticket__in=new).values_list("outcome").annotate(n=Count("id")))
    assert sum(by_outcome.values()) == NEW_ROWS and set(by_outcome) <= set(Outcome.values)
    resolved = new.filter(decisions__outcome=Outcome.RESOLVE)
    assert Message.objects.filter(ticket__in=resolved, author_kind=AuthorKind.AI).count() == resolved.count()
    assert Draft.objects.filter(ticket__in=new).count() == by_outcome.get(Outcome.DRAFT, 0)
    assert Handoff.objects.filter(ticket__in=new).count() == by_outcome.get(Outcome.ESCALATE, 0)
    for decision in Decision.objects.filter(ticket__in=new):
        assert [s["step"] for s in decision.trace["steps"]][:3] == ["context", "classify", "triggers"]
        assert decision.category is not None and decision.category.slug in model.labels
    assert not Ticket.objects.filter(source="history", decisions__isnull=False).exists()  # history stays as is
