"""kg.readers on real files of every supported format, built by make_corpus.

No mocks: the PDFs come from reportlab, the scans are OCR'd by the real
tesseract (scripts/setup-system.sh installs it), the bad inputs are real
broken files.
"""
from __future__ import annotations

import difflib
import io
import os
import random
import shutil
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from make_corpus import (  # noqa: E402
    TEXT_ENCODINGS,
    build_corpus,
    clean_text,
    encrypt_pdf,
    example_text,
    render_page,
    squash,
    symbols,
    write_blank_pdf,
    write_docx_bomb,
    write_scanned_pdf,
)

from extractors import extract  # noqa: E402
from kg.readers import (  # noqa: E402
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    Limits,
    ReadError,
    UnsupportedFormat,
    read,
    read_bytes,
)
from kg.readers.vnencodings import decode, encode, vietnamese_score  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def ocr_ready():
    if not shutil.which("tesseract"):
        pytest.fail("tesseract is not installed: run scripts/setup-system.sh")


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squash(a), squash(b), autojunk=False).ratio()


def assert_reason(exc_info, *words: str) -> None:
    reason = exc_info.value.reason
    assert "\n" not in reason
    for word in words:
        assert word in reason, reason


# --- every format reads back the same text ---------------------------------------------

TEXT_SAMPLES = [
    f"{stem}.{kind}"
    for stem in ("clean", "example")
    for kind in [f"{e}.txt" for e in TEXT_ENCODINGS] + ["docx", "odt", "pdf", "html"]
]


@pytest.mark.parametrize("name", TEXT_SAMPLES)
def test_text_formats_read_back_exactly(corpus, name):
    sample = corpus[name]
    text = read(sample.path)
    assert squash(text.content) == squash(sample.expected)
    assert unicodedata.is_normalized("NFC", text.content)
    assert text.source == str(sample.path)
    assert text.pages[0] == 0


@pytest.mark.parametrize(
    "encoding, detected",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),
        ("cp1258", "cp1258"),
        ("tcvn3", "tcvn3"),
        ("vni", "vni"),
    ],
)
def test_text_encoding_is_detected(corpus, encoding, detected):
    for stem in ("clean", "example"):
        text = read(corpus[f"{stem}.{encoding}.txt"].path)
        assert text.encoding == detected
        assert text.media_type == "text/plain"
        assert "\r" not in text.content and "\ufeff" not in text.content


@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni"])
def test_legacy_encodings_keep_citations_and_diacritics(corpus, encoding):
    content = read(corpus[f"clean.{encoding}.txt"].path).content
    assert symbols(content) == symbols(clean_text())
    assert "Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ" in content
    assert "Quyết định số 4288/QĐ-UBND ngày 29/12/2022 của UBND tỉnh Nghệ An" in content
    assert "Thông tư số 33/2018/TT-BCT" in content


def test_tcvn3_restores_capitals_of_all_caps_words():
    # TCVN3 has no upper-case toned vowels: .VnTimeH headings use the lower-case codes.
    data = encode("CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH của Hà Nội", "tcvn3")
    assert decode(data, "tcvn3") == "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH của Hà Nội"


def test_vni_accepts_lower_case_marks_after_capitals():
    assert decode(b"NGH\xd2 \xd1\xd2NH", "vni") == "NGHỊ ĐỊNH"
    assert decode(b"Ca\xf9c A\xd9 A\xf9", "vni") == "Các Á Á"


def test_cp1258_decomposed_tones_become_nfc():
    data = encode("Nghị định của Chính phủ", "cp1258")
    assert b"\xf2" in data  # the dot below travels as a combining mark in cp1258
    assert decode(data, "cp1258") == "Nghị định của Chính phủ"


def test_vietnamese_score_separates_right_from_wrong_decodings():
    data = encode(clean_text(), "tcvn3")
    assert vietnamese_score(decode(data, "tcvn3")) > 0.8
    assert vietnamese_score(decode(data, "vni")) < 0
    assert vietnamese_score(decode(data, "cp1258")) < 0


def test_bomless_utf16_is_detected():
    for codec in ("utf-16-le", "utf-16-be"):
        text = read_bytes(clean_text().encode(codec), "<stdin>")
        assert text.content == clean_text().rstrip("\n") + "\n"
        assert text.encoding == codec


def test_read_bytes_for_stdin(corpus):
    data = encode(clean_text(), "vni")
    text = read_bytes(data, "<stdin>")
    assert text.source == "<stdin>"
    assert text.encoding == "vni"
    assert symbols(text.content) == symbols(clean_text())
    pdf = read_bytes(corpus["clean.pdf"].path.read_bytes(), "<stdin>")  # sniffed, not .txt
    assert pdf.media_type == "application/pdf"
    with pytest.raises(ReadError) as exc:
        read_bytes(b"", "<stdin>")
    assert_reason(exc, "empty file")


def test_western_text_that_is_not_vietnamese():
    french = "Le préfet a signé l'arrêté. Ça été très élégant, à côté de la façade."
    assert read_bytes(french.encode("cp1252"), "-").content == french
    russian = "Постановление правительства о порядке предоставления отчётов."
    assert read_bytes(russian.encode("cp1251"), "-").content == russian


# --- DOCX, HTML specifics ----------------------------------------------------------------------


def test_docx_header_table_and_order(corpus):
    text = read(corpus["clean.docx"].path)
    lines = text.content.splitlines()
    assert lines[0].startswith("Kèm theo Kế hoạch số 133/SKHCN-VP")  # from the page header
    assert "1\tThông tư số 01/2023/TT-VPCP ngày 05/4/2023\tHướng dẫn số hóa hồ sơ, kết quả giải quyết thủ tục hành chính" in lines
    assert lines.index("STT\tVăn bản\tNội dung") < lines.index("II. KẾT QUẢ THỰC HIỆN")
    assert text.media_type.endswith("wordprocessingml.document")
    assert text.encoding is None


@pytest.mark.parametrize("font_encoding", ["tcvn3", "vni"])
def test_docx_typed_in_legacy_fonts_is_converted(tmp_path, font_encoding):
    # Word files made with .VnTime / VNI-Times fonts hold the font's bytes as
    # Windows-1252 characters; the reader turns them back into Vietnamese.
    import docx

    lines = clean_text().splitlines()[3:7]
    document = docx.Document()
    for line in lines[:3]:
        document.add_paragraph(encode(line, font_encoding).decode("cp1252"))
    document.add_paragraph(lines[3])  # already Unicode: left alone
    path = tmp_path / "vntime.docx"
    document.save(path)
    assert read(path).content.splitlines() == lines


def test_html_drops_script_style_head_and_comments(corpus):
    text = read(corpus["clean.html"].path)
    assert "99/2099" not in text.content and "1/QĐ-XX" not in text.content
    assert "Báo cáo CCHC" not in text.content and "margin" not in text.content
    assert "Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ" in text.content.splitlines()[3]
    assert text.media_type == "text/html" and text.encoding == "utf-8"


# --- PDF pages ----------------------------------------------------------------------------------


def test_pdf_page_map(corpus):
    text = read(corpus["clean.2pages.pdf"].path)
    assert len(text.pages) == 2 and text.pages[0] == 0
    second = text.content[text.pages[1] :]
    assert second.startswith("1. Sở đã ban hành Kế hoạch số 59/SKHCN-VP")
    assert text.content[: text.pages[1]].rstrip().endswith("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    cite = text.content.index("59/SKHCN-VP")
    assert text.page_of(cite) == 2 and text.page_of(text.content.index("60/2021/NĐ-CP")) == 1


def test_long_pdf_has_a_page_per_pdf_page(corpus):
    from pypdf import PdfReader

    path = corpus["example.pdf"].path
    text = read(path)
    assert len(text.pages) == len(PdfReader(path).pages) > 2
    assert list(text.pages) == sorted(text.pages)


def test_pdf_with_owner_password_only_is_readable(corpus, tmp_path):
    path = tmp_path / "restricted.pdf"
    encrypt_pdf(corpus["clean.pdf"].path, path, user_password="")
    assert squash(read(path).content) == squash(clean_text())


# --- OCR -----------------------------------------------------------------------------------------


def _assert_ocr(text, expected: str) -> None:
    assert similarity(text.content, expected) >= 0.9
    wanted = symbols(expected)
    found = [s for s in wanted if s in text.content]
    assert len(found) >= 0.9 * len(wanted), set(wanted) - set(found)


def test_png_is_ocrd(corpus, ocr_ready):
    text = read(corpus["clean.png"].path)
    _assert_ocr(text, clean_text())
    assert text.media_type == "image/png" and text.pages == (0,)


def test_scanned_pdf_is_ocrd_page_by_page(corpus, ocr_ready):
    text = read(corpus["clean.scanned.pdf"].path)
    _assert_ocr(text, clean_text())
    assert len(text.pages) == 2
    assert text.content[text.pages[1] :].startswith("1. Sở đã ban hành")


@pytest.mark.parametrize("fmt, suffix", [("JPEG", ".jpg"), ("BMP", ".bmp")])
def test_other_image_formats_are_ocrd(tmp_path, ocr_ready, fmt, suffix):
    half = "\n".join(clean_text().splitlines()[3:7])
    path = tmp_path / f"scan{suffix}"
    render_page(half).save(path, fmt)
    _assert_ocr(read(path), half)


def test_multipage_tiff_has_a_page_map(tmp_path, ocr_ready):
    lines = clean_text().splitlines()
    pages = ["\n".join(lines[3:5]), "\n".join(lines[8:10])]
    first, second = (render_page(p) for p in pages)
    path = tmp_path / "scan.tiff"
    first.save(path, "TIFF", save_all=True, append_images=[second], dpi=(300, 300))
    text = read(path)
    assert len(text.pages) == 2
    _assert_ocr(text, "\n".join(pages))
    assert "59/SKHCN-VP" in text.content[text.pages[1] :]


# --- bad input -------------------------------------------------------------------------------------


def test_empty_file(tmp_path):
    for suffix in (".txt", ".pdf", ".docx"):
        (tmp_path / f"empty{suffix}").write_bytes(b"")
        with pytest.raises(ReadError) as exc:
            read(tmp_path / f"empty{suffix}")
        assert_reason(exc, "empty file")


def test_junk_bytes_as_txt(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(random.Random(0).randbytes(4096))
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "not valid text in any known encoding")
    assert not isinstance(exc.value, UnsupportedFormat)


def test_nul_filled_txt(tmp_path):
    path = tmp_path / "zeros.txt"
    path.write_bytes(b"\x00" * 1000)
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "not valid text")


@pytest.mark.parametrize("name, reason", [("clean.pdf", "truncated or corrupt PDF"),
                                          ("clean.docx", "truncated or corrupt DOCX")])
def test_truncated_files(corpus, tmp_path, name, reason):
    data = corpus[name].path.read_bytes()
    path = tmp_path / f"cut{Path(name).suffix}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, reason)


def test_password_protected_pdf(corpus, tmp_path):
    path = tmp_path / "locked.pdf"
    encrypt_pdf(corpus["clean.pdf"].path, path, user_password="secret")
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "password-protected PDF")


def test_zip_that_is_not_a_word_file(tmp_path):
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "xin chào")
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "not a Word document")


def test_truncated_image(tmp_path, ocr_ready):
    buf = io.BytesIO()
    render_page("Nghị định số 60/2021/NĐ-CP").save(buf, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buf.getvalue()[:5000])
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "truncated or corrupt image")


def test_no_such_file(tmp_path):
    with pytest.raises(ReadError) as exc:
        read(tmp_path / "missing.txt")
    assert_reason(exc, "no such file")
    assert exc.value.source == str(tmp_path / "missing.txt")


def test_broken_symlink(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "gone.txt")
    with pytest.raises(ReadError) as exc:
        read(link)
    assert_reason(exc, "broken symlink")


def test_directory(tmp_path):
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(ReadError) as exc:
        read(tmp_path / "dir.txt")
    assert_reason(exc, "is a directory")


def _read_reason(path: Path) -> str:
    try:
        read(path)
    except ReadError as exc:
        return exc.reason
    return "read fine"


def _read_reason_as_nobody(path: Path) -> str:
    """Root reads any file whatever its mode, so read as ``nobody`` in a forked child."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop privileges, report the reason through the pipe
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(w, _read_reason(path).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        reason = pipe.read().decode()
    os.waitpid(pid, 0)
    return reason


def test_unreadable_file():
    # Not pytest's tmp_path: it sits in a 0700 directory that nobody cannot enter.
    directory = Path(tempfile.mkdtemp(prefix="kg-readers-"))
    try:
        directory.chmod(0o755)
        path = directory / "secret.txt"
        path.write_text("Nghị định số 60/2021/NĐ-CP", encoding="utf-8")
        path.chmod(0o000)
        reason = _read_reason_as_nobody(path) if os.geteuid() == 0 else _read_reason(path)
        assert reason == "permission denied"
    finally:
        shutil.rmtree(directory)


def test_oversized_file(corpus):
    path = corpus["example.utf-8.txt"].path
    with pytest.raises(ReadError) as exc:
        read(path, max_bytes=10_000)
    assert_reason(exc, "file too large", "MB >", "limit")
    with pytest.raises(ReadError) as exc:
        read_bytes(path.read_bytes(), "<stdin>", max_bytes=10_000)
    assert_reason(exc, "file too large")
    assert DEFAULT_MAX_BYTES >= 16 * 1024 * 1024
    assert read(path).content  # under the default limit


# --- formats and sniffing ---------------------------------------------------------------------------


def test_unknown_suffix_is_unsupported(tmp_path):
    path = tmp_path / "notes.xyz"
    path.write_text("Nghị định số 60/2021/NĐ-CP", encoding="utf-8")
    with pytest.raises(UnsupportedFormat) as exc:
        read(path)
    assert_reason(exc, ".xyz")
    assert ".xyz" not in SUPPORTED_SUFFIXES and {".txt", ".docx", ".pdf", ".html", ".png"} <= SUPPORTED_SUFFIXES


def test_old_word_doc_is_unsupported(tmp_path):
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    with pytest.raises(UnsupportedFormat):
        read(path)


def test_content_wins_over_a_lying_suffix(corpus, tmp_path):
    pdf_as_txt = tmp_path / "report.txt"
    pdf_as_txt.write_bytes(corpus["clean.pdf"].path.read_bytes())
    assert read(pdf_as_txt).media_type == "application/pdf"

    docx_as_pdf = tmp_path / "report.pdf"
    docx_as_pdf.write_bytes(corpus["clean.docx"].path.read_bytes())
    assert squash(read(docx_as_pdf).content) == squash(clean_text())

    html_as_doc = tmp_path / "report.doc"  # web portals' "Word" exports
    html_as_doc.write_bytes(corpus["clean.html"].path.read_bytes())
    assert read(html_as_doc).media_type == "text/html"


# --- hostile input: every cost bounded, decided on the parsed container ---------------------------


@pytest.mark.timeout(30)
def test_a_fifo_is_named_and_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block forever
    with pytest.raises(UnsupportedFormat) as exc:
        read(fifo)
    assert_reason(exc, "named pipe (FIFO)")


def test_empty_file_name():
    with pytest.raises(ReadError) as exc:
        read("")
    assert_reason(exc, "empty file name")


def _damage(text: str, word: str, count: int) -> bytes:
    """UTF-8 of ``text`` with the first letter of ``count`` occurrences of ``word`` made an invalid byte."""
    data = bytearray(text.encode("utf-8"))
    at, hits = 0, 0
    while hits < count:
        at = data.index(word.encode("utf-8"), at + 1)
        data[at] = 0xFF  # never valid in UTF-8
        hits += 1
    return bytes(data)


def test_a_few_invalid_bytes_in_utf8_are_replaced_where_they_are(tmp_path):
    text = example_text()
    path = tmp_path / "damaged.txt"
    path.write_bytes(_damage(text, "cai cach", 4))
    got = read(path)
    assert got.encoding == "utf-8"
    assert got.content.count("\ufffd") == 4
    assert len(got.content) == len(text)  # one replacement character per bad byte: offsets as read
    clean = extract(read_bytes(text.encode("utf-8"), "clean.txt"))
    damaged = extract(got)
    key = lambda ex: [(m.start, m.end, m.instrument.key, m.instrument.jurisdiction) for m in ex.mentions]  # noqa: E731
    assert len(clean.mentions) == 27
    assert key(damaged) == key(clean)  # every jurisdiction kept, no bogus instrument
    for m in damaged.mentions:
        assert got.content[m.start:m.end] == m.surface


def test_a_legacy_8_bit_file_is_not_taken_for_damaged_utf8(corpus):
    # cp1258 and VNI text is invalid UTF-8 at nearly every letter: still detected as what it is.
    for name, encoding in (("example.cp1258.txt", "cp1258"), ("example.vni.txt", "vni")):
        assert read(corpus[name].path).encoding == encoding


def test_utf16_with_a_lone_surrogate_is_read_with_a_replacement(tmp_path):
    data = clean_text().encode("utf-16-le")
    data = data[:200] + b"\x00\xd8" + data[202:]  # one unpaired high surrogate
    path = tmp_path / "u16.txt"
    path.write_bytes(b"\xff\xfe" + data)
    got = read(path)
    assert got.encoding == "utf-16-le" and got.content.count("\ufffd") == 1
    assert len(got.content) == len(clean_text().replace("\r\n", "\n"))


def test_docx_that_unpacks_past_the_limit_is_refused_from_its_directory(tmp_path):
    bomb = tmp_path / "bomb.docx"
    write_docx_bomb(bomb, 300)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ReadError) as exc:
        read(bomb)
    assert_reason(exc, "DOCX unpacks to 300.", "64.0 MB limit", "--max-unpacked")
    with pytest.raises(ReadError) as exc:
        read(bomb, limits=Limits(max_unpacked=10_000_000))
    assert_reason(exc, "10.0 MB limit")


def test_docx_under_a_raised_limit_is_read(tmp_path):
    big = tmp_path / "big.docx"
    write_docx_bomb(big, 3)
    with pytest.raises(ReadError):
        read(big, limits=Limits(max_unpacked=2_000_000))
    assert len(read(big, limits=Limits(max_unpacked=4_000_000)).content) > 3_000_000


def test_a_zip_directory_of_too_many_entries_is_refused_unparsed(tmp_path):
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", b"<x/>")
        for i in range(40_000):
            z.writestr(f"word/media/{i:06d}.bin", b"")
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "archive directory too large")


def test_pdf_past_the_page_limit_is_refused_from_its_page_tree(tmp_path):
    path = tmp_path / "pages.pdf"
    write_blank_pdf(path, 1001)
    with pytest.raises(ReadError) as exc:
        read(path)
    assert_reason(exc, "PDF has 1,001 pages", "1,000 limit", "--max-pages")
    with pytest.raises(ReadError) as exc:
        read(path, limits=Limits(max_pages=10))
    assert_reason(exc, "10 limit")


def test_blank_pages_are_not_sent_to_ocr(tmp_path, ocr_ready):
    # 300 blank pages took 195 s of OCR; rendered and found empty, they cost
    # a fraction of a 60 s budget, which OCR'ing them would overrun threefold.
    path = tmp_path / "blank.pdf"
    write_blank_pdf(path, 300)
    text = read(path, limits=Limits(ocr_timeout=60))
    assert text.content.strip() == "" and len(text.pages) == 300


def test_ocr_time_is_capped_per_file(tmp_path, ocr_ready):
    path = tmp_path / "scan.pdf"
    lines = clean_text().splitlines()
    write_scanned_pdf(path, ["\n".join(lines[:8]), "\n".join(lines[8:])])
    with pytest.raises(ReadError) as exc:
        read(path, limits=Limits(ocr_timeout=0.5))
    assert_reason(exc, "OCR took longer than 0.5 s", "at page 1 of 2", "--ocr-timeout")


def test_image_frames_count_as_pages(tmp_path, ocr_ready):
    page = render_page(clean_text().splitlines()[3])
    path = tmp_path / "frames.tif"
    page.save(path, save_all=True, append_images=[page, page])
    with pytest.raises(ReadError) as exc:
        read(path, limits=Limits(max_pages=2))
    assert_reason(exc, "image has 3 pages", "2 limit")
