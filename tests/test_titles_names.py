"""Titles of cited instruments, the dates relations take effect, and laws cited by name (issue 15).

Every sentence here is written for these tests (none is copied from the shared corpus).
"""
import datetime as dt
import json

import rdflib
from click.testing import CliRunner

from extractors import extract
from kg.cli import main
from kg.graph import LKG, build_report_graph
from kg.model import citation_rows


def titles_of(text):
    return {m.instrument.symbol: m.title for m in extract(text).mentions}


# --- titles ------------------------------------------------------------------------------

def test_a_title_after_date_and_issuer_ends_at_the_clause_end():
    found = titles_of(
        "Căn cứ Nghị định số 45/2019/NĐ-CP ngày 12/5/2019 của Chính phủ quy định về quản lý   chợ đầu mối "
        "nông sản;\nCăn cứ Thông tư số 7/2020/TT-BCT ngày 3/3/2020 của Bộ trưởng Bộ Công Thương hướng dẫn "
        "đăng ký kinh doanh chợ;\n")
    assert found == {"45/2019/NĐ-CP": "quy định về quản lý chợ đầu mối nông sản",  # whitespace normalised
                     "7/2020/TT-BCT": "hướng dẫn đăng ký kinh doanh chợ"}


def test_title_openers_ve_viec_and_ban_hanh():
    found = titles_of("Thực hiện Quyết định số 88/QĐ-UBND ngày 2/2/2022 của UBND tỉnh về việc thành lập tổ công "
                      "tác liên ngành. Kế hoạch số 9/KH-SNV ban hành danh mục hồ sơ lưu trữ.")
    assert found == {"88/QĐ-UBND": "về việc thành lập tổ công tác liên ngành",
                     "9/KH-SNV": "ban hành danh mục hồ sơ lưu trữ"}


def test_a_title_ends_at_a_relation_cue_and_before_the_next_citation():
    ex = extract("Quyết định số 31/2018/QĐ-UBND ngày 4/6/2018 của UBND tỉnh về quản lý cụm công nghiệp, "
                 "được sửa đổi, bổ sung bởi Quyết định số 12/2021/QĐ-UBND ngày 1/2/2021 của UBND tỉnh.")
    assert [m.title for m in ex.mentions] == ["về quản lý cụm công nghiệp", None]
    found = titles_of("Nghị định số 20/2023/NĐ-CP quy định chi tiết một số điều của Luật Khoáng sản số "
                      "60/2010/QH12 ngày 17/11/2010.")
    assert found["20/2023/NĐ-CP"] == "quy định chi tiết một số điều"  # not "… của Luật Khoáng sản"


def test_no_title_where_none_is_written_and_none_from_the_header():
    text = ("UBND TỈNH HÒA BÌNH\nSố: 77/BC-UBND\nHòa Bình, ngày 5 tháng 9 năm 2024\nBÁO CÁO\n"
            "Về tình hình thực hiện Chỉ thị số 15/CT-TTg\n\nTheo Quyết định số 40/QĐ-UBND, UBND tỉnh quy định "
            "thời hạn nộp báo cáo.")
    ex = extract(text)
    assert ex.report.title == "Về tình hình thực hiện Chỉ thị số 15/CT-TTg"  # the report's own, as before
    assert {m.instrument.symbol: m.title for m in ex.mentions} == \
        {"77/BC-UBND": None, "15/CT-TTg": None, "40/QĐ-UBND": None}


def test_an_ocr_damaged_title_is_kept_as_written():
    found = titles_of("Can cu Nghi dinh so 11/2022/ND-CP ngay 9/1/2022 cua Chinh phu quy dinh ve  ho tro  "
                      "nha o xa hoi;")
    assert found == {"11/2022/NĐ-CP": "quy dinh ve ho tro nha o xa hoi"}


def test_the_instrument_title_is_the_one_written_most_often():
    ex = extract("Quyết định số 5/QĐ-SYT về phòng dịch. Quyết định số 5/QĐ-SYT về phòng chống dịch bệnh. "
                 "Quyết định số 5/QĐ-SYT về phòng chống dịch bệnh.")
    assert {m.instrument.title for m in ex.mentions} == {"về phòng chống dịch bệnh"}
    assert [m.title for m in ex.mentions][0] == "về phòng dịch"


def test_json_rows_gain_kind_and_title(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Căn cứ Nghị định số 45/2019/NĐ-CP ngày 12/5/2019 của Chính phủ quy định về chợ;",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", "--json", str(path)])
    [row] = [r for r in map(json.loads, result.output.splitlines()) if "relation" not in r]
    assert (row["id"], row["date"], row["kind"], row["title"]) == \
        ("45/2019/NĐ-CP", "2019-05-12", "symbol", "quy định về chợ")


# --- effective dates ---------------------------------------------------------------------

def test_an_effective_date_in_the_relation_sentence():
    ex = extract("Nghị định số 71/2024/NĐ-CP sửa đổi, bổ sung Nghị định số 30/2019/NĐ-CP và có hiệu lực kể từ "
                 "ngày 15 tháng 8 năm 2024.")
    [r] = ex.relations
    assert (r.kind.value, r.source.symbol, r.target.symbol, r.effective) == \
        ("amends", "71/2024/NĐ-CP", "30/2019/NĐ-CP", dt.date(2024, 8, 15))
    # an effective date is never an issue date (CONVENTIONS.md)
    assert all(m.instrument.date is None for m in ex.mentions)


def test_the_documents_own_effect_clause_applies_to_the_relations_it_states():
    text = ("BỘ XÂY DỰNG\nSố: 14/2023/TT-BXD\nHà Nội, ngày 2 tháng 10 năm 2023\nTHÔNG TƯ\nHướng dẫn định mức\n"
            "Điều 5. Hiệu lực thi hành\n1. Thông tư này có hiệu lực thi hành từ ngày 20/11/2023.\n"
            "2. Thông tư này thay thế Thông tư số 9/2016/TT-BXD ngày 10/3/2016 của Bộ Xây dựng.\n"
            "3. Bãi bỏ Điều 4 Thông tư số 2/2017/TT-BXD.\n")
    ex = extract(text)
    found = {(r.kind.value, r.target.symbol): r.effective for r in ex.relations}
    assert found == {("replaces", "9/2016/TT-BXD"): dt.date(2023, 11, 20),
                     ("repeals", "2/2017/TT-BXD"): dt.date(2023, 11, 20)}
    assert ex.report.date == dt.date(2023, 10, 2)  # the document's own date stays its issue date


def test_an_ocr_damaged_effective_cue():
    ex = extract("Quyết định số 61/2020/QĐ-UBND bãi bỏ Quyết định số 8/2015/QĐ-UBND, c6 hiéu luc ké tir ngay "
                 "01/01/2021.")
    assert [r.effective for r in ex.relations] == [dt.date(2021, 1, 1)]


def test_no_effective_date_when_none_is_stated():
    ex = extract("Thông tư số 3/2021/TT-BNV thay thế Thông tư số 6/2014/TT-BNV.")
    assert [r.effective for r in ex.relations] == [None]
    rows = [r for r in citation_rows(ex) if "relation" in r]
    assert rows[0]["effective"] is None


def test_effective_dates_in_relation_rows_and_in_the_graph():
    ex = extract("Nghị định số 71/2024/NĐ-CP sửa đổi Nghị định số 30/2019/NĐ-CP, có hiệu lực từ ngày 1/9/2024.")
    [row] = [r for r in citation_rows(ex) if "relation" in r]
    assert row["effective"] == "2024-09-01"
    graph = build_report_graph(ex).graph
    assert list(graph.objects(None, LKG.effectiveDate)) == [rdflib.Literal(dt.date(2024, 9, 1))]
