"""Background tasks started by admin actions (django-q2): thin, each calls one service and returns a summary
that the task's admin page shows."""

from __future__ import annotations


def classifier_retrain(min_per_category: int = 5) -> dict:
    """Train a classifier on labelled history and activate it (``classifier_train_from_history``); returns
    the new version's id and held-out figures."""
    from apps.workflows.classifier import classifier_train_from_history

    version = classifier_train_from_history(min_per_category=min_per_category)
    metrics = version.metrics or {}
    keep = ("accuracy", "macro_f1", "ece", "n_train", "n_holdout", "train_s")
    return {"version": version.pk, **{k: metrics[k] for k in keep if k in metrics}}


def knowledge_reembed(everything: bool = True) -> dict:
    """Recompute chunk (and open gap) embeddings with the configured provider (``chunks_reembed``)."""
    from apps.knowledge.services import chunks_reembed

    return {"chunks": chunks_reembed(everything=everything)}


def webhooks_resend(delivery_ids: list[int]) -> dict:
    """Deliver each failed webhook again (``webhook_deliver``); returns the count per final status."""
    from collections import Counter

    from apps.escalation.webhooks import webhook_deliver

    return dict(Counter(webhook_deliver(delivery_id=pk).status for pk in delivery_ids))
