"""Evidence beyond the classifier's guess: where a low-confidence ticket should go, and spikes of the same report.

- ``topic_queue``: the queue the page the customer wrote from names (``/billing/invoices`` → ``billing``), else the
  queue holding most of the classifier's probability (the guess and its runner-ups), else the queue of the
  customer's latest open ticket. Used only to route low-confidence escalations; a confident category routes
  itself.
- ``spike_category``: when at least ``SPIKE_MIN_CUSTOMERS`` other customers wrote the same in the last
  ``SPIKE_WINDOW_HOURS`` (``Batch.similar``, see ``apps.workflows.services.triage.recent_similar``), the ticket is
  part of a live problem: it goes to the category most of those tickets were triaged into, else the workspace's
  bug category (``settings.SPIKE_CATEGORY``, ``bug-report``), and is drafted for an agent, never auto-sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from django.conf import settings

TOPIC_MASS = 0.6  # share of probability one queue needs to route a low-confidence guess by the classifier
SPIKE_MIN_CUSTOMERS = 5
SPIKE_WINDOW_HOURS = 2
SPIKE_SIMILARITY = 0.8  # cosine similarity (WordLlama) of two texts reporting the same thing


def page_queue(page_url: str, queues: set[str], families: Mapping[str, str]) -> str:
    """The queue a page path names: a path segment equal to a queue slug, else to a category family (the part
    of a category slug before ``/``) whose categories share one queue; ``""`` when none does."""
    path = urlsplit(page_url or "").path.lower()
    for segment in (s for s in path.split("/") if s):
        if segment in queues:
            return segment
        if segment in families:
            return families[segment]
    return ""


def topic_queue(
    *,
    page_url: str,
    scores: Sequence[tuple[str, float]],
    queue_of: Mapping[str, str],
    earlier: Sequence[tuple[int, str]] = (),
) -> tuple[str, str]:
    """``(queue slug, evidence)`` for routing a low-confidence guess, ``("", "")`` when nothing points anywhere.

    ``scores``: ``(category slug, probability)`` of the guess and its runner-ups; ``queue_of``: category slug →
    default queue slug of every category; ``earlier``: ``(ticket id, category slug)`` of the customer's open
    tickets, newest first (the last resort: the conversation this one probably continues)."""
    families: dict[str, set[str]] = {}
    for slug, queue in queue_of.items():
        if queue:
            families.setdefault(slug.split("/")[0], set()).add(queue)
    single = {family: next(iter(qs)) for family, qs in families.items() if len(qs) == 1}
    queue = page_queue(page_url, {q for q in queue_of.values() if q}, single)
    if queue:
        return queue, f"page {urlsplit(page_url).path}"
    mass: Counter = Counter()
    for slug, probability in scores:
        if queue_of.get(slug):
            mass[queue_of[slug]] += float(probability)
    if mass:
        queue, share = mass.most_common(1)[0]
        if share >= TOPIC_MASS:
            return queue, f"{share:.2f} of the classifier's probability is on {queue} categories"
    for ticket_id, slug in earlier:
        if queue_of.get(slug):
            return queue_of[slug], f"earlier open ticket #{ticket_id} ({slug})"
    return "", ""


def spike_category(similar: Mapping, categories: Mapping[str, object]) -> tuple[str, str]:
    """``(category slug, evidence)`` when ``similar`` (``{"customers": n, "tickets": [ids], "categories": [slug…],
    "hours": h}``) is a spike, else ``("", "")``. The category is the most common one among the similar tickets
    that have one, else ``settings.SPIKE_CATEGORY`` when that category exists."""
    customers = int(similar.get("customers") or 0)
    if customers < SPIKE_MIN_CUSTOMERS:
        return "", ""
    known = [c for c in similar.get("categories") or () if c in categories]
    slug = Counter(known).most_common(1)[0][0] if known else getattr(settings, "SPIKE_CATEGORY", "bug-report")
    if slug not in categories:
        return "", ""
    hours = similar.get("hours", SPIKE_WINDOW_HOURS)
    return slug, f"spike: {customers} other customers wrote the same in the last {hours:g} h"
