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
:class:`~kg.model.Extraction`. They are kept in ``doc.user_data`` as plain data
(:func:`kg.model.plain`), so docs survive ``doc.to_bytes()``,
``DocBin(store_user_data=True)`` and ``nlp.pipe(…, n_process=2)``. With
``keep_text`` (off by default), adding it wraps the pipeline's tokenizer in a
:class:`TextKeepingTokenizer`, so that the text need not be rebuilt from tokens. ``legal_issuers`` is a rule-based
(``PhraseMatcher``) step that marks issuing bodies named in running text
("Ủy ban nhân dân tỉnh", "Bộ Tài chính", OCR'd without accents too) in
``doc.spans["issuers"]``, labelled with their code. Both take ``vocabulary``: the
directory of a vocabulary of your own (:func:`extractors.vocab.load_vocabulary`;
None, the default: the bundled one).
"""
from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.model import Instrument, Relation, Report, Text, plain

from .normalize import fold_lower
from .pipeline import extract
from .vocab import Vocabulary, bundled_vocabulary, load_vocabulary

_TEXT = "legal_kg.text"  # doc.user_data keys: the text the doc was made from,
_INSTRUMENTS = "legal_kg.instruments"  # "start:end" of a span → its instrument,
_RELATIONS = "legal_kg.relations"  # the relations and the report, all as plain data
_REPORT = "legal_kg.report"


def _instrument(span: Span):
    """``span._.instrument``: looked up in one dict per doc (setting an extension
    attribute span by span costs more than finding the citations)."""
    data = span.doc.user_data.get(_INSTRUMENTS, {}).get(f"{span.start_char}:{span.end_char}")
    return None if data is None else Instrument.from_plain(data)


def _relations(doc: Doc):
    data = doc.user_data.get(_RELATIONS)
    return None if data is None else tuple(Relation.from_plain(r) for r in data)


def _report(doc: Doc):
    data = doc.user_data.get(_REPORT)
    return None if data is None else Report.from_plain({**data, "text": Text(doc.text, source=data["source"])})


if not Span.has_extension("instrument"):
    Span.set_extension("instrument", getter=_instrument)
if not Doc.has_extension("citation_relations"):
    Doc.set_extension("citation_relations", getter=_relations)
if not Doc.has_extension("report"):
    Doc.set_extension("report", getter=_report)


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

    def __init__(self, nlp: Language, name: str, spans_key: str, jurisdiction: str | None, keep_text: bool = False,
                 vocabulary: str | None = None):
        self.name = name
        self.spans_key = spans_key
        self.jurisdiction = jurisdiction
        self.vocabulary = _vocabulary_at(vocabulary)
        if keep_text and not isinstance(nlp.tokenizer, TextKeepingTokenizer):
            nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)

    def __call__(self, doc: Doc) -> Doc:
        ex = extract(doc_text(doc), jurisdiction=self.jurisdiction, vocabulary=self.vocabulary)
        spans, instruments = [], doc.user_data.setdefault(_INSTRUMENTS, {})
        as_plain: dict[int, dict] = {}  # id → plain data: the mentions of one instrument share it
        for m in ex.mentions:
            # "expand": a symbol glued to the next word (NB-CPngay) still gets a span.
            span = doc.char_span(m.start, m.end, label=m.instrument.doc_type, alignment_mode="expand")
            if span is not None:
                data = as_plain.get(id(m.instrument))
                if data is None:
                    data = as_plain[id(m.instrument)] = plain(m.instrument)
                instruments[f"{span.start_char}:{span.end_char}"] = data
                spans.append(span)
        doc.spans[self.spans_key] = spans
        doc.user_data[_RELATIONS] = [plain(r) for r in ex.relations]
        doc.user_data[_REPORT] = plain(ex.report)
        return doc


@Language.factory(
    "legal_citations",
    default_config={"spans_key": "citations", "jurisdiction": None, "keep_text": False, "vocabulary": None},
    assigns=["doc.spans", "span._.instrument", "doc._.citation_relations", "doc._.report"],
)
def make_legal_citations(nlp: Language, name: str, spans_key: str, jurisdiction: str | None,
                         keep_text: bool, vocabulary: str | None) -> LegalCitations:
    return LegalCitations(nlp, name, spans_key, jurisdiction, keep_text, vocabulary)


class LegalIssuers:
    """Marks issuing bodies by name, accented or not, with a case-insensitive PhraseMatcher."""

    def __init__(self, nlp: Language, name: str, spans_key: str, vocabulary: str | None = None):
        self.name = name
        self.spans_key = spans_key
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for code, issuer in (_vocabulary_at(vocabulary) or bundled_vocabulary()).issuers.items():
            names = {issuer.vi, *issuer.names}
            names |= {fold_lower(n) for n in names}
            self.matcher.add(code, [nlp.make_doc(n) for n in names])

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc, as_spans=True)
        doc.spans[self.spans_key] = matches
        return doc


@Language.factory("legal_issuers", default_config={"spans_key": "issuers", "vocabulary": None}, assigns=["doc.spans"])
def make_legal_issuers(nlp: Language, name: str, spans_key: str, vocabulary: str | None) -> LegalIssuers:
    return LegalIssuers(nlp, name, spans_key, vocabulary)


def _vocabulary_at(directory: str | None) -> Vocabulary | None:
    """The vocabulary in ``directory`` (a component's ``vocabulary`` setting; None: the bundled one)."""
    return None if directory is None else load_vocabulary(Path(directory))
