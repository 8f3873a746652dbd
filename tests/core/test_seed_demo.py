"""seed_demo: the generated Tallyflow workspace (users, queues, categories, accounts, tickets, billing scenarios)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from apps.core.demo.generate import workspace_generate
from apps.core.demo.seeder import demo_workspace_delete, demo_workspace_seed
from apps.core.management.commands.demo_logins import DEMO_PASSWORD
from apps.escalation.models import Queue
from apps.integrations.models import BillingCharge, BillingCustomer, BillingPaymentIntent, BillingRefund
from apps.knowledge.models import Source
from apps.tickets.models import Message, Organization, Ticket
from apps.workflows.models import Category

pytestmark = pytest.mark.django_db

QUEUES = {"support", "senior", "billing", "tech-support", "account-admin", "legal-compliance", "security", "sales"}
REQUIRED_CATEGORIES = {
    "billing",
    "billing/double-charge",
    "account/password-reset",
    "plan-upgrade",
    "how-to",
    "bug-report",
    "outage",
    "cancellation",
    "legal-privacy",
    "integrations",
    "feature-request",
}


def _seed(tickets: int = 200, seed: int = 3, *extra: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--tickets", str(tickets), "--seed", str(seed), "--no-follow-up", *extra, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_users_queues_and_categories():
    output = _seed()
    assert "Demo workspace seeded" in output and "200 historical tickets" in output

    users = {u.username: u for u in get_user_model().objects.all()}
    assert {"admin", "lead", "agent"} <= set(users)
    assert users["admin"].role == "admin" and users["admin"].is_superuser and users["admin"].is_staff
    assert users["lead"].role == "lead" and users["lead"].is_staff and not users["lead"].is_superuser
    assert not users["agent"].is_staff
    agents = [u for u in users.values() if u.role == "agent"]
    assert len(agents) >= 4 and any(u.availability == "online" for u in agents)
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())

    assert set(Queue.objects.values_list("slug", flat=True)) == QUEUES
    assert Queue.objects.get(slug="billing").members.filter(username="agent").exists()

    categories = {c.slug: c for c in Category.objects.select_related("default_queue")}
    assert len(categories) >= 10 and set(categories) >= REQUIRED_CATEGORIES
    assert categories["legal-privacy"].is_sensitive and categories["cancellation"].is_sensitive
    assert not categories["how-to"].is_sensitive
    assert categories["account/password-reset"].rollout_state == "auto"
    assert categories["how-to"].rollout_state == "assist"
    assert categories["plan-upgrade"].rollout_state == "shadow"
    assert {c.rollout_state for c in categories.values()} == {"off", "shadow", "assist", "auto"}
    for category in categories.values():
        assert category.default_queue is not None
        assert "{customer_name}" in category.reply_template and "{ticket_id}" in category.reply_template
        assert 0 < category.draft_threshold < category.auto_threshold <= 1


def test_seed_demo_tickets_are_varied_and_plausible():
    _seed(tickets=200)
    now = timezone.now()
    history = Ticket.objects.filter(source="demo", category__isnull=False)
    assert history.count() == 200
    assert not history.exclude(labelled_category=F("category")).exists()
    assert set(history.values_list("channel", flat=True)) == {"chat", "email"}
    assert set(history.values_list("organization__tier", flat=True)) == {"free", "pro", "business", "enterprise"}
    assert history.values("category").distinct().count() >= 10
    assert history.filter(language="de").exists() and history.filter(language="en").exists()
    assert not history.filter(created_at__lt=now - timedelta(days=91)).exists()
    assert not history.filter(first_response_at__lt=F("created_at")).exists()
    assert not history.filter(resolved_at__lt=F("first_response_at")).exists()
    assert history.filter(csat__isnull=False).exists() and not history.filter(csat__gt=5).exists()
    assert history.filter(status__in=["resolved", "closed"]).count() > 150

    # every ticket opens with the customer's message; answered ones have an agent reply after it
    with_customer = history.filter(messages__author_kind="customer").distinct().count()
    assert with_customer == 200
    answered = history.filter(first_response_at__isnull=False)
    assert Message.objects.filter(ticket__in=answered, author_kind="agent", author_user__isnull=False).exists()
    first_messages: dict[int, str] = {}
    customer = Message.objects.filter(ticket__in=history, author_kind="customer").order_by("created_at")
    for ticket_id, body in customer.values_list("ticket_id", "body"):
        first_messages.setdefault(ticket_id, body)
    assert len(set(first_messages.values())) > 0.95 * len(first_messages), "first messages should rarely repeat"
    email = history.filter(channel="email").first()
    assert email.messages.first().email_message_id.startswith("<demo-")
    chat = history.filter(channel="chat").first()
    assert chat.page_url.startswith("https://app.tallyflow.example") and chat.page_context["area"]

    open_tickets = Ticket.objects.filter(source="demo", category__isnull=True)
    assert open_tickets.count() >= 10
    assert not open_tickets.exclude(status="new").exists()
    assert not open_tickets.filter(created_at__lt=now - timedelta(hours=8)).exists()
    assert not Message.objects.filter(ticket__in=open_tickets).exclude(author_kind="customer").exists()

    enterprise = Organization.objects.filter(tier="enterprise")
    assert enterprise.exists() and not enterprise.filter(account_manager__isnull=True).exists()


def test_seed_demo_billing_scenarios():
    _seed(tickets=200)
    scenario = {
        c.metadata.get("demo_scenario"): c for c in BillingCustomer.objects.exclude(metadata__demo_scenario=None)
    }
    assert {"released_hold", "duplicate_capture", "refund_reversal", "foreign_currency_refund"} <= set(scenario)
    assert not BillingCustomer.objects.filter(organization__tier="free").exists()
    assert BillingCharge.objects.filter(status="succeeded", captured=True).count() > 20

    # a released authorization hold next to one captured charge of the same amount, minutes apart
    hold_customer = scenario["released_hold"]
    hold = BillingPaymentIntent.objects.get(customer=hold_customer, status="canceled")
    assert hold.capture_method == "manual" and hold.amount_received == 0 and hold.canceled_at > hold.created
    captured = BillingCharge.objects.get(customer=hold_customer, captured=True, invoice=hold.invoice)
    assert captured.amount == hold.amount and abs(captured.created - hold.created) < timedelta(minutes=10)
    assert not hold.charges.exists()

    # a real duplicate capture: two captured charges, same amount and invoice, within minutes
    charges = list(
        BillingCharge.objects.filter(customer=scenario["duplicate_capture"], captured=True).order_by("created")
    )
    pairs = [(a, b) for a, b in zip(charges, charges[1:], strict=False) if a.invoice_id == b.invoice_id]
    assert len(pairs) == 1
    first, second = pairs[0]
    assert first.amount == second.amount and second.created - first.created < timedelta(minutes=10)
    assert first.payment_intent_id != second.payment_intent_id

    # a refund shown as a reversal
    reversal = BillingRefund.objects.get(charge__customer=scenario["refund_reversal"])
    assert reversal.destination_type == "reversal" and reversal.destination_reference.startswith("STAN ")
    assert reversal.amount == reversal.charge.amount and reversal.charge.refunded

    # a refund in another currency than the customer's
    fx_customer = scenario["foreign_currency_refund"]
    fx_refund = BillingRefund.objects.get(charge__customer=fx_customer)
    assert fx_refund.currency != fx_customer.currency and fx_refund.currency == fx_refund.charge.currency
    assert fx_refund.metadata["card_currency"] == fx_customer.currency
    assert fx_refund.metadata["card_amount"] < fx_refund.charge.metadata["card_amount"]

    # the scenario customers wrote in: their open tickets quote their own amounts
    hold_ticket = Ticket.objects.get(organization=hold_customer.organization, metadata__scenario="released_hold")
    amount = f"{captured.amount / 100:,.2f}"
    assert "charged twice" in hold_ticket.messages.get().body.lower() and amount in hold_ticket.messages.get().body


def test_if_empty_is_a_no_op_and_reseeding_needs_reset():
    _seed(tickets=60)
    before = Ticket.objects.count()
    output = _seed(60, 3, "--if-empty")
    assert "not seeded" in output and Ticket.objects.count() == before

    with pytest.raises(CommandError, match="--reset"):
        _seed(tickets=60)
    output = _seed(60, 4, "--reset")
    assert "Deleted" in output and Ticket.objects.count() == before
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_same_seed_gives_the_same_workspace():
    now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    first = workspace_generate(seed=5, tickets=120, now=now)
    assert first == workspace_generate(seed=5, tickets=120, now=now)
    other = workspace_generate(seed=6, tickets=120, now=now)
    assert [o.name for o in first.orgs] != [o.name for o in other.orgs]

    def snapshot():
        return list(
            Ticket.objects.filter(source="demo")
            .order_by("external_id")
            .values_list("external_id", "subject", "channel", "category__slug", "organization__name", "created_at")
        ) + list(BillingCharge.objects.order_by("id").values_list("id", "amount", "currency", "created"))

    demo_workspace_seed(tickets=80, seed=9, now=now, follow_up=False)
    stored = snapshot()
    demo_workspace_delete()
    demo_workspace_seed(tickets=80, seed=9, now=now, follow_up=False)
    assert snapshot() == stored


def test_follow_up_trains_the_classifier_and_triages_the_open_tickets():
    summary = demo_workspace_seed(tickets=150, seed=2)
    steps = dict(summary.steps)
    assert steps["knowledge"].startswith("done"), steps["knowledge"]
    sources = {s.name: s for s in Source.objects.annotate(n=Count("documents"))}
    assert sources["Tallyflow Help Center"].visibility == "public" and sources["Tallyflow Help Center"].n >= 15
    assert sources["Support SOPs"].visibility == "internal" and sources["Support SOPs"].kind == "internal_sop"
    assert sources["Tallyflow pricing page"].kind == "pricing_page"
    assert steps["classifier"].startswith("done"), steps["classifier"]
    assert steps["triage"].startswith("done"), steps["triage"]
    open_ids = Ticket.objects.filter(source="demo", external_id__startswith="demo-open-").values_list("id", flat=True)
    decided = Ticket.objects.filter(id__in=open_ids, decisions__isnull=False).distinct().count()
    assert decided == len(open_ids)
    outcomes = set(Ticket.objects.filter(id__in=open_ids).values_list("decisions__outcome", flat=True))
    assert "escalate" in outcomes  # legal, security and outage tickets go to humans
