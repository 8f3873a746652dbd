"""One browser run (system Chromium through Playwright): log in, work through the review queue with the keyboard."""

import pytest
from playwright.sync_api import expect

from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft
from tests.factories import CategoryFactory, QueueFactory
from tests.screens.conftest import make_draft


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_approves_drafts_with_the_keyboard(live_server, page, agent_user):
    category = CategoryFactory(
        slug="billing/invoice-copy", name="Invoice copy", default_queue=QueueFactory(slug="billing", name="Billing")
    )
    first = make_draft(category=category, tier="enterprise", subject="Enterprise invoice question")
    second = make_draft(category=category, tier="pro", subject="Pro invoice question")
    third = make_draft(category=category, tier="free", subject="Free invoice question")

    page.goto(f"{live_server.url}/workflows/review/")
    page.fill("#id_username", agent_user.username)
    page.fill("#id_password", "pw-agent1")
    page.click("button[type=submit]")
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(first.pk))
    expect(page.locator(".draft-row")).to_have_count(3)

    page.keyboard.press("?")
    expect(page.locator("#help-overlay")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help-overlay")).to_be_hidden()

    page.keyboard.press("j")  # to the second draft
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(second.pk))
    expect(page.locator(f"#draft-row-{second.pk}")).to_have_class("draft-row selected")
    page.keyboard.press("a")  # approve it: it leaves the queue, the next one opens
    expect(page.locator(f"#draft-row-{second.pk}")).to_have_count(0)
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(third.pk))
    expect(page.locator("#flash")).to_contain_text("Sent the AI's reply")
    expect(page.get_by_test_id("pending-total")).to_have_text("2")

    expect(page.locator("#edit-form")).to_be_hidden()
    expect(page.locator("#reject-form")).to_be_hidden()
    page.keyboard.press("r")  # the reject form opens; Esc closes it without rejecting
    expect(page.locator("#reject-reason")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#reject-form")).to_be_hidden()

    page.keyboard.press("e")  # edit the third, send with Ctrl+Enter
    expect(page.locator("#edit-body")).to_be_focused()
    page.keyboard.type(" Regards, Sam")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#draft-row-{third.pk}")).to_have_count(0)
    expect(page.get_by_test_id("pending-total")).to_have_text("1")

    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == DraftStatus.APPROVED and second.reviewed_by == agent_user
    assert third.status == DraftStatus.EDITED and third.sent_body.endswith("Regards, Sam")
    assert Message.objects.filter(ticket=second.ticket, author_kind=AuthorKind.AI).count() == 1
    assert Draft.objects.get(pk=first.pk).status == DraftStatus.PENDING
