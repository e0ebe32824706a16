"""Benchmark: ways of writing the same new reports into the on-disk Oxigraph store.

    .venv/bin/python bench/store_writes.py [--reports 1000] [--batch 16] [--repeat 2]

Fills a store with the first half of ``--reports`` synthetic reports as
``OxigraphStore.save_many`` does, then, on a fresh copy of it for each way
and each repetition, writes the second half ``--batch`` reports at a time
and flushes. Reports/s, in the same run, for:

* ``trig`` — what ``save_many`` does for new reports: one TriG document per
  batch (report graphs, default graph, bookkeeping), one ``Store.load``;
* ``trig-lenient`` — the same with ``lenient=True`` (IRIs not re-validated);
* ``update`` — one SPARQL ``INSERT DATA`` per batch (``Store.update``);
* ``extend`` — the batch as ``Quad`` objects, one ``Store.extend``;
* ``default-once`` — the batch's default-graph triples written once each;
* ``named-only`` — the report graphs without the default graph (stores
  *less*: what layout 1 wrote, for scale);
* ``bulk`` — one ``Store.bulk_load`` per batch (for scale: pyoxigraph
  documents it as not atomic).

Every way but ``named-only`` stores the same quads (checked).
"""
from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyoxigraph as ox  # noqa: E402

from extractors import extract  # noqa: E402
from kg.graph import vocabulary_report_graph  # noqa: E402
from kg.ingest import prepare_report  # noqa: E402
from kg.stores import updates  # noqa: E402
from kg.stores.oxigraph import OxigraphStore  # noqa: E402
from synthetic import generate  # noqa: E402

TRIG = ox.RdfFormat.TRIG


def bookkeeping(reports) -> str:
    return "\n".join(updates.entry(r) + " " + updates.finished_entry(r) for r in reports)


def trig(reports, default: bool = True, default_once: bool = False) -> str:
    parts = [f"<{r.iri}> {{\n{r.ntriples}{r.claims}}}\n" for r in reports]
    if default:
        lines = [r.ntriples for r in reports]
        if default_once:
            lines = list(dict.fromkeys(line for r in reports for line in r.ntriples.splitlines(True)))
        parts.append("{\n" + "".join(lines) + "}\n")
    return "".join(parts) + f"{updates.META} {{\n{bookkeeping(reports)}\n}}\n"


WAYS = {
    "trig": lambda store, rs: store.load(trig(rs), format=TRIG),
    "trig-lenient": lambda store, rs: store.load(trig(rs), format=TRIG, lenient=True),
    "update": lambda store, rs: store.update(
        "INSERT DATA { " + "".join(f"GRAPH <{r.iri}> {{\n{r.ntriples}{r.claims}}}\n{r.ntriples}\n" for r in rs)
        + f"GRAPH {updates.META} {{ {bookkeeping(rs)} }} }}"),
    "extend": lambda store, rs: store.extend(list(ox.parse(trig(rs), format=TRIG))),
    "default-once": lambda store, rs: store.load(trig(rs, default_once=True), format=TRIG),
    "named-only": lambda store, rs: store.load(trig(rs, default=False), format=TRIG),
    "bulk": lambda store, rs: store.bulk_load(trig(rs), format=TRIG),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=16, help="reports per write")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each way (interleaved)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"generating and extracting {args.reports} synthetic reports …", flush=True)
    prepared = [prepare_report(extract(r.text, source=f"/bench/corpus/{r.name}.txt"))
                for r in generate(args.reports, seed=args.seed, noise=0.5)]
    half = args.reports // 2
    first, second = prepared[:half], prepared[half:]
    work = Path(tempfile.mkdtemp(prefix="kg-bench-writes-"))
    try:
        with OxigraphStore(work / "base") as store:
            store.save(vocabulary_report_graph())
            for i in range(0, len(first), args.batch):
                store.save_many(first[i:i + args.batch])
            store.settle()
            base_quads = len(store.oxigraph)
        print(f"{half} reports stored ({base_quads} quads); writing {len(second)} more, {args.batch} a time:")
        rates: dict[str, list[float]] = {way: [] for way in WAYS}
        expected = None
        for _ in range(args.repeat):
            for way, write in WAYS.items():
                copy = work / way
                shutil.copytree(work / "base", copy, ignore=shutil.ignore_patterns("LOCK", "legal-kg.lock"))
                store = ox.Store(str(copy))
                gc.collect()
                t0 = time.perf_counter()
                for i in range(0, len(second), args.batch):
                    write(store, second[i:i + args.batch])
                store.flush()
                rates[way].append(len(second) / (time.perf_counter() - t0))
                quads = len(store)
                if way == "trig":
                    expected = quads
                elif way != "named-only" and quads != expected:
                    raise AssertionError(f"{way} stored {quads} quads, not {expected}")
                del store
                shutil.rmtree(copy)
        for way, values in rates.items():
            print(f"  {way:14s} " + " ".join(f"{v:7.1f}" for v in values) + "  reports/s"
                  f"   ({max(values) / max(rates['trig']):.2f}× trig's best)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
