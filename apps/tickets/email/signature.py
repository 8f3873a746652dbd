"""Taking the signature off the new text of a message.

talon's machine-learned signature model does not load on current scikit-learn (see RECIPES §6), and its brute-force
extractor finds 2 of the 6 annotated signatures, so signatures are found here from the kinds people write: the
"-- " delimiter, mobile/client lines ("Sent from my iPhone"), a sign-off followed by a name ("Thanks,\\nAlex"), a
dash-signed name ("-Abhishek Kona"), a line with the sender's name, a separator followed by a contact block, and a
trailing contact block (address, phone, URL). A candidate is accepted only when everything after it is short and
signature-like, so sentences that merely contain "regards" or "sent from" stay in the text.
"""

from __future__ import annotations

import re

from . import patterns as p

MAX_SIGNATURE_LINES = 8  # non-blank lines after a sign-off, a name or a contact block start
MAX_DELIMITED_LINES = 20  # after "-- " (disclaimers can be long)
MAX_SIGNATURE_LINE_CHARS = 80
# fmt: off
GENERIC_LOCAL_PARTS = {
    "info", "support", "help", "noreply", "no", "reply", "mail", "admin", "contact", "team", "hello", "sales",
    "office", "service", "notifications", "billing", "www", "com", "org", "net",
}
# fmt: on
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def sender_tokens(sender: str) -> set[str]:
    """Name words of ``sender`` (display name and the address's local part), lower-cased, ≥ 2 letters."""
    tokens: set[str] = set()
    for address in p.EMAIL_ADDRESS.findall(sender):
        tokens.update(w.lower() for w in _WORD.findall(address.split("@", 1)[0]))
        sender = sender.replace(address, " ")
    tokens.update(w.lower() for w in _WORD.findall(sender))
    return {t for t in tokens if len(t) >= 2 and t not in GENERIC_LOCAL_PARTS}


def _contact_like(line: str) -> bool:
    return bool(p.EMAIL_ADDRESS.search(line) or p.PHONE.search(line) or p.URL.search(line) or p.HANDLE.search(line))


def _name_like(line: str) -> bool:
    words = line.strip().split()
    if not 1 <= len(words) <= 5 or len(line.strip()) > 50 or any(ch.isdigit() for ch in line):
        return False
    letters = [w.lstrip("#-–—~*_(\"'") for w in words]
    return all(w[:1].isupper() for w in letters if w and w[0].isalpha()) and any(w[:1].isalpha() for w in letters)


def _sentence(line: str) -> bool:
    stripped = line.strip()
    return len(stripped.split()) > 6 and stripped[-1:] in ".?!:" or stripped.endswith("?")


def _short_block(block: list[str], limit: int = MAX_SIGNATURE_LINES) -> bool:
    return len(block) <= limit and all(len(line.strip()) <= MAX_SIGNATURE_LINE_CHARS for line in block)


def _mentions_sender(line: str, tokens: set[str]) -> bool:
    return bool(tokens) and any(w.lower() in tokens for w in _WORD.findall(line))


def _signature_start(lines: list[str], *, sender: str) -> int | None:
    tokens = sender_tokens(sender)
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not content:
        return None
    first = content[0]
    recent = set(content[-(MAX_SIGNATURE_LINES + 1) :])
    offset = max(0, len(content) - (MAX_DELIMITED_LINES + 1))  # a signature sits in the last lines
    for position, index in enumerate(content[offset:], start=offset):
        line = lines[index]
        stripped = line.strip()
        after = [lines[i] for i in content[position + 1 :]]
        if p.SIGNATURE_DELIMITER.match(line) and after and _short_block(after, MAX_DELIMITED_LINES):
            return index
        if (
            p.MOBILE_SIGNATURE.match(stripped)
            and len(after) <= 3
            and all(p.MOBILE_SIGNATURE.match(a.strip()) or (_short_block([a], 1) and not _sentence(a)) for a in after)
        ):
            return index
        if (
            p.SEPARATOR_LINE.match(line)
            and not p.SIGNATURE_DELIMITER.match(line)
            and after
            and _short_block(after, 15)
            and not any(_sentence(a) for a in after)
            and (
                any(_contact_like(a) or p.LIST_FOOTER.match(a) or _mentions_sender(a, tokens) for a in after)
                or (_name_like(after[0]) and len(after) <= 4)
            )
        ):
            return index
        if index not in recent or index == first:
            continue
        calm_after = _short_block(after) and not any(_sentence(a) for a in after)
        if p.SIGN_OFF.match(stripped) and after and calm_after:
            return index
        previous = lines[content[position - 1]].strip()
        if (
            p.DASH_NAME.match(line)
            and calm_after
            and not previous.startswith(("-", "*", "•"))
            and all(
                _contact_like(a) or _name_like(a) or p.SEPARATOR_LINE.match(a) or p.LIST_FOOTER.match(a) for a in after
            )
        ):
            return index
        if (
            _mentions_sender(stripped, tokens)
            and len(_WORD.findall(stripped)) <= 6
            and len(stripped) <= 50
            and not _sentence(line)
            and calm_after
        ):
            return index
        block = [line, *after]
        if (
            not lines[index - 1].strip()
            and len(block) >= 2
            and _short_block(block)
            and all(len(b.strip()) <= 60 for b in block)
            and not any(_sentence(b) for b in block)
            and (_name_like(line) or _contact_like(line) or _mentions_sender(line, tokens))
        ):
            contacts = sum(1 for b in block if _contact_like(b))
            if contacts >= 2 or (contacts >= 1 and (_name_like(line) or _mentions_sender(line, tokens))):
                return index
    return None


def signature_split(text: str, *, sender: str = "") -> tuple[str, str]:
    """Return ``(body, signature)`` for the new text of a message; ``signature`` is ``""`` when none is found.

    ``sender``: the From display name and/or address (helps find "Jane Doe\\nAcme Inc." signatures).
    ``body`` + ``signature`` hold every non-blank line of ``text``; nothing is dropped.
    """
    text = text.rstrip()
    lines = text.split("\n")
    start = _signature_start(lines, sender=sender)
    if start is None:
        return text.strip(), ""
    return "\n".join(lines[:start]).strip(), "\n".join(lines[start:]).strip("\n").rstrip()
