"""Relations the text states between instruments.

Two citations in one sentence with a cue between them: "A sửa đổi, bổ sung một
số điều của B" gives A amends B; a passive cue ("A được sửa đổi, bổ sung bởi
B") turns it round. A "Căn cứ …" clause gives ``based_on`` from the document
itself to each citation in it. Cue words live in ``vocab/relations.yaml``.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Sequence

from kg.model import Mention, Relation, RelationKind

from .normalize import fold_lower
from .vocab import vocabulary

_TOKEN = re.compile(r"[^\s,;:()\"“”.]+")
# "Căn cứ" opening a clause at a line start (OCR: Can ctr, Cin cu).
_BASIS = re.compile(r"(?:^|\n)[ \t\-+•]*c\S{1,2}n\s+c\S{1,3}\b")
_MAX_GAP = 160  # characters between two citations for a cue to join them


@lru_cache(maxsize=1)
def _cues() -> list[tuple[RelationKind, bool, list[str]]]:
    """(kind, passive, cue tokens): passive cues first ("được sửa đổi bởi" contains "sửa đổi"), then longest."""
    out = []
    for kind, roles in vocabulary().relation_cues.items():
        for role, words in roles.items():
            if role in ("active", "passive"):
                for w in words:
                    out.append((RelationKind(kind), role == "passive", _TOKEN.findall(fold_lower(w))))
    return sorted(out, key=lambda c: (not c[1], -len(c[2])))


def _has_cue(tokens: list[str], cue: list[str]) -> bool:
    """Does some window of ``tokens`` read like ``cue`` (OCR-tolerant)?"""
    n, target = len(cue), " ".join(cue)
    for i in range(len(tokens) - n + 1):
        window = " ".join(tokens[i:i + n])
        if window[:1] == target[:1] and SequenceMatcher(None, window, target, autojunk=False).ratio() >= 0.8:
            return True
    return False


def relations_between(lower: str, mentions: Sequence[Mention], sentence_of) -> list[Relation]:
    """Relations stated between consecutive citations of one sentence.

    ``sentence_of(offset)`` gives the sentence index of an offset.
    """
    found: list[Relation] = []
    for a, b in zip(mentions, mentions[1:]):
        if sentence_of(a.start) != sentence_of(b.start) or b.start - a.end > _MAX_GAP:
            continue
        if a.instrument.key == b.instrument.key:
            continue
        tokens = _TOKEN.findall(lower[a.end:b.start])
        for kind, passive, cue in _cues():
            if _has_cue(tokens, cue):
                source, target = (b, a) if passive else (a, b)
                found.append(Relation(kind, source.instrument, target.instrument, a.start, b.end))
                break
    return found


def based_on(lower: str, mentions: Sequence[Mention], own, clause_end) -> list[Relation]:
    """``based_on`` relations from the document (``own``: its instrument or None) to each
    citation inside a "Căn cứ …" clause. ``clause_end(offset)`` gives where a clause ends."""
    found = []
    for m in _BASIS.finditer(lower):
        end = clause_end(m.end())
        for mention in mentions:
            if m.end() <= mention.start < end and (own is None or mention.instrument.key != own.key):
                found.append(Relation(RelationKind.BASED_ON, own, mention.instrument, m.start(), mention.end))
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
