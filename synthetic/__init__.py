"""Seeded synthetic Vietnamese administrative reports, with gold citation annotations.

Each report is a provincial department's BÁO CÁO: a header with its own symbol,
optional "Căn cứ" clauses, numbered sections of administrative prose citing
legal instruments in the phrasings real reports use, relation sentences
("... sửa đổi, bổ sung một số điều của ..."), and distractors that are not
citations (ratios, dates, ISO/QCVN codes, form codes, blank "…/QĐ-UBND").

The text can then be damaged like real Vietnamese OCR (``noise`` 0 = clean,
about 0.5 = the shared real scan, 1 = worse): diacritics lost or garbled,
``Đ`` read as D/P/B, ``l``/``1`` confusions, broken symbols, hard-wrapped lines.
The gold rows follow ``/work/shared/corpus/CONVENTIONS.md`` and are computed by
tracking each mention's span through the damage, never by re-finding it.

The same ``seed`` gives the same reports at every noise level (only the
damage differs), so extraction quality can be compared across noise levels.

    >>> for r in generate(3, seed=1, noise=0.5): print(r.name, len(r.gold))

Vocabulary and templates live in ``data.yaml`` beside this file.
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import json
import random
import re
import sys
import time
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from kg.model import slugify

__all__ = ["SyntheticReport", "generate", "write_corpus", "big_text", "load_data", "main"]

DATA_FILE = Path(__file__).with_name("data.yaml")

# Latest date any instrument or report gets: keeps "issued before the report".
_LAST_YEAR = 2025
_REPORT_YEARS = (2019, _LAST_YEAR)


@functools.lru_cache(maxsize=4)
def load_data(path: str | Path = DATA_FILE) -> dict:
    """The generator's vocabulary (parsed once per path)."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@dataclass(frozen=True)
class SyntheticReport:
    """One generated report: its text, gold rows and header metadata.

    ``gold`` holds mention rows ``{"line","surface","id","type","date","issuer"}``
    in text order, then relation rows ``{"relation","from","to","line"}``.
    ``meta`` describes the report itself (``symbol``, ``type``, ``issuer``,
    ``date``, ``jurisdiction``, ``title``, plus ``department``, ``seed``,
    ``index``, ``noise``).
    """

    name: str
    text: str
    gold: list[dict]
    meta: dict

    def gold_jsonl(self) -> str:
        return "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in self.gold)


# --------------------------------------------------------------------------
# Instruments and pools


class _Inst:
    """An instrument a report can cite (canonical values, NFC)."""

    __slots__ = ("symbol", "type", "issuer", "date", "words", "issuers", "title", "scope")

    def __init__(self, symbol, type_, issuer, date, words, issuers, title, scope):
        self.symbol = symbol
        self.type = type_
        self.issuer = issuer
        self.date: dt.date = date
        self.words: tuple[tuple[str, str], ...] = words  # (type word, type code) choices
        self.issuers: tuple[str, ...] = issuers  # names of the issuing body
        self.title = title
        self.scope = scope  # national | local | dept


class _Weighted:
    """Instruments with Zipf-like weights: a few cited very often, most rarely."""

    def __init__(self, items: list[_Inst], exponent: float):
        self.items = items
        acc, self.cum = 0.0, []
        for rank in range(len(items)):
            acc += 1.0 / (rank + 1) ** exponent
            self.cum.append(acc)

    def draw(self, rng: random.Random, before: dt.date) -> _Inst | None:
        """An instrument issued on or before ``before`` (None if none found quickly)."""
        total = self.cum[-1]
        for _ in range(12):
            inst = self.items[bisect.bisect_left(self.cum, rng.random() * total)]
            if inst.date <= before:
                return inst
        return None


# random.choice/randint cost several calls each; these run ~1M times per
# 1,000 reports, so use one random() call instead.
def _choice(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _randint(rng: random.Random, a: int, b: int) -> int:
    return a + int(rng.random() * (b - a + 1))


def _rand_date(rng: random.Random, year: int) -> dt.date:
    return dt.date.fromordinal(dt.date(year, 1, 1).toordinal() + int(rng.random() * 365))


def _number(rng: random.Random, lo: int, hi: int, pad: int = 0) -> str:
    n = _randint(rng, lo, hi)
    # Small numbers are often written with a leading zero (05/CT-TTg).
    if pad or (n < 10 and rng.random() < 0.5):
        return str(n).zfill(pad or 2)
    return str(n)


class _Pool:
    """All instruments of one seed: national ones, and per province / department."""

    def __init__(self, data: dict, seed: int):
        self.data = data
        self.seed = seed
        self.type_words = {code: tuple(ws) for code, ws in data["types"].items()}
        self.type_codes = set(self.type_words)
        rng = random.Random(f"pool:{seed}")
        items: list[_Inst] = []
        seen: set[str] = set()
        by_symbol: dict[str, _Inst] = {}
        self.relations: list[tuple[str, _Inst, _Inst]] = []
        for f in data["famous"]:
            inst = self._famous(f)
            items.append(inst)
            seen.add(inst.symbol)
            by_symbol[inst.symbol] = inst
        for f in data["famous"]:
            for kind, target in f.get("relations", ()):
                self.relations.append((kind, by_symbol[f["symbol"]], by_symbol[target]))
        tail: list[_Inst] = []
        ctx = {"province": "", "dept": ""}
        for kind in data["national_kinds"]:
            tail += self._make_kind(rng, kind, seen, "national", ctx, years=(2005, _LAST_YEAR))
        rng.shuffle(tail)
        self.national = _Weighted(items + tail, 1.05)
        self.relations = self._by_date(self.relations + self._make_relations(rng, items + tail))
        self._provinces: dict[str, _Province] = {}

    # -- building

    def _famous(self, f: dict) -> _Inst:
        sym = f["symbol"]
        date = f["date"] if isinstance(f["date"], dt.date) else dt.date.fromisoformat(f["date"])
        m = re.fullmatch(r"\d+/\d{4}/(QH\d+)", sym)
        if m:  # a law of the National Assembly
            words = ((f"Luật {f['name']}", "LUẬT"),)
            return _Inst(sym, "LUẬT", m.group(1), date, words, ("Quốc hội",), "", "national")
        m = re.fullmatch(r"\d+-(\w+)/(\w+)", sym)  # Party: 46-CT/TW
        if m:
            type_, issuer = m.groups()
        else:
            m = re.fullmatch(r"\d+(?:/\d{4})?/([^/-]+)-(.+)", sym)
            if m and m.group(1) in self.type_codes:
                type_, issuer = m.groups()
            else:  # no type part (118/TTg): the word used decides the type
                issuer = (m.group(1) if m else sym.split("/")[1])
                type_ = next(c for c, ws in self.type_words.items() if f["word"] in ws)
        words = tuple((w, type_) for w in self.type_words[type_][:1]) if "word" not in f else ((f["word"], type_),)
        return _Inst(sym, type_, issuer, date, words, self._national_names(issuer), f.get("title", ""), "national")

    def _national_names(self, issuer: str) -> tuple[str, ...]:
        names = self.data["national_issuers"]
        return tuple(names.get(issuer) or names.get(issuer.rstrip("0123456789"), [issuer]))

    def _title_patterns(self, type_: str, issuer: str) -> list[str]:
        titles = self.data["titles"]
        return titles.get(f"{type_}-{issuer}") or titles.get(type_) or ["về {topic}"]

    def _make_kind(self, rng, kind: dict, seen: set, scope: str, ctx: dict, years, issuer_names=None,
                   count: int | None = None) -> list[_Inst]:
        """``count`` instruments of one kind from ``national_kinds``/``local_kinds``.

        ``years`` is a (first, last) range or a function drawing a year.
        """
        out = []
        data, tw = self.data, self.type_words
        form, type_ = kind["form"], kind["type"]
        issuer = ctx["dept_code"] if kind.get("dept") else kind.get("issuer", "")
        lo, hi = kind["numbers"]
        pad = kind.get("pad", 0)
        draw_year = years if callable(years) else (lambda r, a=years[0], b=years[1]: _randint(r, a, b))
        topics, hazards = data["topics"], data["hazards"]
        fmt = {"hazard": "", **ctx}
        # Letters get their type from the word used for them (one per letter).
        letter_words = {c: tuple((w, c) for w in tw[c]) for c in kind.get("words", ())}
        plain_words = tuple((w, type_) for w in tw.get(type_, ()))
        names = (issuer_names or {}).get(issuer) or self._national_names(issuer)
        patterns = {}
        for _ in range(count if count is not None else kind["count"]):
            for _try in range(20):
                year = draw_year(rng)
                num = _number(rng, lo, hi, pad)
                code, words, inst_issuer = type_, plain_words, issuer
                if form == "year":
                    sym = f"{num}/{year}/{type_}-{issuer}"
                elif form == "noyear":
                    sym = f"{num}/{type_}-{issuer}"
                elif form == "party":
                    sym = f"{num}-{type_}/{issuer}"
                elif form == "law":
                    inst_issuer = next(t for a, b, t in data["assembly_terms"] if a <= year < b)
                    sym = f"{num}/{year}/{inst_issuer}"
                    words = ((f"Luật {_choice(rng, data['law_names'])}", "LUẬT"),)
                elif form == "letter":
                    sym = f"{num}/{issuer}-{_choice(rng, kind.get('units') or ctx['dept_units'])}"
                    code = _choice(rng, kind["words"])
                    words = letter_words[code]
                else:
                    raise ValueError(f"unknown form {form!r}")
                # Local numbers repeat across years: identity is symbol + year.
                key = sym if form in ("year", "law") or scope == "national" else f"{sym}@{year}"
                if key not in seen:
                    break
            else:
                continue
            seen.add(key)
            if form == "law":
                title = ""
            else:
                pats = patterns.get(code) or patterns.setdefault(code, self._title_patterns(code, issuer))
                fmt["topic"], fmt["year"] = _choice(rng, topics), year
                if code == "CĐ":
                    fmt["hazard"] = _choice(rng, hazards)
                title = _choice(rng, pats).format_map(fmt)
            out.append(_Inst(sym, code, inst_issuer, _rand_date(rng, year), words,
                             ("Quốc hội",) if form == "law" else names, title, scope))
        return out

    def _make_relations(self, rng, items: list[_Inst]) -> list[tuple[str, _Inst, _Inst]]:
        """Plausible amends/guides/replaces links: always from the later instrument."""
        out = []
        for rule in self.data["relation_kinds"]:
            (ft, fi), (tt, ti) = rule["from"], rule["to"]
            froms = [i for i in items if i.type == ft and (fi == "any" or i.issuer == fi)]
            tos = sorted((i for i in items if i.type == tt and (ti == "any" or i.issuer == ti)),
                         key=lambda i: i.date)
            dates = [i.date for i in tos]
            for a in froms:
                if rng.random() >= rule["share"]:
                    continue
                n = bisect.bisect_left(dates, a.date)  # those issued before a
                if n:
                    b = tos[int(rng.random() * n)]
                    if b is not a:
                        out.append((rule["kind"], a, b))
        return out

    @staticmethod
    def _by_date(relations: list) -> list:
        return sorted(relations, key=lambda r: (r[1].date, r[1].symbol, r[2].symbol))

    def province(self, name: str) -> _Province:
        prov = self._provinces.get(name)
        if prov is None:
            prov = self._provinces[name] = _Province(self, name)
        return prov


class _Province:
    """The instruments issued in one province: UBND, HĐND, Tỉnh ủy and departments."""

    def __init__(self, pool: _Pool, name: str):
        data = pool.data
        self.pool, self.name = pool, name
        rng = random.Random(f"pool:{pool.seed}:{name}")
        self.names = {code: tuple(n.format(province=name) for n in ns) for code, ns in data["local_issuers"].items()}
        self.seen: set[str] = set()
        ctx = {"province": name, "dept": _choice(rng, data["departments"])["name"], "dept_code": ""}
        items: list[_Inst] = []
        for kind in data["local_kinds"]:
            if not kind.get("dept"):
                items += pool._make_kind(rng, kind, self.seen, "local", ctx, self._year, self.names)
        rng.shuffle(items)
        self.local = _Weighted(items, 0.6)
        self.relations = pool._by_date(pool._make_relations(rng, items))
        self.pairs = self._make_pairs(rng, items)
        self._depts: dict[tuple[str, int], list[_Inst]] = {}

    @staticmethod
    def _year(rng: random.Random) -> int:
        # Most local instruments cited are recent.
        return max(2010, _LAST_YEAR - int(rng.expovariate(1 / 3.5)))

    def _make_pairs(self, rng, items: list[_Inst]) -> list[tuple[_Inst, _Inst]]:
        """Instruments issued together (008/CĐ-UBND and 009/CĐ-UBND, same day)."""
        pairs = []
        for inst in items:
            if inst.type in ("CĐ", "QĐ", "KH") and rng.random() < 0.1:
                num, rest = inst.symbol.split("/", 1)
                nxt = str(int(num) + 1).zfill(len(num))
                key = f"{nxt}/{rest}" if re.match(r"\d{4}/", rest) else f"{nxt}/{rest}@{inst.date.year}"
                if key in self.seen:
                    continue
                self.seen.add(key)
                twin = _Inst(f"{nxt}/{rest}", inst.type, inst.issuer, inst.date, inst.words, inst.issuers,
                             inst.title, inst.scope)
                pairs.append((inst, twin))
        return pairs

    def dept(self, dept: dict, year: int) -> list[_Inst]:
        """The department's own instruments of one year (built on first use)."""
        key = (dept["code"], year)
        insts = self._depts.get(key)
        if insts is None:
            rng = random.Random(f"pool:{self.pool.seed}:{self.name}:{dept['code']}:{year}")
            ctx = {"province": self.name, "dept": dept["name"], "dept_code": dept["code"],
                   "dept_units": dept["units"]}
            names = {dept["code"]: (f"Giám đốc {dept['name']}", dept["name"])}
            insts, seen = [], set()  # its symbols can only clash within the year
            for kind in self.pool.data["local_kinds"]:
                if kind.get("dept"):
                    n = max(1, kind["count"] + _randint(rng, -1, 1))
                    insts += self.pool._make_kind(rng, kind, seen, "dept", ctx, (year, year), names, n)
            self._depts[key] = insts
        return insts


@functools.lru_cache(maxsize=8)
def _pool(seed: int) -> _Pool:
    return _Pool(load_data(), seed)


# --------------------------------------------------------------------------
# OCR damage


def _base_letter(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).replace(
        "đ", "d").replace("Đ", "D")


_VN_LETTERS = "".join(
    ch
    for fam in ("aáàảãạ", "ăắằẳẵặ", "âấầẩẫậ", "eéèẻẽẹ", "êếềểễệ", "iíìỉĩị", "oóòỏõọ", "ôốồổỗộ",
                "ơớờởỡợ", "uúùủũụ", "ưứừửữự", "yýỳỷỹỵ", "đ")
    for ch in (fam + fam.upper())
    if _base_letter(ch) != ch
)


class _Mix:
    """A tiny deterministic ``random()`` (splitmix64): unlike ``random.Random``,
    cheap to seed, which the damage cache does thousands of times a second."""

    __slots__ = ("state",)
    _M = (1 << 64) - 1

    def __init__(self, seed: int):
        self.state = seed & self._M

    def random(self) -> float:
        m = self._M
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        return ((z ^ (z >> 31)) >> 11) * (1.0 / (1 << 53))


_DIGIT_TOKENS = re.compile(r"(\S*\d\S*)")


class _Ocr:
    """Damage like real Vietnamese OCR, at one ``noise`` level.

    Text is damaged a piece (a stretch between two mentions) at a time, so
    mention spans never have to be re-found; symbols are damaged on their own
    (:meth:`symbol`). Within a piece, tokens with digits are kept and each
    stretch between them is damaged: whole words first (``số`` → ``s6``), then
    per character through one of a few translation tables (a stretch is read
    consistently, as a region of a scan is), then sparse events (``l`` → ``1``,
    lost spaces, stray marks).
    """

    N_TABLES = 16
    VARIANTS = 8

    def __init__(self, data: dict, noise: float):
        o = data["ocr"]
        self.noise = n = max(0.0, min(1.0, float(noise)))
        self.p_strip = min(1.0, 2.0 * n)  # a diacritic is lost (all lost from 0.5 on)
        self.p_garble = 0.5 * n  # ... and the vowel misread, not just plain
        self.p_word = min(1.0, 1.5 * n)  # a frequent word read the typical wrong way
        self.rate = 0.004 * n  # sparse events per character
        rng = random.Random(f"ocr-tables:{n}")
        garble = o["garble"]
        boost = {ch: float(b) for chars, b in o.get("garble_boost", {}).items() for ch in chars}
        self.tables = []
        for _ in range(self.N_TABLES):
            table = {}
            for ch in _VN_LETTERS:
                if rng.random() >= self.p_strip:
                    continue
                if ch in garble and rng.random() < self.p_garble * boost.get(ch, 1.0):
                    table[ord(ch)] = _choice(rng, garble[ch])
                else:
                    table[ord(ch)] = _base_letter(ch)
            self.tables.append(table)
        words = o["words"]
        # Each word's variants, with the word itself weighted 1 - p_word, so
        # one random() picks (this runs for every frequent word: keep it cheap).
        self.words = {}
        for w, variants in words.items():
            keep = round((1 - self.p_word) * 24)
            self.words[w] = tuple([w] * keep + [variants[i % len(variants)] for i in range(24 - keep)])
        self.word_re = re.compile(r"\b(?:{})\b".format("|".join(
            re.escape(w) for w in sorted(words, key=len, reverse=True))))
        self.letters = {k: tuple(v) for k, v in o["letters"].items()}
        self.stray = tuple(o["stray"])
        self.symbol_d = tuple(o["symbol_d"])
        self.junk = o["junk"]
        self._cache: dict[tuple[str, int], str] = {}

    def text(self, s: str, rng: random.Random) -> str:
        """``s`` (a text piece) as OCR reads it."""
        if not self.noise or len(s) < 2:
            return s
        # Tokens with digits (dates, counts) are never damaged; the text between
        # them repeats a lot, so each stretch has VARIANTS damaged readings, a
        # pure function of (text, variant): caching never changes the output.
        parts = _DIGIT_TOKENS.split(s)
        cache, nv, rand = self._cache, self.VARIANTS, rng.random
        for i in range(0, len(parts), 2):
            p = parts[i]
            if len(p) < 2:
                continue
            key = (p, int(rand() * nv))
            out = cache.get(key)
            if out is None:
                if len(cache) > 200_000:
                    cache.clear()
                out = cache[key] = self._damage(p, _Mix(zlib.crc32(p.encode("utf-8")) * nv + key[1]))
            parts[i] = out
        return parts[0] if len(parts) == 1 else "".join(parts)

    def _damage(self, s: str, rng: _Mix) -> str:
        if self.p_word:
            words, rand = self.words, rng.random
            s = self.word_re.sub(lambda m: words[m.group()][int(rand() * 24)], s)
        s = s.translate(self.tables[int(rng.random() * self.N_TABLES)])
        x = len(s) * self.rate
        k = int(x) + (rng.random() < x - int(x))
        return self._events(s, k, rng) if k and len(s) > 3 else s

    def _events(self, s: str, k: int, rng: _Mix) -> str:
        # Never at a stretch's edges: next to a mention or a digit token, so
        # symbols, dates and counts stay where the gold says they are.
        for _ in range(k):
            pos = 1 + int(rng.random() * (len(s) - 2))
            r = rng.random()
            if r < 0.45:  # a letter read as a digit or bar: l→1, I→l, O→0
                for j in range(pos, min(pos + 16, len(s) - 1)):
                    alts = self.letters.get(s[j])
                    if alts and (s[j] != "o" or rng.random() < 0.25):
                        s = s[:j] + _choice(rng, alts) + s[j + 1:]
                        break
            elif r < 0.75:  # lost space between words ("vabao")
                j = s.find(" ", pos, len(s) - 1)
                if j > 0 and s[j - 1].isalpha() and s[j + 1].isalpha():
                    s = s[:j] + s[j + 1:]
            else:  # stray mark
                a, b = s[pos - 1], s[pos]
                if not (a.isdigit() or b.isdigit() or a == "/" or b == "/"):
                    s = s[:pos] + _choice(rng, self.stray) + s[pos:]
        return s

    def symbol(self, sym: str, rng: random.Random) -> tuple[str, bool]:
        """The symbol as OCR reads it, and whether the space after it is lost."""
        n = self.noise
        if not n:
            return sym, False
        s = sym
        if "Đ" in s and rng.random() < self.p_strip:
            s = s.replace("Đ", _choice(rng, self.symbol_d))
        r = rng.random
        if r() < 0.04 * n:  # O5/ for 05/, l57/ for 157/
            if s[0] == "0":
                s = "O" + s[1:]
            elif "1" in s[:s.index("/") if "/" in s else 1]:
                s = s.replace("1", _choice(rng, "lI"), 1)
        if r() < 0.2 * n and re.search(r"/QH1\d$", s):  # QHI5 for QH15
            s = s[:-2] + _choice(rng, "Il") + s[-1]
        if "TTLT" in s and r() < 0.15 * n:
            s = s.replace("TTLT", "TTTLT")
        x = r()
        if x < 0.03 * n and "-" in s and "/" in s.split("-", 1)[0]:  # 927/QĐ TTg
            s = s.replace("-", " ", 1)
        elif x < 0.09 * n:  # a space inside the letters: 157/SKHCN-V P
            letters = [i for i in range(1, len(s)) if s[i].isalpha() and s[i - 1].isalpha()]
            if letters:
                i = _choice(rng, letters)
                s = s[:i] + " " + s[i:]
        if r() < 0.01 * n:
            s = s.replace("/", "//", 1)
        return s, r() < 0.08 * n

    def junk_line(self, rng: random.Random) -> str:
        return "".join(_choice(rng, self.junk) for _ in range(_randint(rng, 8, 24)))


@functools.lru_cache(maxsize=16)
def _ocr(noise: float) -> _Ocr:
    return _Ocr(load_data(), noise)


# --------------------------------------------------------------------------
# Templates

_SLOT = re.compile(r"\{(?:([A-Z])\.(\w+)|(\w+))\}")


@functools.cache
def _compile(text: str) -> tuple:
    """Template text → literals and slots: ``str`` | ``(letter, field)`` | ``("$", name)``."""
    out, pos = [], 0
    for m in _SLOT.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        out.append((m.group(1), m.group(2)) if m.group(1) else ("$", m.group(3)))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return tuple(out)


def _dated_letters(segs: tuple) -> frozenset:
    return frozenset(s[0] for s in segs if isinstance(s, tuple) and s[1] in ("full", "date"))


class _M:
    """A mention being built; becomes a gold row once placed in the final text."""

    __slots__ = ("id", "type", "issuer", "date", "surface", "line")

    def __init__(self, id_, type_, issuer, date):
        self.id, self.type, self.issuer, self.date = id_, type_, issuer, date
        self.surface, self.line = "", 0

    def row(self) -> dict:
        return {"line": self.line, "surface": self.surface, "id": self.id, "type": self.type,
                "date": self.date, "issuer": self.issuer}


class _Values(dict):
    """Report context for templates; distractor values are drawn when asked for."""

    def __init__(self, rng: random.Random, base: dict):
        super().__init__(base)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key == "pct":
            return str(_choice(r, (100, 100, _randint(r, 60, 99), _randint(r, 85, 100))))
        if key == "ratio":
            b = _randint(r, 4, 120)
            return f"{_choice(r, (b, _randint(r, 1, b)))}/{b}"
        if key == "count":
            return str(_randint(r, 1, 150))
        if key == "rank":
            return str(_randint(r, 1, 17))
        if key == "depts":
            return str(_randint(r, 18, 22))
        if key == "phone":
            return f"{self['phone_code']}.{_randint(r, 3500000, 3899999) // 1000}.{_randint(r, 0, 999):03d}"
        if key == "iso":
            return _choice(r, ("TCVN ISO 9001:2015", "ISO 9001:2015", "TCVN ISO 9001:2008"))
        if key == "qcvn":
            return f"QCVN {_randint(r, 1, 20):02d}:{_randint(r, 2015, 2025)}/{_choice(r, ('BCA', 'BKHCN', 'BTTTT', 'BXD'))}"
        if key == "form":
            return f"{_randint(r, 1, 12):02d}/{_choice(r, ('MTK', 'TKN', 'BC', 'HS'))}"
        if key == "blank":
            return f"{_choice(r, ('…', '...', '.....'))}/{_choice(r, ('QĐ-UBND', 'TTr-SKHCN', 'QĐ-UBND', 'NQ-HĐND'))}"
        if key == "day":
            d = _rand_date(r, self["year_int"])
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        if key == "money":
            return f"{_randint(r, 1, 99)}.{_randint(r, 0, 999):03d} triệu đồng"
        if key == "law":
            return _choice(r, self["law_names"])
        raise KeyError(key)


# --------------------------------------------------------------------------
# Building one report


def _fmt_date(rng: random.Random, d: dt.date) -> str:
    r = rng.random()
    if r < 0.45:
        return f"{d.day}/{d.month}/{d.year}"
    if r < 0.7:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if r < 0.9:
        return f"{d.day} tháng {d.month} năm {d.year}"
    return f"{d.day:02d} tháng {d.month:02d} năm {d.year}"


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")


class _Builder:
    """Builds one report as blocks of pieces (text and mentions), then renders it."""

    def __init__(self, pool: _Pool, seed: int, index: int, noise: float, size: float, wrap: bool | None,
                 provinces: Sequence[str] | None):
        self.data = d = pool.data
        self.pool = pool
        # Content and damage draw from separate streams: the same seed gives
        # the same report (and gold ids) at every noise level.
        self.rng = rng = random.Random(f"synthetic:{seed}:{index}")
        self.drng = random.Random(f"ocr:{seed}:{index}")
        self.ocr = _ocr(noise)
        self.wrap = (noise > 0) if wrap is None else wrap
        self.size = size
        provs = [p for p in d["provinces"] if not provinces or p["name"] in provinces]
        if not provs:
            raise ValueError(f"no such provinces: {provinces!r}")
        prov = _choice(rng, provs)
        self.province = pool.province(prov["name"])
        self.dept = _choice(rng, d["departments"])
        year = _randint(rng, *_REPORT_YEARS)
        period, month, d1, d2 = _choice(rng, d["periods"])
        self.date = dt.date(year, month, _randint(rng, d1, d2))
        self.period = period.format(year=year)
        self.title = _choice(rng, d["report_titles"]).format(period=self.period)
        self.symbol = f"{_randint(rng, 1, 950)}/BC-{self.dept['code']}"
        self.name = f"{slugify(prov['name'])}-{slugify(self.dept['code'])}-{year}-s{seed}-{index:06d}"
        self.values = _Values(rng, {
            "dept": self.dept["name"], "province": prov["name"], "year": str(year),
            "next_year": str(year + 1), "period": self.period, "phone_code": prov["phone"],
            "year_int": year, "law_names": d["law_names"],
        })
        self.blocks: list[tuple[list, str]] = []  # (pieces, "line" | "para")
        self.cited: list[_Inst] = []
        self.relations: list[tuple[str, object, _M, _M]] = []  # kind, from (_M | own symbol), to, anchor

    # -- choosing instruments

    def pick(self, who: str, again: bool = True) -> _Inst | None:
        """An instrument issued before the report: ``national``, ``local``, ``dept`` or ``any``."""
        rng = self.rng
        if who == "any":
            r = rng.random()
            who = "national" if r < 0.5 else "local" if r < 0.85 else "dept"
        if again and self.cited and rng.random() < 0.2:  # cited again
            previous = [i for i in self.cited if i.scope == who]
            if previous:
                return _choice(rng, previous)
        if who == "national":
            inst = self.pool.national.draw(rng, self.date)
        elif who == "local":
            inst = self.province.local.draw(rng, self.date)
        else:
            year = self.date.year - (rng.random() < 0.25)
            cands = [i for i in self.province.dept(self.dept, year) if i.date <= self.date]
            inst = _choice(rng, cands) if cands else None
        if inst is not None:
            self.cited.append(inst)
        return inst

    # -- templates → pieces

    def render(self, text: str, insts: dict[str, _Inst], shared_date: bool = False) -> tuple[list, dict]:
        """Pieces for a template, and the mentions made for each letter."""
        rng, segs = self.rng, _compile(text)
        dated = _dated_letters(segs)
        if shared_date:  # listed together and dated once: the date is everyone's
            dated = frozenset(insts)
        pieces: list = []
        buf: list[str] = []
        made: dict[str, list[_M]] = {k: [] for k in insts}
        choice: dict[str, tuple] = {}
        for seg in segs:
            if isinstance(seg, str):
                buf.append(seg)
                continue
            key, field = seg
            if key == "$":
                buf.append(self.values[field])
                continue
            inst = insts[key]
            if key not in choice:  # one word, issuer name and date form per instrument
                choice[key] = (_choice(rng, inst.words), _choice(rng, inst.issuers), _fmt_date(rng, inst.date))
            (word, code), issuer, date = choice[key]
            if field in ("ref", "full"):
                if word[:4] != "Luật" and buf and rng.random() < 0.12:
                    word = word[0].lower() + word[1:]  # "theo quyết định số ..."
                buf.append(word + (" số " if rng.random() < 0.85 else " "))
            if field in ("ref", "full", "sym"):
                m = _M(inst.symbol, code, inst.issuer, inst.date.isoformat() if key in dated else None)
                made[key].append(m)
                pieces.append("".join(buf))
                pieces.append((inst.symbol, m))
                buf = []
                if field == "full":
                    r = rng.random()
                    if r < 0.6:
                        buf.append(f" ngày {date} của {issuer}")
                    elif r < 0.85:
                        buf.append(f" ngày {date}")
                    else:  # date after the issuer still dates it
                        buf.append(f" của {issuer} ngày {date}")
            elif field == "date":
                buf.append(date)
            elif field == "issuer":
                buf.append(issuer)
            elif field == "word":
                buf.append(word)
            elif field == "title":
                if inst.title:
                    buf.append(inst.title)
                elif buf and buf[-1].endswith(" "):
                    buf[-1] = buf[-1][:-1]
            else:
                raise KeyError(f"unknown template field {field!r}")
        if buf:
            pieces.append("".join(buf))
        return pieces, made

    def cite(self, pool: str) -> list | None:
        """A sentence from a template group citing one instrument (None if none fits)."""
        tpls = self.data[pool]
        t = _choice(self.rng, tpls)
        text, who = (t["text"], t["who"]) if isinstance(t, dict) else (t, "dept")
        if who == "none":
            return self.render(text, {})[0]
        inst = self.pick(who)
        if inst is None:
            return None
        pieces, made = self.render(text, {"A": inst})
        if pool == "basis_templates":
            for m in made["A"][:1]:
                self.relations.append(("based_on", self.symbol, m, m))
        return pieces

    def relation(self) -> list | None:
        rng = self.rng
        rels = self.pool.relations if rng.random() < 0.7 else self.province.relations
        # Relations are sorted by the date of their source: take those issued by now.
        n = bisect.bisect_right(rels, self.date, key=lambda r: r[1].date)
        if not n:
            return None
        kind, a, b = rels[int(rng.random() * n)]
        pieces, made = self.render(_choice(rng, self.data["relation_templates"][kind]), {"A": a, "B": b})
        self.relations.append((kind, made["A"][0], made["B"][0], made["A"][0]))
        self.cited += [a, b]
        return pieces

    def pair(self) -> list | None:
        pairs = [p for p in self.province.pairs if p[0].date <= self.date]
        if not pairs:
            return None
        a, b = _choice(self.rng, pairs)
        return self.render(_choice(self.rng, self.data["pair_templates"]), {"A": a, "B": b}, shared_date=True)[0]

    def prose(self, text: str) -> str:
        return text.format_map(self.values)

    # -- the report

    def build(self) -> None:
        rng, d, dept = self.rng, self.data, self.dept
        prov = self.province.name
        own = _M(self.symbol, "BC", dept["code"], self.date.isoformat())
        dd = self.date
        place_date = f"{prov}, ngày {dd.day} tháng {dd.month} năm {dd.year}"
        upper_issuer = f"UBND TỈNH {prov.upper()}"
        if rng.random() < 0.5:  # the two header columns, read side by side
            gap = " " * _randint(rng, 2, 12)
            self.line([f"{upper_issuer}{gap}CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
            self.line([f"{dept['name'].upper()}{gap}Độc lập - Tự do - Hạnh phúc"])
            self.line(["Số: ", (self.symbol, own), f"{gap}{place_date}"])
        else:  # ... or one after the other
            self.line([upper_issuer])
            self.line([dept["name"].upper()])
            self.line(["Số: ", (self.symbol, own)])
            self.line([""])
            self.line(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
            self.line(["Độc lập - Tự do - Hạnh phúc"])
            self.line([""])
            self.line([place_date])
        self.para(["BÁO CÁO"])
        self.line([self.title])
        if rng.random() < 0.5:
            self.para([f"Kính gửi: {self.prose(_choice(rng, d['recipients']))}."])
        if rng.random() < 0.35:
            for _ in range(_randint(rng, 1, 3)):
                self.para(self.cite("basis_templates"))
        self.para(self.cite("intro_templates"))

        # Sections: keep the first and the result section, drop some others.
        sections = d["sections"]
        keep = [s for i, s in enumerate(sections) if i < 2 or rng.random() < 0.6]
        p_cite = 0.45
        paragraphs: list[list] = []  # body paragraphs, to sprinkle extras into
        sub_budget = max(2, round(_randint(rng, 2, 6) * self.size))
        for si, sec in enumerate(keep):
            self.para([f"{_ROMAN[si]}. {self.prose(sec['heading'])}"])
            subs = sec["subsections"]
            chosen = [s for s in subs if rng.random() < 0.7] or subs[:1]
            for ji, sub in enumerate(chosen):
                if sub_budget <= 0 and ji:
                    break
                sub_budget -= 1
                if sub["title"]:
                    self.para([f"{ji + 1}. {sub['title']}"])
                texts = list(sub["text"])
                rng.shuffle(texts)
                if sub.get("bullets"):
                    intro = [t for t in texts if t.endswith(":")]
                    if intro:
                        self.para([self.prose(intro[0])])
                        for _ in range(_randint(rng, 2, 5)):
                            item = self.cite_bullet()
                            if item:
                                self.para(item)
                        continue
                n_paras = _randint(rng, 1, 2)
                for pi in range(n_paras):
                    if pi and rng.random() < 0.25:  # 5.1., 5.2.: numbers that are not citations
                        self.para([f"{ji + 1}.{pi}. {_choice(rng, d['topics']).capitalize()}"])
                    pieces: list = []
                    for t in texts[pi * 2: pi * 2 + _randint(rng, 1, 2)]:
                        if not t.endswith(":"):
                            pieces += [self.prose(t), " "]
                    for _ in range(2):
                        if rng.random() < p_cite:
                            c = self.cite("cite_templates")
                            if c:
                                pieces += c + [" "]
                    if pieces:
                        pieces[-1] = pieces[-1].rstrip()
                        paragraphs.append(pieces)
                        self.para(pieces)
        for _ in range(_choice(rng, (0, 1, 1, 2, 3))):
            self.sprinkle(paragraphs, self.relation())
        if rng.random() < 0.2:
            self.sprinkle(paragraphs, self.pair())
        for _ in range(_randint(rng, 1, 3)):
            self.sprinkle(paragraphs, [self.prose(_choice(rng, d["distractor_templates"]))])

        rec = self.prose(_choice(rng, d["recipients"]))
        self.para([f"Trên đây là báo cáo {self.title[0].lower() + self.title[1:]} của {dept['name']}, "
                   f"kính đề nghị {rec} xem xét, tổng hợp./."])
        self.para(["Nơi nhận:"])
        self.line([f"- {rec};"])
        self.line(["- Lưu: VT."])
        if rng.random() < 0.5:
            self.line(["KT. GIÁM ĐỐC"])
            self.line(["PHÓ GIÁM ĐỐC"])
        else:
            self.line(["GIÁM ĐỐC"])
        self.para([_choice(rng, d["signers"])])

    def cite_bullet(self) -> list | None:
        cited = set(map(id, self.cited))
        for _ in range(4):  # a list names each document once
            inst = self.pick("dept", again=False)
            if inst is None or id(inst) not in cited:
                break
        else:
            return None
        if inst is None:
            return None
        return self.render(_choice(self.rng, self.data["bullet_templates"]), {"A": inst})[0]

    def sprinkle(self, paragraphs: list[list], pieces: list | None) -> None:
        """Add a sentence to the end of a random body paragraph."""
        if pieces and paragraphs:
            target = _choice(self.rng, paragraphs)
            target += [" "] + pieces

    def line(self, pieces: list) -> None:
        self.blocks.append((pieces, "line"))

    def para(self, pieces: list | None) -> None:
        if pieces:
            self.blocks.append((pieces, "para"))

    # -- damage, wrap, gold

    def finish(self) -> SyntheticReport:
        ocr, drng = self.ocr, self.drng
        noisy = ocr.noise > 0
        width = _randint(drng, 68, 80)
        out: list[str] = []
        line = 1
        page = 2
        mentions: list[_M] = []
        for bi, (pieces, kind) in enumerate(self.blocks):
            if bi:
                if kind == "line":
                    sep = "\n"
                elif noisy and drng.random() < 0.04:  # a page break: number, blank lines
                    sep = f"\n\n\n\n{page}\n\n"
                    page += 1
                else:
                    sep = "\n" if noisy and drng.random() < 0.1 else "\n\n"
                out.append(sep)
                line += sep.count("\n")
            s, marks = self.damage(pieces)
            if kind == "para" and self.wrap:
                s = _wrap(s, width, marks)
            if noisy and kind == "para" and drng.random() < 0.03 * ocr.noise * 4:
                s = " " + s  # OCR keeps a stray indent now and then
                marks = [(off + 1, m) for off, m in marks]
            for off, m in marks:
                m.line = line + s.count("\n", 0, off)
                mentions.append(m)
            out.append(s)
            line += s.count("\n")
        if noisy and drng.random() < ocr.noise:
            out.append("\n\n" + ocr.junk_line(drng))
        out.append("\n")
        gold = [m.row() for m in mentions]
        seen = set()
        for kind, src, dst, anchor in self.relations:
            frm = src if isinstance(src, str) else src.id
            key = (kind, frm, dst.id)
            if key in seen:  # each relation counts once per document
                continue
            seen.add(key)
            gold.append({"relation": kind, "from": frm, "to": dst.id, "line": anchor.line})
        meta = {
            "name": self.name, "symbol": self.symbol, "type": "BC", "issuer": self.dept["code"],
            "date": self.date.isoformat(), "jurisdiction": self.province.name, "title": self.title,
            "department": self.dept["name"], "noise": ocr.noise,
        }
        return SyntheticReport(self.name, "".join(out), gold, meta)

    def damage(self, pieces: list) -> tuple[str, list[tuple[int, _M]]]:
        """Damage a block's pieces; return its text and where each mention starts."""
        ocr, drng = self.ocr, self.drng
        buf: list[str] = []
        marks: list[tuple[int, _M]] = []
        pos = 0
        glue = False
        for p in pieces:
            if isinstance(p, str):
                t = ocr.text(p, drng)
                if glue and t.startswith(" "):  # 16/2015/NB-CPngay
                    t = t[1:]
                glue = False
            else:
                t, glue = ocr.symbol(p[0], drng)
                p[1].surface = t
                marks.append((pos, p[1]))
            buf.append(t)
            pos += len(t)
        return "".join(buf), marks


def _wrap(s: str, width: int, marks: list[tuple[int, _M]]) -> str:
    """Hard-wrap at spaces, never inside a mention (offsets stay the same)."""
    if len(s) <= width:
        return s
    # Only mentions with a space in them can be broken by wrapping.
    spans = [(off, off + len(m.surface)) for off, m in marks if " " in m.surface]

    def inside(b: int) -> int:
        for a, e in spans:
            if a < b < e:
                return a
        return -1

    lines, pos, n = [], 0, len(s)
    while n - pos > width:
        b = s.rfind(" ", pos + 1, pos + width + 1)
        while b > pos and spans and inside(b) >= 0:
            b = s.rfind(" ", pos + 1, inside(b))
        if b <= pos:  # a very long word: break after it instead
            b = s.find(" ", pos + width)
            while b > 0 and spans and inside(b) >= 0:
                b = s.find(" ", b + 1)
            if b < 0:
                break
        lines.append(s[pos:b])
        pos = b + 1
    lines.append(s[pos:])
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Public API


def generate(n: int, *, seed: int = 0, noise: float = 0.0, start: int = 0, size: float = 1.0,
             wrap: bool | None = None, provinces: Sequence[str] | None = None) -> Iterator[SyntheticReport]:
    """Yield ``n`` reports (numbered ``start`` … ``start+n-1``), deterministic for ``seed``.

    ``noise`` in [0, 1] is the OCR damage (0: clean; ~0.5: like the shared
    real scan). ``size`` scales report length (1.0 ≈ 4–5 KB, ~15 mentions). ``wrap`` hard-wraps
    lines (default: only when ``noise > 0``). ``provinces`` restricts the
    provinces drawn from. Report ``i`` is the same whatever ``n`` and ``start``.
    """
    pool = _pool(seed)
    for i in range(start, start + n):
        b = _Builder(pool, seed, i, noise, size, wrap, provinces)
        b.build()
        r = b.finish()
        r.meta.update(seed=seed, index=i)
        yield r


def write_corpus(directory: str | Path, n: int, *, seed: int = 0, noise: float = 0.0,
                 meta: bool = False, **kwargs) -> list[Path]:
    """Write ``NAME.txt`` and ``NAME.gold.jsonl`` for ``n`` reports; return the text paths.

    With ``meta=True`` also ``NAME.meta.json`` (the report's own metadata).
    Extra keyword arguments go to :func:`generate`.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in generate(n, seed=seed, noise=noise, **kwargs):
        txt = out / f"{r.name}.txt"
        txt.write_text(r.text, encoding="utf-8")
        (out / f"{r.name}.gold.jsonl").write_text(r.gold_jsonl(), encoding="utf-8")
        if meta:
            (out / f"{r.name}.meta.json").write_text(json.dumps(r.meta, ensure_ascii=False, indent=1),
                                                     encoding="utf-8")
        paths.append(txt)
    return paths


def big_text(megabytes: float, *, seed: int = 0, noise: float = 0.0, **kwargs) -> str:
    """Reports joined by blank lines until the text is ``megabytes`` MB (UTF-8) or more."""
    target = int(megabytes * 1_000_000)
    parts, size, i = [], 0, 0
    while size < target:
        for r in generate(200, seed=seed, noise=noise, start=i, **kwargs):
            parts.append(r.text)
            size += len(r.text.encode("utf-8")) + 2
            if size >= target:
                break
        i += 200
    return "\n\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("-n", type=int, default=100, help="number of reports (default 100)")
    ap.add_argument("--noise", type=float, default=0.0, help="OCR damage, 0 (clean) to 1 (default 0)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=float, default=1.0, help="report length factor (default 1)")
    ap.add_argument("--meta", action="store_true", help="also write NAME.meta.json")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    paths = write_corpus(a.directory, a.n, seed=a.seed, noise=a.noise, meta=a.meta, size=a.size)
    dt_s = time.perf_counter() - t0
    print(f"wrote {len(paths)} reports to {a.directory} in {dt_s:.2f}s", file=sys.stderr)
    return 0

