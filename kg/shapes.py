"""SHACL validation of report graphs against ``ontology/shapes.ttl``, with pyshacl: the reference.

The shapes need the ontology and the SKOS vocabularies beside them (RDFS
inference: a mention is a text anchor by subclass). pyshacl
validates one graph at a time (~0.6 s a report); :mod:`kg.validation`
compiles the same shapes into SPARQL and validates a whole store at once,
with the same verdicts (tests/test_validate.py holds it to this module).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import rdflib
from rdflib import RDF, BNode, Literal, URIRef

from kg.resources import data_dir

ONTOLOGY = data_dir("ontology")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@lru_cache(maxsize=1)
def shapes() -> tuple[rdflib.Graph, rdflib.Graph]:
    """(ontology + vocabularies, shapes), parsed once."""
    ont = rdflib.Graph().parse(ONTOLOGY / "legal-kg.ttl")
    for f in sorted((ONTOLOGY / "vocabularies").glob("*.ttl")):
        ont.parse(f)
    return ont, rdflib.Graph().parse(ONTOLOGY / "shapes.ttl")


@dataclass(frozen=True)
class Validation:
    conforms: bool
    report: rdflib.Graph  # the SHACL validation report
    text: str  # pyshacl's human-readable account


def validate(graph: rdflib.Graph) -> Validation:
    """Validate one report graph (any rdflib graph of triples)."""
    import pyshacl

    ont, shacl = shapes()
    data = rdflib.Graph()
    data += graph  # pyshacl wants a context-aware store; the builder's graph is SimpleMemory
    conforms, report, text = pyshacl.validate(data, shacl_graph=shacl, ont_graph=ont, inference="rdfs")
    return Validation(bool(conforms), report, text)


def violations(graph: rdflib.Graph) -> list:
    """pyshacl's results for one report graph, as :class:`kg.validation.Violation`s."""
    from kg.validation import Violation

    report = validate(graph).report
    out = set()
    details = set(report.objects(None, SH.detail))  # a failed sh:node's own results, nested
    for result in set(report.subjects(RDF.type, SH.ValidationResult)) - details:
        path = report.value(result, SH.resultPath)
        if isinstance(path, BNode):
            path = "^" + nt(report.value(path, SH.inversePath))
        component = str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        shape = report.value(result, SH.sourceShape)
        out.add(Violation(
            focus=nt(report.value(result, SH.focusNode)), path=nt(path) if isinstance(path, URIRef) else path or "",
            constraint=component.removesuffix("ConstraintComponent"), value=nt(report.value(result, SH.value)),
            shape=shapes()[1].namespace_manager.normalizeUri(shape) if isinstance(shape, URIRef) else "",
            message=str(report.value(result, SH.resultMessage) or "")))
    return sorted(out)


def nt(term) -> str:
    """An rdflib term in N-Triples form, as pyoxigraph writes it ("" for None)."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype is not None:
            return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        return str(ox.Literal(str(term)))
    raise ValueError(f"not an RDF term: {term!r}")
