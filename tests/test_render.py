"""kg.render: the annotated document page and the graph drawings."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from bs4 import BeautifulSoup, NavigableString

from extractors import extract
from kg.model import Text
from kg.render import (EDGE_COLOURS, FOCUS_COLOUR, TYPE_COLOURS, UNKNOWN_TYPE_COLOUR, document_html, draw_graph,
                       instruments_only, most_connected, neighbourhood, typed_graph)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"


@pytest.fixture(scope="module")
def ex():
    return extract(Text(EXAMPLE.read_text(encoding="utf-8"), source=str(EXAMPLE)))


@pytest.fixture(scope="module")
def page(ex):
    return BeautifulSoup(document_html(ex), "html.parser")


def hand_made_graph(ex) -> nx.MultiDiGraph:
    """The example as kg.graph.to_networkx shapes it (kind/symbol/label; edges keyed by label)."""
    g = nx.MultiDiGraph()
    report = "report/example"
    g.add_node(report, kind="report", symbol=None, label=ex.report.title)
    for i in ex.instruments:
        g.add_node(f"instrument/{i.key}", kind="instrument", symbol=i.symbol, label=i.symbol)
        g.add_edge(report, f"instrument/{i.key}", key="cites", label="cites")
    for r in ex.relations:
        src = report if r.source is None else f"instrument/{r.source.key}"
        for n, inst in ((src, r.source), (f"instrument/{r.target.key}", r.target)):
            if n not in g:
                g.add_node(n, kind="instrument", symbol=inst.symbol, label=inst.symbol)
        g.add_edge(src, f"instrument/{r.target.key}", key=r.kind.value, label=r.kind.value)
    return g


# --------------------------------------------------------------------------
# document_html
# --------------------------------------------------------------------------

def test_one_highlight_per_mention_with_its_surface(ex, page):
    marks = page.select("mark.citation")
    assert len(ex.mentions) > 10  # the example is worth testing on
    assert len(marks) == len(ex.mentions)
    for mark, m in zip(marks, sorted(ex.mentions, key=lambda m: m.start)):
        assert mark.get_text() == m.surface == ex.text.content[m.start:m.end]
        assert mark["data-key"] == m.instrument.key
        assert mark["data-symbol"] == m.instrument.symbol


def test_page_text_is_the_document_and_highlights_sit_at_their_offsets(ex, page):
    main = page.find("main")
    assert main.get_text() == ex.text.content  # nothing lost, added or mis-escaped
    starts, pos = {}, 0
    for node in main.descendants:
        if isinstance(node, NavigableString):
            mark = node.find_parent("mark")
            if mark is not None:
                starts.setdefault(mark["id"], pos)
            pos += len(node)
    marks = page.select("mark.citation")
    assert [starts[mk["id"]] for mk in marks] == sorted(m.start for m in ex.mentions)


def test_tooltips_show_the_resolved_instrument(ex, page):
    by_id = {mk["id"]: mk for mk in page.select("mark.citation")}
    for mark, m in zip(by_id.values(), sorted(ex.mentions, key=lambda m: m.start)):
        tip = mark["title"]
        i = m.instrument
        assert tip.splitlines()[0] == i.symbol
        assert f"({i.doc_type})" in tip
        assert i.issuer in tip
        if i.date:
            assert i.date.isoformat() in tip
        assert (i.jurisdiction or "national") in tip


def test_links_cycle_through_the_mentions_of_one_instrument(ex, page):
    marks = page.select("mark.citation")
    by_id = {mk["id"]: mk for mk in marks}
    assert len(by_id) == len(marks)  # ids are unique
    for mark in marks:
        target = mark.a["href"].removeprefix("#")
        assert target in by_id
        assert by_id[target]["data-key"] == mark["data-key"]
    # Following the links from an instrument's first mention visits them all.
    for inst in ex.instruments:
        same = [mk["id"] for mk in marks if mk["data-key"] == inst.key]
        seen, at = [], same[0]
        while at not in seen:
            seen.append(at)
            at = by_id[at].a["href"][1:]
        assert seen == same


def test_side_list_and_header(ex, page):
    ids = {tag["id"] for tag in page.find_all(id=True)}
    items = page.select("aside li[data-key]")
    assert [li["data-key"] for li in items] == [i.key for i in ex.instruments]
    for li in items:
        assert li.a["href"][1:] in ids
    counts = {li["data-key"]: li.select_one(".count").get_text() for li in items}
    for inst in ex.instruments:
        assert counts[inst.key] == f"×{sum(m.instrument.key == inst.key for m in ex.mentions)}"
    rel_text = page.find("h2", string=lambda s: s and s.startswith("Relations")).parent.get_text()
    for r in ex.relations:
        assert f"{r.kind.value} {r.target.symbol}" in rel_text
    header = page.find("header").get_text(" ")
    assert str(EXAMPLE) in header and ex.report.jurisdiction in header
    assert f"Mentions {len(ex.mentions)}" in header


def test_standalone_page_needs_no_network(page):
    assert page.find("script", src=True) is None
    assert page.find("link") is None
    assert "white-space: pre-wrap" in page.style.get_text()


def test_markup_in_the_text_is_escaped():
    text = 'Căn cứ <script>alert("x")</script> & Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 "của" Chính phủ;'
    ex = extract(Text(text, source="<b>odd</b>.txt"))
    soup = BeautifulSoup(document_html(ex), "html.parser")
    assert soup.find("main").get_text() == text
    assert not soup.find("main").find("script") and not soup.find("b", string="odd")
    assert [mk.get_text() for mk in soup.select("mark.citation")] == ["60/2021/NĐ-CP"]


# --------------------------------------------------------------------------
# draw_graph and neighbourhood
# --------------------------------------------------------------------------

def test_draw_svg(ex, tmp_path):
    out = draw_graph(hand_made_graph(ex), tmp_path / "g.svg", title="example")
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag.endswith("svg")
    assert "60/2021/NĐ-CP" in out.read_text(encoding="utf-8")  # labels stay text


def test_draw_png(ex, tmp_path):
    out = draw_graph(hand_made_graph(ex), tmp_path / "g.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000


def test_draw_html(ex, tmp_path):
    g = hand_made_graph(ex)
    out = draw_graph(g, tmp_path / "g.html", title="example")
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert soup.find("script", src=True) is None and soup.find("link") is None
    nodes = soup.select("svg g.node")
    assert len(nodes) == g.number_of_nodes()
    assert len(soup.select("svg line.edge")) == g.number_of_edges()
    assert "60/2021/NĐ-CP" in {n.find("text").get_text() for n in nodes}
    kinds = {line["stroke"] for line in soup.select("svg line.edge")}
    assert EDGE_COLOURS["cites"] in kinds
    if ex.relations:
        assert EDGE_COLOURS[ex.relations[0].kind.value] in kinds


def test_draw_graph_from_kg_graph(ex, tmp_path):
    """The real pipeline: extraction → RDF → networkx → picture."""
    from kg.graph import build_report_graph, to_networkx

    g = to_networkx(build_report_graph(ex).graph)
    assert {d["kind"] for _, d in g.nodes(data=True)} == {"report", "instrument"}
    out = draw_graph(g, tmp_path / "g.svg")
    ET.parse(out)


def test_draw_rejects_unknown_format(ex, tmp_path):
    with pytest.raises(ValueError):
        draw_graph(hand_made_graph(ex), tmp_path / "g.gif")


def test_draw_empty_and_single_node_graphs(tmp_path):
    draw_graph(nx.MultiDiGraph(), tmp_path / "empty.html")
    g = nx.MultiDiGraph()
    g.add_node("x", kind="instrument", symbol="1/2020/NĐ-CP", label="1/2020/NĐ-CP")
    assert draw_graph(g, tmp_path / "one.png").stat().st_size > 0


def test_neighbourhood(ex):
    g = hand_made_graph(ex)
    amends = [r for r in ex.relations if r.kind.value == "amends"]
    assert amends, "the example states an amendment"
    r = amends[0]
    target = f"instrument/{r.target.key}"
    # By symbol (NĐ or ND), by key; depth 1 reaches the amending decree and the report.
    for query in (r.target.symbol, r.target.symbol.replace("Đ", "D"), r.target.symbol.lower().replace("đ", "d"),
                  r.target.key):
        sub = neighbourhood(g, query, 1)
        assert target in sub and f"instrument/{r.source.key}" in sub and "report/example" in sub
        assert sub.nodes[target]["focus"] is True
    assert set(neighbourhood(g, r.target.symbol, 0)) == {target}
    # Depth 2 goes through the report to everything it cites.
    assert set(neighbourhood(g, r.target.symbol, 2)) == set(g)
    assert "focus" not in g.nodes[target]  # the input graph is left alone
    with pytest.raises(KeyError):
        neighbourhood(g, "999/1999/XX-YY", 1)


def test_typed_graph_gives_each_node_its_document_type(ex):
    from kg.graph import build_report_graph, vocabulary_report_graph

    triples = list(build_report_graph(ex).graph)
    g = typed_graph(iter(triples))  # read once: an iterator is enough
    types = {d["symbol"]: d["doc_type"] for _, d in g.nodes(data=True) if d.get("symbol")}
    assert types["60/2021/NĐ-CP"] == "NĐ" and types["17-CT/TU"] == "CT" and types["59/SKHCN-VP"] == "KH"
    report = next(d for _, d in g.nodes(data=True) if d["kind"] == "report")
    assert report["doc_type"] == "BC"
    # With the stored vocabulary the code is its skos:notation; the same codes.
    g2 = typed_graph(triples + list(vocabulary_report_graph().graph))
    assert {n: d["doc_type"] for n, d in g2.nodes(data=True)} == {n: d["doc_type"] for n, d in g.nodes(data=True)}


def test_nodes_are_filled_by_document_type_and_the_focus_has_a_rim(ex, tmp_path):
    from kg.graph import build_report_graph

    g = neighbourhood(typed_graph(build_report_graph(ex).graph), "115/2005/nd-cp", 1)
    svg = draw_graph(g, tmp_path / "g.svg", title="around").read_text(encoding="utf-8")
    assert f"fill: {TYPE_COLOURS['NĐ']}" in svg and f"stroke: {FOCUS_COLOUR}" in svg
    assert "Nghị định / Decree (NĐ)" in svg and "Báo cáo / Report (BC)" in svg  # the legend
    page = draw_graph(g, tmp_path / "g.html").read_text(encoding="utf-8")
    assert page.count('class="focus"') == 1 and "Nghị định / Decree (NĐ)" in page
    untyped = hand_made_graph(ex)  # no doc_type: white, and the legend says so
    page = draw_graph(untyped, tmp_path / "u.html").read_text(encoding="utf-8")
    assert f'fill="{UNKNOWN_TYPE_COLOUR}"' in page and "type unknown" in page


def test_instruments_only_keeps_instruments_and_what_links_them():
    g = nx.MultiDiGraph()
    g.add_node("r1", kind="report", symbol="1/BC-UBND", label="1/BC-UBND", instrument="i1")  # a report that is i1
    g.add_node("r2", kind="report", symbol=None, label="a report")
    for n in ("i1", "i2", "i3", "i4"):
        g.add_node(n, kind="instrument", symbol=n, label=n)
    g.add_edge("r1", "i2", key="cites", label="cites")
    g.add_edge("r2", "i3", key="cites", label="cites")
    g.add_edge("i2", "i3", key="amends", label="amends")
    g.add_edge("r2", "i4", key="cites", label="cites")
    view = instruments_only(g)
    assert set(view) == {"i1", "i2", "i3"}  # i4 is only cited by a report that is no instrument
    assert set(view.edges(keys=True)) == {("i1", "i2", "cites"), ("i2", "i3", "amends")}
    assert "focus" not in view.nodes["i1"] and g.number_of_nodes() == 6  # the input is left alone


def test_most_connected_is_deterministic_and_drops_what_it_cut_off():
    g = nx.MultiDiGraph()
    g.add_edges_from([("hub", f"n{i}") for i in range(5)] + [("y", "z")])
    assert set(most_connected(g, 3)) == {"hub", "n0", "n1"}  # y and z (one edge each too) lose by name
    assert set(most_connected(g, 100)) == set(g)
    g.add_edges_from([("a", "b"), ("b", "c")])
    assert set(most_connected(g, 3)) == {"a", "b"}  # hub kept none of its neighbours: it is left out
