"""Reply headers and Outlook header blocks as mail clients write them in 17 languages, and prose that merely looks
like them. Written here (not taken from the shared fixtures) so the post-filters are checked on kinds, not files."""

from __future__ import annotations

import pytest

from apps.tickets.email.parse import text_parse

from .leaks import leaks

REPLY_HEADERS = {
    "en": "On Mon, Jun 2, 2025 at 9:14 AM Jane Doe <jane@example.com> wrote:",
    "de": "Am Mo., 2. Juni 2025 um 09:14 Uhr schrieb Jane Doe <jane@example.com>:",
    "fr": "Le lun. 2 juin 2025 à 09:14, Jane Doe <jane@example.com> a écrit :",
    "es": "El lun, 2 jun 2025 a las 9:14, Jane Doe (<jane@example.com>) escribió:",
    "it": "Il giorno lun 2 giu 2025 alle ore 09:14 Jane Doe <jane@example.com> ha scritto:",
    "pt": "Em seg., 2 de jun. de 2025 às 09:14, Jane Doe <jane@example.com> escreveu:",
    "nl": "Op ma 2 jun 2025 om 09:14 schreef Jane Doe <jane@example.com>:",
    "sv": "Den mån 2 juni 2025 kl 09:14 skrev Jane Doe <jane@example.com>:",
    "da": "Den man. 2. jun. 2025 kl. 09.14 skrev Jane Doe <jane@example.com>:",
    "no": "man. 2. jun. 2025 kl. 09:14 skrev Jane Doe <jane@example.com>:",
    "fi": "ma 2. kesäk. 2025 klo 9.14 Jane Doe (jane@example.com) kirjoitti:",
    "pl": "pon., 2 cze 2025 o 09:14 Jane Doe <jane@example.com> napisał(a):",
    "cs": "po 2. 6. 2025 v 9:14 odesílatel Jane Doe <jane@example.com> napsal:",
    "ru": "пн, 2 июн. 2025 г. в 09:14, Jane Doe <jane@example.com>:",
    "ja": "2025年6月2日(月) 9:14 Jane Doe <jane@example.com>:",
    "zh": "Jane Doe <jane@example.com> 于2025年6月2日周一 09:14写道：",
    "ko": "2025년 6월 2일 (월) 오전 9:14, Jane Doe <jane@example.com>님이 작성:",
    "en-wrapped": "On Mon, Jun 2, 2025 at 9:14 AM Jane Doe <\njane@example.com> wrote:",
    "it-wrapped": "Il giorno lun 2 giu 2025 alle ore 09:14 Jane Doe\n<jane@example.com> ha scritto:",
    "pt-wrapped": "Em seg., 2 de jun. de 2025 às 09:14, Jane Doe <\njane@example.com> escreveu:",
}
OUTLOOK_BLOCKS = {  # one header line per item
    "en": [
        "From: Jane Doe <jane@example.com>",
        "Sent: Monday, June 2, 2025 9:14 AM",
        "To: Support <support@x.com>",
        "Subject: Invoice",
    ],
    "de": [
        "Von: Jane Doe <jane@example.com>",
        "Gesendet: Montag, 2. Juni 2025 09:14",
        "An: Support <support@x.com>",
        "Betreff: Rechnung",
    ],
    "fr": [
        "De : Jane Doe <jane@example.com>",
        "Envoyé : lundi 2 juin 2025 09:14",
        "À : Support <support@x.com>",
        "Objet : Facture",
    ],
    "es": [
        "De: Jane Doe <jane@example.com>",
        "Enviado: lunes, 2 de junio de 2025 9:14",
        "Para: Support <support@x.com>",
        "Asunto: Factura",
    ],
    "it": [
        "Da: Jane Doe <jane@example.com>",
        "Inviato: lunedì 2 giugno 2025 09:14",
        "A: Support <support@x.com>",
        "Oggetto: Fattura",
    ],
    "pt": [
        "De: Jane Doe <jane@example.com>",
        "Enviado: segunda-feira, 2 de junho de 2025 09:14",
        "Para: Support <support@x.com>",
        "Assunto: Fatura",
    ],
    "nl": [
        "Van: Jane Doe <jane@example.com>",
        "Verzonden: maandag 2 juni 2025 09:14",
        "Aan: Support <support@x.com>",
        "Onderwerp: Factuur",
    ],
    "sv": [
        "Från: Jane Doe <jane@example.com>",
        "Skickat: den 2 juni 2025 09:14",
        "Till: Support <support@x.com>",
        "Ämne: Faktura",
    ],
    "da": [
        "Fra: Jane Doe <jane@example.com>",
        "Sendt: 2. juni 2025 09:14",
        "Til: Support <support@x.com>",
        "Emne: Faktura",
    ],
    "fi": [
        "Lähettäjä: Jane Doe <jane@example.com>",
        "Lähetetty: maanantai 2. kesäkuuta 2025 9.14",
        "Vastaanottaja: Support <support@x.com>",
        "Aihe: Lasku",
    ],
    "pl": [
        "Od: Jane Doe <jane@example.com>",
        "Wysłano: poniedziałek, 2 czerwca 2025 09:14",
        "Do: Support <support@x.com>",
        "Temat: Faktura",
    ],
    "cs": [
        "Od: Jane Doe <jane@example.com>",
        "Odesláno: pondělí 2. června 2025 9:14",
        "Komu: Support <support@x.com>",
        "Předmět: Faktura",
    ],
    "ru": [
        "От: Jane Doe <jane@example.com>",
        "Отправлено: 2 июня 2025 г. 9:14",
        "Кому: Support <support@x.com>",
        "Тема: Счёт",
    ],
    "ja": [
        "差出人: Jane Doe <jane@example.com>",
        "送信日時: 2025年6月2日 9:14",
        "宛先: Support <support@x.com>",
        "件名: 請求書",
    ],
    "zh": [
        "发件人: Jane Doe <jane@example.com>",
        "发送时间: 2025年6月2日 9:14",
        "收件人: Support <support@x.com>",
        "主题: 发票",
    ],
    "ko": [
        "보낸 사람: Jane Doe <jane@example.com>",
        "보낸 날짜: 2025년 6월 2일 월요일 오전 9:14",
        "받는 사람: Support <support@x.com>",
        "제목: 청구서",
    ],
    "en-bold": [
        "*From:* Jane Doe <jane@example.com>",
        "*Sent:* Monday, June 2, 2025 9:14 AM",
        "*To:* Support",
        "*Subject:* Invoice",
    ],
    "en-gmail-fwd": [
        "---------- Forwarded message ---------",
        "From: Jane Doe <jane@example.com>",
        "Date: Mon, Jun 2, 2025 at 9:14 AM",
        "Subject: Invoice",
        "To: <support@x.com>",
    ],
}
NEW_TEXT = "Please check invoice INV-7 again."
QUOTES = ["> I want to cancel and get a refund.\n> Thanks", "I want to cancel and get a refund.\nThanks"]


@pytest.mark.parametrize("quoted", QUOTES, ids=["quoted", "unquoted"])
@pytest.mark.parametrize(
    "header",
    [*REPLY_HEADERS.values(), *("\n".join(block) for block in OUTLOOK_BLOCKS.values())],
    ids=[*REPLY_HEADERS, *(f"outlook-{k}" for k in OUTLOOK_BLOCKS)],
)
def test_quote_header_in_any_language_ends_the_new_text(header, quoted):
    parsed = text_parse(f"{NEW_TEXT}\n\n{header}\n\n{quoted}")
    assert parsed.visible_text == NEW_TEXT
    assert "refund" in parsed.quoted_text and not leaks(parsed.visible_text)


LOOKALIKES = [
    "On 3 June I wrote to your billing team and nobody answered:\n- invoice 1\n- invoice 2\nPlease help.",
    "Am Montag schrieb ich Ihnen bereits:\nDie Rechnung ist falsch.",
    "Le 3 juin, j'ai écrit au support :\nla facture est fausse.",
    "From: the dashboard, Settings page\nTo: reproduce, click Export\nIt fails.",
    "Sent from my desk, not my phone.\nThe export still fails.",
    "Regards to the team.\nThe export still fails on 2025-06-03 at 10:14.",
    "As Jane wrote: the export is broken.\nCan you fix it?",
]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_prose_that_looks_like_a_header_stays(text):
    assert text_parse(text).visible_text == text
