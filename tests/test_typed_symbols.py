"""Symbols typed by users are read the way documents are (extractors.canonical_symbol)."""
import pytest

from extractors import canonical_symbol, extract
from kg import readers
from synthetic import generate


@pytest.mark.parametrize("typed, canonical", [
    ("60/2021/ND-CP", "60/2021/NĐ-CP"),
    ("60/2021/nd-cp", "60/2021/NĐ-CP"),
    (" 115/2005/nđ-cp ", "115/2005/NĐ-CP"),
    ("118/qd-ttg", "118/QĐ-TTg"),
    ("17-ct/tu", "17-CT/TU"),
    ("59/skhcn-vp", "59/SKHCN-VP"),
    ("59/2020/qh14", "59/2020/QH14"),
    ("157/SKHCN-V P", "157/SKHCN-VP"),
])
def test_typed_symbols_are_made_canonical(typed, canonical):
    assert canonical_symbol(typed) == canonical


@pytest.mark.parametrize("text", ["", "foo", "60/2021/NĐ-CP và", "vn/60-2021-nd-cp", "01/MTK", "12/TT",
                                  "https://w3id.org/legal-kg/id/instrument/vn/60-2021-nd-cp", "6" * 500])
def test_what_is_not_one_symbol_is_left_alone(text):
    assert canonical_symbol(text) is None


def test_every_extracted_symbol_is_its_own_canonical_form(example_path):
    """Typing a symbol as the graph shows it (or in lower case) finds it again."""
    texts = [readers.read(example_path).content] + [r.text for r in generate(20, seed=3, noise=0.0)]
    symbols = {m.instrument.symbol for text in texts for m in extract(text).mentions}
    assert len(symbols) > 50
    assert {s: canonical_symbol(s) for s in symbols} == {s: s for s in symbols}
    assert {s: canonical_symbol(s.lower()) for s in symbols} == {s: s for s in symbols}
