"""Citation extractors: pure functions from text to the :mod:`kg.model`.

    >>> from extractors import extract
    >>> ex = extract("Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ;")
    >>> [(m.surface, m.instrument.symbol, m.instrument.date.isoformat()) for m in ex.mentions]
    [('60/2021/NĐ-CP', '60/2021/NĐ-CP', '2021-06-21')]

The pipeline, one small module a step: :mod:`.find` (candidate symbols, one scan) →
:mod:`.context` (the words before them) → :mod:`.resolve` (canonical symbol) →
:mod:`.context` again (date, place) → :mod:`.relations`, with :mod:`.normalize`
folding windows for comparison; assembled in :mod:`.pipeline`, one step over
every citation at a time. :mod:`.spacy_component` wraps it for spaCy.
"""
from .pipeline import EXTRACTOR_VERSION, extract
from .resolve import canonical_symbol

__all__ = ["extract", "canonical_symbol", "EXTRACTOR_VERSION"]
