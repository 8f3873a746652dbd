"""The guard's finding: one ``GuardFlag`` per rule that matched, with the text that matched as evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class FlagKind:
    """What a flag is about (``GuardFlag.kind``)."""

    RESTRICTED = "restricted"  # the customer asks for something only a human may do (refund, permission, legal…)
    INJECTION = "injection"  # instructions aimed at the assistant inside customer text or a knowledge document
    SECURITY = "security"  # a security report or an attempt to get other accounts' data or secrets
    COMMITMENT = "commitment"  # a reply promises something on behalf of the company
    LINK = "link"  # a reply links to (or embeds an image from) a host outside ``settings.REPLY_LINK_HOSTS``
    INTERNAL = "internal"  # a reply quotes an internal (visibility=internal) passage


REQUEST_KINDS = frozenset({FlagKind.RESTRICTED, FlagKind.INJECTION, FlagKind.SECURITY})
REPLY_KINDS = frozenset({FlagKind.COMMITMENT, FlagKind.LINK, FlagKind.INTERNAL})


@dataclass(frozen=True)
class GuardFlag:
    """One restriction that matched. ``name``: the rule (``refund-request``, ``rule-rewrite``…); ``kind``: a
    ``FlagKind`` value; ``evidence``: the matched text as written (at most 160 characters); ``queue_slug``: the
    queue that handles it, ``""`` when the ticket's topic should decide."""

    name: str
    kind: str
    evidence: str
    queue_slug: str = ""

    def as_dict(self) -> dict:
        return asdict(self)
