"""Word .docx: headers, body (paragraphs and tables, in order), footers."""
from __future__ import annotations

import io

from .errors import Unreadable
from .limits import Limits
from .zipped import open_zip

__all__ = ["docx_text"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_text(data: bytes, limits: Limits = Limits()) -> str:
    """Paragraphs one per line; a table row's cells joined by tabs."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    if data.startswith(OLE_MAGIC):
        # Word stores a password-protected .docx inside an OLE container, the
        # same container as the old binary .doc format.
        raise Unreadable("password-protected DOCX or old binary .doc (not DOCX)")
    with open_zip(data, limits, "DOCX") as archive:
        names = archive.namelist()
    if not any(name.startswith("word/") for name in names):
        raise Unreadable("a ZIP file but not a Word document (DOCX)")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx, zipfile and lxml raise many kinds
        raise Unreadable("truncated or corrupt DOCX") from None

    P, TBL, SDT, CONTENT, TR, TC = (
        qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent"), qn("w:tr"), qn("w:tc"),
    )

    def blocks(container) -> list[str]:
        """Text blocks of a body, header, footer or cell, in document order."""
        out: list[str] = []
        for child in container.iterchildren():
            if child.tag == P:
                out.append(Paragraph(child, document).text)  # only its text is read: any parent will do
            elif child.tag == TBL:
                for row in child.iterchildren(TR):
                    # Walk w:tc elements, not python-docx's grid: merged cells
                    # would otherwise repeat their text once per grid column.
                    cells = [" ".join(blocks(tc)).strip() for tc in row.iterchildren(TC)]
                    out.append("\t".join(cells))
            elif child.tag == SDT:  # content control: its content is ordinary body
                for content in child.iterchildren(CONTENT):
                    out.extend(blocks(content))
        return out

    try:
        headers: list[str] = []
        footers: list[str] = []
        seen: set[str] = set()
        for section in document.sections:
            for target, parts in (
                (headers, (section.first_page_header, section.header, section.even_page_header)),
                (footers, (section.first_page_footer, section.footer, section.even_page_footer)),
            ):
                for part in parts:
                    if part.is_linked_to_previous:  # no header of its own
                        continue
                    name = str(part.part.partname)  # e.g. /word/header1.xml
                    if name not in seen:
                        seen.add(name)
                        target.extend(blocks(part.part.element))
        body = blocks(document.element.body)
    except Exception:  # noqa: BLE001 - malformed XML inside a valid zip
        raise Unreadable("truncated or corrupt DOCX") from None
    return "\n".join(headers + body + footers)
