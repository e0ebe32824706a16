"""Benchmark: `kg ingest` files per second, one worker against two, and re-runs.

    .venv/bin/python bench/ingest.py [--files 3000] [--noise 0.5] [--seed 1] [--repeat 1]

Writes a synthetic corpus of ``--files`` OCR-like reports (``synthetic``,
~4.4 KB and ~15 citations each) to a temporary directory, then runs the
real CLI as a subprocess — what users run — and times it from start to exit:

* ``kg ingest --jobs 1`` and ``kg ingest --jobs 2`` into a fresh store each:
  read, extract, build the graph, store; files/s and the speed-up of 2 jobs;
* the same command again on the same store (nothing changed): every file is
  read and hashed, none extracted (hash skip); files/s and its time as a
  fraction of the first run's;
* ``kg ingest`` of an empty directory: the fixed cost in every figure above
  (interpreter start, imports, opening the store, the vocabulary graph).

Targets (issue #4): the store takes ≥ 200 reports/s (bench/store.py); with
``--jobs 2`` ingest is faster than with ``--jobs 1`` on the 2-core machine; a
re-run of an unchanged corpus costs a small fraction of the first run. Each
figure is the best of ``--repeat`` runs, each into a fresh store.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import write_corpus  # noqa: E402

KG = Path(sys.executable).with_name("kg")
SUMMARY = re.compile(r"(\d+) ingested, (\d+) unchanged, (\d+) skipped, (\d+) failed")


def kg_ingest(store: Path, corpus: Path, jobs: int) -> tuple[float, tuple[int, ...]]:
    """Run ``kg ingest``; (wall seconds, (ingested, unchanged, skipped, failed))."""
    cmd = [str(KG), "ingest", "--store", str(store), "--jobs", str(jobs), "-q", "--include", "*.txt", str(corpus)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    m = SUMMARY.search(done.stdout)
    if not m:
        raise SystemExit(f"unexpected output of kg ingest:\n{done.stdout}")
    return dt, tuple(int(x) for x in m.groups())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--noise", type=float, default=0.5, help="OCR damage level of the synthetic text (0 = clean)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per figure (best kept), each into a fresh store")
    ap.add_argument("--dir", help="where to write the corpus and stores (default: a temporary directory)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else \
        (lambda *a: print(*a, flush=True))

    work = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-", dir=args.dir))
    try:
        corpus = work / "corpus"
        write_corpus(corpus, args.files, seed=args.seed, noise=args.noise)
        megabytes = sum(p.stat().st_size for p in corpus.glob("*.txt")) / 1e6
        (work / "empty").mkdir()
        say(f"corpus: {args.files} files, {megabytes:.1f} MB")

        runs = 0

        def fresh() -> Path:
            nonlocal runs
            runs += 1
            return work / f"store{runs}"

        startup = min(kg_ingest(fresh(), work / "empty", 1)[0] for _ in range(args.repeat))
        say(f"startup (empty directory): {startup:.2f} s")
        first: dict[int, float] = {}
        rerun: dict[int, float] = {}
        for jobs in (1, 2):
            for _ in range(args.repeat):
                store = fresh()
                dt, counts = kg_ingest(store, corpus, jobs)
                assert counts == (args.files, 0, 0, 0), counts
                again, counts = kg_ingest(store, corpus, jobs)
                assert counts == (0, args.files, 0, 0), counts
                first[jobs] = min(first.get(jobs, dt), dt)
                rerun[jobs] = min(rerun.get(jobs, again), again)
                shutil.rmtree(store)
                say(f"--jobs {jobs}: first run {dt:.1f} s, re-run {again:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    n = args.files
    figures = {
        "files": n,
        "megabytes": round(megabytes, 2),
        "startup_s": round(startup, 2),
        **{f"jobs{j}_files_s": round(n / first[j], 1) for j in (1, 2)},
        **{f"jobs{j}_rerun_files_s": round(n / rerun[j], 1) for j in (1, 2)},
        # Without the fixed start-up cost: the steady rate of a long ingest.
        **{f"jobs{j}_files_s_after_startup": round(n / max(first[j] - startup, 1e-9), 1) for j in (1, 2)},
        "jobs2_speedup": round(first[1] / first[2], 2),
        "rerun_vs_first_jobs1": round(rerun[1] / first[1], 3),
        "rerun_vs_first_jobs2": round(rerun[2] / first[2], 3),
    }
    checks = {
        "--jobs 2 faster than --jobs 1": figures["jobs2_speedup"] > 1.0,
        "re-run of an unchanged corpus < 25 % of the first run": figures["rerun_vs_first_jobs2"] < 0.25,
    }
    if args.json:
        print(json.dumps({"figures": figures, "targets_met": checks}, ensure_ascii=False, indent=2))
        return 0
    f = figures
    print(f"\ncorpus: {n} synthetic files, {f['megabytes']:.1f} MB; start-up (empty directory) {f['startup_s']:.2f} s")
    print(f"{'':12s}{'first run':>12s}{'(– start-up)':>14s}{'re-run':>12s}{'re-run/first':>14s}   files/s")
    for j in (1, 2):
        print(f"--jobs {j:<5d}{f[f'jobs{j}_files_s']:12.1f}{f[f'jobs{j}_files_s_after_startup']:14.1f}"
              f"{f[f'jobs{j}_rerun_files_s']:12.1f}{f[f'rerun_vs_first_jobs{j}']:14.3f}")
    print(f"--jobs 2 / --jobs 1 speed-up: {f['jobs2_speedup']:.2f}×")
    for name, ok in checks.items():
        print(f"  [{'met' if ok else 'MISSED'}] {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
