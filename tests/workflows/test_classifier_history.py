"""Training on labelled history records and activates a ClassifierVersion; the active one is reloaded."""

import pytest
from django.core.management import call_command

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind
from apps.workflows.classifier import classifier_train_from_history, get_active_classifier
from apps.workflows.models import ClassifierVersion
from tests.factories import CategoryFactory, MessageFactory, TicketFactory
from tests.workflows.test_classifier import synthetic_texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def make_history(n_per_topic: int = 12, seed: int = 0) -> None:
    texts, labels = synthetic_texts(n_per_topic, seed=seed)
    for i, (text, slug) in enumerate(zip(texts, labels, strict=True)):
        category = CategoryFactory(slug=slug)
        subject, _, body = text.partition(" ")
        ticket = TicketFactory(subject=subject, labelled_category=category, external_id=f"H-{seed}-{i}")
        # An internal note and an agent reply must not leak into the training text.
        MessageFactory(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body=body)
        MessageFactory(ticket=ticket, author_kind=AuthorKind.AGENT, body="password reset link sent")


def test_train_from_history_records_activates_and_is_served(var_dir):
    make_history()
    TicketFactory(subject="no label")  # unlabelled tickets are ignored
    assert get_active_classifier() is None

    version = classifier_train_from_history(min_per_category=5)

    assert version.is_active
    assert (var_dir / version.path).is_file()
    assert version.path.startswith("classifier/")
    assert sorted(version.labels) == [
        "account/cancellation",
        "account/password-reset",
        "billing/double-charge",
        "product/bug-report",
    ]
    m = version.metrics
    assert m["n_total"] == 48 and m["n_holdout"] + m["n_train"] == 48
    for key in ("accuracy", "macro_f1", "ece", "coverage_at_95", "coverage_at_99"):
        assert 0.0 <= m[key] <= 1.0
    assert m["accuracy"] >= 0.8
    assert m["risk_coverage"][0]["threshold"] == 0.0

    clf = get_active_classifier()
    assert clf.version_id == version.pk
    assert get_active_classifier() is clf  # cached per process
    assert clf.predict(["I was charged twice on my card this month"])[0].category == "billing/double-charge"

    second = classifier_train_from_history(min_per_category=5)
    version.refresh_from_db()
    assert not version.is_active and second.is_active
    assert ClassifierVersion.objects.filter(is_active=True).count() == 1
    reloaded = get_active_classifier()
    assert reloaded is not clf and reloaded.version_id == second.pk


def test_rare_categories_are_left_out_and_reported():
    make_history(n_per_topic=6)
    rare = CategoryFactory(slug="legal/gdpr")
    for i in range(2):
        TicketFactory(subject="delete all my personal data", labelled_category=rare, external_id=f"R-{i}")
    version = classifier_train_from_history(min_per_category=5)
    assert "legal/gdpr" not in version.labels
    assert version.metrics["dropped_categories"] == {"legal/gdpr": 2}


def test_too_little_history_is_a_clear_error():
    category = CategoryFactory(slug="billing/refund")
    for i in range(6):
        TicketFactory(subject=f"refund please {i}", labelled_category=category, external_id=f"F-{i}")
    with pytest.raises(ValidationError, match="at least two categories"):
        classifier_train_from_history(min_per_category=5)
    assert not ClassifierVersion.objects.exists()


def test_missing_model_file_is_treated_as_untrained(var_dir):
    make_history(n_per_topic=6)
    version = classifier_train_from_history(min_per_category=3)
    (var_dir / version.path).unlink()
    ClassifierVersion.objects.filter(pk=version.pk).update(path="classifier/gone.joblib")
    assert get_active_classifier() is None


def test_train_classifier_command_prints_figures_and_the_previous_version(capsys):
    make_history(n_per_topic=8)
    call_command("train_classifier", "--min-per-category", "3")
    call_command("train_classifier", "--min-per-category", "3")
    out = capsys.readouterr().out
    assert "accuracy" in out and "previous: version" in out
    assert "risk–coverage on held-out tickets" in out
    first, second = ClassifierVersion.objects.order_by("created_at")
    assert f"version {second.pk} active" in out
    assert f"previous: version {first.pk}" in out
