"""Other customers' recent tickets that say the same as a ticket: the data the engine's spike evidence counts.

``RecentTickets`` loads the tickets opened in the last ``SPIKE_WINDOW_HOURS`` (at most ``RECENT_LIMIT``, newest
first) and embeds their first customer message once per triage batch (WordLlama through ``get_embeddings``; vectors
are cached per process); ``match(ctx)`` then embeds the ticket's own text and counts the distinct other customers
(contact, else organization) whose ticket is at least ``SPIKE_SIMILARITY`` alike (cosine). Data source:
``tickets.Ticket`` and ``tickets.Message``.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

import numpy as np
from django.utils import timezone

from apps.integrations.embeddings import get_embeddings
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.engine.evidence import SPIKE_SIMILARITY, SPIKE_WINDOW_HOURS
from apps.workflows.engine.text import text_now

RECENT_LIMIT = 300
TEXT_CHARS = 1000


VECTOR_CACHE_SIZE = 5000
_VECTOR_CACHE: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()  # (provider, ticket id) -> vector


def _provider_name() -> str:
    provider = get_embeddings()
    return f"{type(provider).__name__}:{getattr(provider, 'model_name', '')}"


def _vectors(pairs: list[tuple[int, str]]) -> np.ndarray:
    """Embeddings of ``(ticket id, text)`` pairs, one row each; a ticket's opening text doesn't change, so vectors
    are kept per process (at most ``VECTOR_CACHE_SIZE``, oldest dropped) and only new tickets are embedded (the
    text of a ticket already cached is not needed: ``""`` will do)."""
    if not pairs:
        return np.zeros((0, 1), dtype=np.float32)
    name = _provider_name()
    missing = [(pk, text) for pk, text in pairs if (name, pk) not in _VECTOR_CACHE]
    if missing:
        for (pk, _), vector in zip(missing, get_embeddings().embed([text for _, text in missing]), strict=True):
            _VECTOR_CACHE[(name, pk)] = vector
    keys = [(name, pk) for pk, _ in pairs]
    for key in keys:
        _VECTOR_CACHE.move_to_end(key)
    while len(_VECTOR_CACHE) > VECTOR_CACHE_SIZE:
        _VECTOR_CACHE.popitem(last=False)
    return np.vstack([_VECTOR_CACHE[key] for key in keys])


class RecentTickets:
    """The recent-ticket window of one triage batch, loaded on first use (two queries and one embedding call)."""

    def __init__(self, *, now=None, hours: float = SPIKE_WINDOW_HOURS, limit: int = RECENT_LIMIT):
        self.now, self.hours, self.limit = now, hours, limit
        self._rows: list[dict] | None = None
        self._vectors: np.ndarray | None = None

    def _load(self) -> None:
        now = self.now or timezone.now()
        rows = list(
            Ticket.objects.filter(created_at__gte=now - timedelta(hours=self.hours), created_at__lte=now)
            .order_by("-created_at")
            .values("id", "subject", "contact_id", "organization_id", "category__slug")[: self.limit]
        )
        name = _provider_name()
        cached = {r["id"] for r in rows if (name, r["id"]) in _VECTOR_CACHE}  # only non-empty texts are cached
        first: dict[int, str] = {}
        messages = (
            Message.objects.filter(
                ticket_id__in=[r["id"] for r in rows if r["id"] not in cached], author_kind=AuthorKind.CUSTOMER
            )
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body")
        )
        for ticket_id, body in messages:
            first.setdefault(ticket_id, body)
        texts = [
            ""
            if r["id"] in cached
            else f"{r['subject'] or ''}\n{text_now(first.get(r['id'], ''))}".strip()[:TEXT_CHARS]
            for r in rows
        ]  # text_now (quotes, signatures) is a millisecond a message: only for tickets not embedded yet
        keep = [i for i, text in enumerate(texts) if text or rows[i]["id"] in cached]
        self._rows = [rows[i] for i in keep]
        self._vectors = _vectors([(rows[i]["id"], texts[i]) for i in keep])

    def match(self, ctx) -> dict:
        """``{"customers", "tickets", "categories", "hours", "best"}`` for ``ctx`` (a ``TicketContext``): how many
        other customers opened a ticket alike in the window, up to 20 of those ticket ids, their categories (slugs,
        ``""`` when not triaged yet) and the best similarity found."""
        if self._rows is None:
            self._load()
        result = {"customers": 0, "tickets": [], "categories": [], "hours": self.hours, "best": 0.0}
        text = (ctx.text or "").strip()[:TEXT_CHARS]
        if not self._rows or not text:
            return result
        vector = get_embeddings().embed([text])[0]
        similarity = self._vectors @ vector
        ticket = ctx.ticket
        own = {("c", ticket.contact_id), ("o", ticket.organization_id)} - {("c", None), ("o", None)}
        customers, tickets, categories = set(), [], []
        for row, score in zip(self._rows, similarity, strict=True):
            if row["id"] == ticket.pk or score < SPIKE_SIMILARITY:
                continue
            who = ("c", row["contact_id"]) if row["contact_id"] else ("o", row["organization_id"] or row["id"])
            if who in own or ("o", row["organization_id"]) in own:
                continue  # the same customer writing again is a repeat contact, not a spike
            customers.add(who)
            tickets.append(row["id"])
            categories.append(row["category__slug"] or "")
        best = round(float(similarity.max()), 4)
        result.update(customers=len(customers), tickets=tickets[:20], categories=categories, best=best)
        return result
