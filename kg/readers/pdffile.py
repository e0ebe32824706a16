"""PDF: the text layer page by page, OCR for pages that have none."""
from __future__ import annotations

import io

from .errors import Unreadable
from .limits import Limits, OcrBudget
from .ocr import OcrTimedOut, OcrUnavailable, check_tesseract, ocr_pil

__all__ = ["pdf_pages", "MIN_PAGE_CHARS", "OCR_DPI"]

MIN_PAGE_CHARS = 16  # fewer non-space characters than this: a scan, not a text page
OCR_DPI = 300
MAX_RENDER_PIXELS = 60_000_000  # bounds memory for huge page sizes (A0 at 300 dpi is ~140 MP)
INK = 128  # a rendered page with no pixel darker than this has nothing to read


def pdf_pages(data: bytes, limits: Limits = Limits()) -> list[str]:
    """Text of each page. Raises :class:`Unreadable` with a one-line reason."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    # pypdf quietly rebuilds a file cut short, reading whatever pages survive;
    # a PDF without its closing %%EOF is truncated and should be reported.
    if b"%%EOF" not in data[-65536:].rstrip(b"\x00 \t\r\n")[-2048:]:
        raise Unreadable("truncated or corrupt PDF")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # An owner password alone (print/copy restrictions) opens with "".
            if not reader.decrypt(""):
                raise Unreadable("password-protected PDF")
        # The page tree's declared count first (cheap), then the pages it really holds.
        try:
            declared = reader.trailer["/Root"]["/Pages"]["/Count"]
        except Exception:  # noqa: BLE001 - no count: the pages themselves decide below
            declared = None
        if isinstance(declared, int):
            limits.check_pages(declared, "PDF")
        limits.check_pages(len(reader.pages), "PDF")
        texts: list[str] = []
        for page in reader.pages:
            try:
                texts.append(page.extract_text() or "")
            except Exception:  # noqa: BLE001 - any failure in one content stream
                texts.append("")  # an unreadable text layer: let OCR try the page
    except Unreadable:
        raise
    except DependencyError:
        raise Unreadable("encrypted PDF needs the 'cryptography' package") from None
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on broken files
        raise Unreadable("truncated or corrupt PDF") from None

    scanned = [i for i, t in enumerate(texts) if len("".join(t.split())) < MIN_PAGE_CHARS]
    if scanned:
        try:
            for i, text in _ocr_pages(data, scanned, len(texts), OcrBudget(limits.ocr_timeout)):
                texts[i] = text
        except OcrUnavailable as exc:
            # Blank pages in a text PDF are fine; a PDF with no text at all is not.
            if len(scanned) == len(texts):
                raise Unreadable(f"scanned PDF: {exc}") from None
    return texts


def _ocr_pages(data: bytes, indices: list[int], pages: int, budget: OcrBudget):
    """Render the given pages with PDFium and OCR those with ink on them, one at a time."""
    check_tesseract()  # OcrUnavailable, with what to install, before anything is rendered
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise OcrUnavailable(f"cannot render PDF pages ({exc})") from None
    try:
        for i in indices:
            left = budget.left(i + 1, pages)  # rendering counts too
            try:
                page = doc[i]
                width, height = page.get_size()  # points: 1/72 inch
                scale = OCR_DPI / 72
                pixels = width * height * scale * scale
                if pixels > MAX_RENDER_PIXELS:
                    scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
                image = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
            except pdfium.PdfiumError as exc:
                raise OcrUnavailable(f"cannot render PDF page {i + 1} ({exc})") from None
            if image.getextrema()[0] >= INK:
                yield i, ""  # a blank page: nothing for tesseract to find
                continue
            try:
                yield i, ocr_pil(image, dpi=round(scale * 72), timeout=left)
            except OcrTimedOut:
                raise budget.spent(i + 1, pages) from None
    finally:
        doc.close()
