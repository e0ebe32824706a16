"""Read what surrounds a symbol: its type word, issue date, issuing place.

Each function looks at a small window of the text around one citation, folded
to accent-free lower case (:func:`~extractors.normalize.fold_lower`), and
tolerates OCR damage: ``Ké hoach s6``, ``K& hoach sb``, ``ngdy 31/01/2023``,
``ngay 29 thang 12 nim 2022``. Only windows are folded, never the whole text,
so the cost grows with the number of citations, not the size of the document.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from difflib import SequenceMatcher
from functools import lru_cache
from typing import NamedTuple, cast

from .normalize import fold, fold_lower, has_combining_marks
from .vocab import per_vocabulary, vocabulary

# A space within a line, however written (tab, no-break space, thin space …): the
# characters, for classes such as "[{SPACES},]"; spelled out, as a class of single
# characters is matched much faster than an alternative.
SPACES = " \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
SPACE = f"[{SPACES}]"
# "số" (folded), as OCR leaves it: so, s6, sb, sd, s0, $6, or its "s" read as a
# digit too: 86, 96, 56, 36, 6.
SO = r"(?:[s$][a-z0-9&@¢]?|[35689]?6)"
_SO = re.compile(SO)
# A word, for comparing phrases; stray marks OCR leaves on a word ("chi ~tiết") part words too.
WORD = re.compile(r"[^\s(),:;.\"“”'‘’\[\]{}~|*^`]+")
# Two words OCR glued together: a lower-case letter followed by a capitalised word ("théQuyét"; not
# a capital OCR read inside a word: "dA duoc" for "đã được").
GLUED = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")


def words(text: str) -> list[str]:
    """Folded words of ``text`` for comparison, glued words ("théQuyét") split apart."""
    return WORD.findall(GLUED.sub(" ", fold(text)).lower())

# The date patterns spell both cases out ("[nN][gG]…") instead of being compiled
# IGNORECASE: the engine then skips fast to each "n"/"N" and compares characters
# plainly, several times faster.
# (OCR reads 0 as O or o, 1 as l or I: "2l/6/2O21")
_DAY, _MONTH, _YEAR = r"[0-3OolI]?[0-9OolI]", r"[01OolI]?[0-9OolI]", r"(?:[1lI]9|2[0Oo])[0-9OolI]{2}"
_DAY_MONTH_YEAR = (
    rf"(?P<d>{_DAY})\s*[/.-]\s*(?P<m>{_MONTH})\s*[/.-]\s*(?P<y>{_YEAR})"
    rf"|(?P<d2>{_DAY})\s+[tT][hH]\S{{1,3}}[nN][gG]\s+(?P<m2>{_MONTH})\s+[nN]\S{{1,2}}[mM]\s+(?P<y2>{_YEAR})"
)
# A date in words after "ngày" ("ngày hai mươi ba tháng tám năm 2016", "mồng một tháng giêng năm hai nghìn
# không trăm hai mươi"): the words of Vietnamese numbers, with and without their marks (OCR).
_NUMBER_WORD = (r"(?i:kh[ôo]ng|m[ộốo]t|hai|ba|b[ốo]n|t[ưu]|n[ăa]m|l[ăa]m|s[áa]u|b[ảẩa]y|t[áa]m|ch[íi]n"
                r"|m[ưu][ờơo]i|linh|l[ẻe]|tr[ăa]m|ngh[ìi]n|ng[àa]n|gi[êe]ng|ch[ạa]p)(?!\w)")
_IN_WORDS = rf"(?:(?i:m[ồôùu]ng)[ \t]+)?{_NUMBER_WORD}(?:[ \t]+{_NUMBER_WORD}){{0,7}}"
_WORDS_DATE = (rf"(?P<d3>{_IN_WORDS})\s+[tT][hH]\S{{1,3}}[nN][gG]\s+(?P<m3>{_IN_WORDS})\s+[nN]\S{{1,2}}[mM]\s+"
               rf"(?P<y3>{_YEAR}|{_IN_WORDS})")
_SPELLED_DATE = re.compile(rf"{_DAY_MONTH_YEAR}|{_WORDS_DATE}")
# The value of each number word, folded; "mười" (ten) and "mươi" (tens) fold alike: a unit before says which.
_NUMBER_VALUES = {"khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6,
                  "bay": 7, "tam": 8, "chin": 9, "gieng": 1, "chap": 12}


def _unnamed(pattern: str) -> str:
    """``pattern`` without group names, to repeat it inside another (a look-ahead)."""
    return re.sub(r"\?P<\w+>", "?:", pattern)


# "ngày", as OCR leaves it: ngay, ngdy, ngiy, ngàv (the "ay" is what gets garbled), NGÀY.
_AY = r"[gG]\S{0,2}[yYvV]"
NGAY = rf"[nN]{_AY}"
_NGAY_FAST = re.compile(NGAY)

# "ngày 21/6/2021": "ngày", spaces or a colon, maybe a line break, the date.
_AY_DATE = rf"{_AY}[{SPACES}:]*(?:\r?\n\s*)?(?P<date>{_DAY_MONTH_YEAR}|{_WORDS_DATE})"
_NGAY_DATE = rf"[nN]{_AY_DATE}"
# A date after a symbol: right after it, maybe glued (CPngay) or on the next line,
# or else after a few words ("của UBND tỉnh", "năm 2025"). The words hold no number
# but a year after "năm" (another number would own the date) and no sentence break,
# (a count is no number: "sửa đổi … của 11 luật có liên quan … ngày …"),
# and end at the first "ngày" that starts a word and is followed by a date. Matched
# possessively ("+"): each character is looked at once, where a lazy gap would try
# the date at every one. The date may stand in brackets: "số 12/QĐ-UBND (ngày 3/3/2024)".
_DATE_AFTER = re.compile(
    rf"(?:|(?P<gap>(?:[^nN\d;()\[\]{{}}.!?]|[nN]\S{{1,2}}[mM][ \t]+(?:19|20)\d\d(?!\d)"
    rf"|(?<![\d/])\d{{1,3}}(?=\s+[a-zđ][^\W\d_])|(?<=[^\W\d_])[\dnN]"
    rf"|[nN](?!{_unnamed(_AY_DATE)})){{1,90}}+))"
    rf"(?:\.(?=[{SPACES}]*n))?[{SPACES},]*(?:\([{SPACES}]*)?(?P<ngay>{_NGAY_DATE})")  # (". ngày": a comma OCR read as a stop)
# A date right after a symbol without "ngày": a table's column of issue dates ("12/2015/QĐ-UBND 20/4/2015 Ban hành …").
_BARE_DATE = re.compile(rf"[ \t]+(?P<date>{_DAY_MONTH_YEAR})(?![\d/.-])")
_GAP_END = SPACES + ",\r\n"  # not part of the words before the date (OCR: "845/QĐ-UBND ,\nngày …")
# A date anywhere, "ngày" starting a word.
DATE = re.compile(rf"(?<![^\W\d_]){_NGAY_DATE}")


def find_date(text: str, lo: int, hi: int) -> re.Match | None:
    """The first :data:`DATE` in ``text[lo:hi]``: found from its "ngày" (a pattern that opens
    with a look-behind is tried at every character; one that opens with a letter skips ahead)."""
    while True:
        m = _NGAY_FAST.search(text, lo, hi)
        if m is None:
            return None
        date = DATE.match(text, m.start(), hi)
        if date is not None:
            return date
        lo = m.start() + 1


# A number standing as a word; a digit inside a word is OCR's reading of a
# letter (S6 for Sở, B6 for Bộ, th4ng for tháng, 4A for đã) and does not count.
NUMBER_WORD = re.compile(r"(?<![^\W\d_])\d+(?![^\W\d_])")
# "số" (OCR'd: s6, 86 …) right before a symbol: not a number between a date and it.
_SO_BEFORE = re.compile(r"\s(?:[sS$]\S?|[35689]?6)\s*$")
# Words before "ngày" that make the date something else than the issue date.
# (OCR: "kể từ" as "ké tir", "hiệu lực" as "hidu lye", "hiéu he")
NOT_ISSUE_DATE = re.compile(r"(?:\b(?:t[uw]|tir|tt|den|den het|het|truoc|sau|thi hanh|hop|luc)\s*)$"
                            r"|\bhi\S{1,2}u\s+[lh]\S{0,3}\b")
_AFTER_WINDOW = 160

_CAPITALS = "A-Z\u0110\u00c0-\u00dd\u1ea0-\u1ef8"  # (a superset of) Vietnamese capitals
# A sentence ends at ";", a blank line, ". " before a capital, or a new bullet line.
SENTENCE_BREAK = re.compile(rf";|\n{SPACE}*\r?\n|\.(?=\s+[{_CAPITALS}])|\n(?={SPACE}*[-+•]{SPACE})")
SENTENCE_WINDOW = 400  # how far back a sentence start is looked for
_BEFORE_WINDOW = 32  # enough for a type word and "số"…
# …which are at most two words and "số" where they matter: for a symbol with no type of
# its own ("Kế hoạch số 59/SKHCN-VP", "Công văn số …") or a form ("tờ khai số"). (The
# fewer words, the more often the same recur: a few thousand in a corpus.)
_BEFORE_WORDS = 3


_OCR_DIGITS = str.maketrans("OolI", "0011")


def _ocr_int(digits: str) -> int:
    return int(digits) if digits.isdigit() else int(digits.translate(_OCR_DIGITS))


def to_date(d: str, m: str, y: str) -> dt.date | None:
    """A calendar date from OCR'd parts (``O`` read for ``0``), or None if impossible."""
    try:
        year = _ocr_int(y)
        date = dt.date(year, _ocr_int(m), _ocr_int(d))
    except ValueError:
        return None
    return date if 1945 <= year <= 2100 else None


@lru_cache(maxsize=65536)
def spelled_date(spelled: str) -> dt.date | None:
    """The date a :data:`DATE` match's ``date`` group spells ("21/6/2021", "21 tháng 6 năm 2021").

    Cached on the date as written: the same dates recur all through a document.
    """
    m = _SPELLED_DATE.fullmatch(spelled)
    return None if m is None else date_of(m)


def date_of(m: re.Match) -> dt.date | None:
    """The date a match of a pattern holding a date's groups (:data:`DATE`, ``_DAY_MONTH_YEAR``)
    spells, read from its groups rather than its text parsed again."""
    if m["d"] is not None:
        return to_date(m["d"], m["m"], m["y"])
    if m["d2"] is not None:
        return to_date(m["d2"], m["m2"], m["y2"])
    return to_date(*(str(_in_words(m[g])) if m[g][0].isalpha() else m[g] for g in ("d3", "m3", "y3")))


def _in_words(spelled: str) -> int:
    """The number Vietnamese words spell ("hai mươi ba" 23, "mười lăm" 15, "hai nghìn không trăm mười sáu" 2016)."""
    total = current = 0
    previous = -1  # (the value of the word before, if a unit)
    for word in fold_lower(spelled).split():
        if word == "muoi":  # (after a unit, tens: "hai mươi"; else ten: "mười", "trăm mười")
            current = current * 10 if 2 <= previous <= 9 else current + 10
        elif word == "tram":
            current *= 100
        elif word in ("nghin", "ngan"):
            total, current = total + current * 1000, 0
        elif word in _NUMBER_VALUES:
            current += _NUMBER_VALUES[word]
        previous = _NUMBER_VALUES.get(word, -1)  # ("mồng", "linh", "lẻ" add nothing)
    return total + current


# What may stand between two citations listed together: the first one's date, a joiner, "số".
_LISTED = re.compile(rf"[{SPACES},]*(?:{_unnamed(_NGAY_DATE)}[{SPACES}]*)?(?:,|;|va)[{SPACES}]*(?:{SO}[{SPACES}]*)?")


def listed_after(gap: str) -> bool:
    """Is ``gap``, the text between two citations, only what lists the second after the first
    ("A, B", "A và số B", "A ngày 2/2/2023, B")?"""
    return _LISTED.fullmatch(fold_lower(gap)) is not None


class After(NamedTuple):
    """A date stated after a symbol: the date, the words between (folded; "" when right
    after), and where "ngày …" starts and the date ends."""

    date: dt.date
    words: str
    start: int
    end: int


_ISSUER_AFTER_COMMA = re.compile(r",\s*c[uilth]")  # ", của …" (OCR: cia, cla, ctia, cha), not ", có …"


def date_after(text: str, end: int) -> After | None:
    """The issue date stated right after a symbol ending at ``end``, and the words before it."""
    m = _DATE_AFTER.match(text, end, end + _AFTER_WINDOW)
    if not m:
        bare = _BARE_DATE.match(text, end, end + _AFTER_WINDOW) if text[end:end + 1] in " \t" else None
        date = date_of(bare) if bare else None
        return After(date, "", bare.start("date"), bare.end()) if bare and date else None
    gap = m["gap"]
    if gap is not None:
        gap = fold_lower(gap.rstrip(_GAP_END)).strip()
        # "X, có hiệu lực … ngày": after a comma, words other than the issuer's start another predicate
        if NOT_ISSUE_DATE.search(gap) or gap.startswith(",") and not _ISSUER_AFTER_COMMA.match(gap):
            return None
    date = date_of(m)
    return After(date, gap or "", m.start("ngay"), m.end()) if date else None


def sentence_start(text: str, offset: int) -> int:
    """Where the sentence holding ``offset`` starts (looking back a bounded window): after
    the last :data:`SENTENCE_BREAK` before it (found from its marks, latest first)."""
    lo = max(0, offset - SENTENCE_WINDOW)
    # The latest of each mark, looked for again (before the one tried) only when tried in vain.
    semi, dot, line = text.rfind(";", lo, offset), text.rfind(".", lo, offset), text.rfind("\n", lo, offset)
    while True:
        if semi >= dot and semi >= line:
            return semi + 1 if semi >= 0 else lo  # (";" always ends a sentence)
        at = dot if dot > line else line
        m = SENTENCE_BREAK.match(text, at, offset)
        if m:
            return m.end()
        if at == dot:
            dot = text.rfind(".", lo, at)
        else:
            line = text.rfind("\n", lo, at)


def sentence_end(text: str, offset: int) -> int:
    """Where the sentence holding ``offset`` ends."""
    m = SENTENCE_BREAK.search(text, offset)
    return m.start() if m else len(text)


_MARK = re.compile(r"[.;\n:!?)]")  # where a clause's or sentence's end starts, or (after ":!?)") begins right after


def from_marks(pattern: re.Pattern, text: str, lo: int, hi: int) -> Iterator[re.Match]:
    """What ``pattern.finditer(text, lo, hi)`` finds, for a pattern whose every match starts at one of
    ". ; \\n" or right after one of ": ! ? )" (a clause's end, a sentence's): tried only there. A pattern
    that opens with look-behinds is tried at every character; a one-character class is skipped to fast."""
    at = lo  # (where the next may start: after the last found, as finditer goes on)
    if lo and text[lo - 1] in ":!?)":
        brk = pattern.match(text, lo, hi)
        if brk is not None:
            yield brk
            at = max(brk.end(), lo + 1)
    for mark in _MARK.finditer(text, at, hi):
        start = mark.start() if mark.group() in ".;\n" else mark.end()
        if start >= at:
            brk = pattern.match(text, start, hi)
            if brk is not None:
                yield brk
                at = max(brk.end(), start + 1)  # (after an empty match, the next starts further on)


def date_before(text: str, start: int, claimed: frozenset[int] | set[int] = frozenset(),
                after: int = 0) -> re.Match | None:
    """An issue date stated earlier in the sentence (its :data:`DATE` match), with nothing numbered
    in between ("Ngày 12/3/2024, UBND tỉnh ban hành Quyết định số …"), unless it is one of the
    ``claimed`` ones (dates closing another citation's phrase, the header's: where they start).
    ``after``: where the citation before ends, or the date after it (a date before that
    one is not this one's: the other's number, or its date, stand in between)."""
    # The last date since the citation before (most often none); then whether it is in the sentence.
    last = found = find_date(text, max(after, start - SENTENCE_WINDOW), start)
    while found is not None:
        last, found = found, find_date(text, found.end(), start)
    # Only the last date can qualify: an earlier one has the last one's numbers after it.
    if last is None or last.start() in claimed:
        return None
    between = text[last.end():start]
    if NUMBER_WORD.search(_SO_BEFORE.sub("", between)):
        return None
    begin = sentence_start(text, start)
    if last.start() < begin <= last.end():  # a blank line OCR left inside the date ("năm\n\n2020") ends no sentence
        begin = sentence_start(text, last.start())
    if last.start() < begin or NOT_ISSUE_DATE.search(fold_lower(text[begin:last.start()]).strip()):
        return None
    return last if date_of(last) is not None else None


def similar(a: str, b: str, quick: bool = True) -> float:
    """OCR-tolerant likeness of two folded phrases (0…1).

    Phrases that differ in length by more than a quarter score 0 without the
    costly comparison (unless not ``quick``).
    """
    if a == b:
        return 1.0
    if quick and abs(len(a) - len(b)) * 4 > len(b):
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@per_vocabulary(maxsize=1)
def _ocr_letters() -> tuple[re.Pattern, dict[str, str]]:
    table = vocabulary().ocr_letters
    signs = "".join(re.escape(c) for c in table)
    # A sign inside a word (after a letter): "d6i", "b6", "k&", "th4ng"; not "2023" or "6".
    return re.compile(rf"(?<=[^\W\d_])[{signs}]"), table


def ocr_word(word: str) -> str:
    """Folded words with OCR's digits and signs read back as letters ("d6i" → "doi"), and
    its r for ư ("stra" → "sua")."""
    pattern, table = _ocr_letters()
    word = pattern.sub(lambda m: table[m.group()], word)
    return " ".join(map(_u_horn, word.split(" "))) if "r" in word else word


# A Vietnamese syllable's first consonants. No syllable has an r after them: there it is
# OCR's ư, alone or with the stroke read as t or i ("sra", "stra", "sira", "chtrc", "tr").
_INITIAL = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?")
_R_FOR_U = re.compile(r"[it]?r")


def _initial_end(word: str) -> int:
    """Where a (folded) syllable's first consonants end."""
    return _INITIAL.match(word).end()  # type: ignore[union-attr]  # (it matches "" at least)


def _u_horn(word: str) -> str:
    initial = _initial_end(word)
    if initial == len(word) > 1 and word[-1] == "r":
        initial -= 1  # ("tr" alone: tư)
    return word if "r" not in word[initial:] else word[:initial] + _R_FOR_U.sub("u", word[initial:])


_VOWELS = re.compile(r"[aeiouyw0-9&@¢€§¥]")  # and what OCR writes for them (w for ư)


_NOT_FINAL = re.compile(r"[^cghmnpt]")  # (a syllable ends in c, ch, m, n, ng, nh, p or t)


def skeleton(phrase: str) -> str:
    """The consonants of a folded phrase, word by word: OCR garbles Vietnamese vowels most. After a
    syllable's first consonants, only those that may end it: another letter there is a vowel OCR
    misread ("bdo" for báo)."""
    return " ".join(_skeleton_word(word) for word in phrase.split())


def _skeleton_word(word: str) -> str:
    initial = _initial_end(word)
    return _VOWELS.sub("", word[:initial]) + _NOT_FINAL.sub("", word[initial:])


class Phrases:
    """Vocabulary phrases (type words, relation cues) found OCR-tolerantly in word lists.

    OCR garbles vowels and diacritics, rarely a word's first letter: phrases are
    indexed by their words' initials, and only those whose initials line up are
    compared in full (:func:`similar` ≥ ``threshold``).
    """

    _MEMO_SIZE = 65536  # n-grams remembered; the words of administrative text recur a lot

    def __init__(self, entries, threshold: float = 0.8, skeletons: bool = False, long_threshold: float | None = None):
        self.threshold = threshold
        # Phrases of four words or more whose initials and last word line up may differ
        # more: OCR garbles a vowel in most words of "sửa đổi, bổ sung" ("stra déi, bé sung").
        self.long_threshold = threshold if long_threshold is None else long_threshold
        self.skeletons = skeletons
        # (phrases by their words' initials, as a string: "sdbs" for "sửa đổi, bổ sung")
        self._index: dict[str, list[tuple[int, str, object]]] = {}
        for rank, (value, phrase) in enumerate(entries):
            ws = words(phrase)
            self._index.setdefault("".join(w[0] for w in ws), []).append((rank, " ".join(ws), value))
        self._lengths = sorted({len(k) for k in self._index}, reverse=True)
        # the word counts of the phrases beginning with each initial, longest first (most initials begin none)
        self._by_initial: dict[str, tuple[int, ...]] = {}
        for key in self._index:
            self._by_initial[key[0]] = tuple(sorted({*self._by_initial.get(key[0], ()), len(key)}, reverse=True))
        self._memo: dict[tuple[str, ...], tuple] = {}

    def _matches(self, ngram: tuple[str, ...]) -> tuple[tuple[float, int, object], ...]:
        """(score, rank, value) of every phrase ``ngram`` (folded words) reads as."""
        found = self._memo.get(ngram)
        if found is None:
            if len(self._memo) >= self._MEMO_SIZE:
                self._memo.clear()
            found = self._memo[ngram] = tuple(self._compare(ngram))
        return found

    def _compare(self, ngram: tuple[str, ...]):
        candidates = self._index.get("".join(w[0] for w in ngram))
        if candidates:
            text = ocr_word(" ".join(ngram))
            long = len(ngram) >= 4
            for rank, phrase, value in candidates:
                score = similar(text, phrase)
                # (a long phrase below the usual threshold must end with the very word)
                threshold = self.long_threshold if long and text.rpartition(" ")[2] == phrase.rpartition(" ")[2] \
                    else self.threshold
                if score < threshold and self.skeletons and (len(ngram) > 1 or len(skeleton(phrase)) > 1) \
                        and skeleton(text) == skeleton(phrase):
                    score = threshold  # "bio cio" for "báo cáo", "Luét": every consonant in place
                # (and in a short phrase every word must look like the phrase's: "thông tin" is no "thông tư")
                if score >= threshold and (long or len(ngram) == 1 or all(
                        similar(a, b, False) >= 0.5 for a, b in zip(text.split(" "), phrase.split(" ")))):
                    yield score, rank, value

    def ending(self, words) -> list[tuple[float, int, int, object]]:
        """Phrases the list of words ends with: (score, word count, -rank, value)."""
        words = tuple(words)
        initials = "".join(w[0] for w in words)
        return [(score, n, -rank, value) for n in self._lengths
                if n <= len(words) and initials[len(words) - n:] in self._index
                for score, rank, value in self._matches(words[len(words) - n:])]

    def scan(self, words, starts=None) -> list[tuple[int, int, object]]:
        """The phrases in ``words``, left to right and not overlapping, the longest at
        each place (then the best, then the first listed): (first word, word count, value).
        ``starts``: the only places a phrase may begin (default: any)."""
        words = tuple(words)
        total = len(words)
        initials = "".join([w[0] for w in words])
        by_initial, index, memo = self._by_initial, self._index, self._memo
        found, free = [], 0
        for i in (range(total) if starts is None else sorted(starts)):
            lengths = by_initial.get(initials[i])
            if lengths is None or i < free:
                continue
            for n in lengths:
                if i + n <= total and initials[i:i + n] in index:
                    ngram = words[i:i + n]
                    matches = memo.get(ngram)
                    if matches is None:
                        matches = self._matches(ngram)
                    if matches:
                        found.append((i, n, matches[0][2] if len(matches) == 1
                                      else max(matches, key=lambda m: (m[0], -m[1]))[2]))
                        free = i + n
                        break
        return found


@per_vocabulary(maxsize=1)
def naming_phrases() -> Phrases:
    """Type words (value: their code) and form words (value: None) of the vocabulary."""
    vocab = vocabulary()
    entries: list[tuple[str | None, str]] = [(code, w) for code, t in vocab.doc_types.items() for w in t.words]
    entries += [(None, w) for w in vocab.form_words]
    return Phrases(entries, skeletons=True)


@per_vocabulary(maxsize=16384)
def _named_by(words: tuple[str, ...]) -> tuple[bool, str | None]:
    found = naming_phrases().ending(words)
    if not found:
        return True, None
    code = max(found, key=lambda f: f[:3])[3]  # best score; ties go to the longer phrase (TTLT over TT)
    return code is not None, cast("str | None", code)


def words_before(text: str, starts: list[int]) -> list[tuple[bool, str | None]]:
    """What the words just before each number (at ``starts``) call it: (a citation?, type code).

    "Kế hoạch số" → ``(True, "KH")``; "mẫu số" → ``(False, None)`` (a form);
    nothing known → ``(True, None)``.
    """
    # Only the last few words count (a type word, then "số"): keyed on them as
    # written, the look-up is cached across a document ("Nghị định số" recurs).
    windows = [" ".join(text[max(0, start - _BEFORE_WINDOW):start].split()[-_BEFORE_WORDS:]) for start in starts]
    return [_window_names(window) for window in windows]


@per_vocabulary(maxsize=65536)
def _window_names(window: str) -> tuple[bool, str | None]:
    ws = words(window)
    if ws and _SO.fullmatch(ws[-1]):
        ws.pop()
    return _named_by(tuple(ws[-4:]))


@per_vocabulary(maxsize=1)
def _provinces() -> tuple[re.Pattern, dict[str, str]]:
    """A pattern for every folded province name, and folded name → proper name."""
    names = {}
    for j in vocabulary().jurisdictions.values():
        for name in (j.name, *j.names):
            names[fold_lower(name)] = j.name
    return re.compile(rf"(?<![a-z])(?P<name>{trie_pattern(names)})(?![a-z])"), names


def trie_pattern(phrases) -> str:
    """One regex alternative for many phrases, shaped as a trie ("h(?:a (?:noi|tinh)|ue)"):
    at each position the engine follows one branch instead of trying every phrase.
    Longer phrases win, as in a longest-first alternation; a space matches any spacing."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}  # a phrase ends here

    def pattern(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + pattern(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")

    return pattern(trie)


@per_vocabulary(maxsize=16384)
def provinces_in(text: str) -> tuple[str, ...]:
    """Provinces named in a (short) ``text``, in order."""
    pattern, names = _provinces()
    return tuple(names[re.sub(r"\s+", " ", m["name"])] for m in pattern.finditer(fold_lower(text)))


# "tỉnh X", "thành phố X", "TP. X" — and the place before the header's date ("Nghệ An, ngày …").
# (Spelled out in both cases: an IGNORECASE pattern scans several times slower.)
_PLACE_AFTER = re.compile(
    rf"[tT](?:(?:[^\W\d_]{{1,2}}[nN][hH]|[hH][^\W\d_]{{1,2}}[nN][hH]\s+[pP][hH][^\W\d_]{{1,2}}){SPACE}+|[pP]\.?{SPACE}*)"
    rf"((?:[^\W\d_]+(?:{SPACE}*-{SPACE}*|{SPACE}*)){{1,5}})"  # (up to five words: "Bà Rịa - Vũng Tàu", "TP.HCM")
)
_PLACE_BEFORE_DATE = re.compile(rf"(?m)^[ \t]*([^\W\d_][^\n,\d]{{1,30}}),[ \t]*{NGAY}")


JURISDICTION_CHARS = 65536  # a document names its province early and often: read this much


def document_jurisdiction(text: str, header_chars: int = 2500) -> str | None:
    """The province a document belongs to: the one it names most after "tỉnh"/"thành phố"
    in its first :data:`JURISDICTION_CHARS` characters, the place of its dated header line
    counting triple."""
    text = text[:JURISDICTION_CHARS]
    if has_combining_marks(text):  # decomposed text: compose it, offsets do not matter here
        text = unicodedata.normalize("NFC", text)
    votes: dict[str, int] = {}
    for m in _PLACE_AFTER.finditer(text):
        for name in provinces_in(m.group(1))[:1]:
            votes[name] = votes.get(name, 0) + 1
    for m in _PLACE_BEFORE_DATE.finditer(fold_lower(text[:header_chars])):
        for name in provinces_in(m.group(1))[:1]:
            votes[name] = votes.get(name, 0) + 3
    return max(votes, key=votes.__getitem__) if votes else None
