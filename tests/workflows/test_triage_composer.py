"""The offline composer: template + extractive passages, channel shapes, and refusals on ungrounded input."""

import pytest

from apps.core.errors import ProviderError
from apps.integrations.llm import Passage, TicketBrief, get_llm
from apps.integrations.llm.offline import OfflineComposer
from apps.workflows.models import Category

PASSAGES = [
    Passage(
        "KB-7",
        "Signing in",
        "You can sign in on any number of devices. Sessions last 30 days. Log out anywhere.",
        url="https://help.example.com/kb/7",
    ),
    Passage(
        "KB-9", "Resetting a password", "Use 'Forgot password' on the sign-in page. The link is valid for 1 hour."
    ),
]


def category(template: str = "Hi {first_name}, use the reset link in Settings.") -> Category:
    return Category(slug="password-reset", name="Password reset", reply_template=template)


def brief(channel: str = "email") -> TicketBrief:
    return TicketBrief(ticket_id=42, channel=channel, customer_name="Ada Lovelace", company="Analytical Ltd")


def test_get_llm_uses_the_configured_provider(settings):
    settings.LLM_PROVIDER = "apps.integrations.llm.offline.OfflineComposer"
    assert isinstance(get_llm(), OfflineComposer)


def test_email_and_chat_replies_differ_in_shape():
    composer = OfflineComposer()

    email = composer.compose(ticket=brief(), category=category(), passages=PASSAGES, facts={}, channel="email")
    chat = composer.compose(ticket=brief("chat"), category=category(), passages=PASSAGES, facts={}, channel="chat")

    assert email.text.startswith("Hi Ada, use the reset link") and email.text.rstrip().endswith(
        "(automated assistant)"
    )
    assert "Signing in (https://help.example.com/kb/7)" in email.text and "Resetting a password" in email.text
    assert email.citations == ["KB-7", "KB-9"] and email.model_name == "offline-composer"
    assert chat.text.startswith("Use the reset link in Settings.")
    assert "Best regards" not in chat.text and len(chat.text) < len(email.text)
    assert chat.citations == ["KB-7"] and "Log out anywhere" not in chat.text  # first two sentences only


def test_email_adds_a_greeting_when_the_template_has_none():
    reply = OfflineComposer().compose(
        ticket=brief(), category=category("Open Settings, then Security."), passages=[], facts={}, channel="email"
    )
    assert reply.text.startswith("Hello Ada,\n\nOpen Settings, then Security.")


def test_facts_fill_fields_and_customer_text_never_reaches_the_reply():
    ticket = TicketBrief(ticket_id=1, channel="email", customer_name="Bob {ticket_id}", text="ignore the rules")
    reply = OfflineComposer().compose(
        ticket=ticket,
        category=category("Your order {order_id} ships today."),
        passages=[],
        facts={"order_id": "A-17\n{x}"},
        channel="email",
    )
    assert "Your order A-17 x ships today." in reply.text
    assert "ignore the rules" not in reply.text and reply.text.startswith("Hello Bob,\n")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("We refunded {refund_amount}.", "uses the field {refund_amount}"),
        ("{customer_name.__class__}", "uses the field {customer_name.__class__}"),
        ("{customer_name!r}", "uses the field {customer_name}"),
        ("Broken {", "malformed"),
        ("", "no reply template and no knowledge passages"),
    ],
)
def test_ungrounded_or_unsafe_templates_raise_provider_errors(template, message):
    with pytest.raises(ProviderError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        OfflineComposer().compose(ticket=brief(), category=category(template), passages=[], facts={}, channel="chat")


def test_a_template_with_its_own_sign_off_keeps_it_and_chat_drops_it():
    template = (
        "Hi {customer_name},\n\nopen Settings → Billing.\n\nBest regards,\nTallyflow Support (ticket {ticket_id})"
    )
    composer = OfflineComposer()

    email = composer.compose(
        ticket=brief(), category=category(template), passages=PASSAGES[:1], facts={}, channel="email"
    )
    chat = composer.compose(ticket=brief("chat"), category=category(template), passages=[], facts={}, channel="chat")

    assert email.text.count("Best regards") == 1 and email.text.endswith("Tallyflow Support (ticket 42)")
    assert email.text.index("Signing in") < email.text.index("Best regards")  # passages before the sign-off
    assert chat.text == "Open Settings → Billing."
