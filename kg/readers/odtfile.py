"""OpenDocument text (.odt, LibreOffice's own format): headers, body (paragraphs, lists, tables), footers."""
from __future__ import annotations

from .errors import Unreadable
from .limits import Limits
from .zipped import open_zip

__all__ = ["odt_text"]

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
P, H, SPACE, TAB, BREAK = (f"{{{_TEXT}}}{n}" for n in ("p", "h", "s", "tab", "line-break"))
NOTE, TABLE, ROW, CELL = f"{{{_TEXT}}}note", f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row", f"{{{_TABLE}}}table-cell"
HEADERS = [f"{{{_STYLE}}}header", f"{{{_STYLE}}}header-first"]
FOOTERS = [f"{{{_STYLE}}}footer", f"{{{_STYLE}}}footer-first"]


def odt_text(data: bytes, limits: Limits = Limits()) -> str:
    """Paragraphs and headings one per line; a table row's cells joined by tabs."""
    from lxml import etree

    with open_zip(data, limits, "ODT") as archive:
        names = set(archive.namelist())
        if "content.xml" not in names:
            raise Unreadable("a ZIP file but not an OpenDocument text (ODT)")
        # No entities, no network, no huge trees: the XML is as hostile as the rest.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            content = etree.fromstring(archive.read("content.xml"), parser)
            styles = etree.fromstring(archive.read("styles.xml"), parser) if "styles.xml" in names else None
        except Exception:  # noqa: BLE001 - zipfile (CRC) and lxml raise many kinds
            raise Unreadable("truncated or corrupt ODT") from None

    def inline(node) -> str:
        """A paragraph's text: spans flattened, <text:s c="n"/> as n spaces, notes left out."""
        parts = [node.text or ""]
        for child in node:
            if child.tag == SPACE:
                parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1") or 1))
            elif child.tag == TAB:
                parts.append("\t")
            elif child.tag == BREAK:
                parts.append("\n")
            elif child.tag != NOTE:
                parts.append(inline(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def blocks(node) -> list[str]:
        out: list[str] = []
        for child in node:
            if child.tag in (P, H):
                out.append(inline(child))
            elif child.tag == TABLE:
                for row in child.iter(ROW):
                    out.append("\t".join(" ".join(blocks(cell)).strip() for cell in row.iter(CELL)))
            elif isinstance(child.tag, str):
                out.extend(blocks(child))  # lists, sections, frames: their paragraphs in order
        return out

    def parts(tags: list[str]) -> list[str]:
        return [line for tag in tags for part in (styles.iter(tag) if styles is not None else ())
                for line in blocks(part)]

    body = content.find(f"{{{_OFFICE}}}body")
    if body is None:
        raise Unreadable("truncated or corrupt ODT")
    try:
        lines = parts(HEADERS) + blocks(body) + parts(FOOTERS)
    except RecursionError:
        raise Unreadable("ODT nested too deeply") from None
    return "\n".join(lines)
