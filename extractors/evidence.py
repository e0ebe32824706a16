"""Repairs to symbols that need the whole document, not just the symbol (docs/extraction.md)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import compress, islice, product
from operator import attrgetter
from typing import cast

from .normalize import fold, fold_lower
from .resolve import Symbol
from .vocab import D_STROKE_READINGS, per_vocabulary, vocabulary

# A part of a symbol between its separators (60, 2021, NĐ, CP); one with a D, one with a Đ
# (in symbols written one per line).
_PART = re.compile(r"[^-/]+")
_PART_WITH_D = re.compile(r"[^-/\nD]*D[^-/\n]*")
_PART_WITH_D_STROKE = re.compile(r"[^-/\nĐ]*Đ[^-/\n]*")
_SYMBOL, _DOC_TYPE, _ISSUER = attrgetter("symbol"), attrgetter("doc_type"), attrgetter("issuer")
# Words whose first letters an office code takes; "và" and dashes are skipped.
_WORD = re.compile(r"[^\W\d_]+")
_SKIPPED = frozenset({"va", "và"})
_PHRASE = re.compile(r"[^\n.,;:()\[\]\"“”]+")  # words a name may span (not across punctuation)
NO_D_STROKE_LENGTH = 200  # a text this long without a single Đ/đ was read by an engine that has none
_HEADER, _AROUND = 2500, 300  # where a code's name is looked for: the header, and around its citations…
_NEAR_CITATIONS = 20  # …the first few of them
_MIN_NAME_LETTERS = 4  # shorter codes match the initials of any long text by chance
_MIN_CONTEXT_LETTERS = 3  # DN, DL, DS: too short to say (doanh nghiệp, du lịch, dân số)
_AS_KNOWN_CODES_MAJORITY = 2  # Đ where the known codes write Đ at least twice as often (and once more) as D…
_AS_KNOWN_CODES_LEAST = 2  # …and at least two of them do: one code's letters are chance (CTDNA is no TĐN)


def mend(text: str, symbols: Sequence[Symbol]) -> list[Symbol]:
    """``symbols`` with what the document says about them applied (see the module's doc)."""
    return _fit_types(_restore_d_stroke(text, _restore_units(text, _restore_misread_issuers(text, list(symbols)))))


def _restore_units(text: str, symbols: list[Symbol]) -> list[Symbol]:
    """In a text OCR wrote without any Đ, a unit code no list knows that is a listed unit's with
    its Đ read as P or B ("STNMT-QLPP": QLĐĐ). Where the text writes Đ, or the symbol's issuer
    shows its Đ written D ("SGDDT-GDPT"), a unit's P is a P (phổ thông)."""
    if "đ" in text or "Đ" in text:
        return symbols
    misread, anywhere = _misread_units()
    written = set(map(_SYMBOL, symbols))  # (few differ: looked at once)
    if anywhere is None or anywhere.search("\n".join(written)) is None:
        return symbols
    holding = {symbol for symbol in written if not misread.keys().isdisjoint(_PART.findall(symbol)[1:])}
    for i in compress(range(len(symbols)), map(holding.__contains__, map(_SYMBOL, symbols))):
        s = symbols[i]
        if not _d_written_d(text[s.start:s.end], s.issuer.partition("-")[0]):
            symbols[i] = _with_parts(s, misread)
    return symbols


def _with_parts(s: Symbol, parts: dict[str, str]) -> Symbol:
    """``s`` with each code of its symbol and issuer that ``parts`` lists read as it says."""
    def mended(value: str) -> str:
        return _PART.sub(lambda m: parts.get(m.group(), m.group()), value)
    return s._replace(symbol=mended(s.symbol), issuer=mended(s.issuer))


def _d_written_d(surface: str, issuer: str) -> bool:
    """Does the symbol as written show a Đ of its issuer's code as a D (SGDDT for SGDĐT)?"""
    if "Đ" not in issuer:
        return False
    for part in _PART.findall(surface):
        written = part.strip().upper()
        if len(written) == len(issuer) and all(a == b or b == "Đ" for a, b in zip(written, issuer)):
            return any(a == "D" for a, b in zip(written, issuer) if b == "Đ")
    return False


@per_vocabulary(maxsize=1)
def _misread_units() -> tuple[dict[str, str], re.Pattern | None]:
    """Each listed unit's code with its Đs read as P or B, as OCR may write it (QLPP, QLBĐ …) → the unit;
    and a pattern finding any of them as a part of a symbol (None if there are none)."""
    vocab = vocabulary()
    out: dict[str, str] = {}
    for unit in vocab.units:
        slots = [("Đ", *D_STROKE_READINGS) if c == "Đ" else (c,) for c in unit]
        for letters in map("".join, product(*slots)):
            if letters != unit and vocab.canonical_code(letters) is None:
                out[letters] = unit
    if not out:
        return out, None
    return out, re.compile(r"(?<=[-/])(?:" + "|".join(map(re.escape, sorted(out, key=len, reverse=True))) + r")(?![^-/\n])")


_NAME_AROUND = 200  # how far around a citation the issuer a misread code stands for must be named


def _restore_misread_issuers(text: str, symbols: list[Symbol]) -> list[Symbol]:
    """An issuer code no list knows that, with one capital OCR misread (ocr.yaml ``in_codes``),
    is a known issuer's, whose name the text gives around the citation ("Bộ Y tế … số
    2765/BYI-KHTC": BYT), or whose code another of its symbols writes ("31/2016/TT-BINMT và
    Thông tư số 32/2016/TT-BTNMT"). Without either the code stays as written."""
    heads = {issuer.partition("-")[0] for issuer in set(map(_ISSUER, symbols))}  # (few differ)
    misread = {head: meant for head in heads if head and (meant := _misread_issuer(head)) is not None}
    if not misread:
        return symbols
    for i, s in enumerate(symbols):
        head, _, rest = s.issuer.partition("-")
        meant = misread.get(head)
        if meant is None:
            continue
        if meant.code in heads or _named_around(text, s, (meant.vi, *meant.names)):
            at = s.symbol.rfind(head)  # (the issuer closes the symbol's codes)
            symbols[i] = s._replace(symbol=s.symbol[:at] + meant.code + s.symbol[at + len(head):],
                                    issuer=meant.code + (f"-{rest}" if rest else ""), national=meant.national)
    return symbols


def _named_around(text: str, s: Symbol, names: Sequence[str]) -> bool:
    """Is one of ``names`` written around the symbol (folded, its words however wrapped)?"""
    around = " ".join(fold_lower(text[max(0, s.start - _NAME_AROUND):s.end + _NAME_AROUND]).split())
    return any(fold_lower(name) in around for name in names)


@per_vocabulary(maxsize=4096)
def _misread_issuer(code: str):
    """The one known issuer that ``code`` (unknown, in capitals) is with one capital misread; else None."""
    vocab = vocabulary()
    if len(code) < 3 or not code.isupper() or vocab.canonical_code(code) is not None:
        return None
    found = {issuer.code for reading in vocab.misread_readings(code)
             if (issuer := vocab.issuer(vocab.canonical_code(reading) or "")) is not None}
    return vocab.issuer(found.pop()) if len(found) == 1 else None


def _fit_types(symbols: list[Symbol]) -> list[Symbol]:
    vocab = vocabulary()
    restricted = _restricted_types()  # (the few types only some issue: a quick test first)
    if restricted.isdisjoint(map(_DOC_TYPE, symbols)):
        return symbols
    written = set(zip(map(_ISSUER, symbols), map(_DOC_TYPE, symbols)))  # (few differ)
    unfit = {(issuer, t) for issuer, t in written if t in restricted and not vocab.issues(issuer, t)}
    if not unfit:
        return symbols
    misfits = [i for i, s in enumerate(symbols) if s.typed and (s.issuer, s.doc_type) in unfit]
    if not misfits:
        return symbols
    fitting = {(s.number, s.year, s.issuer): s for s in symbols if s.typed and vocab.issues(s.issuer, s.doc_type)}
    for i in misfits:
        s = symbols[i]
        twin = fitting.get((s.number, s.year, s.issuer))
        if twin is not None:
            symbols[i] = s._replace(symbol=twin.symbol, doc_type=twin.doc_type)
    return symbols


@per_vocabulary(maxsize=16384)
def _unknown_code_with_d(part: str) -> bool:
    """Is a part of a symbol (holding a D) a code no vocabulary lists?"""
    return part[0].isalpha() and vocabulary().canonical_code(part) is None


def _restore_d_stroke(text: str, symbols: list[Symbol]) -> list[Symbol]:
    # (the symbols' codes are looked at all at once, one per line: few differ)
    written = "\n".join(set(map(_SYMBOL, symbols)))
    unknown = {part for part in set(_PART_WITH_D.findall(written)) if _unknown_code_with_d(part)}
    if not unknown:
        return symbols
    evidence = _Evidence(text, symbols, written)
    restored = {part: evidence.restore(part) for part in unknown}
    restored = {part: new for part, new in restored.items() if new != part}
    if not restored:
        return symbols
    # the symbols with one of those codes as a part of their own
    holding = re.compile(rf"^(?:.*[-/])?(?:{'|'.join(map(re.escape, restored))})(?:[-/].*)?$", re.MULTILINE)
    affected = set(holding.findall(written))
    symbols = list(symbols)
    for i in compress(range(len(symbols)), map(affected.__contains__, map(_SYMBOL, symbols))):
        symbols[i] = _with_parts(symbols[i], restored)
    return symbols


class _Evidence:
    """What one document can say about the Đs of a code (worked out when first asked)."""

    def __init__(self, text: str, symbols: Sequence[Symbol], written: str):
        self.text = text
        self.symbols = symbols
        self.written = written  # the symbols as written, one per line
        self.writes_d_stroke = "đ" in text or "Đ" in text
        self._phrases: list[tuple[list[str], str]] | None = None  # words of each phrase near the citations, initials
        self._with_d_stroke: dict[str, set[str]] | None = None  # codes written with Đ, by their letters with D

    def restore(self, code: str) -> str:
        letters = code.rstrip("0123456789")
        digits = code[len(letters):]
        for way in (self._written_elsewhere, _inside_known_code, self._name_in_text, self._as_known_codes_do):
            found = way(letters)
            if found:
                return found + digits
        return code

    def _written_elsewhere(self, letters: str) -> str | None:
        """The same code written with Đ in another of the document's symbols."""
        if self._with_d_stroke is None:
            self._with_d_stroke = {}
            for part in set(_PART_WITH_D_STROKE.findall(self.written)):
                part = part.rstrip("0123456789")
                if "Đ" in part:
                    self._with_d_stroke.setdefault(part.replace("Đ", "D"), set()).add(part)
        written = self._with_d_stroke.get(letters.replace("Đ", "D"), ())
        return next(iter(written)) if len(written) == 1 else None

    def _name_in_text(self, letters: str) -> str | None:
        """The words the code abbreviates, each letter a word's first, within one phrase (no
        punctuation between) and from a capitalised word: in a text that writes Đ, the Đs
        as written; in one OCR wrote without any, each D as the word under it begins
        (ocr.yaml ``d_words``: "Ban can su dang" → BCSĐ)."""
        if len(letters) < _MIN_NAME_LETTERS:
            return None
        if self._phrases is None:  # the header, and the lines of the citations: where issuers are named
            around = list(islice((s for s in self.symbols if "D" in s.symbol and any(
                _unknown_code_with_d(part) for part in _PART_WITH_D.findall(s.symbol))), _NEAR_CITATIONS))
            where = [self.text[:_HEADER]] + [self.text[max(0, s.start - _AROUND):s.end + _AROUND] for s in around]
            phrases = [[w for w in _WORD.findall(chunk) if w.lower() not in _SKIPPED]
                       for stretch in where for chunk in _PHRASE.findall(stretch)]
            self._phrases = [(ws, "".join(w[0] if w[0] in "Đđ" else fold(w[0]) for w in ws)) for ws in phrases]
        key = re.escape(letters).replace("D", "[DĐdđ]")
        d_initials = vocabulary().d_initials
        found = set()
        for ws, initials in self._phrases:
            for m in re.finditer(f"(?=(?i:{key}))", initials):
                if not initials[m.start()].isupper():
                    continue
                if self.writes_d_stroke:
                    found.add(initials[m.start():m.start() + len(letters)].upper())
                    continue
                read = [d_initials.get(fold_lower(ws[m.start() + k])) if c == "D" else c for k, c in enumerate(letters)]
                if None not in read:
                    found.add("".join(cast("list[str]", read)))
        return found.pop() if len(found) == 1 and "Đ" in next(iter(found)) else None

    def _as_known_codes_do(self, letters: str) -> str | None:
        """In a text with no Đ at all: each D as known codes write it between the same letters."""
        if self.writes_d_stroke or len(self.text) < NO_D_STROKE_LENGTH or len(letters) < _MIN_CONTEXT_LETTERS:
            return None
        contexts = _d_contexts()
        out = list(letters)
        for i, c in enumerate(letters):
            if c != "D":
                continue
            left = fold(letters[i - 1]) if i else "^"
            right = fold(letters[i + 1]) if i + 1 < len(letters) else "$"
            # The same letters on both sides decide; else the letter before and the one after together.
            seen = contexts[(left, right)]
            if not seen:
                seen = contexts[(left, None)] + contexts[(None, right)]
            if seen["Đ"] >= max(_AS_KNOWN_CODES_MAJORITY * seen["D"] + 1, _AS_KNOWN_CODES_LEAST):
                out[i] = "Đ"
        found = "".join(out)
        return found if found != letters else None


@per_vocabulary(maxsize=4096)
def _inside_known_code(letters: str) -> str | None:
    """A known code (issuer, unit, type) that contains the code, with its Đs (LDTBXH in BLĐTBXH)."""
    if len(letters) < 3:
        return None
    found = set()
    for code in _known_codes():
        at = fold(code).upper().find(letters.replace("Đ", "D"))
        if at >= 0:
            found.add(code[at:at + len(letters)])
    found.discard(letters)
    return found.pop() if len(found) == 1 else None


@per_vocabulary(maxsize=1)
def _restricted_types() -> frozenset[str]:
    return frozenset(code for code, t in vocabulary().doc_types.items() if t.issuers)


@per_vocabulary(maxsize=1)
def _known_codes() -> tuple[str, ...]:
    vocab = vocabulary()
    return tuple(dict.fromkeys((*vocab.doc_types, *vocab.issuers, *vocab.units)))


@per_vocabulary(maxsize=1)
def _d_contexts() -> dict[tuple, Counter]:
    """For each letter context of a D or Đ in the known codes — (before, after),
    (before, None), (None, after) — how often it is a Đ and how often a D."""
    contexts: dict[tuple, Counter] = {}
    for code in _known_codes():
        key = fold(code).upper()
        for i, c in enumerate(code.upper()):
            if c not in "DĐ":
                continue
            left = key[i - 1] if i else "^"
            right = key[i + 1] if i + 1 < len(key) else "$"
            for context in ((left, right), (left, None), (None, right)):
                contexts.setdefault(context, Counter())[c] += 1
    return _Defaulting(contexts)


class _Defaulting(dict):
    def __missing__(self, key):
        return Counter()
