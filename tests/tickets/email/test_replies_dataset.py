"""The email robustness suite: every file of ../shared/data/email_replies/ and talon's EXPECTED.json.

Every message file is parsed the way ``manage.py parse_email`` parses it; its visible text must hold no quoted
header line, quoted line, Outlook header block, "Original Message" separator or signature block (checked by
``leaks.py``, written apart from the product's patterns). Upstream fixtures' own assertions (text that must stay
visible) guard against cutting too much. Mismatches are printed (run with ``-s``) before the assertion fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from apps.tickets.email.htmltext import html_reply_extract
from apps.tickets.email.parse import ParsedEmail, email_parse, file_parse, looks_like_rfc822, text_parse

from .leaks import leaks

pytestmark = pytest.mark.dataset

NOT_MESSAGES = {"LICENSE", "SOURCE.md", "EXPECTED.json", "__init__.py"}
ANNOTATION = re.compile(rb"#(?:sig|reply)#")


def _root(shared_data: Path) -> Path:
    return shared_data / "email_replies"


def parse_fixture(path: Path) -> ParsedEmail | None:
    """Parse one fixture file; ``None`` for files that are not messages (licences, the truth files of triples).

    Layouts: ``.eml`` raw messages; ``.html`` HTML bodies; ``.txt`` plain bodies (those starting with RFC 822
    headers are raw messages); talon's signature triples ``<name>_body`` with the author in ``<name>_sender``;
    talon's annotated ``P/`` samples, whose ``#sig#``/``#reply#`` line marks are its training labels, not mail.
    """
    if path.name in NOT_MESSAGES or path.name.endswith(("_sender", "_signature")):
        return None
    sender_file = path.with_name(path.name.replace("_body", "_sender"))
    sender = sender_file.read_text("utf-8").strip() if path.name.endswith("_body") and sender_file.exists() else ""
    if path.parent.name == "P":
        data = ANNOTATION.sub(b"", path.read_bytes())
        if looks_like_rfc822(data):
            return email_parse(data)
        first, _, rest = data.decode("utf-8").partition("\n")
        if first.startswith("From:"):  # "From: <author>" then the body
            return text_parse(rest, sender=first[5:].strip())
        return text_parse(data.decode("utf-8"), sender=sender)
    return file_parse(path, sender=sender)


def test_no_quote_or_signature_leaks_in_any_file(shared_data):
    root = _root(shared_data)
    parsed, mismatches = 0, []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        result = parse_fixture(path)
        if result is None:
            continue
        parsed += 1
        found = leaks(result.visible_text)
        if found:
            mismatches.append((str(path.relative_to(root)), found))
    for name, found in mismatches:
        print(f"LEAK {name}: {found}")
    print(f"email_replies: {parsed} files parsed, {len(mismatches)} with quoted or signature text left")
    assert parsed >= 215
    assert mismatches == []


# Text the upstream suites (crisp, github, willdurand) assert stays in the reply: guards against cutting too much.
MUST_STAY = {
    "crisp_email_reply_parser/email_tricky_1_on_false_positive.txt": [
        "On the surface, this looks like",
        "On a separate note, I wanted to mention that performance is great.",
    ],
    "crisp_email_reply_parser/email_tricky_2_url_with_wrote.txt": ["Check out this article", "https://example.com"],
    "crisp_email_reply_parser/email_tricky_3_code_block.txt": ["function sendEmail", "Notice how the code"],
    "crisp_email_reply_parser/email_tricky_4_from_in_body.txt": ["This is the actual message content."],
    "crisp_email_reply_parser/email_tricky_6_regards_in_sentence.txt": [
        "with regards to the payment",
        "This is the actual content that should be visible.",
    ],
    "crisp_email_reply_parser/email_tricky_7_multiple_dashes.txt": ["Key Points", "Also these equal signs"],
    "crisp_email_reply_parser/email_tricky_8_sent_from_in_content.txt": [
        "sent from my iPhone app",
        "All messages are sent from the main server.",
    ],
    "crisp_email_reply_parser/email_tricky_9_nested_quotes.txt": ["I agree with the points below."],
    "crisp_email_reply_parser/email_tricky_13_timestamp_variations.txt": [
        "Jan 15, 2024 at 14:30",
        "All of these are just examples",
    ],
    "crisp_email_reply_parser/email_tricky_18_inline_reply.txt": [
        "I think option A is great.",
        "Option C is not suitable",
    ],
    "crisp_email_reply_parser/email_tricky_19_quote_without_header.txt": [
        "I wanted to respond",
        "My response to the quoted text above.",
        "And my final thoughts.",
    ],
    "crisp_email_reply_parser/email_tricky_20_html_entities.txt": ["&gt; 100 and &lt; 200"],
    "crisp_email_reply_parser/email_sent_from_my_not_signature.txt": ["Sent from my desk, is much easier"],
    "crisp_email_reply_parser/email_not_a_signature_2.txt": ["-- and also third point", "I hope you can check it"],
    "crisp_email_reply_parser/email_one_is_not_on.txt": ["One outstanding question"],
    "crisp_email_reply_parser/email_reply_header.txt": ["On the other hand, it could happen TWICE!"],
    "crisp_email_reply_parser/email_zoho.txt": ["What is the best way to clear a Riak bucket"],
    "crisp_email_reply_parser/email_2.txt": ["Hi,", "You can list the keys", "would do it."],
    "github_email_reply_parser/email_sig_delimiter_in_middle_of_line.txt": ["this is not a signature", "kthxbai"],
    "github_email_reply_parser/greedy_on.txt": ["telnet 127.0.0.1 52698", "the tunnel is not working."],
    "github_email_reply_parser/email_1_8.txt": ["I will reply under this one", "and under this."],
    "github_email_reply_parser/email_long_quote.txt": ["What is the best way", "I am currently using the Java"],
    "github_email_reply_parser/pathological.txt": ["I think you're onto something."],
    "willdurand_EmailReplyParser/email_23_1.txt": ["Something wrote:", "et mollis ligula rutrum quis."],
    "zapier_email_reply_parser/email_headers_no_delimiter.txt": ["And another reply!"],
    "talon/signature/emails/P/102682_R_S": ["I like the xxx a lot", "ARHGGHRGHH!"],
    "talon/standard_replies/thunderbird.eml": ["Hello"],
}


@pytest.mark.parametrize("name", sorted(MUST_STAY))
def test_new_text_stays_visible(shared_data, name):
    visible = parse_fixture(_root(shared_data) / name).visible_text
    for expected in MUST_STAY[name]:
        assert expected in visible, f"{name}: {expected!r} was cut from the visible text:\n{visible}"


def test_files_opening_with_the_common_fragment_keep_exactly_it(shared_data):
    """crisp's fixtures share a first paragraph followed by a quote in another language or layout; upstream
    asserts the reply is exactly that paragraph."""
    root = _root(shared_data)
    common = (root / "crisp_email_reply_parser" / "email_10.txt").read_text("utf-8").split("\n\n")[0].strip()
    checked, wrong = 0, []
    for path in sorted(root.rglob("*.txt")):
        if path.read_text("utf-8", "replace").startswith(common):
            checked += 1
            visible = parse_fixture(path).visible_text
            if visible != common:
                wrong.append((path.name, visible[len(common) - 40 :][:200]))
    print(f"{checked} files open with the common fragment; {len(wrong)} mismatches: {wrong}")
    assert checked >= 50
    assert wrong == []


def _expected(shared_data) -> dict:
    return json.loads((_root(shared_data) / "talon" / "EXPECTED.json").read_text("utf-8"))


def test_talon_standard_replies_match_exactly(shared_data):
    """talon's reply (new text with its signature) must equal EXPECTED.json; the visible text drops the signature."""
    talon = _root(shared_data) / "talon"
    mismatches = []
    for name, expected in _expected(shared_data)["standard_replies"].items():
        parsed = parse_fixture(talon / name)
        if parsed.reply_text != expected:
            mismatches.append((name, parsed.reply_text, expected))
        assert not leaks(parsed.visible_text)
    for name, got, want in mismatches:
        print(f"MISMATCH {name}: got {got!r}, expected {want!r}")
    assert mismatches == []
    iphone = parse_fixture(talon / "standard_replies" / "iphone.eml")
    assert (iphone.visible_text, iphone.signature) == ("Hello", "Sent from my iPhone")


def test_talon_html_replies_match_ignoring_whitespace(shared_data):
    talon = _root(shared_data) / "talon"
    squash = re.compile(r"\s")
    for name, spec in _expected(shared_data)["html_replies"].items():
        parsed = parse_fixture(talon / name)
        assert parsed.html_only
        assert squash.sub("", parsed.reply_text) == squash.sub("", spec["expected_plain_reply"]), name
        assert parsed.visible_text == "Hi. I am fine.", name


def test_talon_signatures_match(shared_data):
    talon = _root(shared_data) / "talon"
    for name, spec in _expected(shared_data)["signature_stripped"].items():
        body_path = talon / name
        original = body_path.read_text("utf-8")
        parsed = text_parse(original, sender=spec["sender"])
        assert parsed.signature.strip() == spec["expected_signature"].strip(), name
        expected_body = original.strip()[: len(original.strip()) - len(spec["expected_signature"].strip())].strip()
        assert parsed.visible_text == expected_body, name


def test_talon_other_cases(shared_data):
    talon = _root(shared_data) / "talon"
    other = _expected(shared_data)["other"]
    squash = re.compile(r"\s")
    for name in ("OLK_SRC_BODY_SECTION.html", "reply-separated-by-hr.html"):
        html = (talon / name).read_text("utf-8")
        assert squash.sub("", html_reply_extract(html)) == squash.sub("", other[name]["expected_html_reply"])
    share = parse_fixture(talon / "reply-quotations-share-block.eml")
    assert share.reply_text.strip() and "From" not in share.reply_text
