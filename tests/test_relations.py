"""extractors/relations.py's shortcuts find what the plain way finds."""
from __future__ import annotations

import random

import pytest

from extractors.context import from_marks
from extractors.relations import _BREAK
from synthetic import big_text


def _texts(example_path) -> list[str]:
    return [example_path.read_text(encoding="utf-8"), *(big_text(0.1, seed=5, noise=n) for n in (0.0, 0.5, 0.9)),
            "Căn cứ: a) x:\n\n b) ;; ..\n: 1. x):\n\nA; b;C.  Đ. Điều 2.\n- c) ©) y!\n \r\n"]


@pytest.mark.parametrize("window", [40, 300, 1300])
def test_breaks_are_those_of_the_pattern(example_path, window):
    """from_marks tries _BREAK only at marks; it must find every clause end _BREAK.finditer finds,
    from any place (a look-behind sees the character before the window)."""
    rnd = random.Random(window)
    for text in _texts(example_path):
        assert [m.span() for m in from_marks(_BREAK, text, 0, len(text))] == [m.span() for m in _BREAK.finditer(text)]
        for _ in range(2000):
            lo = rnd.randrange(len(text))
            hi = min(len(text), lo + rnd.randrange(window))
            assert [(m.span(), m.group()) for m in from_marks(_BREAK, text, lo, hi)] == \
                [(m.span(), m.group()) for m in _BREAK.finditer(text, lo, hi)], (lo, hi)
