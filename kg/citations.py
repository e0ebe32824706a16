"""The rows ``kg extract`` prints, for Python users too: each citation and relation of an extraction.

:func:`kg.model.citation_rows` makes the rows (the ``--format jsonl`` ones);
:func:`rows` adds each row's line and keeps one kind, as the table, json and
csv outputs show them.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable

from kg.model import Extraction, citation_rows

__all__ = ["MENTION_COLUMNS", "RELATION_COLUMNS", "rows", "line_of"]

#: Columns of ``kg extract --format json|csv``: one row per mention, or per relation with --relations.
MENTION_COLUMNS = ["file", "line", "page", "start", "end", "surface", "id", "type", "date", "issuer", "jurisdiction",
                   "national", "key", "kind", "title", "name", "year"]
RELATION_COLUMNS = ["file", "line", "relation", "from", "to", "start", "end", "effective"]


def line_of(content: str) -> Callable[[int], int]:
    """A function from a character offset of ``content`` to its line number (1 for the first line)."""
    line_starts = [i + 1 for i, ch in enumerate(content) if ch == "\n"]
    return lambda offset: 1 + bisect.bisect_right(line_starts, offset)


def rows(ex: Extraction, *, relations: bool = False) -> list[dict]:
    """The mention rows of ``ex`` (or with ``relations`` its relation rows), each with its ``line``:
    the rows of ``kg extract --format json`` (columns :data:`MENTION_COLUMNS` or :data:`RELATION_COLUMNS`)."""
    line = line_of(ex.text.content)
    found = [row for row in citation_rows(ex) if ("relation" in row) == relations]
    for row in found:
        row["line"] = line(row["start"])
    return found
