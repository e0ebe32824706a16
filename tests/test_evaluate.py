"""`kg evaluate` and kg.evaluate: the project's own scorer, on small annotated folders made here."""
import json

from click.testing import CliRunner

from kg import evaluate as ev
from kg.cli import main

TEXT = ("UBND TỈNH HÀ TĨNH\nSố: 12/QĐ-UBND\nHà Tĩnh, ngày 3 tháng 4 năm 2023\n"
        "Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ;\n"
        "Quyết định này thay thế Quyết định số 7/QĐ-UBND ngày 2/1/2020.\n")


def gold_rows(*, date_of_60="2021-06-21", extra=()):
    rows = [
        {"surface": "12/QĐ-UBND", "id": "12/QĐ-UBND", "type": "QĐ", "date": "2023-04-03", "issuer": "UBND"},
        {"surface": "60/2021/NĐ-CP", "id": "60/2021/NĐ-CP", "type": "NĐ", "date": date_of_60, "issuer": "CP"},
        {"surface": "7/QĐ-UBND", "id": "7/QĐ-UBND", "type": "QĐ", "date": "2020-01-02", "issuer": "UBND"},
        {"relation": "replaces", "from": "12/QĐ-UBND", "to": "7/QĐ-UBND"},
        {"relation": "based_on", "from": "12/QĐ-UBND", "to": "60/2021/NĐ-CP"},
        *extra,
    ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def corpus(tmp_path, **kw):
    """A folder as in corpus/dev: a clean text and an OCR'd one, each with its gold."""
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "01.clean.txt").write_text(TEXT, encoding="utf-8")
    (folder / "01.gold.jsonl").write_text(gold_rows(**kw), encoding="utf-8")
    ocr = TEXT.replace("Đ", "D").replace("Số:", "S6:")
    (folder / "01.ocr-eng.txt").write_text(ocr, encoding="utf-8")
    (folder / "01.ocr-eng.gold.jsonl").write_text(gold_rows(**kw), encoding="utf-8")
    return folder


def test_a_perfect_extraction_scores_one_on_every_variant(tmp_path):
    scores = ev.evaluate_corpus(corpus(tmp_path))
    assert list(scores) == ["clean", "ocr-eng"]  # the table's order, not the alphabet's
    for s in scores.values():
        assert (s.docs, s.gold, s.pred, s.tp) == (1, 3, 3, 3)
        assert s.f1 == s.type_accuracy == s.issuer_accuracy == s.date_accuracy == 1.0
        assert (s.rel_tp, s.rel_gold, s.bo_tp, s.bo_gold) == (1, 1, 1, 1) and not s.errors


def test_errors_name_the_miss_the_false_hit_the_attribute_and_the_relation(tmp_path):
    extra = ({"surface": "99/QĐ-UBND", "id": "99/QĐ-UBND", "type": "QĐ", "date": None, "issuer": "UBND"},
             {"relation": "amends", "from": "12/QĐ-UBND", "to": "60/2021/NĐ-CP"})
    scores = ev.evaluate_corpus(corpus(tmp_path, date_of_60="2021-06-22", extra=extra))
    s = scores["clean"]
    assert (s.gold, s.pred, s.tp) == (4, 3, 3) and s.recall == 0.75 and s.precision == 1.0
    assert (s.instruments, s.dates_ok) == (3, 2) and (s.rel_tp, s.rel_gold) == (1, 2)
    kinds = {(e.kind, e.item) for e in s.errors}
    assert ("missed", "99/QĐ-UBND") in kinds
    assert ("date", "60/2021/NĐ-CP") in kinds
    assert ("relation missed", "12/QĐ-UBND amends 60/2021/NĐ-CP") in kinds
    date_error = next(e for e in s.errors if e.kind == "date")
    assert (date_error.expected, date_error.found, date_error.line) == ("2021-06-22", "2021-06-21", 4)
    assert "«60/2021/NĐ-CP»" in date_error.context


def test_the_scorer_agrees_with_the_shared_definition_of_an_issuer_and_an_id():
    assert ev.issuer_matches("BCA-C06", "BCA") and ev.issuer_matches("BCA", "BCA-C06")
    assert not ev.issuer_matches("BCAX", "BCA")
    assert ev.norm_id("60/2021/\nNĐ-CP") == "60/2021/NĐ-CP"


def test_cli_table_errors_and_json(tmp_path):
    folder = corpus(tmp_path, date_of_60="2021-06-22")
    result = CliRunner().invoke(main, ["evaluate", str(folder)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["VARIANT", "DOCS", "MENTIONS", "FOUND"]
    assert [line.split()[0] for line in lines[1:]] == ["clean", "ocr-eng", "all"]

    result = CliRunner().invoke(main, ["evaluate", "--errors", str(folder)])
    assert "date: 60/2021/NĐ-CP: expected 2021-06-22, found 2021-06-21 (line 4)" in result.output

    result = CliRunner().invoke(main, ["evaluate", "--json", "--errors", str(folder)])
    data = json.loads(result.output)
    assert data["variants"]["clean"]["f1"] == 1.0 and data["variants"]["clean"]["date_accuracy"] == 0.6667
    assert data["variants"]["ocr-eng"]["errors"][0]["kind"] == "date"


def test_cli_one_text_and_its_gold(tmp_path):
    folder = corpus(tmp_path)
    result = CliRunner().invoke(main, ["evaluate", "--markdown", "--label", "sample",
                                       str(folder / "01.clean.txt"), str(folder / "01.gold.jsonl")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == ev.TABLE_HEADER.splitlines()[0]
    assert result.output.splitlines()[2].startswith("| sample | 1 | 3 | 1.000 | 1.000 | 1.000 |")


def test_bad_input_gets_a_clear_error_and_the_rest_goes_on(tmp_path):
    folder = corpus(tmp_path)
    (folder / "02.clean.txt").write_text("Thông tư số 01/2020/TT-BTC", encoding="utf-8")
    (folder / "02.gold.jsonl").write_text('{"id": "01/2020/TT-BTC"}\n{not json\n', encoding="utf-8")
    (folder / "03.clean.txt").write_text("no gold beside me", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(folder)])
    assert result.exit_code == 1
    assert "02.gold.jsonl:2: invalid JSON" in result.output
    assert "skipped:" in result.output and "03.clean.txt: no gold file beside it" in result.output
    assert result.output.count("clean ") == 1  # the clean row still printed, from the document that could be read

    result = CliRunner().invoke(main, ["evaluate", str(folder / "01.clean.txt")])
    assert result.exit_code == 2 and "a text needs its gold file" in result.output
    result = CliRunner().invoke(main, ["evaluate", str(folder), str(folder / "01.gold.jsonl")])
    assert result.exit_code == 2
