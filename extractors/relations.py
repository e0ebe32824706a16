"""Relations the text states between instruments, and how its citations are grouped (docs/extraction.md)."""
from __future__ import annotations

import bisect
import operator
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kg.model import Mention, Relation, RelationKind

from .context import GLUED, SO, SPACE, SPACES, Phrases, from_marks, ocr_word, skeleton, words
from .normalize import fold, fold_lower, folded
from .vocab import per_vocabulary, vocabulary

# "Căn cứ" opening a clause at a line start (OCR: Can ctr, Cin cu, "Cn ctr" with its vowel lost, "Can ett"
# with the c of cứ read as e). Looked for after each line break (a literal first character lets the scan skip
# ahead fast; "(?m)^" would be tried at every character), and at the very start.
_BASIS = rf"[{SPACES}\-+•]*[cC]\S{{0,2}}[nN]{SPACE}+(?:[cC]\S{{1,3}}|[eE]t[tr])(?!\w)"
_BASIS_AT_START, _BASIS_AFTER_BREAK = re.compile(_BASIS), re.compile(rf"\n({_BASIS})")
_START = operator.attrgetter("start")

_CAPITALS = "A-Z\u0110\u00c0-\u00dd\u1ea0-\u1ef8"
# Where a clause ends for certain: a sentence's full stop, a blank line after a
# colon or a bracket (OCR leaves blank lines inside sentences, even before a
# capital), a line opening a list item ("a) ", "- ", "2. "), an article
# ("Điều 2.", "Điều 2:"; not "…khoản 1\nĐiều 3 Nghị quyết số …", a wrapped line) or a "Căn cứ".
# A letter item's letter as OCR may read it: a sign ("©)" for "c)").
_LETTER = r"[a-zđ]\)|[^\x00-\x7f\w\s•]\)"
# (and a table's row number before the first cell, a capitalised word: "1 Quyết định 12/2015/QĐ-UBND …")
_MARKER = rf"[-+•]|[A-Z]\)|{_LETTER}|\d{{1,2}}(?:[.)]|(?={SPACE}+[{_CAPITALS}]))"
HARD_BREAK = re.compile(
    rf"(?<![\n ]\d)(?<!\n\d\d)\.(?=\s+[{_CAPITALS}(\[])|(?<=[:!?)]){SPACE}*\n{SPACE}*\r?\n"
    rf"|\n(?={SPACE}*(?:(?:{_MARKER}){SPACE}|[DĐ]\S{{1,3}}u{SPACE}+\d+[a-z]?{SPACE}*[.:]|{_BASIS}))")
# A ";" ends a clause too, unless what follows continues it (see _continues).
# …and so does a ":" before a list's first item on the same line ("… sau: a) …; b) …").
_BREAK = re.compile(rf"{HARD_BREAK.pattern}|(?<![^\W\d_]);|;(?![^\W\d_])"  # (not "Ng;hi": OCR's)
                    rf"|(?<=:)(?={SPACE}*(?:[a-zđ]\)|\d{{1,2}}[.)]){SPACE})")
# (every clause end starts at one of ". ; \n", or right after one of ": ! ? )": found by context.from_marks)
# "này" as a word (OCR: nay, nảy, n&y; not "ngày"), found from its "n" (a pattern opening
# with a letter skips ahead).
_THIS_WORD = re.compile(r"[nN](?<![^\W\d_][nN])[^\sgGhH][yY](?![^\W\d_])")
_ISSUING = re.compile(r"(?<!\w)(?i:ban)\s+(?i:h\S{1,3}nh)\s+(?=[A-ZĐ])")  # "ban hành Quy định …"
_IN_WORD = re.compile(r"[^\W\d_];[^\W\d_]")  # a ";" OCR put inside a word ("Ng;hi"): no clause mark
_ITEM = re.compile(rf"\s*(?:(?P<letter>{_LETTER})|(?P<dash>[-+•])|(?P<digit>\d{{1,2}}(?:[.)]|(?={SPACE}+[{_CAPITALS}]))))")
# A table's head line, its columns' names ("STT Tên loại văn bản Số, ký hiệu …"), between a list's announcement and its rows.
_TABLE_HEAD = re.compile(r"\s*(?:STT|TT|Số TT|S[ốô] thứ tự)\b[^\n]*\n")  # (after blank lines OCR left)
MAX_GAP = 1200  # characters between two citations read for cues (a longer stretch is cut in two)
# A stretch's words as compared: folded, "," ";" ":" and brackets kept as words of their own.
_TOKEN = re.compile(r"[,;:()]|[^\s(),:;.\"“”'‘’\[\]{}~|*^`_]+")  # (OCR's specks: "_Bị bãi bỏ")
# The numbers of dates ("15/5/2017" → "#/#/#") and years, so that the same wording recurs.
_DATE_NUMBER = re.compile(r"\d+(?=[/.-]\d)|(?<=[/.-])\d+|(?<!\w)(?:19|20)\d\d(?!\w)")
_SO = re.compile(SO)
_ANNOUNCING = 14  # words from "sau" to the ":" that ends a list's announcement ("sau đây của Ủy ban nhân dân tỉnh:",
#                  "sau đây kể từ ngày Thông tư này có hiệu lực thi hành:")
_PLURAL_OR_THIS = re.compile(r"(?i)\b(?:c\S?c|nh\S{1,2}ng|n\S?y)\b")  # (a quick look before _plural, _this)


def _this(word: str) -> bool:
    """Is a folded word "này", as OCR leaves it (nay, ndy, ny)?"""
    return 2 <= len(word) <= 3 and word[0] == "n" and word[-1] == "y"


@per_vocabulary(maxsize=1)
def _effect_words() -> frozenset[tuple[str, ...]]:
    """The words every cue of effect opens with (effective.yaml: "có hiệu lực"), as skeletons."""
    return frozenset(tuple(skeleton(w) for w in fold_lower(cue).split("(")[0].split())
                     for cue in vocabulary().effective_cues)


@per_vocabulary(maxsize=1)
def _effect_initials() -> frozenset[str]:
    """The first letters of the cues of effect (a quick look before :func:`_takes_effect` compares words)."""
    return frozenset(cue[0][:1] for cue in _effect_words() if cue)


def _takes_effect(ws: Sequence[str], at: int) -> bool:
    """Do the folded words from ``at`` say that something takes effect ("có hiệu lực", OCR'd "c6 hiéu luc")?"""
    return at < len(ws) and ws[at][:1] in _effect_initials() \
        and any(tuple(_skeletons(ws[at:at + len(cue)])) == cue for cue in _effect_words())


def _plural(word: str) -> bool:
    """Is a folded word "các" or "những", as OCR leaves it (cdc, c4c, nhimg)?"""
    return len(word) == 3 and word[0] == "c" == word[2] or 5 <= len(word) <= 6 and word[:2] == "nh" \
        and word[-2:] == "ng"
_PASSIVE = re.compile(r"d[uwv]\S{0,2}[ce]|b[ij]")  # "được", "bị" (dugc, duge, duve, bj)
# What may come before a cue that opens a clause: list marks, an article's heading ("Điều 1."),
# "và", "đồng thời".
_LEADING = re.compile(r"[\d\W]+|[a-z]|d[i1l][ec]?u|va|dong|thoi")
_JOINERS = {"va": "và", "hoac": "và", ",": ",", ";": ";"}
_MARKS = frozenset({",", ";", ":", "(", ")"})
_BRACKETS = {"(": "open", ")": "close"}
_PAIR_ITEMS = frozenset({"cue", "open", "close"})  # what two citations read as a pair may have between them
_FIRST = operator.itemgetter(0)
_PARTS = frozenset({"dieu", "khoan", "diem", "chuong", "muc", "phan", "tiet"})  # Điều 3, khoản 2 …
_NAME_WORDS = 10  # words a name may have between its type word and "số" (Luật Các tổ chức tín dụng số)
NOT_NUMBERED = "not numbered"  # a subject that is an instrument without a number


def _part(ws: Sequence[str], k: int) -> bool:
    """Do the folded words at ``k`` name a part of an instrument, its word and its number ("Điều 3", "khoản 2",
    "điểm a", "Chương II"; not "Chương trình")?"""
    return ws[k] in _PARTS and k + 1 < len(ws) and len(ws[k + 1]) <= 4


@dataclass(slots=True)
class _Ref:
    """A reference in a clause: a citation (``mention``: its index), the document
    itself (its citation's index, once known), or an instrument without a number."""

    mention: int | None
    type: str | None
    at: int  # where it is written (a citation's start, else the start of its stretch)
    seq: int  # its place among the clause's references and cues
    frame: _Frame | None = None  # the cue it is an object of
    group: int | None = None  # the first citation of the list it is in
    top: bool = False  # in the clause's own list, not inside another instrument's phrase
    depth: int = 0  # how many brackets opened in the clause before it are still open
    item: int = 0  # where the item (after a ";") of the clause it is in starts, among its references
    issued_by: int | None = None  # for an instrument without a number, the citation that issued it


@dataclass(slots=True)
class _Frame:
    """A cue, its subject and its objects."""

    subject: _Ref | None
    kind: RelationKind
    passive: bool
    at: int
    seq: int
    objects: list[_Ref] = field(default_factory=list)
    depth: int = 0  # brackets open where it stands (an aside's cue takes no object after the aside)


class Statement(NamedTuple):
    """A relation as read, between citations (indices into those read), with its evidence span."""

    kind: RelationKind
    source: int
    target: int
    start: int
    end: int


@dataclass
class Reading:
    """What :func:`read` makes of a text's citations. Per citation: the first
    citation of the list it is in (itself if none), the subject of the cue it is
    an object of (a citation's index, :data:`NOT_NUMBERED`, or None), the first
    citation of its clause (of those read as one, see :class:`_Reader`), and
    whether it is in its clause's own list; the relations stated; and the lists.""" 

    group: list[int]
    subject: list[int | str | None]
    clause: list[int]
    statements: list[Statement]
    top: list[bool] = field(default_factory=list)  # per citation: in its clause's own list
    lists: list[list[int]] = field(default_factory=list)  # the citations listed together, list by list


# --- the words of a stretch of text ---------------------------------------------------

@per_vocabulary(maxsize=1)
def _cues() -> Phrases:
    """Relation cues, valued (kind, passive?): passive cues first ("được sửa đổi bởi"
    contains "sửa đổi"), then the longest, so the first listed found wins."""
    entries = [((RelationKind(kind), role == "passive"), cue)
               for kind, roles in vocabulary().relation_cues.items()
               for role, cues in roles.items() if role in ("active", "passive") for cue in cues]
    entries.sort(key=lambda e: (not e[0][1], -len(words(e[1]))))
    return Phrases(entries, long_threshold=0.7)


@per_vocabulary(maxsize=1)
def _not_stated() -> tuple[frozenset[tuple[str, ...]], tuple[int, ...]]:
    """The words before a cue that make it no statement, folded word by word (("de", "nghi") …; those of
    two words or more as skeletons, OCR-tolerantly: "theo huéng"), and how many words they have."""
    phrases = frozenset(tuple(_skeletons(words)) if len(words) > 1 else tuple(words)
                        for words in (fold_lower(w).split() for w in vocabulary().not_stated))
    return phrases, tuple(sorted({len(p) for p in phrases}))


def _skeletons(ws: Sequence[str]) -> list[str]:
    """Each folded word's consonants as OCR leaves them (its digits and signs read back as letters)."""
    return [skeleton(ocr_word(w)) for w in ws]


_BODY = "body"  # the name of an issuing body that holds a type word: "Bộ Kế hoạch và Đầu tư"


@per_vocabulary(maxsize=1)
def _noun_before() -> frozenset[str]:
    """relations.yaml ``noun_before``, folded."""
    return frozenset(fold_lower(w) for w in vocabulary().noun_before)


@per_vocabulary(maxsize=1)
def _unnumbered_subjects() -> frozenset[str]:
    """relations.yaml ``unnumbered_subjects``, folded."""
    return frozenset(fold_lower(w) for w in vocabulary().unnumbered_subjects)


@per_vocabulary(maxsize=1)
def _names() -> Phrases:
    """Type words (valued by their code), "kèm theo" (valued ``"with"``), and the names of
    bodies that hold a type word (valued :data:`_BODY`: read as one, they name no instrument)."""
    v = vocabulary()
    entries = [(code, w) for code, t in v.doc_types.items() for w in t.words]
    type_words = {fold_lower(w) for _, w in entries}
    bodies = [(_BODY, name) for issuer in v.issuers.values() for name in (issuer.vi, *issuer.names)
              if any(w in fold_lower(name) for w in type_words)]
    return Phrases(entries + [("with", "kèm theo")] + bodies, skeletons=True)


class _Item(NamedTuple):
    """One thing in a stretch: a cue (kind, passive?, coordinated?, opening the stretch?), a reference
    (document itself?, its heading in capitals?, type code, joiner), "kèm theo", or a list announced."""

    what: str  # cue | ref | with | list | listed (in the line) | semicolon | apart ("theo") | open | close (a bracket)
    value: tuple[Any, ...] = ()


class _Stretch(NamedTuple):
    items: tuple[_Item, ...]
    joiner: str | None  # how the citation after the stretch joins what came before ("và", ",", None)
    name: str | None = None  # the name that names the citation after it, with its type word ("luat dien anh")
    titled: bool = False  # …closing the title of an unnumbered instrument of that type ("Luật sửa đổi … của Luật X")


_NOTHING = _Stretch((), None)


@per_vocabulary(maxsize=32768)
def _stretch(text: str, before_citation: bool) -> _Stretch:
    """What a stretch of text holds, and if a citation follows it, how that one is
    named and joined. Cached on the text with the numbers of its dates blanked
    ("ngày #/#/#" recurs)."""
    folded = GLUED.sub(" ", fold(text))
    tokens = _TOKEN.findall(folded)
    lowered = folded.lower()
    ws = _TOKEN.findall(lowered) if lowered.isascii() else [t.lower() for t in tokens]
    if "4" in lowered:
        ws = [("d" + w[1:] if w[0] == "4" and 1 < len(w) <= 4 else w) for w in ws]  # (4 for đ)
    plain = [i for i, w in enumerate(ws) if w not in _MARKS]  # words, without the marks
    plain_words = [ws[i] for i in plain] if len(plain) < len(ws) else ws
    # Type words matter where they name an instrument: with a capital, after "các", before
    # "này", or naming the citation after the stretch (its last words: all of a short stretch).
    last = len(plain) - _NAME_WORDS - 3
    plural_or_this = _PLURAL_OR_THIS.search(folded) is not None
    found_cues = _cues().scan(plain_words)
    may_name = None
    if last > 0:
        may_name = {k for k in range(last) if tokens[plain[k]][0].isupper()}
        may_name.update(range(last, len(plain)))
        if plural_or_this:
            may_name.update(k for k, i in enumerate(plain)
                            if i and _plural(ws[i - 1]) or i + 1 < len(ws) and _this(ws[i + 1]))
        may_name.update(k for i, _, _ in found_cues for k in range(max(0, i - 4), i))  # (a cue's subject)

    def spans(found):
        return [(plain[i], plain[i + n - 1] + 1, value) for i, n, value in found]

    cues = spans(found_cues)
    names = [n for n in spans(_names().scan(plain_words, may_name)) if n[2] != _BODY]
    # The citation after the stretch: named by a type word (and a name) and "số", or by "số" alone.
    end = len(ws) - 1 if ws and (_SO.fullmatch(ws[-1]) or ws[-1] == "#") else len(ws)
    if before_citation and cues and any(n[1] == end and n[0] <= cues[-1][0] and cues[-1][1] <= end for n in names):
        cues.pop()  # "Hướng dẫn (liên ngành) số 46/HD-SCT": a type word, not the cue
    if cues and names:  # "Hướng dẫn này thay thế …", "các Hướng dẫn": a type word naming an instrument, not the cue
        named = {n[:2] for n in names}
        headings = {n[0] for n in names if any(c[0] == n[0] for c in cues) and _heading(folded, tokens[n[0]:n[1]])}
        cues = [c for c in cues if c[0] not in headings and (c[:2] not in named
                or not (c[1] < len(ws) and _this(ws[c[1]]) or c[0] and _plural(ws[c[0] - 1])))]
    if cues and _not_stated()[0]:  # "đề nghị thay thế", "chưa được sửa đổi": proposed or denied, not stated
        cues = [c for c in cues if not _denied(ws, c[0])]
    if cues and _noun_before():  # "… và hướng dẫn tại Văn bản số …": the guidance in it, no statement
        cues = [c for c in cues if c[1] >= len(ws) or ws[c[1]] not in _noun_before() or _passive(ws, c)]
    if cues:
        covered = {k for start, stop, _ in cues for k in range(start, stop)}
        names = [n for n in names if not covered.intersection(range(n[0], n[1]))]

    naming = names[-1] if before_citation and names and names[-1][2] != "with" else None
    if naming and not tokens[naming[0]][0].isupper():  # (type words in lower case inside a name in capitals:
        capital = next((n for n in reversed(names) if tokens[n[0]][0].isupper()), None)  # "Luật Ban hành văn bản …")
        if capital is not None and capital[2] != "with" and end - capital[1] <= _NAME_WORDS:
            naming = capital
            names = names[:names.index(capital) + 1]
    if naming and not (end - naming[1] <= _NAME_WORDS and all(c[0] < naming[0] for c in cues)
                       and (not {";", ":"} & set(ws[naming[1]:end])
                            or ws[naming[1]:end] == [":"] and end < len(ws))  # ("các Quyết định: số A")
                       and not (naming[1] < len(ws) and _this(ws[naming[1]]))):
        naming = None
    named_from = naming[0] if naming else end if before_citation else None
    name, titled = None, False
    if naming:
        names.pop()
        if end - naming[0] > naming[1] - naming[0]:  # (a type word and a name: "Luật Điện ảnh")
            name = " ".join(ws[naming[0]:end])
            # ("Luật sửa đổi, bổ sung một số điều của Luật X số N": the last cue opens a title of the same type)
            between = ws[cues[-1][1]:naming[0]] if cues else None
            titled = between is not None and (not between or between[-1] == "cua" and len(between) <= 4) \
                and any(n[1] == cues[-1][0] and n[2] == naming[2] for n in names)
    # (after "các Quyết định sau:", the instruments listed in the line: "…: Quyết định số A …; Quyết định số B";
    # after "các Thông tư của Bộ trưởng Bộ Y tế:", by their numbers: "…: số A …; số B …")
    listed_inline = naming is not None and naming[0] >= 2 and ws[naming[0] - 1] == ":" and "sau" in ws[
        max(0, naming[0] - 1 - _ANNOUNCING):naming[0] - 1] and _announces(ws[:naming[0]])
    listed_at = naming[0] - 1 if listed_inline and naming is not None else None
    if before_citation and listed_at is None and naming is None and 2 <= end < len(ws) and ws[end - 1] == ":" \
            and any(_plural(ws[k]) for k in range(max(0, end - 1 - _ANNOUNCING), end - 2)):
        listed_at = end - 1

    items: list[tuple[int, _Item]] = []
    line_starts = _line_starts(folded) if cues and "\n" in folded else None
    for cue in cues:
        start, (kind, _) = cue[0], cue[2]
        before = ws[start - 1] if start else ""
        passive = _passive(ws, cue)
        # (opening the stretch, or a line of it: "Điều 2. Bãi bỏ một số quy định\nBãi bỏ Điều 7 …")
        leading = all(_LEADING.fullmatch(w) for w in ws[line_starts[start] if line_starts else 0:start])
        coordinated = before in _JOINERS or ws[start - 2:start] == ["dong", "thoi"]  # ("…; đồng thời bãi bỏ …")
        items.append((start, _Item("cue", (kind, passive, coordinated, leading))))
    for start, stop, value in names:
        if value == "with":
            items.append((start, _Item("with")))
            continue
        # An instrument without a number: "Thông tư này", "Luật Đất đai", "các nghị định"
        # (in lower case, "quyết định", "quy định", "luật" are words, and OCR makes "nhân
        # dân" look like "nghị định").
        plural = start and _plural(ws[start - 1])
        # ("… ban hành Thông tư sửa đổi …": the document itself, or what the citation before issued)
        issued = start >= 2 and ws[start - 2:start] == ["ban", "hanh"] and tokens[start][0].isupper() and not plural
        this = stop < len(ws) and _this(ws[stop]) or issued \
            or tokens[start][0].isupper() and not plural and _takes_effect(ws, stop)  # ("Quyết định có hiệu
        #                                                   lực … và thay thế …": its own, "này" left out)
        # (a type word in capitals, not one of many, is the document's heading: "THÔNG TƯ\nSửa đổi …")
        heading = not this and not plural and all(t.isupper() for t in tokens[start:stop])
        # (and one in lower case a cue's subject: "văn bản quy định chi tiết thi hành Luật …")
        subject = any(c[0] == stop for c in cues) and " ".join(ws[start:stop]) in _unnumbered_subjects()
        if this or heading or tokens[start][0].isupper() or plural or subject:
            items.append((start, _Item("ref", (this, issued, heading, value, _joiner(ws, start)))))
    if plural_or_this:
        for i in range(len(ws) - 1):  # "Điều này", "khoản này": the document itself
            if ws[i] in _PARTS and _this(ws[i + 1]):
                items.append((i, _Item("ref", (True, False, False, None, None))))
    if "(" in folded or ")" in folded:  # an aside: "A (đã được sửa đổi tại B) hướng dẫn C"
        items += [(k, _Item(_BRACKETS[w])) for k, w in enumerate(ws) if w in _BRACKETS]
    if cues and ";" in ws:  # a cue with no reference before a ";" has words for its object ("hướng dẫn việc …;")
        items += [(k, _Item("semicolon")) for k, t in enumerate(_TOKEN.finditer(folded))
                  if k > cues[0][0] and t.group() == ";" and not _IN_WORD.match(folded, t.start() - 1)]
    if listed_at is not None:
        items.append((listed_at, _Item("listed")))
    # ("… hướng dẫn thanh toán theo Công văn số B": B is no object of an active cue; "kèm theo" is another matter)
    if before_citation and cues and named_from and ws[named_from - 1] == "theo" \
            and ws[named_from - 2:named_from - 1] != ["kem"] and not _passive(ws, cues[-1]):
        items.append((named_from - 1, _Item("apart")))
    if len(items) > 1:
        items.sort(key=_FIRST)
    if len(ws) >= 2 and ws[-1] == ":" and ("sau" in ws[-_ANNOUNCING:-1] and _announces(ws)
                                           or cues and cues[-1][1] == len(ws) - 1
                                           or ws[-3:-1] == ["cu", "the"] and _counted(ws)):
        # ("… các Thông tư sau:", "các văn bản như sau đây:", "… bổ sung bởi:", "… 04 quyết định …, cụ thể:")
        items.append((len(ws), _Item("list")))
    return _Stretch(tuple(item for _, item in items), _joiner(ws, named_from) if named_from is not None else None,
                    name, titled)


def _line_starts(folded: str) -> list[int]:
    """For each word of the stretch (as :data:`_TOKEN` splits it), the first word of its line."""
    starts: list[int] = []
    first, newline = 0, folded.find("\n")
    for k, m in enumerate(_TOKEN.finditer(folded)):
        while 0 <= newline < m.start():
            first, newline = k, folded.find("\n", newline + 1)
        starts.append(first)
    return starts


def _heading(folded: str, tokens: Sequence[str]) -> bool:
    """Are these words (a type word) in capitals on a line of their own: the document's heading
    ("HƯỚNG DẪN\n", not the cue of a title "HƯỚNG DẪN THI HÀNH NGHỊ ĐỊNH …")?"""
    if not all(t.isupper() for t in tokens):
        return False
    line = r"[ \t]+".join(map(re.escape, tokens))
    return re.search(rf"(?:^|\n)[ \t]*{line}[ \t]*(?:\n|$)", folded) is not None


def _announces(ws: Sequence[str]) -> bool:
    """Do the words ending with ":" announce a list of instruments: "sau (đây)", maybe with
    whose they are ("các Quyết định sau đây của Ủy ban nhân dân tỉnh:") — but not "như sau:"
    (as follows: content; OCR: "nhw sau", "nh sau", "nhv sau": its consonants) unless instruments in the
    plural are named a few words before ("các văn bản như sau:"; not "các đơn vị như sau:")?"""
    at = len(ws) - 1 - ws[::-1].index("sau", 1, _ANNOUNCING)
    rest = ws[at + 1:-1]  # (one word may be "đây" however OCR wrote it; more must say whose, or from when)
    if len(rest) > 1 and "cua" not in rest[:2] and not _from_when(rest[:4]):
        return False
    return not (at > 0 and skeleton(ocr_word(ws[at - 1])) == "nh"
                and not any(_plural(ws[k]) and _names().scan(ws[k + 1:at - 1], {0})
                            for k in range(max(0, at - 5), at - 2)))


def _passive(ws: Sequence[str], cue: tuple[int, int, Any]) -> bool:
    """Is the cue found at ``cue`` (start, stop, (kind, passive)) passive: by its words, "được"/"bị" before it,
    or "bởi" right after it ("(sửa đổi, bổ sung bởi Thông tư số B)")?"""
    return cue[2][1] or cue[0] > 0 and _PASSIVE.fullmatch(ws[cue[0] - 1]) is not None \
        or cue[1] < len(ws) and ocr_word(ws[cue[1]]) in ("boi", "bei")


def _counted(ws: Sequence[str]) -> bool:
    """Do the (folded) words name instruments by their number or in the plural ("04 quyết định",
    "các văn bản"), so that "cụ thể:" announces them?"""
    return any((w.isdigit() or _plural(w)) and _names().scan(ws[k + 1:k + 4], {0}) for k, w in enumerate(ws[:-1]))


def _from_when(ws: Sequence[str]) -> bool:
    """Do the (folded) words say from when ("kể từ ngày …", "từ ngày …": "… các văn bản sau đây kể từ ngày
    Thông tư này có hiệu lực:")?"""
    ws = [ocr_word(w) for w in ws]  # ("ké tir ngay")
    return any(ws[k:k + 2] in (["ke", "tu"], ["tu", "ngay"]) for k in range(len(ws) - 1))


def _denied(ws: Sequence[str], start: int) -> bool:
    """Do the words before the cue at ``start`` (past "được", "bị") make it no statement?"""
    if start and _PASSIVE.fullmatch(ws[start - 1]):
        start -= 1
    phrases, lengths = _not_stated()
    return any(n <= start and tuple(ws[start - n:start] if n == 1 else _skeletons(ws[start - n:start])) in phrases
               for n in lengths)


@per_vocabulary(maxsize=16384)
def _continues(after: str) -> bool:
    """Does the text after a ";" go on with the same clause: another instrument of a list
    ("…; Nghị định số B", "…; số B"), or another cue ("…; thay thế …"), maybe after a
    label ("…; lý do: đã được thay thế bởi …", a table's note)?"""
    ws = [w for w in words(after)[:5] if w not in ("va", "dong", "thoi")]  # (và, đồng thời)
    if not ws:
        return False
    if _SO.fullmatch(ws[0]):
        return True
    if any(i == 0 for i, _, value in _names().scan(ws[:4]) if value not in ("with", _BODY)) or \
            any(i == 0 for i, _, _ in _cues().scan(ws)):
        return True
    label, colon, rest = after.partition(":")
    if not colon or len(label.split()) > 3:
        return False
    ws = [w for w in words(rest)[:6] if w != "da"]  # (đã)
    return any(i == 0 for i, _, _ in _cues().scan(ws))


def _joiner(ws: Sequence[str], k: int) -> str | None:
    """The joiner before word ``k`` ("và", "," …), past "các" and parts ("và Điều 3 Quyết định …",
    "và điểm c khoản 1 Điều 64 của Nghị định …")."""
    while True:
        if k >= 1 and _plural(ws[k - 1]) or k >= 3 and ws[k - 1] == "cua" and _part(ws, k - 3):
            k -= 1
        elif k >= 2 and _part(ws, k - 2):
            k -= 2
        else:
            break
    return _JOINERS.get(ws[k - 1]) if k >= 1 else None


# --- clauses -------------------------------------------------------------------------

class _Lists:
    """Lists a cue announces ("thay thế các Thông tư sau:"): the first citation of
    each following item marked alike ("a)", "-", "1.") is one of its objects."""

    def __init__(self) -> None:
        self.frame: _Frame | None = None
        self.marker: str | None = None

    def announce(self, frame: _Frame) -> None:
        self.frame, self.marker = frame, None

    def new_clause(self, marker: str | None, new_line: bool) -> None:
        """A clause starts: an item marked otherwise, or a line not an item, ends the list."""
        if self.frame is not None and (marker and self.marker not in (None, marker) or new_line and not marker):
            self.frame = self.marker = None

    def take(self, ref: _Ref, marker: str | None) -> bool:
        if self.frame is None or marker is None or self.marker not in (None, marker):
            return False
        self.marker = marker
        ref.frame = self.frame
        self.frame.objects.append(ref)
        return True


class _Clause:
    """The references and cues of one clause, read left to right."""

    def __init__(self, own: Callable[[int, str | None], int | None], acting: Callable[[int], bool],
                 lists: _Lists, marker: str | None):
        self.own = own
        self.acting = acting  # does the citation (the document's own) stand for a document that acts on others?
        self.lists = lists
        self.marker = marker  # how the clause is marked as a list item, if it is one
        self.refs: list[_Ref] = []
        self.frames: list[_Frame] = []
        self.open: _Frame | None = None  # a cue whose first object has not come yet
        self.seq = 0
        self.stretches = 0  # stretches read so far (a clause opens with its first)
        self.depth = 0  # brackets opened in the clause and not closed yet
        self.outside = False  # has an aside opened before the clause closed in it?
        self.item = 0  # where in ``refs`` the item after the last ";" starts

    def read(self, stretch: _Stretch, at: int) -> None:
        for item in stretch.items:
            self.seq += 1
            if item.what == "cue":
                kind, passive, coordinated, leading = item.value
                self._cue(kind, passive, coordinated, leading, at)
            elif item.what == "ref":
                this, issued, heading, code, joiner = item.value
                own = self.own(at, code) if this or heading else None
                if heading and own is not None and not self.acting(own):
                    own = None  # a report's heading: its title says what it is about, not what it does
                ref = _Ref(own, code, at, self.seq, depth=self.depth)
                if issued and own is None and self.refs and self.refs[-1].mention is not None:
                    ref.issued_by = self.refs[-1].mention  # "Quyết định số A … ban hành Quy định về …"
                self._ref(ref, joiner)
            elif item.what in ("semicolon", "apart"):  # (the open cue takes no object past it)
                self.open = None
            elif item.what in ("with", "listed"):  # the citations after take the place of an instrument
                last = self.refs[-1] if self.refs else None  # named without a number: "Quy định ban hành kèm theo
                if last is not None and last.mention is None and last.frame is not None:  # Quyết định số X",
                    self.open = last.frame                   # "thay thế các Quyết định sau: Quyết định số A; …"
                    self.open.objects.remove(last)
                elif item.what == "listed" and last is not None and last.mention is None and last.top:
                    self.refs.pop()  # ("Căn cứ các Thông tư …: số A …; số B": A and B are the clause's own list)
            elif item.what == "list" and self.frames:
                self.lists.announce(self.frames[-1])
            elif item.what == "open":
                self.depth += 1
            elif item.what == "close" and self.depth:
                self.depth -= 1
                if self.open is not None and self.open.depth > self.depth:
                    self.open = None  # (an aside's cue with no object in it: "(được sửa đổi)")
            elif item.what == "close":  # an aside opened before the clause: what it has read so far is in it,
                for ref in self.refs:      # and what the aside is about stands before the clause
                    ref.depth += 1
                self.outside = True
        self.stretches += 1

    def cite_titled(self, index: int) -> _Ref | None:
        """The citation as the unnumbered instrument whose title it closes: the subject of the last cue
        ("… và Luật sửa đổi, bổ sung một số điều của Luật Điện ảnh số N": N is that law), if there is one."""
        frame = self.frames[-1] if self.frames else None
        if frame is None or frame.subject is None or frame.subject.mention is not None \
                or not any(r is frame.subject for r in self.refs):  # (a reference of the clause, not the document)
            return None
        frame.subject.mention = index
        self.open = None
        return frame.subject

    def cite(self, index: int, start: int, doc_type: str, joiner: str | None) -> _Ref:
        self.seq += 1
        ref = _Ref(index, doc_type, start, self.seq, depth=self.depth)
        if not self.refs and self.lists.take(ref, self.marker):
            self.refs.append(ref)
        else:
            self._ref(ref, joiner)
        return ref

    def _cue(self, kind: RelationKind, passive: bool, coordinated: bool, leading: bool, at: int) -> None:
        if coordinated and self.frames:
            last = self.frames[-1]
            subject = last.subject if not last.objects else self.frames[0].subject
        elif self.refs:  # (not one in an aside closed since: "A (đã được sửa đổi tại B) hướng dẫn C")
            subject = next((r for r in reversed(self.refs) if r.depth <= self.depth),
                           None if self.outside else self.refs[-1])  # (a source note's: "(Điều 48 Luật số A)\nSửa đổi …")
            if coordinated and subject is not None and subject.mention is None and not subject.top:
                # "A ngày … phê duyệt Đề án X, thay thế B": after a comma, the instrument the clause is about,
                # unless one that acts is named after it ("… ban hành Quyết định phê duyệt Đề án, thay thế B")
                top = next((r for r in self.refs if r.mention is not None and r.top), None)
                if top is not None and not any(r.seq > top.seq and r.mention is None and _acts(r.type) for r in self.refs):
                    subject = top
        elif leading and not self.stretches:  # a clause opening with a cue: the document acts ("3. Bãi bỏ …")
            own = self.own(at, None)
            acts = own is not None and self.acting(own)
            subject = _Ref(own, None, at, self.seq) if acts else None
        else:  # (words before it that are not read: an instrument OCR made unreadable, say)
            subject = None
        self.open = _Frame(subject, kind, passive, at, self.seq, depth=self.depth)
        self.frames.append(self.open)

    def _ref(self, ref: _Ref, joiner: str | None) -> None:
        partner = self._partner(ref, joiner) if joiner else None
        # (in the clause's own list: its first reference, one listed with such a one, or one opening an item after ";")
        ref.top = not self.refs and self.open is None or partner is not None and partner.top \
            or joiner == ";" and partner is None and self.open is None
        if partner is not None:
            ref.frame = partner.frame
            ref.group = partner.group if partner.group is not None else partner.mention
        elif self.open is not None:
            ref.frame = self.open
        elif joiner == "và":  # "và" + another type: the nearest cue with a numbered subject (not in an aside closed since)
            ref.frame = next((f for f in reversed(self.frames) if f.depth <= ref.depth
                              and f.subject is not None and f.subject.mention is not None), None)
            if ref.frame is None:  # (listed with the reference before the aside: "A (…) và Điều 5 Quyết định số B")
                prior = next((r for r in reversed(self.refs) if r.depth <= ref.depth), None)
                ref.top = ref.top or prior is not None and prior.top
        if ref.frame is not None:
            ref.frame.objects.append(ref)
        self.open = None
        if joiner == ";":
            self.item = len(self.refs)
        ref.item = self.item
        self.refs.append(ref)

    def _partner(self, ref: _Ref, joiner: str) -> _Ref | None:
        """The earlier reference ``ref`` is listed with, the nearest of its type: after "và",
        at any depth; after "," within a flat list (no cue in between) — both within the item
        after the last ";" —; after ";" among those not inside another's phrase (the clause's own list),
        or, in a clause that has no such list (the document's own cue: "Sửa đổi … của Thông tư số A …;
        Thông tư số B …"), among the objects."""
        for earlier in reversed(self.refs if joiner == ";" else self.refs[self.item:]):
            if earlier.depth != ref.depth or joiner == ";" and self._itself(earlier):
                continue  # (inside an aside closed since, or outside the one still open; the document itself
                #            lists nothing after a ";")
            if joiner == "," and any(f.seq > earlier.seq for f in self.frames):
                return None
            if earlier.type is not None and earlier.type == ref.type and (joiner != ";" or earlier.frame is None):
                return earlier
        if joiner == ";" and not any(r.top and r.depth == ref.depth and not self._itself(r) for r in self.refs):
            return next((r for r in reversed(self.refs) if r.type == ref.type and r.depth <= ref.depth
                         and r.frame is not None), None)
        return None

    def _itself(self, ref: _Ref) -> bool:
        """Does ``ref`` stand for the document itself (its own citation where it stands)?"""
        return ref.mention is not None and ref.mention == self.own(ref.at, None)

    def statements(self) -> list[Statement]:
        out = []
        for frame, subject in ((f, s) for f in self.frames for s in self._subjects(f)):
            # (an instrument named without a number is no end, unless, outranking the actor of a passive
            # cue, it passes the statement on: "A … thi hành Luật X (được sửa đổi bởi Nghị định C)": C amends A)
            if subject.mention is None and not frame.passive:
                continue
            for obj in frame.objects:
                if obj.mention is None or obj.mention == subject.mention:
                    continue
                acted_on, actor = (subject, obj) if frame.passive else (obj, subject)
                source, target = (obj.mention, subject.mention) if frame.passive else (subject.mention, obj.mention)
                if _beneath(acted_on.type, actor.type):
                    continue  # ("Nghị định A quy định chi tiết Luật X … và Kế hoạch số C": no decree guides a plan)
                if _outranks(acted_on.type, actor.type, frame.kind):
                    # "Thông tư A hướng dẫn Luật B, đã được sửa đổi bởi Thông tư C": no Thông tư amends a law,
                    # C amends A, the instrument B is an object of
                    outer = acted_on.frame.subject if frame.passive and acted_on.frame is not None else None
                    passed: list[_Ref] = []  # (an unnumbered one in turn: "A … thi hành Luật X và Luật sửa đổi …
                    #                            của Luật X (được sửa đổi bởi Nghị định C)": C amends A; each once)
                    while outer is not None and outer.mention is None and outer.frame is not None \
                            and not any(outer is p for p in passed):
                        passed.append(outer)
                        outer = outer.frame.subject
                    if outer is None or outer.mention is None or outer.mention == source \
                            or _outranks(outer.type, actor.type, frame.kind):
                        continue
                    target = outer.mention
                if target is None and frame.passive:  # ("A … ban hành Quy định X (được sửa đổi bởi B)": B amends A)
                    target = subject.issued_by
                if source is None or target is None:
                    continue
                out.append(Statement(frame.kind, source, target,
                                     min(subject.at, obj.at, frame.at), max(subject.at, obj.at)))
        return out


    def _subjects(self, frame: _Frame) -> list[_Ref]:
        """A cue's subject, and for a passive cue, every instrument listed with it in the same item of
        the clause, none inside another's phrase ("A và B …; lý do: bị bãi bỏ bởi C": C repeals both)."""
        subject = frame.subject
        if subject is None or not frame.passive or subject.mention is None or subject.frame is not None:
            return [subject] if subject is not None else []
        head = subject.group if subject.group is not None else subject.mention
        return [r for r in self.refs if r.seq <= subject.seq and r.item == subject.item and r.frame is None
                and r.mention is not None and (r.mention == head or r.group == head)] or [subject]


_ACTS_DOWNWARD = frozenset({RelationKind.AMENDS, RelationKind.REPLACES, RelationKind.REPEALS})


def _acts(doc_type: str | None, unknown: bool = False) -> bool:
    """Does an instrument of this type act on others (doc_types.yaml ``acts``)? ``unknown``: the
    answer for a type the vocabulary does not list."""
    types = vocabulary().doc_types
    if doc_type is None or doc_type not in types:
        return unknown
    return types[doc_type].acts


def _beneath(acted_on: str | None, actor: str | None) -> bool:
    """Is ``acted_on`` of a type that does not act on others (a plan, a report: ``acts: false``) and
    ``actor`` a legal instrument of a rank (doc_types.yaml ``rank``), which acts on legal instruments only?"""
    types = vocabulary().doc_types
    low, high = types.get(acted_on or ""), types.get(actor or "")
    return low is not None and high is not None and not low.acts and high.rank is not None


def _outranks(acted_on: str | None, actor: str | None, kind: RelationKind) -> bool:
    """Does an instrument of type ``acted_on`` outrank one of type ``actor`` (doc_types.yaml ``rank``),
    so that the actor cannot amend, replace or repeal it?"""
    if kind not in _ACTS_DOWNWARD or acted_on is None or actor is None:
        return False
    types = vocabulary().doc_types
    high, low = types.get(acted_on), types.get(actor)
    return high is not None and low is not None and high.rank is not None and low.rank is not None \
        and high.rank < low.rank


def read(text: str, starts: Sequence[int], ends: Sequence[int], types: Sequence[str],
         own: Callable[[int, str | None], int | None], owners: Sequence[int] = ()) -> Reading:
    """Read the relations between the citations at ``starts``/``ends`` (document
    types ``types``), and their lists. ``own(offset, type)`` is the index of the
    document's own citation for the text at ``offset`` — when the document is
    of ``type`` (None: any) — or None; ``owners``: all its own citations.

    Most clauses hold no cue: for them only where they end and how their
    citations are listed is worked out (a few string searches); a clause with
    a hint of a cue in it (``hints`` of relations.yaml) is read word by word."""
    return _Reader(text, starts, ends, types, own, owners).read()


_HINT_WINDOW = 240  # characters before a citation, and before a list's first item, looked at for hints
_LINK_GAP = 240  # the most characters between two citations of one clause (a title: "A về … sửa đổi B")
_CUE_REACH = 120  # the most characters between a cue and the citation it acts on ("… ban hành kèm theo …")
_JOIN_WINDOW = 80  # characters a joiner may stand before a citation ("…, Luật Các tổ chức tín dụng số …")
_BEFORE_HINT = 40  # characters read before a hint of a cue (its subject: "Luật sửa đổi, bổ sung …")
_OPENING = 240  # …and in a clause's first words ("Thông tư này có hiệu lực … và thay thế …")


@per_vocabulary(maxsize=1)
def _hints() -> tuple[re.Pattern[bytes], re.Pattern[str]]:
    """The cue hints, folded (OCR mistakes one tone mark for another, "bải bỏ", "sứa đổi", which
    folding drops), as one pattern of bytes and one of text: one search costs less than one per hint."""
    hints = dict.fromkeys(fold_lower(h).encode("ascii", "ignore") for h in vocabulary().cue_hints)
    either = b"|".join(map(re.escape, hints)) if hints else b"(?!)"  # (none: nothing hints at a cue)
    return re.compile(either), re.compile(either.decode("ascii"))


def _hinted(stretch: str) -> bool:
    # (folded in the cheapest way that keeps the letters: marks dropped, đ → d, lower case)
    plain = unicodedata.normalize("NFD", stretch.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore")
    return _hints()[0].search(plain.lower().replace(b"\n", b" ")) is not None


def _first_hint(text: str, lo: int, hi: int) -> int:
    """Where the first hint of a cue is in ``text[lo:hi]`` (-1: none)."""
    found = _hints()[1].search(folded(text[lo:hi]).replace("\n", " "))
    return lo + found.start() if found else -1


class _Reader:
    """:func:`read`'s state: the citations being gathered into one clause, and what has been found.

    Two citations are read as one clause only when the text between them is short,
    holds no clause end, and hints at a cue or joins them ("A sửa đổi B", "A, B và
    C"): most citations stand alone, and cost a few string searches."""

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int], types: Sequence[str],
                 own: Callable[[int, str | None], int | None], owners: Sequence[int]) -> None:
        self.text, self.starts, self.ends, self.types, self.own = text, starts, ends, types, own
        n = len(starts)
        self.reading = Reading(list(range(n)), [None] * n, list(range(n)), [], [True] * n)
        self.acting = lambda i: _acts(types[i], unknown=True)
        # Can the document itself (its own citation, wherever it is known) act on others?
        self.acts = any(self.acting(i) for i in owners)
        self.lists = _Lists()
        self.clauses: list[_Clause] = []  # the clauses read word by word (a list they announce fills in later)
        # The clause being gathered: its citations (index, where the text before it starts), whether
        # the text between them hints at a cue, and where it starts if known (its opening words).
        self.members: list[tuple[int, int]] = []
        self.hinted = False
        self.opening: bool | None = None  # does the clause's opening hint at a cue? (None: not known)
        self.at: int | None = None
        self.marker: str | None = None
        self.itself: bool | None = None  # does the clause name the document itself? (None: not known)
        self.before: tuple[int, int] | None = None  # the lone citation before the clause, if it said nothing
        self.names: dict[str, int] = {}  # the first citation each name named ("luat dien anh")

    def read(self) -> Reading:
        text, starts, ends, lists = self.text, self.starts, self.ends, self.lists
        rfind, hinted_in, acts = text.rfind, _hinted, self.acts
        max_gap, link_gap, reach = MAX_GAP, _LINK_GAP, _CUE_REACH
        prev = 0
        for i, hi in enumerate(starts):
            gap = hi - prev
            lo = prev if gap <= max_gap else hi - max_gap
            prev = ends[i]
            # (a cue stands within a few words of its object: the last of the stretch is looked at)
            hinted = None if gap > link_gap else hinted_in(text[hi - reach:hi] if gap > reach else text[lo:hi])
            if lists.frame is not None or rfind(":", lo, hi) >= 0 and self._announced(lo, hi):
                self._segment(lo, hi)  # a list announced ("… thay thế các Thông tư sau:"), or its items
                self.members.append((i, max(lo, self.at or lo)))
                continue
            if hinted is not None and (hinted or self.hinted or self.opening is not False) \
                    and self.members and self._linked(lo, hi, hinted):
                if len(self.members) == 1 and self.before is not None:
                    self._take_listed_before(self.before)
                self.members.append((i, lo))
                continue
            closing = self.hinted or acts or len(self.members) > 1 or self.members and self._names_itself()
            # (a lone citation that said nothing: one listed with it may open a clause with a cue)
            self.before = self.members[0] if not closing and len(self.members) == 1 else None
            if closing:
                self._close()
            # (its opening words are in the text just looked at: without a hint if it had none)
            self.members, self.hinted, self.at, self.itself = [(i, lo)], False, None, None
            self.opening = hinted if hinted is None or gap <= reach else None
        self._close()
        for clause in self.clauses:
            self.reading.statements.extend(clause.statements())
        return self.reading

    def _take_listed_before(self, before: tuple[int, int]) -> None:
        """Open the clause with the lone citation ``before`` its first, where the two are listed together
        ("A và B …; lý do: bị bãi bỏ bởi C": C repeals A and B)."""
        (a, a_lo), (b, _) = before, self.members[0]
        if self.types[a] == self.types[b] and self.starts[b] - self.ends[a] <= _LINK_GAP \
                and _joiner_before(self.text, max(self.ends[a], self.starts[b] - _JOIN_WINDOW), self.starts[b]) == "và" \
                and _last_break(self.text, self.ends[a], self.starts[b]) is None:
            self.members.insert(0, (a, a_lo))
            self.at = self.opening = None  # (the clause opens before A now)
        self.before = None

    def _linked(self, lo: int, hi: int, hinted: bool) -> bool:
        """Does the citation at ``hi`` belong to the clause of the one before (ending at ``lo``)?
        When a cue may be between them (``hinted``), or they are listed together after one
        ("A, B và C", after a cue there or in the clause's opening words)."""
        if not hinted and not (_joiner_before(self.text, max(lo, hi - _JOIN_WINDOW), hi)
                               and (self.hinted or self._opening_hinted())):
            return False
        if _last_break(self.text, lo, hi) is not None:
            return False
        self.hinted = True
        return True

    def _names_itself(self) -> bool:
        """Does "này" stand in the words before the clause's first citation ("Kế hoạch này …")?"""
        if self.itself is None:
            first, lo = self.members[0]
            start = self.starts[first]
            self.itself = _THIS_WORD.search(self.text, max(lo, start - _HINT_WINDOW), start) is not None
        return self.itself

    def _opening_hinted(self) -> bool:
        """Does the clause's opening (before its first citation) hint at a cue?"""
        if self.opening is None or self.opening is True and self.at is None:
            self.opening = _hinted(self.text[self._opening():self.starts[self.members[0][0]]])
        return self.opening

    def _announced(self, lo: int, hi: int) -> bool:
        """Is the citation at ``hi`` the first of a list announced before it ("… sau:\na) …")?"""
        colon = self.text.rfind(":", lo, hi)
        return _ITEM.match(self.text, _past_specks(self.text, colon + 1)) is not None \
            and _hinted(self.text[max(lo, colon - _HINT_WINDOW):colon])

    def _segment(self, lo: int, hi: int) -> None:
        """Find every clause end in ``text[lo:hi]``, closing the clause being gathered at the first."""
        at = lo
        for brk in from_marks(_BREAK, self.text, lo, hi):
            if brk.group() == ";" and _continues(self.text[brk.end():min(hi, brk.end() + 60)]):
                continue
            colon = _colon_before(self.text, brk.start())
            if colon >= 0 and _hinted(self.text[at:colon]):
                self.hinted = True  # a list announced: "4. Thông tư này thay thế các thông tư sau đây:"
                if not self.members:
                    self.at = at
            self._close(colon + 1 if colon >= 0 else brk.start())
            at = self.at = brk.end()
            self.marker = _marker(self.text, at, self.lists.marker)
            if not _TABLE_HEAD.match(self.text, at):  # (a table's head line is no item and ends no list)
                self.lists.new_clause(self.marker, brk.group().startswith("\n"))

    def _opening(self) -> int:
        """Where the clause being gathered starts (looking back from its first citation)."""
        if self.at is None:
            first, lo = self.members[0]
            brk = _last_break(self.text, max(lo, self.starts[first] - _HINT_WINDOW), self.starts[first])
            self.at = brk[1] if brk is not None else max(lo, self.starts[first] - _HINT_WINDOW)
        return self.at

    def _close(self, end: int | None = None) -> None:
        """End the clause being gathered (its announcing words end at ``end``)."""
        if len(self.members) == 1 and not self.hinted and (self.acts or self._names_itself()):
            # A clause with one citation says something only of the document itself,
            # opening with a cue ("3. Bãi bỏ …": a document that acts on others) or
            # naming it, whatever its type ("Kế hoạch này thay thế …").
            own = self.own(self.starts[self.members[0][0]], None)
            self.hinted = own is not None and (self.acting(own) or self._names_itself()) and self._opening_hinted()
        if self.hinted or self.lists.frame is not None and self.members:
            self._read_clause(end)
        elif len(self.members) > 1:
            self._join()
        self.members, self.hinted, self.marker, self.opening, self.itself = [], False, None, None, None

    def _read_clause(self, end: int | None) -> None:
        """Read the clause word by word: its cues, references and lists."""
        if end is None and len(self.members) == 2 and not self.acts and self.lists.frame is None and self._pair():
            return
        reading = self.reading
        clause = _Clause(self.own, self.acting, self.lists, self.marker)
        self.clauses.append(clause)
        refs = []
        for k, (i, lo) in enumerate(self.members):
            # (a clause's opening words matter where they hold a cue, or where the document
            # itself may be their subject)
            if k or self.acts:
                stretch = self._stretch(clause, self._opening() if k == 0 else lo, self.starts[i], True)
            elif _first_hint(self.text, self._opening(), self.starts[i]) >= 0:
                stretch = self._stretch(clause, self._opening(), self.starts[i], True)
            else:
                clause.stretches += 1
                stretch = _NOTHING
            titled = self._titled(i, stretch) and clause.cite_titled(i)
            refs.append((i, titled or clause.cite(i, self.starts[i], self.types[i], stretch.joiner)))
        if end is not None:  # the words announcing a list ("… thay thế các Thông tư sau:")
            tail = self.ends[self.members[-1][0]] if self.members else self._opening()
            if end > tail:
                self._stretch(clause, tail, end, False)
        if not refs:
            return
        head = self.members[0][0]  # (the clause's first citation names it)
        lists: dict[int, list[int]] = {}
        for i, ref in refs:
            reading.clause[i] = head
            reading.top[i] = ref.top
            if ref.group is not None:
                reading.group[i] = ref.group
                lists.setdefault(ref.group, [ref.group]).append(i)
            subject = ref.frame.subject if ref.frame is not None else None
            if subject is not None:
                reading.subject[i] = subject.mention if subject.mention is not None else NOT_NUMBERED
        reading.lists.extend(lists.values())

    def _titled(self, i: int, stretch: _Stretch) -> bool:
        """Does the ``i``-th citation close the title of an unnumbered instrument ("Luật sửa đổi … của Luật X số N"),
        X having another number in the text before ("Luật X số M … Luật sửa đổi … của Luật X số N": N is not X's)?"""
        if stretch.name is None:
            return False
        earlier = self.names.setdefault(stretch.name, i)
        return stretch.titled and earlier != i \
            and self.text[self.starts[earlier]:self.ends[earlier]] != self.text[self.starts[i]:self.ends[i]]

    def _pair(self) -> bool:
        """The common clause, read at less cost: two citations and only cues between them
        ("A ngày … sửa đổi, bổ sung một số điều của B"), none in the first one's opening.
        Done if so (False: to be read in full)."""
        (a, _), (b, lo) = self.members
        if self._opening_hinted():
            return False
        stretch = self._stretch_at(lo, self.starts[b], _BEFORE_HINT, True)[1]
        cues = [item for item in stretch.items if item.what == "cue"]
        if not cues or any(item.what not in _PAIR_ITEMS for item in stretch.items):
            return False  # (no cue, brackets alone: "A (đã được điều chỉnh, bổ sung bởi B)" read in full)
        kind, passive = cues[-1].value[:2]  # (all the cues' subject is A; B the last one's object)
        reading = self.reading
        source, target = (b, a) if passive else (a, b)
        if _outranks(self.types[target], self.types[source], kind) or _beneath(self.types[target], self.types[source]):
            return False  # (read in full: no such statement)
        reading.statements.append(Statement(kind, source, target, self.starts[a], self.starts[b]))
        reading.clause[a] = reading.clause[b] = a
        reading.subject[b], reading.top[b] = a, False
        return True

    def _stretch_at(self, lo: int, hi: int, before: int, before_citation: bool) -> tuple[int, _Stretch]:
        """Where the words of ``text[lo:hi]`` worth reading start — ``before`` characters
        before its first hint of a cue, else (before a citation) only those that may name
        and join it — and what they say."""
        first = _first_hint(self.text, lo, hi)
        if first >= 0:
            start = max(lo, first - before)
            if start > lo:  # (not cutting "ban hành" off the instrument it issues: "… ban hành Quy định …")
                issuing = _ISSUING.search(self.text, max(lo, start - len("ban hành ")), start + len("ban hành "))
                start = issuing.start() if issuing else start
        else:
            start = max(lo, hi - _JOIN_WINDOW) if before_citation else hi
        return start, _stretch(_DATE_NUMBER.sub("#", self.text[start:hi]), before_citation)

    def _stretch(self, clause: _Clause, lo: int, hi: int, before_citation: bool) -> _Stretch:
        """Read ``text[lo:hi]`` into ``clause`` (see :meth:`_stretch_at`)."""
        # (the clause's first words may be its subject, "Thông tư này có hiệu lực …; thay thế …")
        before = _OPENING if not clause.refs and not clause.stretches else _BEFORE_HINT
        start, stretch = self._stretch_at(lo, hi, before, before_citation)
        if start > lo:
            clause.stretches += 1  # (words left unread: the clause does not open with what is read)
        clause.read(stretch, start)
        return stretch

    def _join(self) -> None:
        """A clause without cues: only its lists ("A, B và C"; "…; Nghị định số B")."""
        text, reading = self.text, self.reading
        seen: list[int] = []
        lists: dict[int, list[int]] = {}
        head = self.members[0][0]
        for k, (i, lo) in enumerate(self.members):
            reading.clause[i] = head
            joiner = _joiner_before(text, max(lo, self.starts[i] - _JOIN_WINDOW), self.starts[i]) if k else None
            partner = None
            if joiner:  # the nearest earlier citation of its type (after ";", one of the clause's own)
                partner = next((j for j in reversed(seen) if self.types[j] == self.types[i]
                                and (joiner != ";" or reading.top[j])), None)
            if partner is not None:
                reading.group[i] = reading.group[partner]
                reading.top[i] = reading.top[partner]
                lists.setdefault(reading.group[i], [reading.group[i]]).append(i)
            else:
                reading.top[i] = not k or joiner == ";"  # (an item of its own after ";": "…; Luật số B")
            seen.append(i)
        reading.lists.extend(lists.values())


_SPECK_CHARS = " \t\r,.'`_~"  # what OCR leaves after a colon that ends a line ("… sau: ,"), besides spaces


def _past_specks(text: str, at: int) -> int:
    """Where the text after ``at`` goes on past OCR's specks before a line break, and past a table's head line."""
    j = at
    while j < len(text) and text[j] in _SPECK_CHARS:
        j += 1
    j = j if text[j:j + 1] == "\n" or j == at else at
    head = _TABLE_HEAD.match(text, j + 1 if text[j:j + 1] == "\n" else j)  # (a table's head line after it)
    return head.end() if head else j


def _colon_before(text: str, at: int) -> int:
    """Where the ":" that ends the words before ``at`` is, past spaces, OCR's specks and a table's head line;
    -1 if none."""
    while text.rfind(":", max(0, at - 8), at + 1) < 0:  # (a loop, not a recursion: any number of head lines)
        end = at
        while end > 0 and text[end - 1] in " \t\r\n":  # (past blank lines OCR left)
            end -= 1
        line = text.rfind("\n", 0, end) + 1
        if not (line and _TABLE_HEAD.match(text, line)):
            return -1
        at = line - 1
    j = at
    while j > max(0, at - 8) and (text[j - 1] in _SPECK_CHARS or text[j - 1] == "\n"):
        j -= 1
    return j - 1 if j and text[j - 1] == ":" else -1


def _marker(text: str, at: int, listing: str | None = None) -> str | None:
    """How the clause at ``at`` is marked as a list item, if it is one; in a list of lettered
    items (``listing``), one digit is OCR's reading of a letter ("4)" for "đ)")."""
    m = _ITEM.match(text, at)
    if m is None:
        return None
    if m.lastgroup == "digit" and listing == "letter" and m.group().lstrip()[1:] == ")":
        return "letter"
    return m.lastgroup


_WRAPPED_JOINER = re.compile(r"\n[ \t]*(?:và|va|hoặc|hoac)\s|\s(?:và|va|hoặc|hoac)[ \t]*\n")


def _joiner_before(text: str, lo: int, hi: int) -> str | None:
    """How the citation at ``hi`` joins the one before: the joiner ("và", ",", ";") that
    ``text[lo:hi]`` ends with, before the citation's name ("…, Nghị định số", "… và số",
    "…; Luật Đất đai số", "…, 34/QĐ-UBND"); None if it ends otherwise."""
    at = max(text.rfind(",", lo, hi), text.rfind(";", lo, hi), text.rfind(" và ", lo, hi), text.rfind(" va ", lo, hi),
             text.rfind(" hoặc ", lo, hi), text.rfind(" hoac ", lo, hi))
    line = text.rfind("\n", max(lo, at), hi)
    # (a joiner the last wrapped line opens or ends, a blank line after it too: "… trung ương\nvà Nghị định số",
    # "… số A và\n\nsố B"; "v" or "h" after it, or "a" or "c" before it, first)
    if line >= 0 and (text[line + 1:line + 8].lstrip(" \t")[:1] in "vhVH" or text[line - 8:line].rstrip(" \t\n")[-1:] in "aàcặ"):
        m = _WRAPPED_JOINER.search(text, max(lo, line - 7), min(hi, line + 8))
        if m is not None and m.start() > at:
            at = m.start()
    if at < 0 or text.count(" ", at, hi) > _NAME_WORDS + 4:
        return None
    return _named_after_joiner(text[at:hi])


@per_vocabulary(maxsize=16384)
def _named_after_joiner(tail: str) -> str | None:
    """The joiner ``tail`` opens with, if the rest only names a citation: "các", parts
    ("Điều 3"), a type word and a name, "số" (cached: the same few recur)."""
    ws = words(tail)
    if tail[0] in ",;":
        joiner = _JOINERS[tail[0]]
    elif ws and ws[0] in _JOINERS:
        joiner = _JOINERS[ws.pop(0)]
    else:
        return None
    k = 0
    while k < len(ws) and (_plural(ws[k]) or _part(ws, k)
                           or ws[k] == "cua" and k >= 2 and _part(ws, k - 2)):  # ("điểm c khoản 1 Điều 64 của")
        k += 1 if _plural(ws[k]) or ws[k] == "cua" else 2
    rest = ws[k:]
    if rest and (_SO.fullmatch(rest[-1]) or rest[-1][0].isdigit()):
        rest.pop()
    if not rest:
        return joiner  # "…, 34/QĐ-UBND", "… và số 009/CĐ-UBND"
    named = _names().scan(rest[:4], {0})
    return joiner if named and named[0][2] not in ("with", _BODY) and len(rest) - named[0][1] <= _NAME_WORDS else None


def ends_clause(text: str, lo: int, hi: int) -> bool:
    """Does a clause end in ``text[lo:hi]``?"""
    return _last_break(text, lo, hi) is not None


def _last_break(text: str, lo: int, hi: int) -> tuple[int, int, bool] | None:
    """The last clause end in ``text[lo:hi]``: (start, end, at a line break?), or None."""
    # (the latest of each mark, looked for again before the one tried only when that one is not an end)
    dot, semi, line = text.rfind(".", lo, hi), text.rfind(";", lo, hi), text.rfind("\n", lo, hi)
    while True:
        at = max(dot, semi, line)
        if at < 0:
            return None
        if at == semi:
            semi = text.rfind(";", lo, at)
            if _BREAK.match(text, at) and not _continues(text[at + 1:min(hi, at + 61)]):
                return at, at + 1, False
        else:
            start = at
            while start > lo and text[start - 1] in " \t":
                start -= 1
            m = HARD_BREAK.match(text, start) or (HARD_BREAK.match(text, at) if start != at else None)
            if m and m.end() <= hi:
                return m.start(), m.end(), m.group().startswith("\n") or "\n" in m.group()
            if at == dot:
                dot = text.rfind(".", lo, at)
            else:
                line = text.rfind("\n", lo, at)


# --- relations -------------------------------------------------------------------------

def stated(mentions: Sequence[Mention], reading: Reading) -> list[Relation]:
    """The relations a :class:`Reading` found, between the mentions' instruments."""
    found = []
    for kind, source, target, start, end in reading.statements:
        a, b = mentions[source].instrument, mentions[target].instrument
        if a.key != b.key:
            found.append(Relation(kind, a, b, start, max(end, mentions[target].end, mentions[source].end)))
    return found


def based_on(text: str, mentions: Sequence[Mention], own, reading: Reading) -> list[Relation]:
    """``based_on`` relations from the document (``own``: its instrument or None) to each
    citation a "Căn cứ …" clause lists (it goes on past a ";" or "và" before another instrument,
    "Căn cứ Nghị định số A …; Nghị định số B …"), not those inside another's title
    ("Căn cứ Luật sửa đổi, bổ sung một số điều của Luật số A …": the basis is the
    amending law, not A), but with what amends one ("Căn cứ Nghị định số A (được sửa đổi bởi Nghị định số B)")."""
    found = []
    first = _BASIS_AT_START.match(text)
    openers = [first.span()] if first else []
    openers += [m.span(1) for m in _BASIS_AFTER_BREAK.finditer(text)]
    for start, opener_end in openers:
        i = bisect.bisect_left(mentions, opener_end, key=_START)
        if i == len(mentions) or mentions[i].start - opener_end > MAX_GAP \
                or _last_break(text, opener_end, mentions[i].start) is not None:
            continue  # "Căn cứ Luật Đất đai ngày …;": no citation in the clause
        if i + 1 < len(mentions) and reading.clause[i + 1] == reading.clause[i]:  # read with others
            end = i  # (a clause's citations are in a row)
            while end < len(mentions) and reading.clause[end] == reading.clause[i]:
                end += 1
            listed = [j for j in range(i, end) if reading.top[j]]
            # (and what amends a basis, named in its clause: "Căn cứ Thông tư số A …, đã được sửa đổi, bổ sung
            # bởi Thông tư số B": the basis is A as amended)
            listed += sorted({s.source for s in reading.statements if s.kind == RelationKind.AMENDS
                              and s.target in listed and i <= s.source < end and s.source not in listed})
        else:  # only its list, "…, Nghị định số B", and the items after ";" ("…; Luật số C")
            listed = [i] if reading.top[i] else []
            while listed and listed[-1] + 1 < len(mentions):
                a, b = mentions[listed[-1]], mentions[listed[-1] + 1]
                if not joined(text, a.end, b.start) or a.instrument.doc_type != b.instrument.doc_type \
                        and _joiner_before(text, max(a.end, b.start - _JOIN_WINDOW), b.start) not in (";", "và"):
                    break
                listed.append(listed[-1] + 1)
        for j in listed:
            if own is None or mentions[j].instrument.key != own.key:
                found.append(Relation(RelationKind.BASED_ON, own, mentions[j].instrument, start, mentions[j].end))
    return found


def joined(text: str, end: int, start: int) -> bool:
    """Is the citation at ``start`` listed right after the one ending at ``end``: "A và B",
    "A, Nghị định số B", "A; số B" (the same type is the caller's to check)?"""
    if start - end > _LINK_GAP:
        return False
    return _joiner_before(text, max(end, start - _JOIN_WINDOW), start) is not None \
        and _last_break(text, end, start) is None


def unique(relations: Sequence[Relation]) -> list[Relation]:
    """Each relation once per document (first evidence kept)."""
    seen, out = set(), []
    for r in relations:
        key = (r.kind, r.source.key if r.source else None, r.target.key)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
