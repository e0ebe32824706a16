"""Benchmark: storing report graphs in the on-disk Oxigraph store, and querying them.

    .venv/bin/python bench/store.py [--reports 10000] [--point 1e6] [--noise 0.5] [--seed 1]

Generates ``--reports`` synthetic reports (``synthetic``) and extracts them
all up front (timed apart), then measures, in the same run:

* **store only** — what ``kg ingest``'s writer does per report, from an
  :class:`~kg.model.Extraction` to committed quads: build the report's
  triples and serialize them (:func:`kg.ingest.prepare_report`), then
  :meth:`OxigraphStore.save_many` in batches (one transaction per batch of
  new reports). Reports/s into a fresh on-disk store, up to the ``--point``
  size (≈ 10^6 triples) and then on to all ``--reports``.
* **end to end** — extraction + the above, one process, on a fresh store
  of the ``--point`` size (no file reading: see bench/ingest.py for the CLI).
* **one report per transaction** — ``save`` of each report alone, per
  report, as ``save()`` did before batches: the ratio of the two on the same
  first ``--baseline`` reports.
* **rdflib** — the same triples added to an in-memory ``rdflib.Dataset``
  (one graph per report, union default graph), at the ``--point`` size.
* **queries** — p50/p95 latency of every saved query (``queries/*.rq``, read at
  run time) with representative parameter values drawn from the stored
  reports (e.g. symbols of cited instruments, weighted by how often they are
  cited), on the store reopened read-only (as ``kg serve`` does) at both sizes,
  and on rdflib at the ``--point`` size (parameters as a VALUES block: see
  :func:`with_values`). A latency includes reading every row. Each is
  measured twice on Oxigraph: "first ask" (every run evaluated) and "served"
  (the store as read-only commands open it: a query asked again comes from
  memory, since nothing can write the store meanwhile).

A run longer than ``--limit`` seconds is killed (it would take minutes) and
counted as ``--limit``: the percentile is then a lower bound (marked ≥).

Targets (issue #4): ingest ≥ 200 reports/s into the on-disk store on the
2-core machine; "reports citing X" (``reports-citing``) p50 under 5 ms at
10^6 triples. Latencies are percentiles over ``--samples`` runs per query
(fewer when a query exceeds its ``--budget`` seconds; the count is printed);
ingest rates are from one pass each (thousands of reports).
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rdflib  # noqa: E402
from rdflib import Literal, URIRef  # noqa: E402

from extractors import extract  # noqa: E402
from kg.graph import report_triples, vocabulary_report_graph  # noqa: E402
from kg.ingest import SAVE_BATCH, prepare_report  # noqa: E402
from kg.iris import PREFIXES  # noqa: E402
from kg.model import RelationKind  # noqa: E402
from kg.saved_queries import parameter_pairs, sparql_parameters  # noqa: E402
from kg.stores.oxigraph import OxigraphStore  # noqa: E402
from synthetic import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
TARGET_INGEST = 200.0  # reports/s
TARGET_CITING_P50_MS = 5.0


# --- data ---------------------------------------------------------------------------------


def make_extractions(n: int, seed: int, noise: float) -> tuple[list, list, float]:
    """``n`` synthetic reports extracted: ((source, text) pairs, extractions, extraction s)."""
    texts = [(f"/bench/corpus/{r.name}.txt", r.text) for r in generate(n, seed=seed, noise=noise)]
    t0 = time.perf_counter()
    exs = [extract(text, source=source) for source, text in texts]
    return texts, exs, time.perf_counter() - t0


def batches(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- ingest -------------------------------------------------------------------------------


def store_batch(store: OxigraphStore, exs) -> None:
    """What the ingest writer does for a batch: serialize the reports, save them."""
    results = store.save_many([prepare_report(ex) for ex in exs])
    assert all(results), "a report was not written"


def timed_ingest(store: OxigraphStore, exs) -> float:
    gc.collect()
    t0 = time.perf_counter()
    for chunk in batches(exs, SAVE_BATCH):
        store_batch(store, chunk)
    store.flush()
    return time.perf_counter() - t0


def end_to_end(path: Path, reports_text: list[tuple[str, str]]) -> float:
    """Extract + serialize + save, batch by batch, into a fresh store."""
    with OxigraphStore(path) as store:
        store.save(vocabulary_report_graph())
        gc.collect()
        t0 = time.perf_counter()
        for chunk in batches(reports_text, SAVE_BATCH):
            store_batch(store, [extract(text, source=source) for source, text in chunk])
        store.flush()
        return time.perf_counter() - t0


def previous_save(path: Path, exs) -> float:
    """One transaction per report (``save``, one report at a time), against batches of new reports."""
    with OxigraphStore(path) as store:
        gc.collect()
        t0 = time.perf_counter()
        for ex in exs:
            store.save(prepare_report(ex))  # serialization counted, as in the batched path
        store.flush()
        dt = time.perf_counter() - t0
        assert sum(1 for _ in store.report_keys()) == len(exs)
        return dt


def rdflib_ingest(exs) -> tuple[rdflib.Dataset, float]:
    ds = rdflib.Dataset(default_union=True)
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    vocab = vocabulary_report_graph()
    g = ds.graph(URIRef(vocab.iri))
    g += vocab.graph
    gc.collect()
    t0 = time.perf_counter()
    for ex in exs:
        prepared = prepare_report(ex)  # the graph IRI
        ctx = ds.graph(URIRef(prepared.iri))
        ds.addN((s, p, o, ctx) for s, p, o in report_triples(ex))
    return ds, time.perf_counter() - t0


# --- queries ------------------------------------------------------------------------------


def load_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))}


def parameter_sets(exs, n: int, rng: random.Random) -> dict[str, list[tuple[str, ...]]]:
    """Representative ``-p name=value`` lists per saved query, drawn from the stored reports."""
    cited = [m.instrument.symbol for ex in exs for m in ex.mentions]  # weighted by citations
    amending = [i.symbol for ex in exs for rel in ex.relations if rel.kind == RelationKind.AMENDS
                for i in (rel.source, rel.target) if i is not None] or cited
    files = [Path(ex.report.source).name for ex in exs]
    places = [(ex.report.jurisdiction, ex.report.date.year) for ex in exs
              if ex.report.jurisdiction and ex.report.date]
    pick = lambda pool: [rng.choice(pool) for _ in range(n)]  # noqa: E731
    return {
        "reports-citing": [(f"symbol={s}",) for s in pick(cited)],
        "amendment-chain": [(f"symbol={s}",) for s in pick(amending)],
        "report-instruments": [(f"file={f}",) for f in pick(files)],
        "reports-by-jurisdiction-year": [(f"jurisdiction={j}", f"year={y}") for j, y in pick(places)],
    }


def with_values(text: str, params: tuple[str, ...]) -> str:
    """``text`` with the parameters as a VALUES block closing its WHERE clause (for rdflib).

    rdflib's ``initBindings`` do not restrict a variable that the query binds
    itself (BIND), and a VALUES block at the start of the group is overridden
    by such a BIND; at the end of the group it is joined last, which gives the
    rows of Oxigraph's substitutions for the saved queries measured.
    """
    if not params:
        return text
    names, terms = [], []
    for item in params:
        name, _, value = item.partition("=")
        names.append("?" + name)
        terms.append((Literal(int(value)) if value.lstrip("-").isdigit() else Literal(value)).n3())
    # Comments and string literals blanked (offsets kept), then the brace closing WHERE {.
    code = re.sub(r'(?m)#.*$|"(?:[^"\\\n]|\\.)*"', lambda m: " " * len(m.group()), text)
    depth = 0
    for at in range(re.search(r"\bWHERE\s*\{", code, re.I).end() - 1, len(code)):
        depth += {"{": 1, "}": -1}.get(code[at], 0)
        if depth == 0:
            break
    return f"{text[:at]}  VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}\n{text[at:]}"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(times: list[float], rows: list[int], killed: int) -> dict:
    return {
        "p50_ms": round(1e3 * percentile(times, 50), 2),
        "p95_ms": round(1e3 * percentile(times, 95), 2),
        "samples": len(times),
        "killed": killed,
        "mean_rows": round(statistics.mean(rows), 1) if rows else None,
    }


def measure_query(make_run, params_list: list, samples: int, budget: float, limit: float) -> dict:
    """Latencies of one query: ``samples`` runs over ``params_list``, at most ``budget`` s in all.

    The runs happen in a forked child (``make_run()`` opens what it needs and
    returns ``run(params) -> rows``). pyoxigraph cannot cancel a query, so a
    run that exceeds ``limit`` seconds is killed with its process and counted
    as ``limit`` (a lower bound: ``killed`` says how many); the next runs go
    on in a new child.
    """
    ctx = multiprocessing.get_context("fork")
    times: list[float] = []
    rows: list[int] = []
    killed = 0
    i = 0
    while i < samples and sum(times) < budget:
        receive, send = ctx.Pipe(duplex=False)

        def child(first=i):
            try:
                run = make_run()
                run(params_list[first % len(params_list)])  # warm-up (parsing, caches)
                send.send(("ready",))
                for j in range(first, samples):
                    t0 = time.perf_counter()
                    n = run(params_list[j % len(params_list)])
                    send.send(("run", time.perf_counter() - t0, n))
            except Exception as e:  # a query the engine cannot run: say so
                send.send(("error", f"{type(e).__name__}: {e}"[:200]))

        proc = ctx.Process(target=child, daemon=True)
        proc.start()
        try:
            if not receive.poll(2 * limit):
                killed += 1  # the warm-up run itself is too slow
                times.append(limit)
                i += 1
                continue
            msg = receive.recv()
            if msg[0] == "error":
                return {"error": msg[1]}
            while i < samples and sum(times) < budget:
                if not receive.poll(limit):
                    killed += 1
                    times.append(limit)
                    i += 1
                    break
                msg = receive.recv()
                if msg[0] == "error":
                    return {"error": msg[1]}
                times.append(msg[1])
                rows.append(msg[2])
                i += 1
        finally:
            proc.kill()
            proc.join()
    return summarize(times, rows, killed)


def oxigraph_latencies(path: Path, queries: dict, params: dict, args, *, cache: bool = True) -> dict:
    """Latencies on the store opened read-only as kg serve opens it: ``cache`` on (a query asked
    again comes from memory, as when served) or off (every query evaluated: the first ask)."""
    out = {}
    for stem, text in queries.items():
        def make_run(text=text):
            store = OxigraphStore(path, read_only=True, cache=cache)
            return lambda p: sum(1 for _ in store.query(text, substitutions=sparql_parameters(parameter_pairs(p)) if p else None))
        out[stem] = measure_query(make_run, params.get(stem, [()]), args.samples, args.budget, args.limit)
    return out


def rdflib_latencies(ds: rdflib.Dataset, queries: dict, params: dict, args) -> dict:
    out = {}
    for stem, text in queries.items():
        def make_run(text=text):
            return lambda p: len(list(ds.query(with_values(text, p), initNs=PREFIXES)))
        out[stem] = measure_query(make_run, params.get(stem, [()]), args.samples, args.budget, args.limit)
    return out


# --- main ---------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=10_000, help="reports in the full-size store")
    ap.add_argument("--point", type=float, default=1e6, help="triples at the first measuring point")
    ap.add_argument("--baseline", type=int, default=1000, help="reports stored with the previous save")
    ap.add_argument("--noise", type=float, default=0.5, help="OCR damage level of the synthetic text")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=50, help="runs per query (parameters vary)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds of runs per query and store at most")
    ap.add_argument("--limit", type=float, default=10.0, help="a run longer than this is killed (counted as this)")
    ap.add_argument("--no-rdflib", action="store_true", help="leave out the rdflib comparison")
    ap.add_argument("--dir", help="where to make the stores (default: a temporary directory)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else \
        (lambda *a: print(*a, flush=True))

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-store-", dir=args.dir))
    try:
        say(f"generating and extracting {args.reports} synthetic reports …")
        texts, exs, t_extract = make_extractions(args.reports, args.seed, args.noise)
        triples_per_report = statistics.mean(len(set(report_triples(ex))) for ex in exs[:500])
        point = min(args.reports, math.ceil(args.point / triples_per_report))
        queries = load_queries()
        params = parameter_sets(exs[:point], args.samples, rng)
        figures: dict = {
            "reports": args.reports,
            "point_reports": point,
            "triples_per_report": round(triples_per_report, 1),
            "extract_reports_s": round(args.reports / t_extract, 1),
            "queries": sorted(queries),
        }

        # Store only: fresh store → point → all reports.
        path = work / "oxigraph"
        say(f"store only: {point} reports (≈{args.point:.0e} triples), then on to {args.reports} …")
        with OxigraphStore(path) as store:
            store.save(vocabulary_report_graph())
            t_point = timed_ingest(store, exs[:point])
            quads_point = len(store.oxigraph)
        figures["store_only_reports_s_to_point"] = round(point / t_point, 1)
        figures["quads_at_point"] = quads_point
        say(f"  {point / t_point:.0f} reports/s; {quads_point} quads")
        say(f"queries at {quads_point} quads …")
        figures["oxigraph_queries_at_point"] = oxigraph_latencies(path, queries, params, args)
        figures["oxigraph_queries_at_point_cold"] = oxigraph_latencies(path, queries, params, args, cache=False)
        if args.reports > point:
            with OxigraphStore(path) as store:
                t_rest = timed_ingest(store, exs[point:])
                quads_full = len(store.oxigraph)
            figures["store_only_reports_s_point_to_full"] = round((args.reports - point) / t_rest, 1)
            figures["store_only_reports_s_full"] = round(args.reports / (t_point + t_rest), 1)
            figures["quads_full"] = quads_full
            say(f"  on to {args.reports}: {(args.reports - point) / t_rest:.0f} reports/s; {quads_full} quads")
            say(f"queries at {quads_full} quads …")
            figures["oxigraph_queries_full"] = oxigraph_latencies(path, queries, params, args)
            figures["oxigraph_queries_full_cold"] = oxigraph_latencies(path, queries, params, args, cache=False)
        shutil.rmtree(path)

        # End to end at the point size.
        say(f"end to end (extract + store): {point} reports …")
        t_e2e = end_to_end(work / "e2e", texts[:point])
        figures["end_to_end_reports_s"] = round(point / t_e2e, 1)
        shutil.rmtree(work / "e2e")

        # The previous save, against the new one, on the same first reports of fresh stores.
        k = min(args.baseline, args.reports)
        say(f"one report per transaction against save_many's batches: {k} reports …")
        t_old = previous_save(work / "old", exs[:k])
        with OxigraphStore(work / "new") as store:
            t_new = timed_ingest(store, exs[:k])
        figures["baseline_reports"] = k
        figures["previous_save_reports_s"] = round(k / t_old, 1)
        figures["save_many_reports_s"] = round(k / t_new, 1)
        figures["save_many_vs_previous"] = round(t_old / t_new, 2)
        shutil.rmtree(work / "old")
        shutil.rmtree(work / "new")

        if not args.no_rdflib:
            say(f"rdflib Dataset (in memory): {point} reports …")
            ds, t_rdf = rdflib_ingest(exs[:point])
            figures["rdflib_reports_s"] = round(point / t_rdf, 1)
            figures["rdflib_triples"] = sum(len(g) for g in ds.graphs())
            figures["oxigraph_vs_rdflib_ingest"] = round(t_rdf / t_point, 2)
            say("rdflib queries …")
            figures["rdflib_queries_at_point"] = rdflib_latencies(ds, queries, params, args)
            del ds
            gc.collect()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    citing = figures["oxigraph_queries_at_point"].get("reports-citing", {})
    checks = {
        f"ingest (store only) ≥ {TARGET_INGEST:.0f} reports/s": figures.get(
            "store_only_reports_s_full", figures["store_only_reports_s_to_point"]) >= TARGET_INGEST,
        f"reports-citing p50 < {TARGET_CITING_P50_MS:.0f} ms at {figures['quads_at_point'] / 1e6:.2f} M quads (target: 10^6)":
            citing.get("p50_ms", math.inf) < TARGET_CITING_P50_MS,
    }
    if args.json:
        print(json.dumps({"figures": figures, "targets_met": checks}, ensure_ascii=False, indent=2))
        return 0

    f = figures
    print()
    print(f"corpus: {f['reports']} synthetic reports (noise {args.noise}), "
          f"{f['triples_per_report']:.0f} triples each; extraction {f['extract_reports_s']:.0f} reports/s (not counted below)")
    print("ingest into the on-disk Oxigraph store (reports/s)")
    print(f"  store only, 0 → {f['point_reports']} reports ({f['quads_at_point']} quads) "
          f"{f['store_only_reports_s_to_point']:8.1f}")
    if "store_only_reports_s_full" in f:
        print(f"  store only, {f['point_reports']} → {f['reports']} reports ({f['quads_full']} quads) "
              f"{f['store_only_reports_s_point_to_full']:8.1f}")
        print(f"  store only, 0 → {f['reports']} overall {f['store_only_reports_s_full']:8.1f}")
    print(f"  end to end (extract + store), {f['point_reports']} reports {f['end_to_end_reports_s']:8.1f}")
    print(f"  first {f['baseline_reports']}: a transaction per report {f['previous_save_reports_s']:.1f}, "
          f"save_many {f['save_many_reports_s']:.1f}  = {f['save_many_vs_previous']:.2f}× faster")
    if "rdflib_reports_s" in f:
        print(f"  rdflib Dataset in memory, {f['point_reports']} reports {f['rdflib_reports_s']:8.1f}   "
              f"(Oxigraph on disk takes {1 / f['oxigraph_vs_rdflib_ingest']:.2f}× rdflib's time)")
    columns = [("oxigraph_queries_at_point_cold", f"first ask {f['quads_at_point'] / 1e6:.1f}M"),
               ("oxigraph_queries_at_point", f"served {f['quads_at_point'] / 1e6:.1f}M")]
    if "oxigraph_queries_full" in f:
        columns += [("oxigraph_queries_full_cold", f"first ask {f['quads_full'] / 1e6:.1f}M"),
                    ("oxigraph_queries_full", f"served {f['quads_full'] / 1e6:.1f}M")]
    if "rdflib_queries_at_point" in f:
        columns.append(("rdflib_queries_at_point", f"rdflib {f['rdflib_triples'] / 1e6:.1f}M"))
    print(f"\nquery latency, ms: p50 / p95 (runs); ≥: some runs killed at {args.limit:g} s and counted as that")
    print("  first ask: every run evaluated (cache off); served: the store opened read-only as kg serve and")
    print("  kg sparql open it, where a query asked again is answered from memory (parameters drawn by citations)")
    print(f"  {'query':30s}" + "".join(f"{title:>28s}" for _, title in columns))
    for stem in f["queries"]:
        cells = []
        for key, _ in columns:
            r = f[key].get(stem, {})
            if "p50_ms" in r:
                lim = 1e3 * args.limit
                p50 = ("≥" if r["p50_ms"] >= lim else " ") + f"{r['p50_ms']:9.1f}"
                p95 = ("≥" if r["p95_ms"] >= lim else " ") + f"{r['p95_ms']:9.1f}"
                cells.append(f"{p50} /{p95} ({r['samples']:2d})")
            else:
                cells.append("error")
        print(f"  {stem:30s}" + "".join(f"{c:>28s}" for c in cells))
    for name, ok in checks.items():
        print(f"  [{'met' if ok else 'MISSED'}] {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
