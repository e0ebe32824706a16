"""Running a SPARQL query safely and writing its answer: shared by ``kg sparql`` and ``kg serve``.

* :func:`check_query_text`: limits checked before anything parses the query
  (size, brackets, nesting), so no query can exhaust the parser's stack.
* :func:`answer`: evaluate a :class:`QueryJob` and produce the whole HTTP-level
  :class:`Answer` (status, body, media type). It runs where the query is
  evaluated, in a sandboxed worker (:mod:`kg.query_pool`): the query is parsed
  and judged by the store's own SPARQL parser, never by scanning its text.
* Result formats, content negotiation and serialization with row and byte limits.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from typing import Callable, Hashable, NamedTuple, TypeVar

import pyoxigraph as ox

from kg.sandbox import network_denied_error

__all__ = [
    "MAX_QUERY_BYTES",
    "QueryRefused",
    "ResultTooLarge",
    "QueryJob",
    "Answer",
    "check_query_text",
    "answer",
    "negotiate",
    "best_match",
    "FORMATS",
    "result_kind",
    "serialize_results",
    "looks_like_update",
    "run_with_big_stack",
    "evaluate",
    "QueryTimeout",
    "ResultCache",
    "python_value",
    "rows",
]

#: Longest query accepted, in bytes of UTF-8.
MAX_QUERY_BYTES = 256 * 1024
#: Most opening brackets ``{ ( [`` in a query, counted without parsing. A
#: bound on nesting that strings or comments cannot hide: with the stack of
#: :func:`run_with_big_stack` the parser survives far deeper nesting than this.
MAX_BRACKETS = 20_000
#: Deepest nesting accepted (brackets counted as they come, without parsing).
MAX_DEPTH = 200
#: Stack of the thread that parses and evaluates a query (reserved, not used
#: until needed): Oxigraph's recursive-descent parser needs ~2 KB per level.
QUERY_STACK_BYTES = 512 * 1024 * 1024

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryRefused(ValueError):
    """A query refused before or instead of running; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class ResultTooLarge(QueryRefused):
    """A result over the row or byte limit: refused whole, never cut short."""

    def __init__(self, message: str):
        super().__init__(400, message)


def check_query_text(text: str, max_bytes: int = MAX_QUERY_BYTES) -> None:
    """Refuse a query that is too long or nests too deeply (:class:`QueryRefused`), before parsing it."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise QueryRefused(413, f"query of {size:,} bytes is over the limit of {max_bytes:,} bytes")
    opening = text.count("{") + text.count("(") + text.count("[")
    if opening > MAX_BRACKETS:
        raise QueryRefused(400, f"query has {opening:,} opening brackets, more than the limit of {MAX_BRACKETS:,}")
    depth = deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char in "})]":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise QueryRefused(400, f"query nests {deepest} levels deep, more than the limit of {MAX_DEPTH}")


_T = TypeVar("_T")
_STACK_LOCK = threading.Lock()


class QueryTimeout(TimeoutError):
    """A query did not finish within its time limit."""


def run_with_big_stack(function: Callable[[], _T], timeout: float | None = None) -> _T:
    """``function()`` on a thread with a stack deep enough for any query :func:`check_query_text` allows.

    With ``timeout``, :class:`QueryTimeout` after that many seconds; the
    thread, which cannot be stopped, is abandoned (a daemon: it does not keep
    the process alive). pyoxigraph results must be read on the thread that
    made them: have ``function`` read them whole (see :func:`evaluate`).
    """
    box: dict = {}

    def work():
        try:
            box["value"] = function()
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    with _STACK_LOCK:  # stack_size is process-wide: set it only for this thread
        previous = threading.stack_size(QUERY_STACK_BYTES)
        try:
            thread = threading.Thread(target=work, name="kg-query", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join(timeout)
    if thread.is_alive():
        raise QueryTimeout(f"query exceeded the {timeout:g} s time limit")
    if "error" in box:
        raise box["error"]
    return box["value"]


def read_whole(result):
    """A pyoxigraph result read whole into plain data (triples, or SPARQL JSON bytes): any thread may hold it."""
    if result_kind(result) == "graph":
        return list(result)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


def rebuild(whole):
    """The result :func:`read_whole` read, as a fresh pyoxigraph result on this thread."""
    if isinstance(whole, list):
        return iter(whole)
    return ox.parse_query_results(whole, ox.QueryResultsFormat.JSON)


def evaluate(run: Callable[[], object], timeout: float | None = None):
    """The result of the query ``run()``, evaluated whole on a deep-stack thread (see :func:`run_with_big_stack`).

    pyoxigraph results belong to the thread that made them, so the result is
    read there and rebuilt on this thread.
    """
    return rebuild(run_with_big_stack(lambda: read_whole(run()), timeout))


class ResultCache:
    """Recent results of queries on a store that cannot change while it is open (read-only).

    Least recently used entries go first; no entry over ``max_entry`` bytes,
    no more than ``max_bytes`` in all. Thread-safe.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 1024 * 1024):
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._entries: OrderedDict[Hashable, tuple[int, object]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value, size: int) -> None:
        if size > min(self.max_entry, self.max_bytes):
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[0]
            self._entries[key] = (size, value)
            self._size += size
            while self._size > self.max_bytes:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._size -= dropped


# --- formats -------------------------------------------------------------------


class Format(NamedTuple):
    """One way to write a result: its name, media type and pyoxigraph format."""

    name: str
    media_type: str
    oxigraph: object


#: Formats by result kind. ``boolean`` (ASK) has no CSV/TSV: the SPARQL 1.1
#: CSV/TSV results format is defined for solutions only.
FORMATS: dict[str, dict[str, Format]] = {
    "solutions": {
        "json": Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        "xml": Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        "csv": Format("csv", "text/csv; charset=utf-8", ox.QueryResultsFormat.CSV),
        "tsv": Format("tsv", "text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV),
    },
    "graph": {
        "turtle": Format("turtle", "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
        "nt": Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        "jsonld": Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
        "rdfxml": Format("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        "nquads": Format("nquads", "application/n-quads", ox.RdfFormat.N_QUADS),
        "trig": Format("trig", "application/trig", ox.RdfFormat.TRIG),
    },
}
FORMATS["boolean"] = {k: v for k, v in FORMATS["solutions"].items() if k in ("json", "xml")}
DEFAULT_FORMAT = {"solutions": "json", "boolean": "json", "graph": "turtle"}

# Media types a client may ask for → format name, per kind.
_MEDIA: dict[str, dict[str, str]] = {
    "solutions": {
        "application/sparql-results+json": "json", "application/json": "json",
        "application/sparql-results+xml": "xml", "application/xml": "xml",
        "text/csv": "csv", "text/tab-separated-values": "tsv", "text/xml": "xml",  # text/*: CSV first
    },
    "graph": {
        "text/turtle": "turtle", "application/turtle": "turtle", "application/x-turtle": "turtle",
        "application/n-triples": "nt", "text/plain": "nt",
        "application/ld+json": "jsonld", "application/x-json+ld": "jsonld", "application/json": "jsonld",
        "application/rdf+xml": "rdfxml",
        "application/n-quads": "nquads", "application/trig": "trig",
    },
}
_MEDIA["boolean"] = {m: f for m, f in _MEDIA["solutions"].items() if f in FORMATS["boolean"]}


def media_types(kind: str) -> list[str]:
    """The media types a ``kind`` of result can be written in (for 406 messages)."""
    return list(_MEDIA[kind])


def negotiate(accept: str | None, kind: str) -> str | None:
    """Format name for result ``kind`` that ``accept`` prefers; None if none is acceptable."""
    return best_match(accept, _MEDIA[kind], DEFAULT_FORMAT[kind])


def best_match(accept: str | None, offers: dict[str, str], default: str) -> str | None:
    """The name ``offers`` (media type → name) gives the type ``accept`` prefers most.

    ``default`` answers a missing Accept and ``*/*``; ``type/*`` takes the
    first offer of that type; None if nothing offered is acceptable.
    """
    if not accept or not accept.strip():
        return default
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, position, media.lower()))
    for _, _, media in sorted(ranges):
        if media in offers:
            return offers[media]
        if media == "*/*":
            return default
        if media.endswith("/*"):
            for candidate, name in offers.items():
                if candidate.startswith(media[:-1]):
                    return name
    return None


def result_kind(result) -> str:
    """``"boolean"`` (ASK), ``"solutions"`` (SELECT) or ``"graph"`` (CONSTRUCT/DESCRIBE)."""
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    return "graph"


# --- serialization with limits -------------------------------------------------


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise ValueError(f"unexpected term {term!r}")


def _too_many(limit: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(f"the result has more than {limit:,} {what}, this endpoint's limit: "
                          "ask for fewer (LIMIT and OFFSET, or a narrower query)")


def _too_big(max_bytes: int) -> ResultTooLarge:
    return ResultTooLarge(f"the result is larger than {max_bytes:,} bytes, this endpoint's limit: "
                          "ask for fewer rows (LIMIT and OFFSET) or shorter values")


def serialize_results(result, format: str | None = None, *, limit: int | None = None,
                      max_bytes: int | None = None, prefixes: dict | None = None) -> tuple[bytes, str]:
    """Write a pyoxigraph query result whole; returns ``(body, media_type)``.

    ``format`` is a name in :data:`FORMATS` for the result's kind (None: the
    default). A result with more than ``limit`` rows or triples, or a body
    over ``max_bytes``, raises :class:`ResultTooLarge`: never a short answer
    that looks whole.
    """
    kind = result_kind(result)
    fmt = FORMATS[kind][format or DEFAULT_FORMAT[kind]]
    if kind == "boolean":
        return result.serialize(format=fmt.oxigraph), fmt.media_type
    if kind == "graph":
        # pyoxigraph 0.5's CONSTRUCT repeats a triple made by several solutions
        # (oxigraph issue #525): a graph is a set.
        triples: dict = {}
        for triple in result:
            triples[triple] = None
            if limit is not None and len(triples) > limit:
                raise _too_many(limit, "triples")
        body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)
        if max_bytes is not None and len(body) > max_bytes:
            raise _too_big(max_bytes)
        return body, fmt.media_type

    variables = [v.value for v in result.variables]
    rows = []
    size = 0
    for solution in result:
        if limit is not None and len(rows) >= limit:
            raise _too_many(limit, "rows")
        row = {}
        for v in variables:
            term = solution[v]
            if term is not None:
                row[v] = _json_term(term)
                size += len(row[v]["value"]) if isinstance(row[v]["value"], str) else 0
        if max_bytes is not None and size > max_bytes:
            raise _too_big(max_bytes)
        rows.append(row)
    body = json.dumps({"head": {"vars": variables}, "results": {"bindings": rows}},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt.name != "json":
        body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(format=fmt.oxigraph)
    if max_bytes is not None and len(body) > max_bytes:
        raise _too_big(max_bytes)
    return body, fmt.media_type


# --- one query, start to answer --------------------------------------------------


class QueryJob(NamedTuple):
    """Everything needed to answer one query, as sent to a query worker."""

    query: str
    formats: dict[str, str | None]  # kind → negotiated format name (None: not acceptable)
    row_limit: int | None = None
    max_bytes: int | None = None
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None


class Answer(NamedTuple):
    """An HTTP-level answer: status, body and media type."""

    status: int
    body: bytes
    media_type: str = "text/plain; charset=utf-8"

    @classmethod
    def text(cls, status: int, message: str) -> "Answer":
        return cls(status, (message.rstrip("\n") + "\n").encode("utf-8"))


READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
NO_SERVICE = "SERVICE (federated query) is not allowed on this endpoint: no request leaves it"


def looks_like_update(text: str) -> bool:
    """True if ``text`` parses as a SPARQL Update (rdflib's parser).

    Only used to word the refusal of a text that the store's query parser has
    already rejected, so a disagreement between parsers can change the
    message, never what runs.
    """
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def answer(store, job: QueryJob) -> Answer:
    """Evaluate ``job`` on ``store`` (any object with the store ``query`` method) and answer it.

    Runs in the query worker: the store's parser decides what the query is;
    a text it cannot parse as a query is refused (403 when it is an update,
    else 400 with the parser's message), and a ``SERVICE`` call, which the
    worker's sandbox stops, is refused with 400.
    """
    try:
        result = store.query(job.query, default_graph=job.default_graph, named_graphs=job.named_graphs,
                             base_iri=job.base_iri)
        kind = result_kind(result)
        fmt = job.formats.get(kind)
        if fmt is None:
            return not_acceptable(kind)
        body, media_type = serialize_results(result, fmt, limit=job.row_limit, max_bytes=job.max_bytes)
        return Answer(200, body, media_type)
    except Exception as e:  # noqa: BLE001 — every failure becomes an answer, the worker goes on
        return refusal(e, job.query)


def refusal(e: Exception, query: str) -> Answer:
    """The answer to ``query`` when evaluating it raised ``e`` (in a sandboxed worker)."""
    if isinstance(e, QueryRefused):
        return Answer.text(e.status, e.message)
    if isinstance(e, SyntaxError):
        if looks_like_update(query):
            return Answer.text(403, READ_ONLY)
        return Answer.text(400, f"malformed query: {e}")
    if network_denied_error(e):
        return Answer.text(400, NO_SERVICE)
    if type(e) is RuntimeError:  # pyoxigraph's evaluation errors: what the query asked cannot be done
        return Answer.text(400, f"query could not be evaluated: {e}")
    return Answer.text(500, f"query failed: {type(e).__name__}: {e}")


def not_acceptable(kind: str) -> Answer:
    """406: a result of ``kind`` cannot be written in any type the client accepts."""
    return Answer.text(406, f"cannot write {'an ASK' if kind == 'boolean' else 'this'} result in the "
                            f"accepted types; available: {', '.join(media_types(kind))}")


# --- results as Python values ------------------------------------------------------

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {"integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
             "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"}
_READERS: dict[str, Callable[[str], object]] = {
    **{_XSD + name: int for name in _INTEGERS},
    _XSD + "decimal": Decimal,
    _XSD + "double": float,
    _XSD + "float": float,
    _XSD + "boolean": lambda text: {"true": True, "1": True, "false": False, "0": False}[text],
    _XSD + "date": dt.date.fromisoformat,
    _XSD + "dateTime": dt.datetime.fromisoformat,
}


def python_value(term):
    """A SPARQL term as a Python value: numbers as ``int``/``Decimal``/``float``, ``bool``,
    ``datetime.date``/``datetime``, IRIs and other literals as ``str`` (their lexical form), a blank
    node as ``_:id``, unbound as None. A literal whose text does not fit its datatype stays ``str``."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        read = _READERS.get(term.datatype.value)
        if read is not None:
            try:
                return read(term.value.strip())
            except (ValueError, KeyError, InvalidOperation):
                pass
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)  # an RDF-star triple


def rows(result) -> list[dict]:
    """The solutions of a SELECT result as dicts of Python values (:func:`python_value`), keyed by variable.

    Every variable is a key, unbound ones None, in the order the query selects them.
    """
    if result_kind(result) != "solutions":
        raise TypeError(f"rows() takes SELECT results, not a {result_kind(result)} result")
    names = [v.value for v in result.variables]
    return [{name: python_value(solution[name]) for name in names} for solution in result]
