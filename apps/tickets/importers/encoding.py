"""Find a file's text encoding and open it for reading, counting bytes for the progress bar.

Order: a byte-order mark; strict UTF-8 over the whole file (streamed, about 1 GB/s); otherwise
``charset-normalizer`` on a sample around the first bad byte, then the guess is checked against the whole file.
Anything that still does not decode fails with a clear message: never mojibake, never a traceback.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable
from pathlib import Path

from apps.core.errors import ValidationError

CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BINARY = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx file?)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Word file (.xls/.doc)"),
    (b"%PDF", "a PDF"),
)
_HINT = "Save it as UTF-8 text (CSV UTF-8 / JSON Lines) or pass --encoding."


def _decodes(path: Path, encoding: str) -> UnicodeDecodeError | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                exc.start += offset  # make the position absolute in the file
                return exc
            except UnicodeError as exc:  # e.g. "UTF-16 stream does not start with BOM" (found by fuzzing)
                return UnicodeDecodeError(encoding, chunk[:1], offset, offset + 1, str(exc))
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            exc.start += offset
            return exc
    return None


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """Return the codec name to read ``path`` with (``utf-8``, ``utf-8-sig``, ``cp1252``…).

    ``declared``: an encoding the user named (``--encoding``); it is checked, not trusted.
    Raises ``ValidationError`` for unknown codecs, binary files, and text that decodes in no detectable encoding.
    """
    with path.open("rb") as handle:
        head = handle.read(8)
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            raise ValidationError(f"Unknown encoding {declared!r} (try utf-8, cp1252, latin-1, utf-16).") from None
        if error := _decodes(path, name):
            raise ValidationError(
                f"{path.name} is not valid {name}: undecodable byte at offset {error.start} "
                f"(line {_line_of(path, error.start)}). {_HINT}"
            )
        return name
    for magic, what in _BINARY:
        if head.startswith(magic):
            raise ValidationError(f"{path.name} is {what}, not a text file. Export it as CSV or JSON Lines first.")
    for bom, name in _BOMS:
        if head.startswith(bom):
            if error := _decodes(path, name):
                raise ValidationError(
                    f"{path.name} starts with a {name} byte-order mark but does not decode "
                    f"as {name} at offset {error.start}. {_HINT}"
                )
            return name
    error = _decodes(path, "utf-8")
    if error is None:
        return "utf-8"
    return _guess(path, error)


# Non-letters that Western European text in cp1252 commonly holds (quotes, dashes, currency, degrees…).
_WESTERN_PUNCT = frozenset("€‚„…†‡‰‹›‘’“”•–—™¡¢£¥§©ª«®°±²³´µ¶·º»¼½¾¿×÷\xa0")
_MID_WORD = re.compile(r"(?<=[^\W\d_])(?:[^\x00-\x7f\w\s’·]|[¹²³¼½¾])(?=[^\W\d_])")


def _looks_western(text: str) -> bool:
    """True when ``text`` (decoded as cp1252) reads like a Western European language: accented letters are a
    minority sprinkled in mostly-ASCII words, and other high characters are ordinary punctuation. Text in another
    single-byte code page (Cyrillic, Greek, Polish…) read as cp1252 fails one of the two tests."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return True
    ascii_letters = sum(1 for c in text if c.isascii() and c.isalpha())
    high_letters = sum(1 for c in high if c.isalpha())
    odd = sum(1 for c in high if not c.isalpha() and c not in _WESTERN_PUNCT)
    odd += len(_MID_WORD.findall(text))  # "p³atno": a symbol inside a word is a letter of another code page
    return high_letters <= 0.3 * (ascii_letters + high_letters) and odd <= 0.02 * len(high)


def _best_match(matches):
    """charset-normalizer's best match, preferring a Windows or ISO code page among the near-equal ones
    (it rates ``mac_greek`` above ``cp1253`` for Greek); cp1252/Latin-1 were already ruled out."""
    candidates = [m for m in matches if m.encoding not in ("cp1252", "latin_1", "iso8859_15")]
    if not candidates:
        return None
    top = candidates[0]
    close = [m for m in candidates if m.chaos <= top.chaos + 0.05 and m.coherence >= top.coherence - 0.1]

    def rank(match) -> tuple[int, float]:
        family = 0 if match.encoding.startswith("cp125") else 1 if match.encoding.startswith("iso8859") else 2
        return family, -match.coherence

    return min(close, key=rank)


def _guess(path: Path, error: UnicodeDecodeError) -> str:
    from charset_normalizer import from_bytes

    where = f"offset {error.start}, line {_line_of(path, error.start)}"
    with path.open("rb") as handle:
        sample = handle.read(256 * 1024)
        if error.start > len(sample) - 1024:
            handle.seek(max(0, error.start - 64 * 1024))
            sample += b"\n" + handle.read(128 * 1024)
    if b"\x00" in sample:
        raise ValidationError(f"{path.name} looks binary (NUL bytes; first non-UTF-8 byte at {where}). {_HINT}")
    # Most non-UTF-8 exports are Windows-1252 (Excel in Western Europe); Latin-1 is its subset without 0x80-0x9F.
    for name in ("cp1252", "latin-1"):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        if _looks_western(text) and _decodes(path, name) is None:
            return codecs.lookup(name).name
        break
    best = _best_match(from_bytes(sample))
    if best is None or best.encoding in ("utf_8", "ascii") or best.chaos > 0.1 or best.coherence < 0.2:
        guess = f" (at best a guess of {best.encoding})" if best is not None else ""
        raise ValidationError(
            f"{path.name} is not UTF-8 (first bad byte at {where}) and its encoding cannot be told with "
            f"confidence{guess}. {_HINT}"
        )
    name = codecs.lookup(best.encoding).name
    if later := _decodes(path, name):
        raise ValidationError(
            f"{path.name} is not UTF-8 (first bad byte at {where}); it looks like {name} but "
            f"does not decode as {name} either at offset {later.start}. {_HINT}"
        )
    return name


class _CountingRaw(io.RawIOBase):
    """A raw binary stream that reports how many bytes have been read (for a progress bar in bytes)."""

    def __init__(self, handle, on_read: Callable[[int], None] | None):
        self.handle = handle
        self.on_read = on_read
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.handle.readinto(buffer)
        self.count += n or 0
        if self.on_read is not None:
            self.on_read(self.count)
        return n

    def close(self) -> None:
        self.handle.close()
        super().close()


def open_text(path: Path, encoding: str, on_read: Callable[[int], None] | None = None) -> io.TextIOWrapper:
    """Open ``path`` as text in ``encoding`` with universal-newline-safe reading for ``csv`` (``newline=""``).

    ``on_read(bytes_so_far)`` is called as the file is consumed.
    """
    raw = _CountingRaw(path.open("rb", buffering=0), on_read)
    return io.TextIOWrapper(io.BufferedReader(raw, CHUNK), encoding=encoding, errors="strict", newline="")
