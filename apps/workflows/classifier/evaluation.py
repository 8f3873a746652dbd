"""Measure a classifier on labelled texts: accuracy, macro-F1, calibration, risk–coverage, out-of-scope recall."""

import time

import numpy as np
from sklearn.metrics import f1_score

from .metrics import coverage_at_precision, expected_calibration_error, risk_coverage_curve
from .model import TicketClassifier
from .types import OOS_LABEL


def classifier_measure(
    model: TicketClassifier, *, texts: list[str], labels: list[str], groups: list[str] | None = None
) -> dict:
    """Predict ``texts`` and compare with ``labels`` (``OOS_LABEL`` marks out-of-scope rows).

    Returns fractions in 0–1: ``accuracy`` (top-1; with out-of-scope rows, a row counts when it gets its
    category and is kept in scope, or is out of scope and flagged), ``in_scope_accuracy`` and ``oos_recall``
    (only when out-of-scope rows exist, else None), ``macro_f1``, ``ece`` (15 bins), ``coverage_at_95`` /
    ``coverage_at_99`` (share of rows answerable, most confident first, at that precision), ``predict_s``
    (seconds), ``n_test``, and ``oos_recall_by_group`` when ``groups`` names kinds of out-of-scope rows.
    ECE and coverage rank every row by its confidence; an out-of-scope row is never a correct answer.
    """
    labels_arr = np.asarray(labels, dtype=object)
    started = time.perf_counter()
    predictions = model.predict(texts, runner_ups=0)
    predict_s = time.perf_counter() - started
    category = np.array([p.category for p in predictions], dtype=object)
    confidence = np.array([p.confidence for p in predictions])
    flagged = np.array([p.out_of_scope for p in predictions])
    is_oos = labels_arr == OOS_LABEL
    right_category = category == labels_arr
    has_oos = bool(is_oos.any())

    result: dict = {"n_test": len(texts), "n_test_oos": int(is_oos.sum()), "predict_s": predict_s}
    if has_oos:
        in_scope_ok = right_category & ~flagged
        result["accuracy"] = float(np.where(is_oos, flagged, in_scope_ok).mean())
        result["in_scope_accuracy"] = float(in_scope_ok[~is_oos].mean()) if (~is_oos).any() else None
        result["oos_recall"] = float(flagged[is_oos].mean())
        predicted = np.where(flagged, OOS_LABEL, category)
    else:
        result["accuracy"] = float(right_category.mean()) if len(texts) else 0.0
        result["in_scope_accuracy"] = None
        result["oos_recall"] = None
        predicted = category
    result["macro_f1"] = float(f1_score(labels_arr.astype(str), predicted.astype(str), average="macro"))
    result["ece"] = expected_calibration_error(confidence, right_category)
    result["coverage_at_95"] = coverage_at_precision(confidence, right_category, 0.95)
    result["coverage_at_99"] = coverage_at_precision(confidence, right_category, 0.99)
    result["risk_coverage"] = risk_coverage_curve(confidence, right_category)
    if groups is not None and has_oos:
        groups_arr = np.asarray(groups, dtype=object)
        result["oos_recall_by_group"] = {
            str(g): float(flagged[is_oos & (groups_arr == g)].mean()) for g in sorted(set(groups_arr[is_oos].tolist()))
        }
    return result
