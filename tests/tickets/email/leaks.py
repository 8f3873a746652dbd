"""An independent check for what must never be in the visible text of an email: quoted-reply header lines,
quoted lines, Outlook header blocks, "Original Message" separators and signature blocks.

Written apart from the product's patterns (``apps/tickets/email/patterns.py``) on purpose, so a gap in the
product's lists shows up here instead of being checked by the same regex that caused it.
"""

from __future__ import annotations

import re

_WROTE = re.compile(
    r"(?:\bwrote|\bwrites|schrieb|a [ée]crit|escribi[óo]|ha scritto|escreveu|schreef|\bskrev|kirjoitti|napisa[łl]"
    r"|napsal|пишет|написал|написав|írta|書きました|写道|寫道|작성)\s*(?::|：|-{2,})?\s*$",
    re.IGNORECASE,
)
_VERB_ANYWHERE = re.compile(r"\b(?:wrote|schrieb|schreef|skrev|escribió|escreveu|napisał|kirjoitti)\b", re.IGNORECASE)
_VERBLESS = re.compile(r"\d.*@[\w.-]+\.\w+\s*>?\)?\s*:\s*$")
_FROM = re.compile(r"^[\s>*]*(?:From|Von|De|Da|Van|Från|Fra|Od|От|Lähettäjä|发件人|Message du)\s?:", re.IGNORECASE)
_NEXT = re.compile(
    r"^[\s>*]*(?:Sent|Date|Gesendet|Datum|Envoy[ée](?: le)?|Enviad[oa](?: em)?|Inviato|Verzonden|Skickat|Sendt|Dato"
    r"|Wysłano|Отправлено|Data|Lähetetty|发送时间|To|An|À|A|Para|Aan|Till|Til|Do|Кому|收件人|Subject|Betreff|Objet"
    r"|Asunto|Assunto|Oggetto|Onderwerp|Ämne|Emne|Temat|Тема|主题)\s?:",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original|Urspr[üu]ngliche|Message d'origine|Mensaje original|Messaggio originale"
    r"|Oprindelig|Forwarded)",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^\s*(?:Sent from (?:my )?\w+|Sent with \w+|Get Outlook for|Envoy[ée] (?:de|depuis|à partir de)"
    r"|Von meinem \w+|Gesendet von|Enviado desde)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank you|many thanks|best|best regards|kind regards|regards|cheers|sincerely|yours"
    r"|cordialement|mit freundlichen grü(?:ß|ss)en|viele grü(?:ß|ss)e|saludos|atentamente|cordiali saluti"
    r"|met vriendelijke groet|med vänliga hälsningar|med venlig hilsen|pozdrawiam|с уважением|terveisin)"
    r"\s*[,.!]*\s*\W{0,3}$",
    re.IGNORECASE,
)


def leaks(visible: str) -> list[str]:
    """Names of the kinds of quoted or signature text found in ``visible`` (empty when clean)."""
    found: list[str] = []
    lines = visible.split("\n")
    content = [line for line in lines if line.strip()]
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(">"):
            found.append(f"quoted line: {stripped[:60]!r}")
        window = " ".join(s.strip() for s in lines[max(0, index - 2) : index + 1])
        if _WROTE.search(stripped) and re.search(r"\d|@", window):
            found.append(f"reply header: {window[-90:]!r}")
        if _VERB_ANYWHERE.search(stripped) and re.search(r"\d{1,2}[:.]\d{2}", stripped) and "@" in stripped:
            found.append(f"reply header with author after the verb: {stripped[:90]!r}")
        if _VERBLESS.search(stripped):
            found.append(f"verbless reply header: {stripped[:90]!r}")
        if _FROM.match(line) and any(_NEXT.match(n) for n in lines[index + 1 : index + 6]):
            found.append(f"header block: {stripped[:60]!r}")
        if _ORIGINAL.match(line):
            found.append(f"original-message separator: {stripped[:60]!r}")
        if re.fullmatch(r"--\s?", line) and index < len(lines) - 1:
            found.append("signature delimiter '-- '")
        if _MOBILE.match(line) and len(stripped.split()) <= 8 and "," not in stripped:
            found.append(f"mobile signature: {stripped!r}")
        if "#sig#" in line:
            found.append(f"annotated signature line: {stripped[:60]!r}")
    tail = content[-5:]
    for offset, line in enumerate(tail):
        rest = tail[offset + 1 :]
        if _SIGN_OFF.match(line) and rest and all(len(r.strip()) <= 40 for r in rest):
            found.append(f"sign-off block: {' / '.join(s.strip() for s in [line, *rest])!r}")
            break
    return found
