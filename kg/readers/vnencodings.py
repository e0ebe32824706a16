"""Vietnamese 8-bit encodings: TCVN3 (ABC), VNI and Windows-1258, both ways.

TCVN3 and VNI are *font* encodings: the bytes are Windows-1252 characters
that the .VnTime / VNI-Times fonts draw as Vietnamese letters. Their tables
live in ``legacy/*.tsv`` beside this module. :func:`vietnamese_score` tells
how Vietnamese a decoded text looks, so a reader can pick among candidate
decodings of the same bytes.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

__all__ = ["LEGACY", "decode", "encode", "vietnamese_score"]

LEGACY = ("tcvn3", "vni", "cp1258")
_TABLES = Path(__file__).with_name("legacy")


@functools.cache
def _table(name: str) -> dict[str, bytes]:
    """Unicode character → legacy bytes, from ``legacy/<name>.tsv``."""
    table: dict[str, bytes] = {}
    for line in (_TABLES / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        char, _codepoint, hexbytes = line.split("\t")
        table[char] = bytes.fromhex(hexbytes)
    return table


def _cp1252_char(byte: int) -> str:
    # Bytes outside the font table are ordinary Windows-1252 (quotes, dashes);
    # the five holes of cp1252 fall back to Latin-1 control characters.
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_AS_CP1252 = {b: ord(_cp1252_char(b)) for b in range(0x80, 0x100)}  # for str.translate


@functools.cache
def _decoder(name: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex over the cp1252 reading of the bytes, and what each match means."""
    meaning: dict[str, str] = {}
    for char, seq in _table(name).items():
        meaning["".join(_cp1252_char(b) for b in seq)] = char
        if name == "vni" and char.isupper() and len(seq) == 2 and seq[1] >= 0xC0:
            # Typists mix cases: a capital followed by a lower-case mark byte
            # still means the capital (the font draws both).
            meaning.setdefault(_cp1252_char(seq[0]) + _cp1252_char(seq[1] + 0x20), char)
    # Longest first, so that "aù" (á) wins over "a" followed by "ù".
    alternatives = sorted(meaning, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, alternatives))), meaning


def decode(data: bytes, encoding: str) -> str:
    """Decode TCVN3, VNI or Windows-1258 bytes to NFC text.

    Raises ``UnicodeDecodeError`` for bytes Windows-1258 leaves undefined.
    """
    if encoding == "cp1258":
        # cp1258 spells most toned letters as base + combining tone mark.
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    pattern, meaning = _decoder(encoding)
    text = data.decode("latin-1").translate(_AS_CP1252)
    text = unicodedata.normalize("NFC", pattern.sub(lambda m: meaning[m.group()], text))
    if encoding == "tcvn3":
        text = _restore_capitals(text)
    return text


@functools.cache
def _tcvn3_lower_only() -> frozenset[str]:
    """Lower-case letters whose capitals TCVN3 cannot encode (the toned vowels)."""
    table = _table("tcvn3")
    return frozenset(c for c in table if c.islower() and c.upper() not in table)


_LETTER = r"[^\W\d_]"
_UPPER = "[A-ZĂÂÊÔƠƯĐ]"  # the capitals TCVN3 can encode
# Words with at least two capitals: the only candidates for all-caps words.
_CAPS_WORD = re.compile(rf"{_LETTER}*{_UPPER}{_LETTER}*?{_UPPER}{_LETTER}*")


def _restore_capitals(text: str) -> str:
    """``NGHị ĐịNH`` → ``NGHỊ ĐỊNH``: the .VnTimeH fonts draw lower-case codes as capitals.

    A word is taken for all-caps when every letter that *could* be written in
    upper case is, and there are at least two of them (so ``Hà`` stays).
    """
    lower_only = _tcvn3_lower_only()

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        rest = [c for c in word if c not in lower_only]
        if len(rest) < len(word) and all(c.isupper() for c in rest):
            return word.upper()
        return word

    return _CAPS_WORD.sub(fix, text)


def encode(text: str, encoding: str, errors: str = "strict") -> bytes:
    """Encode text as TCVN3, VNI or Windows-1258 bytes (used to build test files).

    ``errors="replace"`` writes ``?`` for characters the encoding lacks;
    ``"strict"`` raises ``UnicodeEncodeError``.
    """
    text = unicodedata.normalize("NFC", text)
    if encoding == "cp1258":
        return b"".join(_cp1258_char(c, errors) for c in text)
    table = _table(encoding)
    used = {b for seq in table.values() for b in seq if b >= 0x80}
    out = bytearray()
    for pos, char in enumerate(text):
        seq = table.get(char)
        if seq is None and encoding == "tcvn3" and char.lower() in _tcvn3_lower_only():
            seq = table[char.lower()]  # set in a .VnTimeH font, drawn as a capital
        if seq is None and ord(char) < 0x80:
            seq = char.encode("ascii")
        if seq is None:
            try:
                seq = char.encode("cp1252")
            except UnicodeEncodeError:
                seq = b""
            if not seq or seq[0] in used:  # its byte means a letter in this font
                if errors != "replace":
                    raise UnicodeEncodeError(encoding, text, pos, pos + 1, "not in the font table")
                seq = b"?"
        out += seq
    return bytes(out)


def _cp1258_char(char: str, errors: str) -> bytes:
    """One character in Windows-1258: precomposed if the code page has it, else base + tone mark."""
    try:
        return char.encode("cp1258")
    except UnicodeEncodeError:
        pass
    # cp1258 has â ê ô ă ơ ư precomposed but the five tone marks only as
    # combining marks: write the letter without its tone, then the tone.
    decomposed = unicodedata.normalize("NFD", char)
    tones = "".join(c for c in decomposed if c in _TONES)
    letter = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    try:
        return (letter + tones).encode("cp1258")
    except UnicodeEncodeError:
        pass
    if errors == "replace":
        return b"?"
    raise UnicodeEncodeError("cp1258", char, 0, 1, "not in Windows-1258")


# --- How Vietnamese does a text look? -------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_INITIAL = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
_NUCLEUS = (
    "iêu|yêu|oai|oay|oao|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu"
    "|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê"
    "|[aăâeêioôơuưy]"
)
_FINAL = "ch|ng|nh|[cmnpt]"
_SYLLABLE = re.compile(rf"(?:{_INITIAL})?(?:{_NUCLEUS})(?:{_FINAL})?")
# Split on whitespace, ASCII non-letters and general punctuation (U+2000–U+206F),
# but not on Latin-1 symbols: a mis-decoded font byte such as "¸" must stay
# inside its word so that the word fails the syllable test.
_TOKEN_SPLIT = re.compile(r"[\s\x00-\x40\x5b-\x60\x7b-\x7f\u2000-\u206f]+")


def _is_syllable(word: str) -> bool:
    # Words are lower-case, Capitalised or ALL CAPS; "NghÂ" is a mis-decoding.
    if not (word[1:].islower() or word.isupper() or len(word) == 1):
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(c in _TONES for c in decomposed) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return _SYLLABLE.fullmatch(bare) is not None


def vietnamese_score(text: str) -> float:
    """How Vietnamese a text looks, from -1 to 1.

    Counts the words that have non-ASCII characters (plain-ASCII words read
    the same in every candidate encoding, so they tell nothing) and returns
    (valid − invalid Vietnamese syllables) / words; 0 when there are none.
    """
    valid = invalid = 0
    for token in _TOKEN_SPLIT.split(text[:1_000_000]):
        if token and not token.isascii():
            if _is_syllable(token):
                valid += 1
            else:
                invalid += 1
    return (valid - invalid) / max(1, valid + invalid)


def repair_font_text(text: str) -> str:
    """Convert lines typed in a TCVN3 or VNI font back to Unicode.

    Word, PDF and HTML files made with .VnTime or VNI-Times fonts store the
    font's bytes as Windows-1252 characters ("B¸o c¸o"). The lines made only
    of such characters are judged together (one line has too few words to
    tell) and decoded as TCVN3 or VNI when that reads clearly more Vietnamese.
    """
    lines = text.split("\n")
    suspects: list[int] = []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.encode("cp1252")  # real Unicode Vietnamese (ạ, ế, ữ…) is not
        except UnicodeEncodeError:
            continue
        suspects.append(i)
    if not suspects:
        return text
    block = "\n".join(lines[i] for i in suspects)
    raw = block.encode("cp1252")
    current = vietnamese_score(block)
    best, best_score = None, 0.0
    for name in ("tcvn3", "vni"):
        score = vietnamese_score(decode(raw, name))
        if score > best_score and score - current >= 0.5:
            best, best_score = name, score
    if best is None:
        return text
    for i in suspects:
        lines[i] = decode(lines[i].encode("cp1252"), best)
    return "\n".join(lines)
