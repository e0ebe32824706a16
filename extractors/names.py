"""Laws and codes cited by name ("Luật Đất đai", "Bộ luật Lao động năm 2019").

A name is a head ("Luật", "Bộ luật", "Pháp lệnh" in ``vocab/law_names.yaml``,
its first letter a capital), then a word with a capital, then the words of the
name up to a stop word ("quy định", "của", "và" …), a number, a date or a
punctuation mark (a comma only inside a short name followed by a lower-case
word: "Luật Phòng, chống tham nhũng"); a name the vocabulary knows (``known``)
is read whole first, its own stop words included. "năm 2019" after it is its year. A name
followed by a citation ("Luật Đất đai số 31/2024/QH15") is that instrument's
name: it teaches the name index (:mod:`kg.names`). "Luật sửa đổi, bổ sung một
số điều của Luật X": the amending law has no name here (it is cited by its
number); "Luật X" inside it is a name, but never the name of the number that
follows (that is the amending law's). Pure functions; offsets into the text as given.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from kg.model import Mention, NameMention

from . import context
from .normalize import fold_lower, folded
from .vocab import per_vocabulary, vocabulary

_NAME_WORDS = 8  # words a name may have after its head
_HEAD_REACH = 120  # how far before a number the head of a name its type comes from may be
_WORD = re.compile(r"([ \t]*)(,?)[ \t]*([^\s,;:.()\[\]\"“”'‘’/]+)")
_YEAR = re.compile(r"[ \t]*,?[ \t]*n\S{1,2}m[ \t]+((?:19|20)\d\d)(?!\d)")  # "năm 2019" (folded)
_FOLLOWED = re.compile(r"[ \t]*(?:,?[ \t]*n\S{1,2}y[^;\n]{0,40}?)?(?:s\S{0,2}[ \t]*:?)?[ \t]*$")  # "ngày …, số"


@per_vocabulary(maxsize=1)
def _patterns() -> tuple[re.Pattern, tuple[re.Pattern, ...], dict[str, tuple[tuple[str, ...], ...]], re.Pattern, re.Pattern]:
    """(heads, the same by their capital, stop phrases as word tuples by their first word, an
    amending title just before a name, and before one of the names it lists)."""
    v = vocabulary().law_names
    heads = sorted(v["heads"], key=len, reverse=True)
    alternatives: dict[str, list[str]] = {}  # by capital
    for head in heads:
        ws = fold_lower(head).split()
        # the head's first letter a capital (so the many lower-case words like it are not tried),
        # every word by its folded letters (checked after); a capital first, then whether a word
        # ends before it: a pattern that opens with a letter is searched for much faster
        rest = [rf"\S{{{max(0, len(w) - 2)},{len(w) + 1}}}" for w in ws]
        capital = ws[0][0].upper()
        words = [rf"{capital}(?<![^\W_]{capital}){rest[0]}",
                 *(rf"[{w[0]}{w[0].upper()}]{r}" for w, r in zip(ws[1:], rest[1:]))]
        alternatives.setdefault(capital, []).append(r"[ \t]+".join(words))
    pattern = re.compile(rf"(?:{'|'.join(a for alts in alternatives.values() for a in alts)})(?=[ \t]+\S)")
    # (one pattern for each capital: a pattern that opens with one letter is searched for faster still)
    by_capital = tuple(re.compile(rf"(?:{'|'.join(alts)})(?=[ \t]+\S)") for alts in alternatives.values())
    # (as written, lower case; folded for a word OCR left without diacritics: "nhũng" is no "những")
    stops: dict[str, tuple[tuple[str, ...], ...]] = {}
    for stop in sorted({tuple(s.lower().split()) for s in v["stops"]} | {tuple(fold_lower(s).split()) for s in v["stops"]},
                       key=len, reverse=True):
        stops[stop[0]] = (*stops.get(stop[0], ()), stop)
    amending = "|".join(r"\s+".join(map(re.escape, fold_lower(a).split())) for a in v["amending"])
    # (right after "Luật sửa đổi … của", or after another name of that title and "và" or ",")
    return pattern, by_capital, stops, re.compile(rf"(?:{amending})[^;.\n]{{0,80}}c\S{{0,2}}a\s*$"), \
        re.compile(rf"(?:{amending})[^;.\n]{{0,160}}(?:c\S{{0,2}}a|\bv\S?a|,)\s*$")


@per_vocabulary(maxsize=1)
def _known() -> tuple[dict[str, re.Pattern], int]:
    """For each head (folded), a pattern of the known names after it, matched on the folded
    text right after the head; and how far the longest reaches."""
    bodies: dict[str, list[str]] = {}
    heads = sorted(vocabulary().law_names["heads"], key=len, reverse=True)  # (the longest that opens the name)
    for name in vocabulary().law_names["known"]:
        head = next(h for h in heads if name.startswith(h + " "))
        bodies.setdefault(_head_key(head), []).append(fold_lower(name[len(head):]).strip())
    patterns = {head: re.compile(rf"[ \t]+{context.trie_pattern(names)}(?![^\W_])") for head, names in bodies.items()}
    return patterns, 2 * max((len(n) for names in bodies.values() for n in names), default=0)


@per_vocabulary(maxsize=1)
def _heads() -> frozenset[str]:
    return frozenset(map(_head_key, vocabulary().law_names["heads"]))


@lru_cache(maxsize=1024)  # (a text's heads are the same few words)
def _head_key(head: str) -> str:
    """A head as the tables hold it: folded, one space between its words ("Bộ  luật" → "bo luat")."""
    return " ".join(fold_lower(head).split())


def names(text: str, mentions: Sequence[Mention]) -> list[NameMention]:
    """Every law or code ``text`` cites by name; ``mentions`` are its numbered citations."""
    _, by_capital, stops, amending, amending_list = _patterns()
    known, reach = _known()
    head_keys, amending_words = _heads(), tuple(map(fold_lower, vocabulary().law_names["amending"]))
    found: list[NameMention] = []
    k = 0
    for h in _heads_in(text, by_capital):
        head = h.group()
        if not head[0].isupper() or (key := _head_key(head)) not in head_keys:
            continue
        while k < len(mentions) and mentions[k].end <= h.start():
            k += 1
        if k < len(mentions) and mentions[k].start < h.end():
            continue  # inside a symbol
        limit = mentions[k].start if k < len(mentions) else len(text)
        at, words = h.end(), list[str]()
        if (pattern := known.get(key)) is not None \
                and (k_name := pattern.match(folded(text[at:min(limit, at + reach)]))):
            words, at = text[at:at + k_name.end()].split(), at + k_name.end()  # a known name, read through its stops
        while len(words) < _NAME_WORDS:
            w = _WORD.match(text, at, limit)
            if w is None or "\n" in w.group(1) and words:
                break
            word = w.group(3)
            low = fold_lower(word) if word.isascii() else word.lower()
            if not words and (not word[0].isupper() or not word[0].isalpha()):
                break  # "Luật này", "Luật số …": no name
            if words and (w.group(2) and (len(words) > 2 or not word[0].islower())):
                break  # a comma ends a name, but in "Luật Phòng, chống …"
            if any(map(str.isdigit, word)) or words and _stop_at(text, w.start(3), limit, low, stops):
                break
            if words and word[0].isupper() and fold_lower(word) in head_keys:
                break  # "Luật Đất đai Luật Nhà ở" (a list without commas)
            words.append(word)
            at = w.end()
        if not words:
            continue
        first = fold_lower(" ".join(words[:2]))
        if first.startswith(amending_words):
            continue  # "Luật Sửa đổi, bổ sung …": an amending law, cited by its number
        end = at
        name = " ".join(text[h.start():end].split())
        # In an amending law's title ("Luật sửa đổi … của Luật X và Luật Y ngày …") the date after a name
        # is the amending law's; so is the number right after "của Luật X" (the number after a name it lists
        # is that law's own: "… của Luật Đất đai, Luật Nhà ở số 27/2023/QH15").
        before = ""  # (the words before the name, folded only where they matter: few names have a date or number)
        year = None
        y = _YEAR.match(folded(text[end:end + 16]))
        if y:
            year, end = int(y.group(1)), end + y.end()
        else:  # "Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015": the year of its date
            d = context.DATE.match(text, end + len(text[end:end + 4]) - len(text[end:end + 4].lstrip(" \t,")))
            day = d and context.spelled_date(d["date"])
            if day:
                before = _folded_before(text, h.start())
                year = None if amending_list.search(before) else day.year
        instrument = None
        if k < len(mentions) and mentions[k].start - end < 60 \
                and _FOLLOWED.match(folded(text[end:mentions[k].start])) \
                and not amending.search((before or _folded_before(text, h.start()))[-120:]):
            instrument = mentions[k].instrument  # "Luật Đất đai số 31/2024/QH15"
        key = " ".join(re.sub(r"[^\w\s]", " ", fold_lower(name)).split())
        found.append(NameMention(h.start(), end, text[h.start():end], name, key, year, instrument))
    return found


def _heads_in(text: str, by_capital: Sequence[re.Pattern]) -> Iterator[re.Match]:
    """The same as ``heads.finditer(text)`` of the pattern of all heads, from the patterns of
    each capital (only one of them can match at a place): the next match of each is kept, and
    searched for again once the last one found has passed it."""
    ahead = [p.search(text) for p in by_capital]
    while (found := [m for m in ahead if m is not None]):
        h = min(found, key=lambda m: m.start())
        yield h
        ahead = [m if m is None or m.start() >= h.end() else p.search(text, h.end()) for m, p in zip(ahead, by_capital)]


def head_type_before(text: str, at: int) -> str | None:
    """The document type of a name's head that opens the sentence part just before a number at
    ``at`` ("Pháp lệnh Ưu đãi người có công với cách mạng số …" → PL), or None."""
    window = text[max(0, at - _HEAD_REACH):at]
    # (a line break OCR'd text wraps at is no end; a blank line is)
    window = window[max(max(window.rfind(c) for c in ";:.("), window.rfind("\n\n") + 1) + 1:]
    (heads, _, _, amending, _), types = _patterns(), vocabulary().doc_types
    for h in reversed(list(heads.finditer(window))):
        head = _head_key(h.group())
        if h.group()[0].isupper() and head in _heads():
            if amending.search(folded(window[:h.start()])):
                return None  # "Luật sửa đổi … của Pháp lệnh X số …": the number is the amending law's
            return next((code for code, t in types.items() if any(fold_lower(w) == head for w in t.words)), None)
    return None


def _folded_before(text: str, at: int) -> str:
    """The words before a name at ``at``, folded, as far back as an amending law's title may reach."""
    return folded(text[max(0, at - 200):at])


def _stop_at(text: str, at: int, limit: int, low: str, stops) -> bool:
    """Does a stop phrase start with the word at ``at`` (folded ``low``)?"""
    for stop in stops.get(low, ()):
        if len(stop) == 1:
            return True
        window = text[at:min(limit, at + 40)]
        following = (fold_lower(window) if low.isascii() else window.lower()).split()
        if tuple(w.strip(",;.") for w in following[:len(stop)]) == stop:
            return True
    return False
