"""Extraction quality, measured with the shared scorer on real and synthetic documents."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_citations.py"
CORPORA = sorted({p.name: p for p in [*ROOT.glob("examples/*.gold.jsonl"), *SHARED.glob("corpus/*.gold.jsonl")]}.values())


def kg_extract_json(text_path: Path, out: Path) -> None:
    with open(out, "w", encoding="utf-8") as f:
        subprocess.run([sys.executable, "-m", "kg.cli", "extract", "--json", str(text_path)], stdout=f, check=True)


def score(text: Path, gold: Path, pred: Path) -> dict:
    out = subprocess.run([sys.executable, str(SCORER), str(text), str(gold), str(pred)],
                         capture_output=True, text=True, check=True).stdout
    last = out.strip().splitlines()[-1]
    nums = dict(re.findall(r"(P|R|F1)=([\d.]+)", last))
    attrs = {k: (int(a), int(b)) for k, a, b in re.findall(r"(type|date|issuer|relations)=(\d+)/(\d+)", last)}
    return {"line": last, **{k: float(v) for k, v in nums.items()}, **attrs}


@pytest.mark.parametrize("gold", CORPORA, ids=[g.name for g in CORPORA])
def test_shared_corpus_quality(gold, tmp_path):
    assert SCORER.exists(), f"the shared scorer is missing: {SCORER}"
    text = gold.with_name(gold.name.replace(".gold.jsonl", ".txt"))
    pred = tmp_path / "pred.jsonl"
    kg_extract_json(text, pred)
    s = score(text, gold, pred)
    assert s["F1"] >= 0.98, s["line"]
    for attr in ("type", "date", "issuer"):
        ok, n = s[attr]
        assert n == 0 or ok / n >= 0.95, s["line"]
    ok, n = s["relations"]
    assert ok == n, s["line"]
