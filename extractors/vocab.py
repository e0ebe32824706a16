"""The vocabulary, loaded from the YAML files in ``extractors/vocab/`` (or a folder of your own).

Everything the extractors know about Vietnamese documents (type codes and
words, issuers, provinces, relation cues) comes from those files; this module
only turns them into lookup tables, once.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from kg.model import RelationKind

from .normalize import fold_lower

VOCAB_DIR = Path(__file__).with_name("vocab")

# OCR reads Đ as D, P or B (and Ð, which folding already turns into D).
D_STROKE_READINGS = ("D", "P", "B")


class VocabularyError(ValueError):
    """A vocabulary file that does not say what it should (the message names the file and entry)."""


#: The files a vocabulary is made of (``NAME.yaml`` each).
VOCABULARY_FILES = ("dates", "defaults", "doc_types", "effective", "issuers", "jurisdictions", "law_names",
                    "not_citations", "ocr", "relations", "titles", "units")
MAX_FILE_BYTES = 4 << 20  # a vocabulary file larger than this is refused (the bundled ones are a few KB)


def _read_files(directory: Path) -> dict[str, str]:
    """The text of each vocabulary file: ``directory``'s, and the bundled one for each it does not have."""
    if not directory.is_dir():
        raise VocabularyError(f"{directory}: not a folder of vocabulary files")
    own = {path.stem: path for path in directory.iterdir() if path.suffix in (".yaml", ".yml")}
    unknown = sorted(set(own) - set(VOCABULARY_FILES))
    if unknown:
        raise VocabularyError(f"{own[unknown[0]]}: not a vocabulary file (they are {', '.join(VOCABULARY_FILES)}, "
                              f"each NAME.yaml)")
    texts = {}
    for name in VOCABULARY_FILES:
        path = own.get(name, VOCAB_DIR / f"{name}.yaml")
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise VocabularyError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MB")
            texts[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise VocabularyError(f"{path}: cannot be read: {e}") from None
    return texts


def _parsed(texts: dict[str, str], name: str):
    try:
        return yaml.safe_load(texts[name])
    except yaml.YAMLError as e:
        raise VocabularyError(f"{name}.yaml: not YAML: {' '.join(str(e).split())}") from None


RELATION_KINDS = tuple(kind.value for kind in RelationKind)
_STRS = "a list of strings"
# The fields each kind of entry may have, and what each holds ("vi" and "en" are required).
_FIELDS: dict[str, dict[str, Any]] = {
    "doc_types": {"vi": str, "en": str, "words": _STRS, "issuers": _STRS, "acts": bool, "rank": int,
                  "consolidates": bool},
    "issuers": {"vi": str, "en": str, "names": _STRS, "pattern": str, "typed": bool},
    "jurisdictions": {"code": str, "kind": str, "names": _STRS},
    "units": {"vi": str, "en": str},
}


def _checked(file: str, entries: object, fields: dict[str, Any], required: tuple[str, ...] = ("vi", "en")) -> dict[str, Any]:
    """``entries`` (a mapping of code → fields), each checked against ``fields``."""
    if not isinstance(entries, dict):
        raise VocabularyError(f"{file}: expected a mapping of entries")
    for key, entry in entries.items():
        where = f"{file}: {key}"
        if not isinstance(entry, dict):
            raise VocabularyError(f"{where}: expected a mapping of fields, got {entry!r}")
        unknown = sorted(set(entry) - set(fields))
        if unknown:
            raise VocabularyError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(fields)}")
        for name in required:
            if name not in entry:
                raise VocabularyError(f"{where}: '{name}' is missing")
        for name, value in entry.items():
            kind = fields[name]
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value) if kind == _STRS \
                else isinstance(value, kind)
            if not ok:
                raise VocabularyError(f"{where}: '{name}' should be {kind if kind == _STRS else kind.__name__}, "
                                      f"got {value!r}")
        if "pattern" in entry:
            try:
                re.compile(entry["pattern"])
            except re.error as e:
                raise VocabularyError(f"{where}: 'pattern' is not a regular expression: {e}") from None
    return entries


_STRAY_STROKES = "I1|"  # what OCR reads into a code for a stray stroke ("TTLIT"), as a lookup key has it


@lru_cache(maxsize=16384)
def _code_key(code: str) -> str:
    """Lookup key of a symbol code: accent-free upper case (``HĐND`` → ``HDND``)."""
    return fold_lower(code).upper()


def _ocr_readings(code: str, d_stroke: tuple[str, ...] = D_STROKE_READINGS) -> set[str]:
    """Keys under which OCR may show ``code``: each Đ read as D, P or B (or only those of ``d_stroke``)."""
    parts = re.split("(Đ)", unicodedata.normalize("NFC", code))
    slots = [(d_stroke if p == "Đ" else (p,)) for p in parts]
    return {_code_key("".join(choice)) for choice in itertools.product(*slots)}


@dataclass(frozen=True)
class DocType:
    code: str
    vi: str
    en: str
    words: tuple[str, ...]
    issuers: tuple[str, ...] = ()  # the only bodies that issue this type (Nghị định: the Government), if any
    acts: bool = True  # a clause of such a document opening with a cue is the document acting (not a report's)
    rank: int | None = None  # its place in the hierarchy of legal instruments (1: a law), where the type alone says it
    consolidates: bool = False  # a consolidated text: its own words speak for the instrument it consolidates


@dataclass(frozen=True)
class Issuer:
    code: str
    vi: str
    en: str
    level: str  # national | provincial | district
    names: tuple[str, ...] = ()
    pattern: re.Pattern | None = None
    typed: bool = True  # its symbols carry a type part (the National Assembly's do not: 59/2020/QH14)

    @property
    def national(self) -> bool:
        return self.level == "national"


@dataclass(frozen=True)
class Jurisdiction:
    name: str
    code: str | None
    names: tuple[str, ...]
    kind: str = "tỉnh"  # or "thành phố" (a centrally-run city)


@dataclass(eq=False)  # hashable by identity, for the look-up cache
class Vocabulary:
    doc_types: dict[str, DocType]
    issuers: dict[str, Issuer]
    jurisdictions: dict[str, Jurisdiction]
    relation_cues: dict[str, dict[str, tuple[str, ...]]]
    form_words: tuple[str, ...]  # "mẫu số …", "Phụ lục …": a number that is not a citation
    ocr_letters: dict[str, str]  # what OCR writes inside words → the letter meant ("d6i" → "doi")
    units: tuple[str, ...] = ()  # office codes after an issuer (STNMT-QLĐĐ)
    code_letters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # capitals OCR confuses (TTLI → TTLT)
    d_initials: dict[str, str] = field(default_factory=dict)  # folded word → "Đ" or "D", its first letter (đảng → Đ)
    defaults: dict = field(default_factory=dict)  # types of symbols without one (defaults.yaml)
    titles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # openers, stops, trailing (titles.yaml)
    effective_cues: tuple[str, ...] = ()  # "có hiệu lực (thi hành) (kể) từ (ngày)" (effective.yaml)
    issuing_verbs: tuple[str, ...] = ()  # "ban hành": a date before it dates every instrument listed (dates.yaml)
    law_names: dict = field(default_factory=dict)  # heads, stops of laws cited by name (law_names.yaml)
    cue_hints: tuple[str, ...] = ()  # pieces of the cues as written, OCR damage included (relations.yaml)
    not_stated: tuple[str, ...] = ()  # words before a cue that make it no statement: "đề nghị" (relations.yaml)
    noun_before: tuple[str, ...] = ()  # words after an active cue that make it a noun: "hướng dẫn tại" (relations.yaml)
    unnumbered_subjects: tuple[str, ...] = ()  # type words that in lower case before a cue are its subject
    _codes: dict[str, str] = field(default_factory=dict)  # lookup key → canonical code
    _families: tuple[Issuer, ...] = ()  # issuers known by a pattern (QH15, UBTVQH14 …)
    _prefixes: frozenset[str] = frozenset()  # every beginning of a lookup key
    digest: str = ""  # of the files it was loaded from: two loads of the same files are one vocabulary
    sources: dict[str, str] = field(default_factory=dict, repr=False)  # those files' texts

    def __reduce__(self):
        # Sent as its files, and in a process that has them already, the vocabulary loaded there
        # (so its look-ups, cached per vocabulary, are not made again for each copy received).
        return _vocabulary_from, (self.sources,)

    def __post_init__(self) -> None:
        self._families = tuple(i for i in self.issuers.values() if i.pattern is not None)
        canonical = list(self.doc_types) + list(self.issuers) + list(self.units)
        # Real codes first, so an OCR reading never shadows a code that exists (CP is not CĐ).
        for code in canonical:
            self._codes.setdefault(_code_key(code), code)
        for code in canonical:
            # (a unit's P or B is as written: offices abbreviate phát triển, phổ thông … with them, GDPT is no GDĐT)
            for key in _ocr_readings(code, ("D",) if code in self.units else D_STROKE_READINGS):
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
        # (or a stray stroke before the digits: QHI15 for QH15)
        for reading in dict.fromkeys((fixed, re.sub(r"(?<=[A-Z])[IL](?=\d\d$)", "", key))):
            if any(issuer.pattern.fullmatch(reading) for issuer in self._families if issuer.pattern is not None):
                return reading
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
        return next((issuer for issuer in self._families if issuer.pattern is not None and issuer.pattern.fullmatch(code)),
                    None)

    def is_doc_type(self, code: str) -> bool:
        return code in self.doc_types

    @lru_cache(maxsize=8192)
    def doc_type_reading(self, raw: str) -> str | None:
        """A document type that ``raw`` is an OCR reading of, where ``raw`` is itself
        another code (``CP`` written for ``CĐ`` in "021/CP-UBND"), or a capital
        misread (``TTLI`` for ``TTLT``, :attr:`code_letters`; types of three letters or more), or one
        with a stray stroke read into it (``TTLIT`` for ``TTLT``: types of four letters)."""
        key = _code_key(raw)
        for i, ch in enumerate(key):
            if ch in D_STROKE_READINGS:
                code = self._codes.get(key[:i] + "D" + key[i + 1:])
                if code and code in self.doc_types and "Đ" in code:
                    return code
        if len(key) >= 3:
            for reading in self.misread_readings(key):
                code = self._codes.get(reading)
                if code in self.doc_types and len(code) == len(key):
                    return code
        if len(key) >= 5:
            for i, ch in enumerate(key):
                code = self._codes.get(key[:i] + key[i + 1:]) if ch in _STRAY_STROKES else None
                if code in self.doc_types:
                    return code
        return None

    def misread_readings(self, raw: str) -> Iterator[str]:
        """``raw``'s lookup key with one capital OCR misread (:attr:`code_letters`) read back, each
        way it may be (``TTLI`` → ``TTLT``, ``TTLL``; ``BYI`` → ``BYT``, ``BYL``)."""
        key = _code_key(raw)
        for i, ch in enumerate(key):
            for meant in self.code_letters.get(ch, ()):
                yield key[:i] + meant + key[i + 1:]

    @lru_cache(maxsize=8192)
    def type_code(self, raw: str) -> str | None:
        """The document type ``raw`` stands for, as written or as OCR misread it; None if none."""
        code = self.canonical_code(raw)
        return code if code in self.doc_types else self.doc_type_reading(raw)

    @lru_cache(maxsize=8192)
    def glued_issuers(self, raw: str) -> tuple[str, str] | None:
        """The codes of two known issuers that OCR glued, the hyphen between them lost
        (``BNN&PTNTVKSNDTC``: BNN&PTNT, VKSNDTC); None if there are not, or if ``raw`` is itself known."""
        if len(raw) < 5 or self.canonical_code(raw) is not None:
            return None

        def known(part: str) -> str | None:  # (as written where an "&" joins its fields: BNN&PTNT)
            code = self.canonical_code(part.replace("&", ""))
            return None if code is None or self.issuer(code) is None else part if "&" in part else code

        for n in range(len(raw) - 2, 1, -1):
            head, tail = known(raw[:n]), known(raw[n:])
            if head and tail:
                return head, tail
        return None

    @lru_cache(maxsize=8192)
    def glued_type(self, raw: str) -> int:
        """How many letters of a code are a type whose hyphen OCR lost (``TTLTVKSTC`` → 4,
        TTLT): the longest type of two letters or more whose rest is three capitals or
        more, or a known code (in capitals, or as the vocabulary writes it: ``QĐTTg``); 0 if none, or if ``raw`` is itself a known code (TTCP). A type
        written as known wins over one repaired (``TTBCT``: TT and BCT, not TTB read as TB)."""
        if self.canonical_code(raw) is not None or self.doc_type_reading(raw) is not None:
            return 0
        for exact in (True, False):
            for n in range(len(raw) - 2, 1, -1):
                rest = raw[n:]
                if (not exact or self.is_code(raw[:n])) and self.canonical_code(raw[:n]) in self.doc_types \
                        and (rest.isupper() and len(rest) >= 3 or (known := self.canonical_code(rest)) is not None
                             and (rest.isupper() or known == rest)):
                    return n
        return 0

    @lru_cache(maxsize=8192)
    def issues(self, issuer: str, doc_type: str | None) -> bool:
        """Can ``issuer`` (a symbol's issuer part) issue ``doc_type``? False only where the
        vocabulary says who alone issues it (a Nghị định by the Government: ``NĐ-HĐTP`` is a slip)."""
        allowed = self.doc_types[doc_type].issuers if doc_type in self.doc_types else ()
        return not allowed or issuer.split("-")[0] in allowed


def _d_initials(words: Sequence[str]) -> dict[str, str]:
    """Folded word → the letter it begins with, "Đ" or "D"; a folded form two listed words
    share with different letters (dầu, đầu) says nothing and is left out."""
    letters: dict[str, set[str]] = {}
    for word in words:
        if len(word.split()) != 1 or word[0].lower() not in "dđ":
            raise VocabularyError(f"ocr.yaml: d_words: {word!r} should be one word beginning with D or Đ")
        letters.setdefault(fold_lower(word), set()).add("Đ" if word[0] in "Đđ" else "D")
    return {folded: found.pop() for folded, found in letters.items() if len(found) == 1}


@lru_cache(maxsize=1)
def bundled_vocabulary() -> Vocabulary:
    """The vocabulary of ``extractors/vocab/``, loaded (and checked) once per process."""
    return load_vocabulary(VOCAB_DIR)


# The vocabulary given to the extraction running in this context (extract(…, vocabulary=…)), if any.
_GIVEN: ContextVar[Vocabulary | None] = ContextVar("legal_kg_vocabulary", default=None)


def vocabulary() -> Vocabulary:
    """The vocabulary the extractors use: the one given to :func:`using`, else the bundled one."""
    return _GIVEN.get() or bundled_vocabulary()


@contextmanager
def using(given: Vocabulary | None) -> Iterator[Vocabulary]:
    """Extract with ``given`` (None: the bundled vocabulary) inside the ``with`` block."""
    token = _GIVEN.set(given)
    try:
        yield vocabulary()
    finally:
        _GIVEN.reset(token)


_F = TypeVar("_F", bound=Callable[..., Any])


def per_vocabulary(maxsize: int | None = 1) -> Callable[[_F], _F]:
    """Like ``lru_cache(maxsize)``, with what is cached kept apart for each vocabulary: for
    the tables built from it, and for the look-ups whose answer depends on it."""
    def decorate(fn: _F) -> _F:
        bundled = lru_cache(maxsize)(fn)
        given = lru_cache(maxsize)(lambda _vocabulary, *args: fn(*args))

        @functools.wraps(fn)
        def cached(*args):
            v = _GIVEN.get()
            return bundled(*args) if v is None else given(v, *args)
        return cast(_F, cached)
    return decorate


def load_vocabulary(directory: Path) -> Vocabulary:
    """The vocabulary in ``directory``: its YAML files (:data:`VOCABULARY_FILES`), each in place of
    the bundled file of that name, and the bundled ones it does not have. :class:`VocabularyError`
    names what is wrong (a file, an entry)."""
    directory = Path(directory)
    texts = _read_files(directory)
    try:
        return _vocabulary_from(texts)
    except VocabularyError as e:
        raise VocabularyError(f"{directory}: {e}") from None
    except (KeyError, TypeError, AttributeError, ValueError) as e:  # a file not shaped as the loader reads it
        raise VocabularyError(f"{directory}: a file is not shaped as the bundled one: {type(e).__name__}: {e}") from None


_LOADED: dict[str, Vocabulary] = {}  # digest → vocabulary, in this process


def _vocabulary_from(texts: dict[str, str]) -> Vocabulary:
    """The vocabulary these files' texts make (the one already made in this process, if any)."""
    digest = hashlib.sha256("".join(f"{name}\n{len(texts[name])}\n{texts[name]}" for name in VOCABULARY_FILES)
                            .encode("utf-8")).hexdigest()[:16]
    if digest not in _LOADED:
        if len(_LOADED) >= 8:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[digest] = _parse(texts, digest)
    return _LOADED[digest]


def _parse(texts: dict[str, str], digest: str) -> Vocabulary:
    """The vocabulary the files' texts state, checked."""
    doc_types = {
        code: DocType(code, d["vi"], d["en"], tuple(d.get("words", ())), tuple(d.get("issuers", ())),
                      d.get("acts", True), d.get("rank"), d.get("consolidates", False))
        for code, d in _checked("doc_types.yaml", _parsed(texts, "doc_types"), _FIELDS["doc_types"]).items()
    }
    issuers: dict[str, Issuer] = {}
    levels = _parsed(texts, "issuers")
    for level, entries in (levels or {}).items():
        if level not in ("national", "provincial", "district"):
            raise VocabularyError(f"issuers.yaml: {level}: not a level (national, provincial, district)")
        for code, d in _checked(f"issuers.yaml: {level}", entries, _FIELDS["issuers"]).items():
            pattern = re.compile(d["pattern"]) if d.get("pattern") else None
            issuers[code] = Issuer(code, d["vi"], d["en"], level, tuple(d.get("names", ())), pattern,
                                   d.get("typed", True))
    for code, d in doc_types.items():
        unknown = [i for i in d.issuers if i not in issuers]
        if unknown:
            raise VocabularyError(f"doc_types.yaml: {code}: issuers not in issuers.yaml: {', '.join(unknown)}")
    places = _checked("jurisdictions.yaml", _parsed(texts, "jurisdictions"), _FIELDS["jurisdictions"], required=())
    for name, d in places.items():
        if d.get("kind", "tỉnh") not in ("tỉnh", "thành phố"):
            raise VocabularyError(f"jurisdictions.yaml: {name}: 'kind' should be tỉnh or thành phố, got {d['kind']!r}")
    jurisdictions = {
        name: Jurisdiction(name, d.get("code"), tuple(d.get("names", ())), d.get("kind", "tỉnh"))
        for name, d in places.items()
    }
    cues = {}
    relations = dict(_parsed(texts, "relations"))
    hints = tuple(_strings("relations.yaml: hints", relations.pop("hints", None) or []))
    not_stated = tuple(_strings("relations.yaml: not_stated", relations.pop("not_stated", None) or []))
    noun_before = tuple(_strings("relations.yaml: noun_before", relations.pop("noun_before", None) or []))
    unnumbered = tuple(_strings("relations.yaml: unnumbered_subjects", relations.pop("unnumbered_subjects", None) or []))
    type_words = {fold_lower(w) for t in doc_types.values() for w in t.words}
    for word in unnumbered:
        if fold_lower(word) not in type_words:
            raise VocabularyError(f"relations.yaml: unnumbered_subjects: {word!r} is no type word of doc_types.yaml")
    for kind, roles in relations.items():
        if kind not in RELATION_KINDS:
            raise VocabularyError(f"relations.yaml: {kind}: not a relation kind ({', '.join(RELATION_KINDS)})")
        unknown = sorted(set(roles) - {"active", "passive"})
        if unknown:
            raise VocabularyError(f"relations.yaml: {kind}: unknown role(s) {', '.join(unknown)}; known: active, passive")
        cues[kind] = {role: tuple(_strings(f"relations.yaml: {kind}: {role}", phrases or []))
                      for role, phrases in roles.items()}
    for kind, roles in cues.items():
        for role, phrases in roles.items():
            for cue in phrases:
                if not any(fold_lower(hint) in fold_lower(cue) for hint in hints):  # (compared folded)
                    raise VocabularyError(f"relations.yaml: {kind}: {role}: {cue!r} holds none of the hints "
                                          f"(add a piece of it to 'hints')")
    form_words = tuple(_strings("not_citations.yaml: before", _parsed(texts, "not_citations")["before"]))
    ocr = _parsed(texts, "ocr")
    ocr_letters = {str(k): v for k, v in ocr["inside_words"].items()}
    code_letters = {str(k): tuple(_strings(f"ocr.yaml: in_codes: {k}", v)) for k, v in ocr["in_codes"].items()}
    d_initials = _d_initials(_strings("ocr.yaml: d_words", ocr.get("d_words") or []))
    units = tuple(_checked("units.yaml", _parsed(texts, "units"), _FIELDS["units"]))
    titles = _sections("titles.yaml", _parsed(texts, "titles"), ("openers", "stops", "trailing"))
    effective = _sections("effective.yaml", _parsed(texts, "effective"), ("cues",))["cues"]
    for cue in effective:
        if cue.count("(") != cue.count(")") or re.search(r"\([^()]*\(|\)[^()]*\)", cue.replace(") (", ")|(")):
            raise VocabularyError(f"effective.yaml: cues: {cue!r}: brackets should hold optional words, unnested")
    issuing = _sections("dates.yaml", _parsed(texts, "dates"), ("issuing",))["issuing"]
    law_names = _sections("law_names.yaml", _parsed(texts, "law_names"), ("heads", "stops", "amending", "known"))
    for name in law_names["known"]:
        if not any(name.startswith(head + " ") and name[len(head) + 1:][:1].isupper() for head in law_names["heads"]):
            raise VocabularyError(f"law_names.yaml: known: {name!r} should be a head and a name opening with a capital")
    return Vocabulary(doc_types, issuers, jurisdictions, cues, form_words, ocr_letters, units=units,
                      defaults=_parsed(texts, "defaults"), code_letters=code_letters, d_initials=d_initials, titles=titles,
                      effective_cues=effective, issuing_verbs=issuing, law_names=law_names, cue_hints=hints,
                      not_stated=not_stated, noun_before=noun_before, unnumbered_subjects=unnumbered, digest=digest, sources=dict(texts))


def _sections(file: str, data, names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """A file of named lists of phrases (``names``, each required and non-empty)."""
    if not isinstance(data, dict):
        raise VocabularyError(f"{file}: expected a mapping of {', '.join(names)}")
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise VocabularyError(f"{file}: unknown section(s) {', '.join(unknown)}; known: {', '.join(names)}")
    out = {}
    for name in names:
        if not data.get(name):
            raise VocabularyError(f"{file}: '{name}' is missing or empty")
        phrases = _strings(f"{file}: {name}", data[name])
        if not all(p.strip() for p in phrases):
            raise VocabularyError(f"{file}: {name}: an empty phrase")
        out[name] = tuple(phrases)
    return out


def _strings(where: str, values) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise VocabularyError(f"{where}: should be a list of strings, got {values!r}")
    return values
