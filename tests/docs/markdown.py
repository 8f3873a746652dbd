"""Reading the guides in docs/: fenced code blocks (with the expectations written beside them), links and images.

A block tagged ``bash``, ``console`` or ``curl`` is a command a reader types, so the tests run it. A block a test
must not run (``make run`` starts a server that never returns; a restore overwrites the database) is tagged
``text`` or ``shell-norun``; other tags (``json``, ``ini``, ``csv``, ``python``) are data or file contents shown
to the reader. An HTML comment right after a block, ``<!-- expect: REGEX -->`` (one or more), is checked against
the block's output (stdout and stderr together); readers do not see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
RUN_TAGS = {"bash", "console", "curl"}
NORUN_TAGS = {"text", "shell-norun"}
DATA_TAGS = {"json", "ini", "csv", "python", "yaml", "nginx", "dotenv", "http"}
LOCAL_URL = "http://127.0.0.1:8000"  # the address `make run` serves; tests swap in the live server's

_FENCE = re.compile(r"^```([\w-]*)\s*$")
_EXPECT = re.compile(r"^<!--\s*expect:\s*(.+?)\s*-->\s*$")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    tag: str
    code: str
    expect: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.tag in RUN_TAGS


def guides() -> list[Path]:
    """Every Markdown guide in docs/ (not the example files)."""
    return sorted(DOCS.glob("*.md"))


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of ``path`` in order, each with the ``expect`` comments that follow it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        start, tag, body = i + 1, match.group(1), []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        block = Block(path=path, line=start, tag=tag, code="\n".join(body) + "\n")
        while i < len(lines) and (expect := _EXPECT.match(lines[i])):
            block.expect.append(expect.group(1))
            i += 1
        found.append(block)
    return found


def links(path: Path) -> list[tuple[int, bool, str]]:
    """``(line, is_image, target)`` of every Markdown link and image outside code blocks."""
    out, in_code = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        for bang, _text, target in _LINK.findall(re.sub(r"`[^`]*`", "", line)):
            out.append((number, bool(bang), target))
    return out


def anchors(path: Path) -> set[str]:
    """GitHub-style anchors of the headings of ``path``."""
    result = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
            result.add(title)
    return result
