"""SHACL validation of report graphs against ``ontology/shapes.ttl``.

The shapes need the ontology and the SKOS vocabularies beside them (RDFS
inference: a report is an ``eli:LegalResource`` by subclass), and their
cardinalities hold per report: two reports may state different dates for the
same instrument (OCR damage), so each report graph is validated on its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import rdflib

from kg.resources import data_dir


ONTOLOGY = data_dir("ontology")


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
