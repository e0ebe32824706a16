"""The vocabulary files are well-formed: a comma in a flow list must not split an entry."""
import yaml

from extractors.vocab import VOCAB_DIR, vocabulary


def test_vocabulary_entries_have_only_known_fields():
    allowed = {"doc_types": {"vi", "en", "words"}, "jurisdictions": {"code", "kind", "names"}}
    for name, fields in allowed.items():
        for key, entry in yaml.safe_load(open(VOCAB_DIR / f"{name}.yaml", encoding="utf-8")).items():
            assert set(entry) <= fields, (name, key, entry)
    for level, entries in yaml.safe_load(open(VOCAB_DIR / "issuers.yaml", encoding="utf-8")).items():
        for code, entry in entries.items():
            assert set(entry) <= {"vi", "en", "names", "pattern"}, (code, entry)


def test_ocr_readings_of_codes():
    v = vocabulary()
    assert [v.canonical_code(c) for c in ("ND", "NB", "QP", "HPND", "QHI5", "TTTLT", "CP", "TTG")] == \
        ["NĐ", "NĐ", "QĐ", "HĐND", "QH15", "TTLT", "CP", "TTg"]
    assert v.canonical_code("MTK") is None
