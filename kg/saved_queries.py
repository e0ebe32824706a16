"""The saved queries in ``queries/``: list them, find one by name, suggest near names.

Each question is kept as ``NAME.rq`` (SPARQL) and ``NAME.cypher`` (Cypher), and
starts with a comment whose first paragraph reads ``NAME: what it answers``.
``kg sparql`` and ``kg cypher`` take a query as its text, a file, or a saved
name; :func:`query_text` tells which.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from kg.resources import data_dir


QUERIES = data_dir("queries")
LANGUAGES = {".rq": "#", ".cypher": "//"}  # suffix → line comment

# What a saved name looks like (a word with dashes), and a file name (a path
# of such words, or anything ending like a query file).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_PATH = re.compile(r"[\w.~/-]*/[\w.~/-]*|\S+\.(?:rq|sparql|cypher|cql)")


class QueryNotFound(LookupError):
    """A saved query name or a query file that does not exist; the message says which, for a user."""


@dataclass(frozen=True)
class SavedQuery:
    name: str
    path: Path
    summary: str

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _summary(path: Path, comment: str) -> str:
    """The first sentence of the leading comment, without its ``NAME:`` prefix."""
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith(comment) or not line[len(comment):].strip():
            break
        words.append(line[len(comment):].strip())
    text = re.split(r"(?<=\.)\s", " ".join(words), maxsplit=1)[0]
    prefix = f"{path.stem}:"
    return text[len(prefix):].strip() if text.startswith(prefix) else text


def saved_queries(suffix: str, directory: Path = QUERIES) -> list[SavedQuery]:
    """Every saved query in one language (``.rq`` or ``.cypher``), by name."""
    comment = LANGUAGES[suffix]
    return [SavedQuery(p.stem, p, _summary(p, comment)) for p in sorted(directory.glob(f"*{suffix}"))]


def find(name: str, suffix: str, directory: Path = QUERIES) -> SavedQuery:
    """The saved query ``name``; :class:`QueryNotFound` says the near names and lists them all."""
    queries = {q.name: q for q in saved_queries(suffix, directory)}
    if name in queries:
        return queries[name]
    near = difflib.get_close_matches(name, queries, n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}?" if near else ""
    shown = name if len(name) <= 80 else name[:80] + "…"
    raise QueryNotFound(f"no saved query {shown!r}{hint} (saved queries: {', '.join(queries) or 'none'})")


def query_text(query: str, suffix: str, directory: Path = QUERIES) -> str:
    """The text of ``query``: an existing file, a saved query name, or else the query itself.

    A word with dashes that names no saved query raises :class:`QueryNotFound`,
    as does a path to a file that does not exist (words and ``/``, or a name
    ending in a query suffix), so a typo is never sent to the server as a query.
    """
    try:
        if Path(query).is_file():
            return Path(query).read_text(encoding="utf-8")
    except (OSError, ValueError):  # too long for a file name, or a NUL: a query
        pass
    if _NAME.fullmatch(query):
        return find(query, suffix, directory).text
    if _PATH.fullmatch(query):
        raise QueryNotFound(f"no such query file: {query[:200]}")
    return query


# --- parameters (-p NAME=VALUE) ------------------------------------------------------------


def parameter_pairs(items) -> list[tuple[str, str]]:
    """``NAME=VALUE`` strings → (name, value) pairs; a value that is a legal symbol is made canonical
    as documents are (:func:`extractors.canonical_symbol`: ``60/2021/nd-cp`` → ``60/2021/NĐ-CP``).
    ValueError names the item that is not ``NAME=VALUE``."""
    from extractors import canonical_symbol

    pairs = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"expected name=value, got {item!r}")
        pairs.append((name, canonical_symbol(value) or value))
    return pairs


def sparql_parameters(pairs) -> dict:
    """(name, value) pairs → SPARQL substitutions: ``<…>`` an IRI, digits an integer, else a string."""
    import pyoxigraph as ox

    out = {}
    for name, value in pairs:
        if value.startswith("<") and value.endswith(">"):
            term = ox.NamedNode(value[1:-1])
        elif value.lstrip("-").isdigit():
            term = ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        else:
            term = ox.Literal(value)
        out[ox.Variable(name.lstrip("?$"))] = term
    return out


def cypher_parameters(pairs) -> dict:
    """(name, value) pairs → Cypher parameters: digits an integer, else a string."""
    return {name.lstrip("$"): int(value) if value.lstrip("-").isdigit() else value for name, value in pairs}
