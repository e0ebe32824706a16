"""Plain text in whatever encoding a Vietnamese office produced it."""
from __future__ import annotations

import codecs
import unicodedata

from .errors import Unreadable
from .vnencodings import LEGACY, decode, vietnamese_score

__all__ = ["decode_text", "normalise"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NOT_TEXT = "not valid text in any known encoding"
_MARGIN = 0.2  # score lead a font encoding needs over cp1258
_NOT_VIETNAMESE = -0.5  # below this no Vietnamese decoding is plausible
_SAMPLE_BYTES = 256 * 1024
#: Most invalid sequences a text may hold, as a share of its characters
#: (UTF-16) or of its non-ASCII ones (UTF-8), to be read in its encoding with
#: each replaced by U+FFFD. A few bad bytes in a UTF-8 report are damage;
#: a legacy 8-bit file read as UTF-8 is invalid at nearly every letter.
_MAX_INVALID_SHARE = 0.01


def normalise(text: str) -> str:
    """NFC, one newline convention, no BOM: the form every reader returns."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes to NFC text; return ``(text, encoding)``.

    Raises :class:`Unreadable` with a one-line reason when the bytes are not text.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _damaged(data[len(bom) :], name.removesuffix("-sig"), name)
    utf16 = _bomless_utf16(data)
    if utf16:
        return _damaged(data, utf16, utf16)
    try:
        return _strict(data, "utf-8", "utf-8")
    except Unreadable:
        pass
    utf8 = _mostly_utf8(data)
    if utf8 is not None:
        return _checked(utf8, "utf-8")
    if _looks_binary(data):
        raise Unreadable(_NOT_TEXT)

    # An 8-bit encoding. The Vietnamese ones decode almost any bytes, so pick
    # the candidate whose words look most like Vietnamese syllables (judged
    # on a sample: enough words, bounded time).
    sample = data[:_SAMPLE_BYTES]
    scores: dict[str, float] = {}
    for name in LEGACY:
        try:
            scores[name] = vietnamese_score(decode(sample, name))
        except UnicodeDecodeError:
            continue
    if scores:
        best = max(scores, key=scores.__getitem__)  # ties go to the first: LEGACY order
        # Windows-1258 is the system code page on Vietnamese Windows: a font
        # encoding has to win clearly (text with few diacritics, like OCR
        # output, is nearly as "valid" in every table).
        if "cp1258" in scores and scores[best] - scores["cp1258"] < _MARGIN:
            best = "cp1258"
        if scores[best] > _NOT_VIETNAMESE:
            try:
                return normalise(decode(data, best)), best
            except UnicodeDecodeError:
                pass  # cp1258 failed past the sample

    # Nothing Vietnamese about it: let charset-normalizer name the encoding.
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    guess = from_bytes(data).best()
    if guess is None:
        raise Unreadable(_NOT_TEXT)
    # Its ranking is shaky on short Western text (French comes out as cp775):
    # Windows-1252 is the likelier truth whenever it is about as clean.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and mess_ratio(western[:100_000], 1.0) <= guess.chaos + 0.1:
        return normalise(western), "cp1252"
    return normalise(str(guess)), guess.encoding


def _strict(data: bytes, codec: str, name: str) -> tuple[str, str]:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise Unreadable(f"invalid {name} text at byte {exc.start}") from None
    return _checked(text, name)


def _checked(text: str, name: str) -> tuple[str, str]:
    if _has_controls(text):
        raise Unreadable(_NOT_TEXT)
    return normalise(text), name


def _invalid(text: str, data: bytes, codec: str) -> int:
    """How many U+FFFD in ``text`` replace invalid bytes (not ones the file holds)."""
    return text.count("\ufffd") - data.count("\ufffd".encode(codec))


def _damaged(data: bytes, codec: str, name: str) -> tuple[str, str]:
    """Text in a known encoding (a BOM, UTF-16's NULs): invalid sequences replaced, if few."""
    text = data.decode(codec, "replace")
    bad = _invalid(text, data, codec)
    if bad > max(1, _MAX_INVALID_SHARE * len(text)):
        try:
            data.decode(codec)
        except UnicodeDecodeError as exc:
            raise Unreadable(f"invalid {name} text at byte {exc.start}") from None
    return _checked(text, name)


def _mostly_utf8(data: bytes) -> str | None:
    """The text, if ``data`` is UTF-8 with a few invalid sequences (each becomes U+FFFD)."""
    text = data.decode("utf-8", "replace")
    bad = _invalid(text, data, "utf-8")
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if non_ascii > 0 and bad <= _MAX_INVALID_SHARE * non_ascii else None


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL in every other byte of its ASCII characters."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.3 and even < 0.02:
        return "utf-16-le"
    if even > 0.3 and odd < 0.02:
        return "utf-16-be"
    return None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many C0 control bytes: no text encoding produces those."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\f\x0b\x1a")
    return controls > max(2, len(sample) // 200)


def _has_controls(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for c in sample if ord(c) < 0x20 and c not in "\t\n\r\f\x0b")
    return controls > max(2, len(sample) // 200)
