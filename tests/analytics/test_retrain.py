"""Training examples from draft edits and category corrections; retraining compares before it activates."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.analytics.choices import ExampleSource
from apps.analytics.models import RetrainRun, TrainingExample
from apps.analytics.services.training import F1_TOLERANCE, classifier_retrain, edit_ratio, training_examples_build
from apps.tickets.choices import AuthorKind
from apps.workflows.choices import DraftStatus
from apps.workflows.classifier import classifier_train_from_history
from apps.workflows.models import ClassifierVersion
from tests.factories import CategoryFactory, DecisionFactory, DraftFactory, MessageFactory, TicketFactory
from tests.workflows.test_classifier_history import make_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def corrections():
    """Two tickets: one whose draft an agent rewrote, one whose category a lead corrected."""
    billing, howto = CategoryFactory(slug="billing"), CategoryFactory(slug="how-to")
    edited = TicketFactory(subject="Invoice copy", labelled_category=billing)
    MessageFactory(ticket=edited, author_kind=AuthorKind.CUSTOMER, body="Please send my March invoice again")
    decision = DecisionFactory(ticket=edited, category=billing)
    DraftFactory(
        decision=decision, status=DraftStatus.EDITED, body="Here it is.", sent_body="Here is your March invoice."
    )
    DraftFactory(
        decision=DecisionFactory(ticket=TicketFactory(), category=billing), status=DraftStatus.APPROVED, sent_body="x"
    )
    corrected = TicketFactory(subject="Export", labelled_category=howto)  # a lead relabelled billing → how-to
    MessageFactory(ticket=corrected, author_kind=AuthorKind.CUSTOMER, body="How do I export my timesheets?")
    DecisionFactory(ticket=corrected, category=billing)
    return edited, corrected


def test_examples_come_from_edits_and_corrections_once(corrections):
    edited, corrected = corrections
    assert training_examples_build() == {"draft_edit": 1, "category_correction": 1}
    assert training_examples_build() == {"draft_edit": 0, "category_correction": 0}  # idempotent
    edit = TrainingExample.objects.get(source=ExampleSource.DRAFT_EDIT)
    assert (edit.ticket_id, edit.category_slug) == (edited.pk, "billing")
    assert edit.text == "Invoice copy\nPlease send my March invoice again"
    assert edit.reply_text == "Here is your March invoice." and 0 < edit.edit_ratio < 1
    fix = TrainingExample.objects.get(source=ExampleSource.CATEGORY_CORRECTION)
    assert (fix.ticket_id, fix.category_slug) == (corrected.pk, "how-to")


def test_edit_ratio():
    assert edit_ratio("same", "same") == 0
    assert edit_ratio("abc", "xyz") == 1


def test_retrain_compares_on_the_same_holdout_and_applies_the_gate(corrections):
    make_history(n_per_topic=10)
    first = classifier_train_from_history(min_per_category=5)
    run = classifier_retrain(min_per_category=5)
    assert run.previous == first and run.n_examples == 2 and run.n_holdout > 0
    cand, prev = run.candidate_metrics, run.previous_metrics
    assert {"accuracy", "macro_f1"} <= set(cand) and {"accuracy", "macro_f1", "active_file"} <= set(prev)
    expected = cand["accuracy"] >= prev["accuracy"] and cand["macro_f1"] >= prev["macro_f1"] - F1_TOLERANCE
    assert run.activated is expected
    active = ClassifierVersion.objects.get(is_active=True)
    assert active == (run.candidate if expected else first)


def test_a_worse_candidate_is_not_activated(corrections, monkeypatch):
    """The gate itself: a candidate that measures worse leaves the active model in place."""
    import apps.analytics.services.training as training

    make_history(n_per_topic=10)
    first = classifier_train_from_history(min_per_category=5)
    reset, bugs = CategoryFactory(slug="account/password-reset"), CategoryFactory(slug="product/bug-report")
    for i in range(10):  # leads moved ten tickets from bug reports to password resets
        ticket = TicketFactory(subject=f"Cannot sign in {i}", labelled_category=reset)
        MessageFactory(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body="the reset email never arrives")
        DecisionFactory(ticket=ticket, category=bugs)
    scores = iter([{"accuracy": 0.5, "macro_f1": 0.5}, {"accuracy": 0.9, "macro_f1": 0.9}, {"accuracy": 1.0}])
    monkeypatch.setattr(training, "_measure", lambda *a, **k: dict(next(scores)))
    run = classifier_retrain(min_per_category=5)
    assert run.n_examples == 12
    assert run.activated is False and "worse" in run.reason
    assert ClassifierVersion.objects.get(is_active=True) == first
    assert run.candidate is not None and not run.candidate.is_active


def test_retrain_command_prints_both(corrections):
    make_history(n_per_topic=10)
    classifier_train_from_history(min_per_category=5)
    out = StringIO()
    call_command("retrain", stdout=out)
    text = out.getvalue()
    assert "candidate" in text and "previous" in text and "held-out tickets" in text
    assert RetrainRun.objects.count() == 1
