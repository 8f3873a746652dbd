"""Backtest and calibration services on a small labelled history with a known answer.

The classifier here is a deterministic keyword model (a real object implementing ``predict``), so every
confidence — and therefore every figure — is known in advance; the rest of the pipeline is the real one.
"""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.workflows.calibration import holdout_store, reliability_table, risk_coverage
from apps.workflows.classifier.types import Prediction
from apps.workflows.services.backtest import backtest_replay, human_outcome
from tests.factories import CategoryFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


class KeywordClassifier:
    """``"[slug@0.97] text"`` → category ``slug`` with confidence 0.97."""

    model_name = "keyword-test"

    def predict(self, texts, runner_ups=3):
        out = []
        for text in texts:
            tag = text[text.index("[") + 1 : text.index("]")]
            slug, confidence = tag.split("@")
            out.append(Prediction(category=slug, confidence=float(confidence)))
        return out


def _ticket(n, label, predicted, confidence, *, replies=1, resolved=True, status=TicketStatus.CLOSED):
    created = timezone.now() - timedelta(days=10, minutes=n)
    ticket = TicketFactory(
        subject=f"Question {n}",
        labelled_category=label,
        status=status,
        created_at=created,
        resolved_at=created + timedelta(hours=2) if resolved else None,
    )
    MessageFactory(
        ticket=ticket, body=f"[{predicted}@{confidence}] Where do I find the export settings?", created_at=created
    )
    for r in range(replies):
        MessageFactory(
            ticket=ticket,
            author_kind=AuthorKind.AGENT,
            body="Under Settings, Export.",
            created_at=created + timedelta(minutes=5 + r),
        )
    return ticket


@pytest.fixture
def history():
    template = "Hi {customer_name}, you find it under Settings → Export."
    how_to = CategoryFactory(
        slug="how-to", name="How-to", auto_threshold=0.9, draft_threshold=0.6, reply_template=template
    )
    billing = CategoryFactory(
        slug="billing", name="Billing", auto_threshold=0.9, draft_threshold=0.6, reply_template=template
    )
    legal = CategoryFactory(slug="legal", name="Legal", is_sensitive=True)
    return {
        "one_touch_sure": _ticket(1, how_to, "how-to", 0.95),
        "one_touch_fair": _ticket(2, how_to, "how-to", 0.7),
        "one_touch_unsure": _ticket(3, how_to, "how-to", 0.5),
        "other_label": _ticket(4, billing, "how-to", 0.97),
        "multi_touch": _ticket(5, how_to, "how-to", 0.95, replies=3),
        "sensitive": _ticket(6, legal, "legal", 0.99, resolved=False, status=TicketStatus.ESCALATED),
        "missed": _ticket(7, how_to, "billing", 0.8),
    }


def test_the_replay_gives_the_known_figures(history):
    replay = backtest_replay(limit=50, classifier=KeywordClassifier())
    assert len(replay.rows) == 7
    f = replay.figures("how-to", auto=0.9, draft=0.6)
    assert (f["routed"], f["auto"], f["draft"], f["escalate"]) == (5, 3, 1, 1)
    assert f["auto_wrong"] == 2  # another category's ticket, and one that needed three agent replies
    assert f["agreement"] == pytest.approx(2 / 5)  # the sure and the fair one-touch tickets
    assert f["category_agreement"] == pytest.approx(4 / 5)
    assert (f["labelled"], f["missed"]) == (5, 1)
    legal = replay.figures("legal", auto=0.5, draft=0.1)
    assert (legal["auto"], legal["escalate"], legal["agreement"]) == (0, 1, 1.0)  # sensitive: always escalates


def test_the_sweep_moves_tickets_between_bands(history):
    replay = backtest_replay(limit=50, classifier=KeywordClassifier())
    by_threshold = {row["auto_threshold"]: row for row in replay.sweep("how-to", draft=0.8, thresholds=[0.6, 0.96])}
    low, high = by_threshold[0.6], by_threshold[0.96]
    assert (low["auto"], low["draft"], low["escalate"]) == (4, 0, 1)
    assert low["draft_threshold"] == 0.6  # lowered to the auto threshold
    assert (high["auto"], high["draft"], high["escalate"]) == (1, 2, 2)
    assert by_threshold[0.96]["auto_precision"] == 0.0  # the only ticket above 0.96 belongs to billing


def test_limit_takes_the_newest_tickets_and_writes_nothing(history):
    from apps.workflows.models import Decision, Draft

    replay = backtest_replay(limit=2, classifier=KeywordClassifier())
    assert {r.ticket_id for r in replay.rows} == {history["one_touch_sure"].pk, history["one_touch_fair"].pk}
    assert not Decision.objects.exists() and not Draft.objects.exists()
    with pytest.raises(ValidationError):
        replay.figures("how-to", auto=0.5, draft=0.8)
    with pytest.raises(ValidationError):
        backtest_replay(limit=0, classifier=KeywordClassifier())


def test_overrides_replace_the_category_thresholds(history):
    replay = backtest_replay(
        limit=50, classifier=KeywordClassifier(), overrides={"how-to": {"thresholds": {"auto": 0.99, "draft": 0.9}}}
    )
    assert replay.thresholds["how-to"] == {"auto": 0.99, "draft": 0.9}
    assert replay.thresholds["billing"] == {"auto": 0.9, "draft": 0.6}
    overall = replay.overall()
    assert overall["tickets"] == 7 and overall["auto"] + overall["draft"] + overall["escalate"] == 7


def test_human_outcome_is_one_touch_resolution(history):
    from apps.workflows.services.backtest import history_tickets

    outcomes = {t.pk: human_outcome(t) for t in history_tickets(limit=50)}
    assert outcomes[history["one_touch_sure"].pk] == "resolve"
    assert outcomes[history["multi_touch"].pk] == "escalate"
    assert outcomes[history["sensitive"].pk] == "escalate"


def test_the_command_prints_json_without_a_classifier_error(history, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no trained classifier"):
        call_command("backtest", "--json")
    with pytest.raises(CommandError, match="no category"):
        call_command("backtest", "--category", "nope")


def test_risk_coverage_counts_automated_and_wrong():
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.6, 0.4])
    correct = np.array([True, True, False, True, False, True])
    table = risk_coverage(confidence, correct, thresholds=[0.5, 0.9, 0.97])
    assert [(r["automated"], r["wrong"]) for r in table.rows] == [(5, 2), (3, 1), (1, 0)]
    assert table.rows[1]["coverage"] == pytest.approx(0.5)
    assert table.rows[1]["error_rate"] == pytest.approx(1 / 3)
    assert table.at(0.92)["threshold"] == 0.9
    bins = reliability_table(confidence, correct, bins=2)
    assert [b["count"] for b in bins] == [1, 5]


def test_calibration_report_reads_the_stored_holdout(settings, tmp_path):
    from apps.workflows.calibration import calibration_report
    from apps.workflows.models import ClassifierVersion

    settings.VAR_DIR = tmp_path
    cache.clear()  # reports are cached per version id
    version = ClassifierVersion.objects.create(
        model_name="test", path="classifier/m.joblib", labels=["a", "b"], is_active=True
    )
    holdout_store(
        path=tmp_path / "classifier" / "m.joblib.holdout.npz",
        confidence=[0.99, 0.9, 0.8, 0.7],
        predicted=["a", "a", "b", "b"],
        label=["a", "b", "b", "b"],
    )
    report = calibration_report(version=version)
    assert report.n_holdout == 4
    assert [c.key for c in report.categories] == ["a", "b"]
    a = report.categories[0]
    assert (a.at(0.9)["automated"], a.at(0.9)["wrong"]) == (2, 1)
    data = json.loads(json.dumps(report.chart_data()))
    assert data["groups"]["all"]["automated"][0] == 4


def test_the_command_replays_a_version_and_prints_json(history, monkeypatch, capsys, lead_user):
    from apps.workflows.services.versions import (
        workflow_for_category,
        workflow_version_create_draft,
        workflow_version_update,
    )

    monkeypatch.setattr("apps.workflows.services.backtest.get_active_classifier", KeywordClassifier)
    workflow = workflow_for_category(category=history["one_touch_sure"].labelled_category)
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, thresholds={"auto": 0.96, "draft": 0.8})
    call_command("backtest", "--category", "how-to", "--version", str(draft.number), "--json", "--limit", "50")
    result = json.loads(capsys.readouterr().out)
    assert result["tickets"] == 7
    [how_to] = result["categories"]
    assert (how_to["version"], how_to["auto_threshold"], how_to["draft_threshold"]) == (draft.number, 0.96, 0.8)
    assert (how_to["auto"], how_to["draft"], how_to["escalate"]) == (1, 2, 2)
    assert [row["auto_threshold"] for row in how_to["sweep"]][:2] == [0.5, 0.6]
    call_command("backtest", "--limit", "50")
    text = capsys.readouterr().out
    assert "Replayed 7 labelled tickets" in text and "overall" in text


def test_training_stores_holdout_predictions_and_calibration_recomputes_missing_ones(settings, tmp_path):
    from apps.workflows.calibration import calibration_report, holdout_file
    from apps.workflows.classifier import classifier_train_from_history

    settings.VAR_DIR = tmp_path
    cache.clear()
    export = CategoryFactory(slug="export", name="Export")
    login = CategoryFactory(slug="login", name="Login")
    texts = {
        export: ["export reports to CSV", "export button for invoices", "download report as spreadsheet",
                 "export monthly report to Excel", "export data from the dashboard", "download all reports"],
        login: ["cannot log in to my account", "password reset email missing", "locked out after login attempts",
                "login says password wrong", "how do I reset my password", "two-factor code rejected at login"],
    }  # fmt: skip
    for category, items in texts.items():
        for text in items:
            MessageFactory(ticket=TicketFactory(subject=text, labelled_category=category), body=text)
    version = classifier_train_from_history(min_per_category=5)
    path = holdout_file(version)
    assert path.exists()
    stored = calibration_report(version=version)
    assert stored.n_holdout == version.metrics["n_holdout"] == 2  # 20% of each category held out
    path.unlink()
    cache.clear()
    recomputed = calibration_report(version=version)
    assert path.exists() and recomputed.n_holdout == 2
    assert {c.key for c in recomputed.categories} <= {"export", "login"}


def test_holdout_backtest_replays_only_tickets_the_classifier_never_saw():
    from apps.workflows.services.backtest import holdout_classifier

    export = CategoryFactory(slug="export", name="Export", reply_template="Hi, see Settings → Export.")
    login = CategoryFactory(slug="login", name="Login", reply_template="Hi, reset it at /reset.")
    for category, words in ((export, "export report csv download"), (login, "login password reset locked")):
        for i in range(10):
            text = f"{words.split()[i % 4]} question {i} about {words}"
            MessageFactory(ticket=TicketFactory(subject=text, labelled_category=category), body=text)
    model, held = holdout_classifier(fraction=0.2)
    assert len(held) == 4  # 2 of each category's 10
    replay = backtest_replay(limit=100, classifier=model, ticket_ids=held)
    assert sorted(r.ticket_id for r in replay.rows) == sorted(held)
    assert {r.label for r in replay.rows} == {"export", "login"}
