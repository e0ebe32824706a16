"""kg.validation (SHACL compiled to SPARQL, all reports at once) against pyshacl (kg.shapes), the reference.

Report graphs come from the builder (the bundled example, synthetic reports)
and from deliberate damage, one kind per constraint the shapes can break;
both validators must agree on which reports conform and on every violation
(focus node, path, constraint, value).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef

from extractors import extract
from kg.cli import main
from kg.graph import ELI, LKG, VOCAB, build_report_graph, vocabulary_report_graph
from kg.model import Text
from kg.shapes import violations as reference
from kg.stores.base import ReportGraph
from kg.stores.oxigraph import OxigraphStore
from kg.synthetic import generate
from kg.validation import UnsupportedShape, Validator, report_graphs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
PROV = rdflib.PROV
SHAPES = ROOT / "ontology" / "shapes.ttl"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


@pytest.fixture(scope="module")
def built() -> list[ReportGraph]:
    """The builder's output: the bundled example and synthetic reports (clean and OCR-damaged)."""
    graphs = [build_report_graph(extract(Text(EXAMPLE.read_text(encoding="utf-8"), source=str(EXAMPLE))))]
    for noise in (0.0, 0.5):
        for r in generate(6, seed=7, noise=noise, start=0 if noise == 0 else 100):
            graphs.append(build_report_graph(extract(r.text, source=f"/synthetic/{r.name}.txt")))
    return graphs


def copy(rg: ReportGraph, key: str) -> ReportGraph:
    """The same triples under another key and graph (a report of its own)."""
    g = rdflib.Graph()
    g += rg.graph
    return ReportGraph(key=key, iri=f"{rg.iri}-{key}", content_hash=rg.content_hash, graph=g)


def the(g: rdflib.Graph, cls) -> URIRef:
    """One node of class ``cls``, always the same."""
    return sorted(g.subjects(RDF.type, cls))[0]


def report_node(g: rdflib.Graph) -> URIRef:
    return the(g, LKG.Report)


def instrument(g: rdflib.Graph) -> URIRef:
    """A cited instrument (not the report itself)."""
    return sorted(g.objects(report_node(g), ELI.cites))[0]


def statement(g: rdflib.Graph) -> URIRef | None:
    found = sorted(g.subjects(RDF.type, LKG.RelationStatement))
    return found[0] if found else None


def _set(g, s, p, o):
    g.remove((s, p, None))
    g.add((s, p, o))


# Each damage: (name, function(graph) → None). Each makes the report break the shapes one way.
def _no_start(g):
    g.remove((the(g, LKG.Mention), LKG.start, None))


def _two_starts(g):
    g.add((the(g, LKG.Mention), LKG.start, Literal(0)))


def _start_as_string(g):
    m = the(g, LKG.Mention)
    _set(g, m, LKG.start, Literal(str(g.value(m, LKG.start))))


def _end_before_start(g):
    _set(g, the(g, LKG.Mention), LKG.end, Literal(1))
    _set(g, the(g, LKG.Mention), LKG.start, Literal(5))


def _end_zero(g):
    _set(g, the(g, LKG.Mention), LKG.end, Literal(0))


def _empty_surface(g):
    _set(g, the(g, LKG.Mention), LKG.surface, Literal(""))


def _bad_hash(g):
    _set(g, report_node(g), LKG.contentHash, Literal("not a sha-256"))


def _unknown_relation_kind(g):
    s = statement(g)
    _set(g, s, LKG.relationKind, ELI.cites)


def _missing_reified_triple(g):
    s = statement(g)
    g.remove((g.value(s, LKG.relationSource), g.value(s, LKG.relationKind), g.value(s, LKG.relationTarget)))


def _kind_by_superproperty(g):
    """A statement of eli:repeals whose triple is lkg:replaces (a sub-property): entailed, so it conforms."""
    s = statement(g)
    src, kind, tgt = g.value(s, LKG.relationSource), g.value(s, LKG.relationKind), g.value(s, LKG.relationTarget)
    g.remove((src, kind, tgt))
    g.add((src, LKG.replaces, tgt))
    _set(g, s, LKG.relationKind, ELI.repeals)


def _no_symbol(g):
    g.remove((instrument(g), ELI.id_local, None))


def _two_numbers(g):
    g.add((instrument(g), ELI.number, Literal("999999")))


def _wrong_scheme(g):
    """The document type is an issuer concept: sh:node DocumentTypeConcept fails."""
    _set(g, instrument(g), ELI.type_document, URIRef(VOCAB + "issuer/cp"))


def _literal_issuer(g):
    g.add((instrument(g), ELI.passed_by, Literal("CP")))


def _cites_untyped(g):
    g.add((report_node(g), ELI.cites, URIRef("https://example.org/not-typed")))


def _literal_refers_to(g):
    """A literal object of lkg:refersTo is an eli:LegalResource by its range: not an IRI."""
    _set(g, the(g, LKG.Mention), LKG.refersTo, Literal("60/2021/NĐ-CP"))


def _blank_mention(g):
    m = rdflib.BNode()
    g.add((m, RDF.type, LKG.Mention))
    g.add((m, LKG.start, Literal(1)))


def _unlabelled_concept(g):
    concept = URIRef(VOCAB + "issuer/xyz-unknown")
    g.add((instrument(g), ELI.passed_by, concept))
    g.add((concept, RDF.type, SKOS.Concept))
    g.add((concept, SKOS.inScheme, URIRef(VOCAB + "issuer")))


def _year_out_of_range(g):
    _set(g, instrument(g), LKG.year, Literal(2200))


def _ill_typed_date(g):
    _set(g, instrument(g), ELI.date_document, Literal("2021-13-45", datatype=XSD.date))


def _title_without_language(g):
    _set(g, instrument(g), rdflib.DCTERMS.title, Literal("Quyết định"))


def _two_extractions(g):
    g.add((URIRef("https://example.org/other-extraction"), PROV.used, report_node(g)))


def _agent_without_version(g):
    g.remove((the(g, PROV.SoftwareAgent), LKG.extractorVersion, None))


def _two_identities(g):
    g.add((report_node(g), LKG.identifiedAs, instrument(g)))
    g.add((report_node(g), LKG.identifiedAs, sorted(g.objects(report_node(g), ELI.cites))[-1]))


def _page_zero(g):
    _set(g, the(g, LKG.Mention), LKG.page, Literal(0))


def _untyped_mention(g):
    """No rdf:type: still a mention and a text anchor, by the domains of its properties."""
    m = the(g, LKG.Mention)
    g.remove((m, RDF.type, LKG.Mention))
    g.remove((m, LKG.inReport, None))


def _restates_vocabulary(g):
    """A report puts a vocabulary concept in a second scheme: the concept now has two."""
    g.add((URIRef(VOCAB + "issuer/cp"), SKOS.inScheme, URIRef(VOCAB + "document-type")))


def _cites_a_concept(g):
    """A vocabulary concept cited as an instrument: it lacks a symbol, number and type."""
    g.add((report_node(g), ELI.cites, URIRef(VOCAB + "issuer/cp")))


def _schema_in_report(g):
    """A report that declares schema: validated by the reference."""
    g.add((LKG.Mention, RDFS.subClassOf, SKOS.Concept))


def _language_on_string(g):
    _set(g, the(g, LKG.Mention), LKG.surface, Literal("x", lang="vi"))


DAMAGES = [_no_start, _two_starts, _start_as_string, _end_before_start, _end_zero, _empty_surface, _bad_hash,
           _unknown_relation_kind, _missing_reified_triple, _kind_by_superproperty, _no_symbol, _two_numbers,
           _wrong_scheme, _literal_issuer, _cites_untyped, _literal_refers_to, _blank_mention,
           _unlabelled_concept, _year_out_of_range, _ill_typed_date, _title_without_language, _two_extractions,
           _agent_without_version, _two_identities, _page_zero, _untyped_mention, _restates_vocabulary,
           _cites_a_concept, _schema_in_report, _language_on_string]


@pytest.fixture(scope="module")
def damaged(built) -> list[ReportGraph]:
    """Every damage applied to a report that has what it needs (a relation statement, a mention …)."""
    with_statement = next(rg for rg in built if statement(rg.graph) is not None)
    out = []
    for damage in DAMAGES:
        base = with_statement if "relation" in damage.__name__ or "kind" in damage.__name__ else built[1]
        rg = copy(base, damage.__name__.strip("_"))
        damage(rg.graph)
        out.append(rg)
    return out


@pytest.fixture(scope="module")
def store(built, damaged):
    store = OxigraphStore()
    store.save(vocabulary_report_graph())
    store.save_many(built + damaged)
    return store


@pytest.fixture(scope="module")
def outcome(validator, store):
    return validator.run(store)


def keys(violations) -> set:
    return {v.key() for v in violations}


def test_every_report_gets_pyshacls_verdict_and_violations(store, outcome, built, damaged):
    assert outcome.reports == len(built) + len(damaged)
    for rg in built + damaged:
        expected = reference(store.load(rg.key).graph)
        got = outcome.violations.get(rg.key, [])
        assert keys(got) == keys(expected), rg.key


def test_the_builders_output_conforms(outcome, built):
    assert not set(outcome.violations) & {rg.key for rg in built}


@pytest.mark.parametrize("damage", [d for d in DAMAGES if d not in (_kind_by_superproperty,)],
                         ids=lambda d: d.__name__.strip("_"))
def test_each_damage_is_caught(outcome, damage):
    assert damage.__name__.strip("_") in outcome.violations


def test_entailed_triples_count(outcome):
    """pyshacl's RDFS inference: a statement of eli:repeals is satisfied by an lkg:replaces triple."""
    assert "kind_by_superproperty" not in outcome.violations


def test_constraints_seen(outcome):
    """The damages exercise every kind of constraint the shapes use."""
    seen = {v.constraint for vs in outcome.violations.values() for v in vs}
    assert {"MinCount", "MaxCount", "Datatype", "NodeKind", "Class", "MinLength", "Pattern", "In", "Node",
            "MinInclusive", "MaxInclusive", "LessThan", "SPARQL"} <= seen


def test_reports_with_schema_or_blank_nodes_go_to_the_reference(outcome):
    assert set(outcome.by_reference) == {"schema_in_report", "blank_mention"}
