"""The shortcuts titles.py and names.py take for speed give what the plain patterns give.

Each shortcut replaces one plain regex call (a search from a lookbehind, a finditer of an
alternation, a search anchored at the end); here both are run on real-looking text at many
places and must agree. The texts are the bundled example and test data and a synthetic report.
"""
import re
from pathlib import Path

import pytest

from extractors import names, titles
from extractors.context import from_marks
from extractors.normalize import folded
from extractors.vocab import vocabulary
from synthetic import big_text

ROOT = Path(__file__).resolve().parent.parent


def _texts():
    paths = sorted(ROOT.glob("examples/*.txt")) + sorted(ROOT.glob("tests/data/**/*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    texts.append(big_text(0.05, seed=5, noise=0.7))
    texts.append("Luật Đất đai Luật, Bộ luật ) :\n\n; L. Pháp lệnh (cua quy dinh)  ,  va theo  . của \n"
                 "quy định như sau:   \n\n1. Căn cứ (a)  \n \nb) về việc!\t\n\nX")
    return texts


TEXTS = _texts()


def _span(m):
    return None if m is None else m.span()


@pytest.mark.parametrize("text", TEXTS[-2:] + TEXTS[:3])
def test_clause_end_is_the_first_match_of_END(text):
    for pos in range(0, len(text), 3):
        assert _span(next(from_marks(titles._END, text, pos, len(text)), None)) == _span(titles._END.search(text, pos)), pos


@pytest.mark.parametrize("text", TEXTS)
def test_stops_and_type_names_written_by_first_letter_match_where_the_plain_alternation_does(text):
    p, v = titles._title_patterns(), vocabulary()
    types = [w for t in v.doc_types.values() for w in t.words]
    plain_naming = re.compile(rf"(?<!\w)(?:{titles._alternation(types)})(?!\w)")
    plain_stops = re.compile(rf"(?<!\w)(?:{titles._alternation(v.titles['stops'])})(?!\w)")
    fast_stops = re.compile(titles._whole_words(v.titles["stops"]))
    low = folded(text)
    assert [m.span() for m in p.naming.finditer(low)] == [m.span() for m in plain_naming.finditer(low)]
    assert [m.span() for m in fast_stops.finditer(low)] == [m.span() for m in plain_stops.finditer(low)]


@pytest.mark.parametrize("text", TEXTS)
def test_trailing_start_is_where_the_trailing_words_begin(text):
    p = titles._title_patterns()
    low = folded(text)
    for lo in range(0, len(low), 11):
        for stop in (lo, lo + 5, lo + 23, lo + 70):
            stop = min(stop, len(low))
            t = p.trailing.search(low, lo, stop)
            assert titles._trailing_start(low, lo, stop, p) == (stop if t is None else t.start()), (lo, stop)


@pytest.mark.parametrize("text", TEXTS)
def test_heads_by_capital_are_the_heads_of_one_pattern(text):
    heads, by_capital, *_ = names._patterns()
    assert [m.span() for m in names._heads_in(text, by_capital)] == [m.span() for m in heads.finditer(text)]


def test_a_lead_starts_only_with_of_or_an_opener():
    assert titles._may_lead("của") and titles._may_lead("cia") and titles._may_lead("Về") and titles._may_lead("quy")
    assert not titles._may_lead("và") and not titles._may_lead("BAO")


@pytest.mark.parametrize("text", ["Nghị định", "Nghi\u0323 đi\u0323nh", "a\u0301e\u0301\ud55c", "Quyết định\u00a0số — 한국 e\u0301"])
def test_folded_keeps_every_offset(text):
    low = folded(text)
    assert len(low) == len(text)
    assert all(folded(ch) == low[i] or not folded(ch) and low[i] == "\x00" for i, ch in enumerate(text))
