"""Ingest files into stores: plan → prepare (on any executor) → write.

* **plan** (the calling process): walk the paths, work out each file's report
  key and, a batch at a time, whether every store already holds a version
  of it (its content hash);
* **prepare** (anywhere: in-process, a process pool, a Dask cluster): read the
  file itself, hash it, skip it when unchanged, extract, and serialize the
  report's graph as N-Triples (:class:`~kg.stores.oxigraph.PreparedReport`);
* **write**: save the prepared reports a batch at a time, each report whole:
  in the calling process (the one writer of the embedded store), or, when
  every store is a server others can write too (a remote SPARQL store,
  Neo4j) and the prepare step runs elsewhere, by the workers themselves
  (parallel writers); the calling process then decides the instruments once
  they are done (``settle``).

The map in the middle takes any :class:`concurrent.futures.Executor`. See
docs/scaling.md for running it on a cluster.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import hashlib
import os
import socket
import stat
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from extractors import extract
from extractors.vocab import Vocabulary, bundled_vocabulary
from kg import __version__, readers
from kg.graph import DEFAULT_BASE, build_report_graph, report_triples, store_vocabulary
from kg.iris import IriScheme
from kg.model import Extraction
from kg.stores.base import ReportGraph, Store, StoredVersion, StoreError, StoreLocation
from kg.stores.oxigraph import PreparedReport

#: Longest text ingested, in characters: a report's graph takes about 100
#: bytes of memory per character of text, so this bounds memory (~400 MB).
MAX_CHARS = 4_000_000
#: Files per executor task: the per-task cost (a pool's pickling, a cluster's
#: scheduling) is paid once per chunk, not per file.
CHUNK = 8
#: Reports handed to the stores at a time (one transaction for the new ones).
#: Larger batches are no faster (indexing each quad is the cost, not the
#: commit) and a crash would lose more work (~200 KB of log per report).
SAVE_BATCH = 16
#: Files in the workers' hands at most (besides ``2 * workers`` chunks):
#: enough to keep them busy while the writer saves a batch.
LOOK_AHEAD = 64
#: Files whose stored hashes are looked up together.
PLAN_BATCH = 256


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

    def skipped(self) -> dict[str, list[str]]:
        """The files skipped (of a type legal-kg does not read…) by reason, the commonest reason first."""
        by_reason: dict[str, list[str]] = {}
        for o in self.outcomes:
            if o.status == "skipped":
                by_reason.setdefault(o.reason, []).append(o.source)
        return dict(sorted(by_reason.items(), key=lambda item: -len(item[1])))

    def line(self) -> str:
        """The counts in one line, as ``kg ingest`` ends with them."""
        return (f"{self.count('ingested')} ingested, {self.count('unchanged')} unchanged, "
                f"{self.count('skipped')} skipped, {self.failed} failed; "
                f"{self.mentions} citations of {self.instruments} instruments read")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`ingest`: what was prepared is stored; ``summary`` says what was done."""

    def __init__(self, summary: Summary):
        super().__init__("interrupted")
        self.summary = summary


class VersionMismatch(RuntimeError):
    """A worker runs another legal-kg version than the client: its graphs could differ."""


# --- plan: what to read, and what the stores hold ----------------------------------


def is_url(path: str | os.PathLike) -> bool:
    """An fsspec URL (``s3://…``, ``gs://…``, ``http(s)://…``) rather than a local path."""
    return isinstance(path, str) and "://" in path


def _matches(rel: str, name: str, patterns: Sequence[str]) -> bool:
    """Case-insensitive glob match on the path relative to the walked folder, or on the name."""
    rel, name = rel.lower(), name.lower()
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def _selected(rel: str, name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    include = [p.lower() for p in include]
    exclude = [p.lower() for p in exclude]
    return (not include or _matches(rel, name, include)) and not (exclude and _matches(rel, name, exclude))


def walk(paths: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
         ) -> Iterator[tuple[str, str | None]]:
    """Files under ``paths`` (recursively, following links once), with a problem if any.

    Yields ``(path, None)`` for each file to read, ``(path, reason)`` for a path
    that cannot be (missing, broken symlink, a directory that cannot be
    listed). Directories reached twice through symlinks (loops) are walked once.
    ``include``/``exclude`` globs match case-insensitively; a file named
    explicitly is never filtered. URLs are listed through fsspec.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for given in paths:
        if not os.fspath(given):
            yield "", "empty path (use . for the current directory)"
            continue
        if is_url(given):
            yield from _walk_url(str(given), include, exclude)
            continue
        root = Path(given)
        if root.is_symlink() and not root.exists():
            yield str(root), "broken symlink"
            continue
        if not root.exists():
            yield str(root), "no such file or directory"
            continue
        if not root.is_dir():
            yield str(root), None  # named explicitly; the reader says what it is if not a file
            continue
        unlistable: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable.append, followlinks=True):
            while unlistable:
                e = unlistable.pop(0)
                yield str(e.filename), (e.strerror or str(e)).lower()
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:
                dirnames.clear()  # a symlink loop, or a directory already walked
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if not _selected(path.relative_to(root).as_posix(), name, include, exclude):
                    continue
                if path.is_symlink() and not path.exists():
                    yield str(path), "broken symlink"
                else:
                    yield str(path), None
        for e in unlistable:
            yield str(e.filename), (e.strerror or str(e)).lower()


def _walk_url(url: str, include: Sequence[str], exclude: Sequence[str]) -> Iterator[tuple[str, str | None]]:
    """The files at an fsspec URL: itself, or everything under it when it is a folder."""
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url)
        if not fs.isdir(root):
            yield url, None if fs.exists(root) else "no such file or directory"
            return
        found = sorted(fs.find(root))
    except ImportError as e:
        yield url, f"reading URLs needs the dask extra ({e.name} missing): pip install 'legal-kg[dask]'"
        return
    except Exception as e:  # noqa: BLE001 - each filesystem raises its own kinds
        yield url, f"cannot list: {type(e).__name__}: {e}"
        return
    prefix = root.rstrip("/") + "/"
    for path in found:
        rel = path[len(prefix):] if path.startswith(prefix) else path
        if _selected(rel, rel.rsplit("/", 1)[-1], include, exclude):
            yield fs.unstrip_protocol(path), None


def supported(path: str) -> bool:
    """Whether a walked file has a suffix legal-kg reads (what the progress bar counts)."""
    return Path(path.rsplit("/", 1)[-1]).suffix.lower() in readers.SUPPORTED_SUFFIXES


def count_supported(paths: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()) -> int:
    """How many files under ``paths`` have a supported suffix (a second walk, without reading)."""
    return sum(1 for path, problem in walk(paths, include, exclude) if not problem and supported(path))


def source_label(path: str, root: str | Path) -> str:
    """Where a file was read, as recorded and shown: never an absolute server path.

    A file under a folder given to ``kg ingest`` is labelled by its path from
    that folder's parent (``archive/2023/a.pdf`` for ``/srv/archive``), so an
    archive moved or mounted elsewhere keeps its labels; a file given itself
    by its name; a URL as it is.
    """
    if is_url(path):
        return path
    root = Path(root)
    if not root.is_dir():
        return readers.path_text(Path(path).name)
    root = root.resolve()
    relative = Path(path).resolve().relative_to(root).as_posix()
    return readers.path_text(f"{root.name or '_'}/{relative}")


def stored_versions(stores: Sequence[Store], sources: Sequence[str]) -> list[StoredVersion | None]:
    """For each source, the version every store holds of the report read from it, or None.

    The one place that decides what a worker may skip: only a version every
    store holds (after a crash between two stores' saves, the one behind must
    still get it).
    """
    out = []
    for source in sources:
        versions = {store.stored_version(source) for store in stores}
        out.append(versions.pop() if len(versions) == 1 else None)
    return out


@dataclass(frozen=True)
class Task:
    """One file for a worker: where to read it, how to name it, and what the stores hold."""

    path: str  # a local path (as the OS gives it) or a URL
    name: str  # for messages (a path's undecodable bytes as \\xNN)
    source: str  # recorded in the graph and the bookkeeping (source_label)
    stored: StoredVersion | None


def plan(paths: Iterable[str | Path], stores: Sequence[Store], include: Sequence[str] = (),
         exclude: Sequence[str] = ()) -> Iterator[Task | Outcome]:
    """A :class:`Task` per file to read, or an :class:`Outcome` for a path that cannot be."""
    batch: list[tuple[str, str]] = []

    def flush() -> Iterator[Task | Outcome]:
        try:
            versions = stored_versions(stores, [source for _, source in batch])
        except StoreError as e:  # a store server gone away: these files are not stored, later ones may be
            for path, _ in batch:
                yield Outcome(readers.path_text(path), "failed", f"could not store: {type(e).__name__}: {e}")
            batch.clear()
            return
        for (path, source), stored in zip(batch, versions):
            yield Task(path, readers.path_text(path), source, stored)
        batch.clear()

    for root in paths:
        for path, problem in walk([root], include, exclude):
            if problem:
                yield Outcome(readers.path_text(path) or "''", "failed", problem)
                continue
            batch.append((path, source_label(path, root)))
            if len(batch) >= PLAN_BATCH:
                yield from flush()
    yield from flush()


def gone(store: Store, folders: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """``(key, source)`` of the reports read from ``folders`` whose files are no longer there."""
    roots = {Path(folder).resolve().name or "_": Path(folder).resolve() for folder in folders}
    for key, source in store.report_sources():
        folder, _, rest = source.partition("/")
        if folder in roots and rest and not (roots[folder] / rest).exists():
            yield key, source


@functools.cache
def recipe(base: str = DEFAULT_BASE, jurisdiction: str | None = None, vocabulary: Vocabulary | None = None) -> str:
    """What makes a report's graph from its text: legal-kg's version, the vocabulary (None: the
    bundled one), the options.

    Stored with each report; a report whose recipe differs is extracted
    again even when its text did not change (after an upgrade, a vocabulary
    edit, another ``--base``, ``--jurisdiction`` or ``--vocabulary``).
    """
    words = (vocabulary or bundled_vocabulary()).digest
    return hashlib.sha256(f"{__version__}\n{base}\n{jurisdiction or ''}\n{words}\n".encode()).hexdigest()[:16]


def file_hash(path: str, max_bytes: int) -> str:
    """SHA-256 of a local regular file's bytes (read in blocks); "" for anything the reader will refuse
    (not a regular file: opening a FIFO would block; larger than ``max_bytes``)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
        return ""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- prepare: one file, on whichever worker ----------------------------------------


@dataclass(frozen=True)
class Options:
    """What preparing a file needs besides the file (sent to the workers with each chunk)."""

    base: str = DEFAULT_BASE
    jurisdiction: str | None = None
    max_chars: int = MAX_CHARS
    limits: readers.Limits = readers.Limits()
    keep_extraction: bool = False  # for stores that take rdflib graphs, not N-Triples
    version: str = __version__  # the client's: a worker refuses work when its own differs
    force: bool = False  # extract again even what is stored unchanged
    stores: tuple[StoreLocation, ...] = ()  # where the workers write themselves (parallel writers), if anywhere
    vocabulary: Vocabulary | None = None  # the extractors' (None: the bundled one); sent as its files

    @property
    def recipe(self) -> str:
        return recipe(self.base, self.jurisdiction, self.vocabulary)


@dataclass(frozen=True)
class Ready:
    """A report ready to store, and what to say about it."""

    source: str
    report: PreparedReport
    mentions: int
    instruments: int
    relations: int
    extraction: Extraction | None = None  # only when a store needs an rdflib graph
    #: The stores held this version when the run looked (--force): "unchanged" if they still do.
    #: A version stored since (by a task run again after its worker died, or another run) was not:
    #: this run ingested it.
    known: bool = False


def prepare_report(ex: Extraction, base: str = DEFAULT_BASE, *, recipe: str = "", file_hash: str = ""
                   ) -> PreparedReport:
    """The report graph of ``ex`` as :func:`kg.graph.build_report_graph` makes it, serialized.

    Same graph IRI and triples, without building an rdflib Graph: the
    triples go straight to N-Triples text.
    """
    rep = ex.report
    iri = IriScheme(base).graph(rep.key)
    return PreparedReport.from_triples(rep.key, iri, rep.content_hash, report_triples(ex, base=base),
                                       recipe=recipe, source=rep.source, file_hash=file_hash)


def _read(task: Task, limits: readers.Limits):
    return readers.read_url(task.path, limits=limits) if is_url(task.path) else readers.read(task.path, limits=limits)


def prepare(task: Task, options: Options = Options()) -> Ready | Outcome:
    """Read, extract and serialize one file; an Outcome when there is nothing to store.

    A file is unchanged, and not even read, when its bytes and the recipe are
    those stored; or, read, when its text and the recipe are.
    """
    name = task.name
    recipe = options.recipe
    stored = task.stored
    # The version stored, if the file may be found unchanged against it: made by the same recipe, without --force.
    keep = stored if stored is not None and stored.recipe == recipe and not options.force else None
    try:
        hashed = "" if is_url(task.path) else file_hash(task.path, options.limits.max_bytes)
    except OSError:
        hashed = ""  # the reader says what is wrong with it
    if keep and hashed and keep.file_hash == hashed:
        return Outcome(name, "unchanged")
    try:
        text = _read(task, options.limits)
    except readers.UnsupportedFormat as e:
        return Outcome(name, "skipped", e.reason)
    except readers.ReadError as e:
        return Outcome(name, "failed", e.reason)
    except Exception as e:  # a reader bug must not stop the batch; say which file
        return Outcome(name, "failed", f"could not read: {type(e).__name__}: {e}")
    if len(text.content) > options.max_chars:
        return Outcome(name, "failed", f"text too long ({len(text.content):,} characters > "
                                       f"{options.max_chars:,}; split the file, or raise --max-chars)")
    text = dataclasses.replace(text, source=task.source)
    if keep and keep.content_hash == text.content_hash:  # (hashed once: the Text keeps it)
        return Outcome(name, "unchanged")
    try:
        ex = extract(text, jurisdiction=options.jurisdiction, vocabulary=options.vocabulary)
    except Exception as e:  # an extractor bug must not stop the batch; say which file
        return Outcome(name, "failed", f"extraction failed: {type(e).__name__}: {e}")
    try:
        report = prepare_report(ex, options.base, recipe=recipe, file_hash=hashed)
    except Exception as e:  # e.g. a term that RDF cannot hold
        return Outcome(name, "failed", f"could not store: {type(e).__name__}: {e}")
    known = stored is not None and (stored.key, stored.content_hash, stored.recipe) == (report.key, report.content_hash, recipe)
    return Ready(name, report, len(ex.mentions), len(ex.instruments), len(ex.relations),
                 ex if options.keep_extraction else None, known)


def check_version(client: str) -> None:
    """Raise :class:`VersionMismatch` unless this process runs legal-kg ``client`` (the client's version)."""
    import kg

    if kg.__version__ != client:
        raise VersionMismatch(f"a worker on {socket.gethostname()} (pid {os.getpid()}) runs legal-kg "
                              f"{kg.__version__}, the client {client}: install the same version on every worker")


def prepare_chunk(tasks: list[Task], options: Options) -> Sequence[Ready | Outcome]:
    """:func:`prepare` each task (one executor call), on a worker of the client's version;
    with ``options.stores``, store the reports here too (a parallel writer: only Outcomes come back)."""
    check_version(options.version)
    results = [prepare(task, options) for task in tasks]
    return write_here(results, options) if options.stores else results


# --- parallel writers: the workers store what they prepared --------------------------


_opened: dict[StoreLocation, Store] = {}  # this process's stores, opened once and kept for later tasks
_opening = threading.Lock()


def stores_here(locations: Sequence[StoreLocation]) -> list[Store]:
    """The stores at ``locations``, opened in this process (credentials from its environment) once."""
    with _opening:
        for location in locations:
            if location not in _opened:
                _opened[location] = location.open()
        return [_opened[location] for location in locations]


def write_here(results: Sequence[Ready | Outcome], options: Options) -> list[Outcome]:
    """Save the reports among ``results`` into ``options.stores`` from this process; an Outcome for each result."""
    ready = [r for r in results if isinstance(r, Ready)]
    outcomes = [r for r in results if isinstance(r, Outcome)]
    if not ready:
        return outcomes
    if _given_up():  # the run's client is gone (its rerun writes these): stop before writing
        return outcomes + [Outcome(r.source, "failed", "not stored: the run was given up") for r in ready]
    try:
        stores = stores_here(options.stores)
    except Exception as e:  # a server gone, credentials refused: these files are not stored
        return outcomes + [Outcome(r.source, "failed", f"could not store: {type(e).__name__}: {e}") for r in ready]
    return outcomes + _save(ready, stores, options.base, retried=True)


def check_writer(options: Options) -> str | None:
    """On a worker: why it cannot write ``options.stores`` (one line), or None."""
    check_version(options.version)
    try:
        stores_here(options.stores)
    except Exception as e:
        return (f"a worker on {socket.gethostname()} (pid {os.getpid()}) cannot write the store: "
                f"{type(e).__name__}: {e} (workers take credentials from their own environment)")
    return None


def _given_up() -> bool:
    """In a Dask task that its client released (the client died, or stopped waiting)."""
    if "distributed" not in sys.modules:
        return False
    try:
        from distributed import get_worker
        from distributed.worker import thread_state

        task = get_worker().state.tasks.get(thread_state.key)
    except Exception:  # not in a Dask worker, or another Dask: go on
        return False
    return task is None or task.state == "cancelled"


def writer_locations(stores: Sequence[Store], executor: Executor) -> tuple[StoreLocation, ...]:
    """Where the workers of ``executor`` write themselves: every store's location when each has one
    (servers others may write at the same time) and the workers are other processes; else () and
    the calling process writes (the embedded store has one writer: the process that holds it)."""
    if isinstance(executor, InlineExecutor):
        return ()
    locations = [store.writer_location() for store in stores]
    found = [location for location in locations if location is not None]
    return tuple(found) if len(found) == len(locations) else ()


# --- map: chunks of tasks over an executor -----------------------------------------


class InlineExecutor(Executor):
    """Runs each call at once in the calling process: ``--jobs 1``, through the same loop."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed over like a pool's worker would
            future.set_exception(e)
        return future


def _die_with_parent(parent_pid: int) -> None:
    """In a pool worker: exit when the parent does, even by SIGKILL; leave Ctrl-C to the parent."""
    import signal

    from kg.sandbox import exit_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent(parent_pid)


def process_pool(jobs: int) -> Executor:
    """``jobs`` worker processes that die with this one; in-process for one job."""
    if jobs <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent, initargs=(os.getpid(),))


def mapped(items: Iterable[Task | Outcome], executor: Executor, options: Options, *, workers: int = 1
           ) -> Generator[Ready | Outcome, None, None]:
    """Results of :func:`prepare` on each task, in completion order; Outcomes pass through.

    Tasks go out :data:`CHUNK` at a time, at most :data:`LOOK_AHEAD` files and
    ``2 * workers`` chunks ahead of the results: never the whole archive in
    memory. Stopping the iteration cancels what was not started.
    """
    pending: dict[Future[Sequence[Ready | Outcome]], None] = {}  # in submission order: finished together, reported in that order
    chunk: list[Task] = []
    ahead = LOOK_AHEAD // CHUNK + 2 * workers

    def submit() -> None:
        if chunk:
            pending[executor.submit(prepare_chunk, list(chunk), options)] = None
            chunk.clear()

    def done(until: int) -> Iterator[Ready | Outcome]:
        while len(pending) > until:
            finished = wait(pending, return_when=FIRST_COMPLETED).done
            for future in [f for f in pending if f in finished]:
                del pending[future]
                yield from future.result()

    try:
        for item in items:
            if isinstance(item, Outcome):
                yield item
                continue
            chunk.append(item)
            if len(chunk) >= CHUNK:
                submit()
                yield from done(ahead)
        submit()
        yield from done(0)
    finally:
        for future in pending:
            future.cancel()


# --- write: whole reports into every store ------------------------------------------


class Writer:
    """Saves prepared reports into every store, :data:`SAVE_BATCH` at a time."""

    def __init__(self, stores: Sequence[Store], base: str = DEFAULT_BASE):
        self.stores = stores
        self.base = base
        self.ready: list[Ready] = []

    def add(self, ready: Ready) -> list[Outcome]:
        """Queue a report; the outcomes of a batch when one was saved."""
        self.ready.append(ready)
        return self.flush() if len(self.ready) >= SAVE_BATCH else []

    def flush(self) -> list[Outcome]:
        """Save what is queued; one Outcome per report, in order."""
        batch, self.ready = self.ready, []
        return _save(batch, self.stores, self.base) if batch else []


def _save(batch: Sequence[Ready], stores: Sequence[Store], base: str, *, retried: bool = False) -> list[Outcome]:
    """Save ``batch`` whole into each store; an Outcome per report. ``retried``: a worker writing
    itself, whose task may be a rerun after a worker died having stored it: then a report the run
    did not find stored counts as ingested even when this save found it there."""
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
            outcomes.append(Outcome(r.source, "ingested" if ok or (retried and not r.known) else "unchanged", "",
                                    r.mentions, r.instruments, r.relations))
    return outcomes


def _report_graph(r: Ready, base: str) -> ReportGraph | Exception:
    try:
        if r.extraction is not None:
            graph = build_report_graph(r.extraction, base=base)
            return dataclasses.replace(graph, recipe=r.report.recipe, source=r.report.source,
                                       file_hash=r.report.file_hash)
        return r.report.report_graph()
    except Exception as e:
        return e


def _save_graphs(store: Store, graphs: Sequence[ReportGraph | Exception]) -> list[bool | Exception]:
    """``store.save_many`` the graphs at once or, if that fails, one by one to tell which report fails;
    errors per report (an exception in ``graphs`` stands for a graph that could not be built)."""
    results: list[bool | Exception] = [g if isinstance(g, Exception) else False for g in graphs]
    todo = {i: g for i, g in enumerate(graphs) if not isinstance(g, Exception)}
    if len(todo) > 1:
        try:
            for i, ok in zip(todo, store.save_many(list(todo.values()))):
                results[i] = ok
            return results
        except Exception:
            pass  # one by one, to tell which report fails
    for i, graph in todo.items():
        try:
            results[i] = store.save(graph)
        except Exception as e:
            results[i] = e
    return results


# --- the whole ingest ------------------------------------------------------------------


def ingest(
    paths: Iterable[str | Path],
    stores: Sequence[Store],
    *,
    jobs: int = 1,
    executor: Executor | None = None,
    workers: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    jurisdiction: str | None = None,
    base: str = DEFAULT_BASE,
    fail_fast: bool = False,
    force: bool = False,
    max_chars: int = MAX_CHARS,
    limits: readers.Limits = readers.Limits(),
    on_outcome: Callable[[Outcome], None] | None = None,
    vocabulary: Vocabulary | None = None,
) -> Summary:
    """Ingest every file under ``paths`` into every store in ``stores``.

    Files are prepared on ``executor`` (any :class:`concurrent.futures.Executor`:
    a Dask client's ``get_executor()``, with ``workers`` its size), or else on
    ``jobs`` local processes. A file is unchanged (not extracted again) when
    every store holds its version (bytes or text, and the recipe) and ``force``
    is off; each store still skips what it already
    holds. Texts longer than ``max_chars`` fail (bounded memory), and so do
    files past ``limits`` (size, unpacked size, pages, OCR time).
    ``on_outcome`` is called once per file, in completion order (for progress
    and error lines). Ctrl-C raises :class:`Interrupted` once what was
    prepared is stored. ``vocabulary`` (:func:`extractors.vocab.load_vocabulary`) replaces the
    bundled one; it is part of the recipe.
    """
    summary = Summary()
    try:
        with _CtrlC() as early, early.deferred():  # stored whole; Ctrl-C then stops the run as below
            store_vocabulary(stores)  # labels for types, issuers and provinces
    except KeyboardInterrupt:
        raise Interrupted(summary) from None
    own = executor is None
    executor = executor or process_pool(jobs)
    # Stores that do not take N-Triples get rdflib graphs, built from the extraction.
    options = Options(base, jurisdiction, max_chars, limits, any(not s.takes_ntriples for s in stores), force=force,
                      stores=writer_locations(stores, executor), vocabulary=vocabulary)
    run = _Run(stores, executor, own, options, _Tally(summary, on_outcome, fail_fast))
    if options.stores:
        run.check_writers()
    if run.write(mapped(plan(paths, stores, include, exclude), executor, options, workers=workers or jobs)):
        raise Interrupted(summary)
    return summary


@dataclass
class _Tally:
    """Outcomes as they come: into the summary, to ``on_outcome``; whether ``--fail-fast`` says stop."""

    summary: Summary
    on_outcome: Callable[[Outcome], None] | None = None
    fail_fast: bool = False

    def record(self, outcomes: Iterable[Outcome]) -> bool:
        """Record ``outcomes``; True when one failed and ``fail_fast`` is on."""
        stop = False
        for outcome in outcomes:
            self.summary.outcomes.append(outcome)
            if self.on_outcome:
                self.on_outcome(outcome)
            stop = stop or (self.fail_fast and outcome.status == "failed")
        return stop


@dataclass
class _Run:
    """One ingest's writing end: the results of the map, saved into the stores as they come."""

    stores: Sequence[Store]
    executor: Executor
    own: bool  # the executor is the run's (made for it): shut down at the end
    options: Options
    tally: _Tally

    def check_writers(self) -> None:
        """One line now, rather than one per file, when a worker cannot write the stores."""
        try:
            if problem := self.executor.submit(check_writer, self.options).result():
                raise StoreError(problem)
        except BaseException:
            if self.own:
                _shut_down(self.executor, now=True)
            raise

    def write(self, results: Generator[Ready | Outcome, None, None]) -> bool:
        """Save ``results`` a batch at a time until they end (or ``--fail-fast`` stops them); True after Ctrl-C.

        A batch being saved is saved and counted whole; so is what was
        prepared when the run stops.
        """
        writer = Writer(self.stores, self.options.base)
        with _CtrlC() as ctrl_c:
            try:
                for result in results:
                    with ctrl_c.deferred():
                        stop = self.tally.record(writer.add(result) if isinstance(result, Ready) else [result])
                    if stop:
                        break
            except KeyboardInterrupt:
                ctrl_c.pressed = True
            finally:
                with ctrl_c.deferred(forever=True):
                    self.finish(results, writer, now=ctrl_c.pressed)
        return ctrl_c.pressed

    def finish(self, results: Generator[Ready | Outcome, None, None], writer: Writer, *, now: bool) -> None:
        """Stop the map (``now``: without waiting for its workers), store what was prepared, and decide
        the instruments parallel writers left pending."""
        results.close()  # cancels what was not started
        if self.own:
            _shut_down(self.executor, now=now)
        self.tally.record(writer.flush())  # what was prepared (before a --fail-fast stop, or Ctrl-C) is stored
        if self.options.stores:
            _settle(self.stores)


def _settle(stores: Sequence[Store]) -> None:
    """After parallel writers: decide the instruments they left pending, once, here."""
    for store in stores:
        try:
            store.settle()
        except StoreError:  # a server gone: the marks stay for its next writer (the store warns when closed)
            pass


class _CtrlC:
    """Ctrl-C as KeyboardInterrupt, except while a batch is written (then right after it)."""

    def __init__(self):
        self.pressed = False
        self.holding = False
        self.previous = None

    def _handler(self, signum, frame) -> None:
        self.pressed = True
        if not self.holding:
            raise KeyboardInterrupt

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    @contextlib.contextmanager
    def deferred(self, forever: bool = False):
        held, self.holding = self.holding, True
        try:
            yield
        finally:
            self.holding = held or forever
        if self.pressed and not self.holding:
            raise KeyboardInterrupt  # the press that came while writing


def _shut_down(executor: Executor, now: bool) -> None:
    """Drop queued work; after Ctrl-C, our pool's workers stop at once, not after their chunk."""
    executor.shutdown(wait=not now, cancel_futures=True)
    if now and isinstance(executor, ProcessPoolExecutor):
        import multiprocessing

        for child in multiprocessing.active_children():  # this process's own workers, by handle
            child.terminate()
