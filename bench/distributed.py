"""Benchmark: `kg ingest` on a Dask cluster (one and two workers) against `--jobs 1`, and the cost per page and report.

    .venv/bin/python bench/distributed.py [--files 1000] [--pages 6] [--pages-per-report 4] [--json]

In one run, on one synthetic corpus (``kg.synthetic``, OCR-like text, ~4.4 KB
and ~15 citations a file):

* files/s of the real CLI, from start to exit, each into a fresh store:
  ``kg ingest --jobs 1``, then ``kg ingest --scheduler tcp://…`` with one and
  with two ``dask worker`` processes (one thread each) of a ``dask scheduler``
  started here on loopback;
* the cost of each stage on one core, measured in this process: OCR per
  scanned page (Tesseract ``-l vie`` on ``--pages`` A4 pages rendered at
  300 dpi), extraction and graph building per report, storing per report
  (the embedded store's batched writer);
* from those, the sizing of docs/scaling.md: workers needed to ingest 10
  million scanned pages in a day and in a week, and the stage that then
  limits (the single writer of the embedded store).
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
# This file's name is Dask's package's: its folder must not shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # make_corpus renders pages the way the OCR tests do

from kg.synthetic import generate, write_corpus  # noqa: E402

BIN = Path(sys.executable).parent
SUMMARY = re.compile(r"(\d+) ingested, (\d+) unchanged, (\d+) skipped, (\d+) failed")
PAGES_TOTAL = 10_000_000


def kg_ingest(store: Path, corpus: Path, *extra: str) -> float:
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


def report_costs(corpus: Path, work: Path) -> tuple[float, float]:
    """Seconds per report (one core) of reading + extraction + graph building, and of storing."""
    from extractors import extract
    from kg import readers
    from kg.ingest import SAVE_BATCH, prepare_report
    from kg.stores.oxigraph import OxigraphStore

    files = sorted(corpus.glob("*.txt"))
    t0 = time.perf_counter()
    prepared = [prepare_report(extract(readers.read(f))) for f in files]
    extraction = (time.perf_counter() - t0) / len(files)
    store = OxigraphStore(work / "cost-store")
    try:
        t0 = time.perf_counter()
        for i in range(0, len(prepared), SAVE_BATCH):
            store.save_many(prepared[i:i + SAVE_BATCH])
        store.flush()
        storing = (time.perf_counter() - t0) / len(files)
    finally:
        store.close()
    return extraction, storing


def sizing(ocr_s: float, extract_s: float, store_s: float, pages_per_report: float) -> list[dict]:
    """Workers (one core each) for 10 million scanned pages in a day and in a week."""
    reports = PAGES_TOTAL / pages_per_report
    cpu_s = PAGES_TOTAL * ocr_s + reports * extract_s
    writer_s = reports * store_s
    rows = []
    for label, seconds in (("1 day", 86_400), ("1 week", 7 * 86_400)):
        rows.append({
            "within": label,
            "worker_cores": int(-(-cpu_s // seconds)),
            "reports_per_s_needed": round(reports / seconds, 1),
            "writer_busy": round(writer_s / seconds, 2),  # > 1: one embedded store cannot keep up
        })
    return rows


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

    work = Path(tempfile.mkdtemp(prefix="kg-bench-distributed-"))
    cluster = None
    try:
        corpus = work / "corpus"
        write_corpus(corpus, args.files, seed=args.seed, noise=args.noise)
        say(f"corpus: {args.files} files, {sum(p.stat().st_size for p in corpus.glob('*.txt')) / 1e6:.1f} MB")
        seconds = {"jobs1": kg_ingest(work / "s-jobs1", corpus, "--jobs", "1")}
        say(f"--jobs 1: {seconds['jobs1']:.1f} s")
        cluster = Cluster(work)
        for n in (1, 2):
            cluster.workers(n)
            seconds[f"dask{n}"] = kg_ingest(work / f"s-dask{n}", corpus, "--scheduler", cluster.address)
            say(f"--scheduler with {n} worker(s): {seconds[f'dask{n}']:.1f} s")
        cluster.stop()
        cluster = None
        ocr_s = ocr_seconds_per_page(args.pages)
        say(f"OCR: {ocr_s:.2f} s a page")
        extract_s, store_s = report_costs(corpus, work)
        say(f"read + extract + graph: {extract_s * 1e3:.2f} ms a report; store: {store_s * 1e3:.2f} ms a report")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)

    n = args.files
    figures = {
        "files": n,
        "cores": os.cpu_count(),
        **{f"{k}_files_s": round(n / v, 1) for k, v in seconds.items()},
        "dask1_vs_jobs1": round(seconds["jobs1"] / seconds["dask1"], 2),
        "dask2_vs_jobs1": round(seconds["jobs1"] / seconds["dask2"], 2),
        "dask2_vs_dask1": round(seconds["dask1"] / seconds["dask2"], 2),
        "ocr_s_per_page": round(ocr_s, 3),
        "extract_ms_per_report": round(extract_s * 1e3, 3),
        "store_ms_per_report": round(store_s * 1e3, 3),
        "pages_per_report": args.pages_per_report,
        "sizing_10M_pages": sizing(ocr_s, extract_s, store_s, args.pages_per_report),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    f = figures
    print(f"\n{n} synthetic files on {f['cores']} cores")
    print(f"{'':28s}{'files/s':>10s}{'vs --jobs 1':>14s}")
    print(f"{'--jobs 1':28s}{f['jobs1_files_s']:10.1f}{1.0:14.2f}")
    for w in (1, 2):
        label = f"--scheduler, {w} worker{'s' if w > 1 else ''}"
        print(f"{label:28s}{f[f'dask{w}_files_s']:10.1f}"
              f"{f[f'dask{w}_vs_jobs1']:14.2f}")
    print(f"two workers / one worker: {f['dask2_vs_dask1']:.2f}×")
    print(f"cost on one core: OCR {f['ocr_s_per_page']:.2f} s/page; read + extract + graph "
          f"{f['extract_ms_per_report']:.2f} ms/report; store {f['store_ms_per_report']:.2f} ms/report")
    print(f"\n10 million scanned pages, {args.pages_per_report:g} pages a report:")
    print(f"{'within':10s}{'worker cores':>14s}{'reports/s':>12s}{'writer busy':>13s}")
    for row in f["sizing_10M_pages"]:
        print(f"{row['within']:10s}{row['worker_cores']:14d}{row['reports_per_s_needed']:12.1f}{row['writer_busy']:13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
