"""``manage.py parse_email``: what the product keeps of one file, as text or JSON."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from apps.tickets.email.htmltext import HTML_MAX_CHARS, html_shrink


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("parse_email", *args, stdout=out)
    return out.getvalue()


def test_eml_as_json_starts_with_visible_text(tmp_path, build_email):
    path = tmp_path / "reply.eml"
    path.write_bytes(
        build_email(
            "Works now.\n\nOn Tue, 3 Jun 2025 at 10:12, Support <support@switchboard.example> wrote:\n> Try again?",
            subject="Re: Export [#7]",
            message_id="<p1@x.example>",
            headers={"In-Reply-To": "<p0@switchboard.example>", "References": "<p0@switchboard.example>"},
        )
    )
    data = json.loads(run(str(path), "--json"))
    assert list(data)[:7] == [
        "visible_text",
        "quoted_text",
        "signature",
        "subject",
        "message_id",
        "in_reply_to",
        "references",
    ]
    assert data["visible_text"] == "Works now."
    assert data["quoted_text"].endswith("> Try again?")
    assert (data["subject"], data["message_id"], data["references"]) == (
        "Re: Export [#7]",
        "<p1@x.example>",
        ["<p0@switchboard.example>"],
    )


def test_txt_body_as_text_with_sender(tmp_path):
    path = tmp_path / "body.txt"
    path.write_text("Please reset my password.\n\nCheers,\nAna Lima\nACME Ltd", encoding="utf-8")
    out = run(str(path), "--sender", "Ana Lima <ana@acme.example>")
    assert out.startswith("== visible text ==\nPlease reset my password.\n")
    assert "== signature ==\nCheers,\nAna Lima\nACME Ltd" in out
    assert "== quoted ==\n(none)" in out


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.eml"))


def test_huge_html_is_shrunk_with_a_note():
    image = "data:image/png;base64," + "A" * 5000
    html, note = html_shrink(f'<p>Hi</p><img src="{image}">')
    assert "AAAA" not in html and note == ""
    html, note = html_shrink("<p>x</p>" * (HTML_MAX_CHARS // 8 + 10))
    assert len(html) == HTML_MAX_CHARS and "cut to its first" in note
