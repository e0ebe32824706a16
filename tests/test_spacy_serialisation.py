"""The spaCy components' results survive serialisation and multiprocessing (#11.13)."""
from __future__ import annotations

import datetime as dt

import pytest
from spacy.tokens import Doc, DocBin

from extractors.spacy_component import TextKeepingTokenizer, blank
from kg.model import RelationKind

TEXT = ("Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ; Nghị định số 96/2010/NĐ-CP "
        "sửa đổi, bổ sung một số điều của Nghị định số 115/2005/NĐ-CP.")


@pytest.fixture(scope="module")
def nlp():
    nlp = blank("xx")
    nlp.add_pipe("legal_citations")
    nlp.add_pipe("legal_issuers")
    return nlp


def seen(doc: Doc) -> tuple:
    """What a user reads off a doc: spans, their instruments, the relations, the report."""
    return ([(s.text, s.label_, s._.instrument) for s in doc.spans["citations"]],
            [(s.text, s.label_) for s in doc.spans["issuers"]],
            doc._.citation_relations, doc._.report)


def test_results_survive_to_bytes_and_docbin(nlp):
    doc = nlp(TEXT)
    spans, _, relations, _ = want = seen(doc)
    assert [s[0] for s in spans] == ["60/2021/NĐ-CP", "96/2010/NĐ-CP", "115/2005/NĐ-CP"]
    assert spans[0][2].date == dt.date(2021, 6, 21)
    assert any(r.kind == RelationKind.AMENDS and r.source.symbol == "96/2010/NĐ-CP" for r in relations)
    assert seen(Doc(nlp.vocab).from_bytes(doc.to_bytes())) == want
    [back] = DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab)
    assert seen(back) == want


def test_pipe_with_two_processes_gives_what_one_gives(nlp):
    texts = [TEXT, "Quyết định số 4288/QĐ-UBND của UBND tỉnh Nghệ An.", TEXT.upper(), ""]
    assert [seen(d) for d in nlp.pipe(texts, n_process=2, batch_size=1)] == [seen(d) for d in nlp.pipe(texts)]


def test_declares_what_it_assigns_and_leaves_the_tokenizer_alone(nlp):
    assert set(nlp.get_pipe_meta("legal_citations").assigns) == {
        "doc.spans", "span._.instrument", "doc._.citation_relations", "doc._.report"}
    assert nlp.get_pipe_meta("legal_issuers").assigns == ["doc.spans"]
    assert not isinstance(nlp.tokenizer, TextKeepingTokenizer)  # opt-in: config keep_text
