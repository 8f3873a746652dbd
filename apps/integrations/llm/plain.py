"""Knowledge passages as plain reply text: Markdown rendered with markdown-it-py's token stream (no ``**``, backticks,
link syntax or ``#`` left), list items as ``• `` lines, paragraphs as blank-line separated blocks."""

from __future__ import annotations

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark").enable("table")
BULLET = "• "


def _inline(token) -> str:
    parts = []
    href = ""
    for child in token.children or ():
        if child.type == "link_open":
            href, start = child.attrGet("href") or "", len(parts)
        elif child.type == "link_close":
            label = "".join(parts[start:]).strip()
            if href.startswith(("http://", "https://")) and href != label:
                parts.append(f" ({href})")  # the link survived grounding (allowed host): keep where it points
            href = ""
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content or "")
    return " ".join("".join(parts).split())


def markdown_plain(text: str) -> str:
    """``text`` (Markdown, as knowledge chunks store it) as plain text: emphasis, code marks and link syntax removed
    (the link text is kept), headings as their own line, each list item on a ``• `` line, blocks separated by a
    blank line. Text without Markdown comes back with its whitespace normalised."""
    blocks: list[str] = []
    depth = 0
    for token in _md.parse(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline":
            line = _inline(token)
            if not line:
                continue
            if depth:
                blocks.append(BULLET + line)
            else:
                blocks.append(line)
        elif token.type in ("fence", "code_block"):
            blocks.append(" ".join(token.content.split()))
    out: list[str] = []
    for block in blocks:  # list items stay together, other blocks get a blank line between them
        if out and block.startswith(BULLET) and out[-1].split("\n")[-1].startswith(BULLET):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out)


def plain_flat(text: str) -> str:
    """``markdown_plain`` on one line (chat): the items of a list joined with "; " and closed with a full stop."""
    pieces: list[str] = []
    items: list[str] = []
    for line in [*markdown_plain(text).splitlines(), ""]:
        line = line.strip()
        if line.startswith(BULLET):
            items.append(line.removeprefix(BULLET).rstrip(";.,"))
            continue
        if items:
            pieces.append("; ".join(items) + ".")
            items = []
        if line:
            pieces.append(line)
    return " ".join(pieces)
