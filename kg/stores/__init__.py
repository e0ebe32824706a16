"""Stores behind one interface (:class:`~kg.stores.base.Store`), opened by location.

:func:`open_store` opens a store from a path (the embedded Oxigraph store) or
a URL: ``http(s)://…`` a SPARQL 1.1 server (:class:`~kg.stores.sparql.SparqlStore`),
``bolt://…`` / ``neo4j://…`` Neo4j. Backends are found through the entry
point group ``legal_kg.stores`` (setup.cfg): each entry is named by the URL
scheme it serves (``file`` for paths) and names a callable
``(location, *, read_only, create) -> Store``. A new backend is one module and
one entry per scheme.
"""
from __future__ import annotations

import re
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .base import ReportGraph, Store, StoreError

__all__ = ["open_store", "backends", "Store", "StoreError", "ReportGraph", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "legal_kg.stores"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def backends() -> dict[str, EntryPoint]:
    """The installed backends by the scheme they serve (``file``: paths)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def scheme_of(location: str) -> str:
    """The scheme of a store location: a URL's (lower case), ``file`` for a path."""
    match = _SCHEME.match(location)
    return match.group(1).lower() if match else "file"


def open_store(location: str | Path, *, read_only: bool = False, create: bool = False) -> Store:
    """The store at ``location``: a path (embedded Oxigraph) or a URL (by its scheme).

    ``read_only`` refuses writes; ``create`` makes an embedded store that does
    not exist yet (otherwise a missing one is an error). Raises
    :class:`StoreError` with a one-line message when there is no backend for
    the scheme or the store cannot be opened.
    """
    location = str(location)
    scheme = scheme_of(location)
    found = backends()
    if scheme not in found:
        known = ", ".join(f"{name}://" if name != "file" else "a path" for name in sorted(found))
        raise StoreError(f"no store backend for {scheme}:// locations ({location}); "
                         f"installed: {known or 'none (reinstall legal-kg)'}")
    opener = found[scheme].load()
    return opener(location, read_only=read_only, create=create)


# --- the built-in backends' openers ---------------------------------------------


def open_embedded(location: str, *, read_only: bool = False, create: bool = False) -> Store:
    """The embedded Oxigraph store in directory ``location`` (a path or ``file://`` URL)."""
    from .oxigraph import OxigraphStore

    if scheme_of(location) == "file" and _SCHEME.match(location):
        location = unquote(urlsplit(location).path)
    path = Path(location)
    if create:
        if read_only:
            raise StoreError(f"cannot create store {path} read-only")
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not (path / "CURRENT").exists():
        raise StoreError(f"no store at {path}: run `kg ingest` first, or give --store")
    return OxigraphStore(path, read_only=read_only)


def open_neo4j(location: str, *, read_only: bool = False, create: bool = False) -> Store:
    """Neo4j at the Bolt URI ``location`` (user and password from NEO4J_USER, NEO4J_PASSWORD)."""
    from .neo4j import Neo4jStore

    return Neo4jStore(location)
