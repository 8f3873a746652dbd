"""The ticket classifier: TF-IDF, embeddings and neighbour features, a linear SVM, temperature-scaled probabilities,
and an out-of-scope threshold — both fitted on cross-fitted held-out scores."""

import os
import time
from pathlib import Path

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.svm import LinearSVC

from apps.core.errors import ValidationError

from .calibration import calibrated_probabilities, oos_curve, oos_threshold_fit, temperature_fit
from .features import TextFeatures
from .types import OOS_LABEL, Prediction

FORMAT_VERSION = 2


class TicketClassifier:
    """A trained classifier. Build one with ``classifier_train``; load a saved one with ``TicketClassifier.load``.

    ``classes``: the estimator's class labels (may include ``OOS_LABEL`` when trained with out-of-scope texts);
    ``temperature``: divides the raw scores before the softmax (fitted on held-out rows); ``oos_threshold``: the
    in-scope score (see ``in_scope_scores``) under which a text is flagged out of scope; ``info``: what training
    measured (``cv_accuracy``, ``oos_curve``, ``train_s``…).
    """

    def __init__(self, *, features: TextFeatures, estimator, temperature: float, oos_threshold: float, info: dict):
        self.features = features
        self.estimator = estimator
        self.classes = np.asarray(estimator.classes_)
        self.temperature = float(temperature)
        self.oos_threshold = float(oos_threshold)
        self.info = info
        self.version_id: int | None = None
        self._in_scope = np.flatnonzero(self.classes != OOS_LABEL)

    @property
    def model_name(self) -> str:
        return f"tfidf-word-char+{self.features.embeddings_model}/linear-svm"

    @property
    def labels(self) -> list[str]:
        """The known categories (without the out-of-scope class)."""
        return [str(c) for c in self.classes[self._in_scope]]

    def logits(self, texts: list[str]) -> np.ndarray:
        """Raw class scores, shape ``(len(texts), len(self.classes))``, columns in ``self.classes`` order."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        return _logits(self.estimator, self.features.transform(list(texts)))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), len(self.classes))``, columns in ``self.classes`` order."""
        return calibrated_probabilities(self.logits(texts), self.temperature)

    def in_scope_scores(self, logits: np.ndarray) -> np.ndarray:
        """How far each text is inside a known category: the best category's raw score minus the out-of-scope
        class's score (when trained with out-of-scope texts). Below ``oos_threshold`` means out of scope."""
        return _in_scope_scores(logits, self.classes)

    def predict(self, texts: list[str], *, runner_ups: int = 3) -> list[Prediction]:
        """Classify ``texts`` (a list of str, any length); returns one ``Prediction`` per text, in order."""
        return self.predictions_from_logits(self.logits(texts), runner_ups=runner_ups)

    def predictions_from_logits(self, logits: np.ndarray, *, runner_ups: int = 3) -> list[Prediction]:
        """``Prediction`` objects from raw scores (see ``logits``)."""
        if not len(logits):
            return []
        in_scope = calibrated_probabilities(logits, self.temperature)[:, self._in_scope]
        flagged = self.in_scope_scores(logits) < self.oos_threshold
        order = np.argsort(-in_scope, axis=1)[:, : runner_ups + 1]
        labels = self.classes[self._in_scope]
        return [
            Prediction(
                category=str(labels[top[0]]),
                confidence=float(in_scope[i, top[0]]),
                runner_ups=[(str(labels[j]), float(in_scope[i, j])) for j in top[1:]],
                out_of_scope=bool(flagged[i]),
            )
            for i, top in enumerate(order)
        ]

    def save(self, path: Path) -> Path:
        """Write the model to ``path`` (joblib); parent folders are created."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT_VERSION, "model": self}, path)
        return path

    @classmethod
    def load(cls, path: Path) -> "TicketClassifier":
        """Read a model written by ``save``. Raises ``ValidationError`` for a missing or foreign file."""
        path = Path(path)
        if not path.exists():
            raise ValidationError(f"classifier file not found: {path}")
        payload = joblib.load(path)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ValidationError(f"{path} is not a classifier file of format {FORMAT_VERSION}: retrain")
        return payload["model"]


def classifier_train(
    *,
    texts: list[str],
    labels: list[str],
    oos_texts: list[str] | None = None,
    folds: int = 4,
    seed: int = 0,
    C: float = 0.5,
    refit: bool = True,
    n_jobs: int | None = None,
) -> TicketClassifier:
    """Train an in-memory classifier on ``texts`` with their ``labels`` (str, e.g. Category slugs).

    ``oos_texts``: examples of texts that belong to no category (optional; they train an out-of-scope class and
    tune the out-of-scope threshold). Calibration is cross-fitted: ``folds`` models, each trained without one
    stratified fold (seeded), score the rows they did not see; the temperature and the out-of-scope threshold are
    fitted on those held-out scores, and the final model is trained on every row. With ``refit=False`` only the
    first fold is held out and its model is kept (one fit instead of ``folds + 1``: faster, trained on less data).
    ``C``: the SVM's inverse regularisation; ``n_jobs``: models trained at once (threads; default: CPU count, ≤ 4).
    Raises ``ValidationError`` for mismatched lengths, fewer than two categories, or no texts.
    """
    texts = list(texts)
    labels = [str(x) for x in labels]
    oos_texts = list(oos_texts or [])
    if len(texts) != len(labels):
        raise ValidationError(f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise ValidationError("no training texts")
    if OOS_LABEL in labels:
        raise ValidationError(f"{OOS_LABEL!r} is reserved for out-of-scope texts")
    if len(set(labels)) < 2:
        raise ValidationError("need at least two categories to train a classifier")

    started = time.perf_counter()
    all_texts = texts + oos_texts
    y = np.array(labels + [OOS_LABEL] * len(oos_texts), dtype=object)
    features = TextFeatures().fit(all_texts, y)
    X = features.training_matrix()
    classes = np.array(sorted(set(y.tolist())), dtype=object)

    # Held-out scores for every row from the fold model that did not see it (NaN rows: no usable fold model).
    held_out = np.full((len(y), len(classes)), np.nan)
    fold_of = stratified_folds(y, folds, seed=seed)
    jobs = [k for k in range(folds if refit else 1) if (fold_of == k).any() and len(set(y[fold_of != k].tolist())) > 1]
    parts = [fold_of != k for k in jobs] + ([np.ones(len(y), dtype=bool)] if refit or not jobs else [])
    # liblinear releases the GIL: the fold models and the final model train side by side in threads.
    fitted = Parallel(n_jobs=n_jobs or min(os.cpu_count() or 1, 4), backend="threading")(
        delayed(_estimator(C).fit)(X[rows], y[rows]) for rows in parts
    )
    for k, estimator in zip(jobs, fitted, strict=False):
        rows = fold_of == k
        held_out[rows] = _align(_logits(estimator, X[rows]), estimator.classes_, classes)
    scored = ~np.isnan(held_out).any(axis=1)
    targets = np.searchsorted(classes, y)
    temperature = temperature_fit(held_out[scored], targets[scored])
    model = TicketClassifier(
        features=features, estimator=fitted[-1], temperature=temperature, oos_threshold=0.0, info={}
    )
    truth = y[scored]
    is_oos = truth == OOS_LABEL
    in_scope = np.flatnonzero(classes != OOS_LABEL)
    best = held_out[scored][:, in_scope].argmax(axis=1)
    correct = classes[in_scope][best] == truth
    score = _in_scope_scores(held_out[scored], classes)
    model.oos_threshold = oos_threshold_fit(score, correct, is_oos) if scored.any() else float("-inf")
    model.info = {
        "n_train": len(texts),
        "n_oos_train": len(oos_texts),
        "folds": folds,
        "n_calibration": int(scored.sum()),
        "cv_accuracy": float(correct[~is_oos].mean()) if (~is_oos).any() else None,
        "temperature": temperature,
        "oos_threshold": model.oos_threshold,
        "oos_curve": oos_curve(score, correct, is_oos) if is_oos.any() else [],
        "train_s": time.perf_counter() - started,
    }
    return model


def _estimator(C: float) -> LinearSVC:
    return LinearSVC(C=C, random_state=0)


def _in_scope_scores(logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    in_scope = classes != OOS_LABEL
    best = logits[:, in_scope].max(axis=1) if len(logits) else np.zeros(0)
    oos_column = np.flatnonzero(~in_scope)
    return best - logits[:, oos_column[0]] if oos_column.size else best


def _logits(estimator, X) -> np.ndarray:
    """Class scores as an (n, k) array; a two-class model's single margin becomes ``[0, margin]``."""
    scores = estimator.decision_function(X)
    return np.c_[np.zeros_like(scores), scores] if scores.ndim == 1 else scores


def _align(scores: np.ndarray, have: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Place ``scores`` (columns = ``have``) into columns ``want``; classes a fold model never saw score lowest."""
    if len(have) == len(want):
        return scores
    out = np.empty((scores.shape[0], len(want)))
    out[:] = scores.min(axis=1, keepdims=True) - 1.0
    out[:, np.searchsorted(want, have)] = scores
    return out


def stratified_folds(labels: np.ndarray, folds: int, *, seed: int = 0) -> np.ndarray:
    """A fold number in ``range(folds)`` per row: each label's rows shuffled (seeded) and dealt round-robin."""
    labels = np.asarray(labels, dtype=object)
    rng = np.random.default_rng(seed)
    fold_of = np.zeros(len(labels), dtype=int)
    offset = 0
    for label in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == label)
        rng.shuffle(rows)
        fold_of[rows] = (np.arange(len(rows)) + offset) % folds
        offset += len(rows)
    return fold_of


def stratified_split(labels: np.ndarray, fraction: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held_out)``: about ``fraction`` of each label's rows held out, seeded and deterministic.

    A label with a single row stays entirely in ``keep``; every label keeps at least one row.
    """
    labels = np.asarray(labels, dtype=object)
    rng = np.random.default_rng(seed)
    keep, held = [], []
    for label in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == label)
        rng.shuffle(rows)
        n_held = min(int(round(len(rows) * fraction)), len(rows) - 1) if fraction > 0 else 0
        held.extend(rows[:n_held])
        keep.extend(rows[n_held:])
    return np.sort(np.array(keep, dtype=int)), np.sort(np.array(held, dtype=int))
