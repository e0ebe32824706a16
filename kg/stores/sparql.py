"""Report graphs in any SPARQL 1.1 server (Apache Jena Fuseki, the Oxigraph server…), over HTTP.

Each report's graph is written with the SPARQL 1.1 Graph Store HTTP Protocol
(``PUT`` of its named graph), the bookkeeping with SPARQL 1.1 Update, and
everything is read with the SPARQL 1.1 Protocol. The bookkeeping is the
embedded store's (``<urn:legal-kg:meta>``, see :mod:`kg.stores.oxigraph`);
how a write survives a crash is in docs/remote-stores.md.
"""
from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
import rdflib
from rdflib.term import Literal

from kg.query import QueryTimeout, result_kind

from .base import ReportGraph, Store, StoreError
from .oxigraph import (
    _GRAPH,
    _HASH,
    _KEY,
    EXPORT_FORMATS,
    META_GRAPH,
    PREFIXES,
    PreparedReport,
    _iri,
    _literal,
    _report_node,
    _to_rdflib,
)

__all__ = ["SparqlStore", "CREDENTIAL_VARIABLES"]

#: Environment variables the credentials come from (never the command line).
USER_VARIABLE = "LEGAL_KG_SPARQL_USER"
PASSWORD_VARIABLE = "LEGAL_KG_SPARQL_PASSWORD"
TOKEN_VARIABLE = "LEGAL_KG_SPARQL_TOKEN"
CREDENTIAL_VARIABLES = (USER_VARIABLE, PASSWORD_VARIABLE, TOKEN_VARIABLE)

HINT = "start one with scripts/fuseki start or scripts/oxigraph start, or check the store URL"
#: Answers worth trying again: the server is busy, restarting or behind a proxy that is.
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
_META = f"<{META_GRAPH}>"
_PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
_JSON = ox.QueryResultsFormat.JSON
_NT = ox.RdfFormat.N_TRIPLES


class SparqlStore(Store):
    """Report graphs in the dataset of a SPARQL 1.1 server at ``url``.

    ``url`` serves the SPARQL 1.1 Protocol (queries), Update and the Graph
    Store Protocol, as a Fuseki dataset URL (``http://host:3030/kg``) does. A
    server with one URL per service names them in the fragment, relative to
    ``url``: ``http://host:7878/#query=query&update=update&graph-store=store``
    (the Oxigraph server). Credentials come from ``LEGAL_KG_SPARQL_USER`` and
    ``LEGAL_KG_SPARQL_PASSWORD`` (HTTP basic) or ``LEGAL_KG_SPARQL_TOKEN``
    (bearer), never from the URL.

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
    #: Reports per bookkeeping request in :meth:`save_many`.
    batch_size = 64

    def __init__(self, url: str, *, read_only: bool = False, create: bool = False, timeout: float = 60.0,
                 retries: int = 4, backoff: float = 0.25, cooldown: float = 5.0):
        del create  # the server's dataset exists or not; there is nothing to create here
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

    def __repr__(self) -> str:
        return f"SparqlStore({self.url}{', read-only' if self.read_only else ''})"

    def close(self) -> None:
        self._client.close()

    # -- HTTP --

    def _request(self, method: str, url: str, *, what: str, query_timeout: float | None = None,
                 missing_ok: bool = False, **kwargs) -> httpx.Response | None:
        """Send a request, retrying transient failures; a non-2xx answer raises StoreError.

        With ``query_timeout`` the request is a query that may run that long,
        and running out of time raises QueryTimeout (not tried again). With
        ``missing_ok`` a 404 gives None.
        """
        if time.monotonic() < self._down_until and self._down_error is not None:
            raise StoreError(str(self._down_error))
        if query_timeout is not None:
            kwargs["timeout"] = httpx.Timeout(query_timeout, connect=min(10.0, query_timeout))
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.ReadTimeout:
                if query_timeout is not None:
                    raise QueryTimeout(f"query exceeded the {query_timeout:g} s time limit") from None
                problem = "no answer in time"
            except httpx.TransportError as e:  # refused, reset, DNS, TLS…
                problem = _reason(e)
            else:
                if response.status_code == 404 and missing_ok:
                    return None
                if response.status_code not in TRANSIENT_STATUS:
                    _check(response, self.url, what)
                    return response
                problem = f"HTTP {response.status_code} {response.reason_phrase}"
            if attempt < self.retries:
                time.sleep(delay * random.uniform(1.0, 1.5))
                delay *= 2
        self._down_error = StoreError(f"cannot reach SPARQL server {self.url}: {problem} "
                                      f"(tried {self.retries + 1} times) — {HINT}")
        self._down_until = time.monotonic() + self.cooldown
        raise self._down_error

    def _select(self, sparql: str) -> ox.QuerySolutions:
        response = self._request("POST", self.query_url, what="query", data={"query": sparql},
                                 headers={"Accept": _JSON.media_type})
        return _parse_results(response, self.url)

    def _ask(self, sparql: str) -> bool:
        return bool(self._select(sparql))

    def _update(self, sparql: str) -> None:
        self._writable()
        self._request("POST", self.update_url, what="update", data={"update": sparql})

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.url} is open read-only")

    # -- bookkeeping --

    def _entries(self, keys: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """``{key: (graph IRI, content hash or None)}`` of the reports among ``keys`` that have an entry.

        An entry without a hash is a report whose writing did not finish.
        """
        nodes = {_report_node(key).value: key for key in keys}
        if not nodes:
            return {}
        values = " ".join(f"<{node}>" for node in nodes)
        solutions = self._select(
            f"SELECT ?r ?graph ?hash WHERE {{ VALUES ?r {{ {values} }} "
            f"GRAPH {_META} {{ ?r {_GRAPH} ?graph OPTIONAL {{ ?r {_HASH} ?hash }} }} }}")
        return {nodes[s["r"].value]: (s["graph"].value, s["hash"].value if s["hash"] is not None else None)
                for s in solutions}

    def stored_hash(self, key: str) -> str | None:
        return self._entries([key]).get(key, (None, None))[1]

    def report_keys(self) -> Iterator[str]:
        solutions = self._select(f"SELECT ?key WHERE {{ GRAPH {_META} {{ ?r {_KEY} ?key ; {_HASH} ?hash }} }}")
        for solution in solutions:
            yield solution["key"].value

    # -- writing --

    def save(self, report: ReportGraph | PreparedReport) -> bool:
        return self.save_many([report])[0]

    def save_many(self, reports: Iterable[ReportGraph | PreparedReport], *,
                  return_exceptions: bool = False) -> list:
        """Save several reports; for each, True if written, False if that content was already stored.

        Per batch of up to :attr:`batch_size` reports: one request marks them
        unfinished (their old hash removed, a graph whose IRI changed
        dropped), one ``PUT`` per report replaces its graph, and one request
        writes the hashes of those written. Reports are applied in order (the
        last of several versions of a key wins). With ``return_exceptions`` a
        report that cannot be stored gets its exception in the list instead;
        otherwise the first error is raised.
        """
        self._writable()
        results: list = []
        batch: list[tuple[int, PreparedReport]] = []

        def flush() -> None:
            for index, outcome in self._save_batch(batch):
                results[index] = outcome
                if isinstance(outcome, Exception) and not return_exceptions:
                    raise outcome
            batch.clear()

        for index, item in enumerate(reports):
            results.append(None)
            try:
                report = PreparedReport.of(item)
            except Exception as e:
                if not return_exceptions:
                    raise
                results[index] = e
                continue
            if any(r.key == report.key or r.iri == report.iri for _, r in batch) or len(batch) >= self.batch_size:
                flush()
            batch.append((index, report))
        flush()
        return results

    def _save_batch(self, batch: Sequence[tuple[int, PreparedReport]]) -> list[tuple[int, bool | Exception]]:
        """Write reports with distinct keys and graphs; ``(index, True/False/exception)`` for each."""
        if not batch:
            return []
        try:
            entries = self._entries(r.key for _, r in batch)
        except StoreError as e:
            return [(index, e) for index, _ in batch]
        out: list[tuple[int, bool | Exception]] = []
        todo = []
        for index, report in batch:
            graph, stored = entries.get(report.key, (None, None))
            if stored == report.content_hash and graph == report.iri:
                out.append((index, False))
            else:
                todo.append((index, report, graph))
        if not todo:
            return out
        # 1. Unfinished: no hash, so a crash from here on leaves the report to be written again.
        ops = []
        for _, report, old_graph in todo:
            if old_graph is not None and old_graph != report.iri:
                ops.append(f"DROP SILENT GRAPH {_iri(old_graph)}")
            ops.append(f"DELETE WHERE {{ GRAPH {_META} {{ {_node(report.key)} ?p ?o }} }}")
        entries_text = " ".join(
            f"{_node(r.key)} {_KEY} {_literal(Literal(r.key))} ; {_GRAPH} {_iri(r.iri)} ." for _, r, _ in todo)
        ops.append(f"INSERT DATA {{ GRAPH {_META} {{ {entries_text} }} }}")
        try:
            self._update(" ;\n".join(ops))
        except StoreError as e:
            return out + [(index, e) for index, _, _ in todo]
        # 2. Each report's graph replaced whole.
        written = []
        for index, report, _ in todo:
            try:
                self._request("PUT", self.graph_store_url, what="graph store", params={"graph": report.iri},
                              content=(report.ntriples + report.claims).encode("utf-8"),
                              headers={"Content-Type": _NT.media_type})
            except StoreError as e:
                out.append((index, e))
            else:
                written.append((index, report))
        # 3. Finished: the hash, written last.
        if written:
            hashes = " ".join(f"{_node(r.key)} {_HASH} {_literal(Literal(r.content_hash))} ." for _, r in written)
            try:
                self._update(f"INSERT DATA {{ GRAPH {_META} {{ {hashes} }} }}")
            except StoreError as e:
                return out + [(index, e) for index, _ in written]
        return out + [(index, True) for index, _ in written]

    def delete(self, key: str) -> None:
        self._writable()
        entry = self._entries([key]).get(key)
        if entry is None:
            return
        self._update(f"DROP SILENT GRAPH {_iri(entry[0])} ;\n"
                     f"DELETE WHERE {{ GRAPH {_META} {{ {_node(key)} ?p ?o }} }}")

    def clear(self) -> None:
        """Remove every graph of the server's dataset, reports or not (for tests and benches)."""
        self._update("DROP ALL")

    # -- reading --

    def load(self, key: str) -> ReportGraph:
        graph_iri, content_hash = self._entries([key]).get(key, (None, None))
        if content_hash is None:  # absent, or its writing did not finish
            raise KeyError(key)
        # A server may keep no empty graphs (Fuseki): a missing graph is an empty report.
        response = self._request("GET", self.graph_store_url, what="graph store", params={"graph": graph_iri},
                                 headers={"Accept": _NT.media_type}, missing_ok=True)
        graph = rdflib.Graph()
        for quad in _parse_rdf(response, self.url) if response is not None else ():
            graph.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns)
        return ReportGraph(key=key, iri=graph_iri, content_hash=content_hash, graph=graph)

    def counts(self) -> dict[str, int]:
        def count(pattern: str) -> int:
            solutions = self._select(f"{_PROLOGUE}SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} }}")
            return int(next(iter(solutions))["n"].value)

        solutions = self._select(  # distinct triples: the merge of the graphs, as the embedded store counts
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(?g != {_META}) }} }}")
        return {
            "reports": count("?x a lkg:Report"),
            "quads": int(next(iter(solutions))["n"].value),
            "instruments": count("?x a eli:LegalResource"),
            "mentions": count("?x a lkg:Mention"),
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
        """Run a SPARQL 1.1 query on the server; the same results as :meth:`OxigraphStore.query`.

        The query is first checked as the embedded store would (SyntaxError,
        or RuntimeError for a substituted variable it does not select), then
        sent with the predeclared prefixes; ``substitutions`` become a
        trailing ``VALUES`` clause. The server decides the default graph: the
        union of all graphs when it is configured so (both scripts do).
        ``timeout`` bounds the wait (:class:`QueryTimeout`).
        """
        kind = result_kind(self._dry_run.query(sparql, prefixes=PREFIXES, substitutions=substitutions or {},
                                               base_iri=base_iri))
        text = (f"BASE <{base_iri}>\n" if base_iri else "") + _PROLOGUE + sparql
        if substitutions:
            names = " ".join(str(variable) for variable in substitutions)
            values = " ".join(str(term) for term in substitutions.values())
            text += f"\nVALUES ({names}) {{ ({values}) }}"
            try:
                self._dry_run.query(text)
            except SyntaxError:
                raise ValueError("parameters cannot be bound in a query that ends with its own VALUES clause") from None
        params = {"query": text, "default-graph-uri": default_graph or [], "named-graph-uri": named_graphs or []}
        accept = _NT.media_type if kind == "graph" else _JSON.media_type
        response = self._request("POST", self.query_url, what="query", data=params, headers={"Accept": accept},
                                 query_timeout=timeout)
        if kind == "graph":
            return (quad.triple for quad in _parse_rdf(response, self.url))
        return _parse_results(response, self.url)

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of every report graph (not the bookkeeping)."""
        solutions = self._select(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {_META}) }}")
        for s in solutions:
            yield ox.Quad(s["s"], s["p"], s["o"], s["g"])

    def export(self, out: str | Path | IO[bytes], format: str = "turtle") -> None:
        """Write the store to ``out`` as :meth:`OxigraphStore.export` does."""
        if format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format!r}; choose from {', '.join(EXPORT_FORMATS)}")
        if format in ("nquads", "trig"):
            items: Iterable = self.quads()
        else:
            solutions = self._select(
                f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {_META}) }}")
            items = (ox.Triple(s["s"], s["p"], s["o"]) for s in solutions)
        target = str(out) if isinstance(out, (str, Path)) else out
        ox.serialize(items, target, format=EXPORT_FORMATS[format], prefixes=PREFIXES if format != "nt" else None)


# --- helpers ---------------------------------------------------------------------


def _node(key: str) -> str:
    return f"<{_report_node(key).value}>"


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
    raise StoreError(f"SPARQL server {server} refused the {what} (HTTP {status}): {detail}")


def _parse_results(response: httpx.Response, server: str):
    try:
        return ox.parse_query_results(response.content, _JSON)
    except (SyntaxError, ValueError) as e:
        raise StoreError(f"SPARQL server {server} sent results that are not SPARQL JSON: {e}") from None


def _parse_rdf(response: httpx.Response, server: str) -> list[ox.Quad]:
    try:
        return list(ox.parse(response.content, _NT))
    except (SyntaxError, ValueError) as e:
        raise StoreError(f"SPARQL server {server} sent a graph that is not N-Triples: {e}") from None
