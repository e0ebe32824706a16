"""The instrument, report and search pages: what each shows, gathered for its template.

Plain synchronous code over a :data:`kg.check.Select`; ``kg serve`` runs it on
a worker thread whose queries go through the query pool.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import rdflib
import yaml

from kg.check import Change, Evidence, Select, Status, changes, check_report, status_at
from kg.graph import ONTOLOGY_DIR
from kg.iris import LKG
from kg.model import RelationKind, slugify
from kg.render import non_overlapping
from kg.shape import INSTRUMENT, NAME_MENTION, STATEMENT

from . import data
from .svg import Box, neighbourhood_svg
from .texts import Texts, Unavailable, excerpt, marked

__all__ = ["Links", "labels", "field_names", "instrument_page", "report_page", "search_page", "CITING_PER_PAGE"]

HERE = Path(__file__).resolve().parent
CITING_PER_PAGE = 25
DOCUMENTS = {".html": "text/html", ".ttl": "text/turtle", ".jsonld": "application/ld+json",
             ".rdf": "application/rdf+xml"}


@functools.cache
def labels() -> dict:
    """The pages' words (labels.yaml), checked: every entry has ``vi`` and ``en``."""
    words = yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8"))

    def check(node, where):
        if isinstance(node, dict) and set(node) == {"vi", "en"}:
            if not all(isinstance(v, str) and v for v in node.values()):
                raise ValueError(f"kg/pages/labels.yaml: {where} needs non-empty vi and en")
            return
        if not isinstance(node, dict) or not node:
            raise ValueError(f"kg/pages/labels.yaml: {where} must have vi and en")
        for key, value in node.items():
            check(value, f"{where}.{key}")

    check(words, "labels")
    missing = [f"relations.{k.value}.{d}" for k in RelationKind for d in ("out", "in")
               if d not in words.get("relations", {}).get(k.value, {})]
    if missing:
        raise ValueError(f"kg/pages/labels.yaml lacks {', '.join(missing)}")
    return words


@functools.cache
def field_names() -> dict[str, dict[str, str]]:
    """Vietnamese and English names of the properties a page shows, from the ontology's labels."""
    g = rdflib.Graph().parse(ONTOLOGY_DIR / "legal-kg.ttl")
    out = {}
    for name, prop in {"symbol": INSTRUMENT.symbol, "type": INSTRUMENT.doc_type, "issuer": INSTRUMENT.issuer,
                       "date": INSTRUMENT.date, "title": INSTRUMENT.title,
                       "jurisdiction": INSTRUMENT.jurisdiction, "effective": STATEMENT.effective_date,
                       "name": NAME_MENTION.name, "name_year": NAME_MENTION.name_year,
                       "resolved_to": LKG.resolvedTo}.items():
        found = {lit.language: str(lit) for lit in g.objects(prop, rdflib.RDFS.label) if isinstance(lit, rdflib.Literal)}
        out[name] = {"vi": found["vi"][:1].upper() + found["vi"][1:], "en": found["en"][:1].upper() + found["en"][1:]}
    return out


@dataclass
class Links:
    """This server's URLs for the IRIs of the store, for one request.

    ``root`` is the server's public URL (``kg serve --base``, else the address
    the request came to); ``bases`` are the bases the store's IRIs were minted
    under. ``{base}instrument/{key}`` is answered at ``{root}instrument/{key}``.
    """

    root: str
    bases: list[str]

    def path(self, stored: str) -> str | None:
        """``instrument/KEY`` or ``report/KEY`` for an IRI of the store, else None."""
        for base in self.bases:
            if stored.startswith(base):
                rest = stored[len(base):]
                if rest.startswith(("instrument/", "report/")):
                    return rest
        return None

    def identifier(self, stored: str) -> str | None:
        path = self.path(stored)
        return self.root + path if path else None

    def page(self, stored: str, suffix: str = ".html", **params) -> str | None:
        path = self.path(stored)
        if path is None:
            return None
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.root}{path}{suffix}" + (f"?{query}" if query else "")

    def highlighted(self, report: str, start: int, end: int) -> str | None:
        """The page of stored report ``report`` with ``[start, end)`` highlighted."""
        url = self.page(report, hl=f"{start}-{end}")
        return url + "#hl" if url else None

    def evidence(self, evidence: Evidence) -> str | None:
        """The report page with the span of ``evidence`` highlighted."""
        return self.highlighted(evidence.report, evidence.start, evidence.end)

    def stored(self, kind: str, key: str) -> list[str]:
        return [f"{base}{kind}/{key}" for base in self.bases]

    def asset(self, name: str, digest: str) -> str:
        return f"{self.root}assets/{name}?v={digest}"


def _documents(links: Links, stored: str, at: dt.date | None = None) -> list[dict]:
    """The data documents of a page (the alternates of its HTML)."""
    at_param = at.isoformat() if at else None
    return [{"suffix": suffix, "media": media, "url": links.page(stored, suffix, at=at_param)}
            for suffix, media in DOCUMENTS.items()]


def _detail(node: data.Node | None) -> str:
    """A second line for a node: its type and date."""
    if node is None:
        return ""
    parts = [node.type.vi if node.type and node.type.vi else None,
             node.date.strftime("%d/%m/%Y") if node.date else (str(node.year) if node.year else None)]
    return " · ".join(p for p in parts if p)


@dataclass
class ChangeView:
    """A change shown in the status box: who makes it, since when, and where that is said."""

    change: Change
    by: data.Node | None
    by_url: str | None
    evidence: list[tuple[Evidence, str | None, str]]  # (evidence, link, the report's name)


@dataclass
class StatusView:
    status: Status
    not_issued: bool
    ended: list[ChangeView] = field(default_factory=list)
    amended: list[ChangeView] = field(default_factory=list)
    undated: list[ChangeView] = field(default_factory=list)
    later: list[ChangeView] = field(default_factory=list)


def _status_view(status: Status, node: data.Node, views: dict[tuple, ChangeView]) -> StatusView:
    view = StatusView(status, bool(node.date and status.at < node.date))
    for name in ("ended", "amended", "undated", "later"):
        setattr(view, name, [views[(c.kind, c.by)] for c in getattr(status, name)])
    return view


def _titles_from_own_documents(select: Select, found: dict[str, data.Node]) -> None:
    """Give an instrument without a title the title of the stored report that is it (its own document)."""
    untitled = {r: n for n in found.values() if not n.report and not n.title for r in n.same}
    for report, node in data.nodes(select, list(untitled)).items():
        if report in untitled and node.title and not untitled[report].title:
            untitled[report].title = node.title


def _both(entry: dict) -> str:
    return f"{entry['vi']} / {entry['en']}"


def _sections(rel: list[data.Related], more: set, others: dict[str, data.Node], sources: dict[str, Evidence],
              links: Links) -> tuple[list[dict], dict[bool, list[Box]]]:
    """The page's relation boxes (kind by kind, each direction), and the diagram's boxes by direction."""
    words = labels()["relations"]
    sections: list[dict[str, Any]] = []
    boxes: dict[bool, list[Box]] = {True: [], False: []}
    for kind in data.RELATION_ORDER:
        for outgoing in (True, False):
            heading = words[kind.value]["out" if outgoing else "in"]
            items: list[dict[str, Any]] = []
            for r in rel:
                if r.kind != kind or r.outgoing != outgoing:
                    continue
                other = others.get(r.other)
                source = sources.get(r.sample) if r.sample is not None else None
                name = other.name if other else r.other.rsplit("/", 1)[-1]
                items.append({"node": other, "url": links.page(r.other), "name": name, "detail": _detail(other),
                              "evidence_url": links.evidence(source) if source else None})
                boxes[outgoing].append(Box(name, _detail(other), links.page(r.other), kind, _both(heading)))
            items.sort(key=lambda i: (-(i["node"].date.toordinal() if i["node"] and i["node"].date else 0), i["name"]))
            sections.append({"kind": kind.value, "items": items, "more": (kind, outgoing) in more, "words": heading})
    return sections, boxes


def _citing(select: Select, links: Links, texts: Texts, stored: str, page: int, at: str | None,
            by_name: bool = False) -> dict:
    """One page of the reports citing ``stored`` (``by_name``: by a name resolved to it), each with
    the sentences that cite it, and the links to the pages before and after."""
    total = data.citing_count(select, stored, by_name)
    pages = max(1, -(-total // CITING_PER_PAGE))
    page = min(max(1, page), pages)
    found = data.citing_reports(select, stored, (page - 1) * CITING_PER_PAGE, CITING_PER_PAGE, by_name)
    described = data.nodes(select, [r for r, _ in found])
    opening = '<mark class="n">' if by_name else '<mark class="c">'
    citing = []
    for report, mentions in found:
        node = described.get(report)
        entry: dict[str, Any] = {"node": node, "url": links.page(report), "name": node.name if node else report,
                                 "detail": _detail(node), "sentences": [], "missing": None}
        try:
            text = texts.get(node.source if node else None, node.content_hash if node else None)
            entry["sentences"] = [excerpt(text.content, m.start, m.end, [(m.start, m.end, opening, "</mark>")])
                                  for m in mentions]
        except Unavailable as e:
            entry["missing"] = str(e)
        entry["links"] = [links.highlighted(report, m.start, m.end) for m in mentions]
        citing.append(entry)

    def turn(to: int) -> str | None:
        return links.page(stored, at=at, named=to) if by_name else links.page(stored, at=at, cited=to)

    return {"items": citing, "total": total, "page": page, "pages": pages, "per_page": CITING_PER_PAGE,
            "prev": turn(page - 1) if page > 1 else None, "next": turn(page + 1) if page < pages else None}


def instrument_page(select: Select, links: Links, texts: Texts, stored: str, *, at: dt.date | None,
                    today: dt.date, cited_page: int = 1, named_page: int = 1) -> dict | None:
    """Everything the instrument page shows, or None when the store has no such instrument."""
    node = data.nodes(select, [stored]).get(stored)
    if node is None or node.report or node.symbol is None:
        return None
    rel, more = data.related(select, stored)
    against = changes(select, [stored])[stored]
    sources = data.statements(select, [r.sample for r in rel])
    reports = [e.report for c in against for e in c.evidence] + [e.report for e in sources.values()]
    others = data.nodes(select, [r.other for r in rel] + [c.by for c in against] + reports + node.same)
    _titles_from_own_documents(select, others)
    own = next((others[r] for r in node.same if r in others and others[r].title), None)
    title_from = own if not node.title and own else None

    views = {}
    for c in against:
        shown = [(e, links.evidence(e), others[e.report].name if e.report in others else Path(e.source).name)
                 for e in c.evidence]
        views[(c.kind, c.by)] = ChangeView(c, others.get(c.by), links.page(c.by), shown)
    sections, boxes = _sections(rel, more, others, sources, links)
    words = labels()["page"]
    svg = neighbourhood_svg(node.name, _detail(node), boxes[True], boxes[False],
                            headings=(_both(words["acts_on"]), _both(words["acted_on"])),
                            more=_both(words["more"]), label=f"{words['diagram']['vi']} {node.name}")
    at_param = at.isoformat() if at else None
    return {
        "node": node, "title": node.title or (title_from.title if title_from else None), "title_from": title_from,
        "title_from_url": links.page(title_from.iri) if title_from else None,
        "identifier": stored, "served_at": links.identifier(stored),
        "own": [{"url": links.page(r), "name": others[r].name if r in others else r} for r in node.same],
        "today": _status_view(status_at(against, today), node, views),
        "at": _status_view(status_at(against, at), node, views) if at else None,
        "at_value": at_param or "", "sections": sections, "svg": svg,
        "citing": _citing(select, links, texts, stored, cited_page, at_param),
        "named": _citing(select, links, texts, stored, named_page, at_param, by_name=True),
        "documents": _documents(links, stored), "page_url": links.page(stored),
    }


def _mark(m: data.Mention, url: str | None) -> tuple[int, int, str, str]:
    code = m.type_code or ""
    tip = escape(" · ".join(filter(None, [m.symbol, code])))
    opening = f'<mark class="c t-{slugify(code)}" id="c{m.start}-{m.end}" title="{tip}">'
    return (m.start, m.end, opening + (f'<a href="{escape(url)}">' if url else ""), ("</a>" if url else "") + "</mark>")


def _name_mark(n: data.NameCitation, url: str | None) -> tuple[int, int, str, str]:
    """A law cited by name: its own style, linked to the instrument it resolves to; one that does not
    resolve is marked so, and says so in its tooltip."""
    words = labels()["page"]["unresolved"]
    tip = f"{n.name} → {n.symbol or n.instrument}" if n.instrument else f"{n.name}: {words['vi']} / {words['en']}"
    opening = f'<mark class="n{"" if n.instrument else " unresolved"}" id="n{n.start}-{n.end}" title="{escape(tip)}">'
    return (n.start, n.end, opening + (f'<a href="{escape(url)}">' if url else ""), ("</a>" if url else "") + "</mark>")


def _text_marks(links: Links, mentions: list[data.Mention], names: list[data.NameCitation]) -> list[tuple]:
    """The highlights of a report's text: its citations, then its laws cited by name wherever they
    overlap none of them (highlights cannot nest), in text order."""
    cited = non_overlapping(mentions)
    starts = [m.start for m in cited]

    def free(n: data.NameCitation) -> bool:
        at = bisect.bisect_right(starts, n.start)  # cited[at - 1] starts at or before the name, cited[at] after
        return (at == 0 or cited[at - 1].end <= n.start) and (at == len(cited) or n.end <= cited[at].start)

    named = non_overlapping([n for n in names if free(n)])
    marks = [_mark(m, links.page(m.instrument)) for m in cited]
    marks += [_name_mark(n, links.page(n.instrument) if n.instrument else None) for n in named]
    return sorted(marks, key=lambda mark: mark[0])


def _names(links: Links, names: list[data.NameCitation], others: dict[str, data.Node]) -> list[dict[str, Any]]:
    """The laws a report cites by name: one row per name and year (one resolution each), in the order
    of their names with accents folded (Đ with D)."""
    rows: dict[tuple, dict[str, Any]] = {}
    for n in names:
        row = rows.get((n.key, n.year, n.instrument))
        if row is None:
            other = others.get(n.instrument) if n.instrument else None
            shown = other.name if other else n.symbol or n.instrument  # None: not resolved
            row = rows[(n.key, n.year, n.instrument)] = {
                "name": n.name, "year": n.year, "instrument": shown, "detail": _detail(other),
                "url": links.page(n.instrument) if n.instrument else None, "mentions": 0,
                "anchor": f"#n{n.start}-{n.end}"}
        row["mentions"] += 1
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1] or 0, k[2] or ""))]


def report_page(select: Select, links: Links, texts: Texts, stored: str, key: str, *,
                hl: tuple[int, int] | None, today: dt.date) -> dict | None:
    """Everything the report page shows, or None when the store has no such report."""
    node = data.nodes(select, [stored]).get(stored)
    if node is None or not node.report:
        return None
    mentions = data.mentions_in(select, stored)
    names = data.names_in(select, stored)
    stated = data.stated_in(select, stored)
    result = check_report(select, key, bases=links.bases, today=today)
    cited = data.cited_in(select, stored)
    others = data.nodes(select, cited + node.same + [s.source for s in stated] + [s.target for s in stated]
                        + [f.change.by for f in result.findings if f.change]
                        + [n.instrument for n in names if n.instrument])
    counts: dict[str, int] = {}
    for m in mentions:
        counts[m.instrument] = counts.get(m.instrument, 0) + 1
    cites: list[dict[str, Any]] = [
        {"url": links.page(i), "name": others[i].name if i in others else i,
         "detail": _detail(others.get(i)), "mentions": counts.get(i, 0),
         "anchor": next((f"#c{m.start}-{m.end}" for m in mentions if m.instrument == i), None)}
        for i in cited]
    cites.sort(key=lambda c: c["name"])
    relations = [{"kind": s.kind.value, "source": others[s.source].name if s.source in others else s.source,
                  "source_url": links.page(s.source) if s.source != stored else None,
                  "target": others[s.target].name if s.target in others else s.target,
                  "target_url": links.page(s.target), "anchor": links.highlighted(stored, s.start, s.end)}
                 for s in stated]
    findings = [{"finding": f, "url": links.page(f.instrument),
                 "by_url": links.page(f.change.by) if f.change else None,
                 "evidence": [(e, links.evidence(e)) for e in f.change.evidence] if f.change else []}
                for f in result.findings]
    text_html, missing = None, None
    try:
        text = texts.get(node.source, node.content_hash)
        if hl is not None and not (0 <= hl[0] < hl[1] <= len(text.content)):
            hl = None
        text_html = marked(text.content, _text_marks(links, mentions, names), hl)
    except Unavailable as e:
        missing = str(e)
    return {
        "node": node, "identifier": stored, "served_at": links.identifier(stored),
        "own": [{"url": links.page(i), "name": others[i].name if i in others else i} for i in node.same],
        "cites": cites, "names": _names(links, names, others), "relations": relations, "check": result,
        "findings": findings,
        "text_html": text_html, "missing": missing, "documents": _documents(links, stored),
    }


def search_page(select: Select, links: Links, q: str) -> tuple[dict, str | None]:
    """The search page's context, and the URL to redirect to when one instrument has the symbol asked for."""
    q = q.strip()[:200]
    if not q:
        return {"q": "", "result": None, "rows": []}, None
    result = data.search(select, q)
    if len(result.exact) == 1:
        return {}, links.page(result.exact[0])
    found = data.nodes(select, result.exact + result.others)
    # A report that is an instrument (it prints its symbol) stands for that instrument.
    result.others = list(dict.fromkeys(found[i].same[0] if i in found and found[i].report and found[i].same else i
                                       for i in result.others if i not in result.exact))
    found.update(data.nodes(select, [i for i in result.others if i not in found]))
    _titles_from_own_documents(select, found)
    rows = [{"url": links.page(i), "node": found.get(i), "name": found[i].name if i in found else i,
             "detail": _detail(found.get(i)), "exact": i in result.exact} for i in result.exact + result.others]
    return {"q": q, "result": result, "rows": rows}, None
