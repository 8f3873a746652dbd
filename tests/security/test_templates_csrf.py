"""CSRF in the templates (with test_url_matrix's POST-without-token check on every URL): every POST form carries
``{% csrf_token %}``, and every page body that HTMX requests can start from sends the token in ``hx-headers``
(htmx inherits it from <body> for every hx-post / hx-put / hx-patch / hx-delete in the page and its fragments)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WRITES = re.compile(r"\bhx-(post|put|patch|delete)=", re.IGNORECASE)
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)
BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
# Bodies without the header, with the reason: pages that make no HTMX writes.
NO_HTMX_WRITES = {"demo/base.html": "the public demo shop: the widget posts with its own key, no session"}


def _templates():
    return sorted(p for p in TEMPLATES.rglob("*.html") if "admin" not in p.relative_to(TEMPLATES).parts[:1])


def test_every_post_form_has_a_csrf_token():
    missing = []
    count = 0
    for path in _templates():
        for match in POST_FORM.finditer(path.read_text(encoding="utf-8")):
            count += 1
            if "{% csrf_token %}" not in match.group(1):
                missing.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}")
    assert count > 10
    assert missing == []


def test_every_page_body_sends_the_csrf_token_to_htmx():
    bodies, missing = 0, []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES).as_posix()
        for body in BODY.findall(text):
            bodies += 1
            if "hx-headers" in body and "X-CSRFToken" in body and "csrf_token" in body:
                continue
            if name in NO_HTMX_WRITES:
                folder = path.parent
                assert not any(WRITES.search(p.read_text(encoding="utf-8")) for p in folder.rglob("*.html")), name
                continue
            missing.append(name)
    assert bodies >= 1
    assert missing == []


EXTENDS = re.compile(r"{%\s*extends\s+[\"']([^\"']+)[\"']")


def _extends_base(name: str, seen: frozenset = frozenset()) -> bool:
    """Whether template ``name`` extends base.html, following its chain of layouts."""
    if name == "base.html":
        return True
    path = TEMPLATES / name
    if name in seen or not path.exists():
        return False
    match = EXTENDS.search(path.read_text(encoding="utf-8"))
    return bool(match) and _extends_base(match.group(1), seen | {name})


def test_htmx_writes_live_in_pages_that_extend_the_base_layout_or_are_its_fragments():
    """A template making HTMX writes is a page extending base.html (through any layouts) or a fragment (no
    ``extends``: a partial or included file swapped into such a page)."""
    strays, pages = [], 0
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        if not WRITES.search(text) or not EXTENDS.search(text):
            continue
        pages += 1
        name = path.relative_to(TEMPLATES).as_posix()
        if not _extends_base(name):
            strays.append(name)
    assert pages >= 1
    assert strays == []
