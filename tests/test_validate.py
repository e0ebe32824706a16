"""kg.validation (SHACL compiled to SPARQL, all reports at once) against pyshacl (kg.shapes), the reference.

Report graphs come from the builder (the bundled example, synthetic reports)
and from deliberate damage, one kind per constraint the shapes can break;
both validators must agree on which reports conform and on every violation
(focus node, path, constraint, value).
"""
from __future__ import annotations

import json
import random
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
from kg.validation import UnsupportedShape, Validator
from synthetic import generate

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


def _minted_concept_in_wrong_scheme(g):
    """A body the report describes itself (as for a province's council), put in the wrong scheme."""
    concept = URIRef(VOCAB + "issuer/hdnd.nowhere")
    g.add((instrument(g), ELI.passed_by, concept))
    for p, o in ((RDF.type, SKOS.Concept), (SKOS.inScheme, URIRef(VOCAB + "jurisdiction")),
                 (SKOS.prefLabel, Literal("HĐND", lang="vi")), (SKOS.notation, Literal("HĐND"))):
        g.add((concept, p, o))


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
           _unlabelled_concept, _minted_concept_in_wrong_scheme, _year_out_of_range, _ill_typed_date,
           _title_without_language, _two_extractions,
           _agent_without_version, _two_identities, _page_zero, _untyped_mention, _restates_vocabulary,
           _cites_a_concept, _schema_in_report, _language_on_string]


@pytest.fixture(scope="module")
def damaged(built) -> list[ReportGraph]:
    """Every damage applied to a report that has what it needs (a relation statement, a mention …),
    then a few reports with several damages each, drawn at random (seeded)."""
    with_statement = [rg for rg in built if statement(rg.graph) is not None]
    out = []
    for damage in DAMAGES:
        base = with_statement[0] if "relation" in damage.__name__ or "kind" in damage.__name__ else built[1]
        rg = copy(base, damage.__name__.strip("_"))
        damage(rg.graph)
        out.append(rg)
    rng = random.Random(10)
    for i in range(6):
        rg = copy(with_statement[i % len(with_statement)], f"mixed-{i}")
        for damage in rng.sample(DAMAGES, 3):
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
    assert {"schema_in_report", "blank_mention"} <= set(outcome.by_reference)
    assert all(key.startswith("mixed-") for key in set(outcome.by_reference) - {"schema_in_report", "blank_mention"})


# --------------------------------------------------------------------------
# The default graph: one decided description per instrument
# --------------------------------------------------------------------------

def _two_reports_on_one_instrument(built, *, claimed: bool):
    """Two reports describing one instrument differently: by a claimed property (decided) or not."""
    a, b = copy(built[1], "first"), copy(built[1], "second")
    node = instrument(b.graph)
    if claimed:
        _set(b.graph, node, ELI.date_document, Literal("1999-01-02", datatype=XSD.date))
    else:
        _set(b.graph, node, ELI.number, Literal("424242"))
    return a, b


@pytest.mark.parametrize("claimed", [True, False], ids=["claimed-date", "shared-number"])
def test_the_default_graph_holds_at_most_one_value(validator, built, claimed):
    store = OxigraphStore()
    store.save_many(_two_reports_on_one_instrument(built, claimed=claimed))
    result = validator.run(store)
    assert not result.violations  # each report is fine on its own
    if claimed:  # the store decided one date: the default graph conforms
        assert result.default_graph == []
    else:  # eli:number is not decided per instrument: two numbers in the default graph
        node = instrument(built[1].graph)
        assert keys(result.default_graph) == {(f"<{node}>", f"<{ELI.number}>", "MaxCount", "")}


def test_the_default_graph_of_the_builders_output_conforms(outcome, validator, built):
    store = OxigraphStore()
    store.save_many(built)
    assert validator.run(store).default_graph == []


def test_only_some_reports(validator, store, damaged):
    result = validator.run(store, ["no_start", "two_starts", damaged[0].key])
    assert result.reports == 2 and set(result.violations) == {"no_start", "two_starts"}
    assert result.default_graph is None  # only checked with every report
    with pytest.raises(KeyError):
        validator.run(store, ["no such report"])


# --------------------------------------------------------------------------
# The shapes: one definition; what is not translated is refused
# --------------------------------------------------------------------------

def shapes_with(extra: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=SHAPES.read_text(encoding="utf-8") + extra, format="turtle")


@pytest.mark.parametrize("extra, feature", [
    ("lkgsh:TextAnchorShape sh:property [ sh:path lkg:surface ; sh:uniqueLang true ] .", "uniqueLang"),
    ("lkgsh:MentionShape sh:property [ sh:path ( lkg:refersTo eli:number ) ; sh:minCount 1 ] .", "sh:path"),
    ("lkgsh:MentionShape sh:or ( [ sh:class lkg:Mention ] [ sh:class lkg:TextAnchor ] ) .", "sh:or"),
    ("lkgsh:MentionShape sh:property [ sh:path lkg:start ; sh:datatype xsd:gYear ] .", "xsd:gYear"),
    ("lkgsh:MentionShape sh:sparql [ sh:select 'SELECT $this WHERE { $this ?p ?o } ORDER BY ?o' ] .",
     "SPARQL constraint"),
])
def test_a_shape_feature_not_translated_is_refused(extra, feature):
    with pytest.raises(UnsupportedShape, match="not supported") as e:
        Validator(shapes_with(extra))
    assert "shapes.ttl" in str(e.value)


def test_a_changed_shape_is_honoured(built):
    """The shapes file is the one definition: a new constraint is checked by both validators alike."""
    shapes = shapes_with("lkgsh:MentionShape sh:property [ sh:path lkg:surface ; sh:maxLength 5 ] .")
    store = OxigraphStore()
    store.save(built[1])
    result = Validator(shapes).run(store)
    assert {v.constraint for v in result.violations[built[1].key]} == {"MaxLength"}


def test_the_ontology_must_conform_on_its_own():
    from kg.shapes import shapes

    ontology = rdflib.Graph()
    ontology += shapes()[0]
    ontology.remove((URIRef(VOCAB + "issuer/cp"), SKOS.prefLabel, None))
    with pytest.raises(ValueError, match="ontology and vocabularies do not conform.*issuer/cp"):
        Validator(ontology=ontology)


# --------------------------------------------------------------------------
# kg validate
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, built, damaged):
    path = tmp_path_factory.mktemp("validate") / "store"
    with OxigraphStore(path) as s:
        s.save(vocabulary_report_graph())
        # Both damaged reports are copies of built[1]: its report node gets two content hashes
        # in the default graph, one from each.
        s.save_many([built[0], built[2], built[3]] + [rg for rg in damaged if rg.key in ("no_start", "bad_hash")])
    return path


def test_cli_lines_summary_and_exit_code(store_dir):
    result = CliRunner().invoke(main, ["validate", "--store", str(store_dir)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    bad = [line for line in lines if line.startswith(("no_start:", "bad_hash:"))]
    assert len(bad) == 2
    assert "lkg:start" in bad[1] and "MinCount" in bad[1]
    assert "lkg:contentHash" in bad[0] and "Pattern" in bad[0]
    (default,) = [line for line in lines if line.startswith("default graph:")]
    assert "lkg:contentHash: 2 values, at most 1 allowed (MaxCount)" in default
    assert "3 of 5 reports conform to the shapes, and the default graph does not" in lines[-1]


def test_cli_one_report_and_json(store_dir, built):
    good = CliRunner().invoke(main, ["validate", "--store", str(store_dir), "--report", built[0].key])
    assert good.exit_code == 0 and "1 of 1 reports conform" in good.output
    out = CliRunner().invoke(main, ["validate", "--store", str(store_dir), "--format", "json"])
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert data["reports"] == 5 and data["conforming"] == 3 and not data["conforms"]
    assert not data["default_graph"]["conforms"]
    assert [v["constraint"] for v in data["default_graph"]["violations"]] == ["MaxCount"]
    (v,) = data["violations"]["no_start"]
    assert v["constraint"] == "MinCount" and v["path"] == f"<{LKG.start}>" and v["focus"].startswith("<https://")


def test_cli_engines_agree(store_dir):
    runs = [json.loads(CliRunner().invoke(main, ["validate", "--store", str(store_dir), "--format", "json",
                                                 "--engine", engine]).output) for engine in ("sparql", "pyshacl")]
    for data in runs:
        for violations in data["violations"].values():
            for v in violations:
                del v["message"], v["shape"]
    assert runs[0]["violations"] == runs[1]["violations"]


def test_cli_errors(store_dir, tmp_path):
    missing = CliRunner().invoke(main, ["validate", "--store", str(store_dir), "--report", "nope"])
    assert missing.exit_code == 1 and "no report 'nope'" in missing.output
    nothing = CliRunner().invoke(main, ["validate", "--store", str(tmp_path / "none")])
    assert nothing.exit_code == 1 and "no store at" in nothing.output


# --------------------------------------------------------------------------
# Remote stores: the same queries on a SPARQL server
# --------------------------------------------------------------------------



def test_remote_store_gets_the_same_verdicts(sparql_server, validator, outcome, built, damaged):
    from kg.stores.sparql import SparqlStore

    with SparqlStore(sparql_server.url) as remote:
        remote.save(vocabulary_report_graph())
        remote.save_many(built + damaged)
        result = validator.run(remote)
    def anonymous(violations):  # blank node labels are each store's own
        return {tuple("_:" if term.startswith("_:") else term for term in v.key()) for v in violations}

    assert {k: anonymous(v) for k, v in result.violations.items()} == \
        {k: anonymous(v) for k, v in outcome.violations.items()}
    # The remote store keeps the embedded store's layout (one decided description per instrument):
    # its default graph is checked too, with the same verdicts.
    assert outcome.default_graph  # the damaged reports break an "at most one" in the merge
    assert {anonymous([v]).pop() for v in result.default_graph or ()} == \
        {anonymous([v]).pop() for v in outcome.default_graph or ()}
