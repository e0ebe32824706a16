"""What the graph knows against an instrument at a date, and against the citations of a report.

* :func:`status_at` — an instrument's status at a date from the changes the
  graph holds (:func:`changes`): replaced or repealed (no longer in force),
  amended, or in force as far as the graph knows.
* :func:`check_extraction` / :func:`check_report` — for each instrument a
  report cites, what the graph holds against it at the report's date
  (``kg check``): replaced or repealed before then, amended, or cited with
  another date or type than the one the graph decided.

A change takes effect on the statement's ``lkg:effectiveDate`` when the text
gave one, else on the date of the instrument that makes the change (its
``eli:date_document``), else some time in that instrument's year. Design
notes: docs/instrument-pages.md ("Status").

Every function reads the store through a :data:`Select`, a function from a
SPARQL SELECT query to its rows, so the same code runs in-process
(:func:`store_select`) and in ``kg serve`` (through the query pool).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.graph import DEFAULT_BASE, INSTRUMENTS_GRAPH, RELATION_PROPERTIES
from kg.iris import IriScheme, sparql_prologue
from kg.model import Extraction, RelationKind

__all__ = [
    "Row", "Select", "store_select", "iri", "literal", "data_bases",
    "Evidence", "Change", "Status", "changes", "status_at",
    "Finding", "ReportCheck", "check_extraction", "check_report", "ReportNotFound",
]

#: One solution of a SELECT query: variable → lexical form (IRI or literal value); unbound ones absent.
Row = dict[str, str]
#: Runs a SPARQL SELECT query and returns its rows.
Select = Callable[[str], list[Row]]

#: Relations that change their target, and what the target then is.
CHANGES: dict[RelationKind, str] = {
    RelationKind.REPLACES: "replaced",
    RelationKind.REPEALS: "repealed",
    RelationKind.AMENDS: "amended",
}
#: Changes after which an instrument is no longer in force.
ENDING = ("replaced", "repealed")
_KIND_OF = {str(RELATION_PROPERTIES[k]): name for k, name in CHANGES.items()}
_MAX_ROWS = 5000  # rows a check query may return (kg serve's default limit is 10,000)


def iri(value: str) -> str:
    """``value`` as a SPARQL IRI term (ValueError for one that is not an absolute IRI)."""
    return str(ox.NamedNode(value))


def literal(value: str) -> str:
    """``value`` as a SPARQL string literal, escaped."""
    return str(ox.Literal(value))


def store_select(store) -> Select:
    """A :data:`Select` over a store opened in this process (anything with the store ``query`` method)."""

    def select(query: str) -> list[Row]:
        result = store.query(query)
        names = [v.value for v in result.variables]
        return [{name: solution[name].value for name in names if solution[name] is not None}
                for solution in result]

    return select


def data_bases(select: Select) -> list[str]:
    """The bases the stored reports' IRIs were minted under (``kg ingest --base``), default first.

    Reports and instruments share the base of one ingest (``{base}report/{key}``).
    """
    rows = select(sparql_prologue() + 'SELECT DISTINCT ?base WHERE { ?r a lkg:Report '
                               'BIND(REPLACE(STR(?r), "report/[^/]+$", "") AS ?base) }')
    found = sorted({row["base"] for row in rows if row.get("base", "").endswith("/")})
    return sorted(found, key=lambda base: base != DEFAULT_BASE) or [DEFAULT_BASE]


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


# --- changes and status ----------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """Where a report states something: the report and the span of its text."""

    report: str  # the report's IRI
    start: int
    end: int
    surface: str = ""
    source: str = ""  # the report's file


@dataclass(frozen=True)
class Change:
    """``by`` replaces, repeals or amends ``target``, as the graph holds it."""

    kind: str  # "replaced", "repealed" or "amended": what the target becomes
    target: str
    by: str  # IRI of the instrument that makes the change
    by_symbol: str | None
    by_date: dt.date | None
    by_year: int | None
    effective: dt.date | None  # when the text says the change takes effect
    evidence: tuple[Evidence, ...]

    @property
    def since(self) -> dt.date | None:
        """The date the change takes effect: as stated, else the changing instrument's date."""
        return self.effective or self.by_date

    def applies(self, at: dt.date) -> bool | None:
        """Whether the change has taken effect at ``at``; None when the graph cannot tell
        (no date, and the changing instrument's year is ``at``'s or unknown)."""
        if self.since is not None:
            return self.since <= at
        if self.by_year is None or self.by_year == at.year:
            return None
        return self.by_year < at.year

    def as_json(self) -> dict:
        return {"by": self.by_symbol, "by_iri": self.by, "since": _iso(self.since),
                "since_stated": self.effective is not None, "by_year": self.by_year,
                "evidence": [{"report": e.report, "source": e.source, "start": e.start, "end": e.end,
                              "surface": e.surface}
                             for e in self.evidence]}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def changes_query(targets: Iterable[str], limit: int = _MAX_ROWS) -> str:
    """Every statement that replaces, repeals or amends one of ``targets`` (IRIs), with its evidence."""
    values = " ".join(iri(t) for t in targets)
    kinds = " ".join(iri(str(RELATION_PROPERTIES[k])) for k in CHANGES)
    return sparql_prologue() + f"""SELECT DISTINCT ?target ?kind ?by ?bySymbol ?byDate ?byYear ?effective
                ?report ?source ?start ?end ?surface
WHERE {{
  VALUES ?target {{ {values} }}
  VALUES ?kind {{ {kinds} }}
  ?statement lkg:relationTarget ?target ; lkg:relationKind ?kind ; lkg:relationSource ?by ;
             lkg:inReport ?report ; lkg:start ?start ; lkg:end ?end .
  FILTER(?by != ?target)
  OPTIONAL {{ ?statement lkg:surface ?surface }}
  OPTIONAL {{ ?statement lkg:effectiveDate ?effective }}
  OPTIONAL {{ ?report lkg:sourceFile ?source }}
  OPTIONAL {{ ?by eli:id_local ?bySymbol }}
  OPTIONAL {{ ?by eli:date_document ?byDate }}
  OPTIONAL {{ ?by lkg:year ?byYear }}
}}
ORDER BY ?target ?kind ?by ?report ?start
LIMIT {limit}
"""


def changes(select: Select, targets: Iterable[str]) -> dict[str, list[Change]]:
    """The changes the graph holds against each of ``targets`` (IRIs), one per (kind, by)."""
    targets = list(dict.fromkeys(targets))
    grouped: dict[tuple[str, str, str], list[Row]] = {}
    for start in range(0, len(targets), 200):
        for row in select(changes_query(targets[start:start + 200])):
            grouped.setdefault((row["target"], _KIND_OF[row["kind"]], row["by"]), []).append(row)
    out: dict[str, list[Change]] = {t: [] for t in targets}
    for (target, kind, by), rows in grouped.items():
        first = rows[0]
        stated = [d for d in (_date(r.get("effective")) for r in rows) if d]
        # One decided date in the store's default graph; a store whose default graph is the
        # union of the reports' (a remote server) may hold several: the earliest, as a rule.
        dated = [d for d in (_date(r.get("byDate")) for r in rows) if d]
        evidence = tuple(sorted({Evidence(r["report"], int(r["start"]), int(r["end"]), r.get("surface", ""),
                                          r.get("source", ""))
                                 for r in rows}, key=lambda e: (e.report, e.start)))
        out[target].append(Change(kind, target, by, first.get("bySymbol"), min(dated) if dated else None,
                                  _int(first.get("byYear")), min(stated) if stated else None, evidence))
    for found in out.values():
        found.sort(key=lambda c: (c.since or dt.date.max, c.by_symbol or c.by))
    return out


@dataclass
class Status:
    """An instrument's status at a date, as far as the graph knows."""

    at: dt.date
    ended: list[Change] = field(default_factory=list)      # replaced or repealed by then
    amended: list[Change] = field(default_factory=list)    # amended by then
    undated: list[Change] = field(default_factory=list)    # may or may not have taken effect by then
    later: list[Change] = field(default_factory=list)      # take effect after ``at``

    @property
    def in_force(self) -> bool:
        """True when no replacement or repeal had taken effect at :attr:`at` (as far as the graph knows)."""
        return not self.ended


def status_at(found: Iterable[Change], at: dt.date) -> Status:
    """Sort an instrument's changes by whether they had taken effect at ``at``."""
    status = Status(at)
    for change in found:
        applies = change.applies(at)
        if applies is None:
            status.undated.append(change)
        elif not applies:
            status.later.append(change)
        elif change.kind in ENDING:
            status.ended.append(change)
        else:
            status.amended.append(change)
    return status


# --- checking a report's citations -----------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing the graph holds against a citation."""

    issue: str  # "replaced", "repealed", "amended", "date" or "type"
    symbol: str
    instrument: str  # its IRI
    change: Change | None = None
    uncertain: bool = False  # the change's date is unknown: it may not have taken effect yet
    cited: str | None = None  # what the report says (a date, a type code)
    known: str | None = None  # what the graph decided
    support: int = 0  # reports that state the decided value

    def as_json(self) -> dict:
        out: dict[str, object] = {"issue": self.issue, "symbol": self.symbol, "instrument": self.instrument}
        if self.change is not None:
            out.update(self.change.as_json(), uncertain=self.uncertain)
        else:
            out.update(cited=self.cited, known=self.known, known_by_reports=self.support)
        return out


@dataclass
class ReportCheck:
    """The findings for one report, checked at :attr:`at`."""

    source: str
    at: dt.date
    at_from: str  # "report" (its own date), "given" (--at) or "today" (it has no date)
    date: dt.date | None = None  # the report's own date
    symbol: str | None = None
    report: str | None = None  # its IRI, when it is stored
    findings: list[Finding] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # cited symbols the graph does not hold
    cited: int = 0  # instruments cited

    def as_json(self) -> dict:
        return {"source": self.source, "report": self.report, "symbol": self.symbol, "date": _iso(self.date),
                "checked_at": self.at.isoformat(), "checked_at_from": self.at_from, "cited": self.cited,
                "findings": [f.as_json() for f in self.findings], "unknown": self.unknown}


class ReportNotFound(LookupError):
    """No stored report has the key asked for."""


@dataclass(frozen=True)
class _Citation:
    """What the checked report says of one instrument it cites."""

    iri: str
    symbol: str
    date: dt.date | None
    type_code: str | None


def _known_query(targets: list[str]) -> str:
    """The decided date and type of each target, and how many report graphs state each."""
    values = " ".join(iri(t) for t in targets)
    return sparql_prologue() + f"""SELECT ?i ?p ?value ?code (COUNT(DISTINCT ?g) AS ?reports)
WHERE {{
  VALUES ?i {{ {values} }}
  VALUES ?p {{ eli:date_document eli:type_document }}
  GRAPH {iri(INSTRUMENTS_GRAPH)} {{ ?i ?p ?value }}
  OPTIONAL {{ ?value skos:notation ?code }}
  OPTIONAL {{ GRAPH ?g {{ ?i ?p ?value }} FILTER(?g != {iri(INSTRUMENTS_GRAPH)}) }}
}}
GROUP BY ?i ?p ?value ?code
"""


def _findings(select: Select, cited: list[_Citation], at: dt.date, own: set[str],
              stated: set[tuple[str, str, str]]) -> list[Finding]:
    """What the graph holds against ``cited`` at ``at``.

    A change made by the report's own instrument (``own``) or stated in the
    report itself (``stated``: (kind, by, target) IRIs) is not held against
    it: the report knows.
    """
    targets = [c.iri for c in cited]
    found: list[Finding] = []
    against = changes(select, targets)
    known: dict[tuple[str, str], tuple[str, int]] = {}
    for start in range(0, len(targets), 200):
        for row in select(_known_query(targets[start:start + 200])):
            value = row.get("code") if row["p"].endswith("type_document") else row["value"]
            key = (row["i"], "type" if row["p"].endswith("type_document") else "date")
            if value is not None and (key not in known or value < known[key][0]):
                known[key] = (value, int(row.get("reports", "0")))
    for c in cited:
        for change in against.get(c.iri, []):
            if change.by in own or (change.kind, change.by, c.iri) in stated:
                continue
            applies = change.applies(at)
            if applies is not False:
                found.append(Finding(change.kind, c.symbol, c.iri, change, uncertain=applies is None))
        for issue, said in (("date", _iso(c.date)), ("type", c.type_code)):
            decided = known.get((c.iri, issue))
            if said and decided and said != decided[0]:
                found.append(Finding(issue, c.symbol, c.iri, cited=said, known=decided[0], support=decided[1]))
    order = {"replaced": 0, "repealed": 1, "amended": 2, "date": 3, "type": 4}
    found.sort(key=lambda f: (f.symbol, order[f.issue], (f.change.by_symbol or "") if f.change else ""))
    return found


def _when(own_date: dt.date | None, at: dt.date | None, today: dt.date | None) -> tuple[dt.date, str]:
    if at is not None:
        return at, "given"
    if own_date is not None:
        return own_date, "report"
    return today or dt.date.today(), "today"


def check_extraction(select: Select, extraction: Extraction, *, at: dt.date | None = None,
                     today: dt.date | None = None, bases: list[str] | None = None) -> ReportCheck:
    """Check the citations of a report read now (it need not be stored).

    Instruments are matched by key under each base of the store
    (:func:`data_bases`). Checked at ``at``, else the report's own date, else
    ``today``.
    """
    bases = bases or data_bases(select)
    rep = extraction.report
    own_keys = {m.instrument.key for m in extraction.mentions if rep.symbol and m.instrument.symbol == rep.symbol}
    by_key = {m.instrument.key: m.instrument for m in extraction.mentions}
    keys = set(by_key) | {i.key for r in extraction.relations for i in (r.source, r.target) if i is not None}
    candidates = {f"{base}instrument/{key}": key for key in keys for base in bases}
    held: dict[str, list[str]] = {}
    names = sorted(candidates)
    for start in range(0, len(names), 500):
        query = sparql_prologue() + ("SELECT ?i WHERE { VALUES ?i { " + " ".join(iri(n) for n in names[start:start + 500])
                              + " } ?i a eli:LegalResource }")
        for row in select(query):
            held.setdefault(candidates[row["i"]], []).append(row["i"])
    when, why = _when(rep.date, at, today)
    out = ReportCheck(rep.source, when, why, rep.date, rep.symbol, cited=len(set(by_key) - own_keys))
    cited = []
    for key, inst in by_key.items():
        if key in own_keys:
            continue
        if key not in held:
            out.unknown.append(inst.symbol)
        cited += [_Citation(node, inst.symbol, inst.date, inst.doc_type or None) for node in held.get(key, [])]
    own = {node for key in own_keys for node in held.get(key, [])}
    stated = {(CHANGES[r.kind], by, target)
              for r in extraction.relations if r.kind in CHANGES and r.source is not None
              for by in held.get(r.source.key, []) for target in held.get(r.target.key, [])}
    out.findings = _findings(select, cited, when, own, stated)
    out.unknown = sorted(set(out.unknown))
    return out


def check_report(select: Select, key: str, *, at: dt.date | None = None, today: dt.date | None = None,
                 bases: list[str] | None = None) -> ReportCheck:
    """Check the citations of stored report ``key`` as the report's own graph gives them."""
    bases = bases or data_bases(select)
    schemes = {IriScheme(base).report(key): IriScheme(base) for base in bases}
    values = " ".join(iri(report) for report in schemes)
    rows = select(sparql_prologue() + f"""SELECT ?r ?source ?date ?symbol ?own WHERE {{
  VALUES ?r {{ {values} }}
  ?r a lkg:Report ; lkg:sourceFile ?source .
  OPTIONAL {{ ?r eli:date_document ?date }}
  OPTIONAL {{ ?r eli:id_local ?symbol }}
  OPTIONAL {{ ?r lkg:identifiedAs ?own }}
}}""")
    if not rows:
        raise ReportNotFound(f"no stored report with key {key!r}")
    head = rows[0]
    report = head["r"]
    graph = schemes[report].graph(key)
    own_date = _date(head.get("date"))
    when, why = _when(own_date, at, today)
    out = ReportCheck(head["source"], when, why, own_date, head.get("symbol"), report)
    claims = select(sparql_prologue() + f"""SELECT ?i ?symbol (MIN(?d) AS ?date) (MIN(?code) AS ?type) WHERE {{
  GRAPH {iri(graph)} {{
    {iri(report)} eli:cites ?i .
    ?i eli:id_local ?symbol .
    OPTIONAL {{ ?i eli:date_document ?d }}
    OPTIONAL {{ ?i eli:type_document ?t }}
  }}
  OPTIONAL {{ ?t skos:notation ?code }}
}}
GROUP BY ?i ?symbol""")
    kinds = " ".join(iri(str(RELATION_PROPERTIES[k])) for k in CHANGES)
    stated = {(_KIND_OF[r["p"]], r["by"], r["target"]) for r in select(sparql_prologue() + f"""
SELECT DISTINCT ?p ?by ?target WHERE {{ VALUES ?p {{ {kinds} }} GRAPH {iri(graph)} {{ ?by ?p ?target }} }}""")}
    cited = [_Citation(r["i"], r["symbol"], _date(r.get("date")), r.get("type")) for r in claims]
    out.cited = len(cited)
    own = {r["own"] for r in rows if r.get("own")}
    out.findings = _findings(select, cited, when, own, stated)
    return out
