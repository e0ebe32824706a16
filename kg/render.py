"""Pictures of what was extracted: the annotated document and the graph.

* :func:`document_html` — one report's text with every citation highlighted
  (in the manner of spaCy's displaCy "ent" view), for ``kg show``.
* :func:`draw_graph` — a networkx graph from :func:`kg.graph.to_networkx` as
  SVG or PNG (matplotlib) or as a standalone interactive HTML page (inline
  SVG with pan, zoom and hover), for ``kg graph``.
* :func:`typed_graph` — that graph with each node's document type, for colours;
  :func:`neighbourhood`, :func:`instruments_only` and :func:`most_connected`
  — the views ``kg graph`` draws of it.

Every page written here is standalone: inline CSS and JS, no CDN, so it can be
opened offline or attached to a ticket.
"""
from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from extractors.vocab import vocabulary
from kg.iris import VOCAB
from kg.model import Extraction, Instrument, Mention, slugify
from kg.shape import CONCEPT, INSTRUMENT

__all__ = ["document_html", "highlight", "non_overlapping", "type_colour", "draw_graph", "typed_graph",
           "neighbourhood", "instruments_only", "most_connected", "DRAW_SUFFIXES", "TYPE_COLOURS", "EDGE_COLOURS"]

# Highlight colours by document-type code (pale, so the text stays readable);
# codes not listed get one from _SPARE_COLOURS, stable across runs.
TYPE_COLOURS = {
    "LUẬT": "#f4a6a6", "NĐ": "#a6c8f4", "NQ": "#c9b3f2", "QĐ": "#a8e6b4", "TT": "#f7d08a",
    "TTLT": "#f7d08a", "CT": "#f2b3d9", "KH": "#b3ece9", "CV": "#d9d9d9", "HD": "#e6e39a",
    "TB": "#d9c7a7", "CTr": "#c2e0a1", "KL": "#e8b9a0", "ĐA": "#a7d3c9",
}
_SPARE_COLOURS = ["#fbc4ab", "#cdb4db", "#bde0fe", "#caffbf", "#ffd6a5", "#e2ece9", "#f1c0e8"]

# Edge colours by relation kind (cites, the bulk, stays quiet).
EDGE_COLOURS = {
    "cites": "#b0b0b0", "amends": "#d62728", "replaces": "#ff7f0e", "repeals": "#7f3c8d",
    "guides": "#1f77b4", "based_on": "#2ca02c", "implements": "#17becf",
}
REPORT_COLOUR, INSTRUMENT_COLOUR, FOCUS_COLOUR = "#34495e", "#5dade2", "#e67e22"
UNKNOWN_TYPE_COLOUR = "#ffffff"  # a node whose document type the graph does not say
#: What :func:`draw_graph` writes, by the output file's suffix.
DRAW_SUFFIXES = (".svg", ".png", ".html", ".htm")


def type_colour(code: str | None) -> str:
    """Highlight colour of a document-type code."""
    if code in TYPE_COLOURS:
        return TYPE_COLOURS[code]
    # A stable pick (not hash(), which changes between runs).
    return _SPARE_COLOURS[sum(map(ord, code or "")) % len(_SPARE_COLOURS)]


def _type_label(code: str | None) -> str:
    doc_type = vocabulary().doc_types.get(code or "")
    return f"{doc_type.vi} / {doc_type.en} ({code})" if doc_type else (code or "?")


# --------------------------------------------------------------------------
# The annotated document
# --------------------------------------------------------------------------

_PAGE_CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #222; background: #fafafa; }
header { padding: 14px 24px; background: #34495e; color: #fff; }
header h1 { margin: 0 0 6px; font-size: 20px; }
header dl { margin: 0; display: flex; flex-wrap: wrap; gap: 4px 22px; font-size: 13px; }
header dt { display: inline; opacity: .7; } header dd { display: inline; margin: 0 0 0 4px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 20px; padding: 20px 24px; }
main { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 18px 22px;
       white-space: pre-wrap; overflow-wrap: anywhere; }
aside { position: sticky; top: 12px; align-self: start; max-height: calc(100vh - 24px); overflow: auto;
        font-size: 13px; }
aside section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; margin-bottom: 14px; }
aside h2 { margin: 0 0 6px; font-size: 14px; }
aside ol, aside ul { margin: 0; padding-left: 20px; }
aside li { margin: 2px 0; }
aside .count { color: #666; }
mark.citation { padding: 1px 4px; border-radius: 4px; line-height: 1.9; }
mark.citation a { color: inherit; text-decoration: none; }
mark.citation::after { content: attr(data-type); margin-left: 4px; font-size: 10px; font-weight: bold;
                       text-transform: uppercase; opacity: .6; vertical-align: middle; }
mark.citation:target, mark.citation.same { outline: 2px solid #e67e22; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px;
          vertical-align: middle; margin-right: 4px; }
.legend span { margin-right: 10px; white-space: nowrap; }
a { color: #1f5f9f; }
"""

# Hovering a citation (or an instrument in the side list) outlines every
# mention of the same instrument.
_PAGE_JS = """
document.querySelectorAll('[data-key]').forEach(function (el) {
  function mark(on) {
    document.querySelectorAll('mark.citation[data-key="' + CSS.escape(el.dataset.key) + '"]')
      .forEach(function (m) { m.classList.toggle('same', on); });
  }
  el.addEventListener('mouseenter', function () { mark(true); });
  el.addEventListener('mouseleave', function () { mark(false); });
});
"""


def _tooltip(inst: Instrument, nth: int, total: int, page: int | None) -> str:
    lines = [
        inst.symbol,
        f"Type: {_type_label(inst.doc_type)}",
        f"Issuer: {inst.issuer or '?'}",
        f"Date: {inst.date.isoformat() if inst.date else (inst.year or '?')}",
        f"Jurisdiction: {'Việt Nam (national)' if inst.national else (inst.jurisdiction or '?')}",
    ]
    if inst.title:
        lines.append(f"Title: {inst.title}")
    lines.append(f"Key: {inst.key}")
    if page:
        lines.append(f"Page {page}")
    lines.append(f"Mention {nth} of {total}" + (" (click for the next)" if total > 1 else ""))
    return "\n".join(lines)


def non_overlapping(mentions) -> list:
    """Mentions (anything with ``start`` and ``end``) in text order; one overlapping an earlier
    one is dropped (highlights cannot nest)."""
    out: list = []
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if not out or m.start >= out[-1].end:
            out.append(m)
    return out


def highlight(text: str, marks: list[tuple[int, int, str, str]]) -> str:
    """``text`` as HTML (escaped), each ``(start, end, opening, closing)`` span wrapped in its tags.

    ``marks`` must be in text order and must not overlap (:func:`non_overlapping`);
    the tags are written as given.
    """
    parts, pos = [], 0
    for start, end, opening, closing in marks:
        parts += [html.escape(text[pos:start]), opening, html.escape(text[start:end]), closing]
        pos = end
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


def document_html(extraction: Extraction) -> str:
    """A standalone HTML page of the report's text with its citations highlighted.

    Each citation is ``<mark class="citation" id="m-N" data-key data-symbol
    data-type title>`` around exactly ``text[start:end]``, coloured by document
    type; its link goes to the next mention of the same instrument (the last
    goes back to the first). A header gives the report's metadata; a side list
    gives the instruments (with their mention counts) and the relations found.
    """
    ex = extraction
    shown = _Highlights.of(ex.mentions)
    rep = ex.report
    return _document_page(
        title=rep.title or rep.symbol or rep.source,
        header=_report_header(ex, shown),
        body=highlight(ex.text.content, _marks(ex, shown)),
        legend=_type_legend(shown),
        instruments=_instrument_items(shown),
        relations=_relation_items(ex, shown),
        instrument_count=len(shown.by_key),
        relation_count=len(ex.relations),
    )


@dataclass(frozen=True)
class _Highlights:
    """The mentions highlighted (in text order, none overlapping), and them grouped by instrument key."""

    mentions: list[Mention]
    by_key: dict[str, list[Mention]]
    ids: dict[int, str]  # id(mention) → its element id

    @classmethod
    def of(cls, mentions: Iterable[Mention]) -> _Highlights:
        shown = non_overlapping(mentions)
        by_key: dict[str, list[Mention]] = {}
        for m in shown:
            by_key.setdefault(m.instrument.key, []).append(m)
        return cls(shown, by_key, {id(m): f"m-{i}" for i, m in enumerate(shown)})

    def id_of(self, m: Mention) -> str:
        return self.ids[id(m)]


def _marks(ex: Extraction, shown: _Highlights) -> list[tuple[int, int, str, str]]:
    """The text's highlights: each mention's tags, linking to the next mention of its instrument."""
    esc = html.escape
    paged = len(ex.text.pages) > 1
    marks = []
    for m in shown.mentions:
        same = shown.by_key[m.instrument.key]
        nth = same.index(m)
        nxt = same[(nth + 1) % len(same)]
        inst = m.instrument
        tip = _tooltip(inst, nth + 1, len(same), ex.text.page_of(m.start) if paged else None)
        marks.append((
            m.start, m.end,
            f'<mark class="citation" id="{shown.id_of(m)}" data-key="{esc(inst.key)}" '
            f'data-symbol="{esc(inst.symbol)}" data-type="{esc(inst.doc_type or "")}" '
            f'style="background:{type_colour(inst.doc_type)}" title="{esc(tip)}">'
            f'<a href="#{shown.id_of(nxt)}">',
            "</a></mark>",
        ))
    return marks


def _report_header(ex: Extraction, shown: _Highlights) -> str:
    """What the report says of itself, as ``<dt>``/``<dd>`` pairs."""
    rep = ex.report
    meta = [
        ("Source", rep.source), ("Symbol", rep.symbol), ("Type", _type_label(rep.doc_type) if rep.doc_type else None),
        ("Issuer", rep.issuer), ("Date", rep.date.isoformat() if rep.date else None),
        ("Jurisdiction", rep.jurisdiction), ("Mentions", str(len(shown.mentions))),
        ("Instruments", str(len(shown.by_key))), ("Relations", str(len(ex.relations))),
        ("Extractor", ex.extractor_version or None),
    ]
    return "".join(f"<div><dt>{k}</dt><dd>{html.escape(v)}</dd></div>" for k, v in meta if v)


def _instrument_items(shown: _Highlights) -> str:
    """The side list's instruments in order of first mention, each linking to it."""
    esc = html.escape
    items = []
    for key, ms in shown.by_key.items():
        inst = ms[0].instrument
        items.append(
            f'<li data-key="{esc(key)}"><span class="swatch" style="background:{type_colour(inst.doc_type)}"></span>'
            f'<a href="#{shown.id_of(ms[0])}" title="{esc(_type_label(inst.doc_type))}">{esc(inst.symbol)}</a> '
            f'<span class="count">×{len(ms)}</span></li>'
        )
    return "".join(items)


def _relation_items(ex: Extraction, shown: _Highlights) -> str:
    """The side list's relations, each linking to the first highlight inside its evidence, if any."""
    esc = html.escape
    rels = []
    for r in ex.relations:
        inside = [m for m in shown.mentions if r.start <= m.start < r.end]
        src = r.source.symbol if r.source else (ex.report.symbol or "this report")
        rel = f"{esc(src)} <b>{esc(r.kind.value)}</b> {esc(r.target.symbol)}"
        rels.append(f'<li><a href="#{shown.id_of(inside[0])}">{rel}</a></li>' if inside else f"<li>{rel}</li>")
    return "".join(rels)


def _type_legend(shown: _Highlights) -> str:
    codes = dict.fromkeys(ms[0].instrument.doc_type for ms in shown.by_key.values())
    return "".join(
        f'<span><span class="swatch" style="background:{type_colour(c)}"></span>{html.escape(c or "?")}</span>'
        for c in codes
    )


def _document_page(*, title: str, header: str, body: str, legend: str, instruments: str, relations: str,
                   instrument_count: int, relation_count: int) -> str:
    """The page around its parts."""
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} — legal-kg</title>
<style>{_PAGE_CSS}</style>
</head>
<body>
<header><h1>{esc(title)}</h1><dl>{header}</dl></header>
<div class="layout">
<main id="text">{body}</main>
<aside>
<section class="legend"><h2>Document types</h2>{legend}</section>
<section><h2>Instruments ({instrument_count})</h2><ol>{instruments}</ol></section>
<section><h2>Relations ({relation_count})</h2><ul>{relations or "<li>none found</li>"}</ul></section>
</aside>
</div>
<script>{_PAGE_JS}</script>
</body>
</html>
"""


# --------------------------------------------------------------------------
# The graph
# --------------------------------------------------------------------------

_TYPE_DOCUMENT = str(INSTRUMENT.doc_type)
_NOTATION = str(CONCEPT.notation)
_DOC_TYPE_CONCEPT = VOCAB + "document-type/"


def _text(term) -> str:
    """IRI or lexical form of an rdflib term (a str) or a pyoxigraph term (``.value``)."""
    return str(term) if isinstance(term, str) else term.value


def typed_graph(triples: Iterable) -> nx.MultiDiGraph:
    """:func:`kg.graph.to_networkx` of ``triples``, each node with ``doc_type``: its document-type code or None.

    The code is the type concept's ``skos:notation`` (the stored vocabulary),
    else the vocabulary file's code with that concept's slug. ``triples`` is
    read once.
    """
    from kg.graph import to_networkx

    types: dict[str, str] = {}
    codes: dict[str, str] = {}

    def watched():
        for t in triples:
            p = _text(t[1])
            if p == _TYPE_DOCUMENT:
                types[_text(t[0])] = _text(t[2])
            elif p == _NOTATION and _text(t[0]).startswith(_DOC_TYPE_CONCEPT):
                codes[_text(t[0])] = _text(t[2])
            yield t

    g = to_networkx(watched())
    known = {_DOC_TYPE_CONCEPT + slugify(code): code for code in vocabulary().doc_types}
    for n, d in g.nodes(data=True):
        concept = types.get(n)
        d["doc_type"] = (codes.get(concept) or known.get(concept)) if concept else None
    return g


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


def neighbourhood(g: nx.MultiDiGraph | nx.DiGraph, symbol_or_key: str, depth: int = 1) -> nx.MultiDiGraph | nx.DiGraph:
    """The subgraph within ``depth`` steps (either direction) of the matching nodes.

    A node matches by its id (IRI), by the key its IRI ends with
    (``vn/60-2021-nd-cp``, a report key), or by its ``symbol`` — as the
    extractor reads a typed symbol (:func:`extractors.canonical_symbol`), so
    ``60/2021/ND-CP`` and ``60/2021/nd-cp`` find ``60/2021/NĐ-CP``. A local
    symbol can match one instrument per jurisdiction: all are kept. Matched
    nodes get ``focus=True``. Raises :class:`KeyError` when nothing matches.
    """
    from extractors import canonical_symbol

    wanted = {_nfc(symbol_or_key)}
    symbol = canonical_symbol(symbol_or_key)
    if symbol:
        wanted.add(_nfc(symbol))
    centres = [
        n for n, d in g.nodes(data=True)
        if _nfc(str(n)) in wanted or str(n).endswith("/" + symbol_or_key)
        or (d.get("symbol") and _nfc(d["symbol"]) in wanted)
    ]
    if not centres:
        raise KeyError(f"no node with symbol or key {symbol_or_key!r}")
    keep = set()
    for c in centres:
        keep |= set(nx.ego_graph(g, c, radius=depth, undirected=True))
    sub = g.subgraph(keep).copy()
    for c in centres:
        sub.nodes[c]["focus"] = True
    return sub


def instruments_only(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The instruments and the edges between them.

    A report that is itself an instrument (it prints its own symbol: the
    ``instrument`` attribute :func:`kg.graph.to_networkx` gives it) stands as
    that instrument, so its citations become the instrument's; other reports
    are left out, and so are instruments left with no edge.
    """
    def as_instrument(n):
        d = g.nodes[n]
        return d.get("instrument") if d.get("kind") == "report" else n

    out = nx.MultiDiGraph()
    for u, v, k, d in g.edges(keys=True, data=True):
        a, b = as_instrument(u), as_instrument(v)
        if a is None or b is None or a == b:
            continue
        for n in (a, b):
            if n not in out:
                out.add_node(n, **g.nodes[n])
        out.add_edge(a, b, key=k, **d)
    return out


def most_connected(g: nx.MultiDiGraph | nx.DiGraph, n: int) -> nx.MultiDiGraph | nx.DiGraph:
    """The subgraph of the ``n`` nodes with the most edges (ties broken by id, so always the same),
    less those of them linked only to nodes outside it."""
    if g.number_of_nodes() <= n:
        return g
    ranked = sorted(g, key=lambda x: (-g.degree(x), str(x)))
    sub = g.subgraph(ranked[:n]).copy()
    sub.remove_nodes_from([x for x in list(sub) if sub.degree(x) == 0])
    return sub


def _edges(g: nx.MultiDiGraph | nx.DiGraph) -> list[tuple[str, str, str]]:
    """(u, v, label) of every edge; a plain DiGraph's edges read their ``label`` (default cites)."""
    if g.is_multigraph():
        return [(u, v, d.get("label", k if isinstance(k, str) else "cites"))
                for u, v, k, d in g.edges(keys=True, data=True)]
    return [(u, v, d.get("label", "cites")) for u, v, d in g.edges(data=True)]


def _label(g, n) -> str:
    d = g.nodes[n]
    text = d.get("symbol") or d.get("label") or str(n).rsplit("/", 1)[-1]
    return text if len(text) <= 32 else text[:31] + "…"


def _node_colour(d: dict) -> str:
    """A node's fill: its document type's colour (:func:`type_colour`); white when its type is unknown."""
    return type_colour(d["doc_type"]) if d.get("doc_type") else UNKNOWN_TYPE_COLOUR


def _types_drawn(g) -> list[tuple[str, str]]:
    """``(label, colour)`` of each document type in ``g``, by code, then unknown: the legend."""
    codes = sorted({d.get("doc_type") or "" for _, d in g.nodes(data=True)}, key=lambda c: (not c, c))
    return [(_type_label(c) if c else "type unknown", type_colour(c) if c else UNKNOWN_TYPE_COLOUR) for c in codes]


def _layout(g) -> dict:
    """Positions in [-1, 1]², deterministic.

    Each connected component gets its own spring layout in a box whose side
    grows with the square root of its size, and the boxes are packed in rows,
    largest first: a single spring layout of a disconnected graph flings the
    small components (and uncited nodes) to a far ring and crams the rest.
    """
    if g.number_of_nodes() == 0:
        return {}
    und = nx.Graph(g.to_undirected())
    comps = sorted(nx.connected_components(und), key=lambda c: (-len(c), min(map(str, c))))
    row_width = 1.3 * math.sqrt(g.number_of_nodes())
    pos, x, y, row_height = {}, 0.0, 0.0, 0.0
    for comp in comps:
        side = math.sqrt(len(comp))
        if x > 0 and x + side > row_width:  # next row
            x, y, row_height = 0.0, y + row_height + 0.5, 0.0
        if len(comp) == 1:
            local = {next(iter(comp)): (0.0, 0.0)}
        else:
            sub = und.subgraph(comp)
            local = nx.spring_layout(sub, k=1.8 / math.sqrt(len(comp)), iterations=200, seed=7)
        for n, (px, py) in local.items():  # spring_layout's [-1, 1] → this box
            pos[n] = (x + (px + 1) / 2 * side, -(y + (1 - (py + 1) / 2) * side))
        x += side + 0.5
        row_height = max(row_height, side)
    # Centre and scale to [-1, 1], keeping the aspect ratio.
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 or 1.0
    return {n: ((px - cx) / half, (py - cy) / half) for n, (px, py) in pos.items()}


def draw_graph(g: nx.MultiDiGraph | nx.DiGraph, out: Path | str, *, title: str = "") -> Path:
    """Draw ``g`` to ``out``: ``.svg`` or ``.png`` (matplotlib), or ``.html`` (interactive).

    Reports are squares, instruments circles sized by how often they are
    cited, each filled with its document type's colour (``doc_type``, from
    :func:`typed_graph`; a legend names them); ``focus`` nodes (from
    :func:`neighbourhood`) have a thick orange rim; edges are coloured by
    relation kind; labels are symbols. The picture is sized to what it
    holds. Returns ``out``.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in DRAW_SUFFIXES:
        raise ValueError(f"unsupported output format {out.suffix!r}: use .svg, .png or .html")
    if suffix in (".svg", ".png"):
        _draw_matplotlib(g, out, title)
    else:
        out.write_text(_graph_html(g, title), encoding="utf-8")
    return out


def _sizes(g) -> dict:
    """Node size grows with in-degree (times cited), gently; reports start bigger."""
    return {n: (2.5 if g.nodes[n].get("kind") == "report" else 1) + math.sqrt(g.in_degree(n)) for n in g}


def _draw_matplotlib(g, out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.fonttype": "none"}):  # labels stay text in an SVG: searchable, and smaller
        _plot(g, out, title)


def _plot(g, out: Path, title: str) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n = g.number_of_nodes()
    pos = _layout(g)
    xs, ys = [p[0] for p in pos.values()] or [0.0], [p[1] for p in pos.values()] or [0.0]
    # Inches per layout unit grow with the graph, within reason; the figure
    # takes the layout's own proportions, and the file is cut to what is drawn.
    scale = min(20.0, max(3.5, 1.1 * math.sqrt(n)))
    fig, ax = plt.subplots(figsize=(max(3.0, scale * (max(xs) - min(xs)) + 1.0),
                                    max(2.0, scale * (max(ys) - min(ys)) + 1.0)))
    ax.set_axis_off()
    ax.margins(0.04)
    font = 8 if n < 60 else 6
    if title:
        ax.set_title(title, fontsize=14)
    size = _sizes(g)
    edges = _edges(g)
    # Parallel edges (cites + amends between the same pair) curve apart: the
    # i-th edge of a pair bends by 0.15·i. One draw call per (kind, bend).
    groups: dict[tuple[str, int], list] = {}
    nth: dict[tuple, int] = {}
    for u, v, k in edges:
        i = nth[(u, v)] = nth.get((u, v), -1) + 1
        groups.setdefault((k, i), []).append((u, v))
    node_size = [120 * size[x] for x in g]
    for (k, i), edgelist in sorted(groups.items(), key=lambda kv: (kv[0][0] != "cites", kv[0])):
        nx.draw_networkx_edges(
            g, pos, edgelist=edgelist, ax=ax, edge_color=EDGE_COLOURS.get(k, "#888"),
            width=0.8 if k == "cites" else 1.8, arrows=True, arrowsize=8, alpha=0.8,
            connectionstyle=f"arc3,rad={0.15 * i}", node_size=node_size,
        )
    for kind, shape in (("report", "s"), ("instrument", "o")):
        nodes = [x for x, d in g.nodes(data=True) if (d.get("kind") == "report") == (kind == "report")]
        nx.draw_networkx_nodes(
            g, pos, nodelist=nodes, ax=ax, node_shape=shape, node_size=[120 * size[x] for x in nodes],
            node_color=[_node_colour(g.nodes[x]) for x in nodes],
            edgecolors=[FOCUS_COLOUR if g.nodes[x].get("focus") else "#222" for x in nodes],
            linewidths=[3.0 if g.nodes[x].get("focus") else 0.6 for x in nodes],
        )
    labels = {x: _label(g, x) for x in g}
    nx.draw_networkx_labels(g, {x: (p[0], p[1] - 0.035) for x, p in pos.items()}, labels,
                            ax=ax, font_size=font, verticalalignment="top", clip_on=False)
    handles: list[Artist] = [Line2D([], [], marker="s", ls="", mfc="none", mec="#222", label="report"),
                             Line2D([], [], marker="o", ls="", mfc="none", mec="#222", label="instrument")]
    if any(d.get("focus") for _, d in g.nodes(data=True)):
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec=FOCUS_COLOUR, mew=2.5, label=title or "focus"))
    handles += [Patch(facecolor=colour, edgecolor="#222", linewidth=0.6, label=label)
                for label, colour in _types_drawn(g)]
    handles += [Line2D([], [], color=EDGE_COLOURS.get(k, "#888"), label=k) for k in dict.fromkeys(k for *_, k in edges)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    # metadata={"Date": None} keeps the SVG free of a timestamp (reproducible output).
    fig.savefig(out, dpi=110, bbox_inches="tight", pad_inches=0.15,
                metadata={"Date": None} if out.suffix.lower() == ".svg" else None)
    plt.close(fig)


_GRAPH_JS = """
// Pan (drag) and zoom (wheel) by moving the SVG viewBox; hover a node to see its neighbours.
const svg = document.querySelector('svg'); let vb = svg.viewBox.baseVal, drag = null;
svg.addEventListener('wheel', e => { e.preventDefault();
  const f = e.deltaY > 0 ? 1.15 : 1 / 1.15, r = svg.getBoundingClientRect();
  const x = vb.x + (e.clientX - r.left) / r.width * vb.width, y = vb.y + (e.clientY - r.top) / r.height * vb.height;
  vb.x = x - (x - vb.x) * f; vb.y = y - (y - vb.y) * f; vb.width *= f; vb.height *= f; }, {passive: false});
svg.addEventListener('mousedown', e => drag = [e.clientX, e.clientY]);
window.addEventListener('mouseup', () => drag = null);
window.addEventListener('mousemove', e => { if (!drag) return; const r = svg.getBoundingClientRect();
  vb.x -= (e.clientX - drag[0]) * vb.width / r.width; vb.y -= (e.clientY - drag[1]) * vb.height / r.height;
  drag = [e.clientX, e.clientY]; });
document.querySelectorAll('g.node').forEach(n => {
  n.addEventListener('mouseenter', () => { svg.classList.add('dim'); n.classList.add('on');
    document.querySelectorAll('[data-u="' + n.id + '"],[data-v="' + n.id + '"]').forEach(el => {
      const other = el.dataset.u === n.id ? el.dataset.v : el.dataset.u;
      el.classList.add('on'); document.getElementById(other).classList.add('on'); }); });
  n.addEventListener('mouseleave', () => { svg.classList.remove('dim');
    document.querySelectorAll('.on').forEach(el => el.classList.remove('on')); });
});
"""


def _graph_html(g, title: str) -> str:
    """A standalone page: the graph as inline SVG (our own, so nodes carry ids and tooltips)."""
    half = max(400.0, 90 * math.sqrt(g.number_of_nodes()))  # user units per layout unit: room for labels
    xy = {x: (p[0] * half, -p[1] * half) for x, p in _layout(g).items()}  # SVG y grows downwards
    ids = {x: f"n{i}" for i, x in enumerate(g)}
    size = _sizes(g)
    drawing = _svg_edges(g, xy, ids, size) + _svg_nodes(g, xy, ids, size)
    return _graph_page(g, title, view=_view_box(xy), markers=_svg_markers(g), drawing="".join(drawing))


def _svg_edges(g, xy: dict, ids: dict, size: dict) -> list[str]:
    esc = html.escape
    out = []
    # Relations after citations, so they are drawn on top of a cites edge between the same pair.
    for u, v, k in sorted(_edges(g), key=lambda e: e[2] != "cites"):
        (x1, y1), (x2, y2) = xy[u], xy[v]
        # Stop the line at the target's rim so the arrowhead shows.
        d = math.hypot(x2 - x1, y2 - y1) or 1.0
        r = 6 * size[v] + 2
        x2, y2 = x2 - (x2 - x1) * r / d, y2 - (y2 - y1) * r / d
        out.append(
            f'<line class="edge" data-u="{ids[u]}" data-v="{ids[v]}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}" stroke="{EDGE_COLOURS.get(k, "#888")}" marker-end="url(#a-{esc(k)})">'
            f"<title>{esc(_label(g, u))} {esc(k)} {esc(_label(g, v))}</title></line>"
        )
    return out


def _svg_nodes(g, xy: dict, ids: dict, size: dict) -> list[str]:
    esc = html.escape
    out = []
    for x, d in g.nodes(data=True):
        cx, cy = xy[x]
        r = 6 * size[x]
        paint = f'fill="{_node_colour(d)}"' + (' class="focus"' if d.get("focus") else "")
        shape = (f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {paint}/>'
                 if d.get("kind") == "report" else f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" {paint}/>')
        tip = "\n".join(filter(None, [d.get("symbol"), d.get("label") if d.get("label") != d.get("symbol") else None,
                                      d.get("kind"), _type_label(d["doc_type"]) if d.get("doc_type") else None,
                                      str(x), f"cited by {g.in_degree(x)}"]))
        out.append(f'<g class="node" id="{ids[x]}"><title>{esc(tip)}</title>{shape}'
                   f'<text x="{cx:.1f}" y="{cy + r + 11:.1f}">{esc(_label(g, x))}</text></g>')
    return out


def _svg_markers(g) -> str:
    """An arrowhead per relation kind drawn, in its colour."""
    return "".join(
        f'<marker id="a-{html.escape(k)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
        f'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{c}"/></marker>'
        for k, c in (EDGE_COLOURS | {k: "#888" for _, _, k in _edges(g) if k not in EDGE_COLOURS}).items()
    )


def _view_box(xy: dict) -> str:
    """The view fits the layout (packed components make it wider than tall), plus room for labels."""
    xs, ys = [p[0] for p in xy.values()] or [0.0], [p[1] for p in xy.values()] or [0.0]
    pad = 60
    return f"{min(xs) - pad:.0f} {min(ys) - pad:.0f} {max(xs) - min(xs) + 2 * pad:.0f} {max(ys) - min(ys) + 2 * pad:.0f}"


def _graph_page(g, title: str, *, view: str, markers: str, drawing: str) -> str:
    """The page around the SVG: a header with the legends, the pan and zoom script."""
    esc = html.escape
    n = g.number_of_nodes()
    legend = "".join(f'<span style="color:{c}">━ {esc(k)}</span> ' for k, c in EDGE_COLOURS.items())
    types = "".join(f'<span class="type"><span class="swatch" style="background:{c}"></span>{esc(label)}</span> '
                    for label, c in _types_drawn(g))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(title or "legal-kg graph")}</title>
<style>
body {{ margin: 0; font: 13px "DejaVu Sans", Arial, sans-serif; display: flex; flex-direction: column;
        height: 100vh; }}
header {{ padding: 8px 14px; background: #34495e; color: #fff; }}
header .legend {{ background: #fff; padding: 2px 6px; border-radius: 4px; margin-left: 12px; }}
header .types {{ display: block; margin-top: 4px; font-size: 12px; }}
header .type {{ margin-right: 10px; white-space: nowrap; }}
.swatch {{ display: inline-block; width: 11px; height: 11px; border: 1px solid #222; margin-right: 4px;
           vertical-align: middle; }}
.node .focus {{ stroke: {FOCUS_COLOUR}; stroke-width: 3; }}
svg {{ flex: 1; min-height: 0; width: 100%; cursor: grab; background: #fcfcfc; }}
.edge {{ stroke-width: 1.4; opacity: .75; }}
.node rect, .node circle {{ stroke: #222; stroke-width: .6; }}
.node text {{ font-size: 10px; text-anchor: middle; fill: #222; pointer-events: none; }}
svg.dim .edge, svg.dim .node {{ opacity: .15; }}
svg.dim .on {{ opacity: 1; }}
</style></head>
<body>
<header><b>{esc(title or "legal-kg graph")}</b> — {n} nodes, {len(_edges(g))} edges ·
<span style="color:#ecf0f1">■ report ● instrument</span>
<span class="legend">{legend}</span> · drag to pan, wheel to zoom, hover a node
<span class="types">{types}</span></header>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view}"><defs>{markers}</defs>
{drawing}
</svg>
<script>{_GRAPH_JS}</script>
</body></html>
"""
