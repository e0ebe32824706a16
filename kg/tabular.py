"""Rows of typed values as a table, JSON or CSV: the one output shape of every command that prints rows.

``kg stats``, ``kg extract``, ``kg reports``, ``kg sparql`` and ``kg cypher``
print through :func:`write`, so ``--format json`` means the same everywhere:
an array of objects, one per row, keyed by column, with typed values —
numbers as JSON numbers, booleans as booleans, dates as ISO strings, IRIs and
other text as strings, a missing value as null (as sqlite-utils and datasette
give rows). ``csv`` and ``table`` show the same values as text.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence, TextIO

__all__ = ["FORMATS", "json_value", "cell_text", "table", "to_json", "to_csv", "write"]

#: The formats :func:`write` knows.
FORMATS = ("table", "json", "csv")


def json_value(value: Any) -> Any:
    """``value`` as JSON can hold it: numbers stay numbers, dates become ISO strings, the rest strings."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        # JSON has no INF or NaN: keep XSD's spelling rather than write invalid JSON.
        return value if math.isfinite(value) else {math.inf: "INF", -math.inf: "-INF"}.get(value, "NaN")
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def cell_text(value: Any) -> str:
    """``value`` as one cell of a table or CSV: empty for a missing value, ``true``/``false``, ISO dates."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def table(rows: Iterable[Mapping], columns: Sequence[str], *, upper: bool = True,
          cell: Callable[[Any], str] = cell_text, max_width: int | None = None) -> str:
    """A plain aligned table (headings in capitals unless not ``upper``), readable in any terminal and in logs.

    A cell longer than ``max_width`` characters is cut, ending in "…".
    """
    cells = [[_cut(cell(r.get(c)), max_width) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join((c.upper() if upper else c).ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[:width - 1] + "…"


def to_json(rows: Iterable[Mapping], columns: Sequence[str], *, value: Callable[[Any], Any] = json_value) -> str:
    """A JSON array of objects, one row to a line (valid JSON that also reads well and greps)."""
    lines = [json.dumps({c: value(r.get(c)) for c in columns}, ensure_ascii=False) for r in rows]
    return "[" + ",\n ".join(lines) + "]"


def to_csv(rows: Iterable[Mapping], columns: Sequence[str], *, cell: Callable[[Any], str] = cell_text) -> str:
    """CSV with a header row (RFC 4180 quoting, ``\\n`` line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(r.get(c)) for c in columns] for r in rows)
    return out.getvalue()


def write(rows: Iterable[Mapping], columns: Sequence[str], fmt: str, out: TextIO | None = None, *,
          upper: bool = True, max_width: int | None = None, cell: Callable[[Any], str] = cell_text,
          value: Callable[[Any], Any] = json_value) -> None:
    """Write ``rows`` (mappings; a missing key is a missing value) in ``fmt``, one of :data:`FORMATS`.

    A table with no rows prints nothing (the caller says "0 rows"); JSON
    prints ``[]`` and CSV its header, so a program reading them needs no
    special case. ``upper`` and ``max_width`` shape the table (:func:`table`);
    ``cell`` writes a value in a table or CSV, ``value`` makes it JSON's (a
    command with values of its own, such as Cypher's nodes, gives both).
    """
    out = out or sys.stdout
    rows = list(rows)
    if fmt == "json":
        out.write(to_json(rows, columns, value=value) + "\n")
    elif fmt == "csv":
        out.write(to_csv(rows, columns, cell=cell))
    elif fmt == "table":
        if rows:
            out.write(table(rows, columns, upper=upper, max_width=max_width, cell=cell) + "\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
