"""The sandbox: a test set per workflow, run against a version with the real pipeline (nothing is written or sent).

A test case is a ticket text with its channel and customer tier, and what should happen: the expected category
and outcome (``resolve``, ``draft``, ``escalate``, ``answer`` = resolve or draft, ``ask`` = the workflow asks the
customer for missing information first (need_info or required fields), or blank = any; an ask is not an answer).
Cases are written by hand or built from labelled history (the ticket's human label and what humans did: one public
agent reply that resolved it → ``answer``; an escalated ticket → ``escalate``; anything else → category only).

Running a version plans every case with ``apps.workflows.engine.triage_plan`` — the active classifier, the hard
triggers, the version's tree and thresholds in rollout ``auto``, the offline composer (no paid provider call from
a screen) and the knowledge base — and compares each case with the expectation. ``sandbox_compare`` runs the draft
and the published version side by side; a case the published version passes and the draft fails is a regression,
and ``workflow_version_publish`` refuses to publish over regressions unless the lead confirms.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind, Channel, TicketStatus, Tier
from apps.tickets.models import Message, Organization, Ticket
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.classifier import get_active_classifier
from apps.workflows.engine import Batch, context_build, triage_plan
from apps.workflows.models import Category, Workflow, WorkflowTestCase, WorkflowVersion

from .backtest import human_outcome, replay_batch

EXPECTED_OUTCOMES = ("", "answer", "ask", Outcome.RESOLVE, Outcome.DRAFT, Outcome.ESCALATE)
MAX_TEXT = 5000


@dataclass
class CaseResult:
    """One case's run: what the engine decided and whether it met the expectation (``failures`` says why not)."""

    case: WorkflowTestCase
    category: str
    confidence: float | None
    outcome: str
    why: str
    reason: str
    failures: list[str] = field(default_factory=list)
    asks: list[str] | None = None  # the fields the workflow asks the customer for (None: it does not ask)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def shown(self) -> str:
        """The outcome as the screens show it: ``ask (order_id)`` for a question to the customer."""
        return f"ask ({', '.join(self.asks)})" if self.asks is not None else self.outcome


@dataclass
class SandboxRun:
    """A version's results on the workflow's test set."""

    version: WorkflowVersion | None
    results: list[CaseResult]
    seconds: float

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    def by_case(self) -> dict[int, CaseResult]:
        return {r.case.pk: r for r in self.results}


@dataclass
class SandboxComparison:
    """A draft's run beside the published version's: ``rows`` pair the results per case with a ``change``
    (``regression``: published passed, draft fails; ``fixed``: the other way; ``same``)."""

    draft: SandboxRun
    published: SandboxRun | None
    rows: list[dict]

    @property
    def regressions(self) -> list[dict]:
        return [r for r in self.rows if r["change"] == "regression"]


def _check(case: WorkflowTestCase, category: str, outcome: str, asks: list[str] | None = None) -> list[str]:
    failures = []
    if case.expected_category and category != case.expected_category:
        failures.append(f"category {category or '(none)'}, expected {case.expected_category}")
    expected = case.expected_outcome
    asked = asks is not None and outcome != Outcome.ESCALATE
    shown = f"asks for {', '.join(asks or [])}" if asked else outcome
    if expected == "ask":
        if not asked:
            failures.append(f"{outcome}, expected a question for missing information")
    elif expected == "answer" and (asked or outcome not in (Outcome.RESOLVE, Outcome.DRAFT)):
        failures.append(f"{shown}, expected an answer (resolve or draft)")
    elif expected and expected != "answer" and (asked or outcome != expected):
        failures.append(f"{shown}, expected {expected}")
    return failures


def _asks(plan) -> list[str] | None:
    """The fields ``plan`` asks the customer for, or None when it does not ask (the trace's tree step)."""
    if plan.why != "need_info":
        return None
    step = next((s for s in plan.trace.steps if s.get("step") == "tree"), {})
    return list(step.get("missing") or [])


@transaction.atomic
def sandbox_case_create(
    *,
    workflow: Workflow,
    text: str,
    channel: str = Channel.EMAIL,
    tier: str = Tier.FREE,
    expected_category: str = "",
    expected_outcome: str = "",
    name: str = "",
    user=None,
) -> WorkflowTestCase:
    """Add a hand-written case to ``workflow``'s test set. ``text``: what the customer wrote (first line doubles
    as the subject); ``expected_category``: a Category slug or blank. Raises ``ValidationError`` for empty text,
    an unknown channel, tier, category or outcome."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("the case needs the customer's text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"the text is {len(text)} characters; at most {MAX_TEXT}")
    if channel not in Channel.values:
        raise ValidationError(f"unknown channel {channel!r}")
    if tier and tier not in Tier.values:
        raise ValidationError(f"unknown tier {tier!r}")
    if expected_outcome not in EXPECTED_OUTCOMES:
        raise ValidationError(f"unknown expected outcome {expected_outcome!r}")
    if expected_category and not Category.objects.filter(slug=expected_category).exists():
        raise ValidationError(f"no category {expected_category!r}")
    return WorkflowTestCase.objects.create(
        workflow=workflow,
        name=(name or text.splitlines()[0])[:200],
        text=text,
        channel=channel,
        tier=tier or "",
        expected_category=expected_category,
        expected_outcome=expected_outcome,
        source="hand",
        created_by=user,
    )


@transaction.atomic
def sandbox_cases_from_history(*, workflow: Workflow, limit: int = 20, user=None) -> list[WorkflowTestCase]:
    """Add up to ``limit`` of the newest tickets humans labelled with ``workflow``'s category (and not in the test
    set yet) as cases, with the expectation from what humans did (see the module docstring). Returns the new
    cases. Raises ``ValidationError`` when ``limit`` is not 1–200."""
    if not 1 <= limit <= 200:
        raise ValidationError("add between 1 and 200 tickets at a time")
    from .backtest import history_tickets_of

    have = set(workflow.test_cases.exclude(ticket=None).values_list("ticket_id", flat=True))
    created = []
    for ticket in history_tickets_of(category=workflow.category, limit=limit, exclude=have):
        first = ticket.customer_messages[0].body if ticket.customer_messages else ""
        if ticket.status == TicketStatus.ESCALATED:
            expected = Outcome.ESCALATE
        elif human_outcome(ticket) == Outcome.RESOLVE:
            expected = "answer"
        else:
            expected = ""
        created.append(
            WorkflowTestCase(
                workflow=workflow,
                name=(ticket.subject or first.splitlines()[0] if first else f"#{ticket.pk}")[:200],
                text="\n".join(p for p in (ticket.subject, first) if p)[:MAX_TEXT],
                channel=ticket.channel,
                tier=ticket.organization.tier if ticket.organization else "",
                expected_category=workflow.category.slug,
                expected_outcome=expected,
                source="history",
                ticket=ticket,
                created_by=user,
            )
        )
    return WorkflowTestCase.objects.bulk_create(created)


def sandbox_case_delete(*, case: WorkflowTestCase) -> None:
    """Remove a case from its workflow's test set."""
    case.delete()


def _contexts(cases: list[WorkflowTestCase]):
    """A context per case, as the ticket arrived: history cases read their ticket's first customer message; hand
    cases become unsaved tickets with negative ids (nothing is written)."""
    customer = Message.objects.filter(author_kind=AuthorKind.CUSTOMER, is_internal=False).order_by("created_at", "id")
    tickets = {
        t.pk: t
        for t in Ticket.objects.filter(pk__in=[c.ticket_id for c in cases if c.ticket_id])
        .select_related("contact", "organization")
        .prefetch_related(Prefetch("messages", queryset=customer, to_attr="customer_messages"))
    }
    contexts = []
    for i, case in enumerate(cases, start=1):
        ticket = tickets.get(case.ticket_id) if case.ticket_id else None
        if ticket is not None:
            messages = ticket.customer_messages[:1]
        else:
            subject, _, body = case.text.partition("\n")
            ticket = Ticket(
                pk=-i,
                source="sandbox",
                external_id=f"case-{case.pk}",
                channel=case.channel,
                subject=subject[:500] if body else "",
                organization=Organization(name="Sandbox customer", tier=case.tier or Tier.FREE),
            )
            now = timezone.now()
            ticket.created_at = now
            messages = [Message(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body=body or subject, created_at=now)]
        ctx = context_build(ticket, messages)
        ctx.with_human, ctx.ticket_queue = "", ""
        contexts.append(ctx)
    return contexts


def _batch(version: WorkflowVersion, classifier) -> Batch:
    """The pipeline inputs for running ``version``: every category in rollout auto, ``version``'s tree, thresholds,
    profiles and guidelines for its category, the published versions elsewhere, real lookups."""
    categories = {}
    for category in Category.objects.select_related("default_queue"):
        replayed = copy.copy(category)
        replayed.rollout_state = RolloutState.AUTO
        categories[category.slug] = replayed
    slug = version.workflow.category.slug
    overrides = {
        slug: {
            "tree": version.tree,
            "thresholds": version.thresholds or {},
            "profiles": version.profiles or {},
            "guidelines": version.guidelines,
            "required_fields": version.required_fields or [],
            "number": version.number,
        }
    }
    return replay_batch(classifier=classifier, categories=categories, overrides=overrides, zero=False, lookups=True)


def sandbox_run(*, version: WorkflowVersion, classifier=None) -> SandboxRun:
    """Run ``version`` (any status) on its workflow's test set; see the module docstring. ``classifier``: a model
    instead of the active one (tests). Raises ``ValidationError`` when no classifier is trained."""
    from apps.workflows.tree.schema import tree_validate

    started = time.perf_counter()
    errors = list(tree_validate(version.tree)) if version.tree else []
    if errors:
        raise ValidationError(f"v{version.number}'s tree has {len(errors)} error(s) ({errors[0]}): fix it first")
    cases = list(version.workflow.test_cases.order_by("pk"))
    model = classifier or get_active_classifier()
    if model is None:
        raise ValidationError("no trained classifier: run `manage.py train_classifier` first")
    if not cases:
        return SandboxRun(version=version, results=[], seconds=0.0)
    plans = triage_plan(_batch(version, model), _contexts(cases))
    results = []
    for case, plan in zip(cases, plans, strict=True):
        slug = plan.category.slug if plan.category else ""
        asks = _asks(plan)
        results.append(
            CaseResult(
                case=case,
                category=slug,
                confidence=plan.confidence,
                outcome=str(plan.outcome),
                why=plan.why,
                reason=plan.reason,
                failures=_check(case, slug, plan.outcome, asks),
                asks=asks,
            )
        )
    return SandboxRun(version=version, results=results, seconds=time.perf_counter() - started)


def sandbox_compare(*, version: WorkflowVersion, classifier=None) -> SandboxComparison:
    """Run ``version`` and its workflow's published version (when it is another one) on the test set and pair
    the results per case (see ``SandboxComparison``)."""
    draft = sandbox_run(version=version, classifier=classifier)
    published_version = (
        version.workflow.versions.filter(status="published").exclude(pk=version.pk).order_by("-number").first()
    )
    published = sandbox_run(version=published_version, classifier=classifier) if published_version else None
    before = published.by_case() if published else {}
    rows = []
    for result in draft.results:
        old = before.get(result.case.pk)
        if old is not None and old.passed and not result.passed:
            change = "regression"
        elif old is not None and not old.passed and result.passed:
            change = "fixed"
        else:
            change = "same"
        rows.append({"case": result.case, "draft": result, "published": old, "change": change})
    return SandboxComparison(draft=draft, published=published, rows=rows)


@dataclass
class Preview:
    """One sample ticket planned by a version: outcome, reason, predicted category and the trace's steps."""

    category: str
    confidence: float | None
    outcome: str
    reason: str
    why: str
    steps: list[dict]
    reply: str


def sandbox_preview(
    *, version: WorkflowVersion, text: str, channel: str = Channel.EMAIL, tier: str = Tier.FREE, classifier=None
) -> Preview:
    """Plan a sample ticket (``text``, first line as the subject) through ``version`` — the same run as a sandbox
    case, without saving the case. Raises ``ValidationError`` for empty text, an unknown channel or tier (an empty
    tier means unknown) or no trained classifier."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("write a sample ticket to preview")
    if channel not in Channel.values:
        raise ValidationError(f"unknown channel {channel!r}")
    if tier and tier not in Tier.values:
        raise ValidationError(f"unknown tier {tier!r}; choose one of {', '.join(Tier.values)}")
    model = classifier or get_active_classifier()
    if model is None:
        raise ValidationError("no trained classifier: run `manage.py train_classifier` first")
    case = WorkflowTestCase(
        workflow=version.workflow, name="preview", text=text[:MAX_TEXT], channel=channel, tier=tier
    )
    plan = triage_plan(_batch(version, model), _contexts([case]))[0]
    trace = plan.trace.as_dict(effect=plan.effect, why=plan.why)
    return Preview(
        category=plan.category.slug if plan.category else "",
        confidence=plan.confidence,
        outcome=str(plan.outcome),
        reason=plan.reason,
        why=plan.why,
        steps=trace.get("steps", []),
        reply=plan.reply.text if plan.reply else "",
    )
