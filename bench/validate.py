"""Benchmark: `kg validate` (kg.validation, SPARQL) against pyshacl report by report, in the same run.

    .venv/bin/python bench/validate.py [--reports 3000] [--sample 30] [--seed 0]

Builds a store of ``--reports`` synthetic reports (synthetic → extract →
kg.ingest.prepare_report → OxigraphStore.save_many, as bench/serve_load.py
does; kept in ``--cache`` for the next run), then measures:

* **baseline** — pyshacl on ``--sample`` reports, each loaded and validated on
  its own (:func:`kg.validation.validate_each`, the former ``kg validate``);
* **sparql** — :class:`kg.validation.Validator` on every report of the store,
  and its default graph.

Prints reports/s for each, the ratio, the projected time for 100,000
reports, and checks that both give the sample the same verdicts.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET = 100_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--sample", type=int, default=30, help="reports validated by pyshacl (the baseline)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/legal-kg-bench-validate"))
    args = parser.parse_args()

    from serve_load import cached_store

    from kg.stores.oxigraph import OxigraphStore
    from kg.validation import Validator, validate_each

    path = cached_store(args.cache, args.reports, args.seed)

    with OxigraphStore.open_read_only(path) as store:
        started = time.perf_counter()
        validator = Validator()
        setup = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        result = validator.run(store)
        fast, fast_cpu = time.perf_counter() - started, time.process_time() - cpu

        keys = sorted(result.violations)[:args.sample // 2]  # failing reports first, if any, then others
        keys += [k for k in sorted(_keys(store)) if k not in result.violations][:args.sample - len(keys)]
        started = time.perf_counter()
        reference = validate_each(store, keys)
        slow = time.perf_counter() - started

    same = all({v.key() for v in reference.violations.get(k, [])} == {v.key() for v in result.violations.get(k, [])}
               for k in keys)
    fast_rate, slow_rate = result.reports / fast, len(keys) / slow
    print(f"store: {result.reports} reports ({path})")
    print(f"pyshacl, report by report: {len(keys)} reports in {slow:.1f} s = {slow_rate:.2f} reports/s "
          f"→ {TARGET:,} reports in {TARGET / slow_rate / 3600:.1f} h")
    print(f"kg.validation (SPARQL):    {result.reports} reports in {fast:.1f} s = {fast_rate:.0f} reports/s "
          f"(+{setup:.1f} s to compile the shapes) → {TARGET:,} reports in {TARGET / fast_rate / 60:.1f} min "
          f"({fast_cpu:.1f} s of CPU: {TARGET * fast_cpu / result.reports / 60:.1f} min on an idle core)")
    print(f"ratio: {fast_rate / slow_rate:.0f}× faster; same verdicts on the sample: {'yes' if same else 'NO'}; "
          f"{result.reports - len(result.violations)} of {result.reports} reports conform, default graph: "
          f"{'not checked' if result.default_graph is None else len(result.default_graph)} violations")
    return 0 if same else 1


def _keys(store) -> list[str]:
    from kg.graph import VOCABULARY_KEY

    return [k for k in store.report_keys() if k != VOCABULARY_KEY]


if __name__ == "__main__":
    sys.exit(main())
