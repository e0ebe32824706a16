"""The RDF shape of a report graph: per kind of node, its class and which predicate holds which field.

One table read both ways: :func:`kg.graph.report_triples` writes a report's
triples through it (``MENTION.start``), and readers of report graphs
(:func:`kg.stores.neo4j.graph_rows`) name what they read through it
(:data:`FIELD_OF`: predicate IRI → field name). Adding a field to a kind of
node is one line here plus the code that fills it. The terms are declared in
``ontology/legal-kg.ttl``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.iris import ELI, LKG
from kg.model import RelationKind

__all__ = ["TYPE", "Shape", "Described", "ReportShape", "InstrumentShape", "MentionShape", "NameMentionShape",
           "StatementShape", "ActivityShape", "AgentShape", "ConceptShape", "REPORT", "INSTRUMENT", "MENTION",
           "NAME_MENTION", "STATEMENT", "ACTIVITY", "AGENT", "CONCEPT", "SHAPES", "RELATION_PROPERTIES",
           "FIELD_OF", "predicates"]

TYPE = RDF.type


@dataclass(frozen=True, slots=True)
class Shape:
    """A kind of node: its fields are dataclass fields (name → predicate), its RDF class ``cls``."""

    cls: ClassVar[URIRef]


@dataclass(frozen=True, slots=True)
class Described(Shape):
    """ELI metadata that reports and instruments share."""

    symbol: URIRef = ELI.id_local
    doc_type: URIRef = ELI.type_document
    issuer: URIRef = ELI.passed_by
    date: URIRef = ELI.date_document
    title: URIRef = DCTERMS.title
    jurisdiction: URIRef = ELI.jurisdiction


@dataclass(frozen=True, slots=True)
class ReportShape(Described):
    """A report (``lkg:Report``): its file, its text's hash, what it cites and the instrument it is."""

    cls: ClassVar[URIRef] = LKG.Report
    label: URIRef = RDFS.label
    source_file: URIRef = LKG.sourceFile
    content_hash: URIRef = LKG.contentHash
    identified_as: URIRef = LKG.identifiedAs
    cites: URIRef = ELI.cites


@dataclass(frozen=True, slots=True)
class InstrumentShape(Described):
    """A cited instrument (``eli:LegalResource``), with the names reports give it."""

    cls: ClassVar[URIRef] = ELI.LegalResource
    number: URIRef = ELI.number
    year: URIRef = LKG.year
    name: URIRef = LKG.name
    name_key: URIRef = LKG.nameKey


@dataclass(frozen=True, slots=True)
class _Located(Shape):
    """Evidence in a report's text: where it is, and the extraction that found it."""

    in_report: URIRef = LKG.inReport
    start: URIRef = LKG.start
    end: URIRef = LKG.end
    surface: URIRef = LKG.surface
    page: URIRef = LKG.page
    generated_by: URIRef = PROV.wasGeneratedBy


@dataclass(frozen=True, slots=True)
class MentionShape(_Located):
    """One citation of an instrument in a report (``lkg:Mention``)."""

    cls: ClassVar[URIRef] = LKG.Mention
    refers_to: URIRef = LKG.refersTo


@dataclass(frozen=True, slots=True)
class NameMentionShape(_Located):
    """A law cited by its name only (``lkg:NameMention``), resolved later through the name index."""

    cls: ClassVar[URIRef] = LKG.NameMention
    name: URIRef = LKG.name
    name_key: URIRef = LKG.nameKey
    name_year: URIRef = LKG.nameYear


@dataclass(frozen=True, slots=True)
class StatementShape(_Located):
    """A relation as stated in a report (``lkg:RelationStatement``), beside its direct triple."""

    cls: ClassVar[URIRef] = LKG.RelationStatement
    relation_kind: URIRef = LKG.relationKind
    relation_source: URIRef = LKG.relationSource
    relation_target: URIRef = LKG.relationTarget
    effective_date: URIRef = LKG.effectiveDate


@dataclass(frozen=True, slots=True)
class ActivityShape(Shape):
    """The extraction activity of one content version of a report (``lkg:Extraction``)."""

    cls: ClassVar[URIRef] = LKG.Extraction
    used: URIRef = PROV.used
    associated_with: URIRef = PROV.wasAssociatedWith


@dataclass(frozen=True, slots=True)
class AgentShape(Shape):
    """The extractor that ran, by version (``prov:SoftwareAgent``)."""

    cls: ClassVar[URIRef] = PROV.SoftwareAgent
    label: URIRef = RDFS.label
    extractor_version: URIRef = LKG.extractorVersion


@dataclass(frozen=True, slots=True)
class ConceptShape(Shape):
    """A SKOS concept: a document type, issuer or jurisdiction (described in a report graph only when
    the vocabulary lacks its code)."""

    cls: ClassVar[URIRef] = SKOS.Concept
    in_scheme: URIRef = SKOS.inScheme
    pref_label: URIRef = SKOS.prefLabel
    alt_label: URIRef = SKOS.altLabel
    notation: URIRef = SKOS.notation


REPORT = ReportShape()
INSTRUMENT = InstrumentShape()
MENTION = MentionShape()
NAME_MENTION = NameMentionShape()
STATEMENT = StatementShape()
ACTIVITY = ActivityShape()
AGENT = AgentShape()
CONCEPT = ConceptShape()
SHAPES = (REPORT, INSTRUMENT, MENTION, NAME_MENTION, STATEMENT, ACTIVITY, AGENT, CONCEPT)

#: The predicate of each relation kind, on the direct triple and as a statement's ``lkg:relationKind``.
#: ELI where ELI has the relation (eli:implements is deprecated in ELI 1.1 in favour of eli:applies,
#: so "implements" is lkg:, declared a sub-property).
RELATION_PROPERTIES: dict[RelationKind, URIRef] = {
    RelationKind.AMENDS: ELI.amends,
    RelationKind.REPLACES: LKG.replaces,
    RelationKind.REPEALS: ELI.repeals,
    RelationKind.GUIDES: LKG.guides,
    RelationKind.BASED_ON: ELI.based_on,
    RelationKind.IMPLEMENTS: LKG.implements,
}


def predicates(shape: Shape) -> dict[str, URIRef]:
    """A shape's fields: field name → predicate."""
    return {f.name: getattr(shape, f.name) for f in dataclasses.fields(shape)}


def _field_of() -> dict[str, str]:
    """Predicate IRI → field name over every shape; a predicate has one name wherever it is used."""
    out: dict[str, str] = {}
    for shape in SHAPES:
        for name, predicate in predicates(shape).items():
            if out.setdefault(str(predicate), name) != name:
                raise ValueError(f"{predicate} is both {out[str(predicate)]!r} and {name!r}")
    return out


#: Predicate IRI (str) → field name, for readers of report graphs.
FIELD_OF: dict[str, str] = _field_of()
