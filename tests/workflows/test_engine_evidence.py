"""Engine decisions beyond the confidence band: confidence-aware sensitivity, routing a low-confidence guess by the
page or the probability mass, spikes of the same report, closing acknowledgements, change requests capped at a
draft, and replies in the customer's language. Through ``ticket_triage`` on stored rows, with a tag classifier
(``[slug@p|runner@q]`` in the text) so each test controls the prediction exactly."""

from __future__ import annotations

import re

import pytest

from apps.escalation.models import Handoff
from apps.escalation.triggers import trigger_rules_ensure_defaults
from apps.tickets.choices import AuthorKind, Channel, TicketStatus
from apps.tickets.models import Message
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.engine.asks import change_request, record_reference
from apps.workflows.engine.closing import closing_detect
from apps.workflows.engine.decide import band_decide
from apps.workflows.engine.evidence import spike_category, topic_queue
from apps.workflows.engine.language import text_language
from apps.workflows.models import Draft
from apps.workflows.services.triage import ticket_triage
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    MessageFactory,
    OrganizationFactory,
    QueueFactory,
    TicketFactory,
)

_TAG = re.compile(r"\[([\w/\-]+)@([\d.]+)((?:\|[\w/\-]+@[\d.]+)*)\]")


class TagClassifier:
    """``"[slug@0.3|other@0.5] text"`` → ``slug`` at 0.3 with runner-up ``other`` at 0.5; untagged → ``unknown``."""

    model_name = "tag-test"

    def predict(self, texts, runner_ups=3):
        from apps.workflows.classifier.types import Prediction

        out = []
        for text in texts:
            found = _TAG.search(text)
            if not found:
                out.append(Prediction(category="unknown", confidence=0.1))
                continue
            rest = [part.split("@") for part in found.group(3).split("|") if part]
            out.append(
                Prediction(
                    category=found.group(1),
                    confidence=float(found.group(2)),
                    runner_ups=[(slug, float(p)) for slug, p in rest],
                )
            )
        return out


CLF = TagClassifier()


@pytest.fixture
def workspace(db):
    """support / billing / tech-support queues; billing (billing queue), bug-report (tech-support), security
    (sensitive, security queue) and how-to (support), all in auto rollout with a template."""
    trigger_rules_ensure_defaults()
    queues = {slug: QueueFactory(slug=slug) for slug in ("support", "billing", "tech-support", "security")}
    made = {}
    for slug, queue, sensitive in (
        ("billing", "billing", False),
        ("billing/double-charge", "billing", False),
        ("bug-report", "tech-support", False),
        ("security", "security", True),
        ("how-to", "support", False),
    ):
        made[slug] = CategoryFactory(
            slug=slug,
            name=slug.title(),
            rollout_state=RolloutState.AUTO,
            auto_threshold=0.9,
            draft_threshold=0.6,
            is_sensitive=sensitive,
            default_queue=queues[queue],
            reply_template="Hi {first_name}, thanks for writing. Here is what to do next.",
        )
    return made


def make_ticket(body, *, subject="", channel=Channel.EMAIL, page_url="", contact=None, language=""):
    contact = contact or ContactFactory(organization=OrganizationFactory(), name="Ada Lovelace", language=language)
    ticket = TicketFactory(
        subject=subject, channel=channel, contact=contact, organization=contact.organization, page_url=page_url
    )
    MessageFactory(ticket=ticket, body=body, author_kind=AuthorKind.CUSTOMER)
    return ticket


def handoff_queue(ticket) -> str:
    handoff = Handoff.objects.filter(ticket=ticket).select_related("queue").first()
    return handoff.queue.slug if handoff else ""


# -- sensitivity needs confidence ------------------------------------------------------------------------------
def _band(confidence, *, cue=False):
    return band_decide(
        confidence=confidence,
        auto_threshold=0.9,
        draft_threshold=0.6,
        is_sensitive=True,
        slug="security",
        hits=[],
        out_of_scope=False,
        sensitive_cue=cue,
    )


def test_a_sensitive_category_is_human_only_when_the_guess_is_trusted_or_a_cue_is_present():
    assert _band(0.8).kind == "sensitive"
    assert _band(0.2, cue=True).kind == "sensitive"
    low = _band(0.2)
    assert low.kind == "low_confidence" and low.outcome == Outcome.ESCALATE


def test_a_low_confidence_sensitive_guess_goes_to_first_line_not_the_sensitive_queue(workspace):
    ticket = make_ticket("[security@0.2|how-to@0.15] the page looks different since yesterday")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.ESCALATE and decision.reason.startswith("low confidence")
    assert handoff_queue(ticket) == "support"


# -- routing a low-confidence guess ----------------------------------------------------------------------------
def test_topic_queue_reads_the_page_then_the_probability_mass():
    queue_of = {"billing": "billing", "billing/double-charge": "billing", "how-to": "support", "bug-report": "tech"}
    page = topic_queue(
        page_url="https://app.example.com/billing/invoices", scores=[("how-to", 0.2)], queue_of=queue_of
    )
    assert page == ("billing", "page /billing/invoices")
    mass = topic_queue(page_url="", scores=[("billing", 0.4), ("billing/double-charge", 0.25)], queue_of=queue_of)
    assert mass[0] == "billing" and "0.65" in mass[1]
    assert topic_queue(page_url="https://app.example.com/orders/1", scores=[("how-to", 0.3)], queue_of=queue_of) == (
        "",
        "",
    )


def test_a_low_confidence_escalation_from_the_billing_page_goes_to_billing(workspace):
    ticket = make_ticket(
        "[how-to@0.2] third time the invoice has our old name", channel=Channel.CHAT, page_url="https://x.io/billing"
    )

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.ESCALATE and handoff_queue(ticket) == "billing"
    route = next(s for s in decision.trace["steps"] if s["step"] == "route_topic")
    assert route["queue"] == "billing" and route["evidence"] == "page /billing"


def test_without_page_or_majority_a_low_confidence_guess_stays_with_first_line(workspace):
    ticket = make_ticket("[billing@0.3|bug-report@0.25|how-to@0.2] something odd happened")

    ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert handoff_queue(ticket) == "support"


def test_a_low_confidence_follow_up_goes_to_the_queue_of_the_customers_open_ticket(workspace):
    contact = ContactFactory(organization=OrganizationFactory())
    earlier = make_ticket("The CSV import drops the last row.", contact=contact)
    earlier.category = workspace["bug-report"]
    earlier.save()
    ticket = make_ticket("[how-to@0.3|billing@0.2] following up on my earlier message, any news?", contact=contact)

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.ESCALATE and handoff_queue(ticket) == "tech-support"
    route = next(s for s in decision.trace["steps"] if s["step"] == "route_topic")
    assert route["evidence"] == f"earlier open ticket #{earlier.pk} (bug-report)"


# -- spikes ------------------------------------------------------------------------------------------------------
def test_spike_category_needs_enough_customers_and_prefers_the_similar_tickets_category(settings, workspace):
    settings.SPIKE_CATEGORY = "bug-report"
    assert spike_category({"customers": 3}, workspace) == ("", "")
    assert spike_category({"customers": 6, "categories": ["", ""]}, workspace)[0] == "bug-report"
    assert spike_category({"customers": 6, "categories": ["billing", "billing", "how-to"]}, workspace)[0] == "billing"
    settings.SPIKE_CATEGORY = "no-such-category"
    assert spike_category({"customers": 6, "categories": []}, workspace) == ("", "")


SPIKE_TEXT = "Since this morning signing in on my laptop logs me out on my desktop computer every single time."


def test_a_low_confidence_report_many_other_customers_sent_is_drafted_as_a_bug(settings, workspace):
    settings.SPIKE_CATEGORY = "bug-report"
    for _ in range(6):  # six other customers, untriaged yet, wrote the same in the last hours
        make_ticket(SPIKE_TEXT)
    ticket = make_ticket(f"[security@0.19|how-to@0.1] {SPIKE_TEXT}")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.DRAFT and decision.category.slug == "bug-report"
    assert decision.reason.startswith("spike: 6 other customers")
    similar = next(s for s in decision.trace["steps"] if s["step"] == "similar")
    assert similar["customers"] == 6 and similar["spike_category"] == "bug-report"
    assert Draft.objects.filter(ticket=ticket).exists() and not Handoff.objects.filter(ticket=ticket).exists()


def test_the_same_customer_writing_many_times_is_no_spike(settings, workspace):
    settings.SPIKE_CATEGORY = "bug-report"
    contact = ContactFactory(organization=OrganizationFactory())
    for _ in range(6):
        make_ticket(SPIKE_TEXT, contact=contact)
    ticket = make_ticket(f"[how-to@0.19] {SPIKE_TEXT}")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    similar = next(s for s in decision.trace["steps"] if s["step"] == "similar")
    assert similar["customers"] == 1 and decision.outcome == Outcome.ESCALATE


# -- closing acknowledgements ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["Thanks, that fixed it!", "ok thx", "That worked 👍", "Danke, das hat funktioniert!", "Gracias, ya funciona"],
)
def test_closing_messages_are_recognised(text):
    assert closing_detect(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, but it still fails",
        "Thanks! Also, how do I export my timesheets?",
        "Thank you, I will try that tomorrow and let you know how it goes",
        "Thanks for nothing",
        "That fixed the export, the import is broken now",
        "Thanks for the invoice. Can you also send the one for March and add our VAT number to it please",
    ],
)
def test_messages_with_anything_open_are_not_closing(text):
    assert closing_detect(text) is None


def test_a_thank_you_reply_is_acknowledged_and_the_ticket_resolved_without_a_new_answer(workspace):
    ticket = make_ticket(
        "[bug-report@0.72] Thanks, that fixed it!\n\nOn Tue, Support wrote:\n> If it still fails we can refund it.",
        subject="Re: Export failing",
    )

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    ticket.refresh_from_db()
    assert decision.outcome == Outcome.RESOLVE and decision.trace["why"] == "closing"
    assert ticket.status == TicketStatus.RESOLVED and not Draft.objects.filter(ticket=ticket).exists()
    sent = Message.objects.get(ticket=ticket, author_kind=AuthorKind.AI)
    assert "glad" in sent.body.lower() and "refund" not in sent.body.lower() and len(sent.body) < 300


def test_a_thank_you_on_a_category_in_rollout_off_goes_to_humans_and_sends_nothing(workspace):
    how_to = workspace["how-to"]
    how_to.rollout_state = RolloutState.OFF
    how_to.save()
    ticket = make_ticket("[how-to@0.8] Thanks, that worked!")
    ticket.category = how_to
    ticket.save()

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.ESCALATE and decision.reason == "rollout off"
    assert decision.category == how_to and decision.trace["why"] == "closing"
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()


def test_a_thank_you_with_a_hard_trigger_is_not_closed(workspace):
    ticket = make_ticket("[how-to@0.72] Thanks, I want to speak to a human")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.ESCALATE and decision.trace["why"] != "closing"


# -- change requests ---------------------------------------------------------------------------------------------
def test_change_requests_are_found_and_how_to_questions_are_not():
    assert change_request("Attached are our invoices. Please reissue them with our new address.").startswith(
        "Please reissue"
    )
    assert change_request("Could you add our VAT ID DE123 to the invoices?")
    assert change_request("How do I change the billing address?") == ""
    assert change_request("Can you explain the proration line on my invoice?") == ""


def test_a_confident_answer_to_a_change_request_is_drafted_for_an_agent(workspace):
    ticket = make_ticket("[billing@0.97] Invoice INV-1 shows our old VAT number. Please reissue it with DE299999999.")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.DRAFT and "only an agent can make" in decision.reason
    assert Draft.objects.filter(ticket=ticket).exists()
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()


SPANISH_QUESTION = "¿Cómo puedo exportar las horas de un proyecto a Excel? No encuentro la opción."


def test_record_references_are_found():
    assert record_reference("What is the credit on invoice INV-7781?") == "invoice INV-7781"
    assert record_reference("order 88412 has not arrived") == "order 88412"
    assert record_reference("Why was I charged twice? My bank shows two $49.00 payments on 2 May.") == ""
    assert record_reference("Error 500 when saving") == ""


def test_a_confident_question_about_one_record_without_a_lookup_is_drafted(workspace):
    ticket = make_ticket("[billing@0.98] What is the 'Unused time' credit on invoice INV-7781?")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.DRAFT and "nothing was looked up" in decision.reason
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()


def test_a_confident_general_question_still_resolves(workspace):
    ticket = make_ticket("[billing@0.98] Where do I download our invoices as PDF?")

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.RESOLVE
    assert Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()


# -- the customer's language -------------------------------------------------------------------------------------
def test_text_language_is_empty_when_unsure():
    assert text_language("Hola, no consigo entrar en mi cuenta desde esta mañana.") == "es"
    assert text_language("ok") == ""


def test_a_spanish_question_without_spanish_material_is_drafted_not_answered_in_english(workspace):
    ticket = make_ticket(
        "[how-to@0.97] ¿Cómo puedo exportar las horas de un proyecto a Excel? No encuentro la opción."
    )

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.DRAFT and "no reply material in 'es'" in decision.reason
    assert not Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).exists()


def test_a_spanish_question_is_answered_in_spanish_from_spanish_knowledge(workspace, settings):
    from apps.knowledge.ingestion.parsed import ParsedDocument, Section
    from apps.knowledge.services import document_ingest, source_get_or_create

    settings.KNOWLEDGE_GROUNDING_THRESHOLD = 0.0
    public, _ = source_get_or_create(name="Centro de ayuda", visibility="public")
    for external_id, title, text in (
        ("export.md", "Export timesheets", "Open Reports, choose the project and press Export to Excel."),
        (
            "exportar.md",
            "Exportar horas",
            "Abre Informes, elige el proyecto y pulsa Exportar a Excel. El archivo incluye todas las horas.",
        ),
    ):
        document_ingest(
            source=public,
            document=ParsedDocument(
                external_id=external_id, title=title, format="markdown", sections=[Section((), text)]
            ),
        )
    ticket = make_ticket(
        "[how-to@0.97] ¿Cómo puedo exportar las horas de un proyecto a Excel? No encuentro la opción."
    )

    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)

    assert decision.outcome == Outcome.RESOLVE
    sent = Message.objects.get(ticket=ticket, author_kind=AuthorKind.AI).body
    assert text_language(sent) == "es" and "Exportar a Excel" in sent and "Open Reports" not in sent
    assert sent.startswith("Hola, Ada:") and "asistente automático" in sent
