"""Ingest files into stores: walk → read → extract → build graph → save.

Reading, extraction and building the report's triples run in worker
processes (``jobs``), which hand back each report as compact N-Triples text
(:class:`~kg.stores.oxigraph.PreparedReport`); saving happens in the calling
process, the one writer of each store, a batch of reports at a time
(:meth:`~kg.stores.oxigraph.OxigraphStore.save_many`: one transaction per
batch of new reports, each report whole). A store that does not take
N-Triples (:attr:`~kg.stores.base.Store.takes_ntriples`; Neo4j) gets rdflib
graphs, built from the extractions the workers hand back. A file whose decoded text is
already stored under the same report key (same content hash) is not
extracted again. Each file succeeds or fails on its own: a failure is
reported and the batch goes on, and a store only ever receives whole reports.

Workers get files in chunks (:data:`CHUNK` per task), so the per-task cost of
the process pool is paid once per chunk, not per file.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from extractors import extract
from kg import readers
from kg.graph import DEFAULT_BASE, build_report_graph, iri_scheme, report_triples, vocabulary_report_graph
from kg.model import Extraction, Report
from kg.stores.base import ReportGraph, Store, StoreError
from kg.stores.oxigraph import PreparedReport

#: Longest text ingested, in characters: a report's graph takes about 100
#: bytes of memory per character of text, so this bounds memory (~400 MB).
MAX_CHARS = 4_000_000
#: Files per worker task.
CHUNK = 8
#: Reports handed to the stores at a time (one transaction for the new ones).
#: Larger batches are no faster (indexing each quad is the cost, not the
#: commit) and a crash would lose more work (~200 KB of log per report).
SAVE_BATCH = 16
#: Files in the workers' hands at most (besides ``2 * jobs`` chunks): enough
#: to keep them busy while the writer saves a batch.
LOOK_AHEAD = 64


@dataclass(frozen=True)
class Outcome:
    """What happened to one file: ``ingested``, ``unchanged``, ``skipped`` or ``failed``."""

    source: str
    status: str
    reason: str = ""
    mentions: int = 0
    instruments: int = 0
    relations: int = 0


@dataclass
class Summary:
    """Counts over a whole ingest."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def mentions(self) -> int:
        return sum(o.mentions for o in self.outcomes)

    @property
    def instruments(self) -> int:
        return sum(o.instruments for o in self.outcomes)


# --- walking -------------------------------------------------------------------


def _matches(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    rel = path.relative_to(root).as_posix() if path != root and root in path.parents else path.name
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def walk(paths: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
         ) -> Iterator[tuple[Path, str | None]]:
    """Files under ``paths`` (recursively, following links once), with a problem if any.

    Yields ``(path, None)`` for each file to read, ``(path, reason)`` for a path
    that cannot be (missing, broken symlink, a directory that cannot be
    listed). Directories reached twice through symlinks (loops) are walked once.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for given in paths:
        root = Path(given)
        if root.is_symlink() and not root.exists():
            yield root, "broken symlink"
            continue
        if not root.exists():
            yield root, "no such file or directory"
            continue
        if root.is_file():
            yield root, None  # named explicitly: no include/exclude filtering
            continue
        unlistable: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable.append, followlinks=True):
            while unlistable:
                e = unlistable.pop(0)
                yield Path(e.filename), (e.strerror or str(e)).lower()
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:
                dirnames.clear()  # a symlink loop, or a directory already walked
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if include and not _matches(path, root, include):
                    continue
                if exclude and _matches(path, root, exclude):
                    continue
                if path.is_symlink() and not path.exists():
                    yield path, "broken symlink"
                else:
                    yield path, None
        for e in unlistable:
            yield Path(e.filename), (e.strerror or str(e)).lower()


# --- one file (runs in a worker) --------------------------------------------------


@dataclass(frozen=True)
class _Task:
    path: str
    stored_hash: str | None  # of this file's report key, when every store holds the same
    jurisdiction: str | None
    max_chars: int = MAX_CHARS


def source_name(path: Path) -> str:
    """The source recorded for a file: its absolute path (the report's identity)."""
    return str(path.resolve())


@dataclass(frozen=True)
class _Ready:
    """A report ready to store, and what to say about it."""

    source: str
    report: PreparedReport
    mentions: int
    instruments: int
    relations: int
    extraction: Extraction | None = None  # only when a store needs an rdflib graph


def prepare_report(ex: Extraction, base: str = DEFAULT_BASE) -> PreparedReport:
    """The report graph of ``ex`` as :func:`kg.graph.build_report_graph` makes it, serialized.

    Same graph IRI and triples, without building an rdflib Graph: the
    triples go straight to N-Triples text.
    """
    rep = ex.report
    iri = iri_scheme(base)["graph"].format(Report=rep)
    return PreparedReport.from_triples(rep.key, iri, rep.content_hash, report_triples(ex, base=base))


def _prepare(task: _Task, base: str = DEFAULT_BASE, keep_extraction: bool = False) -> _Ready | Outcome:
    """Read, extract and serialize one file; an Outcome when there is nothing to store."""
    try:
        text = readers.read(task.path)
    except readers.UnsupportedFormat as e:
        return Outcome(task.path, "skipped", e.reason)
    except readers.ReadError as e:
        return Outcome(task.path, "failed", e.reason)
    if len(text.content) > task.max_chars:
        return Outcome(task.path, "failed", f"text too long ({len(text.content):,} characters > "
                                           f"{task.max_chars:,}; split the file, or raise --max-chars)")
    text = dataclasses.replace(text, source=source_name(Path(task.path)))
    if task.stored_hash == text.content_hash:  # (hashed once: the Text keeps it for the report)
        return Outcome(task.path, "unchanged")
    try:
        ex = extract(text, jurisdiction=task.jurisdiction)
    except Exception as e:  # an extractor bug must not stop the batch; say which file
        return Outcome(task.path, "failed", f"extraction failed: {type(e).__name__}: {e}")
    try:
        report = prepare_report(ex, base)
    except Exception as e:  # e.g. a term that RDF cannot hold
        return Outcome(task.path, "failed", f"could not store: {type(e).__name__}: {e}")
    return _Ready(task.path, report, len(ex.mentions), len(ex.instruments), len(ex.relations),
                  ex if keep_extraction else None)


def _prepare_chunk(tasks: list[_Task], base: str, keep_extraction: bool) -> list[_Ready | Outcome]:
    return [_prepare(task, base, keep_extraction) for task in tasks]


# --- the batch -------------------------------------------------------------------


def ingest(
    paths: Iterable[str | Path],
    stores: Sequence[Store],
    *,
    jobs: int = 1,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    jurisdiction: str | None = None,
    base: str = DEFAULT_BASE,
    fail_fast: bool = False,
    max_chars: int = MAX_CHARS,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Ingest every file under ``paths`` into every store in ``stores``.

    A file is unchanged (not extracted again) when every store holds its
    content hash; each store still skips what it already holds. Texts longer
    than ``max_chars`` fail (bounded memory). ``on_outcome`` is called once
    per file, in completion order (for progress and error lines).
    """
    summary = Summary()
    stop = False
    vocabulary = vocabulary_report_graph()
    for store in stores:  # labels for types, issuers and provinces; a no-op when unchanged
        store.save(vocabulary)
    ready: list[_Ready] = []  # prepared, not yet saved
    # Stores that do not take N-Triples get rdflib graphs, built from the extraction.
    keep = any(not store.takes_ntriples for store in stores)

    def report(outcome: Outcome) -> None:
        nonlocal stop
        summary.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
        if fail_fast and outcome.status == "failed":
            stop = True

    def save_ready() -> None:
        if not ready:
            return
        batch = list(ready)
        ready.clear()
        for outcome in _save(batch, stores, base):
            report(outcome)

    def finish(result: _Ready | Outcome) -> None:
        if isinstance(result, Outcome):
            report(result)
            return
        ready.append(result)
        if len(ready) >= SAVE_BATCH:
            save_ready()

    def tasks() -> Iterator[_Task | Outcome]:
        for path, problem in walk(paths, include, exclude):
            if problem:
                yield Outcome(str(path), "failed", problem)
                continue
            key = Report(source=source_name(path)).key
            # Unchanged only if every store holds this version: after a crash
            # between two stores' saves, the one behind must still get it.
            try:
                hashes = {store.stored_hash(key) for store in stores}
            except StoreError as e:  # a store server gone away: this file is not stored, the others may be
                yield Outcome(str(path), "failed", f"could not store: {type(e).__name__}: {e}")
                continue
            yield _Task(str(path), hashes.pop() if len(hashes) == 1 else None, jurisdiction, max_chars)

    if jobs <= 1:
        for task in tasks():
            finish(task if isinstance(task, Outcome) else _prepare(task, base, keep))
            if stop:
                break
        save_ready()  # what was read before a --fail-fast stop is still stored
        return summary

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: set[Future] = set()
        chunk: list[_Task] = []

        def drain(until: int) -> None:
            nonlocal pending
            while len(pending) > until and not stop:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    for result in fut.result():
                        if not stop:
                            finish(result)

        def submit() -> None:
            if chunk:
                pending.add(pool.submit(_prepare_chunk, list(chunk), base, keep))
                chunk.clear()

        for task in tasks():
            if isinstance(task, Outcome):
                finish(task)
            else:
                chunk.append(task)
                if len(chunk) >= CHUNK:
                    submit()
            drain(LOOK_AHEAD // CHUNK + 2 * jobs)  # bounded: never the whole archive in memory
            if stop:
                break
        if not stop:
            submit()
        drain(0)
        save_ready()  # what was read before a --fail-fast stop is still stored
        for fut in pending:  # only after --fail-fast stopped the batch
            fut.cancel()
    return summary


def _save(batch: Sequence[_Ready], stores: Sequence[Store], base: str) -> list[Outcome]:
    """Save prepared reports in every store; one Outcome per report, in order."""
    changed = [False] * len(batch)
    errors: list[Exception | None] = [None] * len(batch)
    graphs: list[ReportGraph | Exception] | None = None
    for store in stores:
        if store.takes_ntriples:
            results = store.save_many([r.report for r in batch], return_exceptions=True)
        else:
            if graphs is None:
                graphs = [_report_graph(r, base) for r in batch]
            results = _save_graphs(store, graphs)
        for i, result in enumerate(results):
            if isinstance(result, Exception):
                errors[i] = errors[i] or result
            elif result:
                changed[i] = True
    outcomes = []
    for r, ok, error in zip(batch, changed, errors):
        if error is not None:  # a store error names the file; the batch goes on
            outcomes.append(Outcome(r.source, "failed", f"could not store: {type(error).__name__}: {error}"))
        else:
            outcomes.append(Outcome(r.source, "ingested" if ok else "unchanged", "",
                                    r.mentions, r.instruments, r.relations))
    return outcomes


def _report_graph(r: _Ready, base: str) -> ReportGraph | Exception:
    try:
        if r.extraction is not None:
            return build_report_graph(r.extraction, base=base)
        return r.report.report_graph()
    except Exception as e:
        return e


def _save_graphs(store: Store, graphs: Sequence[ReportGraph | Exception]) -> list[bool | Exception]:
    """``store.save`` each graph (through its ``save_many`` when it has one); errors per report."""
    results: list[bool | Exception] = list(graphs)
    todo = [i for i, g in enumerate(graphs) if not isinstance(g, Exception)]
    save_many = getattr(store, "save_many", None)
    if save_many is not None and len(todo) > 1:
        try:
            for i, ok in zip(todo, save_many([graphs[i] for i in todo])):
                results[i] = ok
            return results
        except Exception:
            pass  # one by one, to tell which report fails
    for i in todo:
        try:
            results[i] = store.save(graphs[i])
        except Exception as e:
            results[i] = e
    return results
