"""Encoding detection: decode correctly or refuse clearly, never mojibake."""

import pytest

from apps.core.errors import ValidationError
from apps.tickets.importers.encoding import detect_encoding

TEXTS = {
    "cp1252-german": ("Die Rechnung für März wurde doppelt abgebucht, bitte prüfen. Grüße", "cp1252"),
    "cp1252-french": ("Voilà, très cher: déjà payé deux fois. À bientôt — Zoë", "cp1252"),
    "latin-1": ("Müller & Söhne: Rückerstattung für Bestellung 42, danke schön", "latin-1"),
    "cp1251-russian": ("Здравствуйте! У меня не работает оплата картой, деньги списали дважды.", "cp1251"),
    "cp1250-polish": ("Dzień dobry, płatność została pobrana dwukrotnie. Proszę o zwrot środków, Łukasz", "cp1250"),
    "cp1253-greek": ("Καλημέρα, η πληρωμή μου χρεώθηκε δύο φορές. Παρακαλώ ελέγξτε τον λογαριασμό μου.", "cp1253"),
    "utf-8": ("Plain UTF-8 with ümlauts and emoji 🎉", "utf-8"),
    "utf-8-sig": ("UTF-8 with a byte-order mark: café", "utf-8-sig"),
    "utf-16": ("UTF-16 from Excel: Größe", "utf-16"),
}


@pytest.mark.parametrize("case", sorted(TEXTS))
def test_detected_encoding_decodes_to_the_original_text(tmp_path, case):
    text, encoding = TEXTS[case]
    path = tmp_path / "file.csv"
    content = f"subject,body\nHello,{text}\n"
    path.write_bytes(content.encode(encoding))

    detected = detect_encoding(path)
    assert path.read_bytes().decode(detected).lstrip("\ufeff") == content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"body\n\xe4\xf6\xfc\xdf\xe9\xe8\n", "cannot be told with confidence"),  # too little text to tell
        (b"body\n" + bytes(range(128, 256)) * 3, "cannot be told with confidence"),
        (b"\x1f\x8b\x08\x00rest", "gzip archive"),
        (b"body\nabc\x00\xff\x00\xfe", "looks binary"),
    ],
)
def test_undecidable_or_binary_files_are_refused_with_a_reason(tmp_path, data, message):
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    with pytest.raises(ValidationError, match=message):
        detect_encoding(path)


def test_a_declared_encoding_is_checked(tmp_path):
    path = tmp_path / "file.csv"
    path.write_bytes("body\nGrüße\n".encode("cp1252"))
    assert detect_encoding(path, "cp1252") == "cp1252"
    with pytest.raises(ValidationError, match="Unknown encoding 'klingon'"):
        detect_encoding(path, "klingon")
