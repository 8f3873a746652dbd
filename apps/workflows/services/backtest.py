"""Backtest: replay historical tickets through a workflow version with the real pipeline, writing nothing.

The last ``limit`` tickets with a human label (``Ticket.labelled_category``) are rebuilt as they arrived (subject
and first customer message, nobody assigned) and planned by ``apps.workflows.engine.triage_plan`` — classifier,
hard triggers, the version's tree, composer and guard — with every category in rollout ``auto``. No Decision,
reply, draft or handoff is written.

To sweep thresholds from one replay, the categories are replayed with both thresholds at 0: a ticket the engine
escalates anyway (hard trigger, sensitive category, out of scope, tree escalation, composer or guard failure) is
escalated at every threshold; any other ticket resolves when its confidence ≥ the auto threshold, drafts when
≥ the draft threshold, else escalates — exactly ``band_decide``'s order.

What humans did (data source: the ticket's history): a ticket is a **one-touch** ticket when it was resolved with
a single public agent reply and never escalated — the kind the AI may resolve; any other ticket needed more of a
human (``escalate``). A ticket routed to the category *agrees* with the humans when the AI would resolve or draft
it, it carries the category's human label and it was one-touch; or when the AI would escalate it and it was not.
Repeat-contact signals are not rebuilt for the past (that trigger does not fire in a backtest).

Lookups are replay-only (``RecordedLookups``): a lookup node gets the result the ticket's history recorded (the
allow-listed facts of the first successful lookup of that name in the ticket's Decision traces) and no vendor is
called. A ticket whose tree needs a lookup its history did not record is **not replayable**: it is counted apart
(``not_replayable``) and left out of the auto / draft / escalate rates and agreement, so the figures measure the
tree and the thresholds, not whether a vendor answers for a customer of the past.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q

from apps.core.errors import ValidationError
from apps.escalation.triggers import TriggerSet
from apps.integrations.llm.offline import OfflineComposer
from apps.integrations.lookups import LookupResult
from apps.knowledge.choices import Visibility
from apps.knowledge.models import Chunk
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.models import Message, Ticket
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.classifier import get_active_classifier
from apps.workflows.engine import Batch, context_build, triage_plan
from apps.workflows.engine.workflow import WorkflowSpec
from apps.workflows.models import Category, ClassifierVersion, Decision

DEFAULT_LIMIT = 500
BACKTEST_LIMIT_MAX = 50_000
CHUNK = 100
CACHE_SECONDS = 1800
SWEEP = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99]
ProgressFn = Callable[[int, int], None]
NOT_REPLAYABLE = "not replayable"  # error prefix of a lookup the ticket's history did not record


@dataclass(frozen=True)
class BacktestRow:
    """One replayed ticket: its human label and outcome, what the engine predicted, and whether the outcome
    depends on the thresholds (``fixed`` is ``""`` then, else the outcome at every threshold) with the reason.
    ``cap`` is ``"draft"`` when the engine would never send this answer on its own (not grounded in knowledge):
    it drafts where the band says resolve."""

    ticket_id: int
    label: str
    predicted: str
    confidence: float
    fixed: str
    why: str
    human: str  # "resolve" (one-touch) or "escalate"
    cap: str = ""
    replayable: bool = True  # False: the tree needed a lookup the ticket's history did not record
    asks: bool = False  # the workflow asks the customer for information first (need_info / required fields)


@dataclass
class BacktestReplay:
    """The replayed tickets of one run and where they came from; figures come from ``figures`` and ``sweep``."""

    rows: list[BacktestRow]
    limit: int
    seconds: float
    classifier_version: int | None
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)  # slug -> {"auto", "draft"}

    def routed(self, slug: str) -> list[BacktestRow]:
        """Replayable rows the classifier sent to ``slug`` (the tickets this category's workflow would decide)."""
        return [r for r in self.rows if r.predicted == slug and r.replayable]

    def not_replayable(self, slug: str | None = None) -> int:
        """Rows (sent to ``slug``, or all) whose tree needed a lookup the ticket's history did not record."""
        return sum(1 for r in self.rows if not r.replayable and (slug is None or r.predicted == slug))

    def figures(self, slug: str, *, auto: float, draft: float) -> dict:
        """Figures for category ``slug`` at thresholds ``auto`` ≥ ``draft`` (probabilities 0–1).

        Returns ``{"auto_threshold", "draft_threshold", "routed", "auto", "draft", "escalate"`` (counts),
        ``"auto_rate", "draft_rate", "escalate_rate"`` (shares of routed), ``"auto_wrong"`` (auto-resolved tickets
        whose human label is another category, or that needed more than one human touch), ``"auto_precision"``,
        ``"category_agreement"`` (routed tickets whose human label is ``slug``), ``"agreement"`` (see the module
        docstring), ``"labelled"`` (replayed tickets humans filed under ``slug``), ``"missed"`` (those the
        classifier sent elsewhere), ``"asked"`` (auto or draft tickets where the workflow first asks the customer
        for information rather than answering) and ``"not_replayable"`` (tickets sent to ``slug`` whose tree needed
        a lookup the history did not record; not in ``routed`` nor in any rate)}``; rates are None when nothing was
        routed.
        """
        if draft > auto:
            raise ValidationError(f"the draft threshold {draft:.2f} is above the auto threshold {auto:.2f}")
        rows = self.routed(slug)
        outcomes = [_outcome(r, auto, draft) for r in rows]
        n = len(rows)
        counts = {k: outcomes.count(k) for k in (Outcome.RESOLVE, Outcome.DRAFT, Outcome.ESCALATE)}
        auto_rows = [r for r, o in zip(rows, outcomes, strict=True) if o == Outcome.RESOLVE]
        auto_wrong = sum(1 for r in auto_rows if r.label != slug or r.human != Outcome.RESOLVE)
        agree = sum(1 for r, o in zip(rows, outcomes, strict=True) if _agrees(r, o, slug))
        labelled = sum(1 for r in self.rows if r.label == slug)
        share = (lambda k: k / n) if n else (lambda k: None)
        return {
            "auto_threshold": auto,
            "draft_threshold": draft,
            "routed": n,
            "auto": counts[Outcome.RESOLVE],
            "draft": counts[Outcome.DRAFT],
            "escalate": counts[Outcome.ESCALATE],
            "auto_rate": share(counts[Outcome.RESOLVE]),
            "draft_rate": share(counts[Outcome.DRAFT]),
            "escalate_rate": share(counts[Outcome.ESCALATE]),
            "auto_wrong": auto_wrong,
            "auto_precision": (1 - auto_wrong / len(auto_rows)) if auto_rows else None,
            "category_agreement": share(sum(1 for r in rows if r.label == slug)),
            "agreement": share(agree),
            "labelled": labelled,
            "missed": sum(1 for r in self.rows if r.label == slug and r.predicted != slug),
            "asked": sum(1 for r, o in zip(rows, outcomes, strict=True) if r.asks and o != Outcome.ESCALATE),
            "not_replayable": self.not_replayable(slug),
        }

    def sweep(self, slug: str, *, draft: float, thresholds: Sequence[float] = SWEEP) -> list[dict]:
        """``figures`` for each auto threshold in ``thresholds`` with the draft threshold ``draft`` (lowered to
        the auto threshold where it is above it)."""
        return [self.figures(slug, auto=t, draft=min(draft, t)) for t in thresholds]

    def overall(self) -> dict:
        """Every category at its replayed version's thresholds, summed: counts, rates and agreement over the
        replayable tickets (tickets routed to no known category count as escalations; ``not_replayable`` ones are
        counted apart); ``category_accuracy`` over every replayed ticket."""
        totals = {
            "tickets": sum(r.replayable for r in self.rows),
            "not_replayable": self.not_replayable(),
            "auto": 0,
            "draft": 0,
            "escalate": 0,
            "auto_wrong": 0,
            "agree": 0,
        }
        for slug, t in self.thresholds.items():
            f = self.figures(slug, auto=t["auto"], draft=t["draft"])
            for key in ("auto", "draft", "escalate", "auto_wrong"):
                totals[key] += f[key]
            totals["agree"] += round((f["agreement"] or 0) * f["routed"])
        unrouted = [r for r in self.rows if r.predicted not in self.thresholds]
        totals["escalate"] += len(unrouted)
        totals["agree"] += sum(1 for r in unrouted if r.human == Outcome.ESCALATE)
        n = totals["tickets"] or 1
        totals.update(
            auto_rate=totals["auto"] / n,
            draft_rate=totals["draft"] / n,
            escalate_rate=totals["escalate"] / n,
            agreement=totals["agree"] / n,
            category_accuracy=float(np.mean([r.label == r.predicted for r in self.rows])) if self.rows else None,
        )
        return totals


def _outcome(row: BacktestRow, auto: float, draft: float) -> str:
    if row.fixed:
        return row.fixed
    if row.confidence >= auto:
        return Outcome.DRAFT if row.cap == Outcome.DRAFT else Outcome.RESOLVE
    if row.confidence >= draft:
        return Outcome.DRAFT
    return Outcome.ESCALATE


def _agrees(row: BacktestRow, outcome: str, slug: str) -> bool:
    if outcome == Outcome.ESCALATE:
        return row.human == Outcome.ESCALATE
    return row.label == slug and row.human == Outcome.RESOLVE


def history_tickets(*, limit: int) -> list[Ticket]:
    """The last ``limit`` tickets with a human label (newest first), with contact, organization, the label, the
    public agent reply count (``agent_replies``) and their customer messages (``customer_messages``, oldest first).
    """
    return _history(Ticket.objects.filter(labelled_category__isnull=False), limit)


def history_tickets_of(*, category: Category, limit: int, exclude=()) -> list[Ticket]:
    """Like ``history_tickets``, for tickets humans labelled ``category``, leaving out the ids in ``exclude``."""
    return _history(Ticket.objects.filter(labelled_category=category).exclude(pk__in=list(exclude)), limit)


def _history(queryset, limit: int) -> list[Ticket]:
    customer = Message.objects.filter(author_kind=AuthorKind.CUSTOMER, is_internal=False).order_by("created_at", "id")
    return list(
        queryset.select_related("contact", "organization", "labelled_category")
        .annotate(
            agent_replies=Count(
                "messages", filter=Q(messages__author_kind=AuthorKind.AGENT, messages__is_internal=False)
            )
        )
        .prefetch_related(Prefetch("messages", queryset=customer, to_attr="customer_messages"))
        .order_by("-created_at", "-id")[:limit]
    )


def holdout_classifier(*, fraction: float = 0.2, seed: int = 0, min_per_category: int = 5):
    """``(model, held-out ticket ids)``: a classifier trained like the active one on labelled history without a
    stratified ``fraction`` of it (seeded), and the ids of the tickets it never saw — replaying those gives an
    out-of-sample backtest (the active classifier learnt from every labelled ticket). Data source: the same
    texts as ``classifier_train_from_history`` (subject and first customer message). Takes seconds to minutes
    (one model fit). Raises ``ValidationError`` with fewer than two categories of ``min_per_category`` tickets."""
    import numpy as np
    from django.db.models import OuterRef, Subquery

    from apps.workflows.classifier.model import classifier_train, stratified_split

    first_body = (
        Message.objects.filter(ticket=OuterRef("pk"), author_kind=AuthorKind.CUSTOMER, is_internal=False)
        .order_by("created_at", "id")
        .values("body")[:1]
    )
    rows = (
        Ticket.objects.filter(labelled_category__isnull=False)
        .annotate(first_body=Subquery(first_body))
        .order_by("id")
        .values_list("id", "subject", "first_body", "labelled_category__slug")
    )
    ids, texts, labels = [], [], []
    for pk, subject, body, slug in rows.iterator(chunk_size=5000):
        text = "\n".join(part for part in (subject, body) if part)
        if text.strip():
            ids.append(pk)
            texts.append(text)
            labels.append(slug)
    counts: dict[str, int] = {}
    for slug in labels:
        counts[slug] = counts.get(slug, 0) + 1
    kept = [i for i, slug in enumerate(labels) if counts[slug] >= min_per_category]
    label_arr = np.array([labels[i] for i in kept], dtype=object)
    if len(set(label_arr.tolist())) < 2:
        raise ValidationError(f"need labelled tickets in two categories with {min_per_category}+ tickets each")
    keep, held = stratified_split(label_arr, fraction, seed=seed)
    model = classifier_train(
        texts=[texts[kept[i]] for i in keep], labels=list(label_arr[keep]), refit=False, seed=seed
    )
    return model, [ids[kept[i]] for i in held]


def human_outcome(ticket: Ticket) -> str:
    """``"resolve"`` when ``ticket`` was resolved with one public agent reply and never escalated, else
    ``"escalate"``; ``ticket`` needs the ``agent_replies`` annotation of ``history_tickets``."""
    one_touch = (
        ticket.resolved_at is not None
        and getattr(ticket, "agent_replies", 0) == 1
        and ticket.status != TicketStatus.ESCALATED
    )
    return Outcome.RESOLVE if one_touch else Outcome.ESCALATE


def _replay_categories(overrides: dict[str, dict]) -> tuple[dict[str, Category], dict[str, dict[str, float]]]:
    """Every category as an in-memory copy in rollout auto with thresholds 0 (see the module docstring), and the
    thresholds each category really uses: ``overrides[slug]["thresholds"]``, else its published version's, else
    the category's own."""
    from apps.workflows.services.triage import published_workflows

    _, specs = published_workflows()
    categories, thresholds = {}, {}
    for category in Category.objects.select_related("default_queue"):
        spec = specs.get(category.slug)
        own = (overrides.get(category.slug) or {}).get("thresholds") or {}
        thresholds[category.slug] = {
            "auto": float(
                own.get("auto", spec.threshold("auto", category.auto_threshold) if spec else category.auto_threshold)
            ),
            "draft": float(
                own.get(
                    "draft", spec.threshold("draft", category.draft_threshold) if spec else category.draft_threshold
                )
            ),
        }
        replayed = copy.copy(category)
        replayed.rollout_state, replayed.auto_threshold, replayed.draft_threshold = RolloutState.AUTO, 0.0, 0.0
        categories[category.slug] = replayed
    return categories, thresholds


def _no_vendor_lookup(*, name: str, ticket, category_slug: str = "") -> LookupResult:
    """No lookup results to replay: every lookup node is not replayable (the trace says why)."""
    return LookupResult(name=name, ok=False, source="history", error=f"{NOT_REPLAYABLE}: no recorded lookups")


def _unflatten(flat: dict) -> dict:
    """``{"explanation.shape": "x"}`` → ``{"explanation": {"shape": "x"}}`` (``LookupResult.flat`` reverses it)."""
    nested: dict = {}
    for key, value in flat.items():
        node, parts = nested, key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return nested


class RecordedLookups:
    """Replay-only lookups for backtests: the ``lookup_run`` stand-in a replay batch calls.

    ``load(ticket_ids)`` reads those tickets' Decisions (oldest first, one query) and keeps, per ticket and lookup
    name, the allow-listed facts of the first successful lookup recorded in a trace's ``tree`` step (the trace keeps
    at most ``TRACE_FACTS`` facts, strings capped at 200 characters). Calling it answers from that record
    (``source="history:decision <id>"``) and never calls a vendor; a lookup the history did not record, or recorded
    only in part (fewer values than the lookup returned, cut by the trace's cap), fails with an error starting
    ``NOT_REPLAYABLE``, which ``backtest_replay`` counts apart instead of as the tree's escalation.
    """

    def __init__(self) -> None:
        # ticket id → lookup name → (nested facts, decision id, values recorded, values the lookup returned)
        self.recorded: dict[int, dict[str, tuple[dict, int, int, int]]] = {}

    def load(self, ticket_ids: Sequence[int]) -> None:
        """Read the recorded lookups of ``ticket_ids`` (replacing what was loaded before)."""
        self.recorded = {}
        rows = (
            Decision.objects.filter(ticket_id__in=list(ticket_ids))
            .order_by("created_at", "id")
            .values_list("ticket_id", "pk", "trace")
        )
        for ticket_id, decision_id, trace in rows.iterator(chunk_size=500):
            steps = (trace or {}).get("steps") or []
            step = next((s for s in steps if isinstance(s, dict) and s.get("step") == "tree"), None)
            if not step:
                continue
            facts = step.get("facts") or {}
            known = self.recorded.setdefault(ticket_id, {})
            for entry in step.get("lookups") or []:
                name = entry.get("name") or ""
                if entry.get("ok") and name and name not in known:
                    prefix = f"{name}."
                    flat = {k[len(prefix) :]: v for k, v in facts.items() if k.startswith(prefix)}
                    returned = int(entry.get("keys") or 0)
                    known[name] = (_unflatten(flat), decision_id, len(flat), max(returned, len(flat)))

    def __call__(self, *, name: str, ticket, category_slug: str = "") -> LookupResult:
        """The recorded result of lookup ``name`` for ``ticket`` (see the class docstring). Never raises."""
        found = self.recorded.get(ticket.pk, {}).get(name)
        if found is None:
            return LookupResult(
                name=name,
                ok=False,
                source="history",
                error=f"{NOT_REPLAYABLE}: the ticket's history records no {name} result (no vendor call replayed)",
            )
        facts, decision_id, kept, returned = found
        if kept < returned:
            return LookupResult(
                name=name,
                ok=False,
                source=f"history:decision {decision_id}",
                error=f"{NOT_REPLAYABLE}: decision {decision_id} recorded {kept} of the {returned} {name} values",
            )
        return LookupResult(name=name, ok=True, facts=facts, source=f"history:decision {decision_id}")


def _replayable(plan) -> bool:
    """False when ``plan``'s tree needed a lookup the ticket's history did not record."""
    step = next((s for s in plan.trace.steps if s.get("step") == "tree"), None)
    return not any(
        str(entry.get("error") or "").startswith(NOT_REPLAYABLE) for entry in (step or {}).get("lookups") or []
    )


def replay_batch(
    *,
    classifier,
    categories: dict[str, Category],
    overrides: dict[str, dict],
    zero: bool,
    lookups: bool = False,
    recorded: RecordedLookups | None = None,
) -> Batch:
    """The pipeline inputs of a replay: ``categories`` (in-memory copies), the published trees and settings with
    ``overrides[slug]`` (``tree``, ``thresholds``, ``profiles``, ``guidelines``, ``required_fields``, ``number``)
    in their place, thresholds 0 everywhere when ``zero`` (the sweep), the offline composer, the knowledge base,
    no control group; lookups through ``lookup_run`` when ``lookups``, else replay-only from ``recorded`` (none
    recorded: every lookup is not replayable). Raises ``ValidationError`` when an override's tree does not
    validate."""
    from apps.workflows.services.triage import knowledge_passages, knowledge_retrieve, published_workflows
    from apps.workflows.tree.schema import tree_validate

    trees, specs = published_workflows()
    for slug, o in overrides.items():
        if o.get("tree"):
            errors = tree_validate(o["tree"])
            if errors:
                raise ValidationError(f"the tree of {slug} v{o.get('number')} is not valid: {errors[0]}")
            trees[slug] = o["tree"]
        elif "tree" in o:  # a version without a tree runs the category template, never the published tree
            trees.pop(slug, None)
        base = specs.get(slug)
        specs[slug] = WorkflowSpec(
            version=int(o.get("number") or (base.version if base else 0)),
            thresholds=o.get("thresholds") or (base.thresholds if base else {}),
            profiles=o.get("profiles", base.profiles if base else {}),
            guidelines=o.get("guidelines", base.guidelines if base else ""),
            required_fields=list(o.get("required_fields", base.required_fields if base else [])),
        )
    if zero:
        specs = {slug: dc_replace(spec, thresholds={"auto": 0.0, "draft": 0.0}) for slug, spec in specs.items()}
    has_knowledge = Chunk.objects.filter(visibility=Visibility.PUBLIC).exists()
    return Batch(
        classifier=classifier,
        categories=categories,
        triggers=TriggerSet.load(),
        llm=OfflineComposer(),
        passages=knowledge_passages if has_knowledge else None,
        trees=trees,
        workflows=specs,
        retrieve=knowledge_retrieve if has_knowledge else None,
        lookup=None if lookups else (recorded if recorded is not None else _no_vendor_lookup),
        control=False,
    )


def _cache_key(limit: int, overrides: dict, classifier_id: int | None) -> str:
    newest = Ticket.objects.filter(labelled_category__isnull=False).order_by("-created_at", "-id").values("id")[:1]
    count = Ticket.objects.filter(labelled_category__isnull=False).count()
    state = json.dumps(
        {"limit": limit, "overrides": overrides, "classifier": classifier_id, "newest": list(newest), "n": count},
        sort_keys=True,
        default=str,
    )
    return "workflows:backtest:" + hashlib.sha256(state.encode()).hexdigest()[:32]


def backtest_replay(
    *,
    limit: int = DEFAULT_LIMIT,
    overrides: dict[str, dict] | None = None,
    progress: ProgressFn | None = None,
    use_cache: bool = True,
    classifier=None,
    ticket_ids: Sequence[int] | None = None,
) -> BacktestReplay:
    """Replay the last ``limit`` labelled tickets through the pipeline (see the module docstring).

    ``overrides``: per category slug, the version to replay instead of the category's current settings, as
    ``{"thresholds": {"auto", "draft"}, "tree": {...}}`` (``WorkflowVersion`` fields). ``progress(done, total)``
    is called after each chunk of ``CHUNK`` tickets. Results are cached for ``CACHE_SECONDS`` per limit,
    overrides, active classifier and labelled history (so threshold edits re-read them instantly).
    ``classifier``: a model to use instead of the active one (``holdout_classifier``, tests); ``ticket_ids``: replay
    only these labelled tickets (still newest first, at most ``limit``). Raises ``ValidationError`` when ``limit``
    is out of range or no classifier is trained.
    """
    if not 1 <= limit <= BACKTEST_LIMIT_MAX:
        raise ValidationError(f"limit must be between 1 and {BACKTEST_LIMIT_MAX} tickets")
    overrides = overrides or {}
    version = ClassifierVersion.objects.filter(is_active=True).values_list("id", flat=True).first()
    model = classifier or get_active_classifier()
    if model is None:
        raise ValidationError("no trained classifier: run `manage.py train_classifier` first")
    key = _cache_key(limit, overrides, version) if use_cache and classifier is None and ticket_ids is None else ""
    if key and (cached := cache.get(key)) is not None:
        if progress:
            progress(len(cached.rows), len(cached.rows))
        return cached
    started = time.perf_counter()
    categories, thresholds = _replay_categories(overrides)
    recorded = RecordedLookups()
    batch = replay_batch(classifier=model, categories=categories, overrides=overrides, zero=True, recorded=recorded)
    needs_lookups = any(n.get("type") == "lookup" for tree in batch.trees.values() for n in tree.get("nodes", []))
    if ticket_ids is None:
        tickets = history_tickets(limit=limit)
    else:
        tickets = _history(Ticket.objects.filter(labelled_category__isnull=False, pk__in=list(ticket_ids)), limit)
    rows: list[BacktestRow] = []
    for start in range(0, len(tickets), CHUNK):
        chunk = tickets[start : start + CHUNK]
        if needs_lookups:
            recorded.load([t.pk for t in chunk])
        contexts = []
        for ticket in chunk:
            ctx = context_build(ticket, ticket.customer_messages[:1])
            ctx.with_human, ctx.ticket_queue = "", ""  # replayed as it arrived: nobody had it yet
            contexts.append(ctx)
        for ticket, plan in zip(chunk, triage_plan(batch, contexts), strict=True):
            # an answer, or a question to the customer (need_info): sent, drafted or escalated by the thresholds
            threshold_bound = plan.why in ("auto_band", "need_info") and plan.outcome in (
                Outcome.RESOLVE,
                Outcome.DRAFT,
            )
            rows.append(
                BacktestRow(
                    ticket_id=ticket.pk,
                    label=ticket.labelled_category.slug,
                    predicted=plan.category.slug if plan.category else "",
                    confidence=float(plan.confidence or 0.0),
                    fixed="" if threshold_bound else plan.outcome,
                    why=plan.why,
                    cap=Outcome.DRAFT if threshold_bound and plan.outcome == Outcome.DRAFT else "",
                    human=human_outcome(ticket),
                    replayable=_replayable(plan),
                    asks=plan.why == "need_info",
                )
            )
        if progress:
            progress(len(rows), len(tickets))
    replay = BacktestReplay(
        rows=rows,
        limit=limit,
        seconds=time.perf_counter() - started,
        classifier_version=version,
        thresholds=thresholds,
    )
    if key:
        cache.set(key, replay, CACHE_SECONDS)
    return replay


def version_overrides(*, category_slug: str, number: int | None = None) -> dict[str, dict]:
    """The ``overrides`` argument of ``backtest_replay`` for the workflow version ``number`` of category
    ``category_slug`` (default: its published version): ``{slug: {"thresholds", "tree", "number"}}``, or ``{}``
    when the category has no published version (its own thresholds are replayed). Raises ``ValidationError``
    when version ``number`` does not exist."""
    from apps.workflows.models import WorkflowVersion

    versions = WorkflowVersion.objects.filter(workflow__category__slug=category_slug)
    if number is None:
        version = versions.filter(status="published").order_by("-number").first()
        if version is None:
            return {}
    else:
        version = versions.filter(number=number).first()
        if version is None:
            raise ValidationError(f"category {category_slug!r} has no workflow version {number}")
    return {
        category_slug: {
            "thresholds": version.thresholds or {},
            "tree": version.tree,
            "number": version.number,
            "profiles": version.profiles or {},
            "guidelines": version.guidelines,
            "required_fields": version.required_fields or [],
        }
    }
