"""Read any common document file into Unicode NFC text with a page map.

``read(path)`` picks a reader by the file's suffix, unless the content's
signature says otherwise (a ``.pdf`` that is really a DOCX, a ``.doc`` that is
really HTML). ``read_url`` reads an fsspec URL the same way. Every failure is a :class:`ReadError` with a one-line reason;
unknown formats raise :class:`UnsupportedFormat`, which callers skip.
"""
from __future__ import annotations

import dataclasses
import io
import os
import stat
from pathlib import Path

from kg.model import Text

from .errors import ReadError, Unreadable, UnsupportedFormat
from .limits import Limits

__all__ = [
    "read",
    "read_bytes",
    "read_url",
    "path_text",
    "Limits",
    "ReadError",
    "UnsupportedFormat",
    "SUPPORTED_SUFFIXES",
    "DEFAULT_MAX_BYTES",
]

DEFAULT_MAX_BYTES = Limits.max_bytes
MAX_IMAGE_PIXELS = 100_000_000  # a 300 dpi A0 scan is ~140 MP; phone photos are ~12-50 MP

_KINDS = {
    ".txt": "text",
    ".docx": "docx",
    ".odt": "odt",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
}
SUPPORTED_SUFFIXES = frozenset(_KINDS)

_MEDIA_TYPES = {
    "text": "text/plain",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
    "html": "text/html",
}
_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff", "BMP": "image/bmp"}

_SNIFF_BYTES = 8192


def path_text(path: str | os.PathLike) -> str:
    """A file name as text to show and record: bytes that are not UTF-8 appear as ``\\xNN``.

    (Python keeps such bytes in ``str`` paths as lone surrogates, which no
    output, JSON or RDF literal can hold.)
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


_SPECIAL = (  # what a path is when it is not a regular file or a directory
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _check_regular(mode: int, source: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise ReadError(source, "is a directory")
    what = next((name for test, name in _SPECIAL if test(mode)), "not a regular file")
    raise UnsupportedFormat(source, f"{what}, not a file")


def read(path: str | os.PathLike, *, max_bytes: int | None = None, limits: Limits = Limits()) -> Text:
    """Read a file into a :class:`~kg.model.Text`, within ``limits`` (``max_bytes`` overrides its size limit).

    Named pipes, sockets and devices are refused (:class:`UnsupportedFormat`)
    without waiting on them.
    """
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_bytes=max_bytes)
    max_bytes = limits.max_bytes
    source = path_text(path)
    if not os.fspath(path):
        raise ReadError(source, "empty file name")
    p = Path(os.fspath(path))
    try:
        _check_regular(p.stat().st_mode, source)  # before opening: a FIFO would block open()
        # O_NONBLOCK: should it have become a FIFO since, open() still returns at once.
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ReadError(source, "broken symlink" if p.is_symlink() else "no such file") from None
    except PermissionError:
        raise ReadError(source, "permission denied") from None
    except OSError as exc:
        raise ReadError(source, _os_reason(exc)) from None
    try:
        with open(fd, "rb", closefd=True) as f:
            st = os.fstat(fd)
            _check_regular(st.st_mode, source)
            head = f.read(_SNIFF_BYTES)
            kind = _kind(head, p.suffix, source)  # unknown types are refused unread
            if st.st_size > max_bytes:
                raise ReadError(source, _too_large(st.st_size, max_bytes))
            # Read one byte past the limit: the file may have grown since stat().
            data = head + f.read(max_bytes + 1 - len(head))
    except PermissionError:
        raise ReadError(source, "permission denied") from None
    except OSError as exc:
        raise ReadError(source, _os_reason(exc)) from None
    if len(data) > max_bytes:
        raise ReadError(source, _too_large(len(data), max_bytes))
    return _read(data, source, kind, limits)


def read_bytes(
    data: bytes, source: str, suffix: str = ".txt", *, max_bytes: int | None = None, limits: Limits = Limits()
) -> Text:
    """Read a document held in memory (e.g. from stdin); ``suffix`` names its format."""
    if max_bytes is not None:
        limits = dataclasses.replace(limits, max_bytes=max_bytes)
    if len(data) > limits.max_bytes:
        raise ReadError(source, _too_large(len(data), limits.max_bytes))
    return _read(data, source, _kind(data[:_SNIFF_BYTES], suffix, source), limits)


def read_url(url: str, *, limits: Limits = Limits()) -> Text:
    """Read a file at an fsspec URL (``s3://…``, ``gs://…``, ``http(s)://…``), within ``limits``.

    The bytes come straight to this process (a worker): never more than
    ``limits.max_bytes`` + 1 of them.
    """
    try:
        import fsspec
    except ImportError:
        raise ReadError(url, "reading URLs needs fsspec: pip install 'legal-kg[dask]'") from None
    suffix = Path(url.split("?", 1)[0].rsplit("/", 1)[-1]).suffix
    try:
        with fsspec.open(url, "rb") as f:
            data = f.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise ReadError(url, "no such file") from None
    except PermissionError:
        raise ReadError(url, "permission denied") from None
    except Exception as exc:  # noqa: BLE001 - each filesystem raises its own kinds
        raise ReadError(url, f"cannot fetch: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    return read_bytes(data, url, suffix, limits=limits)


def _read(data: bytes, source: str, kind: str, limits: Limits) -> Text:
    if not data:
        raise ReadError(source, "empty file")
    try:
        if kind == "text":
            from .textfile import decode_text

            content, encoding = decode_text(data)
            return Text(content, source, _MEDIA_TYPES[kind], encoding)
        if kind == "html":
            from .htmlfile import html_text

            content, encoding = html_text(data)
            return Text(_unicode(content), source, _MEDIA_TYPES[kind], encoding)
        if kind == "docx":
            from .docxfile import docx_text

            return Text(_unicode(docx_text(data, limits)), source, _MEDIA_TYPES[kind], None)
        if kind == "odt":
            from .odtfile import odt_text

            return Text(_unicode(odt_text(data, limits)), source, _MEDIA_TYPES[kind], None)
        if kind == "pdf":
            from .pdffile import pdf_pages

            content, pages = _join_pages([_unicode(p) for p in pdf_pages(data, limits)])
            return Text(content, source, _MEDIA_TYPES[kind], None, pages)
        if kind == "image":
            media_type, page_texts = _read_image(data, limits)
            content, pages = _join_pages(page_texts)
            return Text(content, source, media_type, None, pages)
    except Unreadable as exc:
        raise ReadError(source, str(exc)) from None
    raise AssertionError(kind)  # _kind returns only the kinds above


def _unicode(text: str) -> str:
    """NFC text, with lines set in legacy TCVN3/VNI fonts converted to Unicode."""
    from .textfile import normalise
    from .vnencodings import repair_font_text

    return repair_font_text(normalise(text))


def _join_pages(page_texts: list[str]) -> tuple[str, tuple[int, ...]]:
    """One text with a newline between pages, and the offset where each page starts."""
    from .textfile import normalise

    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for text in page_texts:
        text = normalise(text).strip()
        starts.append(offset)
        parts.append(text)
        offset += len(text) + 1
    return "\n".join(parts), tuple(starts) or (0,)


def _read_image(data: bytes, limits: Limits) -> tuple[str, list[str]]:
    """Media type and OCR text of each page (frame) of an image file."""
    from .limits import OcrBudget
    from .ocr import OcrTimedOut, OcrUnavailable, check_tesseract, ocr_image

    try:
        check_tesseract()  # before decoding: the likeliest failure, and a cheap one
    except OcrUnavailable as exc:
        raise Unreadable(str(exc)) from None
    from PIL import Image
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise Unreadable(f"image too large ({width}x{height} pixels)")
            frames = getattr(image, "n_frames", 1)  # a TIFF's chain of directories
            image.load()  # decodes the first frame: finds truncated files
            fmt = image.format or "x-unknown"
            media_type = _IMAGE_TYPES.get(fmt, f"image/{fmt.lower()}")
            dpi = image.info.get("dpi")
    except Unreadable:
        raise
    except Image.DecompressionBombError:
        raise Unreadable("image too large") from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on bad files
        raise Unreadable(f"truncated or corrupt image ({type(exc).__name__})") from None
    limits.check_pages(frames, "image")
    # Tesseract guesses the resolution from glyph sizes when the file has none.
    resolution = round(float(dpi[0])) if dpi and float(dpi[0]) >= 70 else None
    budget = OcrBudget(limits.ocr_timeout)
    try:
        return media_type, ocr_image(data, dpi=resolution, timeout=budget.left())
    except OcrTimedOut:
        raise budget.spent() from None
    except OcrUnavailable as exc:
        raise Unreadable(str(exc)) from None


def _kind(head: bytes, suffix: str, source: str) -> str:
    """The reader for a file: its content signature first, then its suffix."""
    suffix = suffix.lower()
    sniffed = _sniff(head)
    if sniffed == "ole":
        if suffix == ".docx":
            return "docx"  # docx_text explains: password-protected or really a .doc
        if suffix in (".doc", ".dot", ".wps", ""):
            raise UnsupportedFormat(source, "old binary Word file (.doc): convert it to .docx first, e.g. "
                                            "soffice --headless --convert-to docx --outdir DIR FILE…")
        raise UnsupportedFormat(source, f"old binary Office file ({suffix}): not a text document legal-kg reads")
    if sniffed == "rtf":
        raise UnsupportedFormat(source, "RTF document: save it as .docx")
    if sniffed == "zip":
        if suffix in (".docx", ".odt"):
            return _KINDS[suffix]  # its reader says what is wrong with it
        raise UnsupportedFormat(source, f"ZIP archive or non-Word Office file ({suffix or 'no suffix'})")
    if sniffed:
        return sniffed
    if suffix in _KINDS and _KINDS[suffix] in ("text", "html"):
        return _KINDS[suffix]
    from .htmlfile import looks_like_html

    if head and looks_like_html(head):
        return "html"  # a web page saved as .doc or named after a .pdf link
    if suffix in _KINDS:
        return _KINDS[suffix]  # its reader will say why the content does not fit
    raise UnsupportedFormat(source, f"unsupported file type ({suffix or 'no suffix'})")


def _sniff(head: bytes) -> str | None:
    """Format named by a file's leading signature bytes, if it has one."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        # The first entries of a Word file are its manifest and word/ parts;
        # an OpenDocument file starts with its stored "mimetype" entry.
        if b"word/" in head:
            return "docx"
        return "odt" if head[30:100].startswith(b"mimetypeapplication/vnd.oasis.opendocument.text") else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    return None


def _too_large(size: int, limit: int) -> str:
    return f"file too large ({size / 1e6:.1f} MB > {limit / 1e6:.1f} MB limit)"


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
