"""Build the reader test corpus: one report written out in every format legal-kg reads.

Nothing binary is committed: the tests call :func:`build_corpus` into a
temporary directory. Run as a script to look at the files:
``python tests/make_corpus.py /tmp/corpus``.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from kg.readers.vnencodings import decode, encode  # noqa: E402

EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"  # Debian fonts-dejavu-core: has every Vietnamese glyph

# A short report with full diacritics. Layout rules used by the builders:
# the first line goes in the DOCX header; lines with tabs are table rows.
CLEAN = """\
Kèm theo Kế hoạch số 133/SKHCN-VP ngày 21/02/2023 của Sở Khoa học và Công nghệ
BÁO CÁO
Kết quả thực hiện công tác cải cách hành chính năm 2023
Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ quy định cơ chế tự chủ tài chính của đơn vị sự nghiệp công lập;
Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ ban hành Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030;
Căn cứ Thông tư số 33/2018/TT-BCT ngày 16/10/2018 của Bộ Công Thương quy định chế độ báo cáo định kỳ;
Thực hiện Quyết định số 4288/QĐ-UBND ngày 29/12/2022 của UBND tỉnh Nghệ An về kế hoạch cải cách hành chính năm 2023, Sở Khoa học và Công nghệ báo cáo kết quả như sau:
I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH
1. Sở đã ban hành Kế hoạch số 59/SKHCN-VP ngày 31/01/2023 về cải cách hành chính năm 2023 và Kế hoạch số 80/SKHCN-VP ngày 08/02/2023 về tuyên truyền cải cách hành chính.
2. Triển khai Nghị định số 107/2021/NĐ-CP ngày 06/12/2021 sửa đổi, bổ sung một số điều của Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 về thực hiện cơ chế một cửa, một cửa liên thông.
STT\tVăn bản\tNội dung
1\tThông tư số 01/2023/TT-VPCP ngày 05/4/2023\tHướng dẫn số hóa hồ sơ, kết quả giải quyết thủ tục hành chính
2\tQuyết định số 468/QĐ-TTg ngày 27/3/2021\tĐề án đổi mới việc thực hiện cơ chế một cửa
II. KẾT QUẢ THỰC HIỆN
Tỷ lệ hồ sơ giải quyết đúng hạn đạt 100%; không có phản ánh, kiến nghị của tổ chức, cá nhân về quy định hành chính.
Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính năm 2023 của Sở Khoa học và Công nghệ.
"""

SYMBOL = re.compile(r"\b\d+/(?:\d{4}/)?[A-ZĐ]+(?:-[A-ZĐ][A-Za-zĐ]*)+")

TEXT_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1258", "tcvn3", "vni")


@dataclass(frozen=True)
class Sample:
    """A corpus file and the text the reader should return for it."""

    path: Path
    expected: str


def clean_text() -> str:
    return CLEAN


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def symbols(text: str) -> list[str]:
    """The instrument symbols cited in a text (``60/2021/NĐ-CP``…)."""
    return SYMBOL.findall(text)


def squash(text: str) -> str:
    """Whitespace-normalised text, for comparing across formats."""
    return " ".join(text.split())


# --- plain text -------------------------------------------------------------


def write_text(path: Path, text: str, encoding: str) -> str:
    """Write ``text`` in ``encoding``; return what a reader should get back.

    The 8-bit files get Windows line ends; TCVN3 and VNI cannot spell every
    character, so their expected text is the round trip through the table.
    """
    if encoding in ("cp1258", "tcvn3", "vni"):
        data = encode(text.replace("\n", "\r\n"), encoding, errors="replace")
        path.write_bytes(data)
        return decode(data, encoding).replace("\r\n", "\n")
    path.write_bytes(text.encode(encoding))  # "utf-16" writes a BOM
    return text


# --- DOCX -------------------------------------------------------------------


def write_docx(path: Path, text: str) -> str:
    """First line in the page header, tab lines as a table, the rest as paragraphs."""
    import docx

    document = docx.Document()
    lines = text.splitlines()
    section = document.sections[0]
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].text = lines[0]
    rows: list[list[str]] = []

    def flush_table() -> None:
        if rows:
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
            rows.clear()

    for line in lines[1:]:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush_table()
        paragraph = document.add_paragraph()
        # Split runs mid-line, as Word does around formatting changes.
        half = len(line) // 2
        paragraph.add_run(line[:half]).bold = True
        paragraph.add_run(line[half:])
    flush_table()
    document.save(path)
    return text


def write_odt(path: Path, text: str) -> str:
    """An OpenDocument text as LibreOffice lays it out: first line in the page header,
    tab lines as a table, runs of spaces as <text:s/>, the rest as paragraphs."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"')

    def para(line: str) -> str:
        half = len(line) // 2  # split in two spans, as formatting changes do
        body = (f'<text:span text:style-name="T1">{escape(line[:half])}</text:span>{escape(line[half:])}'
                .replace("  ", ' <text:s text:c="1"/>'))
        return f"<text:p>{body}</text:p>"

    lines = text.splitlines()
    body: list[str] = []
    rows: list[str] = []
    for line in lines[1:] + [""]:
        if "\t" in line:
            cells = "".join(f"<table:table-cell>{para(c)}</table:table-cell>" for c in line.split("\t"))
            rows.append(f"<table:table-row>{cells}</table:table-row>")
            continue
        if rows:
            body.append(f'<table:table table:name="T">{"".join(rows)}</table:table>')
            rows.clear()
        if line:
            body.append(para(line))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text>'
               f'{"".join(body)}</office:text></office:body></office:document-content>')
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ns}><office:master-styles>'
              f'<style:master-page style:name="Standard"><style:header>{para(lines[0])}</style:header>'
              f'</style:master-page></office:master-styles></office:document-styles>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("styles.xml", styles)
        z.writestr("META-INF/manifest.xml", manifest)
    return text


# --- PDF with a text layer -----------------------------------------------------


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    return "DejaVuSans"


def write_pdf(path: Path, pages: list[str]) -> list[str]:
    """One PDF page (or more, if it overflows) per element of ``pages``.

    Returns the text of each PDF page as drawn.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    font, size, margin = _register_font(), 11, 56
    width, height = A4
    leading = size * 1.35
    pdf = canvas.Canvas(str(path), pagesize=A4)
    drawn: list[str] = []
    for page_text in pages:
        lines: list[str] = []
        for line in page_text.replace("\t", "   ").splitlines():
            lines.extend(simpleSplit(line, font, size, width - 2 * margin) or [""])
        per_page = int((height - 2 * margin) / leading)
        for start in range(0, max(1, len(lines)), per_page):
            chunk = lines[start : start + per_page]
            y = height - margin
            pdf.setFont(font, size)
            for line in chunk:
                pdf.drawString(margin, y, line)
                y -= leading
            pdf.showPage()
            drawn.append("\n".join(chunk))
    pdf.save()
    return drawn


# --- scans ------------------------------------------------------------------------

A4_300DPI = (2480, 3508)


def render_page(text: str, size: tuple[int, int] = A4_300DPI, font_px: int = 46):
    """Draw text on a white page as a 300 dpi scanner would see it (PIL, grayscale)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), font_px)
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    margin, leading = 200, int(font_px * 1.5)
    y = margin
    for paragraph in text.replace("\t", "   ").splitlines():
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if draw.textlength(trial, font=font) > size[0] - 2 * margin and line:
                draw.text((margin, y), line, font=font, fill=0)
                y += leading
                line = word
            else:
                line = trial
        draw.text((margin, y), line, font=font, fill=0)
        y += leading
    if y > size[1] - margin:
        raise ValueError("text does not fit on one page")
    return image


def write_png(path: Path, text: str) -> str:
    render_page(text).save(path, dpi=(300, 300))
    return text


def write_scanned_pdf(path: Path, pages: list[str]) -> list[str]:
    """An image-only PDF: each page a rendered picture, no text layer.

    Pages are turned a little, as a scanner's feeder does.
    """
    from PIL import Image

    images = [render_page(p).rotate(0.4, Image.BICUBIC, fillcolor=255) for p in pages]
    images[0].save(path, "PDF", resolution=300.0, save_all=True, append_images=images[1:])
    return pages


# --- HTML -----------------------------------------------------------------------------


def write_html(path: Path, text: str) -> str:
    """A web page: head, script and style to be dropped; tab lines as a table."""
    from html import escape

    lines = text.splitlines()
    body: list[str] = [f"<header><div class='org'>{escape(lines[0])}</div></header>", "<main>"]
    in_table = False
    for i, line in enumerate(lines[1:]):
        if "\t" in line:
            if not in_table:
                body.append("<table>")
                in_table = True
            cells = "".join(f"<td>{escape(c)}</td>\n" for c in line.split("\t"))
            body.append(f"<tr>{cells}</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        words = escape(line).split(" ")
        # Inline markup and source line breaks must not split the paragraph.
        words[0] = f"<b>{words[0]}</b>"
        markup = " ".join(words[:4]) + "\n    " + " ".join(words[4:])
        tag = "h2" if i == 0 else "p"
        body.append(f"<{tag}>{markup}</{tag}>")
    if in_table:
        body.append("</table>")
    body.append("</main>")
    page = (
        "<!DOCTYPE html>\n<html lang='vi'><head><meta charset='utf-8'>"
        "<title>Báo cáo CCHC</title><style>p { margin: 0 }</style>"
        "<script>var hidden = 'Nghị định số 99/2099/NĐ-CP';</script></head>\n<body>\n"
        + "\n".join(body)
        + "\n<!-- Quyết định số 1/QĐ-XX trong chú thích -->\n</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return text


# --- bad input ----------------------------------------------------------------------


def encrypt_pdf(src: Path, dst: Path, user_password: str = "secret") -> None:
    """A copy of ``src`` that needs ``user_password`` to open (AES-256, pypdf)."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=src)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    with open(dst, "wb") as f:
        writer.write(f)


def write_bad_inputs(directory: Path) -> dict[str, str]:
    """Files no reader can read, each with the words its error reason must contain.

    Keys are file names in ``directory``: an empty file, random bytes named
    ``.txt``, a PDF cut in half, a password-protected PDF, a DOCX cut in half.
    """
    import random
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    text = clean_text()
    with tempfile.TemporaryDirectory() as scratch:
        pdf, docx_path = Path(scratch) / "r.pdf", Path(scratch) / "r.docx"
        write_pdf(pdf, [text])
        write_docx(docx_path, text)
        (directory / "empty.txt").write_bytes(b"")
        (directory / "junk.txt").write_bytes(random.Random(0).randbytes(4096))
        data = pdf.read_bytes()
        (directory / "truncated.pdf").write_bytes(data[: len(data) // 2])
        encrypt_pdf(pdf, directory / "locked.pdf")
        data = docx_path.read_bytes()
        (directory / "truncated.docx").write_bytes(data[: len(data) // 2])
    return {
        "empty.txt": "empty file",
        "junk.txt": "not valid text",
        "truncated.pdf": "truncated or corrupt PDF",
        "locked.pdf": "password-protected PDF",
        "truncated.docx": "truncated or corrupt DOCX",
    }


# --- hostile files: small on disk, costly to read ------------------------------------------------


def write_docx_bomb(path: Path, megabytes: int) -> None:
    """A real DOCX whose body inflates to ``megabytes`` MB of XML (a few hundred KB on disk)."""
    import io
    import zipfile

    buf = io.BytesIO()
    write_docx(buf, clean_text())
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "word/document.xml":
                out.writestr(info, data)
                continue
            head, tail = data.split(b"<w:body>")
            with out.open("word/document.xml", "w", force_zip64=True) as f:
                f.write(head + b"<w:body>")
                paragraph = b"<w:p><w:r><w:t>" + b"a" * 999_981 + b"</w:t></w:r></w:p>"  # 1 MB
                for _ in range(megabytes):
                    f.write(paragraph)
                f.write(tail)


def write_blank_pdf(path: Path, pages: int) -> None:
    """A PDF of ``pages`` empty A4 pages (about 120 bytes a page)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    with open(path, "wb") as f:
        writer.write(f)


# --- everything ----------------------------------------------------------------------


def build_corpus(directory: Path) -> dict[str, Sample]:
    """Write every sample into ``directory``; keys look like ``clean.tcvn3.txt``."""
    directory.mkdir(parents=True, exist_ok=True)
    corpus: dict[str, Sample] = {}

    def add(name: str, expected: str) -> None:
        corpus[name] = Sample(directory / name, expected)

    for stem, text in (("clean", clean_text()), ("example", example_text())):
        for encoding in TEXT_ENCODINGS:
            name = f"{stem}.{encoding}.txt"
            add(name, write_text(directory / name, text, encoding))
        add(f"{stem}.docx", write_docx(directory / f"{stem}.docx", text))
        add(f"{stem}.odt", write_odt(directory / f"{stem}.odt", text))
        write_pdf(directory / f"{stem}.pdf", [text])
        add(f"{stem}.pdf", text)
        add(f"{stem}.html", write_html(directory / f"{stem}.html", text))

    lines = clean_text().splitlines()
    two_pages = ["\n".join(lines[:8]), "\n".join(lines[8:])]
    write_pdf(directory / "clean.2pages.pdf", two_pages)
    add("clean.2pages.pdf", clean_text())
    add("clean.png", write_png(directory / "clean.png", clean_text()))
    write_scanned_pdf(directory / "clean.scanned.pdf", two_pages)
    add("clean.scanned.pdf", clean_text())
    return corpus


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for sample in build_corpus(out).values():
        print(f"{sample.path}  ({sample.path.stat().st_size} bytes)")
