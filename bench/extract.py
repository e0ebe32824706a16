"""Benchmark: extraction throughput against a bare regex scan, and the spaCy overhead.

    .venv/bin/python bench/extract.py [--megabytes 20] [--noise 0.5] [--seed 1]

Generates a large synthetic OCR-like corpus (``kg.synthetic``), then measures,
in the same run and on the same text:

* the bare scan: one compiled-regex pass (``extractors.find.SYMBOL.finditer``,
  the candidate scan every extractor must make, with nothing done per match);
* ``extractors.extract``: the whole pipeline (context, resolution, relations);
* spaCy: the blank pipeline's tokenizer alone, and the same pipeline with the
  ``legal_citations`` component.

Targets (issue #2): ≥ 10 MB/s per core, within 4× of the bare scan; the spaCy
component adds at most 25 % to the tokenizer's time. Each figure is the best
of ``--repeat`` runs; one process, so one core.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import spacy  # noqa: E402

import extractors.spacy_component  # noqa: E402,F401  (registers the factory)
from extractors import extract  # noqa: E402
from extractors.find import SYMBOL  # noqa: E402
from kg.synthetic import big_text  # noqa: E402

CHUNK = 200_000  # characters per spaCy doc (spaCy's default max_length is 1,000,000)


def best_of(repeat: int, fn) -> float:
    """Fastest wall time of ``repeat`` calls, garbage collection out of the way."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        gc.enable()
    return min(times)


def chunks(text: str, size: int) -> list[str]:
    """Cut at line breaks near ``size`` characters, so no citation is cut in two."""
    out, start = [], 0
    while start < len(text):
        end = text.find("\n\n", start + size)
        end = len(text) if end < 0 else end
        out.append(text[start:end])
        start = end
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--megabytes", type=float, default=20.0)
    ap.add_argument("--noise", type=float, default=0.5, help="OCR damage level of the synthetic text (0 = clean)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    text = big_text(args.megabytes, seed=args.seed, noise=args.noise)
    mb = len(text.encode("utf-8")) / 1e6
    pieces = chunks(text, CHUNK)

    t_scan = best_of(args.repeat, lambda: sum(1 for _ in SYMBOL.finditer(text)))
    mentions = len(extract(text).mentions)
    t_extract = best_of(args.repeat, lambda: extract(text))

    nlp_tok = spacy.blank("xx")
    nlp_cit = spacy.blank("xx")
    nlp_cit.add_pipe("legal_citations")
    t_tok = best_of(args.repeat, lambda: [nlp_tok(p) for p in pieces])
    t_cit = best_of(args.repeat, lambda: [nlp_cit(p) for p in pieces])

    figures = {
        "megabytes": round(mb, 2),
        "mentions": mentions,
        "scan_mb_s": round(mb / t_scan, 1),
        "extract_mb_s": round(mb / t_extract, 1),
        "extract_vs_scan": round(t_extract / t_scan, 2),
        "spacy_tokenizer_mb_s": round(mb / t_tok, 2),
        "spacy_with_component_mb_s": round(mb / t_cit, 2),
        "spacy_component_overhead": round(t_cit / t_tok - 1, 3),
    }
    checks = {
        "extract ≥ 10 MB/s per core": figures["extract_mb_s"] >= 10,
        "extract within 4× of the bare scan": figures["extract_vs_scan"] <= 4,
        "spaCy component adds ≤ 25 %": figures["spacy_component_overhead"] <= 0.25,
    }
    if args.json:
        print(json.dumps({"figures": figures, "targets_met": checks}, ensure_ascii=False, indent=2))
        return 0
    print(f"corpus: {mb:.1f} MB synthetic OCR-like text (noise {args.noise}), {mentions} citations")
    print(f"bare regex scan        {figures['scan_mb_s']:8.1f} MB/s")
    print(f"extract (whole)        {figures['extract_mb_s']:8.1f} MB/s   = {figures['extract_vs_scan']:.2f}× the scan's time")
    print(f"spaCy tokenizer only   {figures['spacy_tokenizer_mb_s']:8.2f} MB/s")
    print(f"spaCy + legal_citations{figures['spacy_with_component_mb_s']:8.2f} MB/s   "
          f"= +{100 * figures['spacy_component_overhead']:.1f} % over the tokenizer")
    for name, ok in checks.items():
        print(f"  [{'met' if ok else 'MISSED'}] {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
