"""The handoff inbox in a real browser (system Chromium through Playwright): escalations created by the service
(routing, SLA, assignment), sorted by SLA due time with live countdowns, the package beside the list, and
claim / reassign / resolve."""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.choices import Availability
from apps.escalation.models import Handoff, Queue, SLAPolicy
from apps.escalation.services import handoff_create
from apps.escalation.triggers import trigger_rules_ensure_defaults
from tests.factories import MessageFactory, OrganizationFactory, TicketFactory


def escalate(subject: str, tier: str, queue: str, body: str) -> Handoff:
    org = OrganizationFactory(tier=tier)
    ticket = TicketFactory(subject=subject, organization=org, contact__organization=org, created_at=timezone.now())
    MessageFactory(ticket=ticket, body=body)
    package = {
        "why": {
            "reason": "hard trigger",
            "kind": "trigger",
            "triggers": [{"name": "refund", "kind": "keyword", "evidence": "refund", "snippet": body[:60]}],
        },
        "next_step": "Check the charge in billing.",
    }
    return handoff_create(
        ticket=ticket, queue_slug=queue, reason=f"hard trigger: {queue}", priority="high", package=package
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_works_the_inbox_in_sla_order(live_server, page, agent_user, django_user_model):
    trigger_rules_ensure_defaults()  # transactional tests flush the rows the data migrations installed
    for name, tier, minutes in (("Enterprise", "enterprise", 60), ("Pro", "pro", 240)):  # around the clock
        SLAPolicy.objects.update_or_create(
            tier=tier,
            priority="",
            defaults={
                "name": name,
                "first_response_minutes": minutes,
                "resolution_minutes": 8 * minutes,
                "calendar": None,
            },
        )
    billing = Queue.objects.create(slug="billing", name="Billing")
    Queue.objects.create(slug="senior", name="Senior support")
    agent_user.availability = Availability.ONLINE
    agent_user.save()
    billing.members.add(agent_user)
    pro = escalate("Refund for March", "pro", "billing", "I want a refund for March please")  # due in 4 h
    enterprise = escalate("Enterprise refund", "enterprise", "billing", "Refund our annual plan")  # due in 1 h
    assert enterprise.sla_due_at < pro.sla_due_at

    page.goto(f"{live_server.url}/escalation/handoffs/?queue=billing")
    page.fill("#id_username", agent_user.username)
    page.fill("#id_password", "pw-agent1")
    page.keyboard.press("Enter")
    # a glob like "**/escalation/handoffs/**" also matches the login page's ?next=, so wait for the path itself
    page.wait_for_url(lambda url: urlsplit(url).path == "/escalation/handoffs/")
    rows = page.locator(".handoff-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-handoff-id", str(enterprise.pk))  # soonest SLA first
    countdown = rows.nth(0).locator("time.countdown")
    expect(countdown).to_have_text(re.compile(r"^due in (59m|1h 0m)$"))  # written by countdown.js
    detail = page.locator("#handoff-detail")
    expect(detail).to_have_attribute("data-handoff-id", str(enterprise.pk))
    expect(page.get_by_test_id("sla-routing")).to_contain_text("Enterprise")
    expect(page.get_by_test_id("assigned-to")).to_contain_text(agent_user.username)
    expect(page.get_by_test_id("next-step")).to_contain_text("Check the charge in billing.")

    if os.environ.get("SCREENSHOT_DIR"):  # for looking at the screen by hand
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/handoff_inbox.png", full_page=True)
    page.click("#claim-btn")
    expect(page.get_by_test_id("handoff-status")).to_contain_text("Claimed")
    page.select_option("#reassign-queue", "senior")
    page.get_by_role("button", name="Move").click()
    expect(page.locator("#flash")).to_contain_text("Moved ticket")
    assert Handoff.objects.get(pk=enterprise.pk).queue.slug == "senior"

    rows.nth(0).click()
    expect(detail).to_have_attribute("data-handoff-id", str(pro.pk))
    page.click("#resolve-btn")
    expect(page.get_by_test_id("handoff-status")).to_contain_text("Resolved")
    assert Handoff.objects.get(pk=pro.pk).status == "resolved"
