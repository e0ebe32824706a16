"""A scanned page reads as its text: citations and relations survive the real OCR (issue #12).

Each passage (composed for the test, none copied from ../shared/corpus) is drawn as a
300 dpi page and read back by kg.readers, which runs the real Tesseract (Vietnamese);
what the extractor finds in that must be what it finds in the text itself, and what an
annotator would. The OCR's damage is its own: lost or changed tone marks, blank lines
inside sentences, a hyphen that ends a line.
"""
from __future__ import annotations

import shutil

import pytest
from make_corpus import render_page

from extractors import extract
from kg import readers

DECISION = """ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Số: 1532/QĐ-UBND
Quảng Trị, ngày 14 tháng 7 năm 2024
QUYẾT ĐỊNH
Về việc bãi bỏ một số văn bản quy phạm pháp luật
Căn cứ Luật Ban hành văn bản quy phạm pháp luật số 80/2015/QH13 ngày 22/6/2015;
Căn cứ Nghị định số 34/2016/NĐ-CP ngày 14/5/2016 của Chính phủ quy định chi tiết một số điều của Luật Ban hành văn bản quy phạm pháp luật; Nghị định số 154/2020/NĐ-CP ngày 31/12/2020 của Chính phủ sửa đổi, bổ sung một số điều của Nghị định số 34/2016/NĐ-CP;
QUYẾT ĐỊNH:
Điều 1. Bãi bỏ toàn bộ các văn bản sau:
1. Quyết định số 12/2016/QĐ-UBND ngày 05/4/2016 của UBND tỉnh ban hành Quy định quản lý cụm công nghiệp.
2. Quyết định số 27/2018/QĐ-UBND ngày 20/9/2018 của UBND tỉnh sửa đổi, bổ sung một số điều của Quy định ban hành kèm theo Quyết định số 12/2016/QĐ-UBND.
Điều 2. Quyết định này có hiệu lực kể từ ngày 25 tháng 7 năm 2024."""

PLAN = """TỈNH ỦY BẮC GIANG
Số 214-KH/TU
Bắc Giang, ngày 05 tháng 3 năm 2025
KẾ HOẠCH
Thực hiện Chỉ thị số 35-CT/TW ngày 14/6/2024 của Bộ Chính trị, Kết luận số 118-KL/TW ngày 18/01/2025 của Bộ Chính trị và Hướng dẫn số 26-HD/BTCTW ngày 09/8/2024 của Ban Tổ chức Trung ương, Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch như sau:
Kế hoạch này thay thế Kế hoạch số 198-KH/TU ngày 12/10/2024 của Ban Thường vụ Tỉnh ủy.
Thông tư số 01/2021/TT-BKHĐT ngày 16/3/2021 của Bộ Kế hoạch và Đầu tư, đã được sửa đổi, bổ sung bởi Thông tư số 02/2023/TT-BKHĐT ngày 18/4/2023, vẫn được áp dụng."""

CIRCULAR = """BỘ CÔNG THƯƠNG
Số: 25/2024/TT-BCT
Hà Nội, ngày 29 tháng 11 năm 2024
THÔNG TƯ
Quy định chi tiết một số điều của Nghị định số 55/2024/NĐ-CP ngày 16 tháng 5 năm 2024 của Chính phủ
Căn cứ Nghị định số 96/2022/NĐ-CP ngày 29 tháng 11 năm 2022 của Chính phủ quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bộ Công Thương;
Điều 15. Bãi bỏ Điều 4 Thông tư số 42/2019/TT-BCT ngày 18 tháng 12 năm 2019 của Bộ trưởng Bộ Công Thương."""

EXPECTED = {
    "decision": {
        ("based_on", "1532/QĐ-UBND", "80/2015/QH13"), ("based_on", "1532/QĐ-UBND", "34/2016/NĐ-CP"),
        ("based_on", "1532/QĐ-UBND", "154/2020/NĐ-CP"), ("amends", "154/2020/NĐ-CP", "34/2016/NĐ-CP"),
        ("repeals", "1532/QĐ-UBND", "12/2016/QĐ-UBND"), ("repeals", "1532/QĐ-UBND", "27/2018/QĐ-UBND"),
        ("amends", "27/2018/QĐ-UBND", "12/2016/QĐ-UBND"),
    },
    "plan": {("replaces", "214-KH/TU", "198-KH/TU"), ("amends", "02/2023/TT-BKHĐT", "01/2021/TT-BKHĐT")},
    "circular": {("guides", "25/2024/TT-BCT", "55/2024/NĐ-CP"), ("based_on", "25/2024/TT-BCT", "96/2022/NĐ-CP"),
                 ("repeals", "25/2024/TT-BCT", "42/2019/TT-BCT")},
}


def found(text):
    ex = extract(text)
    cited = {(m.instrument.symbol, m.instrument.doc_type, m.instrument.date) for m in ex.mentions}
    return cited, {(r.kind.value, r.source.symbol if r.source else None, r.target.symbol) for r in ex.relations}


@pytest.mark.parametrize("name, text", [("decision", DECISION), ("plan", PLAN), ("circular", CIRCULAR)])
def test_a_scanned_page_gives_what_its_text_gives(tmp_path, name, text):
    if not shutil.which("tesseract"):
        pytest.fail("tesseract is not installed: run scripts/setup-system.sh")
    page = tmp_path / f"{name}.png"
    render_page(text).save(page, dpi=(300, 300))
    scanned = readers.read(page)
    assert scanned.content != text  # (what was read is the OCR's, not the text drawn)
    cited, relations = found(text)
    assert relations == EXPECTED[name]
    assert found(scanned.content) == (cited, relations), scanned.content
