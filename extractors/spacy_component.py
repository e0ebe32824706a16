"""spaCy components over the extractors (no model download needed).

    >>> import spacy
    >>> nlp = spacy.blank("xx")            # or "vi" with use_pyvi=False
    >>> _ = nlp.add_pipe("legal_citations")
    >>> doc = nlp("Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ")
    >>> [(s.text, s.label_, s._.instrument.symbol) for s in doc.spans["citations"]]
    [('60/2021/NĐ-CP', 'NĐ', '60/2021/NĐ-CP')]

``legal_citations`` fills ``doc.spans["citations"]`` with one span per mention,
each carrying its resolved :class:`~kg.model.Instrument` as ``span._.instrument``;
``doc._.citation_relations`` and ``doc._.report`` hold the rest of the
:class:`~kg.model.Extraction`. ``legal_issuers`` is a rule-based
(``PhraseMatcher``) step that marks issuing bodies named in running text
("Ủy ban nhân dân tỉnh", "Bộ Tài chính", OCR'd without accents too) in
``doc.spans["issuers"]``, labelled with their code.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .normalize import fold_lower
from .pipeline import extract
from .vocab import vocabulary

for _cls, _name in ((Span, "instrument"), (Doc, "citation_relations"), (Doc, "report")):
    if not _cls.has_extension(_name):
        _cls.set_extension(_name, default=None)


class LegalCitations:
    """Runs :func:`extractors.extract` on the doc's text and exposes the result as spans."""

    def __init__(self, nlp: Language, name: str, spans_key: str, jurisdiction: str | None):
        self.name = name
        self.spans_key = spans_key
        self.jurisdiction = jurisdiction

    def __call__(self, doc: Doc) -> Doc:
        ex = extract(doc.text, jurisdiction=self.jurisdiction)
        spans = []
        for m in ex.mentions:
            # "expand": a symbol glued to the next word (NB-CPngay) still gets a span.
            span = doc.char_span(m.start, m.end, label=m.instrument.doc_type, alignment_mode="expand")
            if span is not None:
                span._.instrument = m.instrument
                spans.append(span)
        doc.spans[self.spans_key] = spans
        doc._.citation_relations = ex.relations
        doc._.report = ex.report
        return doc


@Language.factory(
    "legal_citations",
    default_config={"spans_key": "citations", "jurisdiction": None},
)
def make_legal_citations(nlp: Language, name: str, spans_key: str, jurisdiction: str | None) -> LegalCitations:
    return LegalCitations(nlp, name, spans_key, jurisdiction)


class LegalIssuers:
    """Marks issuing bodies by name, accented or not, with a case-insensitive PhraseMatcher."""

    def __init__(self, nlp: Language, name: str, spans_key: str):
        self.name = name
        self.spans_key = spans_key
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for code, issuer in vocabulary().issuers.items():
            names = {issuer.vi, *issuer.names}
            names |= {fold_lower(n) for n in names}
            self.matcher.add(code, [nlp.make_doc(n) for n in names])

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc, as_spans=True)
        doc.spans[self.spans_key] = matches
        return doc


@Language.factory("legal_issuers", default_config={"spans_key": "issuers"})
def make_legal_issuers(nlp: Language, name: str, spans_key: str) -> LegalIssuers:
    return LegalIssuers(nlp, name, spans_key)
