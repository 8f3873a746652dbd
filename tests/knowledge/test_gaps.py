"""Knowledge gaps: low-score questions grouped by meaning, counted, with example tickets."""

import pytest

from apps.core.errors import ValidationError
from apps.knowledge.models import KnowledgeGap
from apps.knowledge.services import gap_record, gap_status_set
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_similar_questions_share_a_gap_and_others_open_new_ones():
    first, second, third = TicketFactory(), TicketFactory(), TicketFactory()
    a = gap_record("How do I connect my Shopify store?", 0.2, first.pk)
    b = gap_record("how can I connect my shopify store", 0.31, second.pk)
    c = gap_record("Do you offer a discount for nonprofits?", 0.1, third.pk)

    assert a.pk == b.pk != c.pk
    a.refresh_from_db()
    assert a.count == 2 and a.best_score == pytest.approx(0.31)
    assert a.example_questions == ["How do I connect my Shopify store?", "how can I connect my shopify store"]
    assert set(a.example_tickets.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert c.count == 1 and list(c.example_tickets.all()) == [third]


def test_the_same_ticket_is_not_counted_twice_and_good_answers_are_not_gaps():
    ticket = TicketFactory()
    gap = gap_record("Can I export invoices to Xero?", 0.2, ticket.pk)
    gap_record("Can I export invoices to Xero?", 0.2, ticket.pk)
    gap.refresh_from_db()
    assert gap.count == 1
    assert gap_record("Can I export invoices to Xero?", 0.9, ticket.pk) is None
    assert gap_record("Can I export invoices to Xero?", 0.3, None, threshold=0.25) is None
    assert KnowledgeGap.objects.count() == 1


def test_closed_gaps_do_not_absorb_new_questions_and_bad_input_is_refused():
    gap = gap_record("Is there a Linux desktop app?", 0.1)
    gap_status_set(gap=gap, status="resolved")
    again = gap_record("Is there a Linux desktop app?", 0.1)
    assert again.pk != gap.pk and again.status == "open"
    with pytest.raises(ValidationError):
        gap_record("   ", 0.1)
    with pytest.raises(ValidationError):
        gap_record("Anything?", 0.1, 987654)
    with pytest.raises(ValidationError):
        gap_status_set(gap=gap, status="archived")


def test_gap_becomes_a_reviewed_article_from_agent_replies(lead_client, help_center):
    from django.urls import reverse

    from apps.knowledge.models import Document
    from apps.knowledge.selectors import search
    from apps.tickets.choices import AuthorKind
    from tests.factories import MessageFactory

    resolved, still_open = TicketFactory(status="resolved"), TicketFactory(status="open")
    MessageFactory(ticket=resolved, author_kind=AuthorKind.AGENT, body="Yes: Settings, Integrations, Zapier, Connect.")
    MessageFactory(ticket=resolved, author_kind=AuthorKind.AGENT, body="Internal: check plan", is_internal=True)
    MessageFactory(ticket=still_open, author_kind=AuthorKind.AGENT, body="Let me check that for you.")
    gap = gap_record("Do you integrate with Zapier?", 0.2, resolved.pk)
    gap_record("Is there a Zapier integration?", 0.2, still_open.pk)

    response = lead_client.post(reverse("knowledge:gap_article", args=[gap.pk]))
    draft = Document.objects.get(external_id=f"gap-{gap.pk}.md")
    assert response.url == reverse("knowledge:article_publish", args=[draft.pk])
    assert "Settings, Integrations, Zapier" in draft.text
    assert "check plan" not in draft.text and "Let me check" not in draft.text
    assert draft.source.visibility == "internal"  # not customer-facing before review
    assert search("zapier integration", filters={"visibility": "public"}) == []

    page = lead_client.get(reverse("knowledge:article_publish", args=[draft.pk]))
    assert "# Do you integrate with Zapier?" in page.content.decode()
    edited = "# Zapier integration\n\nYes. Open Settings, then Integrations, pick Zapier and press Connect.\n"
    published = lead_client.post(
        reverse("knowledge:article_publish", args=[draft.pk]), {"source": help_center.pk, "markdown": edited}
    )
    assert published.status_code == 302
    assert not Document.objects.filter(pk=draft.pk).exists()
    gap.refresh_from_db()
    assert gap.status == "resolved"
    hits = search("zapier integration", filters={"visibility": "public"})
    assert hits[0].title == "Zapier integration" and "press Connect" in hits[0].text
