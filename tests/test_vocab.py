"""The vocabulary files are checked when loaded: a comma in a flow list must not split an entry."""
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
    ("doc_types", lambda d: d["NĐ"].update(issuers=["XYZ"]), "doc_types.yaml: NĐ: issuers not in issuers.yaml: XYZ"),
    ("issuers", lambda d: d["national"]["QH"].update(pattern="QH(\\d"), "issuers.yaml: national: QH: 'pattern'"),
    ("issuers", lambda d: d["national"]["CP"].pop("vi"), "issuers.yaml: national: CP: 'vi' is missing"),
    ("relations", lambda d: d.update(cites={"active": ["trích dẫn"]}), "relations.yaml: cites: not a relation kind"),
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
    assert not v.issues("HĐTP", "NĐ") and v.issues("CP", "NĐ") and v.issues("HĐTP", "NQ")
