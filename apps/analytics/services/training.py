"""Training examples from people's corrections, and retraining that only activates a model that is not worse.

Examples are built from data (idempotent by ``origin_key``): every edited-and-sent ``Draft`` (the agent kept the
category and rewrote the reply) and every ticket whose human label (``Ticket.labelled_category``) differs from
the category the AI decided (``Decision.category``) — the lead's correction.

Retraining: the labelled history plus the examples (an example replaces the history row of its ticket) is split
into train and a stratified held-out set (seeded). The active classifier was trained on all history, held-out
rows included, so measuring the file itself would flatter it; the comparison therefore retrains the active
recipe on what it knew (the train rows without the new examples) and the candidate on the same rows with the
examples, and measures both on the same held-out rows. The candidate (refitted on all rows) is activated only
when its held-out accuracy is at least the previous recipe's and its macro-F1 at most ``F1_TOLERANCE`` lower.
The active file's own (optimistic) figures on the held-out rows are recorded beside them for reference.
"""

from __future__ import annotations

import logging
import uuid
from difflib import SequenceMatcher

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.choices import DraftStatus
from apps.workflows.classifier.evaluation import classifier_measure
from apps.workflows.classifier.model import TicketClassifier, classifier_train, stratified_split
from apps.workflows.classifier.selectors import classifier_path, classifier_version_active
from apps.workflows.classifier.services import classifier_version_activate
from apps.workflows.models import ClassifierVersion, Decision, Draft

from ..choices import ExampleSource
from ..models import RetrainRun, TrainingExample

logger = logging.getLogger(__name__)
F1_TOLERANCE = 0.01
MEASURES = ("accuracy", "macro_f1", "ece", "coverage_at_95")


def _first_body(ref: str = "ticket_id"):
    return (
        Message.objects.filter(ticket=OuterRef(ref), author_kind=AuthorKind.CUSTOMER, is_internal=False)
        .order_by("created_at", "id")
        .values("body")[:1]
    )


def _text(subject: str, body: str | None) -> str:
    return "\n".join(p for p in (subject, body) if p).strip()


def edit_ratio(before: str, after: str) -> float:
    """Share of a draft the agent changed, 0 (sent as written) to 1 (rewritten): ``1 - difflib ratio``."""
    return round(1 - SequenceMatcher(None, before or "", after or "", autojunk=False).ratio(), 4)


@transaction.atomic
def training_examples_build() -> dict[str, int]:
    """Create the missing ``TrainingExample`` rows from edited drafts and category corrections (two queries to
    read, one bulk insert). Returns ``{"draft_edit": new rows, "category_correction": new rows}``."""
    have = set(TrainingExample.objects.values_list("origin_key", flat=True))
    made: list[TrainingExample] = []
    drafts = (
        Draft.objects.filter(status=DraftStatus.EDITED)
        .exclude(sent_body="")
        .annotate(first_body=Subquery(_first_body()))
        .values_list(
            "id",
            "ticket_id",
            "ticket__subject",
            "first_body",
            "body",
            "sent_body",
            "ticket__labelled_category__slug",
            "decision__category__slug",
        )
    )
    counts = {ExampleSource.DRAFT_EDIT: 0, ExampleSource.CATEGORY_CORRECTION: 0}
    for draft_id, ticket_id, subject, body, before, after, label, decided in drafts.iterator(chunk_size=2000):
        key = f"draft:{draft_id}"
        slug = label or decided
        text = _text(subject, body)
        if key in have or not slug or not text or before.strip() == after.strip():
            continue
        made.append(
            TrainingExample(
                text=text,
                category_slug=slug,
                source=ExampleSource.DRAFT_EDIT,
                ticket_id=ticket_id,
                reply_text=after,
                edit_ratio=edit_ratio(before, after),
                origin_key=key,
            )
        )
        counts[ExampleSource.DRAFT_EDIT] += 1
    corrections = (
        Decision.objects.filter(ticket__labelled_category__isnull=False, category__isnull=False)
        .exclude(category_id=F("ticket__labelled_category_id"))
        .annotate(first_body=Subquery(_first_body()))
        .values_list("ticket_id", "ticket__subject", "first_body", "ticket__labelled_category__slug")
        .order_by("ticket_id")
        .distinct()
    )
    for ticket_id, subject, body, label in corrections.iterator(chunk_size=2000):
        key = f"correction:{ticket_id}:{label}"
        text = _text(subject, body)
        if key in have or not text:
            continue
        have.add(key)
        made.append(
            TrainingExample(
                text=text,
                category_slug=label,
                source=ExampleSource.CATEGORY_CORRECTION,
                ticket_id=ticket_id,
                origin_key=key,
            )
        )
        counts[ExampleSource.CATEGORY_CORRECTION] += 1
    TrainingExample.objects.bulk_create(made, ignore_conflicts=True)
    return {str(k): v for k, v in counts.items()}


def training_set(*, min_per_category: int = 5) -> tuple[list[str], list[str], list[bool], int]:
    """Texts and labels: labelled history (subject + first customer message) with every ``TrainingExample`` on
    top; an example replaces the history row of the same ticket. Categories with fewer than
    ``min_per_category`` rows are left out. Returns ``(texts, labels, is_example flags, examples used)``."""
    by_ticket: dict[int, tuple[str, str, bool]] = {}
    rows = (
        Ticket.objects.filter(labelled_category__isnull=False)
        .annotate(first_body=Subquery(_first_body("pk")))
        .values_list("id", "subject", "first_body", "labelled_category__slug")
    )
    for pk, subject, body, slug in rows.iterator(chunk_size=5000):
        text = _text(subject, body)
        if text:
            by_ticket[pk] = (text, slug, False)
    extra: list[tuple[str, str, bool]] = []
    used = 0
    for ticket_id, text, slug in TrainingExample.objects.order_by("created_at").values_list(
        "ticket_id", "text", "category_slug"
    ):
        used += 1
        if ticket_id is not None:
            by_ticket[ticket_id] = (text, slug, True)
        else:
            extra.append((text, slug, True))
    rows3 = list(by_ticket.values()) + extra
    counts: dict[str, int] = {}
    for _, slug, _ in rows3:
        counts[slug] = counts.get(slug, 0) + 1
    kept = [r for r in rows3 if counts[r[1]] >= min_per_category]
    return [r[0] for r in kept], [r[1] for r in kept], [r[2] for r in kept], used


def _measure(model: TicketClassifier, texts: list[str], labels: list[str]) -> dict:
    measured = classifier_measure(model, texts=texts, labels=labels)
    return {key: measured[key] for key in MEASURES}


def classifier_retrain(
    *, min_per_category: int = 5, holdout_fraction: float = 0.2, seed: int = 0, force: bool = False
) -> RetrainRun:
    """Build the training examples, train a candidate, compare it with the active classifier on the same
    held-out rows, save it as a ``ClassifierVersion`` and activate it when it is not worse (or ``force``).

    Returns the ``RetrainRun`` with both measurements (``accuracy``, ``macro_f1``, ``ece``, ``coverage_at_95``).
    Raises ``ValidationError`` with fewer than two categories of ``min_per_category`` rows.
    """
    training_examples_build()
    texts, labels, is_example, used = training_set(min_per_category=max(min_per_category, 2))
    if len(set(labels)) < 2:
        raise ValidationError(f"Need labelled tickets in at least two categories with {min_per_category}+ each.")
    label_arr = np.array(labels, dtype=object)
    keep, held = stratified_split(label_arr, holdout_fraction, seed=seed)
    held_texts, held_labels = [texts[i] for i in held], [str(x) for x in label_arr[held]]
    probe = classifier_train(texts=[texts[i] for i in keep], labels=list(label_arr[keep]), seed=seed)
    candidate_metrics = _measure(probe, held_texts, held_labels)
    known = [i for i in keep if not is_example[i]]
    previous_metrics: dict = {}
    if len(set(label_arr[known].tolist())) >= 2 and len(known) < len(keep):
        baseline = classifier_train(texts=[texts[i] for i in known], labels=list(label_arr[known]), seed=seed)
        previous_metrics = _measure(baseline, held_texts, held_labels)
    elif len(known) == len(keep):  # no new examples in the train rows: the previous recipe is the candidate
        previous_metrics = dict(candidate_metrics)

    previous = classifier_version_active()
    if previous is not None:
        try:
            active_model = TicketClassifier.load(classifier_path(previous.path))
            previous_metrics["active_file"] = _measure(active_model, held_texts, held_labels)
        except ValidationError as exc:  # a missing or outdated file: the candidate replaces it
            previous_metrics["active_file"] = {"error": str(exc)}
    if force:
        activate, reason = True, "forced"
    elif previous is None or "accuracy" not in previous_metrics:
        activate, reason = True, "no active model to compare with"
    else:
        better_acc = candidate_metrics["accuracy"] >= previous_metrics["accuracy"]
        f1_ok = candidate_metrics["macro_f1"] >= previous_metrics["macro_f1"] - F1_TOLERANCE
        activate = better_acc and f1_ok
        reason = (
            f"accuracy {candidate_metrics['accuracy']:.3f} vs {previous_metrics['accuracy']:.3f}, "
            f"macro-F1 {candidate_metrics['macro_f1']:.3f} vs {previous_metrics['macro_f1']:.3f}: "
            + ("not worse, activated" if activate else "worse, kept the active model")
        )
    model = classifier_train(texts=texts, labels=labels, seed=seed)
    relative = f"classifier/{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.joblib"
    model.save(settings.VAR_DIR / relative)
    metrics = {
        **candidate_metrics,
        "n_train": len(keep),
        "n_holdout": len(held),
        "n_total": len(texts),
        "n_examples": used,
        "temperature": model.temperature,
        "oos_threshold": model.oos_threshold,
        "retrain": True,
    }
    with transaction.atomic():
        candidate = ClassifierVersion.objects.create(
            model_name=model.model_name, path=relative, labels=model.labels, metrics=metrics
        )
        if activate:
            classifier_version_activate(version=candidate)
        run = RetrainRun.objects.create(
            candidate=candidate,
            previous=previous,
            candidate_metrics=candidate_metrics,
            previous_metrics=previous_metrics,
            n_examples=used,
            n_holdout=len(held),
            activated=activate,
            reason=reason[:300],
        )
    logger.info("retrain: %s", reason)
    return run
