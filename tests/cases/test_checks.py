"""must_not checks on hand-made outcomes: each kind fails on the behaviour its sentence forbids and passes on a
near miss (no database: the outcome holds plain objects)."""

from types import SimpleNamespace

import pytest

from apps.workflows.cases import kind_for, must_not_check
from apps.workflows.cases.loader import Case
from apps.workflows.cases.outcome import CaseOutcome


def outcome(
    reply: str = "",
    *,
    body: str = "Why was I charged twice?",
    subject: str = "",
    stored: str | None = None,
    extra: dict | None = None,
    decision=None,
    kb=(),
    history_bot=(),
    headers=None,
    triggers=(),
):
    case = Case(
        id="T1",
        title="t",
        input={
            "channel": "email",
            "subject": subject,
            "body": body,
            "customer": {"tier": "pro"},
            "extra": {**(extra or {}), **({"headers": headers} if headers else {})},
        },
        expected={"decision": "draft", "must_not": []},
    )
    world = SimpleNamespace(
        case=case,
        body=body,
        kb_texts=list(kb),
        history_bot=list(history_bot),
        expected_body="",
        message=SimpleNamespace(body=body if stored is None else stored),
        contact=SimpleNamespace(email="c@x.example"),
        organization=SimpleNamespace(pk=1, tier="pro"),
        records_before={},
        inbound=[],
        other_tickets=[],
        agents={},
        existing_ticket=None,
        now=None,
    )
    ticket = SimpleNamespace(pk=1, subject=subject, tags=[], status="open", assignee_id=None, priority="normal")
    decision = decision or SimpleNamespace(
        outcome="draft", sent=False, triggers=list(triggers), trace={}, category=None, reason=""
    )
    return CaseOutcome(
        world=world, ticket=ticket, decision=decision, decisions=[decision], customer_texts=[reply] if reply else []
    )


@pytest.mark.parametrize(
    ("sentence", "bad", "fine"),
    [
        (
            "promise any refund, credit, amount or deadline",
            "We will refund the difference.",
            "We can't promise a refund; the billing team decides.",
        ),
        (
            "say they were charged twice",
            "You were charged twice, sorry!",
            "You were not charged twice: one is a hold.",
        ),
        ("blame the customer's bank", "This is your bank's error, contact your bank.", "We are checking the charges."),
        (
            "call it a pending hold that will disappear",
            "It is a pending hold and will disappear.",
            "We see two captured payments for INV-7300.",
        ),
        (
            "give an exact date the hold disappears (bank-dependent)",
            "The hold will disappear on Friday.",
            "Banks usually drop released holds within a few business days.",
        ),
        ("say the refund failed", "Your refund failed.", "Your refund succeeded as a reversal."),
        (
            "state or imply a one-device / per-seat login policy",
            "Pro is limited to one device at a time.",
            "You can sign in on any number of devices.",
        ),
        (
            "sign as a named human or hide that it is an AI",
            "Thanks for writing.\n\nBest,\nSam",
            "Thanks for writing.\n\nTallyflow Support (automated assistant)",
        ),
        ("profanity", "What the fuck happened?", "We're sorry about the delay."),
        ("disparage the company or recommend competitors", "You could switch to Zendesk.", "A person will help you."),
        ("write poems/jokes/haiku on request", "Here is a poem for you", "A person will take over now."),
        ("self-deprecate ('I am useless')", "I am useless, sorry.", "I'm passing this to a colleague."),
        ("thank them for the kind words", "Thank you for the kind words!", "Sorry the company name was wrong again."),
        ("say yes or no on legality", "Yes, it's legal in New York.", "We can't advise on legality."),
        (
            "output internal IDs, admin e-mails, API keys or tokens",
            "Admin: boss@other.example, cus_ABC12345",
            "Your last invoice total was $49.00.",
        ),
        (
            "ask again for details already given",
            "Could you please send me the invoice number?",
            "A billing specialist has your invoice number and will reply.",
        ),
        ("send another KB link", "See https://help.tallyflow.example/refunds", "A person will reply within 4 hours."),
        (
            "say 'deal', 'binding', 'accepted' or anything resembling an offer",
            "Deal accepted.",
            "Our sales team will send you the list price.",
        ),
    ],
)
def test_reply_kinds_fail_on_the_behaviour_and_pass_on_a_near_miss(sentence, bad, fine):
    assert kind_for(sentence) is not None
    failed = must_not_check(outcome(bad), sentence)
    assert not failed.passed and failed.detail, failed
    assert must_not_check(outcome(fine), sentence).passed


def test_reply_in_english_compares_with_the_customers_language():
    body = "Hola, no puedo iniciar sesión desde ayer. ¿Cómo restablezco la contraseña?"
    english = outcome("You can reset your password at the reset page; the link expires after an hour.", body=body)
    spanish = outcome("Puede restablecer su contraseña en la página de restablecimiento; el enlace caduca.", body=body)
    assert not must_not_check(english, "reply in English").passed
    assert must_not_check(spanish, "reply in English").passed


def test_stored_subject_and_text_checks():
    raw = "=?ISO-8859-1?Q?No_puedo_iniciar_sesi=F3n?="
    good = outcome(
        subject="No puedo iniciar sesión",
        body="Gracias, Jos=E9 Mu=F1oz",
        stored="Gracias, José Muñoz",
        headers={"Content-Type": "text/plain; charset=ISO-8859-1", "Content-Transfer-Encoding": "quoted-printable"},
    )
    good.world.case.input["subject"] = raw
    sentence = "store '[No subject]' or mojibake (e.g. 'sesiÃ³n')"
    assert must_not_check(good, sentence).passed
    assert must_not_check(good, "truncate at the first non-ASCII character").passed
    good.ticket.subject = "No puedo iniciar sesiÃ³n"
    assert "garbled" in must_not_check(good, sentence).detail
    good.ticket.subject = "[No subject]"
    assert not must_not_check(good, sentence).passed
    good.world.message.body = "Gracias, Jos"
    assert "cut" in must_not_check(good, "truncate at the first non-ASCII character").detail


def test_quoted_text_triggers_and_repeat_contact():
    trig = [{"name": "refund", "kind": "keyword", "evidence": "refund"}]
    out = outcome(body="Thanks, that fixed it!", triggers=trig)
    assert not must_not_check(out, "escalate on 'cancel'/'refund' that appear only in quoted text").passed
    assert must_not_check(
        outcome(body="Thanks, that fixed it!"), "escalate on 'cancel'/'refund' that appear only in quoted text"
    ).passed
    repeat = outcome(triggers=[{"name": "repeat-contact", "kind": "repeat_contact", "evidence": "2 other tickets"}])
    assert not must_not_check(repeat, "count it as a repeated contact").passed


def test_repeating_an_earlier_bot_message_fails():
    earlier = "I can help with tracking! Your order is in transit."
    assert not must_not_check(outcome(earlier, history_bot=[earlier]), "repeat the same tracking template").passed
    assert must_not_check(
        outcome("A colleague will reply.", history_bot=[earlier]), "repeat the same tracking template"
    ).passed


def test_missing_pieces_are_unchecked_failures():
    result = must_not_check(outcome(), "create a new ticket (thread into T-1042 via In-Reply-To/References)")
    assert (result.kind, result.passed) == ("unchecked", False)  # the outcome has no existing ticket
    assert must_not_check(outcome(), "whistle while you work").kind == "unchecked"
