"""The ``kg`` command line: a thin layer over readers, extractors, graph and stores.

Run ``kg --help`` or ``kg COMMAND --help``; every command's help ends with examples.
"""
from __future__ import annotations

import bisect
import json
import sys
from pathlib import Path
from typing import Iterator

import click

from kg import __version__
from kg.model import Extraction, Text


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


def make_limits(max_size: float, max_unpacked: float, max_pages: int, ocr_timeout: float):
    from kg.readers.limits import MB, Limits

    return Limits(max_bytes=int(max_size * MB), max_unpacked=int(max_unpacked * MB), max_pages=max_pages,
                  ocr_timeout=ocr_timeout)


def mention_rows(ex: Extraction) -> Iterator[dict]:
    """JSON-ready rows: one per mention, then one per relation (the ``kg extract --json`` format)."""
    for m in ex.mentions:
        i = m.instrument
        yield {
            "file": ex.text.source,
            "start": m.start,
            "end": m.end,
            "surface": m.surface,
            "id": i.symbol,
            "type": i.doc_type,
            "date": i.date.isoformat() if i.date else None,
            "issuer": i.issuer,
            "jurisdiction": i.jurisdiction,
            "national": i.national,
            "key": i.key,
            "page": ex.text.page_of(m.start),
        }
    for r in ex.relations:
        yield {
            "file": ex.text.source,
            "relation": r.kind.value,
            "from": r.source.symbol if r.source else ex.report.symbol,
            "to": r.target.symbol,
            "start": r.start,
            "end": r.end,
        }


def print_table(rows: list[dict], columns: list[str], *, upper: bool = True) -> None:
    """A plain aligned table, readable in any terminal and in logs (headings in capitals unless not ``upper``)."""
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join((c.upper() if upper else c).ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


class _Main(click.Group):
    """A store that fails after it was opened (a server gone away) ends the command with its one line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
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
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines: one object per mention, then per relation.")
@click.option("--jurisdiction", metavar="PROVINCE",
              help="Province of the documents (e.g. 'Nghệ An'), when they do not say it themselves.")
@limit_options
def extract(files: tuple[str, ...], as_json: bool, jurisdiction: str | None, **limits) -> None:
    """Print the citations found in FILES (use - for standard input).

    Each citation is resolved to its canonical symbol, document type, issuer,
    issue date and, for provincial documents, jurisdiction. Offsets are
    character offsets into the text as read.

    \b
    Examples:
      kg extract report.txt
      kg extract --json scans/*.pdf > citations.jsonl
      cat report.txt | kg extract --json -
      kg extract --jurisdiction "Hà Tĩnh" letter.docx
    """
    from extractors import extract as run_extract

    failures = Failures()
    for text in read_inputs(files, failures, make_limits(**limits)):
        try:
            ex = run_extract(text, jurisdiction=jurisdiction)
        except Exception as e:  # an extractor bug: this file's problem only
            failures.report(text.source, f"extraction failed: {type(e).__name__}: {e}")
            continue
        rows = list(mention_rows(ex))
        if as_json:
            for row in rows:
                click.echo(json.dumps(row, ensure_ascii=False))
            continue
        click.echo(f"{text.source}: {len(ex.mentions)} citations of {len(ex.instruments)} instruments")
        line_starts = [i + 1 for i, ch in enumerate(text.content) if ch == "\n"]
        for row in rows:
            row["line"] = 1 + bisect.bisect_right(line_starts, row["start"])
        mentions = [r for r in rows if "relation" not in r]
        if mentions:
            print_table(mentions, ["line", "surface", "id", "type", "date", "issuer", "jurisdiction"])
        rels = [r for r in rows if "relation" in r]
        if rels:
            click.echo("")
            print_table(rels, ["relation", "from", "to"])
        click.echo("")
    if failures.count:
        sys.exit(1)


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
        raise click.ClickException(str(e))


def store_counts(store, location: str) -> str:
    """One line of the store's headline counts, or why there are none (a server gone away)."""
    from kg.stores import StoreError

    try:
        counts = store.counts()
    except StoreError as e:
        return f"store {location}: no counts ({e})"
    names = {"reports": "reports", "instruments": "instruments", "mentions": "mentions", "quads": "triples",
             "relationships": "relationships"}  # the last two: RDF stores, Neo4j
    return f"store {location}: " + ", ".join(f"{counts[k]} {name}" for k, name in names.items() if k in counts)


def name_values(params: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """``-p name=value`` pairs, checked; a value that is a legal symbol is made canonical."""
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected name=value, got {item!r}", param_hint="-p")
        yield name, canonical_symbol(value) or value


def canonical_symbol(value: str) -> str | None:
    """The canonical symbol when ``value`` is one symbol as a document could print it
    (``60/2021/ND-CP``, ``60/2021/nd-cp`` → ``60/2021/NĐ-CP``), read by the extractor; else None."""
    from extractors import extract

    text = value.strip()
    if not text or len(text) > 100 or any(c.isspace() for c in text):
        return None
    mentions = extract(text.upper()).mentions
    if len(mentions) == 1 and (mentions[0].start, mentions[0].end) == (0, len(text)):
        return mentions[0].instrument.symbol
    return None


def parse_params(params: tuple[str, ...]) -> dict:
    """``-p name=value`` pairs → SPARQL substitutions (``<…>`` is an IRI, digits an integer)."""
    import pyoxigraph as ox

    out = {}
    for name, value in name_values(params):
        if value.startswith("<") and value.endswith(">"):
            term = ox.NamedNode(value[1:-1])
        elif value.lstrip("-").isdigit():
            term = ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        else:
            term = ox.Literal(value)
        out[ox.Variable(name.lstrip("?$"))] = term
    return out


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
        raise click.ClickException(str(e))


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
        raise click.ClickException(str(e))


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
def ingest(paths, store_path, jobs, scheduler, include, exclude, jurisdiction, base, fail_fast, force, quiet,
           verbose, max_chars, to_neo4j, neo4j_uri, neo4j_user, neo4j_password, neo4j_database, **limits):
    """Extract, build and store the citation graph of PATHS (files, directories or URLs).

    Directories are walked recursively; s3://, gs:// and http(s):// URLs are
    read by the workers themselves. A report is known by its text and
    recorded with its path from the folder given (archive/2023/a.pdf), never
    an absolute path: re-ingesting an unchanged file changes nothing, even
    from another mount point; a changed one replaces the report stored from
    the same path; a legal-kg upgrade or another --base or --jurisdiction
    makes files be extracted again (--force: always). A file that
    cannot be read is reported on one line and the others go on; files of a
    type legal-kg does not read get one line per type. The exit code is 1 if
    any file failed, 130 after Ctrl-C (what was done is kept: run the same
    command again to go on).

    \b
    Examples:
      kg ingest examples/
      kg ingest --store /data/kg archive/ --include '*.pdf' --exclude 'drafts/*'
      kg ingest -j 1 --jurisdiction "Hà Tĩnh" letters/
      kg ingest --scheduler tcp://10.0.0.5:8786 /shared/archive/
      kg ingest --neo4j examples/
      kg ingest --store http://127.0.0.1:3030/kg examples/
    """
    import os

    from kg.graph import DEFAULT_BASE
    from kg.ingest import MAX_CHARS, Interrupted, VersionMismatch, supported
    from kg.ingest import ingest as run_ingest
    from kg.stores import StoreError

    store = open_store(store_path, create=True)
    stores = [store]
    if to_neo4j:
        stores.append(open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database))
    progress = IngestProgress(paths, include, exclude, enabled=not quiet and sys.stderr.isatty())
    skipped: dict[str, list[str]] = {}  # reason → files

    def on_outcome(o):
        if o.status == "failed":
            progress.say(f"error: {o.source}: {o.reason}")
        elif o.status == "skipped":
            skipped.setdefault(o.reason, []).append(o.source)
            if verbose and not quiet:
                progress.say(f"skipped: {o.source}: {o.reason}")
        if supported(o.source):
            progress.advance()

    interrupted = False
    cluster = None
    try:
        cluster = dask_cluster(scheduler, jobs) if scheduler else None
        summary = run_ingest(paths, stores, jobs=jobs or os.cpu_count() or 1,
                             executor=cluster.executor if cluster else None,
                             workers=cluster.workers if cluster else None,
                             include=include, exclude=exclude, jurisdiction=jurisdiction, base=base or DEFAULT_BASE,
                             fail_fast=fail_fast, force=force, max_chars=max_chars or MAX_CHARS,
                             limits=make_limits(**limits),
                             on_outcome=on_outcome)
    except Interrupted as e:
        summary, interrupted = e.summary, True
    except (VersionMismatch, StoreError) as e:  # a worker of another version, a store it cannot write
        raise click.ClickException(str(e))
    finally:
        progress.stop()
        if cluster is not None:
            cluster.close()
        counts = store_counts(store, store_path)
        for each in stores:
            each.close()
    if not quiet and not verbose:
        for reason, files in sorted(skipped.items(), key=lambda item: -len(item[1])):
            click.echo(f"skipped {len(files)} file{'s' if len(files) > 1 else ''}: {reason}"
                       f" (e.g. {files[0]}{'; -v names them all' if len(files) > 1 else ''})", err=True)
    if not summary.outcomes:
        click.echo(f"warning: nothing to ingest: no file under {', '.join(paths)}"
                   f"{' matches --include/--exclude' if include or exclude else ''}", err=True)
    elif not interrupted and not any(o.status in ("ingested", "unchanged", "failed") for o in summary.outcomes):
        click.echo("warning: no file of a type legal-kg reads was found", err=True)
    if interrupted:
        click.echo(f"interrupted after {len(summary.outcomes)} files: what was done is stored; "
                   "run the same command again to go on", err=True)
    click.echo(
        f"{summary.count('ingested')} ingested, {summary.count('unchanged')} unchanged, "
        f"{summary.count('skipped')} skipped, {summary.failed} failed; "
        f"{summary.mentions} citations of {summary.instruments} instruments read"
    )
    click.echo(counts)
    if interrupted:
        sys.exit(130)
    if summary.failed:
        sys.exit(1)


class IngestProgress:
    """The progress bar of ``kg ingest`` on a terminal: supported files, rate and ETA.

    The total comes from a second walk in a thread, so the first files are
    read at once; until it is known the bar has no end (and no ETA).
    """

    def __init__(self, paths, include, exclude, *, enabled: bool):
        self.bar = None
        if not enabled:
            return
        import threading

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
            TimeRemainingColumn

        from kg.ingest import count_supported

        self.bar = Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]} files/s"), TimeElapsedColumn(),
                            TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task("ingest", total=None, rate="–")
        self.bar.start()

        def count() -> None:
            try:
                total = count_supported(paths, include, exclude)
            except Exception:  # noqa: BLE001 - the bar then just has no end
                return
            if self.bar is not None:
                self.bar.update(self.task, total=total)

        threading.Thread(target=count, daemon=True).start()

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
        raise click.ClickException(str(e))


@main.command()
@click.argument("query", required=False)
@list_option
@store_option
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE (a string; <…> for an IRI; digits for an integer).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld",
                                                   "rdfxml", "nquads", "trig"]),
              default="table", show_default=True, help="Output: a table, or a SPARQL results / RDF format.")
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
    """
    from kg.query import FORMATS, QueryRefused, QueryTimeout, check_query_text, evaluate, looks_like_update
    from kg.query import result_kind, serialize_results

    text = query_text(query, ".rq", listing)
    if text is None:
        return
    try:
        check_query_text(text)
    except QueryRefused as e:
        raise click.ClickException(e.message)
    store = open_store(store_path, read_only=True)
    try:
        # On a thread with a deep stack, like the endpoint's workers: deep nesting cannot crash kg.
        substitutions = parse_params(params)
        result = evaluate(lambda: store.query(text, substitutions=substitutions), timeout)
    except SyntaxError as e:
        if looks_like_update(text):
            raise click.ClickException("kg sparql is read-only: SPARQL Update is not accepted (use kg ingest)")
        raise click.ClickException(f"malformed query: {e}")
    except QueryTimeout:
        raise click.ClickException(f"query took longer than {timeout} s")
    except (RuntimeError, ValueError, OSError) as e:  # e.g. a -p variable the query does not select
        raise click.ClickException(str(e))
    kind = result_kind(result)
    if fmt == "table" and kind == "solutions":
        columns = [v.value for v in result.variables]
        rows = [{c: _term_text(s[c]) for c in columns} for s in result]
        if rows:
            print_table(rows, columns)
        click.echo(f"({len(rows)} rows)", err=True)
        return
    if fmt == "table" and kind == "boolean":
        click.echo("yes" if bool(result) else "no")
        return
    fmt = "turtle" if fmt == "table" else fmt
    if fmt not in FORMATS[kind]:
        raise click.UsageError(f"--format {fmt} does not fit a {kind} result; choose from {', '.join(FORMATS[kind])}")
    from kg.stores.oxigraph import PREFIXES

    body, _ = serialize_results(result, fmt, prefixes=PREFIXES)
    text = body.decode("utf-8")
    click.echo(text, nl=not text.endswith("\n"))


def _term_text(term) -> str | None:
    return None if term is None else term.value


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
      kg delete 4104241d9c7e3a1b
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
      kg prune --dry-run archive/
      kg prune /srv/archive
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
@click.option("--report", "keys", multiple=True, metavar="KEY", help="Validate only this report (repeatable).")
def validate(store_path, keys):
    """Check every stored report graph against the SHACL shapes (ontology/shapes.ttl).

    Each report is validated on its own, with the ontology and vocabularies
    (RDFS inference). Prints one line per report that does not conform, with
    pyshacl's account, and exits 1 if any does not.

    \b
    Example:
      kg validate
    """
    from kg.graph import VOCABULARY_KEY
    from kg.shapes import validate as shacl_validate

    store = open_store(store_path, read_only=True)
    keys = keys or sorted(k for k in store.report_keys() if k != VOCABULARY_KEY)
    bad = 0
    for key in keys:
        try:
            result = shacl_validate(store.load(key).graph)
        except KeyError:
            raise click.ClickException(f"no report {key!r} in {store_path}")
        if not result.conforms:
            bad += 1
            click.echo(f"{key}: does not conform\n{result.text}")
    click.echo(f"{len(keys) - bad} of {len(keys)} reports conform to the shapes")
    if bad:
        sys.exit(1)


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
def serve(store_path, host, port, timeout, result_limit, max_response_mb, workers, max_heavy, heavy_after,
          memory_limit_mb, memory_budget_mb):
    """Serve the store as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    GET and POST queries, SPARQL JSON/XML/CSV/TSV results, Turtle/N-Triples/
    JSON-LD/RDF-XML/N-Quads/TriG graphs, CORS, a service description at
    /sparql and a query page at /. Safe to expose: updates and SERVICE are
    refused, and each query is bounded in time, memory, rows and bytes
    (see the README's "Safe to expose"). While it serves a store, nothing
    else may write to that store. A remote store (--store http://…) is
    served the same way, its server answering the queries (docs/security.md).

    \b
    Examples:
      kg serve
      kg serve --host 0.0.0.0 --port 8080 --timeout 30 --memory-budget-mb 8192
      kg serve --store http://127.0.0.1:3030/kg
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:8000/sparql
    """
    from kg.query_pool import MB, PoolLimits
    from kg.server import serve as run_server

    options = {"timeout": timeout, "heavy_after": heavy_after, "max_heavy": max_heavy,
               "memory_limit": memory_limit_mb * MB, "memory_budget": memory_budget_mb * MB}
    if workers:
        options["workers"] = workers
    store = open_store(store_path, read_only=True)
    click.echo(f"serving {store_path} at http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    run_server(store, host, port, limits=PoolLimits(**options), result_limit=result_limit,
               max_response_bytes=max_response_mb * MB)


def store_graph(store):
    """The networkx view of the whole store (reports, instruments, relations)."""
    from kg.graph import to_networkx

    return to_networkx(store.quads())


@main.command()
@store_option
@click.option("--top", default=10, show_default=True, help="How many most-cited instruments to list.")
def stats(store_path, top):
    """An overview of the graph: counts, most-cited instruments, amendment chains,
    and instruments cited but never ingested.

    \b
    Example:
      kg stats --top 20
    """
    from kg.graph import amendment_chains, cited_not_ingested, most_cited

    store = open_store(store_path, read_only=True)
    counts = store.counts()
    g = store_graph(store)
    label = lambda n: g.nodes[n].get("symbol") or g.nodes[n].get("label") or n  # noqa: E731
    click.echo(f"reports       {counts['reports']}")
    click.echo(f"instruments   {counts['instruments']}")
    click.echo(f"mentions      {counts['mentions']}")
    click.echo(f"triples       {counts['quads']}")
    click.echo("")
    click.echo("most cited")
    print_table([{"symbol": label(n), "reports": c} for n, c in most_cited(g, top)], ["symbol", "reports"])
    chains = amendment_chains(g)
    click.echo("")
    click.echo(f"amendment chains ({len(chains)})")
    for chain in chains[:top]:
        click.echo("  " + " → amends → ".join(label(n) for n in chain))
    missing = cited_not_ingested(g)
    click.echo("")
    click.echo(f"cited but not ingested ({len(missing)})")
    for n in missing[:top]:
        click.echo(f"  {label(n)}")
    if len(missing) > top:
        click.echo(f"  … and {len(missing) - top} more")


@main.command()
@click.argument("source")
@store_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write [default: SOURCE's name with .html, in the current directory].")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of the document, when it does not say it.")
def show(source, store_path, output, jurisdiction):
    """Write SOURCE as an HTML page with every citation highlighted.

    SOURCE is a file, or the key of a stored report (its file is read again).
    Hovering a citation shows the resolved instrument; clicking it jumps to
    the next mention of the same instrument.

    \b
    Examples:
      kg show examples/nghean-skhcn-cchc-2023.ocr.txt -o report.html
      kg show nghean-skhcn-cchc-2023-ocr-4104241d
    """
    from pathlib import Path

    from extractors import extract as run_extract
    from kg import readers
    from kg.render import document_html

    path = Path(source)
    if not path.exists():
        path = Path(_stored_source(store_path, source))
    try:
        text = readers.read(path)
    except readers.ReadError as e:
        raise click.ClickException(f"{path}: {e.reason}")
    out = Path(output or Path(path.name).with_suffix(".html").name)
    out.write_text(document_html(run_extract(text, jurisdiction=jurisdiction)), encoding="utf-8")
    click.echo(f"wrote {out}")


def _stored_source(store_path: str, key: str) -> str:
    """The source file of stored report ``key``."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise click.ClickException(f"{key}: no such file")
    if not (Path(store_path) / "CURRENT").exists():
        raise click.ClickException(f"{key}: no such file, and no store at {store_path} to look it up")
    store = open_store(store_path, read_only=True)
    rows = list(store.query(
        f'SELECT ?source WHERE {{ ?r a lkg:Report ; lkg:sourceFile ?source FILTER(STRENDS(STR(?r), "/report/{key}")) }}'))
    if not rows:
        raise click.ClickException(f"{key}: no such file, and no stored report with that key")
    return rows[0]["source"].value


@main.command()
@store_option
@click.option("--around", metavar="SYMBOL", help="Only the neighbourhood of this instrument (symbol or key).")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(min=0), help="Steps out from --around.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="graph.svg, graph.png or graph.html (interactive).")
def graph(store_path, around, depth, output):
    """Draw the citation graph (reports, instruments, relations) as a picture.

    \b
    Examples:
      kg graph -o graph.html
      kg graph --around 115/2005/NĐ-CP --depth 2 -o chain.svg
    """
    from kg.render import draw_graph, neighbourhood

    g = store_graph(open_store(store_path, read_only=True))
    if around:
        try:
            g = neighbourhood(g, around, depth)
        except KeyError as e:
            raise click.ClickException(str(e.args[0]))
    try:
        draw_graph(g, output, title=f"around {around}" if around else "legal-kg")
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="-o")
    click.echo(f"wrote {output} ({g.number_of_nodes()} nodes, {g.number_of_edges()} edges)")


def plain_params(params: tuple[str, ...]) -> dict:
    """``-p name=value`` pairs → Cypher parameters (digits become integers)."""
    return {name.lstrip("$"): int(value) if value.lstrip("-").isdigit() else value
            for name, value in name_values(params)}


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
    import csv

    from kg.stores.base import StoreError
    from kg.stores.neo4j import CypherError, cypher_text, json_value

    text = query_text(query, ".cypher", listing)
    if text is None:
        return
    parameters = plain_params(params)
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    try:
        columns, rows = store.run_cypher(text, parameters, write=write, timeout=timeout or None)
    except (StoreError, CypherError) as e:
        raise click.ClickException(str(e))
    finally:
        store.close()
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
