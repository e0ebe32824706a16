"""Benchmark: `kg serve` under load, on loopback only, with a bounded number of requests.

    .venv/bin/python bench/serve_load.py [--reports 3000] [--requests 2000] [--concurrency 50]

Builds a store of ``--reports`` synthetic reports (kept in ``--cache`` for the
next run), starts ``kg serve`` on it as a subprocess, and measures in the same
run, each with ``--requests`` requests from ``--concurrency`` keep-alive
connections:

* **baseline** — ``GET /`` (the query page): the HTTP stack alone, no query;
* **cheap** — a mix of quick SPARQL queries (ASK, an instrument by symbol,
  "reports citing X" for symbols drawn by how often they are cited);
* **cheap while heavy** — the same, while two more clients loop a heavy query
  (a four-way cartesian COUNT) that only the time limit stops.

Prints requests/s, p50/p95/p99 latency, failures, and the ratios to the
baseline. Targets (issue #10): cheap ≥ 500 requests/s with p99 ≤ 250 ms, and
p95 ≤ 500 ms while heavy queries run; no failed request.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ELI = "http://data.europa.eu/eli/ontology#"


def build_store(path: Path, reports: int, seed: int) -> None:
    from extractors import extract
    from kg.graph import vocabulary_report_graph
    from kg.ingest import SAVE_BATCH, prepare_report
    from kg.stores.oxigraph import OxigraphStore
    from synthetic import generate

    t0 = time.perf_counter()
    with OxigraphStore(path) as store:
        store.save(vocabulary_report_graph())
        batch = []
        for r in generate(reports, seed=seed, noise=0.3):
            batch.append(prepare_report(extract(r.text, source=f"/bench/{r.name}.txt")))
            if len(batch) >= SAVE_BATCH:
                store.save_many(batch)
                batch.clear()
        store.save_many(batch)
        counts = store.counts()
    print(f"store: {reports} reports, {counts['quads']:,} triples, built in {time.perf_counter() - t0:.0f} s")


def cached_store(cache: Path, reports: int, seed: int) -> Path:
    """A store of ``reports`` synthetic reports in ``cache``, built anew whenever the code that builds one changes."""
    sources = sorted([*ROOT.glob("extractors/**/*.py"), *ROOT.glob("extractors/vocab/*.yaml"),
                      ROOT / "kg/graph.py", ROOT / "kg/stores/oxigraph.py", ROOT / "kg/model.py"])
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
    path = cache / f"store-{reports}-{seed}-{digest}"
    if not (path / "CURRENT").exists():
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        build_store(path, reports, seed)
    return path


def cited_symbols(path: Path) -> list[str]:
    """Symbols of cited instruments, each as often as reports cite it (a realistic draw)."""
    from kg.stores.oxigraph import OxigraphStore

    with OxigraphStore.open_read_only(path) as store:
        rows = store.query("SELECT ?s (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r eli:cites ?i . ?i eli:id_local ?s } "
                           "GROUP BY ?s ORDER BY DESC(?n) LIMIT 200")
        out = []
        for row in rows:
            out += [row["s"].value] * int(row["n"].value)
        return out


def cheap_queries(symbols: list[str], rng: random.Random) -> list[str]:
    queries = []
    for i in range(4000):
        symbol = rng.choice(symbols)
        kind = i % 3
        if kind == 0:
            queries.append("ASK { ?s ?p ?o }")
        elif kind == 1:
            queries.append(f'PREFIX eli: <{ELI}> SELECT ?i WHERE {{ ?i eli:id_local "{symbol}" }}')
        else:
            queries.append(f'PREFIX eli: <{ELI}> SELECT DISTINCT ?r WHERE {{ ?i eli:id_local "{symbol}" . '
                           f"?r eli:cites ?i }} LIMIT 100")
    return queries


# --- a small HTTP/1.1 client: keep-alive connections, one request at a time each ------------


async def request(reader, writer, port: int, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/sparql-results+json\r\n\r\n"
                 .encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def load(port: int, paths: list[str], concurrency: int) -> tuple[list[float], int, float]:
    """Send every path; returns latencies (s), failures and the wall time."""
    todo = list(reversed(paths))
    latencies: list[float] = []
    failures = 0

    async def client():
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while todo:
                path = todo.pop()
                started = time.perf_counter()
                try:
                    status = await request(reader, writer, port, path)
                except (OSError, asyncio.IncompleteReadError):
                    failures += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    failures += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, failures, time.perf_counter() - started


async def heavy_loop(port: int, stop: asyncio.Event, outcomes: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path = "/sparql?query=" + quote(HEAVY)
    while not stop.is_set():
        try:
            outcomes.append(await request(reader, writer, port, path))
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def report(name: str, latencies: list[float], failures: int, wall: float, baseline: float | None) -> float:
    rate = len(latencies) / wall
    ratio = f"  {rate / baseline:.2f}x the baseline's rate" if baseline else ""
    print(f"{name:18} {rate:7.0f} req/s  p50 {1000 * statistics.median(latencies):6.1f} ms  "
          f"p95 {1000 * percentile(latencies, 95):6.1f} ms  p99 {1000 * percentile(latencies, 99):6.1f} ms  "
          f"failures {failures}{ratio}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/legal-kg-bench-serve"))
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    path = cached_store(args.cache, args.reports, args.seed)
    symbols = cited_symbols(path)
    rng = random.Random(args.seed)
    cheap = ["/sparql?query=" + quote(q) for q in cheap_queries(symbols, rng)[: args.requests]]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(ROOT / ".venv/bin/kg"), "serve", "--store", str(path), "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        asyncio.run(run(port, cheap, args))
    finally:
        server.terminate()
        server.wait(30)


async def run(port: int, cheap: list[str], args) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if await request(reader, writer, port, "/sparql?query=ASK%7B%7D") == 200:
                writer.close()
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("kg serve did not start")
        await asyncio.sleep(0.2)
    print(f"{os.cpu_count()} cores; {args.requests} requests from {args.concurrency} connections each")
    await load(port, cheap[:200], args.concurrency)  # warm-up: workers' caches, the JIT-less paths
    baseline = report("baseline GET /", *await load(port, ["/"] * args.requests, args.concurrency), None)
    cheap_rate = report("cheap SPARQL", *await load(port, cheap, args.concurrency), baseline)
    stop = asyncio.Event()
    outcomes: list[int] = []
    loops = [asyncio.create_task(heavy_loop(port, stop, outcomes)) for _ in range(2)]
    await asyncio.sleep(1.0)
    latencies, failures, wall = await load(port, cheap, args.concurrency)
    stop.set()
    await asyncio.gather(*loops)
    report("cheap while heavy", latencies, failures, wall, baseline)
    print(f"heavy queries answered meanwhile: {len(outcomes)} (statuses {sorted(set(outcomes))})")
    p95 = percentile(latencies, 95)
    print(f"targets: cheap ≥ 500 req/s {'✓' if cheap_rate >= 500 else '✗'} "
          f"(p99 ≤ 250 ms: see above); "
          f"p95 while heavy ≤ 500 ms {'✓' if p95 <= 0.5 else '✗'}")


if __name__ == "__main__":
    main()
