"""Write a generated demo workspace to the database, then run the follow-up steps (knowledge, classifier, triage).

The workspace rows are written in one transaction with ``bulk_create`` (nothing half-seeded on failure); the
follow-up steps run afterwards and report what they did or why they were skipped.
"""

import importlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.core.management.commands.demo_logins import DEMO_PASSWORD
from apps.escalation.models import Queue
from apps.integrations.models import (
    BillingCharge,
    BillingCustomer,
    BillingInvoice,
    BillingPaymentIntent,
    BillingRefund,
)
from apps.tickets.choices import TicketSource
from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.workflows.models import Category

from .company import CATEGORIES, QUEUES, USERS
from .generate import workspace_generate
from .specs import TicketSpec, WorkspaceSpec

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
# (sub-folder, source name, kind, visibility) for ``ingest_knowledge``
KNOWLEDGE_SOURCES = [
    ("help", "Tallyflow Help Center", "help_article", "public"),
    ("pricing", "Tallyflow pricing page", "pricing_page", "public"),
    ("internal", "Support SOPs", "internal_sop", "internal"),
]
BATCH = 1000
DEMO_PREFIX = "demo-"


@dataclass
class SeedSummary:
    """What ``demo_workspace_seed`` wrote (row counts per table) and what its follow-up steps reported."""

    counts: dict[str, int] = field(default_factory=dict)
    steps: list[tuple[str, str]] = field(default_factory=list)  # (step, "done: …" | "skipped: …" | "failed: …")
    scenarios: dict[str, str] = field(default_factory=dict)  # scenario -> organization name
    seconds: float = 0.0


def demo_workspace_exists() -> bool:
    """True when demo tickets are already stored."""
    return Ticket.objects.filter(source=TicketSource.DEMO).exists()


@transaction.atomic
def demo_workspace_delete() -> int:
    """Delete the demo workspace's tickets, accounts, contacts and billing tables; users, queues and categories
    stay (they are updated in place by the next seed). Returns the number of tickets deleted."""
    tickets = Ticket.objects.filter(source=TicketSource.DEMO)
    deleted = tickets.count()
    tickets.delete()
    BillingCustomer.objects.filter(id__startswith="cus_").delete()
    Contact.objects.filter(external_id__startswith=DEMO_PREFIX).delete()
    Organization.objects.filter(external_id__startswith=DEMO_PREFIX).delete()
    return deleted


def demo_workspace_seed(
    *,
    tickets: int = 2500,
    seed: int = 42,
    now: datetime | None = None,
    follow_up: bool = True,
    log: Callable[[str], None] = lambda _: None,
) -> SeedSummary:
    """Generate the demo workspace (``tickets`` historical tickets; same ``seed`` and ``now``, same data) and store it.

    Raises ``ConflictError`` when demo tickets already exist (delete them first with ``demo_workspace_delete``),
    ``ValidationError`` when ``tickets`` < 1.
    With ``follow_up`` it then ingests the knowledge articles, trains the classifier and triages the open tickets,
    each only when the module that does it is installed; ``log`` receives one line per step.
    """
    if tickets < 1:
        raise ValidationError("tickets must be at least 1")
    started = time.perf_counter()
    now = now or timezone.now()
    if demo_workspace_exists():
        raise ConflictError("The demo workspace is already seeded: use --reset to replace it.")
    spec = workspace_generate(seed=seed, tickets=tickets, now=now)
    log(
        f"Generated {len(spec.tickets)} tickets for {len(spec.orgs)} accounts in {time.perf_counter() - started:.1f} s"
    )
    summary = SeedSummary()
    with transaction.atomic():
        from apps.escalation.defaults import escalation_defaults_ensure
        from apps.escalation.triggers import trigger_rules_ensure_defaults

        trigger_rules_ensure_defaults()  # the default trigger rules, SLA policies and routing rules that
        escalation_defaults_ensure()  # migrations install, again after a flush (--reset, transactional tests)
        users = _save_users()
        queues = _save_queues(users)
        _save_categories(queues)
        _optional("apps.core.demo.workflows", "demo_workflows_publish")(users=users)  # published demo workflows
        orgs, contacts = _save_accounts(spec, users)
        summary.counts.update(_save_billing(spec, orgs))
        summary.counts.update(_save_tickets(spec, orgs, contacts, users, queues))
    summary.counts.update(
        users=len(users),
        queues=len(queues),
        categories=len(CATEGORIES),
        organizations=len(orgs),
        contacts=len(contacts),
    )
    by_key = {o.key: o.name for o in spec.orgs}
    summary.scenarios = {name: by_key[facts["org_key"]] for name, facts in spec.billing.scenarios.items()}
    log(f"Stored the workspace in {time.perf_counter() - started:.1f} s")
    if follow_up:
        steps = (
            ("knowledge", "Ingesting the knowledge articles", _ingest_knowledge),
            ("classifier", "Training the classifier on the labelled history", _train_classifier),
            ("triage", "Triaging the open tickets", _triage),
            ("figures", "Computing the dashboard's daily figures", _daily_figures),
        )
        for name, doing, step in steps:
            log(f"{doing}…")
            t0 = time.perf_counter()
            try:
                result = step()
            except Exception as exc:  # a follow-up step must not undo the seeded workspace
                result = f"failed: {type(exc).__name__}: {exc}"
            summary.steps.append((name, f"{result} ({time.perf_counter() - t0:.1f} s)"))
    summary.seconds = time.perf_counter() - started
    return summary


# -- workspace rows ----------------------------------------------------------------------------------------------
def _save_users() -> dict:
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hash once: the hasher is deliberately slow
    users = {}
    for spec in USERS:
        admin = spec.role == "admin"
        user, created = User.objects.get_or_create(username=spec.username, defaults={"password": password})
        user.first_name, user.last_name, user.role = spec.first_name, spec.last_name, spec.role
        user.email = f"{spec.username}@tallyflow.example"
        user.availability = spec.availability
        user.is_superuser = admin
        user.is_staff = spec.role in ("admin", "lead")  # leads edit triggers, SLA policies and queues in the admin
        user.save()
        users[spec.username] = user
    return users


def _save_queues(users: dict) -> dict[str, Queue]:
    queues = {}
    for slug, name, description in QUEUES:
        queue, _ = Queue.objects.update_or_create(slug=slug, defaults={"name": name, "description": description})
        queue.members.set([u for u in users.values() if slug in _queues_of(u.username)])
        queues[slug] = queue
    return queues


def _queues_of(username: str) -> tuple[str, ...]:
    return next((u.queues for u in USERS if u.username == username), ())


def _save_categories(queues: dict[str, Queue]) -> None:
    for c in CATEGORIES:
        Category.objects.update_or_create(
            slug=c.slug,
            defaults={
                "name": c.name,
                "description": c.description,
                "reply_template": c.reply_template,
                "default_queue": queues[c.queue],
                "is_sensitive": c.sensitive,
                "rollout_state": c.rollout,
                "auto_threshold": c.auto,
                "draft_threshold": c.draft,
            },
        )


def _save_accounts(spec: WorkspaceSpec, users: dict) -> tuple[dict, dict]:
    orgs = {
        o.key: Organization(
            name=o.name,
            external_id=DEMO_PREFIX + o.key,
            domain=o.domain,
            tier=o.tier,
            plan=o.plan.name,
            segment=o.segment,
            region=o.region,
            account_manager=users.get(o.account_manager) if o.account_manager else None,
        )
        for o in spec.orgs
    }
    Organization.objects.bulk_create(orgs.values(), batch_size=BATCH)
    for o in spec.orgs:  # bulk_update skips auto_now_add, so accounts keep their real "customer since" date
        orgs[o.key].created_at = o.created
    Organization.objects.bulk_update(orgs.values(), ["created_at"], batch_size=BATCH)
    contacts = {
        c.key: Contact(
            organization=orgs[o.key], name=c.name, email=c.email, external_id=DEMO_PREFIX + c.key, language=c.language
        )
        for o in spec.orgs
        for c in o.contacts
    }
    Contact.objects.bulk_create(contacts.values(), batch_size=BATCH)
    return orgs, contacts


def _save_billing(spec: WorkspaceSpec, orgs: dict) -> dict[str, int]:
    billing = spec.billing
    customers = []
    for row in billing.customers:
        values = {k: v for k, v in row.items() if k != "org_key"}
        customers.append(BillingCustomer(organization=orgs[row["org_key"]], **values))
    BillingCustomer.objects.bulk_create(customers, batch_size=BATCH)
    BillingInvoice.objects.bulk_create([BillingInvoice(**r) for r in billing.invoices], batch_size=BATCH)
    BillingPaymentIntent.objects.bulk_create(
        [BillingPaymentIntent(**r) for r in billing.payment_intents], batch_size=BATCH
    )
    BillingCharge.objects.bulk_create([BillingCharge(**r) for r in billing.charges], batch_size=BATCH)
    BillingRefund.objects.bulk_create([BillingRefund(**r) for r in billing.refunds], batch_size=BATCH)
    return {
        "billing_customers": len(customers),
        "billing_invoices": len(billing.invoices),
        "billing_payment_intents": len(billing.payment_intents),
        "billing_charges": len(billing.charges),
        "billing_refunds": len(billing.refunds),
    }


def _save_tickets(spec: WorkspaceSpec, orgs: dict, contacts: dict, users: dict, queues: dict) -> dict[str, int]:
    categories = {c.slug: c for c in Category.objects.all()}
    specs: list[TicketSpec] = spec.tickets + spec.open_tickets
    rows = []
    for t in specs:
        category = categories[t.category] if t.category else None
        rows.append(
            Ticket(
                source=TicketSource.DEMO,
                external_id=t.external_id,
                organization=orgs[t.org_key],
                contact=contacts[t.contact_key],
                channel=t.channel,
                status=t.status,
                priority=t.priority,
                subject=t.subject[:500],
                language=t.language,
                category=category,
                labelled_category=category,
                queue=queues[t.queue] if t.queue else None,
                assignee=users.get(t.assignee) if t.assignee else None,
                page_url=t.page_url,
                page_title=t.page_title,
                page_context=t.page_context,
                tags=t.tags,
                metadata=t.metadata,
                csat=t.csat,
                created_at=t.created_at,
                first_response_at=t.first_response_at,
                resolved_at=t.resolved_at,
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=BATCH)
    messages = [
        Message(
            ticket=row,
            author_kind=m.author_kind,
            author_user=users.get(m.author) if m.author else None,
            body=m.body,
            is_internal=m.is_internal,
            email_message_id=m.email_message_id,
            email_in_reply_to=m.email_in_reply_to,
            email_references=[m.email_in_reply_to] if m.email_in_reply_to else [],
            email_headers=m.email_headers,
            created_at=m.created_at,
        )
        for row, t in zip(rows, specs, strict=True)
        for m in t.messages
    ]
    Message.objects.bulk_create(messages, batch_size=BATCH)
    return {"tickets": len(spec.tickets), "open_tickets": len(spec.open_tickets), "messages": len(messages)}


# -- follow-up steps ---------------------------------------------------------------------------------------------
def _optional(module: str, name: str):
    """``module.name`` when that module exists (other parts of the product may not be installed yet), else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def _ingest_knowledge() -> str:
    if "ingest_knowledge" not in get_commands():
        return "skipped: the ingest_knowledge command is not installed"
    done = []
    for folder, source, kind, visibility in KNOWLEDGE_SOURCES:
        path = KNOWLEDGE_DIR / folder
        out = StringIO()
        call_command(
            "ingest_knowledge",
            str(path),
            source=source,
            kind=kind,
            visibility=visibility,
            prune=True,
            no_progress=True,
            stdout=out,
        )
        files = len(list(path.glob("*.md")))
        found = re.search(r"(\d+) new, (\d+) changed, (\d+) unchanged.*?(\d+) chunks written", out.getvalue())
        detail = ", {} new, {} changed, {} unchanged, {} chunks".format(*found.groups()) if found else ""
        done.append(f"{source} ({files} files{detail})")
    return "done: " + ", ".join(done)


def _train_classifier() -> str:
    train = _optional("apps.workflows.classifier", "classifier_train_from_history")
    if train is None:
        return "skipped: apps.workflows.classifier.classifier_train_from_history is not installed"
    version = train()
    metrics = getattr(version, "metrics", None) or {}
    figures = ", ".join(f"{key} {metrics[key]:.3f}" for key in ("accuracy", "macro_f1", "ece") if key in metrics)
    held = f" on {metrics['n_holdout']} held-out tickets" if "n_holdout" in metrics else ""
    return f"done: version {getattr(version, 'pk', '?')}, {figures}{held}"


def _daily_figures() -> str:
    refresh = _optional("apps.analytics.tasks", "stats_refresh_nightly_task")
    if refresh is None:
        return "skipped: apps.analytics.tasks.stats_refresh_nightly_task is not installed"
    return f"done: {refresh()} rows (the schedule keeps them fresh)"


def _triage() -> str:
    triage_batch = _optional("apps.workflows.tasks", "triage_batch")
    if triage_batch is None:
        return "skipped: apps.workflows.tasks.triage_batch is not installed"
    ids = list(
        Ticket.objects.filter(source=TicketSource.DEMO, status="new", category__isnull=True)
        .order_by("created_at")
        .values_list("id", flat=True)
    )
    counts = triage_batch(ids) or {}
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.get("by_outcome", {}).items()))
    return f"done: {counts.get('total', len(ids))} of {len(ids)} open tickets triaged ({outcomes or 'no outcomes'})"
