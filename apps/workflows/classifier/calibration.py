"""Temperature scaling and the out-of-scope threshold, both fitted on held-out data."""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax


def temperature_fit(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature T > 0 minimising the negative log-likelihood of ``softmax(logits / T)``.

    ``logits``: (n, k) raw class scores on held-out rows; ``targets``: (n,) column index of the true class.
    Returns 1.0 when there is nothing to fit on.
    """
    if len(targets) == 0:
        return 1.0
    rows = np.arange(len(targets))

    def nll(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[rows, targets].mean())

    result = minimize_scalar(nll, bounds=(np.log(0.005), np.log(200.0)), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(result.x))


def calibrated_probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(logits / temperature)`` row-wise, float64."""
    return softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1)


def oos_threshold_fit(
    score: np.ndarray,
    correct: np.ndarray,
    is_oos: np.ndarray,
    *,
    fallback_quantile: float = 0.02,
) -> float:
    """The in-scope score below which a text is called out of scope, chosen on validation rows.

    ``score``: how far inside a known category each row is (higher = more in scope); ``correct``: whether the best
    in-scope category is right (always False for out-of-scope rows); ``is_oos``: whether the row is out of scope.
    With out-of-scope rows present, maximises in-scope accuracy + out-of-scope recall (an in-scope row counts only
    when it is right and kept). Without them, flags the least confident ``fallback_quantile`` of in-scope rows.
    """
    confidence = np.asarray(score, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    is_oos = np.asarray(is_oos, dtype=bool)
    in_scope = ~is_oos
    if not is_oos.any() or not in_scope.any():
        return float(np.quantile(confidence[in_scope], fallback_quantile)) if in_scope.any() else 0.5
    candidates = np.unique(np.r_[0.0, confidence])
    best_t, best_score = 0.0, -1.0
    for t in candidates:
        kept = confidence >= t
        score = (correct & kept)[in_scope].mean() + (~kept)[is_oos].mean()
        if score > best_score + 1e-12:
            best_t, best_score = float(t), score
    # Place the threshold halfway to the next lower confidence so that near-ties do not flip on new data.
    lower = confidence[confidence < best_t]
    return float((best_t + lower.max()) / 2) if lower.size else best_t


def oos_curve(score: np.ndarray, correct: np.ndarray, is_oos: np.ndarray, points: int = 21) -> list[dict[str, float]]:
    """For thresholds spread over the in-scope scores' range: in-scope accuracy (right and kept) and
    out-of-scope recall on validation rows — the trade-off the out-of-scope threshold picks a point on."""
    confidence = np.asarray(score, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    is_oos = np.asarray(is_oos, dtype=bool)
    thresholds = [float(t) for t in np.quantile(confidence, np.linspace(0.0, 0.5, points))]
    rows = []
    for t in thresholds:
        kept = confidence >= t
        rows.append(
            {
                "threshold": t,
                "in_scope_accuracy": float((correct & kept)[~is_oos].mean()) if (~is_oos).any() else 0.0,
                "oos_recall": float((~kept)[is_oos].mean()) if is_oos.any() else 0.0,
            }
        )
    return rows
