"""The one small interface every store implements.

A store persists *report graphs*: the RDF triples that ``kg.graph`` builds
from one report's :class:`~kg.model.Extraction`, kept together under the
report's key so that re-ingesting a changed report replaces exactly its own
data, and re-ingesting an unchanged one (same content hash) changes nothing.
Stores never see text and never re-parse anything.
"""
from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import rdflib


class StoreError(Exception):
    """A store cannot be opened or reached; the message says why, for a user."""


class TriplesNotKept(StoreError):
    """The store keeps another shape of the data (Neo4j's property graph), not the saved triples."""


@dataclass
class ReportGraph:
    """One report's triples, ready to store.

    ``key`` is :attr:`kg.model.Report.key`; ``iri`` names the report's named
    graph; ``content_hash`` is the SHA-256 of the text the triples came from;
    ``recipe`` names what made the triples (extractor, vocabulary, options:
    :func:`kg.ingest.recipe`), so that a store re-extracts when it changes;
    ``source`` is where the report was read, as shown to users (a label
    relative to the ingested folder); ``file_hash`` is the SHA-256 of the
    file's bytes, so that an unchanged file is not even read again.
    """

    key: str
    iri: str
    content_hash: str
    graph: rdflib.Graph
    recipe: str = ""
    source: str = ""
    file_hash: str = ""


class StoredVersion(NamedTuple):
    """What a store holds of the report read from one source: enough to tell whether it changed."""

    key: str
    content_hash: str
    recipe: str = ""
    file_hash: str = ""


@dataclass(frozen=True)
class StoreLocation:
    """How another process opens a store, to write it too: ``opener(*args, **dict(options))``.

    Sent to parallel writers (kg.ingest), so it never holds credentials: each
    process takes its own from its environment.
    """

    opener: Callable[..., Store]
    args: tuple = ()
    options: tuple[tuple[str, Any], ...] = ()

    def open(self) -> Store:
        return self.opener(*self.args, **dict(self.options))


class Store(abc.ABC):
    """Where report graphs live: what every command needs of a store.

    Writing (``save``, ``save_many``, ``delete``, ``settle``; ``writer_location``
    for a server other processes may write too), knowing what is
    stored (``stored_hash``, ``stored_version``, ``report_keys``,
    ``report_sources``, ``report_graphs``, ``load``, ``counts``, ``quads``),
    and, for stores that hold RDF in the layout of docs/store.md
    (``answers_sparql``), asking (``query``, ``export``). A new backend is a
    subclass in a module of its own and an entry point (kg.stores).
    """

    #: True when the store takes reports as N-Triples text too
    #: (:class:`~kg.stores.oxigraph.PreparedReport`, in ``save_many``), which
    #: ingest workers make more cheaply than rdflib graphs and pass on faster.
    takes_ntriples: ClassVar[bool] = False
    #: True when :meth:`query` and :meth:`export` work: the store holds the
    #: RDF layout of docs/store.md (a set default graph with one decided
    #: description per instrument, a named graph per report).
    answers_sparql: ClassVar[bool] = False
    #: True when :meth:`load` and :meth:`quads` give back the triples saved (what ``kg stats``,
    #: ``kg graph`` and ``kg validate`` read); a store that keeps another shape of the data
    #: raises :class:`TriplesNotKept` there.
    keeps_triples: ClassVar[bool] = True

    @abc.abstractmethod
    def stored_hash(self, key: str) -> str | None:
        """Content hash of the stored version of report ``key``, or None."""

    def stored_version(self, source: str) -> StoredVersion | None:
        """The report stored from ``source``, or None (none, several, or a store that cannot tell:
        then ingest reads and extracts the file again, and :meth:`save` still writes nothing new)."""
        return None

    def report_sources(self) -> Iterator[tuple[str, str]]:
        """``(key, source)`` of every stored report that records where it was read."""
        for key in self.report_keys():
            source = self.load(key).source
            if source:
                yield key, source

    @abc.abstractmethod
    def save(self, report: ReportGraph) -> bool:
        """Store ``report``, replacing any earlier version atomically.

        Returns False (and writes nothing) when the same content, made by the
        same recipe, is already stored. A report with a ``source`` replaces,
        in the same transaction, any other report stored from that source (the
        file changed).
        """

    def save_many(self, reports: Iterable, *, return_exceptions: bool = False) -> list[bool | Exception]:
        """:meth:`save` each report; with ``return_exceptions`` a report that fails gets its
        exception in the list (the others are still saved), else the first error is raised.

        Each report is a :class:`ReportGraph`, or, for a store that :attr:`takes_ntriples`, a
        :class:`~kg.stores.oxigraph.PreparedReport` too."""
        results: list[bool | Exception] = []
        for report in reports:
            try:
                results.append(self.save(report))
            except Exception as e:
                if not return_exceptions:
                    raise
                results.append(e)
        return results

    def settle(self) -> int:
        """Decide what waits to be decided (instrument descriptions) now; how many. Stores that
        decide as they write have nothing to do."""
        return 0

    def writer_location(self) -> StoreLocation | None:
        """How other processes open this store to write it at the same time as this one, or None
        when only one process may write it (the embedded store)."""
        return None

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove report ``key`` and everything only it contributed."""

    @abc.abstractmethod
    def report_keys(self) -> Iterator[str]:
        """Keys of every stored report."""

    @abc.abstractmethod
    def load(self, key: str) -> ReportGraph:
        """The stored graph of report ``key`` (KeyError if absent; :class:`TriplesNotKept` for a
        store that does not :attr:`keeps_triples`)."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """A few headline counts (reports, instruments, mentions, triples or nodes…)."""

    def quads(self) -> Iterator[tuple]:
        """Every triple of every stored report with its graph: ``(s, p, o, graph)``.

        Terms are rdflib's or pyoxigraph's (:func:`kg.graph.to_networkx` takes
        either). This default loads each report; stores override it with one read.
        """
        for key in self.report_keys():
            report = self.load(key)
            graph = rdflib.URIRef(report.iri)
            for s, p, o in report.graph:
                yield s, p, o, graph

    def report_graphs(self) -> dict[str, str]:
        """Report key → the IRI of its named graph, for every stored report but the vocabulary."""
        return {key: self.load(key).iri for key in self.report_keys() if not key.startswith("_")}

    def query(self, sparql: str, *, timeout: float | None = None, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None, substitutions: dict | None = None,
              base_iri: str | None = None):
        """Run a SPARQL 1.1 query (stores that :attr:`answers_sparql`): pyoxigraph's result types."""
        raise StoreError(f"{self!r} does not answer SPARQL queries")

    def export(self, out, format: str = "turtle") -> None:
        """Write the store in an RDF format (stores that :attr:`answers_sparql`)."""
        raise StoreError(f"{self!r} cannot export RDF")

    def close(self) -> None:  # noqa: B027 (a store holding nothing open has nothing to release)
        """Release the store (flush, close files or connections)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
