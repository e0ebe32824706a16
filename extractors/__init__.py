"""Citation extractors: pure functions from text to the :mod:`kg.model`.

    >>> from extractors import extract
    >>> ex = extract("Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ;")
    >>> [(m.surface, m.instrument.symbol, m.instrument.date.isoformat()) for m in ex.mentions]
    [('60/2021/NĐ-CP', '60/2021/NĐ-CP', '2021-06-21')]

The pipeline, one small module a step: :mod:`.normalize` (fold with an offset
map) → :mod:`.find` (candidate symbols) → :mod:`.context` (type word, date,
place) → :mod:`.resolve` (canonical symbol) → :mod:`.relations`; assembled in
:mod:`.pipeline`. :mod:`.spacy_component` wraps it for spaCy.
"""
from .pipeline import EXTRACTOR_VERSION, extract

__all__ = ["extract", "EXTRACTOR_VERSION"]
