"""Parsing raw mail: charsets, encoded words, HTML-only mail, caps, attachments (cases F16–F18, F25–F27)."""

from __future__ import annotations

import base64
import json
import os
import textwrap
from email.message import EmailMessage

import pytest

from apps.tickets.email.caps import EmailLimits, nontext_strip, text_excerpt
from apps.tickets.email.parse import decode_bytes, email_parse, text_parse, unflow


def failure_case(shared_cases, case_id: str) -> dict:
    for line in (shared_cases / "failure_cases.jsonl").read_text("utf-8").splitlines():
        case = json.loads(line)
        if case["id"] == case_id:
            return case
    raise AssertionError(f"{case_id} not in failure_cases.jsonl")


def raw_message(*, subject: str, body: str, headers: dict | None = None, sender: str = "a@customer.example") -> bytes:
    """A raw message whose subject and body go on the wire exactly as given (already encoded)."""
    lines = [f"From: {sender}", "To: support@example.com", f"Subject: {subject}", "MIME-Version: 1.0"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("ascii")


@pytest.mark.dataset
def test_f17_latin1_subject_and_body_decode_without_mojibake(shared_cases):
    case = failure_case(shared_cases, "F17")["input"]
    raw = raw_message(subject=case["subject"], body=case["body"], headers=case["extra"]["headers"])
    parsed = email_parse(raw)
    assert parsed.subject == "No puedo iniciar sesión"
    assert parsed.visible_text.startswith("Hola, no puedo iniciar sesión desde ayer. ¿Cómo restablezco la contraseña?")
    assert "José Muñoz" in parsed.visible_text + parsed.signature
    assert "Ã" not in parsed.visible_text + parsed.subject


@pytest.mark.dataset
def test_f25_emoji_subject_is_kept(shared_cases):
    case = failure_case(shared_cases, "F25")["input"]
    parsed = email_parse(raw_message(subject=case["extra"]["raw_subject"], body=case["body"]))
    assert parsed.subject == case["subject"] == "🚨 Checkout down again 😡"
    assert parsed.visible_text == case["body"]


@pytest.mark.dataset
def test_f26_html_only_mail_becomes_text(shared_cases):
    case = failure_case(shared_cases, "F26")["input"]
    message = EmailMessage()
    message["From"], message["Subject"] = "Priya <priya@acme.example>", case["subject"]
    message.set_content(case["extra"]["html_part"], subtype="html")
    message.make_alternative()  # "multipart/alternative with only a text/html part"
    assert message.get_content_type() == "multipart/alternative"
    parsed = email_parse(message.as_bytes())
    assert parsed.html_only
    assert "Invoice INV-2231 shows our old VAT number DE811111111" in parsed.visible_text
    assert "Please reissue it with DE299999999." in parsed.visible_text
    assert "<" not in parsed.visible_text and parsed.notes == ["HTML-only message converted to text."]
    assert parsed.attachments == []


def test_f26_truly_empty_body_is_flagged_not_invented():
    parsed = email_parse(raw_message(subject="help", body=""))
    assert parsed.subject == "help"
    assert parsed.visible_text == "" and parsed.flags["empty"] is True


@pytest.mark.dataset
def test_f27_base64_payload_is_cut_with_a_note(shared_cases):
    case = failure_case(shared_cases, "F27")["input"]
    blob = ("iVBORw0KGgoAAAANSUhEUgAA" * 7000)[:150_000]
    message = EmailMessage()
    message["From"], message["Subject"] = "a@customer.example", case["subject"]
    message.set_content(case["body"].replace("{{BASE64_150K}}", blob))
    parsed = email_parse(message.as_bytes())
    assert parsed.visible_text.startswith("Export to Excel keeps failing with error E-EXPORT-504")
    assert "iVBORw0KGgo" not in parsed.visible_text and len(parsed.visible_text) < 200
    assert "[non-text data removed: 150,000 characters]" in parsed.visible_text
    assert parsed.body_capped and parsed.flags["nontext_removed_chars"] == 150_000
    assert any("150,000 characters of non-text data" in note for note in parsed.notes)


def test_wrapped_base64_lines_are_removed_whole():
    blob = "\n".join(textwrap.wrap(base64.b64encode(os.urandom(30_000)).decode(), 76))
    text, removed = nontext_strip(f"See the screenshot:\n{blob}\nThanks")
    assert text.splitlines()[0] == "See the screenshot:" and text.splitlines()[-1] == "Thanks"
    assert len(text.splitlines()) == 3 and removed == sum(len(line) for line in blob.splitlines())


def test_100k_char_text_body_becomes_an_excerpt_with_a_note():
    log = "\n".join(f"2025-06-03 10:{i % 60:02d} INFO import step {i} finished" for i in range(3000))
    message = EmailMessage()
    message["From"], message["Subject"] = "a@customer.example", "Import log"
    message.set_content(f"My import fails. Here is the log:\n{log}\nERROR E-IMPORT-42: duplicate key")
    parsed = email_parse(message.as_bytes())
    assert len(parsed.full_text) > 100_000
    assert len(parsed.visible_text) <= EmailLimits().visible_max_chars
    assert parsed.visible_text.startswith("My import fails. Here is the log:")
    assert parsed.visible_text.rstrip().endswith("ERROR E-IMPORT-42: duplicate key")  # the end is kept too
    assert "characters left out of this" in parsed.visible_text
    assert parsed.body_capped and any(note.startswith("Body shortened from") for note in parsed.notes)
    assert parsed.quoted_text == ""


def test_excerpt_is_identity_under_the_limit():
    assert text_excerpt("short text", max_chars=100) == ("short text", "")


@pytest.mark.dataset
def test_f18_oversized_attachments_are_recorded_not_dropped(shared_cases):
    case = failure_case(shared_cases, "F18")["input"]
    assert case["extra"]["attachments"].startswith("70 x PDF, 38 MB total (limit 25 MB)")
    message = EmailMessage()
    message["From"], message["Subject"] = "finance@leith.example", case["subject"]
    message.set_content(case["body"])
    pdf = b"%PDF-1.4\n" + b"0" * (38 * 1024 * 1024 // 70)
    for number in range(1, 71):
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"invoice-2024-{number:02d}.pdf")
    parsed = email_parse(message.as_bytes(), limits=EmailLimits(attachments_max_total_bytes=25 * 1024 * 1024))
    assert parsed.visible_text == case["body"]
    assert len(parsed.attachments) == 70
    kept = [a for a in parsed.attachments if a.content is not None]
    skipped = [a for a in parsed.attachments if a.skipped_reason]
    assert len(kept) + len(skipped) == 70 and skipped
    assert sum(a.size for a in kept) <= 25 * 1024 * 1024
    assert all(a.content is None and a.size == len(pdf) and a.filename.endswith(".pdf") for a in skipped)
    assert "limit for all files of one message" in skipped[0].skipped_reason
    assert parsed.flags["attachments_skipped"] == len(skipped)
    assert any(note.startswith(f"{len(skipped)} of 70 attachments") for note in parsed.notes)
    assert "%PDF" not in parsed.visible_text


def test_attachment_over_the_per_file_limit_is_skipped_with_reason():
    message = EmailMessage()
    message["From"], message["Subject"] = "a@customer.example", "Logs"
    message.set_content("Logs attached.")
    message.add_attachment(b"x" * 2048, maintype="application", subtype="zip", filename="big.zip")
    message.add_attachment(b"small", maintype="text", subtype="plain", filename="small.txt")
    parsed = email_parse(message.as_bytes(), limits=EmailLimits(attachment_max_bytes=1024))
    big, small = parsed.attachments
    assert (big.filename, big.size, big.content) == ("big.zip", 2048, None)
    assert "over the 1.0 KB limit per file" in big.skipped_reason
    assert (small.content, small.skipped_reason, small.content_type) == (b"small", "", "text/plain")


@pytest.mark.dataset
def test_f16_cancel_and_refund_only_in_the_quote_stay_out_of_visible_text(shared_cases):
    case = failure_case(shared_cases, "F16")["input"]
    parsed = email_parse(raw_message(subject=case["subject"], body=case["body"]))
    assert parsed.visible_text == "Thanks, that fixed it!"
    assert "cancel" not in parsed.visible_text.lower() and "refund" not in parsed.visible_text.lower()
    assert "cancel the add-on" in parsed.quoted_text and "refund" in parsed.quoted_text


def test_unencoded_8bit_header_and_wrong_charset_label_are_repaired():
    raw = (
        b"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.fr>\r\nSubject: Probl\xe8me de facture\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"La facture est erron\xc3\xa9e, merci de la corriger.\r\n"
    )
    parsed = email_parse(raw)
    assert parsed.subject == "Problème de facture"
    assert parsed.from_.name == "Renée" and parsed.from_.email == "renee@example.fr"
    assert parsed.visible_text == "La facture est erronée, merci de la corriger."


def test_windows_1252_labelled_latin1_keeps_curly_quotes_and_euro():
    assert decode_bytes("“Total” 20 €".encode("cp1252"), "iso-8859-1") == "“Total” 20 €"
    latin1 = "Le paiement a échoué deux fois, pourquoi ? Merci de vérifier très vite.".encode("latin-1")
    assert decode_bytes(latin1, "no-such-charset").startswith("Le paiement a échoué deux fois")


def test_format_flowed_is_unflowed():
    assert unflow("This is a long \nparagraph.\n> quoted \n> more\n-- \nSig") == (
        "This is a long paragraph.\n> quoted more\n-- \nSig"
    )


def test_thread_keys_and_addresses():
    raw = raw_message(
        subject="Re: Export failing [#42]",
        body="Still failing.",
        headers={
            "Message-ID": "<m3@customer.example>",
            "In-Reply-To": "<m2@support.example>",
            "References": "<m1@customer.example>\r\n <m2@support.example>",
            "Cc": '"Tom Berger" <tom@customer.example>, dana@customer.example',
            "Date": "Tue, 3 Jun 2025 10:12:00 +0200",
        },
    )
    parsed = email_parse(raw)
    assert (parsed.message_id, parsed.in_reply_to) == ("<m3@customer.example>", "<m2@support.example>")
    assert parsed.references == ["<m1@customer.example>", "<m2@support.example>"]
    assert parsed.thread_ids() == ["<m2@support.example>", "<m1@customer.example>"]
    assert [a.email for a in parsed.cc] == ["tom@customer.example", "dana@customer.example"]
    assert parsed.cc[0].name == "Tom Berger" and parsed.date.utcoffset().total_seconds() == 7200
    assert parsed.dedupe_key == "<m3@customer.example>"


def test_message_without_message_id_gets_a_content_hash_key():
    first = email_parse(raw_message(subject="Hi", body="Same text"))
    again = email_parse(raw_message(subject="Hi", body="Same text"))
    other = email_parse(raw_message(subject="Hi", body="Other text"))
    assert first.message_id == "" and first.dedupe_key.startswith("sha256:")
    assert first.dedupe_key == again.dedupe_key != other.dedupe_key


def test_forwarded_email_attachment_is_kept_as_eml():
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "x@vendor.example", "Original"
    inner.set_content("Forwarded body")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "a@customer.example", "Fwd: Original"
    outer.set_content("See the attached mail.")
    outer.add_attachment(inner)
    parsed = email_parse(outer.as_bytes())
    assert parsed.visible_text == "See the attached mail."
    (attached,) = parsed.attachments
    assert attached.content_type == "message/rfc822" and attached.filename.endswith(".eml")
    assert b"Forwarded body" in attached.content


def test_plain_text_body_with_sender_signature():
    parsed = text_parse(
        "Can you reset my password?\n\nThanks,\nDana Ruiz\nNorthwind", sender="Dana Ruiz <d@n.example>"
    )
    assert parsed.visible_text == "Can you reset my password?"
    assert parsed.signature == "Thanks,\nDana Ruiz\nNorthwind"
    assert parsed.reply_text.endswith("Northwind")


def test_email_parse_rejects_text():
    with pytest.raises(TypeError):
        email_parse("From: a@b.c\n\nhi")
