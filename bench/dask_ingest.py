"""Benchmark: `kg ingest` on a Dask cluster (one and two workers) against `--jobs 1`; reports/s into
Fuseki, the Oxigraph server and the embedded store; the cost per page and report.

    .venv/bin/python bench/dask_ingest.py [--files 1000] [--pages 6] [--pages-per-report 4] [--json]

In one run, on one synthetic corpus (``synthetic``, OCR-like text, ~4.4 KB
and ~15 citations a file):

* files/s of the real CLI, from start to exit, each into a fresh store:
  ``kg ingest --jobs 1``, then ``kg ingest --scheduler tcp://…`` with one and
  with two ``dask worker`` processes (one thread each) of a ``dask scheduler``
  started here on loopback;
* reports/s into each store, storing only (the same reports, prepared up
  front, saved :data:`~kg.ingest.SAVE_BATCH` at a time, then ``settle``):
  the embedded Oxigraph store, and Apache Jena Fuseki (TDB2) and the Oxigraph
  server, both started here on loopback by ``scripts/fuseki`` /
  ``scripts/oxigraph``, with one writer and with two at once (each its own
  connection: what parallel writers do); and files/s of ``kg ingest
  --scheduler`` with two workers writing each server themselves;
* the cost of each stage on one core, measured in this process: OCR per
  scanned page (Tesseract ``-l vie`` on ``--pages`` A4 pages rendered at
  300 dpi), extraction and graph building per report, storing per report
  (the embedded store's batched writer);
* from those, the sizing of docs/scaling.md: workers needed to ingest 10
  million scanned pages in a day and in a week, and the stage that then
  limits (the single writer of the embedded store, or a server store).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # make_corpus renders pages as the OCR tests do; the servers as the tests start them

from synthetic import generate, write_corpus  # noqa: E402

BIN = Path(sys.executable).parent
SUMMARY = re.compile(r"(\d+) ingested, (\d+) unchanged, (\d+) skipped, (\d+) failed")
PAGES_TOTAL = 10_000_000


def kg_ingest(store: str | Path, corpus: Path, *extra: str) -> float:
    """Wall seconds of one ``kg ingest`` into a fresh store; every file must be ingested."""
    cmd = [str(BIN / "kg"), "ingest", "--store", str(store), "-q", "--include", "*.txt", *extra, str(corpus)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    m = SUMMARY.search(done.stdout)
    if done.returncode != 0 or not m or int(m[2]) + int(m[4]):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return dt


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes on loopback."""

    def __init__(self, home: Path):
        self.home = home
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = [self._spawn("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]

    def _spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "dask"), *args], cwd=self.home, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def workers(self, n: int) -> None:
        from distributed import Client

        while len(self.procs) - 1 < n:
            i = len(self.procs)
            self.procs.append(self._spawn("worker", self.address, "--nthreads", "1", "--no-nanny",
                                          "--no-dashboard", "--host", "127.0.0.1",
                                          "--local-directory", str(self.home / f"w{i}")))
        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(n, timeout=120)

    def stop(self) -> None:
        for proc in reversed(self.procs):  # workers first, then the scheduler
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(20)


def ocr_seconds_per_page(pages: int) -> float:
    """Tesseract on A4 pages of report text rendered at 300 dpi (one core: OMP_THREAD_LIMIT=1)."""
    import io

    from make_corpus import render_page

    from kg.readers.ocr import ocr_image

    texts = [r.text for r in generate(pages, seed=11)]
    images = []
    for text in texts:
        lines = [line for line in text.splitlines() if line.strip()][:30]  # about one A4 page of text
        buf = io.BytesIO()
        render_page("\n".join(line[:60] for line in lines)).save(buf, format="PNG", dpi=(300, 300))
        images.append(buf.getvalue())
    t0 = time.process_time(), time.perf_counter()
    for data in images:
        ocr_image(data, dpi=300)
    return (time.perf_counter() - t0[1]) / pages


def prepared_reports(corpus: Path) -> tuple[list, float]:
    """The corpus's reports as ingest workers send them, and seconds per report (one core) of
    reading + extraction + graph building."""
    from extractors import extract
    from kg import readers
    from kg.ingest import prepare_report

    files = sorted(corpus.glob("*.txt"))
    t0 = time.perf_counter()
    prepared = [prepare_report(extract(readers.read(f))) for f in files]
    return prepared, (time.perf_counter() - t0) / len(files)


def store_seconds(open_store, prepared: list, writers: int = 1, writer=None) -> float:
    """Wall seconds to save ``prepared`` into an empty store, :data:`SAVE_BATCH` at a time, by
    ``writers`` threads at once (each its own store, from ``writer`` or else ``open_store``: its own
    connection), then ``settle`` once."""
    import threading

    from kg.ingest import SAVE_BATCH

    with open_store() as store:
        if hasattr(store, "clear"):
            store.clear()
    parts = [prepared[i::writers] for i in range(writers)]
    failures: list[BaseException] = []

    def write(part: list) -> None:
        try:
            with (writer or open_store)() as store:
                for i in range(0, len(part), SAVE_BATCH):
                    store.save_many(part[i:i + SAVE_BATCH])
        except BaseException as e:  # noqa: BLE001 - raised below
            failures.append(e)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=write, args=(part,)) for part in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    with open_store() as store:
        store.settle()
        if hasattr(store, "flush"):
            store.flush()
    return time.perf_counter() - t0


def sizing(ocr_s: float, extract_s: float, rates: dict[str, float], pages_per_report: float) -> list[dict]:
    """Workers (one core each) for 10 million scanned pages in a day and in a week, and how busy each
    store would be (its measured reports/s: > 1 means it cannot keep up)."""
    reports = PAGES_TOTAL / pages_per_report
    cpu_s = PAGES_TOTAL * ocr_s + reports * extract_s
    rows = []
    for label, seconds in (("1 day", 86_400), ("1 week", 7 * 86_400)):
        rows.append({
            "within": label,
            "pages_per_report": pages_per_report,
            "worker_cores": int(-(-cpu_s // seconds)),
            "reports_per_s_needed": round(reports / seconds, 1),
            "store_busy": {name: round(reports / seconds / rate, 2) for name, rate in rates.items()},
        })
    return rows


def start_servers(work: Path) -> dict:
    """Fuseki (HTTP basic credentials, in this process's environment for every writer) and the Oxigraph
    server, started by the project's scripts on loopback: ``{name: Server}``."""
    import secrets

    from sparql_fixture import Server

    credentials = {"LEGAL_KG_SPARQL_USER": "bench", "LEGAL_KG_SPARQL_PASSWORD": secrets.token_urlsafe(12)}
    for variable in ("FUSEKI_QUERY_TIMEOUT", "OXIGRAPH_QUERY_TIMEOUT"):  # the scripts' default, not the tests' 10 s
        os.environ.setdefault(variable, "300")
    servers = {"fuseki": Server("fuseki", credentials), "oxigraph-server": Server("oxigraph", {})}
    try:
        for server in servers.values():
            server.start()
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    os.environ.update(credentials)  # the Oxigraph server has no authentication and ignores them
    return servers


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--noise", type=float, default=0.5, help="OCR damage level of the synthetic text")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pages", type=int, default=6, help="scanned pages to OCR for the cost per page")
    ap.add_argument("--pages-per-report", type=float, default=4.0, help="for the sizing table")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else (lambda *a: print(*a, flush=True))

    from kg.stores.oxigraph import OxigraphStore
    from kg.stores.sparql import SparqlStore

    work = Path(tempfile.mkdtemp(prefix="kg-bench-dask-ingest-"))
    cluster = None
    servers: dict = {}
    store_s: dict[str, float] = {}  # seconds to store the corpus's reports, by store and writers
    try:
        corpus = work / "corpus"
        write_corpus(corpus, args.files, seed=args.seed, noise=args.noise)
        say(f"corpus: {args.files} files, {sum(p.stat().st_size for p in corpus.glob('*.txt')) / 1e6:.1f} MB")
        servers = start_servers(work)
        say("servers: " + ", ".join(f"{name} {server.url}" for name, server in servers.items()))
        seconds = {"jobs1": kg_ingest(work / "s-jobs1", corpus, "--jobs", "1")}
        say(f"--jobs 1: {seconds['jobs1']:.1f} s")
        cluster = Cluster(work)
        for n in (1, 2):
            cluster.workers(n)
            seconds[f"dask{n}"] = kg_ingest(work / f"s-dask{n}", corpus, "--scheduler", cluster.address)
            say(f"--scheduler with {n} worker(s): {seconds[f'dask{n}']:.1f} s")
        for name, server in servers.items():  # the two workers write the server themselves
            with SparqlStore(server.url) as store:
                store.clear()
            seconds[f"dask2_{name}"] = kg_ingest(server.url, corpus, "--scheduler", cluster.address)
            say(f"--scheduler with 2 workers into {name} (parallel writers): {seconds[f'dask2_{name}']:.1f} s")
        cluster.stop()
        cluster = None
        ocr_s = ocr_seconds_per_page(args.pages)
        say(f"OCR: {ocr_s:.2f} s a page")
        prepared, extract_s = prepared_reports(corpus)
        say(f"read + extract + graph: {extract_s * 1e3:.2f} ms a report")
        store_s["embedded"] = store_seconds(lambda: OxigraphStore(work / "s-embedded"), prepared)
        say(f"embedded store: {store_s['embedded']:.1f} s")
        for name, server in servers.items():
            for writers in (1, 2):
                store_s[f"{name}_w{writers}"] = store_seconds(
                    lambda: SparqlStore(server.url), prepared, writers,
                    writer=lambda: SparqlStore(server.url, settles=False))  # as ingest's parallel writers
                say(f"{name}, {writers} writer(s): {store_s[f'{name}_w{writers}']:.1f} s")
    finally:
        if cluster is not None:
            cluster.stop()
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    n = args.files
    reports_s = {k: round(n / v, 1) for k, v in store_s.items()}
    best = {"embedded": reports_s["embedded"],
            **{name: max(reports_s[f"{name}_w1"], reports_s[f"{name}_w2"]) for name in servers}}
    figures = {
        "files": n,
        "cores": os.cpu_count(),
        **{f"{k}_files_s": round(n / v, 1) for k, v in seconds.items()},
        "dask1_vs_jobs1": round(seconds["jobs1"] / seconds["dask1"], 2),
        "dask2_vs_jobs1": round(seconds["jobs1"] / seconds["dask2"], 2),
        "dask2_vs_dask1": round(seconds["dask1"] / seconds["dask2"], 2),
        "store_reports_s": reports_s,
        "ocr_s_per_page": round(ocr_s, 3),
        "extract_ms_per_report": round(extract_s * 1e3, 3),
        "pages_per_report": args.pages_per_report,
        "sizing_10M_pages": sizing(ocr_s, extract_s, best, args.pages_per_report) + sizing(ocr_s, extract_s, best, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    f = figures
    print(f"\n{n} synthetic files on {f['cores']} cores")
    print(f"{'kg ingest':44s}{'files/s':>10s}{'vs --jobs 1':>14s}")
    rows = [("--jobs 1 (embedded store)", "jobs1"), ("--scheduler, 1 worker (embedded store)", "dask1"),
            ("--scheduler, 2 workers (embedded store)", "dask2"),
            *((f"--scheduler, 2 workers writing {name}", f"dask2_{name}") for name in servers)]
    for label, key in rows:
        print(f"{label:44s}{f[key + '_files_s']:10.1f}{seconds['jobs1'] / seconds[key]:14.2f}")
    print(f"two workers / one worker: {f['dask2_vs_dask1']:.2f}×")
    print(f"\n{'storing only':44s}{'reports/s':>10s}")
    for key, rate in reports_s.items():
        label = key.replace("_w1", ", 1 writer").replace("_w2", ", 2 writers at once")
        print(f"{label:44s}{rate:10.1f}")
    print(f"\ncost on one core: OCR {f['ocr_s_per_page']:.2f} s/page; read + extract + graph "
          f"{f['extract_ms_per_report']:.2f} ms/report")
    print("\n10 million scanned pages (store busy: reports/s needed / the store's best measured rate):")
    print(f"{'within':10s}{'pages/report':>13s}{'worker cores':>14s}{'reports/s':>11s}  store busy")
    for row in f["sizing_10M_pages"]:
        busy = ", ".join(f"{name} {b:.2f}" for name, b in row["store_busy"].items())
        print(f"{row['within']:10s}{row['pages_per_report']:13g}{row['worker_cores']:14d}"
              f"{row['reports_per_s_needed']:11.1f}  {busy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
