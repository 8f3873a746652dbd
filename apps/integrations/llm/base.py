"""The text-provider interface: compose a customer reply from a category's template, knowledge and facts.

Providers never decide outcomes and never send: the triage engine calls ``compose`` and decides what to do
with the text. A provider failure raises ``apps.core.errors.ProviderError``; callers escalate instead of sending.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Passage:
    """An extract of a knowledge document the reply may quote (``source_id`` is cited, e.g. ``KB-212``)."""

    source_id: str
    title: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class TicketBrief:
    """What a provider may know about the ticket: allow-listed customer fields and the customer's current text."""

    ticket_id: int
    channel: str
    customer_name: str = ""
    company: str = ""
    tier: str = ""
    plan: str = ""
    language: str = ""
    subject: str = ""
    text: str = ""


class CategoryLike(Protocol):
    slug: str
    name: str
    reply_template: str


@dataclass(frozen=True)
class ComposedReply:
    """A reply ready for the decision step. ``citations`` are the ``source_id`` of the passages used;
    ``latency_ms`` is wall time in milliseconds; tokens are 0 for providers that use no model."""

    text: str
    citations: list[str] = field(default_factory=list)
    model_name: str = ""
    prompt_version: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: float = 0.0


class LLMProvider(ABC):
    """A text provider. One instance per process; ``compose`` must be thread-safe."""

    model_name: str = ""
    prompt_version: str = ""

    @abstractmethod
    def compose(
        self,
        *,
        ticket: TicketBrief,
        category: CategoryLike,
        passages: Sequence[Passage],
        facts: Mapping[str, Any],
        channel: str,
    ) -> ComposedReply:
        """Compose the reply to ``ticket`` for ``category`` on ``channel`` (``chat`` or ``email`` shape).

        ``passages``: knowledge extracts to ground the answer; ``facts``: allow-listed looked-up values
        (scalars keyed by identifier). Raises ``ProviderError`` when no grounded reply can be produced.
        """
