"""The vocabulary files are checked when loaded (the bundled ones and a folder of your own)."""
import re
import shutil

import pytest
import yaml

from extractors.vocab import VOCAB_DIR, VocabularyError, load_vocabulary, vocabulary


def test_the_vocabulary_loads_and_every_entry_is_well_formed():
    v = load_vocabulary(VOCAB_DIR)
    assert v.doc_types["NĐ"].issuers == ("CP", "HĐBT") and not v.doc_types["BC"].acts
    assert not v.issuers["QH"].typed and v.issuers["UBND"].typed
    assert "TĐC" in v.units


@pytest.mark.parametrize("file, edit, message", [
    # "en: Standards, metrology and quality" unquoted in a flow mapping: a field named "metrology and quality"
    ("units", lambda d: d.update(TĐC={"vi": "Tiêu chuẩn", "en": "Standards", "metrology and quality": None}),
     "units.yaml: TĐC: unknown field(s) metrology and quality"),
    ("doc_types", lambda d: d["BC"].update(acts="no"), "doc_types.yaml: BC: 'acts' should be bool"),
    ("doc_types", lambda d: d["TT"].update(rank="cao"), "doc_types.yaml: TT: 'rank' should be int"),
    ("doc_types", lambda d: d["NĐ"].update(issuers=["XYZ"]), "doc_types.yaml: NĐ: issuers not in issuers.yaml: XYZ"),
    ("issuers", lambda d: d["national"]["QH"].update(pattern="QH(\\d"), "issuers.yaml: national: QH: 'pattern'"),
    ("issuers", lambda d: d["national"]["CP"].pop("vi"), "issuers.yaml: national: CP: 'vi' is missing"),
    ("relations", lambda d: d.update(cites={"active": ["trích dẫn"]}), "relations.yaml: cites: not a relation kind"),
    ("relations", lambda d: d.update(based_on={"opener": ["căn cứ"]}),
     "relations.yaml: based_on: unknown role(s) opener; known: active, passive"),
    ("relations", lambda d: d["replaces"]["active"].append("chỉnh lý"),
     "relations.yaml: replaces: active: 'chỉnh lý' holds none of the hints"),
    ("jurisdictions", lambda d: d["Hà Nội"].update(kind="thủ đô"),
     "jurisdictions.yaml: Hà Nội: 'kind' should be tỉnh or thành phố"),
    ("ocr", lambda d: d["d_words"].append("trường"), "ocr.yaml: d_words: 'trường' should be one word beginning"),
    ("dates", lambda d: d.update(issuing=[]), "dates.yaml: 'issuing' is missing or empty"),
    ("law_names", lambda d: d["known"].append("Nghị quyết Thí điểm"),
     "law_names.yaml: known: 'Nghị quyết Thí điểm' should be a head and a name opening with a capital"),
])
def test_a_malformed_vocabulary_is_refused_with_the_file_and_entry_named(tmp_path, file, edit, message):
    directory = tmp_path / "vocab"
    shutil.copytree(VOCAB_DIR, directory)
    data = yaml.safe_load((directory / f"{file}.yaml").read_text(encoding="utf-8"))
    edit(data)
    (directory / f"{file}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(VocabularyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_vocabulary(directory)


def test_ocr_readings_of_codes():
    v = vocabulary()
    assert [v.canonical_code(c) for c in ("ND", "NB", "QP", "HPND", "QHI5", "TTTLT", "CP", "TTG")] == \
        ["NĐ", "NĐ", "QĐ", "HĐND", "QH15", "TTLT", "CP", "TTg"]
    assert v.canonical_code("MTK") is None


def test_types_misread_or_glued_to_the_issuer():
    v = vocabulary()
    assert v.type_code("TTLI") == "TTLT" and v.type_code("QĐ") == "QĐ" and v.type_code("UBND") is None
    assert v.glued_type("TTLTVKSTC") == 4 and v.glued_type("TTCP") == 0  # TTCP is an issuer, not TT + CP
    assert v.glued_type("TTBCT") == 2  # TT as written, before TTB repaired to TB
    assert not v.issues("HĐTP", "NĐ") and v.issues("CP", "NĐ") and v.issues("HĐTP", "NQ")


def test_the_graph_and_the_pictures_read_the_extractors_vocabulary():
    """One loader (#13.1): the SKOS schemes and the rendered labels come from the checked vocabulary."""
    from kg.graph import _vocab, vocabulary_graphs
    from kg.render import _type_label

    v = vocabulary()
    assert {d.code for d in _vocab().doc_types.values()} == set(v.doc_types)
    assert _vocab().places["ha-noi"] is v.jurisdictions["Hà Nội"] and v.jurisdictions["Hà Nội"].kind == "thành phố"
    assert _type_label("NĐ") == f"{v.doc_types['NĐ'].vi} / {v.doc_types['NĐ'].en} (NĐ)"
    labels = {str(o) for o in vocabulary_graphs()["issuing-bodies"].objects()}
    assert "Ủy ban nhân dân thành phố Hà Nội" in labels and "Ủy ban nhân dân tỉnh Nghệ An" in labels


def vocabulary_folder(folder, file, edit):
    """A vocabulary folder holding one bundled file, edited (the others are the bundled ones)."""
    folder.mkdir(exist_ok=True)
    data = yaml.safe_load((VOCAB_DIR / f"{file}.yaml").read_text(encoding="utf-8"))
    edit(data)
    (folder / f"{file}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def add_revises_cue(relations):
    """A cue the bundled vocabulary does not have: "chỉnh lý" (revises), an amends cue."""
    relations["amends"]["active"].append("chỉnh lý")
    relations["hints"].append("nh lý")


def test_extract_takes_a_vocabulary_of_its_own_and_keeps_each_ones_look_ups_apart(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from extractors import extract

    # A cue the bundled vocabulary does not have ("chỉnh lý": revises), and an office code it does not list.
    mine = load_vocabulary(vocabulary_folder(tmp_path / "mine", "relations", add_revises_cue))
    text = ("Quyết định số 12/2024/QĐ-UBND ngày 02/3/2024 của UBND tỉnh chỉnh lý Quyết định số "
            "10/2023/QĐ-UBND ngày 05/01/2023 của UBND tỉnh.")

    def amends(extraction):
        return [(r.kind.value, r.source.symbol, r.target.symbol) for r in extraction.relations]

    expected = [("amends", "12/2024/QĐ-UBND", "10/2023/QĐ-UBND")]
    assert amends(extract(text)) == []
    assert amends(extract(text, vocabulary=mine)) == expected
    assert amends(extract(text)) == []  # the bundled vocabulary's look-ups were not taken over
    with ThreadPoolExecutor(4) as pool:  # each call in its own context, side by side
        answers = list(pool.map(lambda v: amends(extract(text, vocabulary=v)), [mine, None] * 8))
    assert answers == [expected, []] * 8
    assert vocabulary() is not mine  # and nothing is left set after the calls


def test_the_verbs_of_an_issuing_act_are_the_vocabularys(tmp_path):
    from extractors import extract

    # "ký" (signs) is no bundled issuing verb: "kỳ", "kỹ" read the same without their marks.
    mine = load_vocabulary(vocabulary_folder(tmp_path / "mine", "dates", lambda d: d["issuing"].append("ký")))
    text = "Ngày 14/5/2024, Chủ tịch UBND tỉnh ký Quyết định số 701/QĐ-UBND và Quyết định số 702/QĐ-UBND."
    assert [m.instrument.date.isoformat() if m.instrument.date else None for m in extract(text).mentions] == \
        ["2024-05-14", None]
    assert [m.instrument.date.isoformat() for m in extract(text, vocabulary=mine).mentions] == ["2024-05-14"] * 2


def test_a_folder_of_some_files_takes_the_bundled_ones_for_the_rest(tmp_path):
    folder = vocabulary_folder(tmp_path / "mine", "units", lambda d: d.update({"QLXYZ": {"vi": "Phòng thử", "en": "Test office"}}))
    mine = load_vocabulary(folder)
    assert "QLXYZ" in mine.units and "QLXYZ" not in vocabulary().units
    assert mine.doc_types.keys() == vocabulary().doc_types.keys()  # the bundled doc_types.yaml
    assert mine.digest != vocabulary().digest
    assert load_vocabulary(folder) is mine  # the same files: the same vocabulary (and its cached look-ups)
    same = tmp_path / "same"
    same.mkdir()
    shutil.copy(VOCAB_DIR / "units.yaml", same)
    assert load_vocabulary(same) is vocabulary()  # a copy of a bundled file changes nothing


def test_a_vocabulary_travels_as_its_files_and_comes_back_as_the_one_loaded(tmp_path):
    import pickle

    mine = load_vocabulary(vocabulary_folder(tmp_path / "mine", "relations", lambda d: d["hints"].append("nh lý")))
    assert pickle.loads(pickle.dumps(mine)) is mine  # in this process: the one loaded, caches and all
    assert len(pickle.dumps(mine)) < 200_000  # its files, not its look-up tables


@pytest.mark.parametrize("make, message", [
    (lambda d: (d / "unit.yaml").write_text("{}"), "unit.yaml: not a vocabulary file"),
    (lambda d: (d / "units.yaml").write_text("x: ["), "units.yaml: not YAML"),
    (lambda d: (d / "units.yaml").write_text("QLXYZ: 1"), "units.yaml: QLXYZ: expected a mapping of fields"),
    (lambda d: (d / "not_citations.yaml").write_text(""), "a file is not shaped as the bundled one"),
    (lambda d: (d / "units.yaml").write_bytes(b"\xff\xfe"), "units.yaml: cannot be read"),
])
def test_a_bad_folder_is_refused_naming_it_and_the_file(tmp_path, make, message):
    folder = tmp_path / "mine"
    folder.mkdir()
    make(folder)
    with pytest.raises(VocabularyError, match=re.escape(message)) as e:
        load_vocabulary(folder)
    assert str(folder) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(VocabularyError, match="not a folder"):
        load_vocabulary(tmp_path / "nowhere")
