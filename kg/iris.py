"""The names of things in the graph: namespaces, and the IRI scheme that builds and reads IRIs.

Every IRI legal-kg mints is made here, and every IRI it reads back to a key
is read here, so the scheme is defined once::

    {base}instrument/{Instrument.key}          the same decree → one IRI
    {base}report/{Report.key}                  a report (its text's key)
    {base}graph/{Report.key}                   the report's named graph
    {base}report/{key}/mention/{start}-{end}   one citation in its text
    {base}report/{key}/relation/{start}-{end}-{kind}-{digest}
    {base}report/{key}/extraction/{hash12}     the extraction activity
    {base}agent/extractor/{version}            the software agent
"""
from __future__ import annotations

from dataclasses import dataclass

import rdflib

from kg.model import slugify

__all__ = ["PREFIXES", "sparql_prologue", "ELI", "LKG", "VOCAB", "DEFAULT_BASE", "INSTRUMENTS_GRAPH", "NAMES_GRAPH", "VOCABULARY_GRAPH",
           "IriScheme"]

#: The prefixes every query may use without declaring them, and every writer uses.
PREFIXES = {
    "eli": "http://data.europa.eu/eli/ontology#",
    "lkg": "https://w3id.org/legal-kg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def sparql_prologue() -> str:
    """PREFIX declarations of the store's prefixes, so that a query runs unchanged on any endpoint."""
    return "".join(f"PREFIX {name}: <{value}>\n" for name, value in sorted(PREFIXES.items()))


ELI = rdflib.Namespace(PREFIXES["eli"])
LKG = rdflib.Namespace(PREFIXES["lkg"])
#: The SKOS vocabularies (document types, issuers, jurisdictions): the same in every store.
VOCAB = "https://w3id.org/legal-kg/vocab/"
DEFAULT_BASE = "https://w3id.org/legal-kg/id/"
#: The named graph of every instrument's decided description (docs/store.md).
INSTRUMENTS_GRAPH = "https://w3id.org/legal-kg/graph/instruments"
#: The named graph of the name mentions resolved through the name index (kg.names), recomputed whole.
NAMES_GRAPH = "https://w3id.org/legal-kg/graph/names"
#: The named graph of the ontology and the vocabularies.
VOCABULARY_GRAPH = VOCAB + "graph"

_KINDS = ("instrument", "report", "graph")


@dataclass(frozen=True)
class IriScheme:
    """The IRIs minted under one ``base`` (``kg ingest --base``)."""

    base: str = DEFAULT_BASE

    def instrument(self, key: str) -> str:
        return f"{self.base}instrument/{key}"

    def report(self, key: str) -> str:
        return f"{self.base}report/{key}"

    def graph(self, key: str) -> str:
        return f"{self.base}graph/{key}"

    def mention(self, key: str, start: int, end: int) -> str:
        return f"{self.report(key)}/mention/{start}-{end}"

    def relation(self, key: str, start: int, end: int, kind: str, digest: str) -> str:
        return f"{self.report(key)}/relation/{start}-{end}-{kind}-{digest}"

    def extraction(self, key: str, content_hash: str) -> str:
        return f"{self.report(key)}/extraction/{content_hash[:12]}"

    def agent(self, version: str) -> str:
        return f"{self.base}agent/extractor/{slugify(version)}"

    @staticmethod
    def parse(iri: str) -> tuple[IriScheme, str, str] | None:
        """``(scheme, kind, key)`` of an instrument, report or graph IRI minted under any base; else None.

        An instrument's key may hold slashes (``vn-nghe-an/2022/4288-qd-ubnd``);
        a report's is one segment (the IRIs of its mentions and relations
        parse to the report).
        """
        # The last kind in the IRI: a base may hold one too (https://…/report/), a key does not.
        for at, kind in sorted(((iri.rfind(f"/{kind}/"), kind) for kind in _KINDS), reverse=True):
            rest = iri[at + len(kind) + 2:]
            if at >= 0 and rest:
                key = rest if kind == "instrument" else rest.split("/", 1)[0]
                return IriScheme(iri[:at + 1]), kind, key
        return None

    @staticmethod
    def key_of(iri: str, kind: str) -> str | None:
        """The key in an IRI of ``kind`` (``instrument``, ``report``, ``graph``), or None."""
        parsed = IriScheme.parse(iri)
        return parsed[2] if parsed is not None and parsed[1] == kind else None
