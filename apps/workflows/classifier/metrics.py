"""Calibration and risk–coverage figures for a classifier's answers.

Every function takes ``confidence`` (the probability the model gives its answer, 0–1) and ``correct``
(whether that answer was right) as equal-length 1-D arrays.
"""

import numpy as np


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, *, bins: int = 15) -> float:
    """ECE with ``bins`` equal-width bins over (0, 1]: the weighted mean gap |accuracy − confidence| per bin."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.size == 0:
        return 0.0
    # Bin i holds (i/bins, (i+1)/bins]; a confidence of exactly 0 goes to the first bin.
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def coverage_at_precision(confidence: np.ndarray, correct: np.ndarray, precision: float) -> float:
    """The largest share of items, answered most confident first, whose precision stays ≥ ``precision``.

    Ties in confidence are answered together (a threshold cannot split them). Returns 0.0 when even the most
    confident group misses the target.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.size == 0:
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    # Only positions at the end of a run of equal confidences are reachable thresholds.
    ends = np.r_[conf_sorted[1:] != conf_sorted[:-1], True]
    ok = np.flatnonzero(ends & (running >= precision - 1e-12))
    return float((ok.max() + 1) / len(order)) if ok.size else 0.0


def risk_coverage_curve(
    confidence: np.ndarray, correct: np.ndarray, thresholds: list[float] | None = None
) -> list[dict[str, float]]:
    """For each threshold t: the share of items with confidence ≥ t (``coverage``) and the error rate among them.

    Returns ``[{"threshold", "coverage", "answered", "errors", "error_rate"}, …]`` — what a confidence
    band at ``t`` would have automated and how much of that would have been wrong.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    if thresholds is None:
        thresholds = [round(x, 2) for x in np.arange(0.0, 1.0, 0.05)] + [0.97, 0.99]
    rows = []
    for t in thresholds:
        answered = confidence >= t
        n = int(answered.sum())
        errors = int((answered & ~correct).sum())
        rows.append(
            {
                "threshold": float(t),
                "coverage": n / len(confidence) if len(confidence) else 0.0,
                "answered": n,
                "errors": errors,
                "error_rate": errors / n if n else 0.0,
            }
        )
    return rows
