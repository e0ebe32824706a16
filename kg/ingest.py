"""Ingest files into stores: walk → read → extract → build graph → save.

Reading and extraction run in worker processes (``jobs``); graph building and
saving happen in the calling process, the one writer of each store. A file
whose decoded text is already stored under the same report key (same content
hash) is not extracted again. Each file succeeds or fails on its own: a
failure is reported and the batch goes on, and a store only ever receives
whole reports.
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
from kg.graph import DEFAULT_BASE, build_report_graph, vocabulary_report_graph
from kg.model import Extraction, Report
from kg.stores.base import Store


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
    that cannot be (missing, broken symlink). Directories reached twice through
    symlinks (loops) are walked once.
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
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
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


# --- one file (runs in a worker) --------------------------------------------------


@dataclass(frozen=True)
class _Task:
    path: str
    stored_hash: str | None  # of this file's report key in the primary store
    jurisdiction: str | None


def source_name(path: Path) -> str:
    """The source recorded for a file: its absolute path (the report's identity)."""
    return str(path.resolve())


def _prepare(task: _Task) -> tuple[str, Extraction] | Outcome:
    """Read and extract one file; an Outcome when there is nothing to store."""
    try:
        text = readers.read(task.path)
    except readers.UnsupportedFormat as e:
        return Outcome(task.path, "skipped", e.reason)
    except readers.ReadError as e:
        return Outcome(task.path, "failed", e.reason)
    if task.stored_hash == text.content_hash:
        return Outcome(task.path, "unchanged")
    text = dataclasses.replace(text, source=source_name(Path(task.path)))
    try:
        return task.path, extract(text, jurisdiction=task.jurisdiction)
    except Exception as e:  # an extractor bug must not stop the batch; say which file
        return Outcome(task.path, "failed", f"extraction failed: {type(e).__name__}: {e}")


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
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Ingest every file under ``paths`` into every store in ``stores``.

    The first store decides what is unchanged (content hash); each store
    still skips what it already holds. ``on_outcome`` is called once per
    file, in completion order (for progress and error lines).
    """
    summary = Summary()
    primary = stores[0]
    stop = False
    vocabulary = vocabulary_report_graph()
    for store in stores:  # labels for types, issuers and provinces; a no-op when unchanged
        store.save(vocabulary)

    def finish(result: tuple[str, Extraction] | Outcome) -> None:
        nonlocal stop
        outcome = result if isinstance(result, Outcome) else _store(*result, stores, base)
        summary.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
        if fail_fast and outcome.status == "failed":
            stop = True

    def tasks() -> Iterator[_Task | Outcome]:
        for path, problem in walk(paths, include, exclude):
            if problem:
                yield Outcome(str(path), "failed", problem)
                continue
            key = Report(source=source_name(path), content_hash="").key
            yield _Task(str(path), primary.stored_hash(key), jurisdiction)

    if jobs <= 1:
        for task in tasks():
            finish(task if isinstance(task, Outcome) else _prepare(task))
            if stop:
                break
        return summary

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: set[Future] = set()

        def drain(until: int) -> None:
            nonlocal pending
            while len(pending) > until and not stop:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    finish(fut.result())

        for task in tasks():
            if isinstance(task, Outcome):
                finish(task)
            else:
                pending.add(pool.submit(_prepare, task))
            drain(4 * jobs)  # bounded look-ahead: never the whole archive in memory
            if stop:
                break
        drain(0)
        for fut in pending:  # only after --fail-fast stopped the batch
            fut.cancel()
    return summary


def _store(source: str, ex: Extraction, stores: Sequence[Store], base: str) -> Outcome:
    """Build the report graph once and save it in every store."""
    try:
        report = build_report_graph(ex, base=base)
        changed = [store.save(report) for store in stores]
    except Exception as e:  # a store error names the file; the batch goes on
        return Outcome(source, "failed", f"could not store: {type(e).__name__}: {e}")
    status = "ingested" if any(changed) else "unchanged"
    return Outcome(source, status, "", len(ex.mentions), len(ex.instruments), len(ex.relations))
