"""Laws cited by name, resolved through a name index learned from the stored texts (issue 15.4).

Every report that writes a name before a number ("Luật Đất đai số 31/2024/QH15")
teaches the store that name: the instrument carries ``lkg:nameKey`` (the name
folded). A name mention ("theo Luật Đất đai", ``lkg:NameMention``) is resolved
to the instrument of that name in force at its report's date (:func:`pick`):
the latest one dated on or before it; with a year in the name ("Bộ luật Lao
động năm 2019"), the one of that year. A name no stored text teaches, or a
report with no date among several versions, stays unresolved: never a guess.
Resolutions are derived data, recomputed whole after each write
(:func:`resolve`) into :data:`kg.iris.NAMES_GRAPH` and the default
graph as ``lkg:resolvedTo``, so that a later report can teach an earlier one.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

import pyoxigraph as ox

from kg.iris import INSTRUMENTS_GRAPH, LKG, NAMES_GRAPH, sparql_prologue

__all__ = ["Candidate", "pick", "resolutions", "resolve"]


class Candidate(NamedTuple):
    """An instrument the index knows by a name: its identity, date and year (as decided)."""

    instrument: str
    date: dt.date | None
    year: int | None


def _day(candidate: Candidate) -> dt.date:
    """When a version came in: its date, else the last day of its year."""
    if candidate.date is not None:
        return candidate.date
    assert candidate.year is not None
    return dt.date(candidate.year, 12, 31)


def pick(candidates: Iterable[Candidate], report_date: dt.date | None, year: int | None = None) -> str | None:
    """The instrument a name stands for at ``report_date``, or None when the index cannot tell.

    A ``year`` in the name chooses the one of that year (if only one is). Otherwise the latest
    one dated on or before the report's date (one known only by its year counts from the end of
    it, so it must be of an earlier year); without a report date, only a name with one version.
    """
    found = {c.instrument: c for c in candidates}
    if year is not None:
        same = [c for c in found.values() if (c.date.year if c.date else c.year) == year]
        return same[0].instrument if len(same) == 1 else None
    if report_date is None:
        return next(iter(found)) if len(found) == 1 else None
    placed = [(_day(c), c.instrument) for c in found.values() if c.date or c.year is not None]
    placed = [p for p in placed if p[0] <= report_date]
    if not placed:
        return None
    placed.sort()
    if len(placed) > 1 and placed[-1][0] == placed[-2][0]:
        return None  # two of that name on one day: no telling
    return placed[-1][1]


_MENTIONS = sparql_prologue() + f"""SELECT ?m ?key ?year ?reportDate WHERE {{
  GRAPH ?g {{ ?m a lkg:NameMention ; lkg:nameKey ?key ; lkg:inReport ?r .
             OPTIONAL {{ ?m lkg:nameYear ?year }} OPTIONAL {{ ?r eli:date_document ?reportDate }} }}
  FILTER(?g != <{NAMES_GRAPH}>)
}}"""
_INDEX = sparql_prologue() + f"""SELECT DISTINCT ?i ?key ?date ?year WHERE {{
  GRAPH ?g {{ ?i lkg:nameKey ?key ; a eli:LegalResource }}
  OPTIONAL {{ GRAPH <{INSTRUMENTS_GRAPH}> {{ ?i eli:date_document ?date }} }}
  OPTIONAL {{ GRAPH <{INSTRUMENTS_GRAPH}> {{ ?i lkg:year ?year }} }}
}}"""


def _value(term) -> str | None:
    return None if term is None else term.value


def resolutions(select) -> dict[str, str]:
    """Name mention IRI → instrument IRI, through ``select`` (SPARQL SELECT → rows of terms)."""
    index: dict[str, list[Candidate]] = {}
    for row in select(_INDEX):
        date, year = _value(row["date"]), _value(row["year"])
        index.setdefault(row["key"].value, []).append(
            Candidate(row["i"].value, dt.date.fromisoformat(date) if date else None, int(year) if year else None))
    out = {}
    for row in select(_MENTIONS):
        candidates = index.get(row["key"].value)
        if not candidates:
            continue
        date, year = _value(row["reportDate"]), _value(row["year"])
        chosen = pick(candidates, dt.date.fromisoformat(date) if date else None, int(year) if year else None)
        if chosen is not None:
            out[row["m"].value] = chosen
    return out


def resolve(select, update) -> int:
    """Recompute every name mention's resolution, through a store's ``select`` (SPARQL SELECT → rows
    of terms) and ``update`` (one SPARQL Update request: one transaction); how many resolved.

    The embedded store and the remote ones alike: the request replaces the names graph whole and
    the ``lkg:resolvedTo`` triples of the default graph it held.
    """
    found = resolutions(select)
    graph = ox.NamedNode(NAMES_GRAPH)
    resolved = ox.NamedNode(str(LKG.resolvedTo))
    ops = [f"DELETE {{ ?m {resolved} ?i }} WHERE {{ GRAPH {graph} {{ ?m {resolved} ?i }} }}",
           f"DROP SILENT GRAPH {graph}"]
    if found:
        triples = " ".join(f"{ox.NamedNode(m)} {resolved} {ox.NamedNode(i)} ." for m, i in sorted(found.items()))
        ops.append(f"INSERT DATA {{ GRAPH {graph} {{ {triples} }} {triples} }}")
    update(" ;\n".join(ops))
    return len(found)
