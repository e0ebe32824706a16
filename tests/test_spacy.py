"""The spaCy components: registered factories on blank pipelines, no model download."""
import doctest
import pickle

import pytest
import spacy

import extractors.spacy_component as component
from extractors import extract
from extractors.spacy_component import blank

TEXT = (
    "Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ;\n"
    "Thực hiện Quyết định số 4288/QĐ-UBND ngày 30/12/2022 của UBND tỉnh Nghệ An, "
    "Nghị định số 96/2010/NĐ-CP sửa đổi, bổ sung một số điều của Nghị định 115/2005/NĐ-CP; "
    "Sở đã ban hành Kế hoạch s6 59/SKHCN-VP ngay 31/01/2023 và Nghi dinh so 16/2015/NB-CPngay 14/2/2015."
)


@pytest.fixture(params=["xx", "vi"])
def nlp(request):
    nlp = blank(request.param)
    nlp.add_pipe("legal_citations")
    return nlp


def test_spans_carry_the_resolved_instruments(nlp):
    doc = nlp(TEXT)
    expected = extract(TEXT)
    spans = doc.spans["citations"]
    assert [s._.instrument for s in spans] == [m.instrument for m in expected.mentions]
    for span, mention in zip(spans, expected.mentions):
        # A span covers the mention; "expand" widens it to whole tokens (16/2015/NB-CPngay).
        assert span.start_char <= mention.start and mention.end <= span.end_char
        assert span.label_ == mention.instrument.doc_type
    assert [s._.instrument.symbol for s in spans] == [
        "60/2021/NĐ-CP", "4288/QĐ-UBND", "96/2010/NĐ-CP", "115/2005/NĐ-CP", "59/SKHCN-VP", "16/2015/NĐ-CP"]
    assert doc._.citation_relations == expected.relations
    assert doc._.report == expected.report


def test_other_spans_have_no_instrument(nlp):
    doc = nlp(TEXT)
    assert doc[0:2]._.instrument is None
    assert len(nlp("Không có trích dẫn nào.").spans["citations"]) == 0


def test_the_text_is_taken_from_the_tokenizer_and_not_left_behind():
    nlp = blank("xx")
    nlp.add_pipe("legal_citations", config={"keep_text": True})
    assert nlp.make_doc(TEXT).user_data["legal_kg.text"] == TEXT  # remembered by the tokenizer…
    doc = nlp(TEXT)
    assert "legal_kg.text" not in doc.user_data  # …and taken by the component
    # A doc made elsewhere (no remembered text) is read from its tokens.
    other = blank("xx").make_doc(TEXT)
    assert [s._.instrument for s in nlp.get_pipe("legal_citations")(other).spans["citations"]] == \
        [s._.instrument for s in doc.spans["citations"]]


def test_pipe_and_jurisdiction_option():
    nlp = blank("xx")
    nlp.add_pipe("legal_citations", config={"jurisdiction": "Hà Tĩnh", "spans_key": "cites"})
    docs = list(nlp.pipe(["Quyết định số 12/QĐ-UBND ngày 1/2/2023", TEXT]))
    assert docs[0].spans["cites"][0]._.instrument.key == "vn-ha-tinh/2023/12-qd-ubnd"
    assert len(docs[1].spans["cites"]) == 6


def test_the_wrapped_tokenizer_still_serialises(tmp_path):
    nlp = component.blank("xx")
    nlp.add_pipe("legal_citations", config={"keep_text": True})  # wrapping the tokenizer is opt-in
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded(TEXT)
    assert [s._.instrument.symbol for s in doc.spans["citations"]][:2] == ["60/2021/NĐ-CP", "4288/QĐ-UBND"]
    assert isinstance(loaded.tokenizer, component.TextKeepingTokenizer)
    assert not isinstance(loaded.tokenizer.tokenizer, component.TextKeepingTokenizer)  # wrapped once
    assert nlp.tokenizer.to_bytes() == nlp.tokenizer.tokenizer.to_bytes()  # the wrapped one's own methods
    again = pickle.loads(pickle.dumps(nlp.tokenizer))
    assert [t.text for t in again("Nghị định số 60")] == ["Nghị", "định", "số", "60"]


def test_legal_issuers_marks_issuing_bodies_with_or_without_accents():
    nlp = blank("xx")
    nlp.add_pipe("legal_issuers")
    doc = nlp("Ủy ban nhân dân tỉnh Nghệ An và Bo Tai chinh đã ban hành văn bản.")
    assert [(s.text, s.label_) for s in doc.spans["issuers"]] == [
        ("Ủy ban nhân dân", "UBND"), ("Bo Tai chinh", "BTC")]


def test_the_factories_are_registered_entry_points():
    # setup.cfg declares them as spacy_factories, so a plain spacy.blank finds them.
    assert {"legal_citations", "legal_issuers"} <= set(spacy.registry.factories.get_all())


def test_module_docstring_example_runs():
    failures, tried = doctest.testmod(component)
    assert tried and not failures


def test_the_components_take_a_vocabulary_directory_that_survives_to_disk(tmp_path):
    import shutil

    import yaml

    from extractors.vocab import VOCAB_DIR

    directory = tmp_path / "vocab"  # the bundled vocabulary with one cue more ("chỉnh lý": revises)
    shutil.copytree(VOCAB_DIR, directory)
    relations = yaml.safe_load((directory / "relations.yaml").read_text(encoding="utf-8"))
    relations["amends"]["active"].append("chỉnh lý")
    relations["hints"].append("nh lý")
    (directory / "relations.yaml").write_text(yaml.safe_dump(relations, allow_unicode=True), encoding="utf-8")
    text = "Quyết định số 12/2024/QĐ-UBND ngày 02/3/2024 chỉnh lý Quyết định số 10/2023/QĐ-UBND ngày 05/01/2023."

    nlp = blank("xx")
    nlp.add_pipe("legal_citations", config={"vocabulary": str(directory)})
    nlp.to_disk(tmp_path / "pipeline")
    for pipeline in (nlp, spacy.load(tmp_path / "pipeline")):
        assert [(r.kind.value, r.target.symbol) for r in pipeline(text)._.citation_relations] == \
            [("amends", "10/2023/QĐ-UBND")]
    bundled = blank("xx")
    bundled.add_pipe("legal_citations")
    assert bundled(text)._.citation_relations == ()
