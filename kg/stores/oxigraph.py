"""The default store: an embedded, on-disk Oxigraph (RocksDB) quad store.

Each report is its own named graph; the store's default graph is the set
merge of them all, with one decided description per instrument; a
bookkeeping graph records each report's version. Every write keeps reports
whole even when killed, and a store is read by many processes or written by
one. What is in it and why: docs/store.md.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Literal, URIRef

from kg.graph import INSTRUMENTS_GRAPH, split_claims
from kg.iris import PREFIXES
from kg.query import QueryTimeout, ResultCache, evaluate, read_whole, rebuild

from . import updates
from .base import ReportGraph, Store, StoredVersion, StoreError
from .updates import FILE_HASH as _FILE_HASH
from .updates import GRAPH as _GRAPH
from .updates import HASH as _HASH
from .updates import KEY as _KEY
from .updates import LAYOUT as _LAYOUT
from .updates import META as _META
from .updates import META_GRAPH
from .updates import PENDING as _PENDING
from .updates import RECIPE as _RECIPE
from .updates import SOURCE as _SOURCE
from .updates import report_node as _report_node

__all__ = [
    "OxigraphStore",
    "PreparedReport",
    "ntriples",
    "QueryTimeout",
    "META_GRAPH",
    "PREFIXES",
    "EXPORT_FORMATS",
]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: 2: reports keyed by their text, the default graph the set merge of the
#: report graphs (claims aside) and the instruments graph; 1 (no marker):
#: reports keyed by their path, named graphs only.
LAYOUT = 2

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


#: The advisory lock every OxigraphStore holds on its directory while open:
#: shared by readers, exclusive for the writer. Oxigraph calls reading a store
#: that another process writes undefined behaviour, so either may be refused.
LOCK_FILE = "legal-kg.lock"


def _hold_lock(path: Path, read_only: bool):
    """Take the store's lock without waiting; StoreError naming who holds it otherwise."""
    import fcntl

    if not read_only:
        path.mkdir(exist_ok=True)
    try:
        lock = open(path / LOCK_FILE, "a+b")  # noqa: SIM115 (held, and locked, as long as the store is open)
    except OSError as e:
        raise StoreError(f"cannot open store {path}: {e}") from e
    try:
        fcntl.flock(lock, (fcntl.LOCK_SH if read_only else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        if read_only:
            raise StoreError(f"store {path} is being written by another process (kg ingest?): "
                             "try again when it has finished") from None
        raise StoreError(f"store {path} is in use by another process (kg serve, kg ingest, or another "
                         "command reading it): nothing may write to it meanwhile; stop that process first, "
                         "or ingest into another store") from None
    return lock


# --- rdflib → N-Triples text ----------------------------------------------
#
# Writing the triples as text ourselves and letting Oxigraph parse them (in
# Rust) is the fastest path measured: ~0.25 ms for a 260-triple report,
# against ~0.9 ms for building pyoxigraph Quads in Python and ~0.9 ms for
# rdflib's N-Triples serializer. The same lines are valid N-Triples, Turtle
# and TriG, and SPARQL ``INSERT DATA`` triples.

_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_LANG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
_XSD_STRING_REF = URIRef(XSD_STRING)

# IRI → "<IRI>", validated once: predicates, classes, instruments and the
# report's own nodes recur hundreds of times per report.
_IRI_TEXT: dict[str, str] = {}
_IRI_CACHE_MAX = 200_000


def _iri(value: str) -> str:
    text = _IRI_TEXT.get(value)
    if text is None:
        if _BAD_IRI.search(value):
            raise ValueError(f"not a valid IRI (space or forbidden character): {value!r}")
        text = f"<{value}>"
        if len(_IRI_TEXT) >= _IRI_CACHE_MAX:
            _IRI_TEXT.clear()
        _IRI_TEXT[value] = text  # keyed by type too: URIRef("x") != "x"
    return text


def _literal(term: Literal) -> str:
    # Escaping backslashes first also neutralises SPARQL's \uXXXX pre-processing.
    text = '"' + str.translate(term, _ESCAPES) + '"'
    lang = term.language
    if lang:
        if not _LANG.match(lang):
            raise ValueError(f"invalid language tag: {lang!r}")
        return f"{text}@{lang}"
    dt = term.datatype
    if dt is not None and dt != _XSD_STRING_REF:
        return f"{text}^^{_iri(dt)}"
    return text


def _term(term, bnodes: dict) -> str:
    kind = type(term)
    if kind is URIRef:
        return _iri(term)
    if kind is Literal:
        return _literal(term)
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, Literal):
        return _literal(term)
    if isinstance(term, BNode):
        # Relabel: rdflib allows labels that N-Triples does not, and the
        # labels must not meet another report's in a TriG document of
        # several reports, so they are random.
        label = bnodes.get(term)
        if label is None:
            if "" not in bnodes:
                bnodes[""] = uuid.uuid4().hex
            label = bnodes[term] = f"_:b{bnodes['']}x{len(bnodes)}"
        return label
    raise ValueError(f"unsupported RDF term {term!r}")


def ntriples(triples: Iterable[tuple], bnodes: dict | None = None) -> str:
    """``triples`` (rdflib terms) as N-Triples lines, each ending in a newline.

    Raises ValueError for an IRI with a forbidden character, a bad language
    tag or a term that is not an IRI, literal or blank node. Blank nodes get
    random labels (unique to this call, or to the calls sharing ``bnodes``).
    """
    bnodes = {} if bnodes is None else bnodes
    term = _term
    iri = _iri
    uri_ref = URIRef
    out: list[str] = []
    append = out.append
    for s, p, o in triples:
        # IRIs inline: by far the most common terms.
        s_text = iri(s) if type(s) is uri_ref else term(s, bnodes)
        p_text = iri(p) if type(p) is uri_ref else term(p, bnodes)
        o_text = iri(o) if type(o) is uri_ref else term(o, bnodes)
        append(f"{s_text} {p_text} {o_text} .\n")
    return "".join(out)


@dataclass(frozen=True)
class PreparedReport:
    """A report graph serialized for storing: compact, picklable text.

    What ingest workers hand to the writer process (see :mod:`kg.ingest`),
    and what :meth:`OxigraphStore.save_many` writes. The report's named graph
    ``iri`` holds ``ntriples`` and ``claims`` (N-Triples lines); the store's
    default graph gets ``ntriples`` only (claims are decided per instrument:
    :func:`kg.graph.split_claims`).
    """

    key: str
    iri: str
    content_hash: str
    ntriples: str
    claims: str = ""
    recipe: str = ""
    source: str = ""
    file_hash: str = ""

    @classmethod
    def from_triples(cls, key: str, iri: str, content_hash: str, triples: Iterable[tuple], *,
                     recipe: str = "", source: str = "", file_hash: str = "") -> PreparedReport:
        """Serialize ``triples`` (rdflib terms); ValueError for a term N-Triples cannot hold."""
        if iri in (META_GRAPH, INSTRUMENTS_GRAPH):
            raise ValueError(f"{iri} is reserved")
        _iri(iri)
        shared, claims = split_claims(triples)
        bnodes: dict = {}  # one labelling for both parts: a blank node is the same node in each
        return cls(key, iri, content_hash, ntriples(shared, bnodes), ntriples(claims, bnodes), recipe, source,
                   file_hash)

    @classmethod
    def of(cls, report: ReportGraph | PreparedReport) -> PreparedReport:
        if isinstance(report, PreparedReport):
            return report
        return cls.from_triples(report.key, report.iri, report.content_hash, report.graph,
                                recipe=report.recipe, source=report.source, file_hash=report.file_hash)

    def report_graph(self) -> ReportGraph:
        """The same report as a :class:`ReportGraph` (rdflib), for stores that want one."""
        graph = rdflib.Graph(identifier=URIRef(self.iri))
        graph.parse(data=self.ntriples + self.claims, format="nt")
        return ReportGraph(key=self.key, iri=self.iri, content_hash=self.content_hash, graph=graph,
                           recipe=self.recipe, source=self.source, file_hash=self.file_hash)


# --- pyoxigraph → rdflib ---------------------------------------------------


def _to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        # rdflib distinguishes "x" from "x"^^xsd:string; the graph builder uses the former.
        return Literal(term.value, datatype=None if dt == XSD_STRING else URIRef(dt))
    raise ValueError(f"cannot convert {term!r} to rdflib (RDF-star terms are not supported)")


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The IRI or text of a bookkeeping term (never an RDF-star triple there: the store writes none)."""
    if isinstance(term, ox.Triple):
        raise StoreError(f"the bookkeeping graph holds an RDF-star triple, which legal-kg never writes: {term}")
    return term.value


def _solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> list[ox.QuerySolution]:
    """The rows of a SELECT query's result."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"a SELECT query was expected, not one that gives {type(result).__name__}")
    return list(result)


# --- the store -------------------------------------------------------------


class _Standing(NamedTuple):
    """What a store holds that a report to save meets."""

    same: bool  # this version (content hash and recipe) is stored
    new: bool  # nothing of it is: not its key, not its graph, no report from its source
    replaced: list[str]  # the other reports stored from its source (the file changed): it replaces them


class Queued(NamedTuple):
    """A report waiting for its batch, with its place in the list given to ``save_many``."""

    position: int
    report: PreparedReport


@dataclass
class _NewReports:
    """The new reports to add together, in one transaction: never two of one key, graph or source
    (reports without a source replace no other, so any number of them may go together)."""

    queued: list[Queued] = field(default_factory=list)
    _taken: set[tuple[str, str]] = field(default_factory=set)  # ("key" | "iri" | "source", value)

    @staticmethod
    def _names(report: PreparedReport) -> set[tuple[str, str]]:
        names = {("key", report.key), ("iri", report.iri)}
        if report.source:
            names.add(("source", report.source))
        return names

    def holds(self, report: PreparedReport) -> bool:
        """Whether the batch holds another version of ``report`` (its key, graph or source)."""
        return not self._taken.isdisjoint(self._names(report))

    def add(self, index: int, report: PreparedReport) -> None:
        self.queued.append(Queued(index, report))
        self._taken |= self._names(report)

    def take(self) -> list[Queued]:
        """The queued reports, in order; the batch is empty after."""
        batch, self.queued = self.queued, []
        self._taken.clear()
        return batch


class OxigraphStore(Store):
    """Report graphs in an Oxigraph store on disk at ``path`` (None: in memory).

    Opened ``read_only``, nothing can change it (its lock), so a query asked
    again is answered from memory unless ``cache`` is off.
    """

    takes_ntriples = True
    answers_sparql = True

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, cache: bool = True):
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._cache = ResultCache(max_bytes=64 * 1024 * 1024 if cache else 0)
        self._asked = ResultCache(max_bytes=4096)  # keys asked once
        self._store: ox.Store | None = None  # None once closed
        if self.path is None:
            if read_only:
                raise StoreError("an in-memory store cannot be opened read-only")
            self._store = ox.Store()
            self._mark_layout()
            return
        self._check_path(self.path, read_only)
        self._lock = _hold_lock(self.path, read_only)
        try:
            if read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
        except OSError as e:
            self._lock.close()
            if "lock" in str(e).lower():
                raise StoreError(
                    f"store {self.path} is in use by another process "
                    "(one writer at a time; stop it, or open read-only)"
                ) from e
            raise StoreError(f"cannot open store {self.path}: {e}") from e
        layout = self._layout()
        if layout is not None and layout < LAYOUT:
            self.close()
            raise StoreError(f"store {self.path} was written by legal-kg before 0.2, which kept reports by their "
                             "path: ingest your files again into a new store (kg ingest --store NEW_DIR …)")
        if layout is None and not read_only:
            self._mark_layout()

    @classmethod
    def open_read_only(cls, path: str | Path) -> OxigraphStore:
        """A read-only snapshot of the store at ``path`` (for ``kg serve``)."""
        return cls(path, read_only=True)

    @staticmethod
    def _check_path(path: Path, read_only: bool) -> None:
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path} is a file, not an Oxigraph store directory")
        if not path.parent.is_dir():
            raise StoreError(f"cannot create store {path}: directory {path.parent} does not exist")
        if path.is_dir() and any(p.name != LOCK_FILE for p in path.iterdir()) and not (path / "CURRENT").exists():
            raise StoreError(f"{path} is a non-empty directory that is not an Oxigraph store")
        if read_only and not (path / "CURRENT").exists():
            raise StoreError(f"no store at {path}")

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying :class:`pyoxigraph.Store`."""
        if self._store is None:
            raise StoreError("store is closed")
        return self._store

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        return self.oxigraph

    # -- bookkeeping --

    def _meta(self, key: str, prop: ox.NamedNode) -> str | None:
        """The value (IRI or text) of property ``prop`` of report ``key``'s entry, or None."""
        for quad in self.oxigraph.quads_for_pattern(_report_node(key), prop, None, _META):
            return _value(quad.object)
        return None

    def stored_hash(self, key: str) -> str | None:
        return self._meta(key, _HASH)

    def stored_recipe(self, key: str) -> str | None:
        return self._meta(key, _RECIPE)

    def report_keys(self) -> Iterator[str]:
        for quad in self.oxigraph.quads_for_pattern(None, _KEY, None, _META):
            yield _value(quad.object)

    def report_graphs(self) -> dict[str, str]:
        return updates.report_graphs(self.query)

    def report_sources(self) -> Iterator[tuple[str, str]]:
        store = self.oxigraph
        for quad in store.quads_for_pattern(None, _SOURCE, None, _META):
            for key in store.quads_for_pattern(quad.subject, _KEY, None, _META):
                yield _value(key.object), _value(quad.object)

    def keys_for_source(self, source: str) -> list[str]:
        """Keys of the stored reports read from ``source`` (their label, as :attr:`ReportGraph.source`)."""
        store = self.oxigraph
        return [_value(key.object)
                for q in store.quads_for_pattern(None, _SOURCE, ox.Literal(source), _META)
                for key in store.quads_for_pattern(q.subject, _KEY, None, _META)]

    def stored_version(self, source: str) -> StoredVersion | None:
        keys = self.keys_for_source(source)
        if len(keys) != 1:
            return None
        key = keys[0]
        content_hash = self._meta(key, _HASH)
        if content_hash is None:
            return None
        return StoredVersion(key, content_hash, self._meta(key, _RECIPE) or "", self._meta(key, _FILE_HASH) or "")

    def _layout(self) -> int | None:
        """The layout this store was written in; None for a store never written."""
        for quad in self.oxigraph.quads_for_pattern(_META, _LAYOUT, None, _META):
            return int(_value(quad.object))
        return 1 if next(iter(self.report_keys()), None) is not None else None

    # -- writing --

    #: New reports per transaction in :meth:`save_many`. Larger batches gain
    #: little (the commit is not the main cost, indexing each quad is) and
    #: hold more text in memory.
    batch_size = 64

    def _removal_ops(self, *keys: str) -> list[str]:
        """SPARQL Update operations that remove the stored reports ``keys`` (:func:`updates.removal_ops`)."""
        return [op for key, graph in self._stored(keys) for op in updates.removal_ops(key, graph)]

    def _stored(self, keys: Iterable[str]) -> list[updates.StoredGraph]:
        """Each of ``keys`` with the IRI of its stored graph (None: none)."""
        return [updates.StoredGraph(key, self._meta(key, _GRAPH)) for key in keys]

    def _add_new(self, reports: Sequence[PreparedReport]) -> None:
        """Add reports that are not stored yet, all in one transaction (one TriG document)."""
        parts = []
        for report in reports:
            parts.append(f"{_iri(report.iri)} {{\n{report.ntriples}{report.claims}}}\n{{\n{report.ntriples}}}\n")
        parts.append(f"{_META} {{\n" + "\n".join(updates.entry(r) + " " + updates.finished_entry(r)
                                                 for r in reports) + "\n}\n")
        self._writable().load("".join(parts), format=ox.RdfFormat.TRIG)

    def save(self, report: ReportGraph | PreparedReport) -> bool:
        return self.save_many([report])[0] is True  # (an error is raised, without return_exceptions)

    def save_many(
        self, reports: Iterable[ReportGraph | PreparedReport], *, return_exceptions: bool = False
    ) -> list[bool | Exception]:
        """Save several reports; for each, True if written, False if that version was already stored.

        A version is the same when its content hash and recipe are. Each
        report is stored atomically (old or new version, never a mix): new
        reports are added in batches of :attr:`batch_size`, one transaction
        per batch; a report that replaces an earlier version is replaced in a
        transaction of its own. Reports are applied in order, so the last of
        several versions of one key wins. The instruments they describe are
        marked, in the same transactions, to be decided (:meth:`settle`)
        before the store is next read or closed. With
        ``return_exceptions`` a report that cannot be stored gets its
        exception in the list instead (the others are still stored);
        otherwise the first error is raised (the reports before it are stored).
        """
        self._writable()
        results: list[bool | Exception] = []
        batch = _NewReports()

        def record(outcomes: Iterable[tuple[int, bool | Exception]]) -> None:
            for index, outcome in outcomes:
                if isinstance(outcome, Exception) and not return_exceptions:
                    raise outcome
                results[index] = outcome

        for index, item in enumerate(reports):
            results.append(False)
            try:
                report = PreparedReport.of(item)
                if batch.holds(report):
                    record(self._add_batch(batch.take()))  # a second version of a report in the batch: write the first
                standing = self._standing(report)
                if standing.new:
                    batch.add(index, report)
                    if len(batch.queued) >= self.batch_size:
                        record(self._add_batch(batch.take()))
                elif standing.same and not standing.replaced:
                    results[index] = False
                else:
                    record(self._add_batch(batch.take()))  # keep the order of writes
                    results[index] = self._write_over(report, standing)
            except Exception as e:
                record([(index, e)])
        record(self._add_batch(batch.take()))
        self._unsettled = True
        return results

    def _standing(self, report: PreparedReport) -> _Standing:
        """What the store holds that ``report`` meets."""
        stored = self.stored_hash(report.key)
        replaced = [k for k in self.keys_for_source(report.source) if k != report.key] if report.source else []
        same = stored == report.content_hash and self.stored_recipe(report.key) == report.recipe
        new = (stored is None and not replaced
               and not self.oxigraph.contains_named_graph(ox.NamedNode(report.iri)))
        return _Standing(same, new, replaced)

    def _write_over(self, report: PreparedReport, standing: _Standing) -> bool:
        """Write ``report`` over what it replaces, in one transaction; False when its version was stored."""
        store = self.oxigraph
        if standing.same:  # the file went back to a text stored from elsewhere: its last one goes
            store.update(" ;\n".join(self._removal_ops(*standing.replaced)))
            return False
        # One update() request = one transaction: old or new version, never a mix.
        store.update(updates.replace_ops(report, self._stored([report.key, *standing.replaced])))
        return True

    def _add_batch(self, batch: Sequence[Queued]) -> Iterator[tuple[int, bool | Exception]]:
        """Add new reports in one transaction: ``(index, True)`` for each, or, if that fails (then
        nothing of it was written), each on its own to tell which fails: ``(index, exception)``."""
        if not batch:
            return
        try:
            self._add_new([queued.report for queued in batch])
        except Exception as e:
            if len(batch) == 1:
                yield batch[0].position, e
                return
            for queued in batch:
                try:
                    self._add_new([queued.report])
                except Exception as e1:
                    yield queued.position, e1
                else:
                    yield queued.position, True
            return
        for queued in batch:
            yield queued.position, True

    def delete(self, key: str) -> None:
        store = self._writable()
        if self._meta(key, _GRAPH) is None:
            return
        store.update(" ;\n".join(self._removal_ops(key)))
        self._unsettled = True

    def settle(self) -> int:
        """Decide the description of every instrument marked pending; returns how many.

        Each :data:`~kg.graph.CLAIMED` property gets the value
        :func:`kg.graph.choose` picks among the report graphs' claims, in the
        instruments graph and the default graph, and the marks are removed,
        all in one transaction. A crash before this leaves the marks, and the
        next write settles them.
        """
        store = self._writable()
        pending = [q.object for q in store.quads_for_pattern(_META, _PENDING, None, _META)]
        for start in range(0, len(pending), 500):
            self._settle(pending[start:start + 500])
        from kg.names import resolve

        resolve(lambda q: _solutions(store.query(q)), store.update)  # laws cited by name: the names stored texts teach
        self._unsettled = False
        return len(pending)

    def _settle(self, instruments: list) -> None:
        store = self.oxigraph

        def claims():  # from the index: each claim of each instrument, with its graph
            for instrument in instruments:
                own = {q.graph_name for q in store.quads_for_pattern(None, updates.IDENTIFIED_AS, instrument, None)}
                for predicate in updates.CLAIMED_PREDICATES:
                    for q in store.quads_for_pattern(instrument, predicate, None, None):
                        if not isinstance(q.graph_name, ox.DefaultGraph):
                            yield instrument, predicate, q.object, q.graph_name, q.graph_name in own

        store.update(updates.decision_ops(updates.decide(claims()), instruments))

    _unsettled = True  # a writable store may hold marks from a run that ended before settling

    def _settle_before_reading(self) -> None:
        if self._unsettled and not self.read_only and self._store is not None:
            self.settle()

    def _mark_layout(self) -> None:
        """Mark a store never written as of :data:`LAYOUT` (a store of layout 1 cannot be upgraded)."""
        self.oxigraph.update(f"INSERT DATA {{ GRAPH {_META} {{ {_META} {_LAYOUT} {LAYOUT} }} }}")

    # -- reading --

    def load(self, key: str) -> ReportGraph:
        graph_name = self._meta(key, _GRAPH)
        if graph_name is None:
            raise KeyError(key)
        graph = rdflib.Graph()
        for quad in self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_name)):
            graph.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        return ReportGraph(key=key, iri=graph_name, content_hash=self.stored_hash(key) or "", graph=graph,
                           recipe=self.stored_recipe(key) or "", source=self._meta(key, _SOURCE) or "",
                           file_hash=self._meta(key, _FILE_HASH) or "")

    def quads(self) -> Iterator[tuple]:
        """The default graph's triples (each once), as ``(s, p, o, None)``: one read of the index."""
        for quad in self.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield quad.subject, quad.predicate, quad.object, None

    def _count(self, where: str) -> int:
        result = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")  # (the prefixes are predeclared)
        return int(next(iter(result))["n"].value)

    def counts(self) -> dict[str, int]:
        """Reports, instruments, mentions, and the triples of the default graph (distinct)."""
        return {
            "reports": self._count("?r a lkg:Report"),
            "quads": self._count("?s ?p ?o"),
            "instruments": self._count("?i a eli:LegalResource"),
            "mentions": self._count("?m a lkg:Mention"),
        }

    def query(
        self,
        sparql: str,
        *,
        timeout: float | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        substitutions: dict | None = None,
        base_iri: str | None = None,
    ):
        """Run a SPARQL 1.1 query.

        The default graph is the RDF merge of every report graph (each
        instrument with one decided description); ``FROM`` and ``FROM
        NAMED`` restrict the dataset as SPARQL says, and
        ``default_graph``/``named_graphs`` (IRIs) override them, as the
        protocol's ``default-graph-uri``/``named-graph-uri`` do. Returns
        pyoxigraph's result (``QuerySolutions``, ``QueryBoolean`` or
        ``QueryTriples``); raises SyntaxError for a malformed query.
        ``substitutions`` ({Variable: term}) binds variables before
        evaluation; ``base_iri`` resolves relative IRIs.

        With ``timeout`` the result is computed whole on another thread and
        :class:`QueryTimeout` is raised when it takes longer (the abandoned
        query runs on: pyoxigraph cannot cancel one; the server uses worker
        processes instead, which it can kill).
        """
        self._settle_before_reading()
        kwargs: dict = {"substitutions": substitutions} if substitutions else {}
        if base_iri:
            kwargs["base_iri"] = base_iri
        if default_graph:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        store = self.oxigraph

        def run():
            return store.query(sparql, prefixes=PREFIXES, **kwargs)

        if timeout is not None:
            return evaluate(run, timeout)
        if self.read_only:  # nothing can change it while it is open: repeated queries come from memory
            key = (sparql, tuple(default_graph or ()), tuple(named_graphs or ()), base_iri,
                   tuple(sorted((str(k), str(v)) for k, v in (substitutions or {}).items())))
            return self._cached(key, run)
        return run()

    def _cached(self, key: tuple, run):
        """A query's result from the cache; read whole and kept the second time it is asked."""
        whole = self._cache.get(key)
        if whole is None:
            if self._asked.get(key) is None:  # once: stream it, as it may be large and never asked again
                self._asked.put(key, True, 1)
                return run()
            whole = read_whole(run())
            self._cache.put(key, whole, len(whole) if isinstance(whole, bytes) else 256 * len(whole))
        return rebuild(whole)

    # -- export --

    def export(self, out: str | Path | IO[bytes], format: str = "turtle") -> None:
        """Write the store to ``out`` (path or binary file).

        ``turtle``, ``nt`` and ``jsonld`` write the default graph (the merge
        of all reports, each instrument described once); ``nquads`` and
        ``trig`` write every named graph — the reports', the instruments' and
        the vocabulary's — from which the default graph can be rebuilt. The
        bookkeeping graph is left out.
        """
        if format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format!r}; choose from {', '.join(EXPORT_FORMATS)}")
        fmt = EXPORT_FORMATS[format]
        self._settle_before_reading()
        store = self.oxigraph
        items: Iterable[ox.Quad] | Iterable[ox.Triple]
        if format in ("nquads", "trig"):
            items = (q for q in store.quads_for_pattern(None, None, None, None)
                     if q.graph_name != _META and not isinstance(q.graph_name, ox.DefaultGraph))
        else:
            items = (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        target = str(out) if isinstance(out, (str, Path)) else out
        ox.serialize(items, target, format=fmt, prefixes=PREFIXES if format != "nt" else None)

    def flush(self) -> None:
        if self._store is not None and not self.read_only and self.path is not None:
            self._store.flush()

    def close(self) -> None:
        if self._store is not None:
            self._settle_before_reading()
        # Dropping the last reference releases the RocksDB lock.
        self.flush()
        self._store = None
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.close()  # releases our lock too
            self._lock = None

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        return f"OxigraphStore({where}{', read-only' if self.read_only else ''})"

