"""The vocabulary, loaded from the YAML files in ``extractors/vocab/``.

Everything the extractors know about Vietnamese documents (type codes and
words, issuers, provinces, relation cues) comes from those files; this module
only turns them into lookup tables, once.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .normalize import fold_lower

VOCAB_DIR = Path(__file__).with_name("vocab")

# OCR reads Đ as D, P or B (and Ð, which folding already turns into D).
_D_STROKE_READINGS = ("D", "P", "B")


def _load(name: str):
    with open(VOCAB_DIR / f"{name}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=16384)
def _code_key(code: str) -> str:
    """Lookup key of a symbol code: accent-free upper case (``HĐND`` → ``HDND``)."""
    return fold_lower(code).upper()


def _ocr_readings(code: str) -> set[str]:
    """Keys under which OCR may show ``code``: each Đ read as D, P or B."""
    parts = re.split("(Đ)", unicodedata.normalize("NFC", code))
    slots = [(_D_STROKE_READINGS if p == "Đ" else (p,)) for p in parts]
    return {_code_key("".join(choice)) for choice in itertools.product(*slots)}


@dataclass(frozen=True)
class DocType:
    code: str
    vi: str
    en: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Issuer:
    code: str
    vi: str
    en: str
    level: str  # national | provincial | district
    names: tuple[str, ...] = ()
    pattern: re.Pattern | None = None

    @property
    def national(self) -> bool:
        return self.level == "national"


@dataclass(frozen=True)
class Jurisdiction:
    name: str
    code: str | None
    names: tuple[str, ...]


@dataclass(eq=False)  # hashable by identity, for the look-up cache
class Vocabulary:
    doc_types: dict[str, DocType]
    issuers: dict[str, Issuer]
    jurisdictions: dict[str, Jurisdiction]
    relation_cues: dict[str, dict[str, tuple[str, ...]]]
    form_words: tuple[str, ...]  # "mẫu số …", "Phụ lục …": a number that is not a citation
    ocr_letters: dict[str, str]  # what OCR writes inside words → the letter meant ("d6i" → "doi")
    units: tuple[str, ...] = ()  # office codes after an issuer (STNMT-QLĐĐ)
    defaults: dict = field(default_factory=dict)  # types of symbols without one (defaults.yaml)
    _codes: dict[str, str] = field(default_factory=dict)  # lookup key → canonical code
    _families: tuple[Issuer, ...] = ()  # issuers known by a pattern (QH15, UBTVQH14 …)
    _prefixes: frozenset[str] = frozenset()  # every beginning of a lookup key

    def __post_init__(self) -> None:
        self._families = tuple(i for i in self.issuers.values() if i.pattern is not None)
        canonical = list(self.doc_types) + list(self.issuers) + list(self.units)
        # Real codes first, so an OCR reading never shadows a code that exists (CP is not CĐ).
        for code in canonical:
            self._codes.setdefault(_code_key(code), code)
        for code in canonical:
            for key in _ocr_readings(code):
                self._codes.setdefault(key, code)
        self._prefixes = frozenset(key[:n] for key in self._codes for n in range(1, len(key) + 1))

    @lru_cache(maxsize=8192)
    def canonical_code(self, raw: str) -> str | None:
        """The vocabulary code that ``raw`` (as OCR'd) stands for, or None.

        ``ND`` → ``NĐ``, ``HPND`` → ``HĐND``, ``QHI5`` → ``QH15``, ``TTTLT`` → ``TTLT``.
        """
        key = _code_key(raw)
        if key in self._codes:
            return self._codes[key]
        fixed = re.sub(r"(?<=[A-Z])[IL](?=\d)|(?<=\d)[IL]", "1", key)
        for issuer in self._families:
            if issuer.pattern.fullmatch(fixed):
                return fixed
        # One doubled letter too many (TTTLT → TTLT), a common OCR stutter.
        for i in range(1, len(key)):
            if key[i] == key[i - 1] and (key[:i] + key[i + 1 :]) in self._codes:
                return self._codes[key[:i] + key[i + 1 :]]
        return None

    def is_code(self, raw: str) -> bool:
        """Is ``raw`` exactly a vocabulary code (or an OCR reading of one), with no repair?"""
        return _code_key(raw) in self._codes

    def longest_code(self, text: str, shortest: int = 1) -> int:
        """The length of the longest beginning of ``text``, at least ``shortest`` long,
        that :meth:`is_code` (0 if none): ``TTgngay`` → 3 (TTg)."""
        key = _code_key(text)
        if len(key) != len(text):  # folding changed the length: try each beginning as written
            return next((n for n in range(len(text), shortest - 1, -1) if self.is_code(text[:n])), 0)
        longest = 0
        for n in range(1, len(key) + 1):
            if key[:n] not in self._prefixes:
                break  # no code begins like this: nor with more letters
            if n >= shortest and key[:n] in self._codes:
                longest = n
        return longest

    @lru_cache(maxsize=8192)
    def issuer(self, code: str) -> Issuer | None:
        """The issuer a canonical code names, families (QH15 → QH) included."""
        if code in self.issuers:
            return self.issuers[code]
        return next((issuer for issuer in self._families if issuer.pattern.fullmatch(code)), None)

    def is_doc_type(self, code: str) -> bool:
        return code in self.doc_types

    @lru_cache(maxsize=8192)
    def doc_type_reading(self, raw: str) -> str | None:
        """A document type that ``raw`` is an OCR reading of, where ``raw`` is itself
        another code (``CP`` written for ``CĐ`` in "021/CP-UBND")."""
        key = _code_key(raw)
        for i, ch in enumerate(key):
            if ch in _D_STROKE_READINGS:
                code = self._codes.get(key[:i] + "D" + key[i + 1:])
                if code and code in self.doc_types and "Đ" in code:
                    return code
        return None


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary, loaded once per process."""
    doc_types = {
        code: DocType(code, d["vi"], d["en"], tuple(d.get("words", ())))
        for code, d in _load("doc_types").items()
    }
    issuers: dict[str, Issuer] = {}
    for level, entries in _load("issuers").items():
        for code, d in entries.items():
            pattern = re.compile(d["pattern"]) if d.get("pattern") else None
            issuers[code] = Issuer(code, d["vi"], d["en"], level, tuple(d.get("names", ())), pattern)
    jurisdictions = {
        name: Jurisdiction(name, d.get("code"), tuple(d.get("names", ())))
        for name, d in _load("jurisdictions").items()
    }
    cues = {
        kind: {role: tuple(words or ()) for role, words in d.items()}
        for kind, d in _load("relations").items()
    }
    form_words = tuple(_load("not_citations")["before"])
    ocr_letters = {str(k): v for k, v in _load("ocr")["inside_words"].items()}
    units = tuple(_load("units"))
    return Vocabulary(doc_types, issuers, jurisdictions, cues, form_words, ocr_letters, units, _load("defaults"))
