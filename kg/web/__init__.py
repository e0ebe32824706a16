"""The SPARQL page at ``/``: YASGUI on this endpoint, with its prefixes and the saved queries.

:func:`routes` gives the server two routes: ``/`` (the page) and ``/static/NAME``
(its scripts and styles). YASGUI itself is not in the repository: ``scripts/setup.sh``
installs the version pinned in ``web/package-lock.json`` with npm and copies its
bundle into ``kg/web/static/vendor/`` (package data), so the page needs no network.
Design notes: docs/sparql-page.md.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from kg.resources import data_dir
from kg.iris import PREFIXES

__all__ = ["routes", "saved_queries", "default_query", "CONTENT_SECURITY_POLICY", "QUERIES"]

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
QUERIES = data_dir("queries")  # the saved queries, as `kg sparql NAME` finds them

# The two fixed <style> texts that YASR's table (its column resizer) inserts:
# its layout rules, and the cursor while a column is dragged. Allowed by hash,
# exactly these; a YASGUI upgrade that changes them shows up as a CSP
# violation in tests/test_web_page.py.
_VENDOR_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
# Everything from this origin, nothing inline (but the styles above), nothing
# from elsewhere. The configuration travels in a JSON data block, not a script.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' " + " ".join(_VENDOR_STYLE_HASHES),
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
_PAGE_HEADERS = {**_SECURITY_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                 "Cache-Control": "no-cache"}
_FOREVER = "public, max-age=31536000, immutable"
_MEDIA = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# What the page loads, in order: (template name, file under static/).
_PAGE_ASSETS = {
    "yasgui_css": "vendor/yasgui.min.css",
    "page_css": "page.css",
    "icon": "favicon.svg",
    "yasgui_js": "vendor/yasgui.min.js",
    "page_js": "page.js",
}


@dataclass(frozen=True)
class Asset:
    """A static file, read once, with its gzip form and a digest for cache-busting URLs."""

    body: bytes
    gzipped: bytes
    media_type: str
    digest: str

    @classmethod
    def read(cls, path: Path) -> Asset:
        body = path.read_bytes()
        return cls(body, gzip.compress(body, 6, mtime=0), _MEDIA[path.suffix],
                   hashlib.sha256(body).hexdigest()[:16])


def load_assets(static: Path = STATIC) -> dict[str, Asset]:
    """Every servable file under ``static`` by its relative path (the allow-list of ``/static/``)."""
    return {
        path.relative_to(static).as_posix(): Asset.read(path)
        for path in sorted(static.rglob("*"))
        if path.is_file() and path.suffix in _MEDIA
    }


def saved_queries(directory: Path = QUERIES) -> list[dict[str, str]]:
    """The saved SPARQL queries (``NAME.rq``) as ``{"name", "query"}``, by name."""
    return [{"name": path.stem, "query": path.read_text(encoding="utf-8")}
            for path in sorted(directory.glob("*.rq"))]


def default_query(prefixes: dict[str, str] = PREFIXES) -> str:
    """A new tab's query: the endpoint's prefixes, then a cheap look at the stored reports."""
    declarations = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in sorted(prefixes.items()))
    return declarations + (HERE / "default.rq").read_text(encoding="utf-8")


def _json_block(data) -> str:
    """JSON that cannot end its ``<script type="application/json">`` element early."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _accepts_gzip(request: Request) -> bool:
    for item in request.headers.get("accept-encoding", "").split(","):
        coding, *params = [part.strip().lower() for part in item.split(";")]
        if coding in ("gzip", "*"):
            weights = [value for name, _, value in (p.partition("=") for p in params) if name.strip() == "q"]
            try:
                return float(weights[0]) > 0 if weights else True
            except ValueError:
                return False
    return False


def routes(endpoint: str = "sparql", static: Path = STATIC, queries: Path = QUERIES) -> list[Route]:
    """The page (``/``) and its assets (``/static/…``) for an endpoint at ``endpoint``
    (a URL relative to the page). Files are read once, here."""
    assets = load_assets(static)
    missing = sorted(name for name in _PAGE_ASSETS.values() if name not in assets)
    config = {
        "endpoint": endpoint,
        "prefixes": PREFIXES,
        "defaultQuery": default_query(),
        "savedQueries": saved_queries(queries),
    }
    links = {key: f"static/{name}?v={assets[name].digest}"
             for key, name in _PAGE_ASSETS.items() if name in assets}
    template = Template((HERE / "page.html").read_text(encoding="utf-8"))
    html = None if missing else template.substitute(links, config=_json_block(config))

    async def page(request: Request) -> Response:
        if html is None:
            return PlainTextResponse(
                f"the SPARQL page is not built (missing {', '.join(missing)} in {static}): "
                "run `bash scripts/setup.sh`, which needs npm; the endpoint itself works at /sparql\n",
                status_code=503, headers=_SECURITY_HEADERS)
        return HTMLResponse(html, headers=_PAGE_HEADERS)

    async def asset(request: Request) -> Response:
        found = assets.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse(f"no such file: {request.url.path}\n", status_code=404,
                                     headers=_SECURITY_HEADERS)
        etag = f'"{found.digest}"'
        headers = {
            **_SECURITY_HEADERS,
            "Content-Security-Policy": "default-src 'none'",  # should one be opened as a page
            "ETag": etag,
            "Vary": "Accept-Encoding",
            # Immutable only under the URL the page links to; any other asks again.
            "Cache-Control": _FOREVER if request.query_params.get("v") == found.digest else "no-cache",
        }
        if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        body = found.body
        if _accepts_gzip(request):
            body, headers["Content-Encoding"] = found.gzipped, "gzip"
        return Response(body, media_type=found.media_type, headers=headers)

    return [Route("/", page), Route("/static/{name:path}", asset)]
