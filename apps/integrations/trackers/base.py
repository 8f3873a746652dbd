"""What every tracker backend (Jira, Linear, local) implements, and the text of a structured bug."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class IssueDraft:
    """A structured bug: summary (one line), steps (free text), error signature, affected customers, ticket links."""

    signature: str
    summary: str
    steps: str
    customers: int
    ticket_links: list[str] = field(default_factory=list)

    def description(self) -> str:
        """Plain-text body shared by every tracker (Jira wiki text and Linear markdown both render it)."""
        links = "\n".join(f"- {url}" for url in self.ticket_links) or "- (none)"
        return (
            f"Reported from support tickets by Switchboard.\n\n"
            f"Error signature: {self.signature}\n"
            f"Affected customers: {self.customers}\n\n"
            f"Steps to reproduce:\n{self.steps or '(not given)'}\n\n"
            f"Tickets:\n{links}\n"
        )


@dataclass(frozen=True)
class CreatedIssue:
    """What the vendor answered: the human key (``SUP-12``), the browser URL and the vendor's internal id."""

    key: str
    url: str
    external_id: str = ""


class TrackerBackend(Protocol):
    """``issue_create`` opens one issue; ``issue_comment`` adds a comment. Both raise ``ProviderError``."""

    source: str

    def issue_create(self, *, draft: IssueDraft) -> CreatedIssue: ...

    def issue_comment(self, *, key: str, external_id: str, text: str) -> None: ...


def ticket_url(ticket) -> str:
    """Where an engineer opens the ticket: ``settings.SWITCHBOARD_URL`` (default http://localhost:8000) + admin."""
    base = getattr(settings, "SWITCHBOARD_URL", "http://localhost:8000").rstrip("/")
    return f"{base}/admin/tickets/ticket/{ticket.pk}/change/"
