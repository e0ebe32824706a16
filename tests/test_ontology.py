"""ontology/: the ontology, the generated SKOS vocabularies and the SHACL shapes."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyshacl
import pytest
import rdflib
import yaml
from rdflib import OWL, RDF, RDFS, SKOS
from rdflib.compare import isomorphic

import kg.graph
import kg.shape
from kg.graph import ELI, LKG, RELATION_PROPERTIES, build_report_graph, vocabulary_graphs
from kg.model import slugify

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology"
VOCAB_YAML = ROOT / "extractors" / "vocab"
VOCAB = "https://w3id.org/legal-kg/vocab/"

# ELI terms checked to exist in ELI 1.5, the version the ontology states. graph.py may only use these.
ELI_TERMS = {
    "LegalResource", "Work", "ResourceType", "Agent", "Organization", "AdministrativeArea",
    "cites", "id_local", "number", "type_document", "passed_by", "date_document", "jurisdiction",
    "amends", "repeals", "based_on", "applies", "ensures_implementation_of",
}


@pytest.fixture(scope="module")
def ontology():
    return rdflib.Graph().parse(ONTOLOGY / "legal-kg.ttl")


def terms_of_builder(ns: rdflib.Namespace) -> set[rdflib.URIRef]:
    """Every term of ``ns`` the builder may write (every code path, not only those a test runs): the
    classes and predicates of the shape table, and those the builder's source names."""
    terms = {p for shape in kg.shape.SHAPES for p in [type(shape).cls, *kg.shape.predicates(shape).values()]}
    terms |= set(kg.shape.RELATION_PROPERTIES.values())
    name = "LKG" if ns == LKG else "ELI"
    terms |= {ns[n] for n in re.findall(rf"\b{name}\.(\w+)", Path(kg.graph.__file__).read_text(encoding="utf-8"))}
    return {t for t in terms if t.startswith(str(ns))}


def terms_in_built_graph() -> set[rdflib.URIRef]:
    from test_graph import ha_tinh, nghe_an

    used = set()
    for ex in (nghe_an(), ha_tinh()):
        for _s, p, o in build_report_graph(ex).graph:
            used.add(p)
            if p in (RDF.type, LKG.relationKind):
                used.add(o)
    return used


def test_ontology_parses_and_declares_itself(ontology):
    assert (rdflib.URIRef("https://w3id.org/legal-kg/ontology"), RDF.type, OWL.Ontology) in ontology


def test_every_lkg_term_used_is_declared_with_labels_and_comment(ontology):
    used = terms_of_builder(LKG) | {t for t in terms_in_built_graph() if t.startswith(str(LKG))}
    assert LKG.Mention in used and LKG.relationKind in used  # the scan works
    for term in sorted(used):
        assert (term, RDF.type, None) in ontology, f"{term} is not declared"
        langs = {label.language for label in ontology.objects(term, RDFS.label)}
        assert {"en", "vi"} <= langs, f"{term} needs rdfs:label @en and @vi"
        assert ontology.value(term, RDFS.comment), f"{term} needs rdfs:comment"


def test_every_lkg_term_declared_is_documented(ontology):
    declared = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(LKG))}
    assert len(declared) >= 20
    for term in declared:
        assert {l.language for l in ontology.objects(term, RDFS.label)} >= {"en", "vi"}, term
        assert ontology.value(term, RDFS.comment), term
        if (term, RDF.type, OWL.Class) not in ontology:
            assert ontology.value(term, RDFS.domain) and ontology.value(term, RDFS.range), term


def test_eli_terms_used_exist_in_eli():
    used = {t for t in terms_in_built_graph() if t.startswith(str(ELI))}
    used |= terms_of_builder(ELI)
    assert {str(t)[len(str(ELI)):] for t in used} <= ELI_TERMS


def test_eli_is_used_not_redeclared(ontology):
    """ELI's terms get Vietnamese labels here, never a type, domain, range or definition of ours."""
    eli_subjects = {s for s in ontology.subjects() if str(s).startswith(str(ELI))}
    assert eli_subjects  # labelled
    for term in eli_subjects:
        assert set(ontology.predicates(term)) <= {RDFS.label, rdflib.SKOS.scopeNote}, term
    assert "ELI ontology, version 1.5" in str(ontology.value(rdflib.URIRef("https://w3id.org/legal-kg/ontology"),
                                                              RDFS.comment))


def test_alignment(ontology):
    # A report is a work, not a legal resource unless it is one (lkg:identifiedAs): counting
    # eli:LegalResource counts instruments.
    assert (LKG.Report, RDFS.subClassOf, ELI.Work) in ontology
    assert ELI.LegalResource not in set(ontology.transitive_objects(LKG.Report, RDFS.subClassOf))
    assert (LKG.Extraction, RDFS.subClassOf, rdflib.PROV.Activity) in ontology
    assert (LKG.replaces, RDFS.subPropertyOf, ELI.repeals) in ontology
    assert (LKG.implements, RDFS.subPropertyOf, ELI.applies) in ontology
    closure = set(ontology.transitive_objects(LKG.Mention, RDFS.subClassOf))
    assert rdflib.PROV.Entity in closure
    # Every relation kind maps to ELI or to a declared lkg: property.
    for prop in RELATION_PROPERTIES.values():
        assert str(prop).startswith(str(ELI)) or (prop, RDF.type, OWL.ObjectProperty) in ontology


# --------------------------------------------------------------------------
# Vocabularies: generated from the YAML, committed, up to date
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["document-types", "issuers", "issuing-bodies", "jurisdictions"])
def test_generated_vocabularies_are_up_to_date(name):
    path = ONTOLOGY / "vocabularies" / f"{name}.ttl"
    assert path.exists(), "run scripts/build_vocab.py"
    on_disk = rdflib.Graph().parse(path)
    assert isomorphic(vocabulary_graphs()[name], on_disk), f"{path.name} is stale: run scripts/build_vocab.py"


def test_build_vocab_check_mode():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_vocab.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def concepts(name: str) -> tuple[rdflib.Graph, set]:
    g = rdflib.Graph().parse(ONTOLOGY / "vocabularies" / f"{name}.ttl")
    return g, set(g.subjects(RDF.type, SKOS.Concept))


def check_labels(g, concepts):
    for c in concepts:
        pref = list(g.objects(c, SKOS.prefLabel))
        assert [l.language for l in pref] == ["vi"], c  # one Vietnamese preferred label
        assert "en" in {l.language for l in g.objects(c, SKOS.altLabel)}, c
        assert g.value(c, SKOS.notation), c
        assert len(list(g.objects(c, SKOS.inScheme))) == 1, c


def test_document_types_scheme():
    g, cs = concepts("document-types")
    data = yaml.safe_load((VOCAB_YAML / "doc_types.yaml").read_text(encoding="utf-8"))
    assert {str(c) for c in cs} == {f"{VOCAB}document-type/{slugify(code)}" for code in data}
    check_labels(g, cs)
    qd = rdflib.URIRef(VOCAB + "document-type/qd")
    assert (qd, SKOS.notation, rdflib.Literal("QĐ")) in g
    assert (qd, SKOS.prefLabel, rdflib.Literal("Quyết định", lang="vi")) in g
    assert (qd, SKOS.altLabel, rdflib.Literal("Decision", lang="en")) in g
    assert (qd, RDF.type, ELI.ResourceType) in g


def test_issuers_scheme():
    g, cs = concepts("issuers")
    data = yaml.safe_load((VOCAB_YAML / "issuers.yaml").read_text(encoding="utf-8"))
    codes = [code for bodies in data.values() for code in bodies]
    assert {str(c) for c in cs} == {f"{VOCAB}issuer/{slugify(code)}" for code in codes}
    notations = {str(n) for c in cs for n in g.objects(c, SKOS.notation)}
    assert notations == set(codes)  # TU and TƯ share a concept but both are notations
    check_labels(g, cs)
    national = rdflib.URIRef(VOCAB + "issuer/level/national")
    assert (national, SKOS.member, rdflib.URIRef(VOCAB + "issuer/cp")) in g
    assert (rdflib.URIRef(VOCAB + "issuer/cp"), RDF.type, ELI.Agent) in g


def test_jurisdictions_scheme():
    g, cs = concepts("jurisdictions")
    data = yaml.safe_load((VOCAB_YAML / "jurisdictions.yaml").read_text(encoding="utf-8"))
    vn = rdflib.URIRef(VOCAB + "jurisdiction/vn")
    assert {str(c) for c in cs} == {f"{VOCAB}jurisdiction/{slugify(n)}" for n in data} | {str(vn)}
    check_labels(g, cs)
    nghe_an = rdflib.URIRef(VOCAB + "jurisdiction/nghe-an")
    assert (nghe_an, SKOS.broader, vn) in g
    assert (nghe_an, SKOS.notation, rdflib.Literal("VN-22")) in g
    assert (nghe_an, SKOS.altLabel, rdflib.Literal("Nghe An", lang="en")) in g
    assert (nghe_an, RDF.type, ELI.AdministrativeArea) in g


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------

def test_shapes_parse_and_are_valid_shacl():
    shapes = rdflib.Graph().parse(ONTOLOGY / "shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert len(set(shapes.subjects(RDF.type, sh.NodeShape))) >= 8
    # meta_shacl: pyshacl first validates the shapes graph against SHACL's own shapes.
    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_shapes_target_the_ontology_classes():
    shapes = rdflib.Graph().parse(ONTOLOGY / "shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = set(shapes.objects(None, sh.targetClass))
    assert {ELI.LegalResource, LKG.Report, LKG.Mention, LKG.RelationStatement, LKG.TextAnchor,
            LKG.Extraction, rdflib.PROV.SoftwareAgent, SKOS.Concept} <= targets


def test_the_ontology_and_vocabularies_conform_to_the_shapes():
    """Validated on their own (as pyshacl mixes them into every report's graph), they conform:
    kg.validation decides the vocabulary's own nodes once on that ground."""
    from kg.shapes import shapes, validate

    result = validate(rdflib.Graph())
    assert result.conforms, result.text
    assert len(shapes()[0]) > 1000  # the vocabularies were there to validate


def test_every_shape_feature_is_translated_to_sparql():
    """`kg validate` compiles the shapes; a feature it does not translate would be refused here."""
    from kg.validation import Validator

    validator = Validator()
    assert {plan.shape.node for plan in validator.report_plans} >= {
        rdflib.URIRef("https://w3id.org/legal-kg/shapes#" + name)
        for name in ("LegalResourceShape", "InstrumentShape", "ReportShape", "TextAnchorShape", "MentionShape",
                     "RelationStatementShape", "ExtractionShape", "SoftwareAgentShape", "ConceptShape")}
