from dataclasses import dataclass, field

OOS_LABEL = "__out_of_scope__"


@dataclass(frozen=True)
class Prediction:
    """One text's classification.

    ``category``: the most likely known category (a label seen in training, e.g. a Category slug), even when
    ``out_of_scope`` is True; ``confidence``: its calibrated probability (0–1); ``runner_ups``: the next categories
    as ``(label, probability)``, most likely first; ``out_of_scope``: the model thinks the text belongs to none of
    its categories (the best category's raw score, less the out-of-scope class's score when the model has one, is
    under the threshold chosen on held-out training data).
    """

    category: str
    confidence: float
    runner_ups: list[tuple[str, float]] = field(default_factory=list)
    out_of_scope: bool = False

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "confidence": self.confidence,
            "runner_ups": [{"category": c, "confidence": p} for c, p in self.runner_ups],
            "out_of_scope": self.out_of_scope,
        }
