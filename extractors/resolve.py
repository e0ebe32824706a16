"""Turn a candidate (a :data:`~extractors.find.SYMBOL` match) into a canonical symbol.

Repairs what OCR and typing do to codes (``ND`` → ``NĐ``, ``QP`` → ``QĐ``,
``QHI5`` → ``QH15``, ``O5`` → ``05``, a code glued to the next word, a code
split by a space), then reads the parts: document type, issuer, national or
local. Rejects what only looks like a symbol (``01/MTK``, a form code).
"""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .find import HYPHEN, QUOTES, SLASH, SPACE, SYMBOL, WRAP, Code, split_codes
from .normalize import fold_lower
from .vocab import per_vocabulary, vocabulary

# A Vietnamese syllable in capitals (CONG, HOA, NAM): a word, not a code.
_SYLLABLE = re.compile(r"(?:NGH|NG|NH|CH|GH|GI|KH|PH|QU|TH|TR|[BCDGHKLMNPQRSTVX])?[AEIOUY]+(?:NG|NH|CH|[CMNPT])?")


class Symbol(NamedTuple):
    """A canonical symbol and its parts; ``end`` may differ from the candidate's."""

    start: int
    end: int
    symbol: str
    number: str
    year: int | None
    doc_type: str  # the symbol's own type part, else what the words before it say
    issuer: str
    national: bool
    typed: bool = True  # the type is the symbol's own part (not the words before it)


# "NGÀY" (as OCR writes it) glued to the end of a code in capitals.
_GLUED_NGAY = re.compile(r"NG\S{0,2}Y$")


def _capitals(code: str) -> bool:
    """Is ``code`` two capitals or more, maybe with digits (TC, HĐNN8): a code, not a word?"""
    return len(code) >= 2 and code.isupper() and code[0].isalpha()


def _fix_digits(s: str) -> str:
    return s.replace("O", "0").replace("o", "0").replace("l", "1").replace("I", "1")


# What OCR glues to the end of a code, folded: ngày, của, có, năm, về/và.
_GLUED_WORD = re.compile(r"ng\S{0,2}y|c\S{0,2}a|c\S?|n\S{0,2}m|v\S?")


def _known_head(text: str, shortest: int) -> int:
    """The length of the longest known code beginning ``text``, at least ``shortest``
    long, whose rest is nothing or a glued word (``TTgngay`` → 3); 0 if none.
    ``CTngay`` is CT and "ngay", not CTN and "gay"."""
    vocab = vocabulary()
    known = vocab.longest_code(text, shortest=shortest)
    if known and known < len(text) and not _GLUED_WORD.fullmatch(fold_lower(text[known:])):
        return 0
    return known


def _trim_code(code: str) -> str:
    """Drop a word glued to a code (``CPngay`` → ``CP``, ``CPNGÀY`` in capitals) unless the
    tail belongs (``TTg``, ``QHl5``, and a type OCR misread: ``TIr`` for TTr)."""
    vocab = vocabulary()
    if len(code) == 1 or vocab.canonical_code(code) is not None or vocab.doc_type_reading(code) is not None:
        return code
    if code.upper() == code:
        # In capitals only "NGÀY" is cut, and only from a known code: CPNGAY → CP.
        glued = _GLUED_NGAY.search(code)
        if glued and glued.start() and vocab.canonical_code(code[:glued.start()]) is not None:
            return code[:glued.start()]
        return code
    stem = re.sub(r"[a-zđ]+$", "", code)  # CPngay → CP, GDTrHngay → GDTrH
    known = _known_head(code, len(stem) + 1)  # …unless a known code keeps some: TTgngay → TTg
    if not known and (type_length := vocab.glued_type(stem)):  # …or a type glued to one: QĐTTg, QĐTTgngay
        tail = _known_head(code[type_length:], len(stem) - type_length + 1)
        known = type_length + tail if tail else 0
    return code[:known] if known else stem


def _assemble(codes: tuple[tuple[str, str], ...], any_first: bool = False) -> tuple[tuple[str, ...], int, int]:
    """:func:`_assemble_codes` of ``codes``, the lower-case word the scan may take after them
    ("NQ-HBND va", "TT g") looked at apart: that word changes with every sentence, the codes
    before it recur, and their repair is cached."""
    if len(codes) < 2 or codes[-1][1] != SPACE or not codes[-1][0][0].islower():
        return _assemble_codes(codes, any_first)[:3]
    segments, last, used, whole = _assemble_codes(codes[:-1], any_first)
    tail = codes[-1][0]
    if not whole:
        return segments, last, used
    cut = _known_head(segments[-1] + tail, len(segments[-1]) + 1) - len(segments[-1])
    return ((*segments[:-1], segments[-1] + tail[:cut]), len(codes) - 1, cut) if cut > 0 else (segments, last, used)


@per_vocabulary(maxsize=16384)
def _assemble_codes(codes: tuple[tuple[str, str], ...], any_first: bool = False) -> tuple[tuple[str, ...], int, int, bool]:
    """The symbol's codes, repaired, and where the symbol ends.

    ``codes`` are (text, separator before it) as written (:class:`~extractors.find.Code`).
    Returns the repaired codes, the index of the last code used, how many of
    its characters belong to the symbol, and whether every code was read. A code
    glued to the next word is cut (``CPngay``). A fragment after a space is joined to the code before it when
    that is what OCR split ("Q B" → QB, "STT TT" → STTTT, "TT g" → TTg), taken
    as the next code when the symbol is missing one ("ND CP", "SNV CCHC", "QĐ
    TTg"), and otherwise ends the symbol ("QĐ-UBND UBND tỉnh", "BC-UBND CONG
    HOA"). A slash stands for a hyphen only after the type (``TTLT/BCA``), or, with
    ``any_first`` (an old symbol a type word names: "Thông tư số 55-TC/TCT"), after
    any code of capitals.
    """
    vocab = vocabulary()
    segments: list[str] = []
    last, used = 0, 0
    for i, (raw, sep) in enumerate(codes):
        if sep == SLASH and not (i == 1 and (vocab.type_code(segments[0]) or any_first and _capitals(segments[0]))):
            return tuple(segments), last, used, False
        if sep == WRAP and not (len(segments) == 1 and vocab.type_code(segments[0])
                                and vocab.issuer(vocab.canonical_code(raw) or "") is not None):
            return tuple(segments), last, used, False  # (only a known issuer completes a type: "TT\nVPCP")
        if sep == SPACE and raw.isdigit():  # "QH 14": a family's term split off its code
            if vocab.canonical_code(segments[-1] + raw) is None:
                return tuple(segments), last, used, False
            segments[-1] += raw
            last, used = i, len(raw)
            continue
        if sep == SPACE and raw[0].islower():
            # A lower-case tail split off a code ("TT g", "TT gngay"): keep what makes it known.
            cut = _known_head(segments[-1] + raw, len(segments[-1]) + 1) - len(segments[-1])
            if cut <= 0:
                return tuple(segments), last, used, False
            segments[-1] += raw[:cut]
            last, used = i, cut
            if cut < len(raw):
                return tuple(segments), last, used, False
            continue
        text = _trim_code(raw)
        if not text:
            return tuple(segments), last, used, False
        if sep == SPACE:
            prev = segments[-1]
            known_joined = vocab.canonical_code(prev + text) is not None
            if len(prev) == 1:  # "Q B", "T Tg", "T Tgco": one code split, maybe glued to a word
                text = _trim_code(prev + raw)[len(prev):]
                segments[-1] = prev + text
            elif known_joined and vocab.canonical_code(prev) is None:
                segments[-1] = prev + text
            elif len(segments) == 1 and (
                len(text) >= 2 and text.isupper() and not _SYLLABLE.fullmatch(fold_lower(text).upper())
                or vocab.issuer(vocab.canonical_code(text) or "") is not None
            ):
                segments.append(text)
            else:
                return tuple(segments), last, used, False
        else:
            segments.append(text)
        last, used = i, len(text)
        if text != raw:
            return tuple(segments), last, used, False  # the rest was a glued word, not more codes
    return tuple(segments), last, used, True


def resolve(candidate: re.Match, type_word: str | None) -> Symbol | None:
    """Canonical :class:`Symbol` for a candidate, or None if it is not a citation.

    ``type_word``: the type code the words before the number name, if any ("Kế hoạch số" → KH).
    """
    number, party, year, codes = candidate.groups()  # (see find.find_candidates)
    if party:
        codes = party
    shape = _shape(codes, party is not None, year is not None, type_word)
    if shape is None:
        return None
    codes_text, doc_type, issuer, national, law_family, length = shape
    if not number.isdigit():
        number = _fix_digits(number)
    if year is not None:
        year = year.replace(" ", "")  # "201 1", as OCR spaced it
        year = int(year if year.isdigit() else _fix_digits(year))
    if party:
        symbol = f"{number}-{codes_text}"
    else:
        symbol = f"{number}/{year}/{codes_text}" if year else f"{number}/{codes_text}"
    # The codes close the match: the symbol ends ``length`` characters into them.
    end = candidate.end() - len(codes) + length
    return Symbol(candidate.start(), end, symbol, number, year, doc_type or _named_type(law_family, type_word),
                  issuer, national, doc_type is not None)


def _named_type(law_family: bool, type_word: str | None) -> str:
    """The type of a symbol without a type part: what the words before it say (vocab/defaults.yaml).

    QH…/UBTVQH… symbols are a Luật or a Nghị quyết: the type word decides between them.
    """
    defaults = vocabulary().defaults
    if law_family:
        return type_word if type_word is not None and type_word in defaults["law_family_words"] \
            else str(defaults["law_family"])
    return type_word or str(defaults["untyped"])


@per_vocabulary(maxsize=16384)
def _shape(codes: str, party: bool, has_year: bool, named: str | None):
    """What a symbol's codes as written say: :func:`_read_codes`'s answer and how many
    characters of ``codes`` belong to the symbol — or None for a non-citation.

    Cached on the codes as written: the same few (NĐ-CP, QĐ-UBND …) recur with
    every number, so most candidates cost one look-up.
    """
    parts = split_codes(codes)
    if _QUOTE.search(codes):
        parts = _quoted(parts)
    if "." in codes:
        parts = _dotted(parts)
    # (an old symbol with a code no list knows before its slash needs a type word: 55-TC/TCT)
    repaired, last, used = _assemble(tuple((code.text, code.sep) for code in parts), party and named is not None)
    if not repaired:
        return None
    read = _read_codes(repaired, party, has_year, named)
    return None if read is None else (*read, parts[last].start + used)


_OFFICE_CODE = re.compile("[A-ZĐ][A-ZĐ0-9]{2,}")  # an office's code no list knows, as written: VKSDC
_QUOTE = re.compile(f"[{re.escape(QUOTES)}]")


def _quoted(parts: list[Code]) -> list[Code]:
    """``parts`` with a quote that OCR read for a hyphen before a known code made a hyphen
    ("CT“TTg" → CT, TTg); before anything else a quote ends the symbol ("QĐ-UBND“Về việc …":
    a title in quotes)."""
    vocab = vocabulary()
    out: list[Code] = []
    for part in parts:
        left, *rest = _QUOTE.split(part.text)
        out.append(Code(left, part.start, part.sep) if rest else part)
        at = part.start + len(left) + 1
        for piece in rest:  # (a known code after it, or, after a type, capitals: "CT'VKSDC")
            if vocab.canonical_code(piece.split(".")[0]) is None \
                    and not (len(out) == 1 and vocab.type_code(left) and _OFFICE_CODE.fullmatch(piece)
                             and not _SYLLABLE.fullmatch(piece)):
                return out
            out.append(Code(piece, at, HYPHEN))
            at += len(piece) + 1
    return out


def _dotted(parts: list[Code]) -> list[Code]:
    """``parts`` with a dot that OCR read for a hyphen after a code made a hyphen
    ("QĐ.UBND" → QĐ, UBND); a dot before what is no code ends the symbol ("QĐ-UBND.Sở":
    a full stop, the next sentence). A dot after two letters no list knows stays (TP.HCM)."""
    vocab = vocabulary()
    out: list[Code] = []
    for part in parts:
        left, *rest = part.text.split(".")
        if not rest or vocab.canonical_code(left) is None and vocab.type_code(left) is None \
                and not (len(left) >= 3 and left.isupper()):  # (an office code no list knows: SNN.TTBVTV)
            out.append(part)
            continue
        out.append(Code(left, part.start, part.sep))
        at = part.start + len(left) + 1
        for piece in rest:
            if piece == out[-1].text or vocab.canonical_code(piece) is None and not (len(piece) >= 2 and piece.isupper()):
                return out
            out.append(Code(piece, at, HYPHEN))
            at += len(piece) + 1
    return out


@per_vocabulary(maxsize=16384)
def _read_codes(codes: tuple[str, ...], party: bool, has_year: bool, named: str | None):
    """What a symbol's codes say: (canonical codes as written in the symbol, document
    type or None, issuer, national?, law family?) — or None for a non-citation.
    ``named``: the type the words before the number name, if any.
    """
    vocab = vocabulary()
    # Unknown codes keep their letters, with Đ restored where OCR wrote an eth (Ð, Ɖ).
    canon = [unicodedata.normalize("NFC", vocab.canonical_code(code) or _as_written(code)) for code in codes]
    if len(canon) > 2:  # (a joint symbol's issuers, two glued where OCR lost the hyphen: "BNN&PTNTVKSNDTC")
        canon = canon[:2] + [part for code in canon[2:] for part in (vocab.glued_issuers(code) or (code,))]
    first = canon[0]
    first_issuer = vocab.issuer(first)
    law_family = False
    if party:
        if len(canon) == 1:  # an old symbol, number and issuer (84-CP): the type word decides the type
            return (first, None, first, first_issuer.national, False) if first_issuer else None
        if len(canon) == 3 and vocab.type_code(codes[0]):  # the issuer's department after it: 186-KH/TĐTN-TNNT
            canon = [first, "-".join(canon[1:])]
        if len(canon) != 2:
            return None
        if vocab.type_code(codes[0]):
            doc_type, issuer = first, canon[1]
        elif named is not None and _reads_as(codes[0], named):  # "Kết luận số 21-KI/TU": KL, a capital misread
            first = doc_type = named
            issuer = canon[1]
        else:  # an old symbol, number, issuer and unit (55-TC/TCT, as _assemble_codes let it): the type word decides
            doc_type, issuer = None, first
        codes_text = f"{first}/{canon[1]}"
    else:
        if named is not None and not vocab.is_doc_type(first) and (rest := _misread_type(codes, named)) is not None:
            codes = (named, *rest, *codes[1:])  # "Thông tư số 12/2020/TI-BNNPTNT", "78/2021/TEBTC"
            canon = [named, *(vocab.canonical_code(code) or code for code in rest), *canon[1:]]
            first, first_issuer = named, None
        glued = vocab.glued_type(codes[0])  # TTLTVKSTC: the hyphen after the type lost
        # (no year: before a known code, QĐUBND, or where the words before name that type, "Chỉ thị số 01/CTVKSTC")
        if glued and (has_year or vocab.canonical_code(codes[0][glued:]) is not None
                      or named is not None and vocab.canonical_code(codes[0][:glued]) == named):
            codes = (codes[0][:glued], codes[0][glued:], *codes[1:])
            canon[:1] = [vocab.canonical_code(codes[0]) or codes[0], vocab.canonical_code(codes[1]) or codes[1]]
            first = canon[0]
        law_family = first_issuer is not None and first_issuer.pattern is not None
        if len(canon) > 1 and not vocab.is_doc_type(first) and (typed := vocab.type_code(codes[0])):
            first = canon[0] = typed  # 021/CP-UBND: CĐ, misread as CP; TTLI: TTLT
        if vocab.is_doc_type(first) and len(canon) > 1:
            doc_type, issuer = first, "-".join(canon[1:])
            head = vocab.issuer(canon[1])
            if has_year and head is not None and not head.typed and len(canon) == 2:
                canon = canon[1:]  # 193/2025/NQ-QH15: the Assembly's numbers carry no type (193/2025/QH15)
        elif vocab.is_doc_type(first):
            if not has_year:
                return None  # "12/TT": too little to be sure
            doc_type, issuer = first, ""
        else:
            # No type part (157/SKHCN-VP, 118/TTg, 59/2020/QH14): the type word decides.
            if len(canon) == 1 and first_issuer is None and named is None and not has_year:
                return None  # a form code such as 01/MTK
            if vocab.canonical_code(codes[0]) is None and len(codes[0]) < 2:
                return None
            doc_type, issuer = None, first
        codes_text = "-".join(canon)
    if not doc_type and not issuer:
        return None
    head = vocab.issuer(issuer.split("-")[0]) if issuer else None
    national = head.national if head else False
    return codes_text, doc_type, issuer, national, law_family


_TRAILING_NUMBER = re.compile(r"(?<=[A-ZĐ])[O0-9]*[0-9][O0-9]*$")  # a unit's number closing a code: PV01, C06


def _as_written(code: str) -> str:
    """An unknown code as written, with what OCR misread in it read back: Đ for an eth (Ð, Ɖ), and 0 for
    an O in the number that closes it ("PVO1": PV01)."""
    code = code.replace("Ð", "Đ").replace("Ɖ", "Đ")
    return _TRAILING_NUMBER.sub(lambda m: m.group().replace("O", "0"), code) if "O" in code else code


def _misread_type(codes: tuple[str, ...], named: str) -> tuple[str, ...] | None:
    """Is the first code the type the words before the number name (``named``), as OCR
    misread it ("TI", "TE" or "TT1" for TT), before an issuer's code, apart or glued
    ("TEBTC")? The codes glued after it (() if none); None if it is not that."""
    vocab = vocabulary()
    code = codes[0]
    if len(codes) > 1 and vocab.issuer(vocab.canonical_code(codes[1]) or "") is not None and _reads_as(code, named):
        return ()
    for n in (len(named), len(named) + 1):
        rest = code[n:]
        if rest and vocab.issuer(vocab.canonical_code(rest) or "") is not None and _reads_as(code[:n], named):
            return (rest,)
    return None


def _reads_as(written: str, code: str) -> bool:
    """Is ``written`` a type ``code`` with one capital OCR misread (ocr.yaml ``in_codes``; "OD" for QĐ),
    or with a stray stroke after it ("TT1", both: "TI1")?"""
    if len(written) == len(code) + 1 and written[-1] in "1lI|":
        return written[:-1] == code or _reads_as(written[:-1], code)
    if len(written) != len(code):
        return False
    slips = [(w, c) for w, c in zip(written, code) if fold_lower(w) != fold_lower(c)]  # (a D for Đ is none: QD)
    return len(slips) == 1 and slips[0][1] in vocabulary().code_letters.get(slips[0][0], ())


def canonical_symbol(text: str) -> str | None:
    """The canonical symbol of ``text`` when it is exactly one symbol, as a user may type it; else None.

    ``60/2021/ND-CP``, ``60/2021/nd-cp`` → ``60/2021/NĐ-CP``; ``118/qd-ttg`` →
    ``118/QĐ-TTg``. Read by the same scan and repairs as a document's
    symbols, so what a user types finds what a document wrote.
    """
    text = unicodedata.normalize("NFC", text.strip())
    if not text or len(text) > 100:
        return None
    for written in dict.fromkeys((text, text.upper())):  # as typed first: TTg, CTr keep their case
        match = SYMBOL.fullmatch(written)
        sym = resolve(match, None) if match else None
        if sym is not None and sym.end == len(written):
            return sym.symbol
    return None
