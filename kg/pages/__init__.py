"""Instrument and report pages as Linked Data (``kg serve``): every IRI of the store answered.

:func:`routes` gives the server its routes:

* ``/instrument/{key}`` and ``/report/{key}`` — the identifiers: 303 See Other
  to the document in the format the request accepts (``Vary: Accept``);
* ``/instrument/{key}.html|.ttl|.jsonld|.rdf`` (the same under ``/report/``) —
  the documents: the page (an instrument's "lược đồ", a report's highlighted
  text) and its data;
* ``/report/{key}/mention/…`` and ``/report/{key}/relation/…`` — 303 to the
  report's page with that span highlighted; ``/graph/{key}`` (a report's named
  graph) — 303 to the report's data, which is that graph;
* ``/search?q=`` — by symbol or title words; ``/assets/NAME`` — the stylesheet.

Every query goes through ``run`` (the endpoint's query pool, with its limits
and cache): the pages have no other way into the store. Pages carry no
script; their Content-Security-Policy allows styles and images from the
server only. Design notes: docs/instrument-pages.md.
"""
from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import re
import threading
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio.from_thread
import anyio.to_thread
import jinja2
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from extractors.vocab import vocabulary
from kg.check import Row, data_bases, iri
from kg.graph import VOCAB
from kg.iris import NAMES_GRAPH, PREFIXES, IriScheme, sparql_prologue
from kg.model import slugify
from kg.query import Answer, QueryJob, best_match
from kg.render import TYPE_COLOURS, type_colour
from kg.web import Asset

from .texts import Texts
from .views import DOCUMENTS, Links, field_names, instrument_page, labels, report_page, search_page

__all__ = ["routes", "CONTENT_SECURITY_POLICY", "QueryFailed"]

HERE = Path(__file__).resolve().parent
#: No script at all; styles and images from this server; forms (search, a date) to it.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'", "style-src 'self'", "img-src 'self'", "form-action 'self'",
    "base-uri 'none'", "frame-ancestors 'none'",
])
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
_PAGE_HEADERS = {**_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"}
INSTRUMENT_KEY = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_-]+){1,3}")  # vn/60-2021-nd-cp, vn-nghe-an/2022/4288-qd-ubnd
REPORT_KEY = re.compile(r"[a-z0-9_-]+")
_SPAN = re.compile(r"/(?:mention|relation)/(\d{1,9})-(\d{1,9})(?:-[a-z_]+-[0-9a-f]{8})?")
# What a request may accept, per document: HTML for browsers and anything else.
_OFFERS = {"text/html": ".html", "application/xhtml+xml": ".html", "text/turtle": ".ttl",
           "application/x-turtle": ".ttl", "application/ld+json": ".jsonld", "application/json": ".jsonld",
           "application/rdf+xml": ".rdf"}
_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML}
_FOAF = "http://xmlns.com/foaf/0.1/"
_DCTERMS = "http://purl.org/dc/terms/"


class QueryFailed(Exception):
    """A page's query was refused or stopped by the pool (its status and message)."""

    def __init__(self, reply: Answer):
        super().__init__(reply.body.decode("utf-8", "replace").strip())
        self.status = reply.status


class _BadRequest(Exception):
    pass


@functools.cache
def _assets() -> dict[str, Asset]:
    """The stylesheet (with a colour per document type, as kg show colours them) and the icon."""
    from kg.web import STATIC

    codes = sorted(set(TYPE_COLOURS) | set(vocabulary().doc_types))
    rules = "".join(f"mark.c.t-{slugify(code)} {{ background: {type_colour(code)}; }}\n" for code in codes)
    css = (HERE / "static" / "pages.css").read_bytes() + b"\n/* document types (kg.render.type_colour) */\n" \
        + rules.encode()
    out = {"pages.css": css, "favicon.svg": (STATIC / "favicon.svg").read_bytes()}
    media = {"pages.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}
    return {name: Asset(body, gzip.compress(body, 6, mtime=0), media[name], hashlib.sha256(body).hexdigest()[:16])
            for name, body in out.items()}


@functools.cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(L=labels(), F=field_names())
    env.filters["day"] = lambda d: d.strftime("%d/%m/%Y") if d else ""
    env.filters["isoday"] = _isoday
    return env


def _isoday(value: str | None) -> str:
    """An ISO date as the pages write dates (dd/mm/yyyy); anything else as it is (a type code)."""
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value


def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _BadRequest(f"at={value!r}: give a date as YYYY-MM-DD") from None


def _page_number(request: Request, name: str) -> int:
    """The page of a list asked for by query parameter ``name`` (the first when it is not a number)."""
    try:
        return int(request.query_params.get(name, "1"))
    except ValueError:
        return 1


def _split(rest: str) -> tuple[str, str | None]:
    """``vn/60-2021-nd-cp.ttl`` → (``vn/60-2021-nd-cp``, ``.ttl``); no suffix → None (the identifier)."""
    for suffix in DOCUMENTS:
        if rest.endswith(suffix):
            return rest[:-len(suffix)], suffix
    return rest, None


def routes(run: Callable[[QueryJob], Coroutine[Any, Any, Answer]], *, base: str | None = None,
           row_limit: int | None = 10000, max_bytes: int | None = 16 * 1024 * 1024,
           texts: Texts | None = None) -> list[Route]:
    """The pages' routes; ``run`` answers a query job (the server's pool), ``base`` is the
    server's public URL (None: the address each request came to)."""
    pages = _Pages(run, base, row_limit, max_bytes, texts or Texts())
    return [
        Route("/instrument/{rest:path}", pages.resource("instrument", INSTRUMENT_KEY)),
        Route("/report/{rest:path}", pages.resource("report", REPORT_KEY)),
        Route("/graph/{key}", pages.graph),
        Route("/search", pages.search),
        Route("/assets/{name}", _asset),
    ]


class _Pages:
    """The handlers, and the queries they make through ``run``."""

    def __init__(self, run: Callable[[QueryJob], Coroutine[Any, Any, Answer]], base: str | None,
                 row_limit: int | None, max_bytes: int | None, texts: Texts):
        if base is not None and not base.endswith("/"):
            base += "/"
        self.run, self.base, self.row_limit, self.max_bytes, self.texts = run, base, row_limit, max_bytes, texts
        self._bases: list[str] = []  # the store's, read once
        self._bases_lock = threading.Lock()

    # -- the store, from a worker thread --

    def answer(self, query: str, formats: dict[str, str | None]) -> bytes:
        """The body of the pool's answer to ``query`` (QueryFailed unless it is a 200)."""
        job = QueryJob(query, formats, row_limit=self.row_limit, max_bytes=self.max_bytes)
        reply = anyio.from_thread.run(self.run, job)
        if reply.status != 200:
            raise QueryFailed(reply)
        return reply.body

    def select(self, query: str) -> list[Row]:
        result = json.loads(self.answer(query, {"solutions": "json", "boolean": "json", "graph": None}))
        return [{name: term["value"] for name, term in b.items()} for b in result["results"]["bindings"]]

    def construct(self, query: str) -> list[ox.Triple]:
        return list(ox.parse(self.answer(query, {"graph": "nt"}), format=ox.RdfFormat.N_TRIPLES))

    def links_for(self, request: Request) -> Links:
        with self._bases_lock:
            if not self._bases:
                self._bases.extend(data_bases(self.select))
        return Links(self.base or str(request.base_url), self._bases)

    def stored_iri(self, links: Links, kind: str, key: str) -> str | None:
        """The IRI of the store that ``{root}{kind}/{key}`` stands for (one per base; the first held)."""
        candidates = links.stored(kind, key)
        cls = "lkg:Report" if kind == "report" else "eli:LegalResource"
        rows = self.select(sparql_prologue() + f"SELECT ?s WHERE {{ VALUES ?s {{ {' '.join(iri(c) for c in candidates)} }} "
                                        f"?s a {cls} }}")
        held = {row["s"] for row in rows}
        return next((c for c in candidates if c in held), None)

    # -- responses --

    def html(self, template: str, links: Links, status: int = 200, **context) -> HTMLResponse:
        assets = _assets()
        body = _templates().get_template(template).render(
            root=links.root, css=links.asset("pages.css", assets["pages.css"].digest),
            icon=links.asset("favicon.svg", assets["favicon.svg"].digest), **{"q": "", "documents": [], **context})
        return HTMLResponse(body, status_code=status, headers=_PAGE_HEADERS)

    def error(self, links: Links, status: int, message: str) -> HTMLResponse:
        response = self.html("error.html", links, status, status_code=status, message=message)
        if status == 503:
            response.headers["Retry-After"] = "1"
        return response

    async def in_thread(self, request: Request, work: Callable[[Links], Response]) -> Response:
        """``work(links)`` on a worker thread (its queries wait on the pool); failures become pages."""
        def guarded() -> Response:
            links = Links(self.base or str(request.base_url), [])
            try:
                links = self.links_for(request)
                return work(links)
            except QueryFailed as e:
                return self.error(links, e.status if e.status in (400, 503) else 500, str(e))
            except _BadRequest as e:
                return self.error(links, 400, str(e))

        return await anyio.to_thread.run_sync(guarded)

    def see_other(self, request: Request, links: Links, path: str, default: str = ".html") -> Response:
        """303 from an identifier to its document in the format the request accepts (``default``: any)."""
        suffix = best_match(request.headers.get("accept"), _OFFERS, default)
        if suffix is None:
            offered = ", ".join(dict.fromkeys(DOCUMENTS.values()))
            return Response(f"cannot produce {request.headers.get('accept')!r}; available: {offered}\n",
                            status_code=406, media_type="text/plain; charset=utf-8",
                            headers={**_HEADERS, "Vary": "Accept"})
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{links.root}{path}{suffix}{query}", status_code=303, headers={"Vary": "Accept"})

    # -- documents --

    def document(self, request: Request, links: Links, kind: str, key: str, suffix: str) -> Response:
        stored = self.stored_iri(links, kind, key)
        if stored is None:
            what = labels()["page"]["not_found"]
            return self.error(links, 404, f"{what['vi']} / {what['en']}: {links.root}{kind}/{key}")
        if suffix != ".html":
            return self.data_document(links, stored, kind, key, suffix)
        if kind == "instrument":
            context = self._instrument_context(request, links, stored)
            template = "instrument.html"
        else:
            context = self._report_context(request, links, stored, key)
            template = "report.html"
        if context is None:
            return self.error(links, 404, f"{links.root}{kind}/{key}")
        return self.html(template, links, **context)

    def _instrument_context(self, request: Request, links: Links, stored: str) -> dict | None:
        return instrument_page(self.select, links, self.texts, stored, at=_parse_day(request.query_params.get("at")),
                               today=dt.date.today(), cited_page=_page_number(request, "cited"),
                               named_page=_page_number(request, "named"))

    def _report_context(self, request: Request, links: Links, stored: str, key: str) -> dict | None:
        hl = re.fullmatch(r"(\d{1,9})-(\d{1,9})", request.query_params.get("hl", ""))
        return report_page(self.select, links, self.texts, stored, key, today=dt.date.today(),
                           hl=(int(hl[1]), int(hl[2])) if hl else None)

    def data_document(self, links: Links, stored: str, kind: str, key: str, suffix: str) -> Response:
        """The resource's triples: an instrument's own and those pointing to it (not the mentions, by
        number or by name, which belong to the reports' documents); a report's whole named graph, and
        what its name mentions resolve to (the names graph)."""
        if kind == "instrument":
            query = sparql_prologue() + f"""CONSTRUCT {{ {iri(stored)} ?p ?o . ?s ?q {iri(stored)} . }} WHERE {{
  {{ {iri(stored)} ?p ?o }} UNION {{ ?s ?q {iri(stored)} FILTER(?q NOT IN (lkg:refersTo, lkg:resolvedTo)) }}
}}"""
        else:
            graph = iri(_report_graph(links, stored, key))
            query = sparql_prologue() + f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ GRAPH {graph} {{ ?s ?p ?o }} }}
  UNION {{ GRAPH {graph} {{ ?s a lkg:NameMention }} GRAPH {iri(NAMES_GRAPH)} {{ ?s ?p ?o }} }}
}}"""
        triples = self.construct(query)
        doc = ox.NamedNode(links.page(stored, suffix) or f"{links.root}{kind}/{key}{suffix}")
        triples += [ox.Triple(doc, ox.NamedNode(_FOAF + "primaryTopic"), ox.NamedNode(stored)),
                    ox.Triple(doc, ox.NamedNode(_DCTERMS + "format"), ox.Literal(DOCUMENTS[suffix]))]
        prefixes = {**PREFIXES, "foaf": _FOAF, **{name.replace("-", ""): f"{VOCAB}{name}/"
                                                  for name in ("document-type", "issuer", "jurisdiction")}}
        body = ox.serialize(triples, format=_FORMATS[suffix], prefixes=prefixes)
        media = DOCUMENTS[suffix] + ("; charset=utf-8" if suffix == ".ttl" else "")
        alternates = ", ".join(f'<{links.page(stored, s)}>; rel="alternate"; type="{m}"' for s, m in DOCUMENTS.items())
        return Response(body, media_type=media, headers={**_HEADERS, "Link": alternates,
                                                         "Content-Disposition": f'inline; filename="{key.replace("/", "-")}{suffix}"'})

    # -- the handlers --

    def resource(self, kind: str, pattern: re.Pattern) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            rest = request.path_params["rest"]
            span = _SPAN.search(rest) if kind == "report" else None
            if span is not None and REPORT_KEY.fullmatch(rest[:span.start()]) and span.end() == len(rest):
                key = rest[:span.start()]  # a mention or a relation statement: its report, highlighted
                return await self.in_thread(request, lambda links: RedirectResponse(
                    f"{links.root}report/{key}.html?hl={span[1]}-{span[2]}#hl", status_code=303))
            key, suffix = _split(rest)
            if not pattern.fullmatch(key):
                return await self.in_thread(request, lambda links: self.error(links, 404, f"{links.root}{kind}/{rest}"))
            if suffix is None:
                return await self.in_thread(request, lambda links: self.see_other(request, links, f"{kind}/{key}"))
            return await self.in_thread(request, lambda links: self.document(request, links, kind, key, suffix))
        return handle

    async def graph(self, request: Request) -> Response:
        key = request.path_params["key"]
        if not REPORT_KEY.fullmatch(key):
            return await self.in_thread(request, lambda links: self.error(links, 404, f"{links.root}graph/{key}"))
        return await self.in_thread(request, lambda links: self.see_other(request, links, f"report/{key}", ".ttl"))

    async def search(self, request: Request) -> Response:
        def work(links: Links) -> Response:
            context, redirect = search_page(self.select, links, request.query_params.get("q", ""))
            if redirect:
                return RedirectResponse(redirect, status_code=303)
            return self.html("search.html", links, **context)
        return await self.in_thread(request, work)


def _report_graph(links: Links, stored: str, key: str) -> str:
    """The named graph of report ``key``, stored as ``stored`` under one of the store's bases."""
    for base in links.bases:
        scheme = IriScheme(base)
        if scheme.report(key) == stored:
            return scheme.graph(key)
    raise QueryFailed(Answer.text(500, f"{stored} is not a report IRI under the store's bases"))


async def _asset(request: Request) -> Response:
    found = _assets().get(request.path_params["name"])
    if found is None:
        return Response("no such file\n", status_code=404, media_type="text/plain; charset=utf-8", headers=_HEADERS)
    forever = request.query_params.get("v") == found.digest
    return Response(found.body, media_type=found.media_type, headers={
        **_HEADERS, "Content-Security-Policy": "default-src 'none'",
        "Cache-Control": "public, max-age=31536000, immutable" if forever else "no-cache"})
