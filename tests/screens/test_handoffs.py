"""The handoff inbox: claim / resolve / reassign services and the screen with the package shown readably."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.escalation.choices import HandoffStatus
from apps.escalation.services import handoff_claim, handoff_reassign, handoff_resolve
from apps.tickets.choices import TicketStatus
from tests.factories import HandoffFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true", "HX-Target": "handoff-detail"}

PACKAGE = {
    "conversation": [
        {"author": "customer", "at": "2026-03-02T09:15:00+00:00", "body": "I was charged twice for March!"},
    ],
    "customer": {"name": "Dana Ruiz", "email": "dana@acme.example", "organization": "Acme", "tier": "enterprise"},
    "channel": "email",
    "page": {"url": "https://app.example/billing", "title": "Billing"},
    "understood": {
        "category": "billing/double-charge",
        "category_name": "Double charge",
        "confidence": 0.83,
        "runner_ups": [{"category": "billing/refund", "confidence": 0.09}],
        "customer_text": "charged twice",
        "fields": {"invoice": "INV-1042"},
    },
    "tried": {"steps": ["classified as billing/double-charge (0.83)"], "draft": None, "nodes": [], "lookups": []},
    "why": {
        "reason": "hard trigger: refund ('charged twice')",
        "kind": "trigger",
        "triggers": [
            {"name": "refund", "kind": "keyword", "evidence": "charged twice", "snippet": "I was charged twice"}
        ],
    },
    "facts": {"last_charge": "2 × 49.00 EUR on 2026-03-01"},
    "priority": "high",
    "sla_due_at": None,
    "next_step": "Check the duplicate charge in billing and refund one of them.",
}


@pytest.fixture
def handoff():
    return HandoffFactory(
        queue=QueueFactory(slug="billing", name="Billing"),
        package=PACKAGE,
        priority="high",
        sla_due_at=timezone.now() + timedelta(minutes=45),
        ticket__subject="Charged twice",
    )


def test_claim_then_resolve(handoff, agent_user):
    claimed = handoff_claim(handoff_id=handoff.pk, user=agent_user)
    assert (claimed.status, claimed.claimed_by) == (HandoffStatus.CLAIMED, agent_user)
    assert handoff_claim(handoff_id=handoff.pk, user=agent_user).claimed_at == claimed.claimed_at  # idempotent
    handoff.ticket.refresh_from_db()
    assert handoff.ticket.assignee == agent_user

    resolved = handoff_resolve(handoff_id=handoff.pk, user=agent_user)
    assert resolved.status == HandoffStatus.RESOLVED and resolved.resolved_at is not None
    handoff.ticket.refresh_from_db()
    assert handoff.ticket.status == TicketStatus.RESOLVED and handoff.ticket.resolved_at is not None
    with pytest.raises(ConflictError, match="already resolved"):
        handoff_claim(handoff_id=handoff.pk, user=agent_user)


def test_someone_elses_claim_is_a_conflict(handoff, agent_user, lead_user):
    handoff_claim(handoff_id=handoff.pk, user=agent_user)
    with pytest.raises(ConflictError, match="already claimed by agent1"):
        handoff_claim(handoff_id=handoff.pk, user=lead_user)
    with pytest.raises(ConflictError, match="claimed by agent1"):
        handoff_resolve(handoff_id=handoff.pk, user=lead_user)


def test_reassign_moves_and_reopens(handoff, agent_user):
    senior = QueueFactory(slug="senior", name="Senior")
    handoff_claim(handoff_id=handoff.pk, user=agent_user)
    moved = handoff_reassign(handoff_id=handoff.pk, queue_slug="senior", user=agent_user)
    assert (moved.queue, moved.status, moved.claimed_by) == (senior, HandoffStatus.OPEN, None)
    handoff.ticket.refresh_from_db()
    assert handoff.ticket.queue == senior and handoff.ticket.assignee is None
    with pytest.raises(ValidationError, match="does not exist"):
        handoff_reassign(handoff_id=handoff.pk, queue_slug="nowhere", user=agent_user)


def test_inbox_sorted_by_sla_due_with_package_readable(agent_client, handoff):
    general = QueueFactory(slug="support", name="General")
    later = HandoffFactory(queue=general, sla_due_at=timezone.now() + timedelta(hours=5))
    overdue = HandoffFactory(queue=general, sla_due_at=timezone.now() - timedelta(minutes=5))
    no_sla = HandoffFactory(queue=general, sla_due_at=None)
    HandoffFactory(queue=general, status=HandoffStatus.RESOLVED, resolved_at=timezone.now())

    html = agent_client.get("/escalation/handoffs/").content.decode()
    order = [int(i) for i in re.findall(r'id="handoff-row-(\d+)"', html)]
    assert order == [overdue.pk, handoff.pk, later.pk, no_sla.pk]
    assert 'class="countdown" datetime="' in html and "js/countdown.js" in html

    html = agent_client.get(f"/escalation/handoffs/{handoff.pk}/").content.decode()
    # the package is shown as sections, not raw JSON
    assert "Check the duplicate charge in billing and refund one of them." in html
    assert "I was charged twice for March!" in html
    assert "Double charge" in html and "0.83" in html
    assert "<dt>invoice</dt><dd>INV-1042</dd>" in html
    assert "<dt>last charge</dt><dd>2 × 49.00 EUR on 2026-03-01</dd>" in html
    assert "<strong>refund</strong>" in html
    assert '{"' not in html.split('id="handoff-detail"')[1]


def test_queue_filter_and_counts(agent_client, handoff):
    HandoffFactory(queue=QueueFactory(slug="support", name="General"))
    html = agent_client.get("/escalation/handoffs/?queue=billing").content.decode()
    assert re.findall(r'id="handoff-row-(\d+)"', html) == [str(handoff.pk)]
    assert 'data-testid="open-total">2<' in html


def test_htmx_claim_updates_detail_list_and_counts(agent_client, handoff):
    response = agent_client.post(f"/escalation/handoffs/{handoff.pk}/claim/", headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<section id="handoff-detail" class="draft-detail" data-handoff-id="{handoff.pk}"'
    )
    assert 'data-testid="handoff-status">Claimed · agent1<' in html
    assert 'id="queue-tabs" class="facets" aria-label="Queues" hx-swap-oob="true"' in html
    assert 'id="handoff-list" class="draft-list" aria-label="Handoffs" hx-swap-oob="true"' in html
    assert "claimed by agent1" in html
    assert "You claimed ticket" in html


def test_htmx_claim_conflict_is_a_message(agent_user, lead_user, handoff):
    agent, lead = Client(), Client()
    agent.force_login(agent_user)
    lead.force_login(lead_user)
    agent.post(f"/escalation/handoffs/{handoff.pk}/claim/", headers=HX)
    response = lead.post(f"/escalation/handoffs/{handoff.pk}/claim/", headers=HX)
    assert response.status_code == 409
    assert "already claimed by agent1" in response.content.decode()


def test_resolve_and_reassign_views(agent_client, handoff):
    QueueFactory(slug="senior", name="Senior")
    response = agent_client.post(f"/escalation/handoffs/{handoff.pk}/reassign/", {"queue": "senior"}, follow=True)
    assert "Moved ticket" in response.content.decode()
    response = agent_client.post(f"/escalation/handoffs/{handoff.pk}/resolve/", headers=HX)
    assert response.status_code == 200
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.RESOLVED and handoff.queue.slug == "senior"


def test_empty_or_odd_package_still_renders(agent_client):
    odd = HandoffFactory(
        package={"next_step": None, "conversation": "oops", "extra_key": {"a": 1}}, ticket=TicketFactory()
    )
    response = agent_client.get(f"/escalation/handoffs/{odd.pk}/")
    assert response.status_code == 200
    assert "extra key" in response.content.decode()


def test_inbox_query_count_does_not_grow_with_handoffs(agent_client, django_assert_max_num_queries):
    general = QueueFactory(slug="support", name="General")
    HandoffFactory.create_batch(3, queue=general, package=PACKAGE)
    with django_assert_max_num_queries(6) as small:  # session, user, queue counts, list, selected handoff, queues
        agent_client.get("/escalation/handoffs/")
    HandoffFactory.create_batch(40, queue=general, package=PACKAGE)
    with django_assert_max_num_queries(6) as large:
        response = agent_client.get("/escalation/handoffs/")
    assert len(small.captured_queries) == len(large.captured_queries)
    assert len(re.findall(r'class="handoff-row', response.content.decode())) == 43


def test_customer_supplied_page_urls_only_link_when_http(agent_client):
    bad = HandoffFactory(package={"page": {"url": "javascript:alert(1)", "title": "Billing"}})
    html = agent_client.get(f"/escalation/handoffs/{bad.pk}/").content.decode()
    assert "javascript:alert" not in html.split('id="handoff-detail"')[1].split("Page the customer was on")[1][:200]
    good = HandoffFactory(package={"page": {"url": "https://app.example/billing", "title": "Billing"}})
    html = agent_client.get(f"/escalation/handoffs/{good.pk}/").content.decode()
    assert '<a href="https://app.example/billing"' in html
