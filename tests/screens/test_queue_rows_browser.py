"""Browser runs of the review queue's list rows after an action (system Chromium through Playwright): the row of
an approved draft leaves the list without htmx reporting ``htmx:oobErrorNoTarget`` in the console, also when the
row is already gone (the draft was taken by someone else and the 10-second poll redrew the list) or was never
listed (a draft opened from the snoozed list)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft
from tests.factories import CategoryFactory, QueueFactory
from tests.screens.conftest import make_draft
from tests.screens.test_browser import log_in_to_the_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def drafts():
    billing = QueueFactory(slug="billing", name="Billing")
    category = CategoryFactory(slug="billing/invoice-copy", name="Invoice copy", default_queue=billing)
    CategoryFactory(slug="billing/refund", name="Refund", default_queue=billing)
    return [
        make_draft(category=category, tier=t, subject=f"{t} invoice {i}") for i, t in enumerate(["enterprise", "pro"])
    ]


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def _finish(page):
    page.goto("about:blank")  # stop the 10-second poll before the database is flushed


def test_approve_removes_the_row_without_console_errors(live_server, page, agent_user, drafts, console_errors):
    first, second = drafts
    log_in_to_the_queue(page, live_server, agent_user)
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(first.pk))
    page.get_by_role("button", name="Approve").first.click()
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(second.pk))
    expect(page.locator(f"#draft-row-{first.pk}")).to_have_count(0)
    page.wait_for_timeout(300)
    _finish(page)
    assert [e for e in console_errors if "htmx" in e] == []


def test_approve_of_a_draft_taken_meanwhile(live_server, page, agent_user, lead_user, drafts, console_errors):
    """Someone else sends the open draft; the poll drops its row; approving it here answers 409 and no error."""
    from apps.workflows.services.drafts import draft_approve

    first, second = drafts
    log_in_to_the_queue(page, live_server, agent_user)
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(first.pk))
    draft_approve(draft_id=first.pk, version=1, user=lead_user)
    expect(page.locator(f"#draft-row-{first.pk}")).to_have_count(0, timeout=15000)  # the poll redrew the list
    page.get_by_role("button", name="Approve").first.click()
    expect(page.locator("#flash [role=alert]")).to_be_visible()  # the 409: someone else sent it
    page.wait_for_timeout(300)
    _finish(page)
    assert [e for e in console_errors if "htmx" in e] == []


def test_approve_of_a_snoozed_draft_opened_from_the_snoozed_list(
    live_server, page, agent_user, drafts, console_errors
):
    first, second = drafts
    Draft.objects.filter(pk=first.pk).update(snoozed_until=timezone.now() + timedelta(hours=1))
    log_in_to_the_queue(page, live_server, agent_user)
    expect(page.locator(".draft-row")).to_have_count(1)
    page.get_by_test_id("snoozed-list").locator("a").click()
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(first.pk))
    page.get_by_role("button", name="Approve").first.click()
    expect(page.locator("#draft-detail")).to_have_attribute("data-draft-id", str(second.pk))
    page.wait_for_timeout(300)
    _finish(page)
    first.refresh_from_db()
    assert first.status == DraftStatus.APPROVED
    assert [e for e in console_errors if "htmx" in e] == []
