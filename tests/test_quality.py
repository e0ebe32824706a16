"""Extraction quality on real annotated documents (and passages written in their styles), against issue #12's targets.

The real corpus lives beside the repository (../shared, read-only): in a clone
without it these tests skip with the reason; in CI (``CI=true``) it must be there.
"""
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg import evaluate as ev

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_citations.py"
DEV = SHARED / "corpus" / "dev"
WRITTEN = ROOT / "tests" / "corpus" / "written"
CORPORA = sorted({p.name: p for p in [*ROOT.glob("examples/*.gold.jsonl"), *SHARED.glob("corpus/*.gold.jsonl")]}.values())

# Issue #12: on every variant of the real passages.
MIN_F1 = {"clean": 0.99}
MIN_F1_OTHERWISE = 0.97
MIN_ATTRIBUTE = 0.95  # type, issuer, date per instrument
MIN_RELATION_RECALL, MIN_RELATION_PRECISION = 0.85, 0.90  # relations other than based_on
MIN_BASED_ON = 0.90  # recall and precision


def needs(path: Path):
    """Skip (with the reason) where ../shared is not beside the repository; in CI it must be."""
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must provide ../shared beside the repository")
        pytest.skip(f"{path} is not there (the real corpus lives in ../shared, beside the repository)")


@pytest.fixture(scope="module")
def dev_scores():
    needs(DEV)
    return ev.evaluate_corpus(DEV)


def assert_meets_the_targets(s, variant: str, docs: int) -> None:
    line = (f"{variant}: F1={s.f1:.3f} type={s.type_accuracy:.3f} issuer={s.issuer_accuracy:.3f} "
            f"date={s.date_accuracy:.3f} relations={s.rel_tp}/{s.rel_gold} P={s.relation_precision:.3f} "
            f"based_on={s.bo_tp}/{s.bo_gold} P={s.based_on_precision:.3f}")
    assert s.docs == docs and not s.failed, line
    assert s.f1 >= MIN_F1.get(variant, MIN_F1_OTHERWISE), line
    assert min(s.type_accuracy, s.issuer_accuracy, s.date_accuracy) >= MIN_ATTRIBUTE, line
    assert s.relation_recall >= MIN_RELATION_RECALL and s.relation_precision >= MIN_RELATION_PRECISION, line
    assert s.based_on_recall >= MIN_BASED_ON and s.based_on_precision >= MIN_BASED_ON, line


@pytest.mark.parametrize("variant", ev.VARIANT_ORDER)
def test_dev_corpus_meets_the_targets(dev_scores, variant):
    assert_meets_the_targets(dev_scores[variant], variant, 22)


@pytest.mark.parametrize("variant", ev.VARIANT_ORDER)
def test_written_corpus_meets_the_targets(variant):
    """The passages written in real documents' styles (tests/corpus/written/README.md): no ../shared needed."""
    assert_meets_the_targets(written_scores()[variant], variant, 110)


@functools.lru_cache(maxsize=1)
def written_scores():
    return ev.evaluate_corpus(WRITTEN)


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
    """The bundled real report, scored by the shared scorer on ``kg extract --json``'s output."""
    needs(SCORER)
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


def test_the_bundled_report_scores_the_same_in_process():
    """kg evaluate on the example agrees with the shared scorer's figures (27 mentions, all right)."""
    gold = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.gold.jsonl"
    s = ev.evaluate_file(gold.with_name("nghean-skhcn-cchc-2023.ocr.txt"), gold)
    assert (s.gold, s.tp, s.pred) == (27, 27, 27)
    assert s.type_ok == s.issuer_ok == 27 and s.dates_ok == s.instruments and (s.rel_tp, s.rel_gold) == (1, 1)
