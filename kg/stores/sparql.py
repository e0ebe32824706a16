"""Report graphs in any SPARQL 1.1 server (Apache Jena Fuseki, the Oxigraph server…), over HTTP.

The data and answers are the embedded store's: the same layout (report
graphs, a default graph that is a real graph, the instruments graph, the
bookkeeping; :mod:`kg.stores.updates`), kept with the same SPARQL Update
requests. Each report's graph is written with the SPARQL 1.1 Graph Store HTTP
Protocol (``PUT`` of its named graph), everything else with SPARQL 1.1 Update,
and everything is read with the SPARQL 1.1 Protocol. The write sequence and
how it survives a crash: docs/remote-stores.md.
"""
from __future__ import annotations

import logging
import math
import os
import random
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
import rdflib

from kg.iris import PREFIXES, sparql_prologue
from kg.query import QueryTimeout, ResultTooLarge, result_kind

from . import updates
from .base import ReportGraph, Store, StoredVersion, StoreError, StoreLocation
from .oxigraph import EXPORT_FORMATS, OxigraphStore, PreparedReport, Queued, _to_rdflib
from .updates import FILE_HASH, GRAPH, HASH, INSTRUMENTS, KEY, META, PENDING, RECIPE, SOURCE, StoredGraph, report_node

__all__ = ["SparqlStore", "ServerRefused", "UnreadableAnswer", "CREDENTIAL_VARIABLES", "prepare_query"]

log = logging.getLogger("kg.stores")

#: Environment variables the credentials come from (never the command line).
USER_VARIABLE = "LEGAL_KG_SPARQL_USER"
PASSWORD_VARIABLE = "LEGAL_KG_SPARQL_PASSWORD"
TOKEN_VARIABLE = "LEGAL_KG_SPARQL_TOKEN"
CREDENTIAL_VARIABLES = (USER_VARIABLE, PASSWORD_VARIABLE, TOKEN_VARIABLE)

HINT = "start one with scripts/fuseki start or scripts/oxigraph start, or check the store URL"
#: Answers worth trying again: the server is busy, restarting or behind a proxy that is.
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
_PROLOGUE = sparql_prologue()
_JSON = ox.QueryResultsFormat.JSON
_NT = ox.RdfFormat.N_TRIPLES


class ServerRefused(StoreError):
    """The server answered a request with an error (``status``; ``detail``: its first line, if any)."""

    def __init__(self, message: str, status: int, detail: str):
        super().__init__(message)
        self.status = status
        self.detail = detail


class _ToWrite(NamedTuple):
    """A report to write in place of the reports ``replaced`` (its own earlier version among them)."""

    position: int  # in the list given to save_many
    report: PreparedReport
    replaced: list[StoredGraph]


class UnreadableAnswer(StoreError):
    """The server's answer does not parse: most often it was cut short (its own time limit passed while
    it streamed the answer, and it ended the body with a note)."""


@dataclass(frozen=True)
class _Entry:
    """A report's bookkeeping entry; ``hash`` None: its writing did not finish."""

    graph: str
    hash: str | None
    recipe: str | None
    source: str | None
    file_hash: str | None


class SparqlStore(Store):
    """Report graphs in the dataset of a SPARQL 1.1 server at ``url``.

    ``url`` serves the SPARQL 1.1 Protocol (queries), Update and the Graph
    Store Protocol, as a Fuseki dataset URL (``http://host:3030/kg``) does. A
    server with one URL per service names them in the fragment, relative to
    ``url``: ``http://host:7878/#query=query&update=update&graph-store=store``
    (the Oxigraph server). Its default graph must be a graph of its own, not
    the union of the named graphs (the store maintains it). Credentials come
    from ``LEGAL_KG_SPARQL_USER`` and ``LEGAL_KG_SPARQL_PASSWORD`` (HTTP basic)
    or ``LEGAL_KG_SPARQL_TOKEN`` (bearer), never from the URL.

    Every request has a ``timeout`` (seconds); transient failures (connection
    refused or reset, 429, 502, 503, 504) are tried ``retries`` more times
    with exponential backoff from ``backoff`` seconds. After that the server is
    taken as down for ``cooldown`` seconds: requests fail at once with the same
    :class:`StoreError`, so that a run whose server went away names every file
    it could not store quickly instead of waiting on each. Connects at once: a
    server that cannot be reached, or refuses the credentials, raises
    :class:`StoreError`.
    """

    takes_ntriples = True
    answers_sparql = True
    #: Reports per bookkeeping request in :meth:`save_many`.
    batch_size = 64
    #: Instruments decided per request in :meth:`settle`.
    settle_batch = 500
    _unsettled = False
    _settles = True

    def __init__(self, url: str, *, read_only: bool = False, create: bool = False, timeout: float = 60.0,
                 retries: int = 4, backoff: float = 0.25, cooldown: float = 5.0, settles: bool = True):
        del create  # the server's dataset exists or not; there is nothing to create here
        self.location = url
        self.url, endpoints = _parse_location(url)
        self.query_url, self.update_url, self.graph_store_url = endpoints
        self.read_only = read_only
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.cooldown = cooldown
        self._down_until = 0.0
        self._down_error: StoreError | None = None
        self._client = httpx.Client(auth=_auth_from_environment(), timeout=httpx.Timeout(timeout, connect=10.0),
                                    headers={"User-Agent": "legal-kg"})
        self._dry_run = ox.Store()  # empty: checks queries as the embedded store would, tells their kind
        try:
            self._ask("ASK {}")  # reachable, credentials accepted, a SPARQL endpoint
        except BaseException:
            self.close()
            raise
        # A writer may find marks left by a run that ended before settling. One of several parallel
        # writers (``settles`` off) leaves deciding to the process that runs them (kg.ingest).
        self._settles = settles
        self._unsettled = not read_only and settles

    def __repr__(self) -> str:
        return f"SparqlStore({self.url}{', read-only' if self.read_only else ''})"

    def close(self) -> None:
        """Settle what this store wrote (unless the server is gone: the next writer settles it), and disconnect."""
        try:
            self._settle_before_reading()
        except StoreError as e:
            log.warning("%s: instruments left to decide by the next write: %s", self.url, e)
        finally:
            self._unsettled = False
            self._client.close()

    # -- HTTP --

    def _request(self, method: str, url: str, *, what: str, query_timeout: float | None = None,
                 missing_ok: bool = False, max_bytes: int | None = None, **kwargs) -> httpx.Response:
        """Send a request, retrying transient failures; a non-2xx answer raises StoreError.

        With ``query_timeout`` the request is a query that may run that long
        in all, and running out of time raises QueryTimeout (not tried again).
        With ``max_bytes`` a longer answer raises ResultTooLarge as it comes.
        With ``missing_ok`` a 404 is returned (the caller checks its status).
        """
        if time.monotonic() < self._down_until and self._down_error is not None:
            raise StoreError(str(self._down_error))
        deadline = None
        if query_timeout is not None:
            kwargs["timeout"] = httpx.Timeout(query_timeout, connect=min(10.0, query_timeout))
            deadline = time.monotonic() + query_timeout
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                response = self._send(method, url, deadline, max_bytes, **kwargs)
            except httpx.ReadTimeout:
                if query_timeout is not None:
                    raise QueryTimeout(f"query exceeded the {query_timeout:g} s time limit") from None
                problem = "no answer in time"
            except _AnswerCut as e:  # the connection broke while the answer came (a proxy, a restart)
                problem = f"its answer to the {what} ({method} {url}) was cut short: {e}"
            except httpx.TransportError as e:  # refused, reset, DNS, TLS…
                problem = _reason(e)
            else:
                if response.status_code == 404 and missing_ok:
                    return response
                if response.status_code not in TRANSIENT_STATUS:
                    _check(response, self.url, what)
                    return response
                problem = f"HTTP {response.status_code} {response.reason_phrase}"
            if attempt < self.retries:
                pause = delay * random.uniform(1.0, 1.5)
                if deadline is not None and time.monotonic() + pause >= deadline:
                    raise QueryTimeout(f"query exceeded the {query_timeout:g} s time limit ({problem})")
                time.sleep(pause)
                delay *= 2
        self._down_error = StoreError(f"cannot reach SPARQL server {self.url}: {problem} "
                                      f"(tried {self.retries + 1} times) — {HINT}")
        self._down_until = time.monotonic() + self.cooldown
        raise self._down_error

    def _send(self, method: str, url: str, deadline: float | None, max_bytes: int | None,
              **kwargs) -> httpx.Response:
        """One request; its answer read whole, within ``deadline`` and ``max_bytes`` when given.

        A transport error before the answer's headers is raised as it is; one
        while its body comes (ReadTimeout aside) as :class:`_AnswerCut`.
        """
        request = self._client.build_request(method, url, **kwargs)
        response = self._client.send(request, stream=True)
        try:
            content = _read_body(response, deadline, max_bytes)
        except httpx.ReadTimeout:
            raise
        except httpx.TransportError as e:
            raise _AnswerCut(_reason(e)) from e
        finally:
            response.close()
        # The body is decoded already: the rebuilt answer must not decode it again.
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")]
        return httpx.Response(response.status_code, headers=headers, content=content, request=request)

    def _results(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean:
        response = self._request("POST", self.query_url, what="query", data={"query": sparql},
                                 headers={"Accept": _JSON.media_type})
        return _parse_results(response, self.url, "query")

    def _select(self, sparql: str) -> ox.QuerySolutions:
        """The solutions of a SELECT query the store itself asks."""
        results = self._results(sparql)
        if not isinstance(results, ox.QuerySolutions):
            raise StoreError(f"SPARQL server {self.url} answered a SELECT query with a boolean")
        return results

    def _ask(self, sparql: str) -> bool:
        return bool(self._results(sparql))

    def _update(self, sparql: str) -> None:
        self._writable()
        self._request("POST", self.update_url, what="update", data={"update": sparql})

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.url} is open read-only")

    # -- bookkeeping --

    def _entries(self, keys: Iterable[str]) -> dict[str, _Entry]:
        """The bookkeeping entries of the reports among ``keys`` that have one."""
        nodes = {report_node(key).value: key for key in keys}
        if not nodes:
            return {}
        values = " ".join(f"<{node}>" for node in nodes)
        solutions = self._select(
            f"SELECT ?r ?graph ?hash ?recipe ?source ?file WHERE {{ VALUES ?r {{ {values} }} GRAPH {META} {{ "
            f"?r {GRAPH} ?graph OPTIONAL {{ ?r {HASH} ?hash }} OPTIONAL {{ ?r {RECIPE} ?recipe }} "
            f"OPTIONAL {{ ?r {SOURCE} ?source }} OPTIONAL {{ ?r {FILE_HASH} ?file }} }} }}")
        value = lambda term: term.value if term is not None else None  # noqa: E731
        return {nodes[s["r"].value]: _Entry(s["graph"].value, *(value(s[v]) for v in ("hash", "recipe", "source", "file")))
                for s in solutions}

    def _stored_from(self, sources: Iterable[str]) -> dict[str, list[StoredGraph]]:
        """``{source: [stored, …]}``: the reports stored (or being written) from each of ``sources``."""
        values = " ".join(str(ox.Literal(source)) for source in set(sources) if source)
        if not values:
            return {}
        out: dict[str, list[StoredGraph]] = {}
        for s in self._select(f"SELECT ?source ?key ?graph WHERE {{ VALUES ?source {{ {values} }} GRAPH {META} "
                              f"{{ ?r {SOURCE} ?source ; {KEY} ?key ; {GRAPH} ?graph }} }}"):
            out.setdefault(s["source"].value, []).append(StoredGraph(s["key"].value, s["graph"].value))
        return out

    def stored_hash(self, key: str) -> str | None:
        entry = self._entries([key]).get(key)
        return entry.hash if entry is not None else None

    def stored_recipe(self, key: str) -> str | None:
        entry = self._entries([key]).get(key)
        return entry.recipe if entry is not None else None

    def report_keys(self) -> Iterator[str]:
        solutions = self._select(f"SELECT ?key WHERE {{ GRAPH {META} {{ ?r {KEY} ?key ; {HASH} ?hash }} }}")
        for solution in solutions:
            yield solution["key"].value

    def report_graphs(self) -> dict[str, str]:
        return updates.report_graphs(self.query)

    def report_sources(self) -> Iterator[tuple[str, str]]:
        for s in self._select(f"SELECT ?key ?source WHERE {{ GRAPH {META} {{ ?r {KEY} ?key ; {SOURCE} ?source }} }}"):
            yield s["key"].value, s["source"].value

    def stored_version(self, source: str) -> StoredVersion | None:
        keys = self.keys_for_source(source)
        entry = self._entries(keys).get(keys[0]) if len(keys) == 1 else None
        if entry is None or entry.hash is None:
            return None
        return StoredVersion(keys[0], entry.hash, entry.recipe or "", entry.file_hash or "")

    def keys_for_source(self, source: str) -> list[str]:
        """Keys of the stored reports read from ``source`` (their label, as :attr:`ReportGraph.source`)."""
        solutions = self._select(f"SELECT ?key WHERE {{ GRAPH {META} {{ ?r {SOURCE} {ox.Literal(source)} ; "
                                 f"{KEY} ?key }} }}")
        return [solution["key"].value for solution in solutions]

    # -- writing --

    def save(self, report: ReportGraph | PreparedReport) -> bool:
        return self.save_many([report])[0] is True  # (an error is raised, without return_exceptions)

    def save_many(self, reports: Iterable[ReportGraph | PreparedReport], *,
                  return_exceptions: bool = False) -> list[bool | Exception]:
        """Save several reports; for each, True if written, False if that version was already stored.

        A version is the same when its content hash, recipe and graph are.
        Per batch of up to :attr:`batch_size` reports: one request removes
        their stored versions and leaves unfinished entries, one ``PUT`` per
        report writes its graph, and one request completes those written
        (default graph, claims, entry, marks). Reports are applied in order
        (the last of several versions of a key wins). The instruments they
        describe are decided (:meth:`settle`) before the store is next read
        or closed. With ``return_exceptions`` a report that cannot be stored
        gets its exception in the list instead; otherwise the first error is
        raised.
        """
        self._writable()
        results: list[bool | Exception] = []
        batch: list[Queued] = []

        def flush() -> None:
            for index, outcome in self._save_batch(batch):
                results[index] = outcome
                if isinstance(outcome, Exception) and not return_exceptions:
                    raise outcome
            batch.clear()

        for index, item in enumerate(reports):
            results.append(False)
            try:
                report = PreparedReport.of(item)
            except Exception as e:
                if not return_exceptions:
                    raise
                results[index] = e
                continue
            if len(batch) >= self.batch_size or any(
                    r.key == report.key or r.iri == report.iri or (report.source and r.source == report.source)
                    for _, r in batch):
                flush()
            batch.append(Queued(index, report))
        flush()
        return results

    def _save_batch(self, batch: Sequence[Queued]) -> list[tuple[int, bool | Exception]]:
        """Write reports with distinct keys and graphs; ``(position, True/False/exception)`` for each."""
        if not batch:
            return []
        try:
            entries = self._entries(q.report.key for q in batch)
            from_sources = self._stored_from(q.report.source for q in batch)
        except StoreError as e:
            return [(q.position, e) for q in batch]
        out: list[tuple[int, bool | Exception]] = []
        todo: list[_ToWrite] = []
        gone: list[StoredGraph] = []  # reports of a source whose file went back to a text stored from elsewhere
        for position, report in batch:
            entry = entries.get(report.key)
            # The reports stored from the same source before: the file changed, this replaces them.
            replaced = [stored for stored in from_sources.get(report.source, []) if stored.key != report.key]
            if entry is not None and (entry.hash, entry.recipe or "", entry.graph) == (
                    report.content_hash, report.recipe, report.iri):
                out.append((position, False))
                gone += replaced
            else:
                own = StoredGraph(report.key, entry.graph if entry is not None else None)
                todo.append(_ToWrite(position, report, [own, *replaced]))
        mark = _write_mark()
        if gone:
            self._unsettled = True
            try:
                self._update(" ;\n".join(op for key, graph in gone for op in updates.removal_ops(key, graph, mark)))
            except StoreError as e:
                return [(q.position, e) for q in batch]
        return out + self._write(todo, mark) if todo else out

    def _write(self, todo: Sequence[_ToWrite], mark: ox.NamedNode) -> list[tuple[int, bool | Exception]]:
        """Write new versions of reports, in the three steps of docs/remote-stores.md; ``(position, True/exception)``."""
        self._unsettled = True
        # 1. The stored versions removed, unfinished entries: a crash from here on leaves each report to be written again.
        ops = [op for _, report, replaced in todo for op in updates.clear_ops(report, replaced, mark)]
        ops.append(f"INSERT DATA {{ GRAPH {META} {{ {' '.join(updates.entry(w.report) for w in todo)} }} }}")
        try:
            self._update(" ;\n".join(ops))
        except StoreError as e:
            return [(w.position, e) for w in todo]
        # 2. Each report's graph (its shared triples) replaced whole.
        out: list[tuple[int, bool | Exception]] = []
        written: list[_ToWrite] = []
        for w in todo:
            try:
                self._request("PUT", self.graph_store_url, what="graph store", params={"graph": w.report.iri},
                              content=w.report.ntriples.encode("utf-8"), headers={"Content-Type": _NT.media_type})
            except StoreError as e:
                out.append((w.position, e))
            else:
                written.append(w)
        # 3. Finished: default graph, claims, entry and marks, in one transaction.
        if written:
            try:
                self._update(" ;\n".join(op for w in written for op in updates.finish_ops(w.report, mark)))
            except StoreError as e:
                return out + [(w.position, e) for w in written]
        return out + [(w.position, True) for w in written]

    def delete(self, key: str) -> None:
        self._writable()
        entry = self._entries([key]).get(key)
        if entry is None:
            return
        self._unsettled = True
        self._update(" ;\n".join(updates.removal_ops(key, entry.graph, _write_mark())))

    def clear(self) -> None:
        """Remove every graph of the server's dataset, reports or not (for tests and benches)."""
        self._update("DROP ALL")
        self._unsettled = False

    def settle(self) -> int:
        """Decide the description of every instrument marked pending, as the embedded store does; returns how many.

        Several processes may write the server at once, so an instrument's
        decision is written only if no write or settle came between reading
        its claims and writing it (:func:`~kg.stores.updates.guarded_decision_ops`);
        one that did is left to the process that settles next. Then every
        law cited by name is resolved again (:func:`kg.names.resolve`).
        """
        self._writable()
        read: dict = {}  # instrument → the marks read for it
        for s in self._select(f"SELECT ?mark ?i WHERE {{ GRAPH {META} {{ ?mark {PENDING} ?i }} }}"):
            read.setdefault(s["i"], []).append(s["mark"])
        instruments = list(read)
        for start in range(0, len(instruments), self.settle_batch):
            self._settle({i: read[i] for i in instruments[start:start + self.settle_batch]})
        from kg.names import resolve

        resolve(lambda q: list(self._select(q)), self._update)  # laws cited by name, as the embedded store
        self._unsettled = False
        return len(instruments)

    def _settle(self, read_marks: dict) -> None:
        # Claims of finished reports only (an unfinished one is written again), and the stored decisions.
        solutions = self._select(
            f"SELECT ?i ?p ?v ?g ?own WHERE {{ VALUES ?i {{ {' '.join(map(str, read_marks))} }} "
            f"VALUES ?p {{ {' '.join(map(str, updates.CLAIMED_PREDICATES))} }} GRAPH ?g {{ ?i ?p ?v }} "
            f"FILTER(?g = {INSTRUMENTS} || EXISTS {{ GRAPH {META} {{ ?r {GRAPH} ?g ; {HASH} ?h }} }}) "
            f"BIND(EXISTS {{ GRAPH ?g {{ ?document {updates.IDENTIFIED_AS} ?i }} }} AS ?own) }}")
        claims = [(s["i"], s["p"], s["v"], s["g"], s["own"].value == "true") for s in solutions]
        self._update(" ;\n".join(updates.guarded_decision_ops(updates.decide(claims), read_marks)))

    def _settle_before_reading(self) -> None:
        if self._unsettled and self._settles and not self.read_only:
            self.settle()

    def writer_location(self) -> StoreLocation:
        """The same server, for parallel writers: credentials from their own environment, and they
        leave deciding instruments to the process that runs them (which settles once they are done)."""
        return StoreLocation(SparqlStore, (self.location,), (("timeout", self.timeout), ("settles", False)))

    # -- reading --

    def load(self, key: str) -> ReportGraph:
        entry = self._entries([key]).get(key)
        if entry is None or entry.hash is None:  # absent, or its writing did not finish
            raise KeyError(key)
        # A server may keep no empty graphs (Fuseki): a missing graph is an empty report.
        response = self._request("GET", self.graph_store_url, what="graph store", params={"graph": entry.graph},
                                 headers={"Accept": _NT.media_type}, missing_ok=True)
        graph = rdflib.Graph()
        for quad in _parse_rdf(response, self.url, "graph store") if response.status_code != 404 else ():
            graph.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        return ReportGraph(key=key, iri=entry.graph, content_hash=entry.hash, graph=graph,
                           recipe=entry.recipe or "", source=entry.source or "")

    # The embedded store's counts, asked of the same default graph.
    counts = OxigraphStore.counts
    _count = OxigraphStore._count

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
        """Run a SPARQL 1.1 query on the server; the same results as :meth:`OxigraphStore.query`.

        The query is first checked as the embedded store would
        (:func:`prepare_query`), then sent. The dataset is the server's: its
        default graph is the store's (the set merge of the reports), and
        ``FROM``/``FROM NAMED`` and ``default_graph``/``named_graphs`` restrict
        it as SPARQL says. ``timeout`` bounds the wait (:class:`QueryTimeout`).
        """
        self._settle_before_reading()
        kind, text = prepare_query(self._dry_run, sparql, substitutions=substitutions, base_iri=base_iri)
        return self.send_query(kind, text, default_graph=default_graph, named_graphs=named_graphs, timeout=timeout)

    def send_query(self, kind: str, text: str, *, default_graph: list[str] | None = None,
                   named_graphs: list[str] | None = None, timeout: float | None = None,
                   max_bytes: int | None = None):
        """Send a query :func:`prepare_query` made; its result as pyoxigraph's (see :meth:`query`).

        ``timeout`` bounds the whole wait and is passed on to the server (as
        Fuseki's ``timeout`` parameter, which others ignore); ``max_bytes``
        bounds the answer read (:class:`~kg.query.ResultTooLarge`).
        """
        params = {"query": text, "default-graph-uri": default_graph or [], "named-graph-uri": named_graphs or []}
        if timeout is not None:
            params["timeout"] = str(math.ceil(timeout))
        accept = _NT.media_type if kind == "graph" else _JSON.media_type
        response = self._request("POST", self.query_url, what="query", data=params, headers={"Accept": accept},
                                 query_timeout=timeout, max_bytes=max_bytes)
        if kind == "graph":
            return (quad.triple for quad in _parse_rdf(response, self.url, "query"))
        return _parse_results(response, self.url, "query")

    def quads(self) -> Iterator[tuple]:
        """The default graph's triples (each once), as ``(s, p, o, None)``: one answer."""
        self._settle_before_reading()
        for s in self._select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
            yield s["s"], s["p"], s["o"], None

    def export(self, out: str | Path | IO[bytes], format: str = "turtle") -> None:
        """Write the store to ``out`` as :meth:`OxigraphStore.export` does."""
        if format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format!r}; choose from {', '.join(EXPORT_FORMATS)}")
        self._settle_before_reading()
        if format in ("nquads", "trig"):
            solutions = self._select(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {META}) }}")
            items: Iterable = (ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in solutions)
        else:
            items = (ox.Triple(s, p, o) for s, p, o, _ in self.quads())
        target = str(out) if isinstance(out, (str, Path)) else out
        ox.serialize(items, target, format=EXPORT_FORMATS[format], prefixes=PREFIXES if format != "nt" else None)


def prepare_query(dry_run: ox.Store, sparql: str, *, substitutions: dict | None = None,
                  base_iri: str | None = None) -> tuple[str, str]:
    """``(kind, text)``: what ``sparql`` asks for and the text to send a server for it.

    The query is evaluated on ``dry_run`` (an empty pyoxigraph store): that
    raises the embedded store's errors (SyntaxError, RuntimeError for a
    substituted variable it does not select) and tells its kind
    (:func:`kg.query.result_kind`). The text adds ``BASE``, the predeclared
    prefixes and ``substitutions`` as a trailing ``VALUES`` clause.
    """
    kind = result_kind(dry_run.query(sparql, prefixes=PREFIXES, substitutions=substitutions or {},
                                     base_iri=base_iri))
    text = (f"BASE <{base_iri}>\n" if base_iri else "") + _PROLOGUE + sparql
    if substitutions:
        names = " ".join(str(variable) for variable in substitutions)
        values = " ".join(str(term) for term in substitutions.values())
        text += f"\nVALUES ({names}) {{ ({values}) }}"
        try:
            dry_run.query(text)
        except SyntaxError:
            raise ValueError("parameters cannot be bound in a query that ends with its own VALUES clause") from None
    return kind, text


# --- helpers ---------------------------------------------------------------------


def _write_mark() -> ox.NamedNode:
    """The subject of one write's pending marks: unique, so that a settle removes only the marks it read."""
    return ox.NamedNode(f"urn:legal-kg:write:{uuid.uuid4().hex}")


_ENDPOINT_NAMES = {"query": 0, "update": 1, "graph-store": 2}


def _parse_location(location: str) -> tuple[str, tuple[str, str, str]]:
    """The server's URL (for messages) and its query, update and graph store endpoints."""
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"invalid SPARQL server URL {location!r}: use http(s)://HOST[:PORT]/PATH")
    if parts.username is not None or parts.password is not None:
        raise StoreError(f"credentials do not belong in the store URL ({parts.hostname}): "
                         f"set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or {TOKEN_VARIABLE}")
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    endpoints = [url, url, url]
    base = url if url.endswith("/") else url + "/"
    for name, path in parse_qsl(parts.fragment, keep_blank_values=True):
        if name not in _ENDPOINT_NAMES or not path:
            raise StoreError(f"invalid SPARQL server URL {location!r}: the fragment names endpoints "
                             "(#query=PATH&update=PATH&graph-store=PATH)")
        endpoints[_ENDPOINT_NAMES[name]] = urljoin(base, path)
    return url, (endpoints[0], endpoints[1], endpoints[2])


def _auth_from_environment() -> httpx.Auth | None:
    user, password, token = (os.environ.get(name) or None for name in CREDENTIAL_VARIABLES)
    if token and (user or password):
        raise StoreError(f"set either {TOKEN_VARIABLE} or {USER_VARIABLE}/{PASSWORD_VARIABLE}, not both")
    if token:
        return _Bearer(token)
    if user or password:
        return httpx.BasicAuth(user or "", password or "")
    return None


class _Bearer(httpx.Auth):
    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def auth_flow(self, request):
        request.headers["Authorization"] = self._header
        yield request


def _reason(error: Exception) -> str:
    """A short account of a transport error (httpx's messages can be empty)."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


def _check(response: httpx.Response, server: str, what: str) -> None:
    """A StoreError for an answer that is not a success."""
    status = response.status_code
    if status < 300:
        return
    if status in (401, 403):
        raise StoreError(f"SPARQL server {server} refused the credentials (HTTP {status}); "
                         f"set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or {TOKEN_VARIABLE}")
    if status == 404:
        raise StoreError(f"no SPARQL {what} endpoint at {response.request.url.copy_with(query=None)} "
                         f"(HTTP 404); check the store URL")
    detail = response.reason_phrase
    if response.headers.get("content-type", "").startswith("text/plain"):
        lines = [line.strip() for line in response.text.splitlines() if line.strip()]
        if lines:
            detail = lines[0][:300]
    raise ServerRefused(f"SPARQL server {server} refused the {what} (HTTP {status}): {detail}", status, detail)


class _AnswerCut(Exception):
    """The connection broke while an answer's body came (the server, or a proxy, went away)."""


def _read_body(response: httpx.Response, deadline: float | None, max_bytes: int | None) -> bytes:
    """The body of a streamed answer, decoded; ResultTooLarge past ``max_bytes``, ReadTimeout past ``deadline``."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decoded: the bound holds for compressed answers too
        size += len(chunk)
        if max_bytes is not None and size > max_bytes and response.status_code < 300:
            raise ResultTooLarge(f"the result is larger than {max_bytes:,} bytes, this endpoint's "
                                 "limit: ask for fewer rows (LIMIT and OFFSET) or shorter values")
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout("the time limit passed while the answer came", request=response.request)
        chunks.append(chunk)
    return b"".join(chunks)


def _unreadable(response: httpx.Response, server: str, what: str, expected: str, error: Exception
                ) -> UnreadableAnswer:
    """The error for an answer that does not parse, naming the request and the parser's problem."""
    request = response.request
    return UnreadableAnswer(f"SPARQL server {server} sent an incomplete or malformed answer to the {what} "
                      f"({request.method} {request.url}): not {expected}: {_reason(error)}")


def _parse_results(response: httpx.Response, server: str, what: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """The SPARQL JSON results of ``response``, checked whole before they are handed out.

    pyoxigraph parses solutions as they are read: without the check, an
    answer cut short would raise a bare SyntaxError in whoever reads the last rows.
    """
    error = None
    try:
        _parse_to_the_end(response.content)
    except (SyntaxError, ValueError) as e:
        error = _unreadable(response, server, what, "SPARQL JSON results", e)
    if error is not None:  # raised here, not in the except clause: nothing keeps the parser (and its thread's
        raise error        # objects) alive in the error's context
    return ox.parse_query_results(response.content, _JSON)


def _parse_to_the_end(content: bytes) -> None:
    """Parse SPARQL JSON results to their end (SyntaxError or ValueError if they are not whole)."""
    results = ox.parse_query_results(content, _JSON)
    if isinstance(results, ox.QuerySolutions):
        for _ in results:
            pass


def _parse_rdf(response: httpx.Response, server: str, what: str) -> list[ox.Quad]:
    try:
        return list(ox.parse(response.content, _NT))
    except (SyntaxError, ValueError) as e:
        raise _unreadable(response, server, what, "N-Triples", e) from None
