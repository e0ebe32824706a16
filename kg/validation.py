"""Validate every stored report graph against ``ontology/shapes.ttl`` at once, in SPARQL.

:func:`kg.shapes.validate` (pyshacl, one graph at a time) is the reference.
This module reads the same shapes and compiles them into SPARQL queries that
find the violations of many report graphs in one pass (``GRAPH ?g { … }``),
through the store's ``query()``: the embedded store and SPARQL servers alike.
The verdicts are pyshacl's, including its RDFS inference from the ontology;
a shape feature the compiler does not know is refused (:class:`UnsupportedShape`),
never ignored. How and why: docs/validation.md.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Iterable, Sequence

import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef, Variable
from rdflib.collection import Collection

__all__ = ["Violation", "Result", "UnsupportedShape", "Validator", "Entailment", "SHAPES_GRAPH"]

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
XSD = rdflib.XSD
SHAPES_GRAPH = "ontology/shapes.ttl"


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the SPARQL compiler does not translate."""


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Violation:
    """One validation result, as pyshacl would report it.

    Terms are in N-Triples form (``<iri>``, ``"12"^^<…#integer>``); ``path``
    is ``<iri>`` or ``^<iri>`` (inverse), empty for a constraint on the focus
    node itself; ``constraint`` is the SHACL constraint component without its
    ``ConstraintComponent`` suffix (``MinCount``, ``Class``, ``SPARQL`` …).
    """

    focus: str
    path: str
    constraint: str
    value: str = ""
    shape: str = field(default="", compare=False)
    message: str = field(default="", compare=False)

    def key(self) -> tuple[str, str, str, str]:
        """What pyshacl and this module must agree on."""
        return self.focus, self.path, self.constraint, self.value


@dataclass
class Result:
    """The outcome of :meth:`Validator.run`."""

    reports: int = 0
    #: Report key → its violations (only reports that do not conform).
    violations: dict[str, list[Violation]] = field(default_factory=dict)
    #: The default graph's violations; None when it was not checked (``notes`` says why).
    default_graph: list[Violation] | None = None
    #: Reports validated by pyshacl instead (their graphs declare schema, see docs/validation.md).
    by_reference: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return not self.violations and not self.default_graph


# --------------------------------------------------------------------------
# RDFS entailment, as pyshacl's inference="rdfs" computes it
# --------------------------------------------------------------------------

#: Triples in a report graph that would change the schema (pyshacl would infer
#: from them); such a report is validated by the reference instead.
SCHEMA_PREDICATES = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)
SCHEMA_TYPES = (RDFS.Datatype, RDFS.ContainerMembershipProperty)


class Entailment:
    """The ontology's RDFS closure, and what it entails about report triples.

    pyshacl mixes the ontology into each data graph and runs owlrl's RDFS
    rules on the whole; every rule takes one data triple and schema, so a
    report triple ``(x p y)`` entails: ``(x q y)`` for each super-property
    ``q`` of ``p``, and ``x``/``y`` typed by the (super-classes of the)
    domains/ranges of those. The closure of the ontology alone is computed
    once, with pyshacl's own rule set.
    """

    def __init__(self, ontology: rdflib.Graph):
        import owlrl
        from pyshacl.inference import CustomRDFSSemantics

        closure = rdflib.Graph()
        closure += ontology
        owlrl.DeductiveClosure(CustomRDFSSemantics).expand(closure)
        self.closure = closure

    def subclasses(self, cls) -> frozenset:
        """``cls`` and every class below it."""
        return frozenset({cls, *self.closure.subjects(RDFS.subClassOf, cls)})

    def subproperties(self, prop) -> frozenset:
        """``prop`` and every property below it."""
        return frozenset({prop, *self.closure.subjects(RDFS.subPropertyOf, prop)})

    def superproperties(self, prop) -> frozenset:
        return frozenset({prop, *self.closure.objects(prop, RDFS.subPropertyOf)})

    @cached_property
    def _typing(self) -> tuple[dict, dict]:
        """(domain, range) entailment: property → the classes its subjects/objects get."""
        domain: dict = {}
        range_: dict = {}
        props = set(self.closure.subjects(RDFS.subPropertyOf)) | set(self.closure.subjects(RDFS.domain)) \
            | set(self.closure.subjects(RDFS.range))
        for prop in props:
            for target, rule in ((domain, RDFS.domain), (range_, RDFS.range)):
                classes = set()
                for sup in self.superproperties(prop):
                    for cls in self.closure.objects(sup, rule):
                        classes |= {cls, *self.closure.objects(cls, RDFS.subClassOf)}
                if classes:
                    target[prop] = frozenset(classes)
        return domain, range_

    def typing_properties(self, cls, rule) -> list:
        """Properties whose subjects (``rule`` = rdfs:domain) or objects (rdfs:range) are entailed to be ``cls``."""
        table = self._typing[0 if rule == RDFS.domain else 1]
        return sorted(p for p, classes in table.items() if cls in classes)

    def typing_pairs(self, rule) -> list[tuple]:
        """(property, class) for every class a property's subjects/objects are entailed to be."""
        table = self._typing[0 if rule == RDFS.domain else 1]
        return sorted((p, c) for p, classes in table.items() for c in classes)

    def strict_pairs(self, relation) -> list[tuple]:
        """(below, above) pairs of rdfs:subClassOf / rdfs:subPropertyOf, below ≠ above."""
        return sorted((s, o) for s, o in self.closure.subject_objects(relation) if s != o)

    def instances(self, cls) -> list:
        return sorted(self.closure.subjects(RDF.type, cls))

    def pairs(self, prop) -> list[tuple]:
        """(subject, object) of the closure's ``prop`` triples (sub-properties already entailed)."""
        return sorted(self.closure.subject_objects(prop))

    @cached_property
    def predicates(self) -> list:
        return sorted({p for p in self.closure.predicates()})


# --------------------------------------------------------------------------
# The shapes, read into a small model (refusing what is not translated)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Path:
    predicate: URIRef
    inverse: bool = False

    def text(self) -> str:
        return ("^" if self.inverse else "") + f"<{self.predicate}>"


@dataclass(frozen=True)
class Test:
    """A condition on each value node: ``component`` (SHACL name) and its parameter."""

    component: str
    param: object


@dataclass
class PropertyShape:
    node: object
    path: Path
    min_count: int = 0
    max_count: int | None = None
    has_values: tuple = ()
    tests: tuple[Test, ...] = ()
    less_than: tuple = ()
    message: str | None = None


@dataclass
class SparqlConstraint:
    node: object
    where: object  # rdflib algebra of the SELECT's pattern
    message: str | None


@dataclass
class NodeShape:
    node: object
    targets: tuple = ()  # (kind, term): class / objectsOf / subjectsOf / node
    tests: tuple[Test, ...] = ()  # on the focus node itself
    properties: tuple[PropertyShape, ...] = ()
    sparql: tuple[SparqlConstraint, ...] = ()
    message: str | None = None


#: SHACL terms that say nothing about validity.
_IGNORED = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue}
_TARGETS = {SH.targetClass: "class", SH.targetObjectsOf: "objectsOf", SH.targetSubjectsOf: "subjectsOf",
            SH.targetNode: "node"}
_VALUE_TESTS = {SH.datatype: "Datatype", SH.nodeKind: "NodeKind", SH["class"]: "Class", SH.minLength: "MinLength",
                SH.maxLength: "MaxLength", SH.pattern: "Pattern", SH["in"]: "In", SH.node: "Node",
                SH.minInclusive: "MinInclusive", SH.maxInclusive: "MaxInclusive",
                SH.minExclusive: "MinExclusive", SH.maxExclusive: "MaxExclusive"}
#: Datatypes whose well-formedness SPARQL can check (a cast) as pyshacl does (rdflib's parsers).
_DATATYPES = {XSD.string, RDF.langString, XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean,
              XSD.date, XSD.dateTime}
_NODE_KINDS = {SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}


def _name(graph: rdflib.Graph, node) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - any IRI rdflib cannot shorten is shown whole
            return f"<{node}>"
    return "a property shape" if isinstance(node, BNode) else str(node)


class _Reader:
    """Reads a shapes graph into :class:`NodeShape`s, refusing any feature not translated."""

    def __init__(self, graph: rdflib.Graph):
        self.g = graph
        self.nested: dict = {}  # node → NodeShape, for sh:node

    def refuse(self, shape, what: str):
        raise UnsupportedShape(f"{SHAPES_GRAPH}: {_name(self.g, shape)}: {what} is not supported by "
                               "kg.validation (translate it there, or validate with --engine pyshacl)")

    def one(self, node, prop, kind=None):
        values = list(self.g.objects(node, prop))
        if len(values) != 1:
            self.refuse(node, f"{len(values)} values of {_name(self.g, prop)}")
        value = values[0]
        if kind is not None and not isinstance(value, kind):
            self.refuse(node, f"{_name(self.g, prop)} {value}")
        return value

    def integer(self, node, prop) -> int:
        value = self.one(node, prop, Literal).toPython()
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.refuse(node, f"{_name(self.g, prop)} {value!r}")
        return value

    def message(self, node) -> str | None:
        messages = [str(m) for m in self.g.objects(node, SH.message)]
        return messages[0] if messages else None

    def shapes(self) -> list[NodeShape]:
        """The shapes that have targets (those pyshacl starts from)."""
        g = self.g
        targeted = sorted({s for prop in _TARGETS for s in g.subjects(prop, None)}, key=str)
        for shape in g.subjects(RDF.type, SH.NodeShape):
            if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, rdflib.OWL.Class) in g:
                self.refuse(shape, "an implicit class target (a shape that is also a class)")
        for shape in targeted:
            if (shape, SH.path, None) in g:
                self.refuse(shape, "a property shape with targets")
        return [self.node_shape(s) for s in targeted]

    def node_shape(self, node, stack: tuple = ()) -> NodeShape:
        if node in stack:
            self.refuse(node, "a recursive sh:node")
        targets, tests, properties, sparql = [], [], [], []
        for prop, value in sorted(self.g.predicate_objects(node), key=lambda pv: (str(pv[0]), str(pv[1]))):
            if prop in _TARGETS:
                if _TARGETS[prop] == "node" and not isinstance(value, (URIRef, Literal)):
                    self.refuse(node, "sh:targetNode of a blank node")
                targets.append((_TARGETS[prop], value))
            elif prop == SH.property:
                properties.append(self.property_shape(value, stack + (node,)))
            elif prop == SH.sparql:
                sparql.append(self.sparql(node, value))
            elif prop in _VALUE_TESTS:
                tests.append(self.test(node, prop, value, stack + (node,)))
            elif prop in (SH.message, RDF.type) or prop in _IGNORED or not str(prop).startswith(str(SH)):
                continue
            else:
                self.refuse(node, _name(self.g, prop))
        return NodeShape(node, tuple(targets), tuple(tests), tuple(properties), tuple(sparql), self.message(node))

    def property_shape(self, node, stack: tuple) -> PropertyShape:
        shape = PropertyShape(node, self.path(node))
        tests, has_values, less_than = [], [], []
        for prop, value in sorted(self.g.predicate_objects(node), key=lambda pv: (str(pv[0]), str(pv[1]))):
            if prop == SH.path or prop in (SH.message, RDF.type) or prop in _IGNORED:
                continue
            if prop == SH.minCount:
                shape.min_count = self.integer(node, prop)
            elif prop == SH.maxCount:
                shape.max_count = self.integer(node, prop)
            elif prop == SH.hasValue:
                has_values.append(value)
            elif prop == SH.lessThan:
                if not isinstance(value, URIRef):
                    self.refuse(node, "sh:lessThan with a path that is not an IRI")
                less_than.append(value)
            elif prop == SH.flags:
                continue  # read with sh:pattern
            elif prop in _VALUE_TESTS:
                tests.append(self.test(node, prop, value, stack))
            elif not str(prop).startswith(str(SH)):
                continue
            else:
                self.refuse(node, _name(self.g, prop))
        shape.tests, shape.has_values, shape.less_than = tuple(tests), tuple(has_values), tuple(less_than)
        shape.message = self.message(node)
        return shape

    def path(self, node) -> Path:
        path = self.one(node, SH.path)
        if isinstance(path, URIRef):
            return Path(path)
        inverse = list(self.g.objects(path, SH.inversePath))
        if len(inverse) == 1 and isinstance(inverse[0], URIRef) and len(list(self.g.predicate_objects(path))) == 1:
            return Path(inverse[0], inverse=True)
        self.refuse(node, "a sh:path other than an IRI or sh:inversePath of an IRI")

    def test(self, node, prop, value, stack: tuple) -> Test:
        component = _VALUE_TESTS[prop]
        if component == "Datatype":
            if value not in _DATATYPES:
                self.refuse(node, f"sh:datatype {_name(self.g, value)}")
        elif component == "NodeKind":
            if value not in _NODE_KINDS:
                self.refuse(node, f"sh:nodeKind {value}")
        elif component == "Class":
            if not isinstance(value, URIRef):
                self.refuse(node, "sh:class of a blank node")
        elif component in ("MinLength", "MaxLength"):
            value = self.integer(node, prop)
        elif component == "Pattern":
            flags = [str(f) for f in self.g.objects(node, SH.flags)]
            if len(flags) > 1 or (flags and set(flags[0]) - set("imsx")) or not isinstance(value, Literal):
                self.refuse(node, "this sh:pattern / sh:flags")
            value = (str(value), flags[0] if flags else "")
        elif component == "In":
            value = tuple(Collection(self.g, value))
        elif component == "Node":
            if value not in self.nested:
                self.nested[value] = None  # being read: a cycle is caught in node_shape
                self.nested[value] = self.node_shape(value, stack)
        elif not isinstance(value, Literal):
            self.refuse(node, f"{_name(self.g, prop)} {value}")
        return Test(component, value)

    def sparql(self, shape, node) -> SparqlConstraint:
        from rdflib.plugins.sparql import prepareQuery

        for prop, value in self.g.predicate_objects(node):
            if prop not in (SH.select, SH.prefixes, SH.message, RDF.type) and str(prop).startswith(str(SH)):
                self.refuse(shape, f"{_name(self.g, prop)} in a SPARQL constraint")
        select = str(self.one(node, SH.select, Literal))
        prologue = "".join(
            f"PREFIX {self.one(d, SH.prefix)}: <{self.one(d, SH.namespace)}>\n"
            for source in self.g.objects(node, SH.prefixes) for d in self.g.objects(source, SH.declare))
        try:
            query = prepareQuery(prologue + select)
        except Exception as e:  # noqa: BLE001 - any parse failure is this shape's problem
            self.refuse(shape, f"a SPARQL constraint that does not parse ({e})")
        algebra = query.algebra
        if algebra.name != "SelectQuery" or algebra.p.name != "Project" or list(algebra.PV) != [Variable("this")]:
            self.refuse(shape, "a SPARQL constraint that selects more than $this")
        return SparqlConstraint(node, algebra.p.p, self.message(node))


# --------------------------------------------------------------------------
# SPARQL emission
# --------------------------------------------------------------------------

def _term(term) -> str:
    """A constant in SPARQL syntax."""
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    raise UnsupportedShape(f"{SHAPES_GRAPH}: a blank node ({term}) where a constant is needed")


def _union(branches: Iterable[str]) -> str:
    """A group matching any branch; one that never matches when there are none."""
    branches = [b for b in branches if b is not None]
    if not branches:
        return "{ FILTER(false) }"
    return "{ " + " UNION ".join("{ " + b + " }" for b in branches) + " }"


def _values(variables: Sequence[str], rows: Iterable[tuple]) -> str | None:
    """A VALUES block (None when it has no rows); ``variables`` are SPARQL variables or constants.

    A position whose "variable" is a constant (an IRI written as such) filters the rows instead.
    """
    keep = [i for i, v in enumerate(variables) if v.startswith("?")]
    out = []
    for row in rows:
        if all(_term(row[i]) == variables[i] for i in range(len(variables)) if i not in keep):
            out.append(row)
    if not out:
        return None
    if not keep:
        return ""  # the constants are all there: matches once
    head = " ".join(variables[i] for i in keep)
    body = " ".join("(" + " ".join(_term(row[i]) for i in keep) + ")" for row in out)
    return f"VALUES ({head}) {{ {body} }}"


def _then(pattern: str, values: str | None) -> str | None:
    """``pattern`` joined with a VALUES block; None when the block has no rows."""
    return None if values is None else f"{pattern} {values}"


class _Scope:
    """Where data triples are matched: each report graph (``GRAPH ?g``) or the default graph."""

    def __init__(self, named: bool):
        self.named = named
        self.g = "?g " if named else ""  # in projections and GROUP BY

    def data(self, pattern: str) -> str:
        return f"GRAPH ?g {{ {pattern} }}" if self.named else pattern


class _Emitter:
    """Writes SPARQL for one scope; every triple pattern is entailment-aware (:class:`Entailment`).

    The data graph of a report is what pyshacl validates: the report's
    triples, the ontology's (the closure, inlined as VALUES) and what RDFS
    entails from them.
    """

    def __init__(self, entailment: Entailment, scope: _Scope, nested: dict, shapes_graph: rdflib.Graph):
        self.e = entailment
        self.scope = scope
        self.nested = nested
        self.shapes_graph = shapes_graph
        self._fresh = itertools.count()

    def var(self) -> str:
        return f"?_{next(self._fresh)}"

    # -- triples --

    def values(self, path: Path, s: str, o: str, *, ontology: bool = True) -> str:
        """``s`` reaches ``o`` along ``path``."""
        return self.triple(o, path.predicate, s, ontology=ontology) if path.inverse \
            else self.triple(s, path.predicate, o, ontology=ontology)

    def triple(self, s: str, p, o: str, *, ontology: bool = True) -> str:
        """The entailed triple ``s p o``: ``p`` an IRI; ``s`` and ``o`` variables or constants."""
        return _union(self.triple_branches(s, p, o, ontology=ontology))

    def triple_branches(self, s: str, p, o: str, *, ontology: bool = True) -> list:
        """The ways ``s p o`` is in the data graph, each a pattern (None: a way with no rows)."""
        if p == RDF.type:
            if o.startswith("?"):
                return [self.member_of_any(s, o, ontology=ontology)]
            if o.startswith("<"):
                return self.member_branches(s, URIRef(o[1:-1]), ontology=ontology)
            return []  # a literal is no class
        branches = [self.scope.data(f"{s} {_term(q)} {o} .") for q in sorted(self.e.subproperties(p))]
        if ontology:
            branches.insert(0, _values((s, o), self.e.pairs(p)))
        return branches

    def member(self, x: str, cls, *, ontology: bool = True) -> str:
        """``x`` is an instance of ``cls``: typed so, or by a domain or range, or in the ontology."""
        return _union(self.member_branches(x, cls, ontology=ontology))

    def member_branches(self, x: str, cls, *, ontology: bool = True) -> list:
        branches = []
        if ontology:  # first: cheap, and where the vocabulary's concepts are typed
            branches.append(_values((x,), [(i,) for i in self.e.instances(cls)]))
        return branches + [pattern for pattern, _ in self.member_items(x, cls)]

    def member_items(self, x: str, cls) -> list[tuple[str, tuple | None]]:
        """(pattern, key): the report triples that make ``x`` a ``cls``; key ("s" or "o", predicate)
        when the pattern is one triple with ``x`` as its subject or object and a fresh variable."""
        e, data = self.e, self.scope.data
        subclasses = e.subclasses(cls)
        items = [(data(f"{x} a {_term(t)} ."), None) for t in sorted(subclasses)]
        items += [(data(f"{x} {_term(q)} {self.var()} ."), ("s", q)) for q in e.typing_properties(cls, RDFS.domain)]
        items += [(data(f"{self.var()} {_term(q)} {x} ."), ("o", q)) for q in e.typing_properties(cls, RDFS.range)]
        if RDFS.Resource in subclasses:  # rdfs4: every subject and object
            items += [(data(f"{x} {self.var()} {self.var()} ."), None), (data(f"{self.var()} {self.var()} {x} ."), None)]
        if RDF.Property in subclasses:  # rdf1: every predicate, and the properties above it
            q = self.var()
            items.append((data(f"{self.var()} {x} {self.var()} ."), None))
            items.append((_then(data(f"{self.var()} {q} {self.var()} ."),
                                _values((q, x), e.strict_pairs(RDFS.subPropertyOf))), None))
        return [(pattern, key) for pattern, key in items if pattern is not None]

    def member_of_any(self, x: str, c: str, *, ontology: bool = True) -> str:
        """``x rdf:type c`` with ``c`` a variable (or a constant): every class ``x`` is entailed to be."""
        e, data = self.e, self.scope.data
        t, q = self.var(), self.var()
        branches = []
        if ontology:
            branches.append(_values((x, c), list(e.closure.subject_objects(RDF.type))))
        branches.append(data(f"{x} a {c} ."))
        branches.append(_then(data(f"{x} a {t} ."), _values((t, c), e.strict_pairs(RDFS.subClassOf))))
        branches.append(_then(data(f"{x} {q} {self.var()} ."), _values((q, c), e.typing_pairs(RDFS.domain))))
        branches.append(_then(data(f"{self.var()} {q} {x} ."), _values((q, c), e.typing_pairs(RDFS.range))))
        resource = _values((c,), [(k,) for k in self.superclasses(RDFS.Resource)])
        branches.append(_then(data(f"{x} {self.var()} {self.var()} ."), resource))
        branches.append(_then(data(f"{self.var()} {self.var()} {x} ."), resource))
        prop = _values((c,), [(k,) for k in self.superclasses(RDF.Property)])
        branches.append(_then(data(f"{self.var()} {x} {self.var()} ."), prop))
        strict = _values((q, x), e.strict_pairs(RDFS.subPropertyOf))
        if prop is not None:
            branches.append(_then(data(f"{self.var()} {q} {self.var()} .") + f" {prop}", strict))
        return _union(branches)

    def superclasses(self, cls) -> list:
        return sorted({cls, *self.e.closure.objects(cls, RDFS.subClassOf)})

    def any_triple(self, s: str, p: str, o: str) -> str:
        """The entailed triple ``s ?p o``, the predicate a variable."""
        e, data = self.e, self.scope.data
        q = self.var()
        branches = [data(f"{s} {p} {o} ."),
                    _then(data(f"{s} {q} {o} ."), _values((q, p), e.strict_pairs(RDFS.subPropertyOf))),
                    f"VALUES {p} {{ {_term(RDF.type)} }} {self.member_of_any(s, o, ontology=False)}"]
        for pred in e.predicates:  # the ontology's triples, by predicate: cheap when ?p is bound
            rows = _values((s, o), list(e.closure.subject_objects(pred)))
            if rows is not None:
                branches.append(f"VALUES {p} {{ {_term(pred)} }} {{ {rows} }}")
        return _union(branches)

    # -- focus nodes --

    def focus(self, shape: NodeShape, x: str = "?this") -> str:
        """``x`` (bound) is a focus node of ``shape``."""
        branches = []
        for kind, term in shape.targets:
            if kind == "class":
                branches.append(self.member(x, term))
            elif kind == "objectsOf":
                branches.append(self.triple(self.var(), term, x))
            elif kind == "subjectsOf":
                branches.append(self.triple(x, term, self.var()))
            else:
                branches.append(_values((x,), [(term,)]))
        return _union(branches)

    def focus_branches(self, shape: NodeShape, *, ontology: bool = True) -> list:
        """Patterns binding ``?this`` (and ``?g``) to focus nodes of ``shape``, with repeats.

        Those the report's triples make focus nodes, sh:targetNode, and (with
        ``ontology``) the ontology's focus nodes the report states something about.
        """
        branches = [pattern for pattern, _ in self.evidence(shape)]
        if ontology:
            branches.append(self.ontology_focus(shape))
        return [b for b in branches if b is not None]

    def evidence(self, shape: NodeShape) -> list[tuple[str, tuple | None]]:
        """(pattern, key) for each way the report's triples (or sh:targetNode) make ``?this`` a focus node.

        ``key`` is ("s" or "o", predicate) when the pattern is a single triple
        with ``?this`` as subject or object and a fresh variable: a path
        along the same triples can stand for it.
        """
        items = []
        for kind, term in shape.targets:
            if kind == "class":
                items += self.member_items("?this", term)
            elif kind in ("objectsOf", "subjectsOf") and term != RDF.type:
                for q in sorted(self.e.subproperties(term)):
                    if kind == "objectsOf":
                        items.append((self.scope.data(f"{self.var()} {_term(q)} ?this ."), ("o", q)))
                    else:
                        items.append((self.scope.data(f"?this {_term(q)} {self.var()} ."), ("s", q)))
            elif kind in ("objectsOf", "subjectsOf"):
                s, o = (self.var(), "?this") if kind == "objectsOf" else ("?this", self.var())
                items += [(b, None) for b in self.triple_branches(s, term, o, ontology=False) if b is not None]
            else:
                items.append((_values(("?this",), [(term,)]), None))
        return items

    def ontology_focus(self, shape: NodeShape) -> str | None:
        """The ontology's own focus nodes of ``shape``, in the graphs that state something about them."""
        nodes = set()
        for kind, term in shape.targets:
            if kind == "class":
                nodes.update(self.e.instances(term))
            elif kind == "objectsOf":
                nodes.update(o for _, o in self.e.pairs(term))
            elif kind == "subjectsOf":
                nodes.update(s for s, _ in self.e.pairs(term))
        rows = _values(("?this",), [(n,) for n in sorted(nodes, key=str) if not isinstance(n, (BNode, Literal))])
        if rows is None:
            return None
        objects = bool(shape.sparql) or any(p.path.inverse for p in shape.properties)
        return self.stated(rows, ["?this"], objects=objects, project="?this")

    def stated(self, rows: str, subjects: list[str], *, objects: bool = False, project: str) -> str:
        """The ontology's ``rows``, in each graph that states something about one of ``subjects``.

        The ontology's own nodes conform (:meth:`Validator.check_ontology`); a
        report can only change that by stating something about them.
        """
        places = [self.scope.data(f"{x} ?_sp ?_so .") for x in subjects]
        if objects:
            places += [self.scope.data(f"?_ss ?_sp {x} .") for x in subjects]
        return f"{{ SELECT DISTINCT {self.scope.g}{project} WHERE {{ {rows} {_union(places)} }} }}"

    # -- constraints --

    def fails(self, test: Test, v: str, stack: tuple = ()) -> str:
        """An expression (never an error) true when value ``v`` fails ``test``."""
        c, p = test.component, test.param
        if c == "Datatype":
            if p == RDF.langString:
                ok = f'isLiteral({v}) && lang({v}) != ""'
            elif p == XSD.string:
                ok = f"isLiteral({v}) && datatype({v}) = {_term(p)}"
            else:  # and well-formed: the cast of its lexical form succeeds
                ok = f"isLiteral({v}) && datatype({v}) = {_term(p)} && isLiteral({_term(p)}(STR({v})))"
            return f"!COALESCE({ok}, false)"
        if c == "NodeKind":
            return {SH.IRI: f"!isIRI({v})", SH.BlankNode: f"!isBlank({v})", SH.Literal: f"!isLiteral({v})",
                    SH.BlankNodeOrIRI: f"isLiteral({v})", SH.BlankNodeOrLiteral: f"isIRI({v})",
                    SH.IRIOrLiteral: f"isBlank({v})"}[p]
        if c == "MinLength":
            return "false" if p == 0 else f"(isBlank({v}) || STRLEN(STR({v})) < {p})"
        if c == "MaxLength":
            return f"(isBlank({v}) || STRLEN(STR({v})) > {p})"
        if c == "Pattern":
            pattern, flags = p
            args = _term(Literal(pattern)) + (f", {_term(Literal(flags))}" if flags else "")
            return f"(isBlank({v}) || !COALESCE(REGEX(STR({v}), {args}), false))"
        if c == "In":
            return "!(" + " || ".join([f"sameTerm({v}, {_term(m)})" for m in p] or ["false"]) + ")"
        if c in _COMPARISONS:
            return f"!COALESCE({v} {_COMPARISONS[c]} {_term(p)}, false)"
        if c == "Class":
            return f"(isLiteral({v}) || NOT EXISTS {{ {self.member(v, p)} }})"
        if c == "Node":
            return self.nonconforming(self.nested[p], v, stack)
        raise AssertionError(c)

    def class_is_entailed(self, path: Path, cls) -> bool:
        """Every value along ``path`` is a ``cls`` by RDFS alone: only a literal can fail sh:class."""
        typing = set(self.e.typing_properties(cls, RDFS.domain if path.inverse else RDFS.range))
        return self.e.subproperties(path.predicate) <= typing and not self.e.pairs(path.predicate)

    def distinct_values(self, path: Path, x: str, n: int) -> str:
        """``x`` has at least ``n`` distinct values along ``path``."""
        if n > 4:
            raise UnsupportedShape(f"{SHAPES_GRAPH}: sh:minCount above 4, or sh:maxCount above 3 inside sh:node, "
                                   "is not supported by kg.validation")
        names = [self.var() for _ in range(n)]
        distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2))
        return " ".join(self.values(path, x, name) for name in names) + (f" FILTER({distinct})" if distinct else "")

    def nonconforming(self, shape: NodeShape, x: str, stack: tuple = ()) -> str:
        """True when node ``x`` does not conform to ``shape`` (for sh:node)."""
        if shape.node in stack:
            raise UnsupportedShape(f"{SHAPES_GRAPH}: a recursive sh:node ({_name(self.shapes_graph, shape.node)})")
        stack += (shape.node,)
        parts = [self.fails(t, x, stack) for t in shape.tests]
        for prop in shape.properties:
            if prop.min_count:
                parts.append(f"NOT EXISTS {{ {self.distinct_values(prop.path, x, prop.min_count)} }}")
            if prop.max_count is not None:
                parts.append(f"EXISTS {{ {self.distinct_values(prop.path, x, prop.max_count + 1)} }}")
            parts += [f"NOT EXISTS {{ {self.values(prop.path, x, _term(value))} }}" for value in prop.has_values]
            if prop.tests:
                v = self.var()
                fails = " || ".join(self.fails(t, v, stack) for t in prop.tests)
                parts.append(f"EXISTS {{ {self.values(prop.path, x, v)} FILTER({fails}) }}")
            for other in prop.less_than:
                a, b = self.var(), self.var()
                parts.append(f"EXISTS {{ {self.values(prop.path, x, a)} {self.values(Path(other), x, b)} "
                             f"FILTER(!COALESCE({a} < {b}, false)) }}")
        parts += [f"EXISTS {{ {self.sparql_pattern(c, x)} }}" for c in shape.sparql]
        return "(" + " || ".join(parts or ["false"]) + ")"

    def sparql_pattern(self, constraint: SparqlConstraint, this: str = "?this", *, approximate: bool = False) -> str:
        """A SPARQL constraint's pattern, each triple entailment-aware, ``$this`` as ``this``.

        ``approximate``: triples under an odd number of negations (NOT EXISTS,
        ``!``) match the report's own triples only. That can only add
        solutions, so the pattern finds a superset of the violations, cheaply.
        """
        return _Translator(self, this, approximate).pattern(constraint.where, True)


_COMPARISONS = {"MinInclusive": ">=", "MaxInclusive": "<=", "MinExclusive": ">", "MaxExclusive": "<"}


class _Translator:
    """rdflib's algebra of a SPARQL constraint → SPARQL text, for the subset translated here."""

    def __init__(self, emitter: _Emitter, this: str, approximate: bool):
        self.emitter = emitter
        self.this = this
        self.approximate = approximate

    def refuse(self, node) -> UnsupportedShape:
        what = getattr(node, "name", None) or type(node).__name__
        return UnsupportedShape(f"{SHAPES_GRAPH}: {what} in a SPARQL constraint is not supported by "
                                "kg.validation (translate it there, or validate with --engine pyshacl)")

    def term(self, term) -> str:
        if isinstance(term, Variable):
            if str(term) in ("shapesGraph", "currentShape"):
                raise self.refuse(term)
            return self.this if str(term) == "this" else f"?q_{term}"
        if isinstance(term, (URIRef, Literal)):
            return _term(term)
        raise self.refuse(term)

    def pattern(self, node, positive: bool) -> str:
        name = getattr(node, "name", None)
        if name in ("BGP", "TriplesBlock"):
            return " ".join(self.triple(t, positive) for t in node.triples)
        if name == "GroupGraphPatternSub":  # EXISTS patterns stay parsed, not translated
            from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

            return self.pattern(translateGroupGraphPattern(node), positive)
        if name == "Join":
            return f"{self.pattern(node.p1, positive)} {self.pattern(node.p2, positive)}"
        if name == "Filter":
            return f"{self.pattern(node.p, positive)} FILTER({self.expr(node.expr, positive)})"
        raise self.refuse(node)

    def triple(self, triple, positive: bool) -> str:
        s, p, o = (self.term(t) for t in triple)
        if not isinstance(triple[1], (Variable, URIRef)):
            raise self.refuse(triple[1])
        if self.approximate and not positive:
            return self.emitter.scope.data(f"{s} {p} {o} .")
        if isinstance(triple[1], Variable):
            return self.emitter.any_triple(s, p, o)
        return self.emitter.triple(s, triple[1], o)

    _TESTS = {"Builtin_isIRI": "isIRI", "Builtin_isURI": "isIRI", "Builtin_isBLANK": "isBlank",
              "Builtin_isLITERAL": "isLiteral", "Builtin_BOUND": "BOUND"}

    def expr(self, node, positive: bool | None) -> str:
        """``positive``: the polarity of a FILTER's EXISTS; None where it cannot be told (exact there)."""
        if isinstance(node, (Variable, URIRef, Literal)):
            return self.term(node)
        name = getattr(node, "name", None)
        if name in ("Builtin_NOTEXISTS", "Builtin_EXISTS"):
            negated = name == "Builtin_NOTEXISTS"
            if positive is None:
                inner = _Translator(self.emitter, self.this, False).pattern(node.graph, True)
            else:
                inner = self.pattern(node.graph, positive != negated)
            return f"{'NOT ' if negated else ''}EXISTS {{ {inner} }}"
        if name == "RelationalExpression" and node.op in ("=", "!=", "<", ">", "<=", ">="):
            return f"({self.expr(node.expr, None)} {node.op} {self.expr(node.other, None)})"
        if name in ("ConditionalAndExpression", "ConditionalOrExpression"):
            op = " && " if name == "ConditionalAndExpression" else " || "
            return "(" + op.join(self.expr(e, positive) for e in [node.expr, *(node.other or [])]) + ")"
        if name == "UnaryNot":
            return f"!({self.expr(node.expr, None if positive is None else not positive)})"
        if name == "Builtin_sameTerm":
            return f"sameTerm({self.expr(node.arg1, None)}, {self.expr(node.arg2, None)})"
        if name in self._TESTS:
            return f"{self._TESTS[name]}({self.expr(node.arg, None)})"
        raise self.refuse(node)


def _binds_this(node) -> bool:
    """Whether a SPARQL constraint's pattern binds ``$this`` outside any FILTER."""
    name = getattr(node, "name", None)
    if name == "BGP":
        return any(Variable("this") in t for t in node.triples)
    if name == "Join":
        return _binds_this(node.p1) or _binds_this(node.p2)
    if name == "Filter":
        return _binds_this(node.p)
    return False


# --------------------------------------------------------------------------
# Queries. Per shape, two kinds:
#   candidates — cheap (scans, grouped counts, hash anti-joins), answering a
#                superset of the focus nodes that may violate the shape;
#   exact      — every constraint, evaluated only on those candidates.
# ``{HEAD}`` is where a chunk's graphs (VALUES ?g …) or the candidates
# (VALUES (?g ?this) …) go.
# --------------------------------------------------------------------------

HEAD = "{HEAD}"


@dataclass
class _Query:
    text: str
    decode: Callable[[object], list[Violation]]
    what: str


@dataclass
class _Plan:
    """What validates one shape in one scope."""

    shape: NodeShape
    candidates: list[tuple[str, str]]  # (query, what)
    exact: list[_Query]


def _true(solution, name: str) -> bool:
    value = solution[name]
    return value is not None and value.value in ("true", "1")


def _monotone(shape: NodeShape, nested: dict) -> bool:
    """Whether more triples can only help a node conform to ``shape`` (then conforming in the ontology is enough)."""
    for test in shape.tests:
        if test.component == "Node" and not _monotone(nested[test.param], nested):
            return False
    return not shape.sparql and all(
        not p.tests and p.max_count is None and not p.less_than for p in shape.properties)


class _Compiler:
    """The shapes → a :class:`_Plan` per shape, for one scope (report graphs, or the default graph)."""

    def __init__(self, shapes: list[NodeShape], nested: dict, entailment: Entailment,
                 shapes_graph: rdflib.Graph, named: bool, conforming: dict):
        self.shapes = shapes
        self.graph = shapes_graph
        self.e = _Emitter(entailment, _Scope(named), nested, shapes_graph)
        self.g = self.e.scope.g
        #: nested shape → the ontology's nodes that conform to it on their own (:func:`_monotone` shapes only)
        self.conforming = conforming

    def name(self, node) -> str:
        return _name(self.graph, node)

    def plans(self) -> list[_Plan]:
        return [_Plan(s, self.candidates(s), self.exact(s)) for s in self.shapes]

    # -- exact: on the candidates only --

    def describe(self, test: Test) -> str:
        c, p = test.component, test.param
        return {
            "Datatype": lambda: f"not a literal of datatype {self.name(p)}",
            "NodeKind": lambda: f"not of node kind {self.name(p)}",
            "Class": lambda: f"not an instance of {self.name(p)}",
            "MinLength": lambda: f"shorter than {p} characters",
            "MaxLength": lambda: f"longer than {p} characters",
            "Pattern": lambda: f"does not match {p[0]!r}",
            "In": lambda: "not one of " + ", ".join(self.name(m) for m in p),
            "Node": lambda: f"does not conform to {self.name(p)}",
        }.get(c, lambda: f"not {_COMPARISONS[c]} {p}")()

    def violation(self, shape: NodeShape, solution, constraint: str, message: str, *,
                  path: Path | None = None, value: str = "") -> Violation:
        return Violation(str(solution["this"]), path.text() if path else "", constraint, value,
                         self.name(shape.node), message)

    def exact(self, shape: NodeShape) -> list[_Query]:
        e, g = self.e, self.g
        what = self.name(shape.node)
        is_focus = f"FILTER EXISTS {{ {e.focus(shape)} }}"
        queries = []
        # On the focus node: its own tests, sh:hasValue, SPARQL constraints.
        checks: list[tuple[str, Callable]] = []
        for test in shape.tests:
            checks.append((e.fails(test, "?this"), lambda s, t=test: self.violation(
                shape, s, t.component, shape.message or self.describe(t), value=str(s["this"]))))
        for prop in shape.properties:
            for value in prop.has_values:
                checks.append((f"NOT EXISTS {{ {e.values(prop.path, '?this', _term(value))} }}",
                               lambda s, p=prop, v=value: self.violation(
                                   shape, s, "HasValue", p.message or f"does not have the value {self.name(v)}",
                                   path=p.path)))
        for constraint in shape.sparql:
            checks.append((f"EXISTS {{ {e.sparql_pattern(constraint)} }}", lambda s, c=constraint: self.violation(
                shape, s, "SPARQL", c.message or "violates a SPARQL constraint", value=str(s["this"]))))
        if checks:
            flags = [f"?c{i}" for i in range(len(checks))]
            binds = " ".join(f"BIND({expr} AS {flag})" for (expr, _), flag in zip(checks, flags))
            text = f"SELECT {g}?this {' '.join(flags)} WHERE {{ {HEAD} {is_focus} {binds} FILTER({' || '.join(flags)}) }}"
            queries.append(_Query(text, lambda s, checks=checks: [
                make(s) for i, (_, make) in enumerate(checks) if _true(s, f"c{i}")], what))
        for prop in shape.properties:
            queries += self.exact_property(shape, prop, is_focus)
        return queries

    def exact_property(self, shape: NodeShape, prop: PropertyShape, is_focus: str) -> list[_Query]:
        e, g = self.e, self.g
        what = f"{self.name(shape.node)} {prop.path.text()}"
        values = e.values(prop.path, "?this", "?v")
        out = []
        if prop.tests:
            flags = [f"?c{i}" for i in range(len(prop.tests))]
            binds = " ".join(f"BIND({e.fails(t, '?v')} AS {flag})" for t, flag in zip(prop.tests, flags))
            text = (f"SELECT DISTINCT {g}?this ?v {' '.join(flags)} WHERE {{ {HEAD} {values} {binds} "
                    f"FILTER({' || '.join(flags)}) {is_focus} }}")
            out.append(_Query(text, lambda s: [
                self.violation(shape, s, t.component, prop.message or self.describe(t), path=prop.path,
                               value=str(s["v"])) for i, t in enumerate(prop.tests) if _true(s, f"c{i}")],
                f"{what} values"))
        if prop.min_count or prop.max_count is not None:
            bounds = ([f"COUNT(DISTINCT ?v) < {prop.min_count}"] if prop.min_count else []) \
                + ([f"COUNT(DISTINCT ?v) > {prop.max_count}"] if prop.max_count is not None else [])
            text = (f"SELECT {g}?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {HEAD} {is_focus} OPTIONAL {{ {values} }} }} "
                    f"GROUP BY {g}?this HAVING ({' || '.join(bounds)})")

            def count(s, prop=prop):
                n = int(s["n"].value)
                if n < prop.min_count:
                    return [self.violation(shape, s, "MinCount", prop.message or
                                           f"{n} values, at least {prop.min_count} expected", path=prop.path)]
                return [self.violation(shape, s, "MaxCount", prop.message or
                                       f"{n} values, at most {prop.max_count} allowed", path=prop.path)]

            out.append(_Query(text, count, f"{what} count"))
        for other in prop.less_than:
            text = (f"SELECT DISTINCT {g}?this ?v WHERE {{ {HEAD} {values} {e.values(Path(other), '?this', '?w')} "
                    f"FILTER(!COALESCE(?v < ?w, false)) {is_focus} }}")
            out.append(_Query(text, lambda s, o=other: [self.violation(
                shape, s, "LessThan", prop.message or f"not less than its {self.name(o)}", path=prop.path,
                value=str(s["v"]))], f"{what} less than"))
        return out

    # -- candidates: a superset of the focus nodes that may fail --

    def candidates(self, shape: NodeShape) -> list[tuple[str, str]]:
        what = self.name(shape.node)
        out = [(q, f"{what}: {kind}") for kind, q in (
            ("counts", self.counts(shape)),
            ("values", self.local_values(shape)),
            ("focus node", self.local_focus(shape)),
            ("ontology nodes", self.ontology_nodes(shape)),
        ) if q is not None]
        for test in shape.tests:
            if test.component in ("Class", "Node"):
                out.append((self.nonmembers(test, _union(self.focus_patterns(shape, ontology=True)), "?this"),
                            f"{what}: {test.component}"))
        # sh:class and sh:node on values: one query per class or nested shape, over every path that has it.
        by_test: dict[Test, list[str]] = {}
        for prop in shape.properties:
            for test in prop.tests:
                if test.component == "Node" or (test.component == "Class"
                                                 and not self.e.class_is_entailed(prop.path, test.param)):
                    by_test.setdefault(test, []).extend(self.path_branches(prop, "?v"))
        for test, branches in by_test.items():
            out.append((self.nonmembers(test, _union(branches), "?v"), f"{what}: {test.component} {self.name(test.param)}"))
        for prop in shape.properties:
            values = self.e.values(prop.path, "?this", "?v", ontology=False)
            for other in prop.less_than:
                out.append((f"SELECT DISTINCT {self.g}?this WHERE {{ {HEAD} {values} "
                            f"{self.e.values(Path(other), '?this', '?w')} FILTER(!COALESCE(?v < ?w, false)) }}",
                            f"{what} {prop.path.text()}: LessThan"))
        for constraint in shape.sparql:
            pattern = self.e.sparql_pattern(constraint, approximate=True)
            if not _binds_this(constraint.where):
                pattern = f"{_union(self.focus_patterns(shape, ontology=True))} {pattern}"
            out.append((f"SELECT DISTINCT {self.g}?this WHERE {{ {HEAD} {pattern} }}", f"{what}: SPARQL"))
        return out

    def focus_patterns(self, shape: NodeShape, *, ontology: bool) -> list[str]:
        return self.e.focus_branches(shape, ontology=ontology)

    def path_branches(self, prop: PropertyShape, v: str, this: str = "?this") -> list[str]:
        """The report's triples along ``prop``'s path, binding ``this`` and ``v``."""
        path = prop.path
        branches = (self.e.triple_branches(v, path.predicate, this, ontology=False) if path.inverse
                    else self.e.triple_branches(this, path.predicate, v, ontology=False))
        return [b for b in branches if b is not None]

    def cheap_fails(self, test: Test, v: str) -> str:
        """True at least when ``v`` fails ``test`` (a value-only test); cheaper than :meth:`_Emitter.fails`."""
        if test.component == "Class":  # only for sh:class entailed by the path
            return f"isLiteral({v})"
        if test.component == "Datatype" and test.param == XSD.string:
            return f"!COALESCE(sameTerm({v}, STR({v})), false)"
        if test.component == "Datatype" and test.param != RDF.langString:
            # A literal of the datatype is its own cast (pyoxigraph keeps them canonical).
            return f"!COALESCE(sameTerm({v}, {_term(test.param)}({v})), false)"
        return self.e.fails(test, v)

    def local_tests(self, prop: PropertyShape) -> list[Test]:
        """The tests of ``prop`` that need nothing but the value."""
        return [t for t in prop.tests if t.component not in ("Class", "Node")
                or (t.component == "Class" and self.e.class_is_entailed(prop.path, t.param))]

    def local_values(self, shape: NodeShape) -> str | None:
        """Nodes with a value that fails a value-only test (sh:datatype, sh:pattern …)."""
        branches = []
        for prop in shape.properties:
            tests = self.local_tests(prop)
            if tests:
                fails = " || ".join(self.cheap_fails(t, "?v") for t in tests)
                branches += [f"{b} FILTER({fails})" for b in self.path_branches(prop, "?v")]
        if not branches:
            return None
        return f"SELECT DISTINCT {self.g}?this WHERE {{ {HEAD} {_union(branches)} }}"

    @staticmethod
    def local_focus_tests(shape: NodeShape) -> list[Test]:
        return [t for t in shape.tests if t.component not in ("Class", "Node")]

    def local_focus(self, shape: NodeShape) -> str | None:
        """Focus nodes that fail a test of their own (sh:nodeKind …), unless :meth:`counts` sees them."""
        tests = self.local_focus_tests(shape)
        if not tests or any(p.min_count or p.has_values for p in shape.properties):
            return None
        fails = " || ".join(self.cheap_fails(t, "?this") for t in tests)
        return (f"SELECT DISTINCT {self.g}?this WHERE {{ {HEAD} {_union(self.focus_patterns(shape, ontology=False))} "
                f"FILTER({fails}) }}")

    def counts(self, shape: NodeShape) -> str | None:
        """Nodes with too few or too many values along a path, or lacking a sh:hasValue (and, when the
        focus nodes are enumerated here anyway, failing a test of their own).

        One pass over the report's triples about the shape's nodes, each
        path's values in a variable of its own, grouped per node; a path's
        triple that also makes its subject a focus node counts as both.
        Report triples only: exact for every node the ontology says nothing
        about along these paths; :meth:`ontology_nodes` names the others.
        """
        e = self.e
        needs_focus = any(p.min_count or p.has_values for p in shape.properties)
        evidence = dict((key or pattern, pattern) for pattern, key in e.evidence(shape)) if needs_focus else {}
        rows, at_least, at_most = [], [], []
        for i, prop in enumerate(shape.properties):
            if prop.min_count or prop.max_count is not None:
                branches = []
                for q in sorted(e.e.subproperties(prop.path.predicate)):
                    key = ("o" if prop.path.inverse else "s", q)
                    pattern = e.scope.data(f"?_p{i} {_term(q)} ?this ." if prop.path.inverse
                                           else f"?this {_term(q)} ?_p{i} .")
                    branches.append(pattern + (" BIND(true AS ?_e)" if evidence.pop(key, None) else ""))
                if prop.path.predicate == RDF.type:
                    branches = self.path_branches(prop, f"?_p{i}")
                rows += branches
                n = f"COUNT({'DISTINCT ' if len(branches) > 1 else ''}?_p{i})"
                if prop.min_count:
                    at_least.append(f"{n} < {prop.min_count}")
                if prop.max_count is not None:
                    at_most.append(f"{n} > {prop.max_count}")
            for j, value in enumerate(prop.has_values):
                rows += [f"{b} FILTER(sameTerm(?_h{i}_{j}, {_term(value)}))"
                         for b in self.path_branches(prop, f"?_h{i}_{j}")]
                at_least.append(f"COUNT(?_h{i}_{j}) = 0")
        if not (at_least or at_most):
            return None
        rows += [f"{pattern} BIND(true AS ?_e)" for pattern in evidence.values()]
        if needs_focus:  # the node's own tests: once per group, in HAVING
            at_least += [self.cheap_fails(t, "?this") for t in self.local_focus_tests(shape)]
        conditions = at_most + ([f"(COUNT(?_e) > 0 && ({' || '.join(at_least)}))"] if at_least else [])
        return (f"SELECT {self.g}?this WHERE {{ {HEAD} {_union(rows)} }} GROUP BY {self.g}?this "
                f"HAVING ({' || '.join(conditions)})")

    def ontology_nodes(self, shape: NodeShape) -> str | None:
        """The ontology's nodes whose verdict a report may change: their values are partly the ontology's.

        A node the ontology gives values along the shape's paths, when it is a
        focus node by the report's triples; an ontology node that is a focus
        node by the ontology, when the report states something about it; one
        whose ontology value a report states something about (sh:node).
        """
        e = self.e
        paths = [p.path for p in shape.properties] + [Path(o) for p in shape.properties for o in p.less_than]
        valued = sorted({(o if path.inverse else s) for path in paths for s, o in e.e.pairs(path.predicate)
                         if not isinstance(o if path.inverse else s, (BNode, Literal))}, key=str)
        branches = []
        if valued:  # from those nodes, not over all focus nodes: the few graphs that name them
            rows = _values(("?this",), [(n,) for n in valued])
            branches.append(f"{{ SELECT DISTINCT {self.g}?this WHERE {{ {rows} "
                            f"{_union(self.focus_patterns(shape, ontology=False))} }} }}")
        branches.append(e.ontology_focus(shape))
        for prop in shape.properties:
            if any(t.component == "Node" for t in prop.tests):
                pairs = [(o, s) if prop.path.inverse else (s, o) for s, o in e.e.pairs(prop.path.predicate)]
                rows = _values(("?this", "?v"), [p for p in pairs if not isinstance(p[1], Literal)])
                if rows is not None:
                    branches.append(e.stated(rows, ["?v"], project="?this"))
        branches = [b for b in branches if b is not None]
        if not branches:
            return None
        return f"SELECT DISTINCT {self.g}?this WHERE {{ {HEAD} {_union(branches)} }}"

    def surely_conforms(self, shape: NodeShape, v: str) -> str | None:
        """A pattern of report triples that, when it matches, shows ``v`` conforms to a monotone ``shape``.

        None when the shape asks for more than such a pattern can show.
        """
        e, parts = self.e, []
        for test in shape.tests:
            if test.component == "Class":
                parts.append(_union([e.scope.data(f"{v} a {_term(t)} .") for t in sorted(e.e.subclasses(test.param))]))
            elif test.component == "Node":
                inner = self.surely_conforms(e.nested[test.param], v)
                if inner is None:
                    return None
                parts.append(inner)
            else:
                parts.append(f"FILTER(!({e.fails(test, v)}))")
        for prop in shape.properties:
            if prop.min_count > 1:
                return None
            if prop.min_count:
                parts.append(_union(self.path_branches(prop, e.var(), v)))
            for value in prop.has_values:
                parts.append(_union(self.path_branches(prop, _term(value), v)))
        return " ".join(parts) if parts else None

    def nonmembers(self, test: Test, source: str, v: str) -> str:
        """Candidates for sh:class / sh:node on ``v`` (bound by ``source``): all but the values that surely pass."""
        e = self.e
        surely = []
        if test.component == "Class":
            typed = _union([e.scope.data(f"{v} a {_term(t)} .") for t in sorted(e.e.subclasses(test.param))])
            surely.append(f"{{ {HEAD} {typed} }}")
            rows = _values((v,), [(i,) for i in e.e.instances(test.param) if not isinstance(i, BNode)])
        else:
            rows = _values((v,), [(n,) for n in sorted(self.conforming.get(test.param, ()), key=str)])
            if test.param in self.conforming:  # monotone: what the report itself says may be enough
                sure = self.surely_conforms(e.nested[test.param], v)
                if sure is not None:
                    surely.append(f"{{ {HEAD} {sure} }}")
        if rows is not None:
            surely.append(f"{{ {rows} }}")
        minus = " ".join(f"MINUS {s}" for s in surely)
        return f"SELECT DISTINCT {self.g}?this WHERE {{ {HEAD} {source} {minus} }}"


# --------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------

ONTOLOGY_GRAPH = "urn:legal-kg:validation:ontology"


class Validator:
    """Validates the report graphs of a store against the shapes, many graphs per query.

    A store is anything with ``query(sparql)`` answering as pyoxigraph does
    (:class:`~kg.stores.oxigraph.OxigraphStore`, :class:`~kg.stores.sparql.SparqlStore`).
    ``shapes_graph`` and ``ontology`` default to ``ontology/shapes.ttl`` and
    the ontology with its vocabularies (:func:`kg.shapes.shapes`). Raises
    :class:`UnsupportedShape` for a shape the compiler cannot translate, and
    ValueError when the ontology itself does not conform to the shapes.
    """

    #: Report graphs per candidate query: bounds each query's memory, and shows progress.
    chunk_size = 500
    #: Candidates per exact query.
    batch_size = 200

    def __init__(self, shapes_graph: rdflib.Graph | None = None, ontology: rdflib.Graph | None = None):
        import pyoxigraph as ox

        from kg.shapes import shapes as bundled

        if shapes_graph is None or ontology is None:
            bundled_ontology, bundled_shapes = bundled()
            shapes_graph = bundled_shapes if shapes_graph is None else shapes_graph
            ontology = bundled_ontology if ontology is None else ontology
        reader = _Reader(shapes_graph)
        shapes = reader.shapes()
        self.entailment = Entailment(ontology)
        # The ontology alone, as a store: what holds there is decided once.
        self._ontology = ox.Store()
        self._ontology.extend(ox.Quad(*map(_to_ox, t), ox.NamedNode(ONTOLOGY_GRAPH)) for t in ontology)
        conforming = self._conforming(reader.nested, shapes_graph)
        self.report_plans = _Compiler(shapes, reader.nested, self.entailment, shapes_graph, True,
                                      conforming).plans()
        self.default_plans = _Compiler([_at_most(s) for s in shapes], reader.nested, self.entailment,
                                       shapes_graph, False, conforming).plans()
        found, _ = self._check(self._ontology.query, self.report_plans, f"VALUES ?g {{ <{ONTOLOGY_GRAPH}> }}",
                               named=True)
        if found:
            problems = "; ".join(format_violation(v) for vs in found.values() for v in sorted(vs)[:5])
            raise ValueError(f"the ontology and vocabularies do not conform to {SHAPES_GRAPH}: {problems}")

    def _conforming(self, nested: dict, shapes_graph: rdflib.Graph) -> dict:
        """For each monotone nested shape: the ontology's nodes that conform to it there."""
        emitter = _Emitter(self.entailment, _Scope(True), nested, shapes_graph)
        nodes = sorted({n for t in self.entailment.closure for n in (t[0], t[2]) if isinstance(n, URIRef)}, key=str)
        rows = _values(("?v",), [(n,) for n in nodes])
        out = {}
        for node, shape in nested.items():
            if _monotone(shape, nested) and rows is not None:
                text = (f"SELECT ?v WHERE {{ VALUES ?g {{ <{ONTOLOGY_GRAPH}> }} {rows} "
                        f"FILTER(!{emitter.nonconforming(shape, '?v')}) }}")
                out[node] = frozenset(URIRef(s["v"].value) for s in self._ontology.query(text))
        return out

    def _check(self, query: Callable, plans: list[_Plan], head: str, *, named: bool
               ) -> tuple[dict[str, set[Violation]], set[str]]:
        """Violations in the graphs ``head`` names, by graph ("" for the default graph).

        Also the graphs where a candidate is a blank node, which a VALUES
        block cannot name: those are left to the caller.
        """
        found: dict[str, set[Violation]] = {}
        blank: set[str] = set()
        for plan in plans:
            candidates = set()
            for text, _ in plan.candidates:
                for s in query(text.replace(HEAD, head)):
                    graph = s["g"].value if named else ""
                    if s["this"].__class__.__name__ == "BlankNode":
                        blank.add(graph)
                    else:
                        candidates.add((graph, str(s["this"])))
            ordered = sorted(candidates)
            for start in range(0, len(ordered), self.batch_size):
                batch = ordered[start:start + self.batch_size]
                if named:
                    rows = "VALUES (?g ?this) { " + " ".join(f"(<{g}> {t})" for g, t in batch) + " }"
                else:
                    rows = "VALUES ?this { " + " ".join(t for _, t in batch) + " }"
                for q in plan.exact:
                    for s in query(q.text.replace(HEAD, rows)):
                        found.setdefault(s["g"].value if named else "", set()).update(q.decode(s))
        return {g: v for g, v in found.items() if v}, blank

    def schema_graphs(self, store, head: str) -> set[str]:
        """The graphs in ``head`` that state schema (pyshacl would infer from it): left to the reference."""
        patterns = [f"GRAPH ?g {{ ?s {_term(p)} ?o }}" for p in SCHEMA_PREDICATES]
        patterns += [f"GRAPH ?g {{ ?s a {_term(t)} }}" for t in SCHEMA_TYPES]
        return {s["g"].value for s in store.query(f"SELECT DISTINCT ?g WHERE {{ {head} {_union(patterns)} }}")}

    def run(self, store, keys: Sequence[str] | None = None, *,
            progress: Callable[[int, int], None] | None = None) -> Result:
        """Validate the store's reports (``keys``: only those), and the default graph when all are.

        ``progress(done, total)`` is called as reports are done. Raises
        KeyError for a key that is not stored.
        """
        from kg.shapes import violations as reference

        started = time.perf_counter()
        graphs = _selected(report_graphs(store), keys)
        result = Result(reports=len(graphs))
        order = sorted(graphs, key=graphs.get)
        for start in range(0, len(order), self.chunk_size):
            chunk = order[start:start + self.chunk_size]
            head = "VALUES ?g { " + " ".join(f"<{g}>" for g in chunk) + " }"
            found, blank = self._check(store.query, self.report_plans, head, named=True)
            for graph in sorted(self.schema_graphs(store, head) | blank):
                found[graph] = set(reference(store.load(graphs[graph]).graph))
                result.by_reference.append(graphs[graph])
            for graph, violations in found.items():
                if violations and graph in graphs:
                    result.violations[graphs[graph]] = sorted(violations)
            if progress is not None:
                progress(start + len(chunk), len(order))
        if keys is None:
            if store.answers_sparql:  # the layout of docs/store.md: one decided description per instrument
                found, blank = self._check(store.query, self.default_plans, "", named=False)
                result.default_graph = sorted(found.get("", ()))
                if blank:
                    result.notes.append("blank nodes in the default graph were not checked")
            else:
                result.notes.append("the default graph was not checked: this store keeps no decided description "
                                    "per instrument (its default graph holds every report's claims)")
        result.violations = dict(sorted(result.violations.items()))
        result.seconds = time.perf_counter() - started
        return result


def _at_most(shape: NodeShape) -> NodeShape:
    """``shape`` with only its sh:maxCount constraints: what the default graph is checked for.

    The default graph merges the report graphs (each checked on its own) and
    decides each instrument's description once; what that merge can break is
    an "at most" that holds in each report but not across them.
    """
    properties = tuple(replace(p, min_count=0, has_values=(), tests=(), less_than=())
                       for p in shape.properties if p.max_count is not None)
    return replace(shape, tests=(), properties=properties, sparql=())


def _selected(graphs: dict[str, str], keys: Sequence[str] | None) -> dict[str, str]:
    """``graphs`` (IRI → key) restricted to ``keys``; KeyError for a key not among them."""
    if keys is None:
        return graphs
    by_key = {key: graph for graph, key in graphs.items()}
    for key in keys:
        if key not in by_key:
            raise KeyError(key)
    return {by_key[k]: k for k in dict.fromkeys(keys)}


def validate_each(store, keys: Sequence[str] | None = None, *,
                  progress: Callable[[int, int], None] | None = None) -> Result:
    """The reference: each report loaded and validated on its own by pyshacl (slow; any store)."""
    from kg.graph import VOCABULARY_KEY
    from kg.shapes import violations as reference

    started = time.perf_counter()
    every = sorted(k for k in store.report_keys() if k != VOCABULARY_KEY)
    chosen = list(dict.fromkeys(keys)) if keys is not None else every
    missing = set(chosen) - set(every)
    if missing:
        raise KeyError(sorted(missing)[0])
    result = Result(reports=len(chosen), by_reference=list(chosen))
    for done, key in enumerate(chosen, 1):
        found = reference(store.load(key).graph)
        if found:
            result.violations[key] = found
        if progress is not None:
            progress(done, len(chosen))
    if keys is None:
        result.notes.append("the default graph was not checked (pyshacl validates report graphs only)")
    result.seconds = time.perf_counter() - started
    return result


def compact(term: str) -> str:
    """An N-Triples IRI shortened with the store's usual prefixes (``eli:cites``); other terms as they are."""
    from kg.iris import PREFIXES

    if term.startswith("^"):
        return "^" + compact(term[1:])
    if term.startswith("<") and term.endswith(">"):
        iri = term[1:-1]
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local.replace("_", "a").replace("-", "a").isalnum():
                return f"{prefix}:{local}"
    return term


def as_json(result: Result) -> dict:
    """``result`` as plain data (``kg validate --format json``)."""
    def items(violations):
        return [{"focus": v.focus, "path": v.path or None, "constraint": v.constraint, "value": v.value or None,
                 "shape": v.shape or None, "message": v.message} for v in violations]

    return {
        "conforms": result.conforms,
        "reports": result.reports,
        "conforming": result.reports - len(result.violations),
        "violations": {key: items(vs) for key, vs in result.violations.items()},
        "default_graph": None if result.default_graph is None else {
            "conforms": not result.default_graph, "violations": items(result.default_graph)},
        "by_reference": result.by_reference,
        "notes": result.notes,
        "seconds": round(result.seconds, 3),
    }


def _to_ox(term):
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def report_graphs(store) -> dict[str, str]:
    """Graph IRI → report key, for every stored report (not the vocabulary)."""
    return {graph: key for key, graph in store.report_graphs().items()}


def format_violation(v: Violation, compact: Callable[[str], str] = lambda t: t) -> str:
    """One violation on one line: ``focus path: message (Constraint value)``."""
    where = compact(v.focus) + (f" {compact(v.path)}" if v.path else "")
    value = f" {compact(v.value)}" if v.value and v.value != v.focus else ""
    return f"{where}: {v.message} ({v.constraint}{value})"
