"""The chat widget in a real browser: the demo pricing page, a question, and the AI's reply or the handoff notice."""

import re

import pytest
from playwright.sync_api import expect

from apps.tickets.models import Ticket

from .conftest import WIDGET_KEY


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_widget_on_the_pricing_page_sends_page_context_and_shows_the_answer(live_server, page, settings):
    settings.WIDGET_PUBLIC_KEY = WIDGET_KEY
    page.goto(live_server.url + "/demo/pricing/")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your message").fill("How do I change my plan?")
    page.get_by_role("button", name="Send").click()

    answer_or_notice = page.locator(
        "#switchboard-chat .msg.ai, #switchboard-chat .msg.agent, #switchboard-chat .notice"
    )
    expect(answer_or_notice.first).to_be_visible(timeout=20_000)
    expect(page.locator("#switchboard-chat .msg.customer")).to_have_text(["How do I change my plan?"])

    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.channel) == ("chat", "chat")
    assert ticket.page_url == live_server.url + "/demo/pricing/"
    assert ticket.page_title.startswith("Pricing")
    assert ticket.page_context["area"] == "pricing"
    assert ticket.page_context["app_version"] == "4.12.3"

    # Asking for a person always ends with the notice, whatever the AI did (the button is disabled once a
    # person has the conversation, e.g. when triage escalated it).
    human = page.get_by_role("button", name="Talk to a person")
    if human.is_enabled():
        human.click()
    expect(human).to_be_disabled()
    expect(page.locator("#switchboard-chat .notice")).to_have_text(re.compile("person", re.I), timeout=10_000)
    ticket.refresh_from_db()
    assert ticket.status == "escalated"
