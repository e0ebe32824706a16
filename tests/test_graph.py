"""kg.graph: an Extraction becomes RDF that is traceable, validates, and turns into networkx."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import kg.shapes
import pytest
import rdflib
from rdflib import RDF, SKOS, Literal, URIRef
from rdflib.namespace import PROV

from kg.graph import (
    DEFAULT_BASE,
    ELI,
    LKG,
    RELATION_PROPERTIES,
    amendment_chains,
    build_report_graph,
    cited_not_ingested,
    most_cited,
    to_networkx,
    vocabulary_graphs,
)
from kg.model import Extraction, Instrument, Mention, Relation, RelationKind, Report, Text

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology"
ID = rdflib.Namespace(DEFAULT_BASE)
VOCAB = rdflib.Namespace("https://w3id.org/legal-kg/vocab/")


# --------------------------------------------------------------------------
# Hand-made extractions: two provincial reports citing the same things
# --------------------------------------------------------------------------

def national(symbol, doc_type, issuer, year, date=None, title=None):
    return Instrument(symbol=symbol, number=symbol.split("/")[0], doc_type=doc_type, issuer=issuer,
                      year=year, date=date, national=True, title=title)


def local(symbol, doc_type, issuer, year, province, date=None):
    return Instrument(symbol=symbol, number=symbol.split("/")[0], doc_type=doc_type, issuer=issuer,
                      year=year, date=date, jurisdiction=province, national=False)


ND60 = national("60/2021/NĐ-CP", "NĐ", "CP", 2021, dt.date(2021, 6, 21), "Quy định cơ chế tự chủ tài chính")
ND96 = national("96/2010/NĐ-CP", "NĐ", "CP", 2010)
ND115 = national("115/2005/NĐ-CP", "NĐ", "CP", 2005)
TTLT = national("01/2014/TTLT-BTC-BNV", "TTLT", "BTC-BNV", 2014)
BCA = national("4959/BCA-C06", "CV", "BCA-C06", None)


def cite(text: str, surface: str, instrument: Instrument, after: int = 0) -> Mention:
    start = text.index(surface, after)
    return Mention(start, start + len(surface), surface, instrument)


def nghe_an() -> Extraction:
    content = (
        "UBND TỈNH NGHỆ AN\nSố: 123/BC-UBND\nBÁO CÁO Công tác cải cách hành chính năm 2023\n"
        "Căn cứ Nghị định số 60/2021/ND-CP ngày 21/6/2021 của Chính phủ;\n"
        "Thực hiện Quyết định số 4288/QĐ-UBND ngày 30/12/2022 của UBND tỉnh;\n"
        "Nghị định 96/2010/NĐ-CP sửa đổi, bổ sung một số điều của Nghị định 115/2005/NĐ-CP.\n"
        "Thông tư liên tịch 01/2014/TTLT-BTC-BNV; Công văn 4959/BCA-C06 của Bộ Công an.\n"
        "Nghị định 60/2021/NĐ-CP tiếp tục được triển khai.\n"
    )
    own = local("123/BC-UBND", "BC", "UBND", 2023, "Nghệ An", dt.date(2023, 12, 1))
    qd = local("4288/QĐ-UBND", "QĐ", "UBND", 2022, "Nghệ An", dt.date(2022, 12, 30))
    mentions = (
        cite(content, "123/BC-UBND", own),
        cite(content, "60/2021/ND-CP", ND60),
        cite(content, "4288/QĐ-UBND", qd),
        cite(content, "96/2010/NĐ-CP", ND96),
        cite(content, "115/2005/NĐ-CP", ND115),
        cite(content, "01/2014/TTLT-BTC-BNV", TTLT),
        cite(content, "4959/BCA-C06", BCA),
        cite(content, "60/2021/NĐ-CP", ND60),
    )
    amend_start = content.index("Nghị định 96")
    amend_end = content.index(".\n", amend_start) + 1
    basis_start = content.index("Căn cứ")
    relations = (
        Relation(RelationKind.AMENDS, ND96, ND115, amend_start, amend_end),
        Relation(RelationKind.BASED_ON, None, ND60, basis_start, content.index(";", basis_start)),
    )
    text = Text(content, source="data/nghe-an/bc-123-2023.txt")
    report = Report(source=text.source, text=text, symbol="123/BC-UBND",
                    doc_type="BC", issuer="UBND", date=dt.date(2023, 12, 1),
                    title="Công tác cải cách hành chính năm 2023", jurisdiction="Nghệ An")
    return Extraction(text, report, mentions, relations, extractor_version="0.1.0")


def ha_tinh() -> Extraction:
    content = "Báo cáo\nThực hiện Quyết định số 4288/QĐ-UBND và Nghị định 60/2021/NĐ-CP.\n" + "x" * 200
    qd = local("4288/QĐ-UBND", "QĐ", "UBND", 2022, "Hà Tĩnh")
    text = Text(content, source="data/ha-tinh/bao-cao.docx", pages=(0, 100))
    mentions = (cite(content, "4288/QĐ-UBND", qd), cite(content, "60/2021/NĐ-CP", ND60))
    report = Report(source=text.source, text=text, doc_type="BC",
                    jurisdiction="Hà Tĩnh")
    return Extraction(text, report, mentions, (), extractor_version="0.1.0")


@pytest.fixture(scope="module")
def na():
    return build_report_graph(nghe_an())


@pytest.fixture(scope="module")
def ht():
    return build_report_graph(ha_tinh())


@pytest.fixture(scope="module")
def shacl():
    return kg.shapes.shapes()


def validate(graph: rdflib.Graph, shacl) -> tuple[bool, rdflib.Graph, str]:
    v = kg.shapes.validate(graph)
    return v.conforms, v.report, v.text


# --------------------------------------------------------------------------
# IRIs: stable, deterministic, jurisdiction-aware
# --------------------------------------------------------------------------

def test_report_graph_names(na):
    ex = nghe_an()
    assert na.key == ex.report.key
    assert na.iri == f"{DEFAULT_BASE}graph/{ex.report.key}"
    assert na.content_hash == ex.text.content_hash
    assert (ID[f"report/{ex.report.key}"], RDF.type, LKG.Report) in na.graph


def test_same_local_symbol_in_two_provinces_gives_two_instruments(na, ht):
    na_qd = ID["instrument/vn-nghe-an/2022/4288-qd-ubnd"]
    ht_qd = ID["instrument/vn-ha-tinh/2022/4288-qd-ubnd"]
    assert (na_qd, ELI.id_local, Literal("4288/QĐ-UBND")) in na.graph
    assert (ht_qd, ELI.id_local, Literal("4288/QĐ-UBND")) in ht.graph
    assert (na_qd, ELI.jurisdiction, VOCAB["jurisdiction/nghe-an"]) in na.graph
    assert (ht_qd, ELI.jurisdiction, VOCAB["jurisdiction/ha-tinh"]) in ht.graph
    assert (None, None, ht_qd) not in na.graph and (None, None, na_qd) not in ht.graph


def test_same_national_decree_from_two_reports_gives_one_iri(na, ht):
    nd60 = ID["instrument/vn/60-2021-nd-cp"]
    for rg in (na, ht):
        report = URIRef(DEFAULT_BASE + "report/" + rg.key)
        assert (report, ELI.cites, nd60) in rg.graph
        assert (nd60, ELI.jurisdiction, VOCAB["jurisdiction/vn"]) in rg.graph
        assert (nd60, ELI.type_document, VOCAB["document-type/nd"]) in rg.graph
        assert (nd60, ELI.passed_by, VOCAB["issuer/cp"]) in rg.graph
        assert (nd60, RDF.type, ELI.LegalResource) in rg.graph


def test_building_is_deterministic_and_base_configurable():
    a, b = build_report_graph(nghe_an()), build_report_graph(nghe_an())
    assert set(a.graph) == set(b.graph)
    other = build_report_graph(nghe_an(), base="http://example.org/kg/")
    assert other.iri.startswith("http://example.org/kg/graph/")
    subjects = {s for s in other.graph.subjects() if not str(s).startswith(str(VOCAB))}
    assert subjects and all(str(s).startswith("http://example.org/kg/") for s in subjects)
    assert len(other.graph) == len(a.graph)


def test_instrument_description(na):
    nd60 = ID["instrument/vn/60-2021-nd-cp"]
    g = na.graph
    assert g.value(nd60, ELI.number) == Literal("60")
    assert g.value(nd60, LKG.year) == Literal(2021, datatype=rdflib.XSD.integer)
    assert g.value(nd60, ELI.date_document) == Literal("2021-06-21", datatype=rdflib.XSD.date)
    assert g.value(nd60, rdflib.DCTERMS.title) == Literal("Quy định cơ chế tự chủ tài chính", lang="vi")
    # Two mentions of the decree, one instrument node, one value per property.
    for p in (ELI.id_local, ELI.number, LKG.year, ELI.date_document, ELI.type_document, ELI.jurisdiction):
        assert len(list(g.objects(nd60, p))) == 1, p


def test_issuers_joint_and_unknown_codes_never_dangle(na):
    g = na.graph
    ttlt = ID["instrument/vn/01-2014-ttlt-btc-bnv"]
    assert set(g.objects(ttlt, ELI.passed_by)) == {VOCAB["issuer/btc"], VOCAB["issuer/bnv"]}
    # C06 is not in the vocabulary: the whole code gets a concept, labelled with the code.
    bca = ID["instrument/vn/4959-bca-c06"]
    issuer = g.value(bca, ELI.passed_by)
    assert issuer == VOCAB["issuer/bca-c06"]
    assert (issuer, RDF.type, SKOS.Concept) in g
    assert g.value(issuer, SKOS.prefLabel) == Literal("BCA-C06")
    assert g.value(issuer, SKOS.inScheme) == VOCAB["issuer"]
    # Known concepts are not repeated in report graphs: they live in ontology/vocabularies.
    assert (VOCAB["issuer/cp"], None, None) not in g


def test_a_provinces_instrument_is_passed_by_that_provinces_body(na, ht):
    """UBND tỉnh Nghệ An and UBND tỉnh Hà Tĩnh are two bodies, each a kind of UBND (#11.10)."""
    bodies = {}
    # Described once, in the issuing-bodies vocabulary; the report graph only names it.
    g = vocabulary_graphs()["issuing-bodies"]
    for rg, slug, label in ((na, "nghe-an", "Ủy ban nhân dân tỉnh Nghệ An"), (ht, "ha-tinh", "Ủy ban nhân dân tỉnh Hà Tĩnh")):
        qd = ID[f"instrument/vn-{slug}/2022/4288-qd-ubnd"]
        body = rg.graph.value(qd, ELI.passed_by)
        assert (body, SKOS.prefLabel, None) not in rg.graph
        assert body == VOCAB[f"issuer/ubnd.{slug}"]
        assert {(body, RDF.type, ELI.Organization), (body, RDF.type, SKOS.Concept),
                (body, SKOS.broader, VOCAB["issuer/ubnd"]), (body, SKOS.inScheme, VOCAB["issuer"]),
                (body, SKOS.notation, Literal("UBND")),
                (body, ELI.jurisdiction, VOCAB[f"jurisdiction/{slug}"])} <= set(g)
        assert g.value(body, SKOS.prefLabel) == Literal(label, lang="vi")
        bodies[slug] = body
    assert bodies["nghe-an"] != bodies["ha-tinh"]
    # National bodies stay the one national body.
    assert na.graph.value(ID["instrument/vn/60-2021-nd-cp"], ELI.passed_by) == VOCAB["issuer/cp"]


def test_report_metadata_and_own_symbol(na, ht):
    g = na.graph
    report = URIRef(DEFAULT_BASE + "report/" + na.key)
    own = ID["instrument/vn-nghe-an/2023/123-bc-ubnd"]
    assert g.value(report, LKG.sourceFile) == Literal("data/nghe-an/bc-123-2023.txt")
    assert g.value(report, LKG.contentHash) == Literal(na.content_hash)
    assert g.value(report, LKG.identifiedAs) == own
    assert g.value(report, ELI.id_local) == Literal("123/BC-UBND")
    assert g.value(report, ELI.jurisdiction) == VOCAB["jurisdiction/nghe-an"]
    assert (report, ELI.cites, own) not in g  # its own header is not a citation
    assert len(set(g.objects(report, ELI.cites))) == 6
    # A report without a symbol of its own is no instrument.
    assert (None, LKG.identifiedAs, None) not in ht.graph


# --------------------------------------------------------------------------
# Provenance: every mention and relation traceable to its characters
# --------------------------------------------------------------------------

def test_each_mention_is_traceable_to_offsets_and_surface(na):
    ex, g = nghe_an(), na.graph
    report = URIRef(DEFAULT_BASE + "report/" + na.key)
    nodes = set(g.subjects(RDF.type, LKG.Mention))
    assert len(nodes) == len(ex.mentions)
    for m in ex.mentions:
        node = URIRef(f"{report}/mention/{m.start}-{m.end}")
        assert node in nodes
        start, end = g.value(node, LKG.start).toPython(), g.value(node, LKG.end).toPython()
        assert ex.text.content[start:end] == str(g.value(node, LKG.surface)) == m.surface
        assert g.value(node, LKG.refersTo) == ID[f"instrument/{m.instrument.key}"]
        assert g.value(node, LKG.inReport) == report
        assert (node, LKG.page, None) not in g  # unpaged source
        activity = g.value(node, PROV.wasGeneratedBy)
        assert g.value(activity, PROV.used) == report
        agent = g.value(activity, PROV.wasAssociatedWith)
        assert (agent, RDF.type, PROV.SoftwareAgent) in g
        assert g.value(agent, LKG.extractorVersion) == Literal("0.1.0")


def test_pages_are_given_for_paged_sources(ht):
    pages = {int(p) for p in ht.graph.objects(None, LKG.page)}
    assert pages == {1}


def test_relations_are_direct_triples_and_reified_with_evidence(na):
    ex, g = nghe_an(), na.graph
    report = URIRef(DEFAULT_BASE + "report/" + na.key)
    nd96, nd115, nd60 = (ID[f"instrument/{i.key}"] for i in (ND96, ND115, ND60))
    assert (nd96, ELI.amends, nd115) in g
    assert (report, ELI.based_on, nd60) in g  # "Căn cứ": from the report itself
    statements = set(g.subjects(RDF.type, LKG.RelationStatement))
    assert len(statements) == len(ex.relations)
    for rel in ex.relations:
        (st,) = [s for s in statements if g.value(s, LKG.relationKind) == RELATION_PROPERTIES[rel.kind]]
        src = report if rel.source is None else ID[f"instrument/{rel.source.key}"]
        assert g.value(st, LKG.relationSource) == src
        assert g.value(st, LKG.relationTarget) == ID[f"instrument/{rel.target.key}"]
        assert g.value(st, LKG.inReport) == report
        assert (g.value(st, LKG.start).toPython(), g.value(st, LKG.end).toPython()) == (rel.start, rel.end)
        assert str(g.value(st, LKG.surface)) == ex.text.content[rel.start:rel.end]
        assert g.value(st, PROV.wasGeneratedBy) is not None
    amends = next(s for s in statements if g.value(s, LKG.relationKind) == ELI.amends)
    assert "sửa đổi, bổ sung" in str(g.value(amends, LKG.surface))


# --------------------------------------------------------------------------
# SHACL: the graphs conform, and the shapes bite
# --------------------------------------------------------------------------

def test_report_graphs_conform_to_the_shapes(na, ht, shacl):
    for rg in (na, ht):
        conforms, _, text = validate(rg.graph, shacl)
        assert conforms, text


def test_real_extraction_conforms(example_path, shacl):
    from extractors import extract

    ex = extract(Text(example_path.read_text(encoding="utf-8"), source=str(example_path)))
    conforms, _, text = validate(build_report_graph(ex).graph, shacl)
    assert conforms, text


def _broken(na, drop):
    g = rdflib.Graph()
    g += na.graph
    for t in list(g.triples(drop(g))):
        g.remove(t)
    return g


def test_a_mention_without_offsets_fails(na, shacl):
    mention = next(na.graph.subjects(RDF.type, LKG.Mention))
    conforms, _, text = validate(_broken(na, lambda g: (mention, LKG.start, None)), shacl)
    assert not conforms
    assert "MinCountConstraintComponent" in text and "lkg:start" in text.replace(str(LKG), "lkg:")


def test_an_instrument_without_symbol_or_a_report_without_hash_fails(na, shacl):
    nd60 = ID["instrument/vn/60-2021-nd-cp"]
    conforms, _, _ = validate(_broken(na, lambda g: (nd60, ELI.id_local, None)), shacl)
    assert not conforms
    conforms, _, _ = validate(_broken(na, lambda g: (None, LKG.contentHash, None)), shacl)
    assert not conforms


def test_a_statement_whose_triple_is_missing_fails(na, shacl):
    nd96, nd115 = ID[f"instrument/{ND96.key}"], ID[f"instrument/{ND115.key}"]
    conforms, _, text = validate(_broken(na, lambda g: (nd96, ELI.amends, nd115)), shacl)
    assert not conforms and "reifies a triple that is not in the graph" in text


def test_wrong_datatypes_and_spans_fail(na, shacl):
    mention = next(na.graph.subjects(RDF.type, LKG.Mention))
    g = rdflib.Graph()
    g += na.graph
    g.set((mention, LKG.end, Literal(0)))  # end before start
    assert not validate(g, shacl)[0]
    g = rdflib.Graph()
    g += na.graph
    g.set((mention, LKG.start, Literal("12")))  # a string, not an integer
    assert not validate(g, shacl)[0]


# --------------------------------------------------------------------------
# Speed: build_report_graph is on the ingest hot path
# --------------------------------------------------------------------------

def thirty_mentions(n: int) -> Extraction:
    content = "".join(f"Nghị định số {i}/2021/NĐ-CP ngày 1/6/2021 của Chính phủ; " for i in range(30))
    text = Text(content, source=f"data/bench/{n}.txt")
    mentions = tuple(cite(content, f"{i}/2021/NĐ-CP", national(f"{i + 30 * n}/2021/NĐ-CP", "NĐ", "CP", 2021,
                                                            dt.date(2021, 6, 1)), 0)
                     for i in range(30))
    relations = tuple(Relation(RelationKind.GUIDES, mentions[i].instrument, mentions[i + 1].instrument,
                               mentions[i].start, mentions[i + 1].end) for i in range(5))
    report = Report(source=text.source, text=text, doc_type="BC",
                    jurisdiction="Nghệ An")
    return Extraction(text, report, mentions, relations, "0.1.0")


# --------------------------------------------------------------------------
# networkx and the `kg stats` helpers
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def union(na, ht):
    g = rdflib.Graph()
    g += na.graph
    g += ht.graph
    return g


def test_to_networkx_nodes_and_edges(union, na, ht):
    g = to_networkx(union)
    assert isinstance(g, nx.MultiDiGraph)
    reports = {n for n, d in g.nodes(data=True) if d["kind"] == "report"}
    assert reports == {DEFAULT_BASE + "report/" + na.key, DEFAULT_BASE + "report/" + ht.key}
    nd60 = DEFAULT_BASE + "instrument/vn/60-2021-nd-cp"
    assert g.nodes[nd60] == {"kind": "instrument", "symbol": "60/2021/NĐ-CP", "label": "60/2021/NĐ-CP"}
    assert {k for _, _, k in g.edges(keys=True)} == {"cites", "amends", "based_on"}
    assert g.has_edge(DEFAULT_BASE + "instrument/vn/96-2010-nd-cp",
                      DEFAULT_BASE + "instrument/vn/115-2005-nd-cp", key="amends")
    na_report = DEFAULT_BASE + "report/" + na.key
    assert g.nodes[na_report]["instrument"] == DEFAULT_BASE + "instrument/vn-nghe-an/2023/123-bc-ubnd"
    # The same edge stated twice (two graphs, or quads) is one edge.
    assert g.number_of_edges() == to_networkx(list(union) + list(union)).number_of_edges()


def test_to_networkx_from_pyoxigraph(union, na, ht):
    store = ox.Store()
    for rg in (na, ht):
        store.load(rg.graph.serialize(format="nt").encode(), ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.NamedNode(rg.iri))
    from_quads = to_networkx(store.quads_for_pattern(None, None, None, None))
    from_rdflib = to_networkx(union)
    assert dict(from_quads.nodes(data=True)) == dict(from_rdflib.nodes(data=True))
    assert set(from_quads.edges(keys=True)) == set(from_rdflib.edges(keys=True))
    construct = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert set(to_networkx(construct).edges(keys=True)) == set(from_rdflib.edges(keys=True))


def test_most_cited_and_cited_not_ingested(union):
    g = to_networkx(union)
    top = most_cited(g, 2)
    assert top[0] == (DEFAULT_BASE + "instrument/vn/60-2021-nd-cp", 2)
    assert len(top) == 2 and top[1][1] == 1
    missing = cited_not_ingested(g)
    assert DEFAULT_BASE + "instrument/vn/60-2021-nd-cp" in missing
    # 123/BC-UBND has a report of its own in the store (and is not cited anyway).
    assert DEFAULT_BASE + "instrument/vn-nghe-an/2023/123-bc-ubnd" not in missing
    assert all(g.nodes[n]["kind"] == "instrument" for n in missing)


def test_cited_instrument_with_a_report_of_its_own_is_ingested():
    """Report B cites 123/BC-UBND of Nghệ An; report A *is* it: not missing."""
    a = build_report_graph(nghe_an()).graph
    content = "Theo Báo cáo số 123/BC-UBND của UBND tỉnh Nghệ An."
    own = local("123/BC-UBND", "BC", "UBND", 2023, "Nghệ An")
    text = Text(content, source="data/nghe-an/other.txt")
    b = build_report_graph(Extraction(text, Report(text.source, jurisdiction="Nghệ An", text=text),
                                      (cite(content, "123/BC-UBND", own),))).graph
    g = to_networkx(list(a) + list(b))
    iri = DEFAULT_BASE + "instrument/vn-nghe-an/2023/123-bc-ubnd"
    assert any(k == "cites" for _, _, k in g.in_edges(iri, keys=True))
    assert iri not in cited_not_ingested(g)
    assert g.nodes[iri]["reports"] == [DEFAULT_BASE + "report/" + nghe_an().report.key]


def test_amendment_chains():
    g = nx.MultiDiGraph()
    for n in "ABCDE":
        g.add_node(n, kind="instrument", symbol=n, label=n)
    # C (newest) amends B, which amends A; D also amends A; E amends nothing.
    for s, o in [("C", "B"), ("B", "A"), ("D", "A")]:
        g.add_edge(s, o, key="amends", label="amends")
    g.add_edge("E", "A", key="cites", label="cites")
    assert amendment_chains(g) == [["C", "B", "A"], ["D", "A"]]
    # A cycle (an OCR slip) still ends.
    g.add_edge("A", "C", key="amends", label="amends")
    chains = amendment_chains(g)
    assert chains and all(len(c) == len(set(c)) for c in chains)
    assert amendment_chains(nx.MultiDiGraph()) == []


def test_amendment_chains_from_rdf(union):
    assert amendment_chains(to_networkx(union)) == [[
        DEFAULT_BASE + "instrument/vn/96-2010-nd-cp", DEFAULT_BASE + "instrument/vn/115-2005-nd-cp"]]
