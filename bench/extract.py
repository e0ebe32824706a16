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
component adds at most 25 % to the tokenizer's time. Times are CPU times of
this process (one core), so other load on the machine does not skew them;
each figure is the best of ``--repeat`` runs, the runs of the things compared
interleaved.

The cost of extraction grows with the number of citations, the bare scan's
hardly: the ratio depends on citation density, which is printed. The
synthetic corpus is about three times denser than the real report in
``examples/``; ``--real`` also measures a corpus of that report's density (the
real report repeated with its numbers varied).
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


def cpu_time(fn) -> float:
    """CPU seconds of one call, garbage collection out of the way."""
    gc.collect()
    gc.disable()
    t0 = time.process_time()
    fn()
    spent = time.process_time() - t0
    gc.enable()
    return spent


def best_of(repeat: int, *fns) -> list[float]:
    """Best CPU time of each function over ``repeat`` interleaved rounds."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            times[i].append(cpu_time(fn))
    return [min(t) for t in times]


def real_like(megabytes: float) -> str:
    """The bundled real OCR report repeated, its numbers varied, to ``megabytes``."""
    import random
    import re

    report = (Path(__file__).resolve().parents[1] / "examples" / "nghean-skhcn-cchc-2023.ocr.txt").read_text("utf-8")
    rng, parts, size = random.Random(1), [], 0
    while size < megabytes * 1e6:
        # New numbers for the symbols (not for dates or years): "59/SKHCN-VP" → "4821/SKHCN-VP".
        part = re.sub(r"(?<![\d/])\d+(?=/(?:\d{4}/)?[A-Z])", lambda m: str(rng.randint(1, 9999)), report)
        parts.append(part)
        size += len(part.encode("utf-8"))
    return "\n\n".join(parts)


def measure(text: str, repeat: int) -> dict:
    mb = len(text.encode("utf-8")) / 1e6
    pieces = chunks(text, CHUNK)
    mentions = len(extract(text).mentions)
    t_scan, t_extract = best_of(repeat, lambda: sum(1 for _ in SYMBOL.finditer(text)), lambda: extract(text))
    nlp_tok = spacy.blank("xx")
    nlp_cit = spacy.blank("xx")
    nlp_cit.add_pipe("legal_citations")
    t_tok, t_cit = best_of(repeat, lambda: [nlp_tok(p) for p in pieces], lambda: [nlp_cit(p) for p in pieces])
    return {
        "megabytes": round(mb, 2),
        "mentions": mentions,
        "mentions_per_kb": round(mentions / (mb * 1000), 2),
        "scan_mb_s": round(mb / t_scan, 1),
        "extract_mb_s": round(mb / t_extract, 1),
        "extract_vs_scan": round(t_extract / t_scan, 2),
        "spacy_tokenizer_mb_s": round(mb / t_tok, 2),
        "spacy_with_component_mb_s": round(mb / t_cit, 2),
        "spacy_component_overhead": round(t_cit / t_tok - 1, 3),
    }


def report(name: str, f: dict) -> None:
    print(f"{name}: {f['megabytes']:.1f} MB, {f['mentions']} citations ({f['mentions_per_kb']} per KB)")
    print(f"  bare regex scan          {f['scan_mb_s']:8.1f} MB/s")
    print(f"  extract (whole)          {f['extract_mb_s']:8.1f} MB/s   = {f['extract_vs_scan']:.2f}× the scan's time")
    print(f"  spaCy tokenizer only     {f['spacy_tokenizer_mb_s']:8.2f} MB/s")
    print(f"  spaCy + legal_citations  {f['spacy_with_component_mb_s']:8.2f} MB/s   "
          f"= {100 * f['spacy_component_overhead']:+.1f} % over the tokenizer")
    checks = {
        "extract ≥ 10 MB/s per core": f["extract_mb_s"] >= 10,
        "extract within 4× of the bare scan": f["extract_vs_scan"] <= 4,
        "spaCy component adds ≤ 25 %": f["spacy_component_overhead"] <= 0.25,
    }
    for check, ok in checks.items():
        print(f"  [{'met' if ok else 'MISSED'}] {check}")


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
    ap.add_argument("--real", action="store_true", help="also measure a corpus of the real report's density")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    results = {"synthetic": measure(big_text(args.megabytes, seed=args.seed, noise=args.noise), args.repeat)}
    if args.real:
        results["real"] = measure(real_like(args.megabytes), args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, figures in results.items():
        report(f"{name} corpus" + (f" (noise {args.noise})" if name == "synthetic" else ""), figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
