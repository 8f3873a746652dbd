"""Calibration and risk–coverage of the active classifier, measured on held-out labelled history.

For each confidence threshold: how many tickets would be automated (confidence ≥ threshold) and how many of those
would be wrong (predicted category ≠ the human label), overall and per predicted category; plus a reliability table
(mean confidence vs accuracy per confidence bin) and the expected calibration error.

Held-out predictions are the probe model's answers on the tickets ``classifier_train_from_history`` held out. They
are stored next to the model file as ``<model>.holdout.npz`` (arrays ``confidence``, ``predicted``, ``label``,
``ticket_id``); versions trained before that file existed get it computed once on first use (the same seeded
stratified split and a single-fold probe model), then read from the file and the cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.core.cache import cache

from apps.core.errors import ValidationError
from apps.workflows.classifier.metrics import expected_calibration_error
from apps.workflows.classifier.selectors import classifier_path
from apps.workflows.models import ClassifierVersion

logger = logging.getLogger(__name__)

THRESHOLDS = [round(x, 2) for x in np.arange(0.30, 0.951, 0.05)] + [0.97, 0.98, 0.99]
CACHE_SECONDS = 3600
RELIABILITY_BINS = 10


@dataclass(frozen=True)
class HoldoutPredictions:
    """Held-out answers of a classifier version: equal-length arrays, one row per held-out ticket."""

    confidence: np.ndarray  # float, calibrated probability of the predicted category (0–1)
    predicted: np.ndarray  # str, predicted Category slug
    label: np.ndarray  # str, the human label (Category slug)

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.label

    def __len__(self) -> int:
        return len(self.confidence)


@dataclass
class RiskCoverage:
    """The risk–coverage table of one group of held-out tickets (all, or those predicted as one category).

    ``rows``: one dict per threshold ``{"threshold", "automated", "wrong", "coverage", "error_rate"}`` where
    ``automated`` counts tickets with confidence ≥ threshold, ``wrong`` those among them whose predicted category
    differs from the human label, ``coverage`` = automated / ``total`` and ``error_rate`` = wrong / automated.
    """

    key: str
    total: int
    accuracy: float
    rows: list[dict] = field(default_factory=list)

    def at(self, threshold: float) -> dict:
        """The row of the highest listed threshold ≤ ``threshold`` (the first row when none is)."""
        best = self.rows[0]
        for row in self.rows:
            if row["threshold"] <= threshold + 1e-9:
                best = row
        return best


@dataclass
class CalibrationReport:
    """What the calibration screen shows: the overall and per-category risk–coverage, the reliability table and
    headline figures of the classifier version (``metrics`` are ``ClassifierVersion.metrics``)."""

    version_id: int
    model_name: str
    n_holdout: int
    ece: float
    overall: RiskCoverage
    categories: list[RiskCoverage]
    reliability: list[dict]
    metrics: dict

    def chart_data(self) -> dict:
        """JSON-ready series for Chart.js: thresholds, then coverage and error rate (percent) per group."""
        groups = [self.overall, *self.categories]
        return {
            "thresholds": [r["threshold"] for r in self.overall.rows],
            "groups": {
                g.key: {
                    "coverage": [round(100 * r["coverage"], 2) for r in g.rows],
                    "error_rate": [round(100 * r["error_rate"], 2) for r in g.rows],
                    "automated": [r["automated"] for r in g.rows],
                    "wrong": [r["wrong"] for r in g.rows],
                }
                for g in groups
            },
            "reliability": self.reliability,
        }


def risk_coverage(
    confidence: np.ndarray, correct: np.ndarray, *, key: str = "all", thresholds: list[float] | None = None
) -> RiskCoverage:
    """The risk–coverage table of ``confidence`` (0–1) and ``correct`` (bool) arrays; see ``RiskCoverage``."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    total = len(confidence)
    rows = []
    for t in thresholds or THRESHOLDS:
        automated_mask = confidence >= t - 1e-12
        automated = int(automated_mask.sum())
        wrong = int((automated_mask & ~correct).sum())
        rows.append(
            {
                "threshold": float(t),
                "automated": automated,
                "wrong": wrong,
                "coverage": automated / total if total else 0.0,
                "error_rate": wrong / automated if automated else 0.0,
            }
        )
    return RiskCoverage(key=key, total=total, accuracy=float(correct.mean()) if total else 0.0, rows=rows)


def reliability_table(confidence: np.ndarray, correct: np.ndarray, *, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Per equal-width confidence bin over (0, 1]: ``{"low", "high", "count", "confidence", "accuracy"}`` (means)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    table = []
    for b in range(bins):
        mask = index == b
        table.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "count": int(mask.sum()),
                "confidence": float(confidence[mask].mean()) if mask.any() else None,
                "accuracy": float(correct[mask].mean()) if mask.any() else None,
            }
        )
    return table


def holdout_file(version: ClassifierVersion) -> Path:
    """Where ``version``'s held-out predictions live: next to its model file, suffix ``.holdout.npz``."""
    model_file = classifier_path(version.path)
    return model_file.with_name(model_file.name + ".holdout.npz")


def holdout_store(*, path: Path, confidence, predicted, label) -> Path:
    """Write held-out predictions (equal-length sequences: probabilities 0–1, predicted and true slugs) to
    ``path`` as a compressed NumPy archive. Called by classifier training; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            confidence=np.asarray(confidence, dtype=np.float64),
            predicted=np.asarray(predicted, dtype=str),
            label=np.asarray(label, dtype=str),
        )
    return path


def _holdout_compute(version: ClassifierVersion) -> HoldoutPredictions:
    """Recreate the held-out predictions of ``version`` from labelled history (seeded split, one-fold probe)."""
    from apps.workflows.classifier.model import classifier_train, stratified_split
    from apps.workflows.classifier.services import labelled_history

    texts, labels, _ = labelled_history(min_per_category=5)
    known = set(version.labels)
    pairs = [(t, y) for t, y in zip(texts, labels, strict=True) if y in known]
    if len({y for _, y in pairs}) < 2:
        raise ValidationError("not enough labelled history in the classifier's categories to measure it")
    label_arr = np.array([y for _, y in pairs], dtype=object)
    keep, held = stratified_split(label_arr, version.metrics.get("holdout_fraction", 0.2), seed=0)
    probe = classifier_train(
        texts=[pairs[i][0] for i in keep], labels=list(label_arr[keep]), refit=False, folds=4, seed=0
    )
    predictions = probe.predict([pairs[i][0] for i in held], runner_ups=0)
    return HoldoutPredictions(
        confidence=np.array([p.confidence for p in predictions], dtype=float),
        predicted=np.array([p.category for p in predictions], dtype=str),
        label=np.array(label_arr[held], dtype=str),
    )


def holdout_predictions(version: ClassifierVersion) -> HoldoutPredictions:
    """The held-out predictions of ``version``: from its ``.holdout.npz`` file, else computed once from labelled
    history and written to that file. Raises ``ValidationError`` when there is too little history to compute them.
    """
    path = holdout_file(version)
    if not path.exists():
        logger.info("computing held-out predictions of classifier version %s", version.pk)
        computed = _holdout_compute(version)
        holdout_store(path=path, confidence=computed.confidence, predicted=computed.predicted, label=computed.label)
        return computed
    with np.load(path) as data:
        return HoldoutPredictions(
            confidence=data["confidence"].astype(float), predicted=data["predicted"], label=data["label"]
        )


def calibration_report(*, version: ClassifierVersion | None = None) -> CalibrationReport | None:
    """The calibration report of ``version`` (default: the active classifier), or None when none is trained.

    Per-category tables group held-out tickets by their predicted category, since a category's thresholds apply to
    the tickets predicted into it. Cached per version for an hour (the held-out data never changes for a version).
    Raises ``ValidationError`` when held-out predictions cannot be computed.
    """
    version = version or ClassifierVersion.objects.filter(is_active=True).first()
    if version is None:
        return None
    key = f"workflows:calibration:{version.pk}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    held = holdout_predictions(version)
    correct = held.correct
    categories = []
    for slug in sorted(set(held.predicted.tolist())):
        mask = held.predicted == slug
        categories.append(risk_coverage(held.confidence[mask], correct[mask], key=slug))
    report = CalibrationReport(
        version_id=version.pk,
        model_name=version.model_name,
        n_holdout=len(held),
        ece=expected_calibration_error(held.confidence, correct),
        overall=risk_coverage(held.confidence, correct, key="all"),
        categories=categories,
        reliability=reliability_table(held.confidence, correct),
        metrics=dict(version.metrics or {}),
    )
    cache.set(key, report, CACHE_SECONDS)
    return report
