"""HTML: the visible text, one line per block element."""
from __future__ import annotations

import re

from .errors import Unreadable

__all__ = ["html_text", "looks_like_html"]

# Elements that start a new line; everything else flows inline.
BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul"]
)
CELLS = frozenset(("td", "th"))
HIDDEN = frozenset(["head", "script", "style", "noscript", "template", "iframe", "object", "svg", "canvas"])
_SPACES = re.compile(r"[ \t\r\n\f\v]+")  # HTML whitespace; leaves NBSP and friends alone


def looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:256]


def html_text(data: bytes) -> tuple[str, str | None]:
    """Visible text and the encoding used (declared or detected)."""
    from bs4 import BeautifulSoup, NavigableString, Tag

    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception:  # noqa: BLE001 - lxml and bs4 raise many kinds
        raise Unreadable("cannot parse HTML") from None

    lines: list[str] = []
    line: list[str] = []

    def newline() -> None:
        text = re.sub(r" *\t *", "\t", re.sub(r" {2,}", " ", "".join(line))).strip()
        if text:
            lines.append(text)
        line.clear()

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                # Subclasses are comments, CDATA, doctype, script/style text…
                if type(child) is NavigableString:
                    line.append(_SPACES.sub(" ", str(child)))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in HIDDEN or child.get("hidden") is not None:
                    continue
                if name == "br":
                    newline()
                elif name == "pre":
                    newline()
                    pre = child.get_text().splitlines()
                    lines.extend(row.rstrip() for row in pre if row.strip())
                elif name in BLOCKS:
                    newline()
                    walk(child)
                    newline()
                else:
                    if name in CELLS and line:
                        line.append("\t")  # keep a row's cells apart on its line
                    walk(child)

    try:
        walk(soup)
    except RecursionError:
        raise Unreadable("HTML nested too deeply") from None
    newline()
    return "\n".join(lines), soup.original_encoding
