"""spaCy components over the extractors (no model download needed).

    >>> import spacy
    >>> nlp = spacy.blank("xx")            # or blank("vi") from this module
    >>> _ = nlp.add_pipe("legal_citations")
    >>> doc = nlp("Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ")
    >>> [(s.text, s.label_, s._.instrument.symbol) for s in doc.spans["citations"]]
    [('60/2021/NĐ-CP', 'NĐ', '60/2021/NĐ-CP')]

``legal_citations`` fills ``doc.spans["citations"]`` with one span per mention,
each carrying its resolved :class:`~kg.model.Instrument` as ``span._.instrument``;
``doc._.citation_relations`` and ``doc._.report`` hold the rest of the
:class:`~kg.model.Extraction`. Adding it wraps the pipeline's tokenizer in a
:class:`TextKeepingTokenizer`, so that the text need not be rebuilt from tokens. ``legal_issuers`` is a rule-based
(``PhraseMatcher``) step that marks issuing bodies named in running text
("Ủy ban nhân dân tỉnh", "Bộ Tài chính", OCR'd without accents too) in
``doc.spans["issuers"]``, labelled with their code.
"""
from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .normalize import fold_lower
from .pipeline import extract
from .vocab import vocabulary

_TEXT = "legal_kg.text"  # doc.user_data keys: the text the doc was made from,
_INSTRUMENTS = "legal_kg.instruments"  # and (start_char, end_char) of a span → its Instrument


def _instrument(span: Span):
    """``span._.instrument``: looked up in one dict per doc (setting an extension
    attribute span by span costs more than finding the citations)."""
    return span.doc.user_data.get(_INSTRUMENTS, {}).get((span.start_char, span.end_char))


if not Span.has_extension("instrument"):
    Span.set_extension("instrument", getter=_instrument)
for _name in ("citation_relations", "report"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def blank(lang: str = "xx") -> Language:
    """A blank pipeline to add ``legal_citations`` to: multilingual (``xx``) or
    Vietnamese (``vi``, without pyvi, a word segmenter legal-kg does not need)."""
    return spacy.blank(lang, config={"nlp": {"tokenizer": {"use_pyvi": False}}} if lang == "vi" else {})


class TextKeepingTokenizer:
    """The pipeline's own tokenizer, remembering the text of each doc it makes.

    spaCy's ``Doc`` does not keep the string it was made from: ``doc.text``
    rebuilds it token by token, which costs about 15 % of tokenizing. The
    citation finder reads the whole text, so ``legal_citations`` wraps the
    tokenizer once and takes the text from ``doc.user_data``. Everything else
    (``explain``, special cases, serialisation) is the wrapped tokenizer's.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[_TEXT] = text
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str):
        if name == "tokenizer":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.tokenizer, name)


def doc_text(doc: Doc) -> str:
    """The doc's text: as the tokenizer was given it when known, else rebuilt."""
    text = doc.user_data.pop(_TEXT, None)
    if text is not None and len(text) == (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0):
        return text
    return doc.text


class LegalCitations:
    """Runs :func:`extractors.extract` on the doc's text and exposes the result as spans."""

    def __init__(self, nlp: Language, name: str, spans_key: str, jurisdiction: str | None):
        self.name = name
        self.spans_key = spans_key
        self.jurisdiction = jurisdiction
        if not isinstance(nlp.tokenizer, TextKeepingTokenizer):
            nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)

    def __call__(self, doc: Doc) -> Doc:
        ex = extract(doc_text(doc), jurisdiction=self.jurisdiction)
        spans, instruments = [], doc.user_data.setdefault(_INSTRUMENTS, {})
        for m in ex.mentions:
            # "expand": a symbol glued to the next word (NB-CPngay) still gets a span.
            span = doc.char_span(m.start, m.end, label=m.instrument.doc_type, alignment_mode="expand")
            if span is not None:
                instruments[span.start_char, span.end_char] = m.instrument
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
