"""The classifier's contract on synthetic support texts: predictions, calibration maths, out-of-scope, files."""

import random

import numpy as np
import pytest

from apps.core.errors import ValidationError
from apps.workflows.classifier import Prediction, TicketClassifier, classifier_train
from apps.workflows.classifier.calibration import oos_threshold_fit, temperature_fit
from apps.workflows.classifier.metrics import (
    coverage_at_precision,
    expected_calibration_error,
    risk_coverage_curve,
)

TOPICS = {
    "billing/double-charge": (
        ["I was charged twice", "you billed me two times", "there is a duplicate charge", "double payment taken"],
        ["for my subscription", "on my card this month", "for the pro plan", "on the last invoice"],
    ),
    "account/password-reset": (
        ["I can't log in", "the password reset link fails", "I forgot my password", "locked out of my account"],
        ["after the update", "since this morning", "on the mobile app", "even after resetting twice"],
    ),
    "account/cancellation": (
        ["please cancel my subscription", "I want to close my account", "how do I cancel", "stop my plan renewal"],
        ["at the end of the month", "effective today", "before the next renewal", "and delete my workspace"],
    ),
    "product/bug-report": (
        ["the export button crashes", "the dashboard shows an error 500", "sync keeps failing", "the page is blank"],
        ["when I click save", "in the reports tab", "with large files", "on Firefox and Chrome"],
    ),
}
OFF_TOPIC = [
    "what is the weather like in paris tomorrow",
    "tell me a joke about penguins",
    "how do I bake sourdough bread",
    "who won the football match last night",
    "recommend a good science fiction novel",
    "how tall is mount everest",
    "translate good morning into japanese",
    "what is the capital of australia",
    "play some relaxing jazz music",
    "how many calories are in a banana",
    "set an alarm for seven am",
    "what time is sunset in oslo",
]


def synthetic_texts(n_per_topic: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Support-ticket-like texts built from each topic's phrases with random openers and noise words."""
    rng = random.Random(seed)
    openers = ["Hi,", "Hello team,", "", "Urgent:", "Hey support,", "Good morning,"]
    closers = ["Thanks.", "Please help.", "", "Regards, Sam", "Any update?", "Cheers"]
    texts, labels = [], []
    for label, (heads, tails) in TOPICS.items():
        for _ in range(n_per_topic):
            texts.append(
                " ".join(
                    x for x in (rng.choice(openers), rng.choice(heads), rng.choice(tails), rng.choice(closers)) if x
                )
            )
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> TicketClassifier:
    texts, labels = synthetic_texts(30)
    return classifier_train(texts=texts, labels=labels, oos_texts=OFF_TOPIC * 2)


def test_predict_returns_one_prediction_per_text_with_the_contract_fields(model):
    texts = ["I was charged twice for my subscription", "the export button crashes when I click save", ""]
    preds = model.predict(texts)
    assert len(preds) == 3
    assert all(isinstance(p, Prediction) for p in preds)
    assert preds[0].category == "billing/double-charge"
    assert preds[1].category == "product/bug-report"
    for p in preds:
        assert 0.0 <= p.confidence <= 1.0
        assert len(p.runner_ups) == 3
        assert p.category not in [c for c, _ in p.runner_ups]
        probs = [p.confidence] + [q for _, q in p.runner_ups]
        assert probs == sorted(probs, reverse=True)
        assert sum(probs) <= 1.0 + 1e-9
        assert all(c in model.labels for c, _ in p.runner_ups)
    assert model.predict([]) == []
    assert preds[0].as_dict()["runner_ups"][0].keys() == {"category", "confidence"}


def test_labels_never_include_the_out_of_scope_class(model):
    assert sorted(model.labels) == sorted(TOPICS)
    assert model.model_name.startswith("tfidf-word-char+wordllama")
    assert model.version_id is None


def test_in_scope_texts_are_kept_and_off_topic_texts_are_flagged(model):
    held_out_in_scope, labels = synthetic_texts(5, seed=99)
    preds = model.predict(held_out_in_scope)
    assert np.mean([p.category == y for p, y in zip(preds, labels, strict=True)]) >= 0.95
    assert np.mean([p.out_of_scope for p in preds]) <= 0.1
    off_topic = [
        "what is the weather in berlin",
        "tell me a joke about cats",
        "how do I bake a chocolate cake",
        "who won the tennis final",
    ]
    assert np.mean([p.out_of_scope for p in model.predict(off_topic)]) >= 0.75


def test_save_and_load_give_the_same_predictions(model, tmp_path):
    path = model.save(tmp_path / "sub" / "model.joblib")
    loaded = TicketClassifier.load(path)
    texts = ["please cancel my subscription effective today", "locked out of my account"]
    assert loaded.predict(texts) == model.predict(texts)
    with pytest.raises(ValidationError, match="not found"):
        TicketClassifier.load(tmp_path / "missing.joblib")
    (tmp_path / "foreign.joblib").write_bytes(b"not a model")
    with pytest.raises(Exception):  # noqa: B017 - joblib's own error for a foreign file
        TicketClassifier.load(tmp_path / "foreign.joblib")


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b"], ["x"], "2 texts but 1 labels"),
        ([], [], "no training texts"),
        (["a", "b", "c"], ["x", "x", "x"], "at least two categories"),
        (["a", "b"], ["x", "__out_of_scope__"], "reserved"),
    ],
)
def test_bad_training_input_raises_a_clear_error(texts, labels, message):
    with pytest.raises(ValidationError, match=message):
        classifier_train(texts=texts, labels=labels)


def test_expected_calibration_error_on_known_values():
    # Two bins: conf 0.9 with 50% right (gap 0.4) and conf 0.3 with 0% right (gap 0.3), equal weight.
    conf = np.array([0.9, 0.9, 0.3, 0.3])
    correct = np.array([1, 0, 0, 0])
    assert expected_calibration_error(conf, correct) == pytest.approx(0.35)
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([1, 1])) == 0.0
    assert expected_calibration_error(np.array([]), np.array([])) == 0.0


def test_coverage_at_precision_answers_most_confident_first():
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    correct = np.array([1, 1, 1, 1, 0, 1, 1, 0, 0, 0])
    assert coverage_at_precision(conf, correct, 0.99) == pytest.approx(0.4)
    assert coverage_at_precision(conf, correct, 0.85) == pytest.approx(0.7)  # 6 right of 7
    assert coverage_at_precision(conf, np.zeros(10), 0.5) == 0.0
    # Tied confidences cannot be split by a threshold.
    assert coverage_at_precision(np.array([0.9, 0.9]), np.array([1, 0]), 0.99) == 0.0


def test_risk_coverage_curve_counts_answered_and_wrong():
    rows = risk_coverage_curve(np.array([0.95, 0.8, 0.5]), np.array([1, 0, 1]), thresholds=[0.0, 0.7, 0.9])
    assert [(r["answered"], r["errors"]) for r in rows] == [(3, 1), (2, 1), (1, 0)]
    assert rows[1]["error_rate"] == pytest.approx(0.5)


def test_temperature_fit_recovers_the_temperature_that_generated_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(4000, 5))
    true_t = 2.5
    probs = np.exp(logits / true_t)
    probs /= probs.sum(axis=1, keepdims=True)
    targets = np.array([rng.choice(5, p=p) for p in probs])
    assert temperature_fit(logits, targets) == pytest.approx(true_t, rel=0.1)


def test_oos_threshold_balances_in_scope_accuracy_and_oos_recall():
    conf = np.array([0.9, 0.85, 0.8, 0.7, 0.3, 0.2, 0.25, 0.75])
    correct = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    is_oos = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=bool)
    t = oos_threshold_fit(conf, correct, is_oos)
    assert 0.3 < t <= 0.7
    # Without out-of-scope examples only the least confident tail is flagged.
    t2 = oos_threshold_fit(np.linspace(0.5, 1, 101), np.ones(101, bool), np.zeros(101, bool))
    assert 0.5 < t2 < 0.52


def test_single_fit_mode_and_rare_categories_still_give_calibrated_predictions():
    texts, labels = synthetic_texts(8)
    texts.append("please send me the GDPR data export of my account")  # a category seen once: one fold only
    labels.append("legal/gdpr")
    for refit in (True, False):
        model = classifier_train(texts=texts, labels=labels, refit=refit)
        preds = model.predict(["I was charged twice on the last invoice"])
        assert preds[0].category == "billing/double-charge"
        assert 0.0 < model.temperature < 100.0
        assert model.info["n_calibration"] > 0
        assert ("legal/gdpr" in model.labels) is refit  # the one-fit model never saw the held-out fold's only row
