"""The ``kg`` command line: a thin layer over readers, extractors, graph and stores.

Run ``kg --help`` or ``kg COMMAND --help``; every command's help ends with examples.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kg import __version__
from kg.model import Extraction, Text, citation_rows

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from extractors.vocab import Vocabulary
    from kg.evaluate import Score
    from kg.ingest import Outcome, Summary
    from kg.stores.base import Store
    from kg.validation import Result as ValidationResult


class Failures:
    """Counts per-file failures so a batch goes on and the exit code tells."""

    def __init__(self) -> None:
        self.count = 0

    def report(self, source: str, reason: str) -> None:
        self.count += 1
        click.echo(f"error: {source}: {reason}", err=True)


def read_inputs(paths: tuple[str, ...], failures: Failures, limits=None) -> Iterator[Text]:
    """Texts of the given files (``-`` is standard input); unreadable ones are reported and skipped."""
    from kg import readers

    limits = limits or readers.Limits()
    for path in paths:
        name = readers.path_text(path)
        try:
            if path == "-":
                yield readers.read_bytes(sys.stdin.buffer.read(limits.max_bytes + 1), "-", limits=limits)
            else:
                yield readers.read(path, limits=limits)
        except readers.UnsupportedFormat as e:
            click.echo(f"skipped: {name}: {e.reason}", err=True)
        except readers.ReadError as e:
            failures.report(name, e.reason)
        except Exception as e:  # a reader bug: this file's problem only
            failures.report(name, f"could not read: {type(e).__name__}: {e}")


def not_empty(ctx, param, values):
    """Refuse an empty path: it would mean the current directory, which nobody typing '' wants."""
    if any(v == "" for v in values):
        raise click.BadParameter("empty path (use . for the current directory)", ctx=ctx, param=param)
    return values


def limit_options(f):
    """``--max-size``, ``--max-unpacked``, ``--max-pages``, ``--ocr-timeout``: what one file may cost."""
    from kg.readers.limits import MB, Limits

    d = Limits()
    for option in reversed([
        click.option("--max-size", type=click.FloatRange(min=0, min_open=True), default=d.max_bytes / MB,
                     show_default=True, metavar="MB", help="Largest file read, in MB."),
        click.option("--max-unpacked", type=click.FloatRange(min=0, min_open=True), default=d.max_unpacked / MB,
                     show_default=True, metavar="MB",
                     help="Largest size a DOCX/ODT may unpack to, in MB (from its ZIP directory)."),
        click.option("--max-pages", type=click.IntRange(min=1), default=d.max_pages, show_default=True,
                     help="Most pages (PDF pages, image frames) read from one file."),
        click.option("--ocr-timeout", type=click.FloatRange(min=0, min_open=True), default=d.ocr_timeout,
                     show_default=True, metavar="SECONDS", help="OCR time allowed for one file, all its pages."),
    ]):
        f = option(f)
    return f


def _load_vocabulary(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        return None
    from extractors.vocab import VocabularyError, load_vocabulary

    try:
        return load_vocabulary(Path(value))
    except VocabularyError as e:
        raise click.BadParameter(str(e), ctx, param) from None


#: ``--vocabulary DIR``: the extractors' vocabulary, from a folder of the user's own files.
vocabulary_option = click.option(
    "--vocabulary", metavar="DIR", callback=_load_vocabulary,
    help="A folder of vocabulary files of your own (units.yaml, issuers.yaml …), each read in place of "
         "the bundled file of its name; the others stay the bundled ones (docs/vocabulary.md).")


def make_limits(max_size: float, max_unpacked: float, max_pages: int, ocr_timeout: float):
    from kg.readers.limits import MB, Limits

    return Limits(max_bytes=int(max_size * MB), max_unpacked=int(max_unpacked * MB), max_pages=max_pages,
                  ocr_timeout=ocr_timeout)


def print_table(rows: list[dict], columns: list[str], *, upper: bool = True) -> None:
    """A plain aligned table, readable in any terminal and in logs (:func:`kg.tabular.table`)."""
    from kg.tabular import table

    click.echo(table(rows, columns, upper=upper))


def format_option(f):
    """``--format table|json|csv``: rows as :mod:`kg.tabular` writes them, the same in every command."""
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                        show_default=True,
                        help="table, json (an array of objects, typed values) or csv.")(f)


class _Main(click.Group):
    """A store that fails after it was opened (a server gone away) ends the command with its one line;
    so does an optional part of legal-kg that is not installed (kg serve without the server extra)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ImportError as e:
            from kg.extras import install_hint

            hint = install_hint(e)
            if hint is None:
                raise
            raise click.ClickException(hint) from None
        except Exception as e:
            from kg.stores.base import StoreError

            if isinstance(e, StoreError):
                raise click.ClickException(str(e)) from None
            raise


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="legal-kg")
def main() -> None:
    """legal-kg: Vietnamese administrative reports → a knowledge graph of legal instruments.

    Read reports (clean or badly OCR'd), extract every citation of a legal
    instrument ("Nghị định số 60/2021/NĐ-CP ngày 21/6/2021"), resolve it to one
    canonical instrument, and store the graph as RDF (embedded Oxigraph) and in Neo4j.

    \b
    Start with:
      kg extract examples/nghean-skhcn-cchc-2023.ocr.txt
    """


@main.command()
# readable=False: an unreadable file is reported by the reader, and the others go on.
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True, readable=False),
                callback=not_empty)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "jsonl"]), default=None,
              help="table [default], json (one array of objects), csv, or jsonl (JSON Lines: each file's "
                   "mentions, then its relations).")
@click.option("--json", "as_json", is_flag=True, help="The same as --format jsonl.")
@click.option("--relations", is_flag=True, help="Only the relations found (amends, replaces…), not the citations.")
@click.option("--jurisdiction", metavar="PROVINCE",
              help="Province of the documents (e.g. 'Nghệ An'), when they do not say it themselves.")
@vocabulary_option
@limit_options
def extract(files: tuple[str, ...], fmt: str | None, as_json: bool, relations: bool, jurisdiction: str | None,
            vocabulary: Vocabulary | None, **limits) -> None:
    """Print the citations found in FILES (use - for standard input).

    Each citation is resolved to its canonical symbol, document type, issuer,
    issue date and, for provincial documents, jurisdiction. Offsets are
    character offsets into the text as read.

    The table shows each file's citations, then the relations stated between
    them. json and csv give one row per citation of every file (columns file,
    line, page, start, end, surface, id, type, date, issuer, jurisdiction,
    national, key, kind, title, name, year), or with --relations one row per
    relation (file, line, relation, from, to, start, end, effective). kind is
    "symbol" for a numbered citation, with the title written after it (or
    none), and "name" for a law or code cited by its name without a number
    ("Luật Đất đai", name and year; id empty). effective is the date the
    relation takes effect where the text states it ("có hiệu lực từ ngày …").

    \b
    Examples:
      kg extract examples/nghean-skhcn-cchc-2023.ocr.txt
      kg extract --format csv examples/nghean-skhcn-cchc-2023.ocr.txt > citations.csv
      kg extract --relations examples/nghean-skhcn-cchc-2023.ocr.txt
      kg extract --json examples/*.txt > citations.jsonl
      cat examples/nghean-skhcn-cchc-2023.ocr.txt | kg extract --json -
      kg extract --jurisdiction "Nghệ An" examples/nghean-skhcn-cchc-2023.ocr.txt
    """
    from kg import tabular
    from kg.citations import MENTION_COLUMNS, RELATION_COLUMNS
    from kg.citations import rows as citations

    if as_json and fmt not in (None, "jsonl"):
        raise click.UsageError(f"--json is --format jsonl; it cannot go with --format {fmt}")
    fmt = "jsonl" if as_json else fmt or "table"
    failures = Failures()
    table: list[dict] = []  # json and csv: every file's rows, written at the end
    for ex in extractions(read_inputs(files, failures, make_limits(**limits)), jurisdiction, failures, vocabulary):
        if fmt == "jsonl":
            for row in citation_rows(ex):
                if not relations or "relation" in row:
                    click.echo(json.dumps(row, ensure_ascii=False))
        elif fmt == "table":
            print_extraction(ex, relations)
        else:  # one kind of row in a table: the mentions, or with --relations the relations
            table += citations(ex, relations=relations)
    if fmt in ("json", "csv"):
        tabular.write(table, RELATION_COLUMNS if relations else MENTION_COLUMNS, fmt)
    if failures.count:
        sys.exit(1)


def extractions(texts: Iterable[Text], jurisdiction: str | None, failures: Failures,
                vocabulary: Vocabulary | None = None) -> Iterator[Extraction]:
    """What :func:`extractors.extract` finds in each text; a text it fails on is reported and skipped."""
    from extractors import extract as run_extract

    for text in texts:
        try:
            yield run_extract(text, jurisdiction=jurisdiction, vocabulary=vocabulary)
        except Exception as e:  # an extractor bug: this file's problem only
            failures.report(text.source, f"extraction failed: {type(e).__name__}: {e}")


def print_extraction(ex: Extraction, relations: bool) -> None:
    """``kg extract``'s tables for one text: its citations, then its relations (or, ``relations``, only those)."""
    from kg.citations import rows as citations

    rels = citations(ex, relations=True)
    if relations:
        click.echo(f"{ex.text.source}: {len(rels)} relation{'' if len(rels) == 1 else 's'}")
        if rels:
            print_table(rels, ["line", "relation", "from", "to"])
    else:
        mentions = citations(ex)
        click.echo(f"{ex.text.source}: {len(ex.mentions)} citations of {len(ex.instruments)} instruments")
        if mentions:
            print_table(mentions, ["line", "surface", "id", "type", "date", "issuer", "jurisdiction"])
        if rels:
            click.echo("")
            print_table(rels, ["relation", "from", "to"])
    click.echo("")


@main.command()
@click.argument("path", type=click.Path(exists=True))
@click.argument("gold", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", "show_errors", is_flag=True,
              help="Also list every miss, false hit, wrong attribute and relation, with its context.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores (and --errors) as one JSON object.")
@click.option("--markdown", is_flag=True, help="Print the scores as Markdown table rows (as in the README).")
@click.option("--label", default=None, help="Name of the corpus in --markdown rows [default: the folder's name].")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of documents that do not say it themselves.")
@vocabulary_option
def evaluate(path, gold, show_errors, as_json, markdown, label, jurisdiction, vocabulary):
    """Score the extractor on annotated documents: PATH is a folder (GOLD_DIR) or a TEXT with its GOLD.

    A folder holds NAME[.VARIANT].txt texts, each with its gold JSON Lines
    NAME[.VARIANT].gold.jsonl (NAME.gold.jsonl for the clean variant), as in
    examples/ and the development corpus ../shared/corpus/dev; gold rows follow
    its CONVENTIONS.md. Prints, per variant, mention precision, recall and F1,
    type, issuer and date accuracy, relations found (based_on apart). Exit
    code 1 if a document could not be read or scored.

    \b
    Examples:
      kg evaluate examples/
      kg evaluate --errors examples/
      kg evaluate examples/nghean-skhcn-cchc-2023.ocr.txt examples/nghean-skhcn-cchc-2023.ocr.gold.jsonl
      kg evaluate --json examples/ > scores.json
    """
    from kg import evaluate as ev

    scores = corpus_scores(path, gold, jurisdiction, vocabulary)
    for s in scores.values():
        for e in s.errors:
            if e.kind == "failed":
                click.echo(f"error: {e.item}", err=True)
    if as_json:
        click.echo(json.dumps({"path": str(path), "variants": {v: s.as_dict(errors=show_errors)
                                                               for v, s in scores.items()}},
                              ensure_ascii=False, indent=1))
    elif markdown:
        click.echo(ev.TABLE_HEADER)
        for row in ev.markdown_rows(label or Path(path).resolve().name, scores):
            click.echo(row)
    else:
        print_table(ev.score_rows(scores), ev.SCORE_COLUMNS)
        if show_errors:
            for v, s in scores.items():
                if s.errors:
                    click.echo(f"\n{v}: {len(s.errors)} errors")
                    for e in s.errors:
                        click.echo("  " + e.describe())
    if sum(s.failed for s in scores.values()):
        sys.exit(1)


def corpus_scores(path: str, gold: str | None, jurisdiction: str | None,
                  vocabulary: Vocabulary | None = None) -> dict[str, Score]:
    """``kg evaluate``'s scores by variant: of a folder (naming the texts without a gold file), or of a text and its gold."""
    from kg import evaluate as ev

    if Path(path).is_dir():
        if gold:
            raise click.UsageError("give a folder alone, or a text and its gold file")
        def without_gold(variant: str, text: Path, score: Score | None) -> None:
            if score is None:
                click.echo(f"skipped: {text}: no gold file beside it", err=True)

        return ev.evaluate_corpus(path, jurisdiction=jurisdiction, vocabulary=vocabulary, on_document=without_gold)
    if gold:
        return {ev.NO_VARIANT: ev.evaluate_file(path, gold, jurisdiction=jurisdiction, vocabulary=vocabulary)}
    raise click.UsageError("a text needs its gold file: kg evaluate TEXT GOLD")


# --- the graph: ingest, query, export, validate, serve ---------------------------

DEFAULT_STORE = ".legal-kg/store"


def store_option(f):
    """``--store LOCATION``: a directory (embedded store) or a server URL (env LEGAL_KG_STORE)."""
    return click.option(
        "--store", "store_path", envvar="LEGAL_KG_STORE", default=DEFAULT_STORE, show_default=True,
        metavar="DIR|URL",
        help="The store: a directory (embedded Oxigraph), a SPARQL server http(s)://… or Neo4j bolt://… "
             "(env LEGAL_KG_STORE; server credentials from the environment, see README).",
    )(f)


def open_store(location: str, *, read_only: bool = False, create: bool = False):
    """The store at ``location`` (:func:`kg.stores.open_store`); a clear error (no traceback) when it cannot be opened."""
    from kg.stores import StoreError
    from kg.stores import open_store as open_location

    try:
        return open_location(location, read_only=read_only, create=create)
    except StoreError as e:
        raise click.ClickException(str(e)) from e


def store_counts(store, location: str) -> str:
    """One line of the store's headline counts, or why there are none (a server gone away)."""
    from kg.overview import COUNT_NAMES
    from kg.stores import StoreError

    try:
        counts = store.counts()
    except StoreError as e:
        return f"store {location}: no counts ({e})"
    return f"store {location}: " + ", ".join(f"{counts[k]} {name}" for k, name in COUNT_NAMES.items() if k in counts)


def name_values(params: tuple[str, ...]) -> list[tuple[str, str]]:
    """``-p name=value`` pairs, checked and made canonical (:func:`kg.saved_queries.parameter_pairs`)."""
    from kg.saved_queries import parameter_pairs

    try:
        return parameter_pairs(params)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="-p") from e


def query_text(query: str | None, suffix: str, listing: bool) -> str | None:
    """The query given inline, as a file, or as a saved query's name; with ``listing``, print the saved ones."""
    from kg.saved_queries import QueryNotFound, saved_queries
    from kg.saved_queries import query_text as read_query

    if listing:
        print_table([{"name": q.name, "summary": q.summary} for q in saved_queries(suffix)], ["name", "summary"])
        return None
    if query is None:
        raise click.UsageError("give a QUERY (text, file or saved name), or --list for the saved ones")
    try:
        return read_query(query, suffix)
    except QueryNotFound as e:
        raise click.ClickException(str(e)) from e


def list_option(f):
    """``--list``: the saved queries instead of running one."""
    return click.option("--list", "listing", is_flag=True, help="List the saved queries (queries/) and exit.")(f)


def neo4j_options(f):
    """``--neo4j-uri``/``--neo4j-user``/``--neo4j-password``/``--neo4j-database`` (env NEO4J_*)."""
    for name, env, help_ in [
        ("--neo4j-uri", "NEO4J_URI", "Bolt URI of Neo4j (env NEO4J_URI) [default: bolt://127.0.0.1:7687]."),
        ("--neo4j-user", "NEO4J_USER", "Neo4j user (env NEO4J_USER)."),
        ("--neo4j-password", "NEO4J_PASSWORD", "Neo4j password (env NEO4J_PASSWORD)."),
        ("--neo4j-database", "NEO4J_DATABASE", "Neo4j database (env NEO4J_DATABASE) [default: the server's]."),
    ]:
        f = click.option(name, envvar=env, default=None, help=help_, show_envvar=False)(f)
    return f


def open_neo4j(uri, user, password, database):
    """A Neo4j store; a clear error (no traceback) when the server cannot be reached."""
    from kg.stores.base import StoreError
    from kg.stores.neo4j import Neo4jStore

    try:
        return Neo4jStore(uri, user, password, database)
    except StoreError as e:
        raise click.ClickException(str(e)) from e


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False), callback=not_empty)
@store_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for reading and extraction [default: all cores]; "
                   "with --scheduler local, Dask workers.")
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS",
              help="Run reading, OCR and extraction on a Dask cluster: tcp://HOST:8786, or 'local' for a "
                   "LocalCluster of --jobs workers (env DASK_SCHEDULER_ADDRESS). See docs/scaling.md.")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Only files matching GLOB, in any case (repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Leave out files matching GLOB, in any case (repeatable).")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of documents that do not say it themselves.")
@vocabulary_option
@click.option("--base", default=None, metavar="IRI", help="Base IRI of the graph [default: https://w3id.org/legal-kg/id/].")
@click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")
@click.option("--force", is_flag=True, help="Extract every file again, even those stored unchanged.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no skipped lines; only errors and the summary.")
@click.option("--verbose", "-v", is_flag=True, help="Name every skipped file, not one line per kind.")
@click.option("--max-chars", type=click.IntRange(min=1), default=None,
              help="Longest text to ingest, in characters, bounding memory [default: 4,000,000].")
@limit_options
@click.option("--neo4j", "to_neo4j", is_flag=True, help="Also write to Neo4j (see NEO4J_URI, --neo4j-uri).")
@neo4j_options
def ingest(paths, store_path, jobs, scheduler, include, exclude, jurisdiction, vocabulary, base, fail_fast, force, quiet,
           verbose, max_chars, to_neo4j, neo4j_uri, neo4j_user, neo4j_password, neo4j_database, **limits):
    """Extract, build and store the citation graph of PATHS (files, directories or URLs).

    Directories are walked recursively; s3://, gs:// and http(s):// URLs are
    read by the workers themselves. A report is known by its text and
    recorded with its path from the folder given (archive/2023/a.pdf), never
    an absolute path: re-ingesting an unchanged file changes nothing, even
    from another mount point; a changed one replaces the report stored from
    the same path; a legal-kg upgrade, another --base, --jurisdiction or
    --vocabulary, or an edit of its files makes files be extracted again
    (--force: always). A file that
    cannot be read is reported on one line and the others go on; files of a
    type legal-kg does not read get one line per type. The exit code is 1 if
    any file failed, 130 after Ctrl-C (what was done is kept: run the same
    command again to go on). Into a store server (a SPARQL URL, Neo4j) the
    workers (--jobs, --scheduler) write their reports themselves, with the
    credentials of their own environment (docs/scaling.md).

    \b
    Examples:
      kg ingest examples/
      kg ingest --store archive-store examples/ --include '*.txt' --exclude '*.gold.*'
      kg ingest -j 1 --jurisdiction "Nghệ An" examples/
      kg ingest --scheduler tcp://10.0.0.5:8786 /shared/archive/
      kg ingest --neo4j examples/
      kg ingest --store http://127.0.0.1:3030/kg examples/
    """
    from kg.graph import DEFAULT_BASE
    from kg.ingest import MAX_CHARS

    stores = [open_store(store_path, create=True)]
    if to_neo4j:
        stores.append(open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database))
    progress = IngestProgress(paths, include, exclude, enabled=not quiet and sys.stderr.isatty(),
                              name_skipped=verbose and not quiet)
    try:
        summary, interrupted = run_ingest(
            paths, stores, jobs, scheduler, include=include, exclude=exclude, jurisdiction=jurisdiction,
            base=base or DEFAULT_BASE, fail_fast=fail_fast, force=force, max_chars=max_chars or MAX_CHARS,
            limits=make_limits(**limits), on_outcome=progress.outcome, vocabulary=vocabulary)
    finally:
        progress.stop()
        counts = store_counts(stores[0], store_path)
        for each in stores:
            each.close()
    print_ingest_summary(summary, interrupted, paths, filtered=bool(include or exclude),
                         skipped_lines=not quiet and not verbose)
    click.echo(counts)
    if interrupted:
        sys.exit(130)
    if summary.failed:
        sys.exit(1)


def run_ingest(paths: tuple[str, ...], stores: list[Store], jobs: int | None, scheduler: str | None,
               **options: Any) -> tuple[Summary, bool]:
    """:func:`kg.ingest.ingest` on ``--jobs`` local processes or the ``--scheduler``'s Dask cluster;
    ``(summary, interrupted)``. A worker of another version, or one that cannot write the store, ends it."""
    import os

    from kg.ingest import Interrupted, VersionMismatch
    from kg.ingest import ingest as ingest_files
    from kg.stores import StoreError

    cluster = None
    try:
        cluster = dask_cluster(scheduler, jobs) if scheduler else None
        return ingest_files(paths, stores, jobs=jobs or os.cpu_count() or 1,
                            executor=cluster.executor if cluster else None,
                            workers=cluster.workers if cluster else None, **options), False
    except Interrupted as e:
        return e.summary, True
    except (VersionMismatch, StoreError) as e:  # a worker of another version, a store it cannot write
        raise click.ClickException(str(e)) from e
    finally:
        if cluster is not None:
            cluster.close()


def print_ingest_summary(summary: Summary, interrupted: bool, paths: tuple[str, ...], *, filtered: bool,
                         skipped_lines: bool) -> None:
    """The end of ``kg ingest``: a line per reason files were skipped (``skipped_lines``), a warning when
    nothing was read, and the counts."""
    if skipped_lines:
        for reason, files in summary.skipped().items():
            click.echo(f"skipped {len(files)} file{'s' if len(files) > 1 else ''}: {reason}"
                       f" (e.g. {files[0]}{'; -v names them all' if len(files) > 1 else ''})", err=True)
    if not summary.outcomes and not interrupted:
        click.echo(f"warning: nothing to ingest: no file under {', '.join(paths)}"
                   f"{' matches --include/--exclude' if filtered else ''}", err=True)
    elif not interrupted and not any(o.status in ("ingested", "unchanged", "failed") for o in summary.outcomes):
        click.echo("warning: no file of a type legal-kg reads was found", err=True)
    if interrupted:
        click.echo(f"interrupted after {len(summary.outcomes)} files: what was done is stored; "
                   "run the same command again to go on", err=True)
    click.echo(summary.line())


class IngestProgress:
    """The progress bar of ``kg ingest`` on a terminal: supported files, rate and ETA.

    The total comes from a second walk in a thread, so the first files are
    read at once; until it is known the bar has no end (and no ETA).
    """

    def __init__(self, paths: tuple[str, ...], include: tuple[str, ...], exclude: tuple[str, ...], *, enabled: bool,
                 name_skipped: bool = False):
        self.bar: Progress | None = None
        self.name_skipped = name_skipped
        if not enabled:
            return
        import threading

        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from kg.ingest import count_supported

        self.bar = bar = Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[rate]} files/s"), TimeElapsedColumn(),
                                  TextColumn("ETA"), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=True)
        self.task = bar.add_task("ingest", total=None, rate="–")
        bar.start()

        def count() -> None:
            try:
                total = count_supported(paths, include, exclude)
            except Exception:  # noqa: BLE001 - the bar then just has no end
                return
            if self.bar is not None:
                self.bar.update(self.task, total=total)

        threading.Thread(target=count, daemon=True).start()

    def outcome(self, o: Outcome) -> None:
        """One file done: its error (or, ``name_skipped``, why it was skipped) above the bar, which moves on."""
        from kg.ingest import supported

        if o.status == "failed":
            self.say(f"error: {o.source}: {o.reason}")
        elif o.status == "skipped" and self.name_skipped:
            self.say(f"skipped: {o.source}: {o.reason}")
        if supported(o.source):
            self.advance()

    def say(self, line: str) -> None:
        if self.bar is not None:  # above the bar, not through it
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            click.echo(line, err=True)

    def advance(self) -> None:
        if self.bar is not None:
            state = self.bar.tasks[0]
            rate = (state.completed + 1) / (state.elapsed or 1e-9)
            self.bar.update(self.task, advance=1, rate=f"{rate:.1f}")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def dask_cluster(scheduler: str, jobs: int | None):
    """The Dask cluster ``--scheduler`` names; a clear error when it cannot be used."""
    from kg.executors import DaskUnavailable, connect

    try:
        return connect(scheduler, workers=jobs)
    except DaskUnavailable as e:
        raise click.ClickException(str(e)) from e


#: ``kg sparql --format`` by result kind: the rows formats every command shares (:mod:`kg.tabular`), the W3C
#: SPARQL results formats (``sparql-json`` is kg.query's ``json``…), the RDF formats of CONSTRUCT and DESCRIBE.
SPARQL_OUTPUTS = {
    "solutions": ["table", "json", "csv", "sparql-json", "sparql-xml", "sparql-csv", "sparql-tsv"],
    "boolean": ["table", "json", "sparql-json", "sparql-xml"],
    "graph": ["table", "turtle", "nt", "jsonld", "rdfxml", "nquads", "trig"],
}
_SPARQL_FORMATS = list(dict.fromkeys(f for formats in SPARQL_OUTPUTS.values() for f in formats))


@main.command()
@click.argument("query", required=False)
@list_option
@store_option
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE (a string; <…> for an IRI; digits for an integer).")
@click.option("--format", "fmt", type=click.Choice(_SPARQL_FORMATS), default="table", show_default=True,
              help="table, json (an array of objects with typed values: numbers, booleans, ISO dates, null; "
                   "as kg cypher gives) or csv; sparql-json, sparql-xml, sparql-csv or sparql-tsv (the W3C "
                   "SPARQL 1.1 results formats); for CONSTRUCT and DESCRIBE, turtle (also for table), nt, "
                   "jsonld, rdfxml, nquads or trig.")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
def sparql(query, listing, store_path, params, fmt, timeout):
    """Run a SPARQL 1.1 query on the store.

    QUERY is the query itself, a file, or the name of a saved query in
    queries/ (see queries/README.md). The default graph is the union of all
    reports; the prefixes eli:, lkg:, prov:, skos:, dcterms:, rdf:, rdfs: and
    xsd: are predeclared.

    \b
    Examples:
      kg sparql --list
      kg sparql most-cited
      kg sparql reports-citing -p symbol=60/2021/NĐ-CP
      kg sparql 'SELECT ?s WHERE { ?s a eli:LegalResource } LIMIT 5' --format csv
      kg sparql most-cited --format json
      kg sparql most-cited --format sparql-json
    """
    from kg.query import QueryRefused, QueryTimeout, check_query_text, evaluate, looks_like_update
    from kg.saved_queries import sparql_parameters

    text = query_text(query, ".rq", listing)
    if text is None:
        return
    try:
        check_query_text(text)
    except QueryRefused as e:
        raise click.ClickException(e.message) from e
    store = open_store(store_path, read_only=True)
    try:
        # On a thread with a deep stack, like the endpoint's workers: deep nesting cannot crash kg.
        substitutions = sparql_parameters(name_values(params))
        result = evaluate(lambda: store.query(text, substitutions=substitutions), timeout)
    except SyntaxError as e:
        if looks_like_update(text):
            raise click.ClickException("kg sparql is read-only: SPARQL Update is not accepted (use kg ingest)") from e
        raise click.ClickException(f"malformed query: {e}") from e
    except QueryTimeout:
        raise click.ClickException(f"query took longer than {timeout} s") from None
    except (RuntimeError, ValueError, OSError) as e:  # e.g. a -p variable the query does not select
        raise click.ClickException(str(e)) from e
    print_sparql_result(result, fmt)


def print_sparql_result(result, fmt: str) -> None:
    """Print a query result in ``fmt`` (see :data:`SPARQL_OUTPUTS`), or say which formats fit it."""
    from kg import tabular
    from kg.iris import PREFIXES
    from kg.query import result_kind, rows, serialize_results

    kind = result_kind(result)
    if fmt not in SPARQL_OUTPUTS[kind]:
        what = {"solutions": "a SELECT", "boolean": "an ASK", "graph": "a CONSTRUCT or DESCRIBE"}[kind]
        raise click.UsageError(f"--format {fmt} does not fit {what} result; choose from "
                               f"{', '.join(SPARQL_OUTPUTS[kind])}")
    if kind == "solutions" and fmt in tabular.FORMATS:
        found = rows(result)
        tabular.write(found, [v.value for v in result.variables], fmt)
        if fmt == "table":
            click.echo(f"({len(found)} row{'' if len(found) == 1 else 's'})", err=True)
        return
    if kind == "boolean" and fmt in ("table", "json"):
        click.echo(("yes" if bool(result) else "no") if fmt == "table" else json.dumps(bool(result)))
        return
    name = "turtle" if fmt == "table" else fmt.removeprefix("sparql-")
    body, _ = serialize_results(result, name, prefixes=PREFIXES)
    text = body.decode("utf-8")
    click.echo(text, nl=not text.endswith("\n"))


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["turtle", "nt", "nquads", "jsonld", "trig"]),
              default="turtle", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="File to write [default: standard output].")
def export(store_path, fmt, output):
    """Write the whole graph in an RDF format (nquads and trig keep one graph per report).

    \b
    Examples:
      kg export --format turtle -o graph.ttl
      kg export --format nquads | gzip > graph.nq.gz
    """
    store = open_store(store_path, read_only=True)
    if output == "-":
        store.export(sys.stdout.buffer, fmt)
    else:
        store.export(output, fmt)


@main.command()
@click.argument("keys", nargs=-1, required=True)
@store_option
def delete(keys, store_path):
    """Remove stored reports by KEY (see kg reports), and what only they said.

    \b
    Example:
      kg delete 573cb19705336d20
    """
    store = open_store(store_path)
    try:
        missing = [key for key in keys if store.stored_hash(key) is None]
        if missing:
            raise click.ClickException(f"no stored report {', '.join(missing)} in {store_path}")
        for key in keys:
            store.delete(key)
    finally:
        store.close()
    click.echo(f"deleted {len(keys)} report{'s' if len(keys) != 1 else ''}")


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False), callback=not_empty)
@store_option
@click.option("--dry-run", "-n", is_flag=True, help="Only list what would be removed.")
def prune(folders, store_path, dry_run):
    """Remove the reports of FOLDERS whose files are gone.

    A report read from FOLDER is recorded as FOLDER's name and its path in
    it (archive/2023/a.pdf); it is removed when that file is no longer there.
    Reports of other folders are left alone.

    \b
    Examples:
      kg prune --dry-run examples/
      kg prune examples/
    """
    from kg.ingest import gone

    store = open_store(store_path)
    try:
        removed = list(gone(store, folders))
        for key, source in removed:
            click.echo(f"{'would remove' if dry_run else 'removed'} {key} ({source})")
            if not dry_run:
                store.delete(key)
    finally:
        store.close()
    click.echo(f"{len(removed)} report{'s' if len(removed) != 1 else ''} of files gone"
               f"{' (nothing removed: --dry-run)' if dry_run and removed else ''}")


@main.command()
@store_option
@click.option("--report", "keys", multiple=True, metavar="KEY",
              help="Validate only this report (repeatable); the default graph is then not checked.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a line per report that does not conform, then a summary; json: one document.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="sparql: the shapes compiled to SPARQL, every report at once; pyshacl: each report on its "
                   "own, the reference (slow; used anyway for a store without SPARQL, such as Neo4j).")
def validate(store_path, keys, fmt, engine):
    """Check the stored report graphs against the SHACL shapes (ontology/shapes.ttl).

    Each report graph gets the verdict pyshacl gives it alone, with the
    ontology and vocabularies (RDFS inference); the shapes are compiled into
    SPARQL queries that check all reports at once. When every report is
    checked, so is the store's default graph, where each instrument has one
    decided description (its "at most one" constraints hold there too).
    Prints one line per report that does not conform, with its violations,
    and a summary; exits 1 if anything does not conform.

    \b
    Examples:
      kg validate
      kg validate --report 573cb19705336d20
      kg validate --format json > validation.json
    """
    import json

    from kg.validation import UnsupportedShape, Validator, as_json, validate_each

    store = open_store(store_path, read_only=True)
    triples_needed(store, store_path)
    if engine == "sparql" and not store.answers_sparql:
        click.echo(f"{store_path} answers no SPARQL: validating report by report with pyshacl (slow)", err=True)
        engine = "pyshacl"
    with ValidateProgress(enabled=sys.stderr.isatty()) as progress:
        try:
            if engine == "pyshacl":
                result = validate_each(store, keys or None, progress=progress.update)
            else:
                result = Validator().run(store, keys or None, progress=progress.update)
        except KeyError as e:
            raise click.ClickException(f"no report {e.args[0]!r} in {store_path}") from e
        except (UnsupportedShape, ValueError) as e:
            raise click.ClickException(str(e)) from e
    if fmt == "json":
        click.echo(json.dumps(as_json(result), ensure_ascii=False, indent=2))
    else:
        print_validation(result)
    if not result.conforms:
        sys.exit(1)


def print_validation(result: ValidationResult, shown: int = 20) -> None:
    """``kg validate``'s text: a line per report that does not conform (its first ``shown`` violations), then a summary."""
    from kg.validation import compact, format_violation

    def line(violations) -> str:
        text = "; ".join(format_violation(v, compact) for v in violations[:shown])
        more = len(violations) - shown
        return text + (f"; … and {more} more (--format json lists them all)" if more > 0 else "")

    for key, violations in result.violations.items():
        click.echo(f"{key}: {len(violations)} violation{'s' * (len(violations) != 1)}: {line(violations)}")
    if result.default_graph:
        click.echo(f"default graph: {len(result.default_graph)} violations: {line(result.default_graph)}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    summary = f"{result.reports - len(result.violations)} of {result.reports} reports conform to the shapes"
    if result.default_graph is not None:
        summary += ", and the default graph " + ("does not" if result.default_graph else "does")
    click.echo(f"{summary} ({result.seconds:.1f} s)")


class ValidateProgress:
    """The progress bar of ``kg validate`` on a terminal: reports done, rate and ETA."""

    def __init__(self, *, enabled: bool):
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TextColumn("reports"),
                                TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
                                transient=True)

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task("validate", total=total)
            self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--timeout", "timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds a query may run.")
@click.option("--limit", "result_limit", default=10000, show_default=True, type=click.IntRange(min=1),
              help="Most rows (or triples) a result may hold; a larger one is refused, never cut short.")
@click.option("--max-response-mb", default=16, show_default=True, type=click.IntRange(min=1),
              help="Largest result, in MB; a larger one is refused.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Query worker processes [default: twice the cores, at least 4].")
@click.option("--max-heavy", type=click.IntRange(min=1), default=None,
              help="Queries that may run longer than --heavy-after at once [default: half the workers].")
@click.option("--heavy-after", default=0.25, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds after which a query is heavy: lowest CPU priority, and counted against --max-heavy.")
@click.option("--memory-limit-mb", default=1024, show_default=True, type=click.IntRange(min=64),
              help="Memory one query worker may use while answering; past it the query is stopped.")
@click.option("--memory-budget-mb", default=4096, show_default=True, type=click.IntRange(min=128),
              help="Memory the server and all its workers may use together.")
@click.option("--base", metavar="URL", default=None,
              help="The server's public URL: instruments and reports are answered at URL/instrument/KEY and "
                   "URL/report/KEY, whatever base their IRIs were minted under [default: the address a request "
                   "comes to]. See docs/instrument-pages.md.")
@click.option("--texts", "texts", multiple=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Where the ingested files are, to show reports' texts: a report read from archive/a.pdf is "
                   "looked for as DIR/archive/a.pdf (or DIR/a.pdf if DIR is the archive itself), and shown only "
                   "if it is still the text ingested (repeatable) [default: the current directory].")
def serve(store_path, host, port, timeout, result_limit, max_response_mb, workers, max_heavy, heavy_after,
          memory_limit_mb, memory_budget_mb, base, texts):
    """Serve the store as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    GET and POST queries, SPARQL JSON/XML/CSV/TSV results, Turtle/N-Triples/
    JSON-LD/RDF-XML/N-Quads/TriG graphs, CORS, a service description at
    /sparql and a query page at /. Every instrument and report has its page
    (its status, relations and citing reports; HTML, Turtle, JSON-LD and
    RDF/XML by content negotiation) at /instrument/KEY and /report/KEY, and
    /search?q= finds them by symbol or title. Safe to expose: updates and SERVICE are
    refused, and each query is bounded in time, memory, rows and bytes
    (see the README's "Safe to expose"). While it serves a store, nothing
    else may write to that store. A remote store (--store http://…) is
    served the same way, its server answering the queries (docs/security.md).

    \b
    Examples:
      kg serve
      kg serve --host 0.0.0.0 --port 8080 --timeout 30 --memory-budget-mb 8192
      kg serve --store http://127.0.0.1:3030/kg
      kg serve --host 0.0.0.0 --base https://kg.example.gov.vn/
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:8000/sparql
    """
    import re

    from kg.query_pool import MB, PoolLimits
    from kg.server import serve as run_server

    options = {"timeout": timeout, "heavy_after": heavy_after, "max_heavy": max_heavy,
               "memory_limit": memory_limit_mb * MB, "memory_budget": memory_budget_mb * MB}
    if workers:
        options["workers"] = workers
    store = open_store(store_path, read_only=True)
    if base is not None and not re.match(r"https?://[^/?#]+(/[^?#]*)?$", base):
        raise click.BadParameter(f"{base!r} is not an http(s) URL", param_hint="--base")
    click.echo(f"serving {store_path} at http://{host}:{port}/sparql, pages at "
               f"{base or f'http://{host}:{port}/'}search (Ctrl-C to stop)", err=True)
    run_server(store, host, port, limits=PoolLimits(**options), result_limit=result_limit,
               max_response_bytes=max_response_mb * MB, base=base, texts=list(texts) or None)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True, readable=False), callback=not_empty)
@click.option("--report", "keys", multiple=True, metavar="KEY", help="Check a stored report by its key (repeatable).")
@store_option
@click.option("--at", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="Check at this date [default: each report's own date; today for a report without one].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per report.")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of the documents, when they do not say it.")
@vocabulary_option
@limit_options
def check(files, keys, store_path, at, as_json, jurisdiction, vocabulary, **limits):
    """Check what the graph knows against the instruments a report cites.

    For each instrument FILES (read now; they need not be ingested) or the
    stored reports --report KEY cite, at the report's date: replaced or
    repealed before then (by which document, since when, and where that is
    stated), amended, or cited with another date or type than the one the
    graph holds. A change counts from the date the text says it takes
    effect, else the date of the document that makes it. Exit code: 0
    nothing found, 1 something to report, 2 a file or report that could not
    be checked (the others still are).

    \b
    Examples:
      kg check examples/nghean-skhcn-cchc-2023.ocr.txt
      kg check --report 573cb19705336d20 --json
      kg check --at 2024-01-01 examples/*.txt
    """
    from extractors import extract as run_extract
    from kg.check import ReportNotFound, check_extraction, check_report, data_bases, store_select

    if not files and not keys:
        raise click.UsageError("give FILES to check, or --report KEY")
    day = at.date() if at else None
    store = open_store(store_path, read_only=True)
    select = store_select(store)
    bases = data_bases(select)
    failures = Failures()
    checks = []
    for text in read_inputs(files, failures, make_limits(**limits)):
        try:
            checks.append(check_extraction(select, run_extract(text, jurisdiction=jurisdiction, vocabulary=vocabulary),
                                           at=day, bases=bases))
        except Exception as e:  # an extractor bug: this file's problem only
            failures.report(text.source, f"could not check: {type(e).__name__}: {e}")
    for key in keys:
        try:
            checks.append(check_report(select, key, at=day, bases=bases))
        except ReportNotFound as e:
            failures.report(key, str(e))
    for result in checks:
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            _print_check(result)
    sys.exit(2 if failures.count else 1 if any(r.findings for r in checks) else 0)


def _print_check(result) -> None:
    """One report's findings, for people."""
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    when = {"report": "its date", "given": "--at", "today": "today: the report has no date"}[result.at_from]
    head = ", ".join(filter(None, [result.symbol, result.date.isoformat() if result.date else None]))
    click.echo(f"{result.source}{f' ({head})' if head else ''}: {plural(len(result.findings), 'finding')} in "
               f"{plural(result.cited, 'cited instrument')}, checked at {result.at.isoformat()} ({when})")
    for f in result.findings:
        change = f.change
        if change is None:
            what = f"cited with {f.issue} {f.cited}; the graph has {f.known} ({plural(f.support, 'report')})"
        else:
            if change.since:
                since = f"since {change.since.isoformat()}" + (" (stated)" if change.effective else "")
            else:
                since = f"in {change.by_year}, date unknown" if change.by_year else "date unknown"
            first = change.evidence[0]
            more = f" and {len(change.evidence) - 1} more" if len(change.evidence) > 1 else ""
            what = (f"{f.issue} by {change.by_symbol or change.by} {since}; stated in "
                    f"{Path(first.source).name or first.report}:{first.start}-{first.end}{more}")
        click.echo(f"  {f.symbol}  {'possibly ' if f.uncertain else ''}{what}")
    if result.unknown:
        click.echo(f"  not in the graph: {', '.join(result.unknown)}")


@main.command()
@store_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0),
              help="How many most-cited instruments to list (the table also shows this many chains and "
                   "instruments cited but not ingested).")
@format_option
def stats(store_path: str, top: int, fmt: str) -> None:
    """An overview of the graph: counts, most-cited instruments, amendment chains,
    and instruments cited but never ingested.

    json and csv give one row per figure, with columns section, item, value
    and iri, in four sections: counts, most_cited (the --top ones; value: the
    reports citing it), amendment_chain (every chain; value: its length) and
    cited_not_ingested (every one; value: the reports citing it).

    \b
    Examples:
      kg stats --top 20
      kg stats --format json
      kg stats --format csv > stats.csv
    """
    from kg import tabular
    from kg.overview import STATS_COLUMNS
    from kg.overview import stats as figures

    with open_store(store_path, read_only=True) as store:
        triples_needed(store, store_path)
        rows = figures(store, top)
    if fmt != "table":
        tabular.write(rows, STATS_COLUMNS, fmt)
        return
    sections: dict[str, list[dict]] = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    for row in sections.get("counts", []):
        click.echo(f"{row['item']:14}{row['value']}")
    click.echo("")
    click.echo("most cited")
    print_table([{"symbol": r["item"], "reports": r["value"]} for r in sections.get("most_cited", [])],
                ["symbol", "reports"])
    for section, title in (("amendment_chain", "amendment chains"), ("cited_not_ingested", "cited but not ingested")):
        listed = sections.get(section, [])
        click.echo("")
        click.echo(f"{title} ({len(listed)})")
        for row in listed[:top]:
            click.echo(f"  {row['item']}")
        if len(listed) > top:
            click.echo(f"  … and {len(listed) - top} more (--format json or csv lists them all)")


def triples_needed(store: Store, store_path: str) -> None:
    """A store that keeps no triples to read (Neo4j's property graph) ends the command at once, with one line."""
    if not store.keeps_triples:
        raise click.ClickException(f"{store_path}: {type(store).__name__} does not keep the saved triples, "
                                   "which this command reads; give it the embedded store or a SPARQL server")


@main.command()
@store_option
@format_option
def reports(store_path, fmt):
    """List the stored reports: key, file, symbol, title and date.

    Works on any store (a directory or a server URL). The key is what
    kg show and kg validate --report take.

    \b
    Examples:
      kg reports
      kg reports --format csv > reports.csv
      kg reports --format json
    """
    from kg import tabular
    from kg.overview import REPORT_COLUMNS
    from kg.overview import reports as stored_reports

    with open_store(store_path, read_only=True) as store:
        rows = stored_reports(store)
    tabular.write(rows, REPORT_COLUMNS, fmt, max_width=60)
    if fmt == "table":
        click.echo(f"({len(rows)} report{'' if len(rows) == 1 else 's'})", err=True)


@main.command()
@click.argument("source")
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write [default: the file's name with .html, in the current directory].")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of the document, when it does not say it.")
@vocabulary_option
def show(source, store_path, output, jurisdiction, vocabulary):
    """Write SOURCE as an HTML page with every citation highlighted.

    SOURCE is a file, or a stored report (kg reports lists them): its key
    (or the start of it), or its own symbol as documents write it or not
    (123/bc-skhcn). A stored report's file is read again where kg ingest
    read it, from the directory kg ingest ran in (kg ingest archive/ records
    archive/2023/a.pdf). Hovering a citation shows the resolved instrument;
    clicking it jumps to the next mention of the same instrument.

    \b
    Examples:
      kg show examples/nghean-skhcn-cchc-2023.ocr.txt -o report.html
      kg show 573cb19705336d20
    """
    from extractors import extract as run_extract
    from kg import readers
    from kg.render import document_html

    path = Path(source)
    stored = None if path.exists() else stored_report(store_path, source)
    if stored:
        path = Path(stored["file"])
        if not path.exists():
            raise click.ClickException(
                f"{source}: report {stored['key']} was read from {stored['file']}, which is not here: run kg show "
                "in the directory kg ingest ran in, or give the file")
    try:
        text = readers.read(path)
    except readers.ReadError as e:
        raise click.ClickException(f"{path}: {e.reason}") from e
    out = Path(output or Path(path.name).with_suffix(".html").name)
    out.write_text(document_html(run_extract(text, jurisdiction=jurisdiction, vocabulary=vocabulary)), encoding="utf-8")
    click.echo(f"wrote {out}")


def stored_report(store_path: str, key_or_symbol: str) -> dict:
    """The one stored report ``key_or_symbol`` names (:func:`kg.overview.find_reports`), with its file."""
    from kg.overview import find_reports
    from kg.stores import StoreError
    from kg.stores import open_store as open_location

    try:
        with open_location(store_path, read_only=True) as store:
            found = find_reports(store, key_or_symbol)
    except StoreError as e:
        raise click.ClickException(f"{key_or_symbol}: no such file, and no stored report to look it up in ({e})") from e
    if not found:
        raise click.ClickException(f"{key_or_symbol}: no such file, and no stored report with that key or symbol "
                                   "(kg reports lists them)")
    if len(found) > 1:
        raise click.ClickException(f"{key_or_symbol}: {len(found)} stored reports match; give one of their keys: "
                                   f"{', '.join(r['key'] for r in found[:10])}{', …' if len(found) > 10 else ''}")
    if not found[0]["file"]:
        raise click.ClickException(f"{key_or_symbol}: the store does not say which file report {found[0]['key']} "
                                   "was read from")
    return found[0]


def drawing_file(ctx, param, value: str) -> str:
    """``kg graph -o``: a file type it can draw, in a directory that exists, checked before the store is read."""
    from kg.render import DRAW_SUFFIXES

    path = Path(value)
    if path.suffix.lower() not in DRAW_SUFFIXES:
        raise click.BadParameter(f"{value}: cannot draw a {path.suffix or 'file without a suffix'}; "
                                 "use .svg, .png or .html (interactive)", ctx=ctx, param=param)
    if not path.parent.is_dir():
        raise click.BadParameter(f"{value}: no directory {path.parent}", ctx=ctx, param=param)
    return value


@main.command()
@store_option
@click.option("--around", metavar="SYMBOL",
              help="Only the neighbourhood of this instrument or report: a symbol as documents write it or as "
                   "typed (60/2021/nd-cp), or a key.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(min=0), help="Steps out from --around.")
@click.option("--instruments-only", is_flag=True,
              help="Only instruments and the citations and relations between them (a report that is itself an "
                   "instrument stands as it).")
@click.option("--top", type=click.IntRange(min=1), metavar="N", help="Only the N most connected nodes.")
@click.option("--max-nodes", default=500, show_default=True, type=click.IntRange(min=1),
              help="Refuse a bigger picture (unreadable, and slow to draw) and say how to narrow it.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), callback=drawing_file,
              help="graph.svg, graph.png or graph.html (interactive: pan, zoom, hover).")
def graph(store_path, around, depth, instruments_only, top, max_nodes, output):
    """Draw the citation graph (reports, instruments, relations) as a picture.

    Nodes are coloured by document type (a legend names them): reports are
    squares, instruments circles sized by how often they are cited; edges
    are coloured by relation. --instruments-only is applied first, then
    --around, then --top. A graph of more than --max-nodes nodes is refused
    with its size and how to narrow it.

    \b
    Examples:
      kg graph -o graph.html
      kg graph --around 115/2005/ND-CP --depth 2 -o chain.svg
      kg graph --instruments-only -o instruments.png
      kg graph --top 100 -o core.svg
    """
    from kg.render import draw_graph, most_connected, neighbourhood, typed_graph
    from kg.render import instruments_only as instrument_view

    with open_store(store_path, read_only=True) as store:
        triples_needed(store, store_path)
        g = typed_graph(store.quads())
    whole = g
    if instruments_only:
        g = instrument_view(g)
    if around:
        try:
            g = neighbourhood(g, around, depth)
        except KeyError as e:
            hint = " among instruments linked to another (--instruments-only)" if instruments_only else ""
            raise click.ClickException(f"{e.args[0]}{hint}") from e
    if top:
        g = most_connected(g, top)
    if g.number_of_nodes() > max_nodes:
        raise click.ClickException(too_big_to_draw(g.number_of_nodes(), max_nodes, whole, around, instruments_only))
    try:
        draw_graph(g, output, title=f"around {', '.join(focus_names(g))}" if around else "legal-kg")
    except OSError as e:
        raise click.ClickException(f"{output}: {e.strerror or e}") from e
    click.echo(f"wrote {output} ({g.number_of_nodes()} nodes, {g.number_of_edges()} edges)")


def focus_names(g) -> list[str]:
    """The symbols (else labels) of the nodes --around found, for the picture's title."""
    return sorted({d.get("symbol") or d.get("label") or n for n, d in g.nodes(data=True) if d.get("focus")})


def too_big_to_draw(nodes: int, max_nodes: int, whole, around: str | None, instruments_only: bool) -> str:
    """Why ``kg graph`` refuses, and the options that would make the picture small enough."""
    from kg.render import instruments_only as instrument_view

    ways = []
    if not around:
        ways.append("--around SYMBOL (with --depth N)")
    elif not instruments_only:
        ways.append("a smaller --depth")
    if not instruments_only:
        ways.append(f"--instruments-only ({instrument_view(whole).number_of_nodes():,} nodes)")
    ways.append(f"--top {max_nodes} (the most connected nodes)")
    return (f"the graph has {nodes:,} nodes, more than --max-nodes {max_nodes:,}: too many to draw readably. "
            f"Narrow it with {', '.join(ways[:-1])} or {ways[-1]}; or raise --max-nodes.")


@main.command()
@click.argument("query", required=False)
@list_option
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set $NAME to VALUE (digits give an integer; a legal symbol is made canonical).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="Output: a table, a JSON array of objects (typed values), or CSV.")
@click.option("--write", is_flag=True, help="Allow a query that writes, loads CSV or administers (refused otherwise).")
@click.option("--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds the server lets the query run (0: no limit).")
@neo4j_options
def cypher(query, listing, params, fmt, write, timeout, neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Run a Cypher query on Neo4j: read-only unless --write.

    QUERY is the query itself, a file, or the name of a saved query in
    queries/ (the twins of the SPARQL ones; --list shows them). A parameter
    the query uses but -p does not give is null (a saved query then does not
    filter on it); a -p the query does not use is an error.

    Without --write the query is planned first (EXPLAIN) and refused if the
    plan writes, changes the schema, runs LOAD CSV, an administration command,
    SHOW/TERMINATE TRANSACTIONS or SHOW SETTINGS, or calls a procedure that
    is not read-only; what passes runs in a READ transaction.

    Nodes, relationships and paths print as cypher-shell prints them:
    (:Instrument {symbol: "60/2021/NĐ-CP"}), [:CITES {mentions: 2}].

    \b
    Examples:
      kg cypher --list
      kg cypher most-cited
      kg cypher reports-citing -p symbol=60/2021/ND-CP --format csv
      kg cypher 'MATCH (i:Instrument) RETURN i.symbol, i.type LIMIT 5'
      kg cypher 'MATCH p = (:Report)-[:CITES]->(:Instrument {symbol: $s}) RETURN p LIMIT 1' -p s=60/2021/NĐ-CP
    """
    from kg.saved_queries import cypher_parameters
    from kg.stores.base import StoreError
    from kg.stores.neo4j import CypherError

    text = query_text(query, ".cypher", listing)
    if text is None:
        return
    parameters = cypher_parameters(name_values(params))
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    try:
        columns, rows = store.run_cypher(text, parameters, write=write, timeout=timeout or None)
    except (StoreError, CypherError) as e:
        raise click.ClickException(str(e)) from e
    finally:
        store.close()
    print_cypher_rows(columns, rows, fmt)


def print_cypher_rows(columns: list[str], rows: list, fmt: str) -> None:
    """``kg cypher``'s answer in ``fmt``: a JSON array of objects, CSV, or a table of cypher-shell's notation."""
    import csv

    from kg.stores.neo4j import cypher_text, json_value

    if fmt == "json":
        records = [dict(zip(columns, map(json_value, row))) for row in rows]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    cells = [[cypher_text(v) for v in row] for row in rows]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells)
        return
    if cells:
        print_table([dict(zip(columns, row)) for row in cells], columns, upper=False)
    click.echo(f"({len(cells)} row{'' if len(cells) == 1 else 's'})", err=True)


@main.group()
def neo4j():
    """Work with Neo4j: create the schema, push the embedded store, show counts.

    legal-kg talks to any Neo4j 5 over Bolt (NEO4J_URI, NEO4J_USER,
    NEO4J_PASSWORD, or the --neo4j-* options). For a local one, scripts/neo4j
    start runs the bundled server (Neo4j Browser at http://127.0.0.1:7474/browser/);
    kg finds its password in .neo4j/password.

    \b
    Examples:
      scripts/neo4j start
      kg neo4j init
      kg neo4j sync
      kg neo4j status
      kg cypher most-cited
    """


@neo4j.command("init")
@neo4j_options
def neo4j_init(neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Create the uniqueness constraints and indexes (safe to run again).

    \b
    Examples:
      kg neo4j init
      kg neo4j init --neo4j-uri bolt://db.example.org:7687 --neo4j-database legal
    """
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    store.init()
    store.close()
    click.echo("constraints and indexes are in place")


@neo4j.command("sync")
@store_option
@click.option("--prune", is_flag=True, help="Also delete from Neo4j the reports no longer in the embedded store.")
@neo4j_options
def neo4j_sync(store_path, prune, neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Push every report of the embedded store to Neo4j (unchanged ones are skipped).

    \b
    Examples:
      kg neo4j sync
      kg neo4j sync --prune
      kg neo4j sync --store /data/legal-kg/store --neo4j-uri bolt://127.0.0.1:7687
    """
    source = open_store(store_path, read_only=True)
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    try:
        store.init()
        result = store.sync_from(source, prune=prune)
    finally:
        store.close()
    click.echo(", ".join(f"{n} {what}" for what, n in result.items()))


@neo4j.command("status")
@neo4j_options
def neo4j_status(neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Show the server, its version and the graph's counts.

    \b
    Examples:
      kg neo4j status
      NEO4J_URI=neo4j+s://xxxx.databases.neo4j.io NEO4J_PASSWORD=… kg neo4j status
    """
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    try:
        status = store.status()
    finally:
        store.close()
    counts = status.pop("counts", {})
    for key, value in status.items():
        click.echo(f"{key:17}{value}")
    for key, value in counts.items():
        click.echo(f"{key:17}{value}")


if __name__ == "__main__":
    main()
