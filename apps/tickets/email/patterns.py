"""Language patterns for the start of a quoted message and for signatures, in the languages mail clients write.

These patterns back the post-filters in ``quotes.py`` and ``signature.py``: talon and mail-parser-reply catch most
quotes, these catch the kinds they leak (Italian, Portuguese, Finnish, Hungarian, Ukrainian and verbless reply
headers; Outlook header blocks in many languages; "Original Message" separators; mobile signatures).
Each list is a kind, not a single fixture: add a language by adding words here.
"""

from __future__ import annotations

import re

# fmt: off
# --- Reply headers: "On <date>, <person> wrote:" -------------------------------------------------------------------
# The verb (phrase) that ends a reply header, per language.
WROTE_VERBS = [
    r"wrote", r"writes", r"has written",  # en
    r"schrieb", r"hat geschrieben",  # de
    r"a écrit", r"a ecrit", r"écrit",  # fr
    r"escribió", r"escribio", r"ha escrito",  # es
    r"ha scritto", r"scrisse",  # it
    r"escreveu", r"escrito",  # pt
    r"schreef", r"heeft geschreven",  # nl
    r"skrev(?: følgende)?", r"skrev följande",  # sv / da / no
    r"kirjoitti",  # fi
    r"napisał\(a\)", r"napisała", r"napisał",  # pl
    r"napsal\(a\)", r"napsala", r"napsal",  # cs
    r"írta",  # hu
    r"пишет", r"написал\(а\)", r"написала", r"написал", r"написав", r"написала\(в\)",  # ru / uk
    r"yazdı",  # tr
    r"έγραψε",  # el
    r"が書きました", r"は書きました",  # ja
    r"写道", r"寫道",  # zh
    r"작성",  # ko
]
# Words a reply header starts with (after an optional "- " or "---- "), per language.
HEADER_LEADS = [
    r"On", r"Am", r"Le", r"El", r"Il", r"In data", r"Em", r"Op", r"Den", r"Dne", r"W dniu", r"Dnia", r"Dana",
    r"Pada", r"Ve", r"Vào", r"在", r"于", r"Citando", r"Quoting", r"Zitat von",
]
# fmt: on
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
# Alphabetic verbs must not continue a word ("rewrote"); CJK verbs follow anything (e.g. "09:14写道").
_VERB = (
    r"(?i:(?<![^\W\d_])(?<!/)(?:"
    + "|".join(v for v in WROTE_VERBS if not _CJK.search(v))
    + ")|(?:"
    + "|".join(v for v in WROTE_VERBS if _CJK.search(v))
    + "))"
)
# The header ends with the verb, optionally followed by a colon or dashes (Zoho: "... wrote ----").
WROTE_END = re.compile(_VERB + r"\s*(?::|：)?\s*(?:-{2,}\s*)?$", re.IGNORECASE)
# The verb followed by the author ("Am … schrieb Max <max@x.de>:", "… skrev Test user <t@x.com>:").
# After the verb: a name of a few words, optionally with an address in <> or (); nothing sentence-like.
_AUTHOR = (
    r"(?:(?:[\"'“]?[^\s<>()@]+[\"'”]?\s+){0,6}[<(]?\s*[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\s*[>)]?"
    r"|[\"'“]?[^\W\d_a-z][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){0,4}[\"'”]?)"
)
WROTE_NAMED = re.compile(_VERB + r"\s+" + _AUTHOR + r"\s*(?::|：)\s*$")
HEADER_LEAD = re.compile(r"^\s*(?:[-–]+\s*)?(?:" + "|".join(HEADER_LEADS) + r")\b", re.IGNORECASE)
# A short weekday or a date as the first token: "pe 20. lokakuuta", "tir. 18. apr.", "ср, 30 апр.", "2017-11-24".
HEADER_DATE_START = re.compile(r"^\s*(?:[-–]+\s*)?(?:\d|[^\W\d_]{1,4}[.,]?\s+\d)", re.UNICODE)
EMAIL_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
DATE_OR_TIME = re.compile(r"\d{1,2}[:.h]\d{2}|\b(?:19|20)\d{2}\b|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
# Verbless header (Gmail in some locales, Yandex, Mail.ru): "<date>, <name> <address>:" on its own.
VERBLESS_END = re.compile(r"(?:[\w.+'-]+@[\w-]+(?:\.[\w-]+)+)\s*>?\)?\s*(?::|：)\s*$", re.UNICODE)

# --- Outlook / webmail header blocks -------------------------------------------------------------------------------
# fmt: off
HEADER_LABELS = {
    "from": [
        "From", "Von", "De", "Da", "Van", "Från", "Fra", "Od", "От", "Від", "Lähettäjä", "Feladó", "Kimden",
        "Message du", "Afzender", "Remitente", "Mittente", "Avsändare", "Nadawca", "Odesílatel",
        "发件人", "寄件者", "差出人", "보낸 사람", "Από",
    ],
    "sent": [
        "Sent", "Date", "Gesendet", "Datum", "Envoyé", "Envoyé le", "Enviado", "Enviada em", "Enviado el", "Fecha",
        "Data", "Inviato", "Verzonden", "Skickat", "Sendt", "Dato", "Wysłano", "Wysłane", "Отправлено", "Дата",
        "Надіслано", "Lähetetty", "Päivämäärä", "Odesláno", "Elküldve", "Küldve", "Dátum", "Gönderildi", "Tarih",
        "发送时间", "日期", "寄件日期", "送信日時", "日付", "보낸 날짜", "날짜", "Sent at",
    ],
    "to": [
        "To", "An", "À", "A", "Para", "Aan", "Till", "Til", "Do", "Кому", "Vastaanottaja", "Komu", "Címzett",
        "Kime", "Copie à", "Cc", "CC", "Kopie", "Kopia", "Kopio", "Копия",
        "收件人", "抄送", "宛先", "받는 사람", "Προς",
    ],
    "subject": [
        "Subject", "Betreff", "Objet", "Sujet", "Asunto", "Assunto", "Oggetto", "Onderwerp", "Ämne", "Emne", "Temat",
        "Тема", "Aihe", "Předmět", "Tárgy", "Konu", "主题", "主旨", "件名", "제목", "Θέμα",
    ],
}
# fmt: on
_LABEL_ALTERNATIVES = sorted({label for labels in HEADER_LABELS.values() for label in labels}, key=len, reverse=True)
# "From: x", "*From:* x", "   De : x", "Envoyé le :jeudi", "发件人: x"; the value may be empty.
HEADER_LINE = re.compile(
    r"^\s*[*_]{0,2}(" + "|".join(re.escape(label) for label in _LABEL_ALTERNATIVES) + r")[*_]{0,2}\s?[:：][*_]{0,2}",
    re.IGNORECASE,
)
LABEL_KIND = {label.lower(): kind for kind, labels in HEADER_LABELS.items() for label in labels}

# --- Separators that open a quoted or forwarded message ------------------------------------------------------------
# fmt: off
ORIGINAL_MESSAGE_WORDS = [
    "Original Message", "Original", "Ursprüngliche Nachricht", "Originalnachricht", "Message d'origine",
    "Message original", "Mensaje original", "Messaggio originale", "Mensagem original", "Oorspronkelijk bericht",
    "Origineel bericht", "Ursprungligt meddelande", "Originalmeddelande", "Oprindelig besked", "Oprindelig meddelelse",
    "Opprinnelig melding", "Alkuperäinen viesti", "Wiadomość oryginalna", "Oryginalna wiadomość", "Původní zpráva",
    "Исходное сообщение", "Пересылаемое сообщение", "Eredeti üzenet",
    "原始邮件", "原始郵件", "元のメッセージ", "원본 메시지",
    "Forwarded message", "Forwarded Message", "Weitergeleitete Nachricht", "Message transféré", "Mensaje reenviado",
    "Messaggio inoltrato", "Mensagem encaminhada", "Doorgestuurd bericht", "Vidarebefordrat meddelande",
    "Videresendt besked", "Videresendt melding", "Välitetty viesti", "Przekazana wiadomość", "Přeposlaná zpráva",
    "Reply message", "Reply Message",
]
# fmt: on
ORIGINAL_MESSAGE = re.compile(
    r"^\s*[-_=*]{2,}\s*(?:" + "|".join(re.escape(w) for w in ORIGINAL_MESSAGE_WORDS) + r")\s*:?\s*[-_=*]{2,}\s*$",
    re.IGNORECASE,
)
BEGIN_FORWARDED = re.compile(
    r"^\s*(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message réexpédié"
    r"|Inicio del mensaje reenviado|Inizio messaggio inoltrato)\s*:\s*$",
    re.IGNORECASE,
)
# A line of only separator characters ("____", "-----", "====", "——", "—").
SEPARATOR_LINE = re.compile(r"^\s*(?:[-_=*~—–]\s?){1,}\s*$")

# --- Signatures ----------------------------------------------------------------------------------------------------
# "-- " (RFC 3676) and its common mangled forms.
SIGNATURE_DELIMITER = re.compile(r"^(?:--|-- |—|––)\s*$")
# Mobile and client signatures; the whole line, a few words at most, no sentence after it.
MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:"
    r"Sent (?:from|with|via|using)\s+(?:my\s+)?[\w'’.&+-]+(?:\s+[\w'’.&+-]+){0,5}"
    r"|Get Outlook for \w+|Envoyé (?:de|depuis|à partir de) (?:mon |ma )?[\w'’. -]{1,40}"
    r"|Von meinem [\w'’. -]{1,30} gesendet|Gesendet (?:von|mit|vom) (?:meinem )?[\w'’. -]{1,40}"
    r"|Enviado (?:desde|de) (?:mi |meu )?[\w'’. -]{1,40}|Inviato da (?:il mio |mio )?[\w'’. -]{1,40}"
    r"|Verzonden (?:met|vanaf|van) (?:mijn )?[\w'’. -]{1,40}|Skickat från (?:min )?[\w'’. -]{1,40}"
    r"|Sendt fra (?:min )?[\w'’. -]{1,40}|Lähetetty [\w-]+(?:sta|stä)|Wysłane z (?:mojego )?[\w'’. -]{1,40}"
    r"|Отправлено (?:с|из) [\w'’. -]{1,40}|Odesláno z [\w'’. -]{1,40}"
    r"|\S{1,20}から送信|发自我的\S{1,20}|從我的\S{1,20}傳送"
    r")\s*(?:<[^>\s]+>|\(\S+\))?\s*$",
    re.IGNORECASE,
)
# Sign-offs, the whole line (optionally followed by punctuation or an emoji), per language.
# fmt: off
SIGN_OFFS = [
    "thanks", "thank you", "thanks again", "many thanks", "thanks a lot", "thanks so much", "thank you so much",
    "thx", "ty", "cheers", "best", "best regards", "best wishes", "kind regards", "kindest regards", "warm regards",
    "warmest regards", "regards", "with regards", "sincerely", "yours sincerely", "yours truly", "yours", "br",
    "all the best", "take care", "talk soon", "have a nice day", "have a great day", "respectfully", "greetings",
    "mit freundlichen grüßen", "mit freundlichen grüssen", "freundliche grüße", "freundliche grüsse", "viele grüße",
    "viele grüsse", "beste grüße", "liebe grüße", "lg", "mfg", "gruß", "grüße", "danke", "vielen dank",
    "cordialement", "bien cordialement", "bien à vous", "merci", "merci beaucoup", "bonne journée", "amicalement",
    "salutations", "saludos", "un saludo", "saludos cordiales", "atentamente", "gracias", "muchas gracias",
    "cordiali saluti", "saluti", "distinti saluti", "grazie", "grazie mille", "un saluto",
    "atenciosamente", "abraços", "abraço", "obrigado", "obrigada", "cumprimentos",
    "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet", "groeten", "groetjes", "bedankt",
    "med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "mvh", "med venlig hilsen", "venlig hilsen",
    "hilsen", "med vennlig hilsen", "vennlig hilsen", "tack", "tak",
    "ystävällisin terveisin", "terveisin", "kiitos", "pozdrawiam", "z poważaniem", "dziękuję",
    "s pozdravem", "děkuji", "üdvözlettel", "с уважением", "спасибо", "с наилучшими пожеланиями", "з повагою",
    "saygılarımla", "よろしくお願いします", "よろしくお願いいたします", "此致", "谢谢", "감사합니다",
]
# fmt: on
SIGN_OFF = re.compile(
    r"^\s*(?:" + "|".join(re.escape(s) for s in sorted(SIGN_OFFS, key=len, reverse=True)) + r")"
    r"\s*[,.!…:;]*\s*(?:[^\w\s]{1,3})?\s*$",
    re.IGNORECASE,
)
# "-Abhishek Kona", "– Jane": a dash-signed name on its own line.
DASH_NAME = re.compile(r"^\s*[-–—~]\s?[^\W\d_a-z][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){0,3}\s*$")
PHONE = re.compile(r"(?:\+|\(|\b)\d[\d ()./-]{6,}\d\b")
URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|io|co|de|fr|uk)\b/?", re.IGNORECASE)
HANDLE = re.compile(r"(?:^|\s)@\w{2,}")
# Footers mailing lists and notification services append.
LIST_FOOTER = re.compile(
    r"^\s*(?:You are receiving this because|Reply to this email directly|You received this message because"
    r"|To unsubscribe from this group|[\w.-]+ mailing list\s*$)",
    re.IGNORECASE,
)
