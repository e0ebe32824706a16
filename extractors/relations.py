"""Relations the text states between instruments.

Two citations in one sentence with a cue between them: "A sửa đổi, bổ sung một
số điều của B" gives A amends B; a passive cue ("A được sửa đổi, bổ sung bởi
B") turns it round. A "Căn cứ …" clause gives ``based_on`` from the document
itself to each citation in it. Cue words live in ``vocab/relations.yaml``.
"""
from __future__ import annotations

import bisect
import operator
import re
from functools import lru_cache
from typing import Sequence

from kg.model import Mention, Relation, RelationKind

from .context import SENTENCE_BREAK, SPACE, SPACES, Phrases, sentence_end, words
from .vocab import vocabulary

# "Căn cứ" opening a clause at a line start (OCR: Can ctr, Cin cu). Looked for
# after each line break (a literal first character lets the scan skip ahead
# fast; "(?m)^" would be tried at every character), and at the very start.
_BASIS = rf"[{SPACES}\-+•]*[cC]\S{{1,2}}[nN]{SPACE}+[cC]\S{{1,3}}(?!\w)"
_BASIS_AT_START, _BASIS_AFTER_BREAK = re.compile(_BASIS), re.compile(rf"\n({_BASIS})")
_MAX_GAP = 160  # characters between two citations for a cue to join them
_START = operator.attrgetter("start")


@lru_cache(maxsize=1)
def _cues() -> Phrases:
    """Relation cues, valued (kind, passive?): passive cues first ("được sửa đổi bởi"
    contains "sửa đổi"), then the longest, so the first listed found wins."""
    entries = [((RelationKind(kind), role == "passive"), cue)
               for kind, roles in vocabulary().relation_cues.items()
               for role, cues in roles.items() if role in ("active", "passive") for cue in cues]
    entries.sort(key=lambda e: (not e[0][1], -len(words(e[1]))))
    return Phrases(entries)


@lru_cache(maxsize=16384)
def _cue_between(gap: str):
    """The cue in the text between two citations, or None. Cached on the text as
    written ("và", " (thay thế Quyết định số " recur), then on its words."""
    return _cue_in(tuple("#" if w[0].isdigit() else w for w in words(gap)))


@lru_cache(maxsize=16384)
def _cue_in(gap: tuple[str, ...]):
    """The cue among the words between two citations (numbers and dates as "#", so
    that the same wording recurs and the look-up is cached), or None."""
    return _cues().first_anywhere(gap)


def relations_between(text: str, mentions: Sequence[Mention]) -> list[Relation]:
    """Relations stated between consecutive citations of one sentence."""
    found: list[Relation] = []
    for a, b in zip(mentions, mentions[1:]):
        if b.start - a.end > _MAX_GAP or SENTENCE_BREAK.search(text, a.end, b.start):
            continue
        cue = _cue_between(text[a.end:b.start])
        if cue and a.instrument.key != b.instrument.key:
            kind, passive = cue
            source, target = (b, a) if passive else (a, b)
            found.append(Relation(kind, source.instrument, target.instrument, a.start, b.end))
    return found


def based_on(text: str, mentions: Sequence[Mention], own) -> list[Relation]:
    """``based_on`` relations from the document (``own``: its instrument or None) to each
    citation inside a "Căn cứ …" clause (up to the end of its sentence)."""
    found = []
    first = _BASIS_AT_START.match(text)
    clauses = [first.span()] if first else []
    clauses += [m.span(1) for m in _BASIS_AFTER_BREAK.finditer(text)]
    for start, opener_end in clauses:
        end = sentence_end(text, opener_end)
        inside = slice(bisect.bisect_left(mentions, opener_end, key=_START), bisect.bisect_left(mentions, end, key=_START))
        for mention in mentions[inside]:
            if own is None or mention.instrument.key != own.key:
                found.append(Relation(RelationKind.BASED_ON, own, mention.instrument, start, mention.end))
    return found


def unique(relations: Sequence[Relation]) -> list[Relation]:
    """Each relation once per document (first evidence kept)."""
    seen, out = set(), []
    for r in relations:
        key = (r.kind, r.source.key if r.source else None, r.target.key)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
