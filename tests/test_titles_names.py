"""Titles of cited instruments, the dates relations take effect, and laws cited by name (issue 15).

Every sentence here is written for these tests (none is copied from the shared corpus).
"""
import datetime as dt
import json

import pytest
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


def test_a_title_after_an_issuer_with_a_digit_read_for_a_letter():
    found = titles_of("Can cu Thong tu so 19/2021/TT-BTC ngay 8/3/2021 cua B6 Tai chinh huong dan quan ly kinh phi "
                      "khuyen cong; Quyet dinh so 7/2022/QD-UBND ngay 12/2/2022 ngay 15/3/2022 cua UBND tinh.")
    assert found == {"19/2021/TT-BTC": "huong dan quan ly kinh phi khuyen cong", "7/2022/QĐ-UBND": None}


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


# --- laws cited by name ------------------------------------------------------------------

def names_of(text):
    return [(n.surface, n.name, n.key, n.year, n.instrument and n.instrument.symbol) for n in extract(text).names]


def test_laws_and_codes_cited_by_name_and_their_extent():
    assert names_of("Theo Luật Thủy sản và Bộ luật Dân sự năm 2015, Luật Tổ chức chính quyền địa phương ngày "
                    "19 tháng 6 năm 2015 của Quốc hội; Luật Phòng, chống ma túy quy định việc cai nghiện.") == [
        ("Luật Thủy sản", "Luật Thủy sản", "luat thuy san", None, None),
        ("Bộ luật Dân sự năm 2015", "Bộ luật Dân sự", "bo luat dan su", 2015, None),
        ("Luật Tổ chức chính quyền địa phương", "Luật Tổ chức chính quyền địa phương",
         "luat to chuc chinh quyen dia phuong", 2015, None),
        ("Luật Phòng, chống ma túy", "Luật Phòng, chống ma túy", "luat phong chong ma tuy", None, None)]


def test_a_name_followed_by_its_number_teaches_and_is_no_name_mention():
    ex = extract("Căn cứ Luật Thủy sản số 18/2017/QH14 ngày 21/11/2017;")
    assert names_of("Căn cứ Luật Thủy sản số 18/2017/QH14 ngày 21/11/2017;") == \
        [("Luật Thủy sản", "Luật Thủy sản", "luat thuy san", None, "18/2017/QH14")]
    rows = list(citation_rows(ex))
    assert [r["kind"] for r in rows if "relation" not in r] == ["symbol"]  # the name is the symbol's


def test_no_name_where_luat_is_a_word_and_an_amending_law_is_not_taught():
    assert names_of("Luật này có hiệu lực; luật đất đai; Luật số 5/2020/QH14 được ban hành.") == []
    found = names_of("Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Thủy sản số 9/2022/QH15;")
    assert found == [("Luật Thủy sản", "Luật Thủy sản", "luat thuy san", None, None)]  # 9/2022/QH15 amends it


def test_the_date_after_an_amending_laws_title_is_no_year_of_the_names_in_it():
    found = names_of("Căn cứ Luật Quy hoạch ngày 24 tháng 11 năm 2017; Luật sửa đổi, bổ sung một số điều của "
                     "Luật Quy hoạch và Luật Lâm nghiệp ngày 20 tháng 6 năm 2022;")
    assert [(name, year) for _, name, _, year, _ in found] == [
        ("Luật Quy hoạch", 2017), ("Luật Quy hoạch", None), ("Luật Lâm nghiệp", None)]


def test_a_name_ends_where_the_sentence_goes_on():
    found = names_of("Áp dụng Luật Lâm nghiệp nhằm bảo vệ rừng; Luật Thủy lợi trước tháng 7 năm 2018 chưa quy định.")
    assert [name for _, name, _, _, _ in found] == ["Luật Lâm nghiệp", "Luật Thủy lợi"]


def test_names_without_diacritics_share_the_key():
    assert [n.key for n in extract("Theo Luat Thuy san va Luật Thủy sản.").names] == ["luat thuy san"] * 2


@pytest.mark.parametrize("text, expected", [
    ("Dự án được lập theo Luật Đầu tư theo phương thức đối tác công tư và Nghị định hướng dẫn.",
     [("Luật Đầu tư theo phương thức đối tác công tư", None)]),
    ("Tuyên truyền Luật Phòng, chống tác hại của thuốc lá năm 2012 tại các trường học.",
     [("Luật Phòng, chống tác hại của thuốc lá", 2012)]),
    ("Hồ sơ gồm giấy tờ theo Pháp lệnh Ưu đãi người có công với cách mạng; Luật Hôn nhân và gia đình quy định.",
     [("Pháp lệnh Ưu đãi người có công với cách mạng", None), ("Luật Hôn nhân và gia đình", None)]),
    ("Luật Đầu tư theo quy định hiện hành.", [("Luật Đầu tư", None)]),  # a known name ends where the text leaves it
    ("Luật Thuế xuất khẩu, thuế nhập khẩu được áp dụng.", [("Luật Thuế xuất khẩu, thuế nhập khẩu", None)]),
])
def test_a_known_name_is_read_through_its_own_stop_words(text, expected):
    assert [(name, year) for _, name, _, year, _ in names_of(text)] == expected


def test_a_known_name_in_ascii_ocr_is_not_cut_at_a_word_that_folds_to_a_stop():
    # "tu" folds like "từ", "ve" like "về", "tai" like "tại": in an ASCII text they are the name's
    found = names_of("Thuc hien Luat Dau tu cong va Luat Bao ve moi truong, Luat Thue tai nguyen nam 2009.")
    assert [(name, key, year) for _, name, key, year, _ in found] == [
        ("Luat Dau tu cong", "luat dau tu cong", None), ("Luat Bao ve moi truong", "luat bao ve moi truong", None),
        ("Luat Thue tai nguyen", "luat thue tai nguyen", 2009)]


def test_name_rows_in_kg_extract(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Thực hiện Bộ luật Dân sự năm 2015, UBND huyện báo cáo.", encoding="utf-8")
    rows = [json.loads(x) for x in CliRunner().invoke(main, ["extract", "--json", str(path)]).output.splitlines()]
    assert rows == [{"file": str(path), "start": 10, "end": 33, "surface": "Bộ luật Dân sự năm 2015", "id": None,
                     "page": 1, "kind": "name", "name": "Bộ luật Dân sự", "year": 2015}]


def test_pick_the_version_in_force_at_the_report_date():
    from kg.names import Candidate, pick
    old, new = Candidate("old", dt.date(2013, 11, 29), 2013), Candidate("new", dt.date(2024, 1, 18), 2024)
    assert pick([old, new], dt.date(2020, 5, 1)) == "old"
    assert pick([old, new], dt.date(2024, 6, 1)) == "new"
    assert pick([old, new], dt.date(2010, 1, 1)) is None  # none in force yet
    assert pick([old, new], dt.date(2024, 6, 1), year=2013) == "old"  # a year in the name wins
    assert pick([old, new], None) is None and pick([old], None) == "old"  # no date: only a single version


TEACHES = ("UBND TỈNH LONG AN\nSố: 31/BC-UBND\nLong An, ngày 2 tháng 3 năm 2021\nBÁO CÁO\nVề thủy sản\n"
           "Căn cứ Luật Thủy sản số 18/2017/QH14 ngày 21/11/2017;\n")
USES = ("UBND TỈNH LONG AN\nSố: 45/BC-UBND\nLong An, ngày 9 tháng 8 năm 2022\nBÁO CÁO\nVề nuôi trồng\n"
        "Thực hiện Luật Thủy sản và Luat Thuy san, Luật Lâm nghiệp, các đơn vị đã triển khai.\n")


def test_name_resolution_across_two_reports_in_the_embedded_store(tmp_path):
    from extractors import extract as run
    from kg.model import Text
    from kg.stores.oxigraph import OxigraphStore

    store = OxigraphStore(tmp_path / "store")
    try:
        store.save(build_report_graph(run(Text(USES, source="uses.txt"))))  # the user first: resolved later
        query = ("PREFIX lkg: <https://w3id.org/legal-kg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#> "
                 "SELECT ?surface ?symbol WHERE { ?m a lkg:NameMention ; lkg:surface ?surface . "
                 "OPTIONAL { ?m lkg:resolvedTo ?i . ?i eli:id_local ?symbol } } ORDER BY ?surface")

        def rows():
            return [(s["surface"].value, s["symbol"].value if s["symbol"] else None) for s in store.query(query)]

        assert rows() == [("Luat Thuy san", None), ("Luật Lâm nghiệp", None), ("Luật Thủy sản", None)]
        store.save(build_report_graph(run(Text(TEACHES, source="teaches.txt"))))
        assert rows() == [("Luat Thuy san", "18/2017/QH14"), ("Luật Lâm nghiệp", None),
                          ("Luật Thủy sản", "18/2017/QH14")]  # unresolved stays a mention, never a guess
    finally:
        store.close()


def test_the_documents_own_effect_clause_in_capitals_and_with_ocr_damage():
    from extractors.titles import own_effective
    for text in ("Luật này có hiệu lực thi hành từ ngày 01/7/2025.", "LUẬT NÀY CÓ HIỆU LỰC THI HÀNH TỪ NGÀY 01/7/2025.",
                 "Luật nảy c6 hiéu luc ké tir ngay 01/7/2025."):
        assert [day for _, day in own_effective(text)] == [dt.date(2025, 7, 1)], text
    assert own_effective("Quy định này áp dụng từ ngày 01/7/2025.") == []
