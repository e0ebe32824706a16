"""Measure the extractor on hand-annotated documents (``kg evaluate``).

A corpus is a folder of texts ``NAME[.VARIANT].txt``, each with its gold
file ``NAME[.VARIANT].gold.jsonl`` (for the variant ``clean``, ``NAME.gold.jsonl``
too), as in ``../shared/corpus/dev``; gold rows follow that corpus's
CONVENTIONS.md. The extractor runs in-process on each text as ``kg extract
--json`` would print it, and is scored as ``score_corpus.py`` scores it:

* mentions: per document, multiset matching of ids (NFC, no spaces) →
  precision, recall, F1;
* type and issuer over matched mentions, paired in reading order within an id
  (an issuer is right when equal, or when one is the other followed by ``-…``);
* date per instrument: for every gold id found, the set of dates predicted for
  it must equal the gold's;
* relations: sets of (relation, from, to) per document, ``based_on`` apart
  (scored only in documents whose gold has ``based_on`` rows).

Every score keeps its errors (misses, false hits, wrong attributes and
relations) with their context, for ``kg evaluate --errors``.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extractors.vocab import Vocabulary

__all__ = ["Gold", "Error", "Score", "GoldError", "load_gold", "score_document", "evaluate_file",
           "corpus_files", "evaluate_corpus", "markdown_rows", "score_rows", "SCORE_COLUMNS", "VARIANT_ORDER"]

# The variants of corpus/dev, in the order a table shows them; others follow by name.
VARIANT_ORDER = ("clean", "ocr-vie", "ocr-eng", "ocr-noisy")
NO_VARIANT = "texts"  # the variant of a NAME.txt without one
CONTEXT_CHARS = 50  # characters shown either side of an error


class GoldError(ValueError):
    """A gold file that cannot be used; the message names the file and the problem."""


def norm_id(value) -> str:
    """A symbol as compared: NFC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", str(value)))


def norm_attr(value) -> str | None:
    """An attribute as compared: NFC, no whitespace, case folded; None when empty."""
    if value is None:
        return None
    return norm_id(value).casefold() or None


def issuer_matches(found, expected) -> bool:
    """Equal issuers, or one the other followed by ``-…`` (``BCA-C06`` for ``BCA``)."""
    f, e = norm_attr(found), norm_attr(expected)
    if f is None or e is None:
        return f == e
    return f == e or e.startswith(f + "-") or f.startswith(e + "-")


@dataclass
class Gold:
    """A document's gold annotation: mention rows in reading order, and relations."""

    mentions: list[dict]
    relations: set[tuple[str, str, str]]


def _relation(row: dict) -> tuple[str, str, str]:
    return str(row["relation"]), norm_id(row["from"]), norm_id(row["to"])


def load_gold(path: str | Path) -> Gold:
    """Read a gold JSON Lines file; :class:`GoldError` names the line of a bad row."""
    mentions, relations = [], set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise GoldError(f"{path}: cannot read: {e}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldError(f"{path}:{n}: invalid JSON: {e.msg}") from None
        if not isinstance(row, dict):
            raise GoldError(f"{path}:{n}: not a JSON object")
        if "relation" in row:
            if not all(isinstance(row.get(k), str) for k in ("relation", "from", "to")):
                raise GoldError(f"{path}:{n}: a relation needs 'relation', 'from' and 'to'")
            relations.add(_relation(row))
        elif isinstance(row.get("id"), str):
            mentions.append(row)
        else:
            raise GoldError(f"{path}:{n}: neither a mention (with 'id') nor a relation")
    return Gold(mentions, relations)


@dataclass
class Error:
    """One thing the extractor got wrong in one document."""

    document: str
    kind: str  # missed, false, type, issuer, date, relation missed, relation false
    item: str  # the symbol, or the relation "from relation to"
    expected: str | None = None
    found: str | None = None
    line: int | None = None
    context: str | None = None

    def describe(self) -> str:
        what = f"{self.kind}: {self.item}"
        if self.kind in ("type", "issuer", "date"):
            what += f": expected {self.expected}, found {self.found}"
        where = f" (line {self.line})" if self.line else ""
        return f"{self.document}: {what}{where}" + (f"\n    {self.context}" if self.context else "")


_COUNTS = ("docs", "gold", "pred", "tp", "type_ok", "issuer_ok", "instruments", "dates_ok",
           "rel_gold", "rel_pred", "rel_tp", "bo_gold", "bo_pred", "bo_tp", "failed")


@dataclass
class Score:
    """Counts over one document or many (``+=`` adds them up), and the errors behind them."""

    docs: int = 0
    gold: int = 0  # gold mentions
    pred: int = 0  # mentions found
    tp: int = 0  # mentions found that are in the gold
    type_ok: int = 0
    issuer_ok: int = 0
    instruments: int = 0  # gold instruments found (dates are scored per instrument)
    dates_ok: int = 0
    rel_gold: int = 0  # relations other than based_on
    rel_pred: int = 0
    rel_tp: int = 0
    bo_gold: int = 0  # based_on, in documents whose gold has some
    bo_pred: int = 0
    bo_tp: int = 0
    failed: int = 0  # documents that could not be read or scored
    errors: list[Error] = field(default_factory=list)

    def __iadd__(self, other: Score) -> Score:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        return self

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    @property
    def precision(self) -> float | None:
        return self._ratio(self.tp, self.pred)

    @property
    def recall(self) -> float | None:
        return self._ratio(self.tp, self.gold)

    @property
    def f1(self) -> float | None:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else (None if not self.gold and not self.pred else 0.0)

    @property
    def type_accuracy(self) -> float | None:
        return self._ratio(self.type_ok, self.tp)

    @property
    def issuer_accuracy(self) -> float | None:
        return self._ratio(self.issuer_ok, self.tp)

    @property
    def date_accuracy(self) -> float | None:
        return self._ratio(self.dates_ok, self.instruments)

    @property
    def relation_recall(self) -> float | None:
        return self._ratio(self.rel_tp, self.rel_gold)

    @property
    def relation_precision(self) -> float | None:
        return self._ratio(self.rel_tp, self.rel_pred)

    @property
    def based_on_recall(self) -> float | None:
        return self._ratio(self.bo_tp, self.bo_gold)

    @property
    def based_on_precision(self) -> float | None:
        return self._ratio(self.bo_tp, self.bo_pred)

    def as_dict(self, errors: bool = False) -> dict:
        """The counts and measures (rounded to 4 places), and the errors if asked."""
        out: dict = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "errors"}
        for name in ("precision", "recall", "f1", "type_accuracy", "issuer_accuracy", "date_accuracy",
                     "relation_recall", "relation_precision", "based_on_recall", "based_on_precision"):
            value = getattr(self, name)
            out[name] = None if value is None else round(value, 4)
        if errors:
            out["errors"] = [{k: v for k, v in vars(e).items() if v is not None} for e in self.errors]
        return out


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _context(text: str, start: int, end: int) -> str:
    """The text around ``start:end`` on one line, the span marked «…»."""
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    around = text[lo:start] + "«" + text[start:end] + "»" + text[end:hi]
    return ("…" if lo else "") + " ".join(around.split()) + ("…" if hi < len(text) else "")


def _gold_spans(text: str, rows: list[dict]) -> list[tuple[int, int] | None]:
    """Where each gold mention is written: its own offsets, else its surface found in reading order."""
    spans: list[tuple[int, int] | None] = []
    at = 0
    for row in rows:
        start, end = row.get("start"), row.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text):
            spans.append((start, end))
            continue
        surface = str(row.get("surface") or row["id"])
        # Spaces and line breaks inside a surface may differ from the text's.
        pattern = r"\s*".join(re.escape(part) for part in surface.split())
        m = re.compile(pattern).search(text, at) or re.compile(pattern).search(text)
        spans.append(m.span() if m else None)
        if m:
            at = m.end()
    return spans


def _date(value) -> str | None:
    return norm_attr(value)


def _dates(rows: Iterable[dict]) -> set[str]:
    """The distinct dates the rows give, as compared."""
    return {d for row in rows if (d := _date(row.get("date"))) is not None}


def score_document(name: str, text: str, gold: Gold, rows: Iterable[dict]) -> Score:
    """Score one document's extracted rows (``kg extract --json`` rows) against its gold."""
    s = Score(docs=1)
    found = [r for r in rows if "relation" not in r and r.get("id") is not None]
    found_relations = {_relation(r) for r in rows if "relation" in r}
    s.gold, s.pred = len(gold.mentions), len(found)

    def error(kind, item, start=None, end=None, **kw):
        where = {} if start is None else {"line": _line_of(text, start), "context": _context(text, start, end)}
        s.errors.append(Error(name, kind, item, **kw, **where))

    gold_by_id: dict[str, list[tuple[dict, tuple | None]]] = defaultdict(list)
    for row, span in zip(gold.mentions, _gold_spans(text, gold.mentions)):
        gold_by_id[norm_id(row["id"])].append((row, span))
    found_by_id: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(found, key=lambda r: r["start"] if isinstance(r.get("start"), int) else 0):
        found_by_id[norm_id(row["id"])].append(row)

    for key, golds in gold_by_id.items():
        preds = found_by_id.get(key, [])
        for (g, _span), p in zip(golds, preds):
            s.tp += 1
            for attr, ok in (("type", norm_attr(p.get("type")) == norm_attr(g.get("type"))),
                             ("issuer", issuer_matches(p.get("issuer"), g.get("issuer")))):
                if ok:
                    setattr(s, f"{attr}_ok", getattr(s, f"{attr}_ok") + 1)
                else:
                    error(attr, g["id"], p.get("start"), p.get("end"), expected=g.get(attr), found=p.get(attr))
        for g, span in golds[len(preds):]:
            error("missed", g["id"], *(span or (None, None)))
        if preds:
            s.instruments += 1
            gold_dates = _dates(g for g, _ in golds)
            dated = _dates(preds)
            if gold_dates == dated:
                s.dates_ok += 1
            else:
                p = next((p for p in preds if _date(p.get("date")) not in gold_dates), preds[0])
                error("date", golds[0][0]["id"], p.get("start"), p.get("end"),
                      expected=", ".join(sorted(gold_dates)) or None, found=", ".join(sorted(dated)) or None)
    for key, preds in found_by_id.items():
        for p in preds[len(gold_by_id.get(key, [])):]:
            error("false", p["id"], p.get("start"), p.get("end"))

    evidence = {_relation(r): (r.get("start"), r.get("end")) for r in rows if "relation" in r}
    for based_on in (False, True):
        expected = {r for r in gold.relations if (r[0] == "based_on") == based_on}
        got = {r for r in found_relations if (r[0] == "based_on") == based_on}
        if based_on and not expected:
            continue  # based_on is scored only where the gold annotates it
        tp = len(expected & got)
        if based_on:
            s.bo_gold, s.bo_pred, s.bo_tp = len(expected), len(got), tp
        else:
            s.rel_gold, s.rel_pred, s.rel_tp = len(expected), len(got), tp
        for r in sorted(expected - got):
            error("relation missed", f"{r[1]} {r[0]} {r[2]}")
        for r in sorted(got - expected):
            start, end = evidence[r]
            error("relation false", f"{r[1]} {r[0]} {r[2]}",
                  *((start, end) if isinstance(start, int) and isinstance(end, int) else (None, None)))
    return s


def _extract_rows(path: Path, jurisdiction: str | None, vocabulary: Vocabulary | None) -> tuple[str, list[dict]]:
    """The text of ``path`` as read, and what ``kg extract --json`` prints for it."""
    from extractors import extract
    from kg import readers
    from kg.model import citation_rows  # the rows users and score_corpus.py see

    text = readers.read(path)
    return text.content, list(citation_rows(extract(text, jurisdiction=jurisdiction, vocabulary=vocabulary)))


def evaluate_file(text_path: str | Path, gold_path: str | Path, *, name: str | None = None,
                  jurisdiction: str | None = None, vocabulary: Vocabulary | None = None) -> Score:
    """Extract one text (with ``vocabulary``, None: the bundled one) and score it against its gold file.

    A text that cannot be read or a gold that cannot be used counts as a failed
    document (and every gold row of a readable gold as missed), with the reason
    among its errors.
    """
    from kg import readers

    name = name or Path(text_path).name
    try:
        gold = load_gold(gold_path)
    except GoldError as e:
        return Score(docs=1, failed=1, errors=[Error(name, "failed", str(e))])
    try:
        text, rows = _extract_rows(Path(text_path), jurisdiction, vocabulary)
    except readers.ReadError as e:
        s = score_document(name, "", gold, [])
        s.failed = 1
        s.errors.insert(0, Error(name, "failed", f"{text_path}: {e.reason}"))
        return s
    return score_document(name, text, gold, rows)


def _variant_key(variant: str) -> tuple:
    return (VARIANT_ORDER.index(variant), "") if variant in VARIANT_ORDER else (len(VARIANT_ORDER), variant)


def corpus_files(folder: str | Path) -> Iterator[tuple[str, Path, Path | None]]:
    """(variant, text, gold or None) for every ``NAME[.VARIANT].txt`` in ``folder``, variants in table order."""
    found = []
    for text in Path(folder).glob("*.txt"):
        stem = text.name[:-len(".txt")]
        name, dot, variant = stem.partition(".")
        variant = variant if dot else NO_VARIANT
        candidates = [text.with_name(f"{stem}.gold.jsonl")]
        if variant == "clean":
            candidates.append(text.with_name(f"{name}.gold.jsonl"))
        gold = next((g for g in candidates if g.is_file()), None)
        found.append((variant, text, gold))
    return iter(sorted(found, key=lambda f: (_variant_key(f[0]), f[1].name)))


def evaluate_corpus(folder: str | Path, *, jurisdiction: str | None = None, vocabulary: Vocabulary | None = None,
                    on_document: Callable[[str, Path, Score | None], None] | None = None) -> dict[str, Score]:
    """Score every annotated text of a corpus folder: one :class:`Score` per variant, in table order.

    ``on_document(variant, text, score)`` is called after each text (score None:
    a text without a gold file, left out).
    """
    scores: dict[str, Score] = {}
    for variant, text, gold in corpus_files(folder):
        if gold is None:
            if on_document:
                on_document(variant, text, None)
            continue
        one = evaluate_file(text, gold, jurisdiction=jurisdiction, vocabulary=vocabulary)
        scores.setdefault(variant, Score()).__iadd__(one)
        if on_document:
            on_document(variant, text, one)
    return scores


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _fraction(ok: int, n: int) -> str:
    return f"{ok}/{n}" if n else "–"


#: Columns of the table ``kg evaluate`` prints (:func:`score_rows`).
SCORE_COLUMNS = ["variant", "docs", "mentions", "found", "p", "r", "f1", "type", "issuer", "date",
                 "relations", "rel_p", "based_on", "bo_p"]


def score_rows(scores: dict[str, Score]) -> list[dict]:
    """The rows of ``kg evaluate``'s table (:data:`SCORE_COLUMNS`): one per variant, then, when there
    are several, one for ``all`` of them."""
    if len(scores) > 1:
        total = Score()
        for s in scores.values():
            total += s
        scores = {**scores, "all": total}
    return [{"variant": v, "docs": s.docs, "mentions": s.gold, "found": s.pred, "p": _cell(s.precision),
             "r": _cell(s.recall), "f1": _cell(s.f1), "type": _cell(s.type_accuracy),
             "issuer": _cell(s.issuer_accuracy), "date": _cell(s.date_accuracy),
             "relations": f"{s.rel_tp}/{s.rel_gold}", "rel_p": _cell(s.relation_precision),
             "based_on": f"{s.bo_tp}/{s.bo_gold}", "bo_p": _cell(s.based_on_precision)}
            for v, s in scores.items()]


TABLE_HEADER = ("| corpus | docs | mentions | P | R | F1 | type | issuer | date | relations "
                "| relation P | based_on | based_on P |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def markdown_rows(label: str, scores: dict[str, Score]) -> list[str]:
    """One Markdown table row per variant (under :data:`TABLE_HEADER`), labelled ``label, variant``."""
    rows = []
    for variant, s in scores.items():
        name = label if variant == NO_VARIANT else f"{label}, {variant}"
        rows.append(f"| {name} | {s.docs} | {s.gold} | {_cell(s.precision)} | {_cell(s.recall)} | {_cell(s.f1)} "
                    f"| {_cell(s.type_accuracy)} | {_cell(s.issuer_accuracy)} | {_cell(s.date_accuracy)} "
                    f"| {_fraction(s.rel_tp, s.rel_gold)} | {_cell(s.relation_precision)} "
                    f"| {_fraction(s.bo_tp, s.bo_gold)} | {_cell(s.based_on_precision)} |")
    return rows
