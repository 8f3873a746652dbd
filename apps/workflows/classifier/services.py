"""Training the ticket classifier on labelled history and recording it as the active ``ClassifierVersion``."""

import logging
import uuid

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.models import ClassifierVersion

from .evaluation import classifier_measure
from .model import classifier_train, stratified_split

logger = logging.getLogger(__name__)

METRIC_KEYS = ("accuracy", "macro_f1", "ece", "coverage_at_95", "coverage_at_99")


def labelled_history(*, min_per_category: int = 5) -> tuple[list[str], list[str], dict[str, int]]:
    """Texts and Category slugs from tickets with a human label (``Ticket.labelled_category``).

    The text is the subject plus the first customer message that is not an internal note. Categories with fewer
    than ``min_per_category`` tickets are left out; returns ``(texts, slugs, dropped)`` with ``dropped`` mapping
    each left-out slug to its ticket count.
    """
    first_body = (
        Message.objects.filter(ticket=OuterRef("pk"), author_kind=AuthorKind.CUSTOMER, is_internal=False)
        .order_by("created_at", "id")
        .values("body")[:1]
    )
    rows = (
        Ticket.objects.filter(labelled_category__isnull=False)
        .annotate(first_body=Subquery(first_body))
        .order_by("id")
        .values_list("subject", "first_body", "labelled_category__slug")
    )
    texts, slugs = [], []
    for subject, body, slug in rows.iterator(chunk_size=5000):
        text = "\n".join(part for part in (subject, body) if part)
        if text.strip():
            texts.append(text)
            slugs.append(slug)
    counts: dict[str, int] = {}
    for slug in slugs:
        counts[slug] = counts.get(slug, 0) + 1
    dropped = {s: n for s, n in counts.items() if n < min_per_category}
    kept = [i for i, s in enumerate(slugs) if s not in dropped]
    return [texts[i] for i in kept], [slugs[i] for i in kept], dropped


def classifier_train_from_history(
    *, min_per_category: int = 5, holdout_fraction: float = 0.2, seed: int = 0, activate: bool = True
) -> ClassifierVersion:
    """Train on labelled tickets, measure on held-out tickets, save the model and record (and activate) a version.

    A stratified ``holdout_fraction`` of the tickets (seeded) is kept out of a first model to measure accuracy,
    macro-F1, ECE, coverage at 95/99% precision and the risk–coverage curve; the saved model is then trained on
    all labelled tickets. The file goes under ``settings.VAR_DIR / "classifier"``; ``ClassifierVersion.metrics``
    gets the held-out figures plus ``n_train``, ``n_holdout``, ``dropped_categories`` and ``train_s`` (seconds).
    Raises ``ValidationError`` when fewer than two categories have ``min_per_category`` labelled tickets.
    """
    if min_per_category < 2:
        raise ValidationError("min_per_category must be at least 2 (one ticket to train on, one to hold out)")
    texts, labels, dropped = labelled_history(min_per_category=min_per_category)
    if len(set(labels)) < 2:
        raise ValidationError(
            f"need labelled tickets in at least two categories with {min_per_category}+ tickets each; "
            f"found {len(set(labels))} ({len(texts)} tickets)",
            extra={"dropped": dropped},
        )
    label_arr = np.array(labels, dtype=object)
    keep, held = stratified_split(label_arr, holdout_fraction, seed=seed)
    probe = classifier_train(texts=[texts[i] for i in keep], labels=list(label_arr[keep]), seed=seed)
    measured = classifier_measure(probe, texts=[texts[i] for i in held], labels=list(label_arr[held]))

    model = classifier_train(texts=texts, labels=labels, seed=seed)
    relative = f"classifier/{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.joblib"
    model.save(settings.VAR_DIR / relative)
    metrics = {key: measured[key] for key in METRIC_KEYS}
    metrics.update(
        n_train=len(keep),
        n_holdout=len(held),
        n_total=len(texts),
        risk_coverage=measured["risk_coverage"],
        temperature=model.temperature,
        oos_threshold=model.oos_threshold,
        dropped_categories=dropped,
        train_s=model.info["train_s"] + probe.info["train_s"],
    )
    from apps.workflows.calibration import holdout_store  # calibration imports this package: import late

    held_predictions = probe.predict([texts[i] for i in held], runner_ups=0)
    holdout_store(  # the calibration screen's risk–coverage per category reads these (apps.workflows.calibration)
        path=settings.VAR_DIR / f"{relative}.holdout.npz",
        confidence=[p.confidence for p in held_predictions],
        predicted=[p.category for p in held_predictions],
        label=list(label_arr[held]),
    )
    with transaction.atomic():
        version = ClassifierVersion.objects.create(
            model_name=model.model_name, path=relative, labels=model.labels, metrics=metrics
        )
        if activate:
            classifier_version_activate(version=version)
    logger.info("trained classifier version %s: %s", version.pk, {k: metrics[k] for k in METRIC_KEYS})
    return version


@transaction.atomic
def classifier_version_activate(*, version: ClassifierVersion) -> ClassifierVersion:
    """Make ``version`` the only active classifier (processes pick it up on their next ``get_active_classifier``)."""
    ClassifierVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    if not version.is_active:
        version.is_active = True
        version.save(update_fields=["is_active"])
    return version
