"""Turning a knowledge gap into a help article: a draft from the agents' replies, reviewed, then published."""

from __future__ import annotations

from django.db import transaction

from apps.core.errors import ValidationError
from apps.knowledge.choices import GapStatus, SourceKind, Visibility
from apps.knowledge.ingestion.extract import parse_markdown
from apps.knowledge.models import Document, KnowledgeGap, Source

from .ingestion import documents_ingest
from .sources import source_get_or_create

DRAFTS_SOURCE = "Article drafts (from knowledge gaps)"
MAX_REPLY_CHARS = 1500
MAX_REPLIES = 5


def gap_article_draft(*, gap: KnowledgeGap) -> Document:
    """Write a draft article for ``gap`` from the agents' customer-visible replies on its resolved or closed
    example tickets: the gap's question as title, the replies as the answer, the customers' wordings listed.

    The draft lives in the internal source "Article drafts (from knowledge gaps)", so it never reaches a customer
    before a lead publishes it (``article_draft_publish``). The gap becomes ``article_drafted``.
    Raises ``ValidationError`` when no such reply exists."""
    from apps.tickets.choices import AuthorKind, TicketStatus
    from apps.tickets.models import Message

    bodies = (
        Message.objects.filter(
            ticket__in=gap.example_tickets.filter(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED]),
            author_kind=AuthorKind.AGENT,
            is_internal=False,
        )
        .order_by("created_at")
        .values_list("body", flat=True)
    )
    replies = list(dict.fromkeys(b.strip()[:MAX_REPLY_CHARS] for b in bodies if b.strip()))[:MAX_REPLIES]
    if not replies:
        raise ValidationError(
            "None of this gap's resolved example tickets has an agent reply to start the article from."
        )
    asked = "\n".join(f"- {q}" for q in gap.example_questions)
    markdown = (
        f"# {gap.question}\n\n## Answer\n\n" + "\n\n".join(replies) + f"\n\n## How customers ask it\n\n{asked}\n"
    )
    source, _ = source_get_or_create(name=DRAFTS_SOURCE, kind=SourceKind.HELP_ARTICLE, visibility=Visibility.INTERNAL)
    parsed = parse_markdown(markdown, external_id=f"gap-{gap.pk}.md", fallback_title=gap.question[:200])
    with transaction.atomic():
        documents_ingest(source=source, documents=[parsed])
        gap.status = GapStatus.ARTICLE_DRAFTED
        gap.save(update_fields=["status", "updated_at"])
    return Document.objects.get(source=source, external_id=parsed.external_id)


def article_draft_publish(*, document: Document, source: Source, markdown: str) -> Document:
    """Publish a reviewed draft (``markdown``, as edited by the lead) into ``source``; the draft is deleted and
    the gap it came from is resolved. Raises ``ValidationError`` for a document that is not a draft, or empty text."""
    if document.source.name != DRAFTS_SOURCE:
        raise ValidationError("Only article drafts made from knowledge gaps can be published this way.")
    if source.name == DRAFTS_SOURCE:
        raise ValidationError("Choose the source the article should go live in.")
    parsed = parse_markdown(markdown or "", external_id=document.external_id, fallback_title=document.title)
    if not parsed.sections:
        raise ValidationError("The article has no text.")
    with transaction.atomic():
        documents_ingest(source=source, documents=[parsed])
        gap_id = document.external_id.removeprefix("gap-").removesuffix(".md")
        if gap_id.isdigit():
            KnowledgeGap.objects.filter(pk=int(gap_id)).update(status=GapStatus.RESOLVED)
        document.delete()
    return Document.objects.get(source=source, external_id=parsed.external_id)
