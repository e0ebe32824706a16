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


def read_inputs(paths: tuple[str, ...], failures: Failures) -> Iterator[Text]:
    """Texts of the given files (``-`` is standard input); unreadable ones are reported and skipped."""
    from kg import readers

    for path in paths:
        try:
            if path == "-":
                yield readers.read_bytes(sys.stdin.buffer.read(), "-")
            else:
                yield readers.read(path)
        except readers.UnsupportedFormat as e:
            click.echo(f"skipped: {path}: {e.reason}", err=True)
        except readers.ReadError as e:
            failures.report(path, e.reason)


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


def print_table(rows: list[dict], columns: list[str]) -> None:
    """A plain aligned table, readable in any terminal and in logs."""
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True, readable=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines: one object per mention, then per relation.")
@click.option("--jurisdiction", metavar="PROVINCE",
              help="Province of the documents (e.g. 'Nghệ An'), when they do not say it themselves.")
def extract(files: tuple[str, ...], as_json: bool, jurisdiction: str | None) -> None:
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
    for text in read_inputs(files, failures):
        ex = run_extract(text, jurisdiction=jurisdiction)
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


@main.command()
@click.argument("path", type=click.Path(exists=True))
@click.argument("gold", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", "show_errors", is_flag=True,
              help="Also list every miss, false hit, wrong attribute and relation, with its context.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores (and --errors) as one JSON object.")
@click.option("--markdown", is_flag=True, help="Print the scores as Markdown table rows (as in the README).")
@click.option("--label", default=None, help="Name of the corpus in --markdown rows [default: the folder's name].")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of documents that do not say it themselves.")
def evaluate(path, gold, show_errors, as_json, markdown, label, jurisdiction):
    """Score the extractor on annotated documents: PATH is a folder (GOLD_DIR) or a TEXT with its GOLD.

    A folder holds NAME[.VARIANT].txt texts, each with its gold JSON Lines
    NAME[.VARIANT].gold.jsonl (NAME.gold.jsonl for the clean variant), as in
    ../shared/corpus/dev; gold rows follow its CONVENTIONS.md. Prints, per
    variant, mention precision, recall and F1, type, issuer and date accuracy,
    relations found (based_on apart). Exit code 1 if a document could not be
    read or scored.

    \b
    Examples:
      kg evaluate ../shared/corpus/dev
      kg evaluate --errors ../shared/corpus/dev | less
      kg evaluate examples/report.ocr.txt examples/report.ocr.gold.jsonl
      kg evaluate --json my-annotated-sample/ > scores.json
    """
    from kg import evaluate as ev

    if Path(path).is_dir():
        if gold:
            raise click.UsageError("give a folder alone, or a text and its gold file")
        scores = ev.evaluate_corpus(path, jurisdiction=jurisdiction, on_document=lambda v, text, s: (
            s is None and click.echo(f"skipped: {text}: no gold file beside it", err=True)))
    elif gold:
        scores = {ev.NO_VARIANT: ev.evaluate_file(path, gold, jurisdiction=jurisdiction)}
    else:
        raise click.UsageError("a text needs its gold file: kg evaluate TEXT GOLD")
    failed = sum(s.failed for s in scores.values())
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
        if len(scores) > 1:
            total = ev.Score()
            for s in scores.values():
                total += s
            scores = {**scores, "all": total}
        fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        print_table([{"variant": v, "docs": s.docs, "mentions": s.gold, "found": s.pred, "p": fmt(s.precision),
                      "r": fmt(s.recall), "f1": fmt(s.f1), "type": fmt(s.type_accuracy),
                      "issuer": fmt(s.issuer_accuracy), "date": fmt(s.date_accuracy),
                      "relations": f"{s.rel_tp}/{s.rel_gold}", "rel_p": fmt(s.relation_precision),
                      "based_on": f"{s.bo_tp}/{s.bo_gold}", "bo_p": fmt(s.based_on_precision)}
                     for v, s in scores.items()],
                    ["variant", "docs", "mentions", "found", "p", "r", "f1", "type", "issuer", "date",
                     "relations", "rel_p", "based_on", "bo_p"])
        if show_errors:
            for v, s in scores.items():
                if v != "all" and s.errors:
                    click.echo(f"\n{v}: {len(s.errors)} errors")
                    for e in s.errors:
                        click.echo("  " + e.describe())
    if failed:
        sys.exit(1)


# --- the graph: ingest, query, export, validate, serve ---------------------------

DEFAULT_STORE = ".legal-kg/store"


def store_option(f):
    """``--store DIR``: the embedded store (env LEGAL_KG_STORE, default ./.legal-kg/store)."""
    return click.option(
        "--store", "store_path", envvar="LEGAL_KG_STORE", default=DEFAULT_STORE, show_default=True,
        type=click.Path(file_okay=False), help="Directory of the embedded Oxigraph store (env LEGAL_KG_STORE).",
    )(f)


def open_store(path: str, *, read_only: bool = False, create: bool = False):
    """The embedded store at ``path``; a clear error (no traceback) when it cannot be opened."""
    from pathlib import Path

    from kg.stores.base import StoreError
    from kg.stores.oxigraph import OxigraphStore

    p = Path(path)
    if create:
        p.parent.mkdir(parents=True, exist_ok=True)
    elif not (p / "CURRENT").exists():
        raise click.ClickException(f"no store at {path}: run `kg ingest` first, or give --store")
    try:
        return OxigraphStore(p, read_only=read_only)
    except StoreError as e:
        raise click.ClickException(str(e))


def name_values(params: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """``-p name=value`` pairs, checked."""
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected name=value, got {item!r}", param_hint="-p")
        yield name, value


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


def query_text(query: str, suffix: str) -> str:
    """A query given inline, as a file, or by the name of a saved query in queries/."""
    from pathlib import Path

    candidates = [Path(query), Path(__file__).resolve().parent.parent / "queries" / f"{query}{suffix}"]
    for path in candidates:
        if len(query) < 256 and path.is_file():
            return path.read_text(encoding="utf-8")
    return query


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
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@store_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for reading and extraction [default: all cores].")
@click.option("--include", multiple=True, metavar="GLOB", help="Only files matching GLOB (repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Leave out files matching GLOB (repeatable).")
@click.option("--jurisdiction", metavar="PROVINCE", help="Province of documents that do not say it themselves.")
@click.option("--base", default=None, metavar="IRI", help="Base IRI of the graph [default: https://w3id.org/legal-kg/id/].")
@click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-file lines; only errors and the summary.")
@click.option("--max-chars", type=click.IntRange(min=1), default=None,
              help="Longest text to ingest, in characters, bounding memory [default: 4,000,000].")
@click.option("--neo4j", "to_neo4j", is_flag=True, help="Also write to Neo4j (see NEO4J_URI, --neo4j-uri).")
@neo4j_options
def ingest(paths, store_path, jobs, include, exclude, jurisdiction, base, fail_fast, quiet, max_chars, to_neo4j,
           neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Extract, build and store the citation graph of PATHS (files or directories).

    Directories are walked recursively. Each report becomes its own named
    graph: re-ingesting an unchanged file changes nothing (content hash),
    re-ingesting a changed one replaces exactly its own triples. A file that
    cannot be read is reported on one line and the others go on; the exit
    code is 1 if any failed.

    \b
    Examples:
      kg ingest examples/
      kg ingest --store /data/kg archive/ --include '*.pdf' --exclude 'drafts/*'
      kg ingest -j 1 --jurisdiction "Hà Tĩnh" letters/
      kg ingest --neo4j examples/
    """
    import os

    from kg.graph import DEFAULT_BASE
    from kg.ingest import MAX_CHARS
    from kg.ingest import ingest as run_ingest
    from kg.ingest import walk

    store = open_store(store_path, create=True)
    stores = [store]
    if to_neo4j:
        stores.append(open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database))
    total = sum(1 for _ in walk(paths, include, exclude))
    progress = None
    if not quiet and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]} files/s"), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        task = progress.add_task("ingest", total=total, rate="–")
        progress.start()

    def say(line: str) -> None:
        if progress is not None:  # above the bar, not through it
            progress.console.print(line, markup=False, highlight=False)
        else:
            click.echo(line, err=True)

    def on_outcome(o):
        if o.status == "failed":
            say(f"error: {o.source}: {o.reason}")
        elif o.status == "skipped" and not quiet:
            say(f"skipped: {o.source}: {o.reason}")
        if progress is not None:
            elapsed = progress.tasks[0].elapsed or 1e-9
            progress.update(task, advance=1, rate=f"{(progress.tasks[0].completed + 1) / elapsed:.1f}")

    try:
        summary = run_ingest(paths, stores, jobs=jobs or os.cpu_count() or 1, include=include, exclude=exclude,
                             jurisdiction=jurisdiction, base=base or DEFAULT_BASE, fail_fast=fail_fast,
                             max_chars=max_chars or MAX_CHARS, on_outcome=on_outcome)
    finally:
        if progress is not None:
            progress.stop()
        counts = store.counts()
        for each in stores:
            each.close()
    click.echo(
        f"{summary.count('ingested')} ingested, {summary.count('unchanged')} unchanged, "
        f"{summary.count('skipped')} skipped, {summary.failed} failed; "
        f"{summary.mentions} citations of {summary.instruments} instruments read"
    )
    click.echo(f"store {store_path}: {counts['reports']} reports, {counts['instruments']} instruments, "
               f"{counts['mentions']} mentions, {counts['quads']} triples")
    if summary.failed:
        sys.exit(1)


@main.command()
@click.argument("query")
@store_option
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE (a string; <…> for an IRI; digits for an integer).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld"]),
              default="table", show_default=True, help="Output: a table, or a SPARQL results / RDF format.")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
def sparql(query, store_path, params, fmt, timeout):
    """Run a SPARQL 1.1 query on the embedded store.

    QUERY is the query itself, a file, or the name of a saved query in
    queries/ (see queries/README.md). The default graph is the union of all
    reports; the prefixes eli:, lkg:, prov:, skos:, dcterms:, rdf:, rdfs: and
    xsd: are predeclared.

    \b
    Examples:
      kg sparql most-cited
      kg sparql reports-citing -p symbol=60/2021/NĐ-CP
      kg sparql 'SELECT ?s WHERE { ?s a eli:LegalResource } LIMIT 5' --format csv
    """
    from kg.stores.oxigraph import GRAPH_FORMATS, RESULT_FORMATS, QueryTimeout, result_kind, serialize_results

    store = open_store(store_path, read_only=True)
    try:
        result = store.query(query_text(query, ".rq"), substitutions=parse_params(params), timeout=timeout)
    except SyntaxError as e:
        raise click.ClickException(f"malformed query: {e}")
    except QueryTimeout:
        raise click.ClickException(f"query took longer than {timeout} s")
    except (RuntimeError, ValueError) as e:  # e.g. a -p variable the query does not select
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
    formats = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    fmt = "turtle" if fmt == "table" else fmt
    if fmt not in formats:
        raise click.UsageError(f"--format {fmt} does not fit a {kind} result; choose from {', '.join(formats)}")
    body, _, _ = serialize_results(result, fmt)
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
@click.option("--timeout", "query_timeout", default=10.0, show_default=True, help="Seconds a query may run.")
@click.option("--limit", "result_limit", default=10000, show_default=True, help="Most rows (or triples) a query returns.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Query worker processes [default: up to 4].")
def serve(store_path, host, port, query_timeout, result_limit, workers):
    """Serve the store as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    GET and POST queries, SPARQL JSON/XML/CSV/TSV results, Turtle/N-Triples/
    JSON-LD graphs, CORS, a service description at /sparql and a query page
    at /. Updates, LOAD and SERVICE are refused; each query has a time and a
    result limit. Serves the data as it was at start: restart after ingesting.

    \b
    Examples:
      kg serve
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:8000/sparql
    """
    from kg.server import serve as run_server

    store = open_store(store_path, read_only=True)
    click.echo(f"serving {store_path} at http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    run_server(store, host, port, query_timeout=query_timeout, result_limit=result_limit, workers=workers)


def store_graph(store):
    """The networkx view of the whole embedded store (reports, instruments, relations)."""
    from kg.graph import to_networkx

    return to_networkx(store.oxigraph.quads_for_pattern(None, None, None, None))


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
@click.argument("query")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set $NAME to VALUE (digits give an integer).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--write", is_flag=True, help="Allow a query that writes (refused otherwise).")
@neo4j_options
def cypher(query, params, fmt, write, neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Run a Cypher query on Neo4j: read-only unless --write.

    QUERY is the query itself, a file, or the name of a saved query in
    queries/ (the twins of the SPARQL ones). A parameter the query uses but
    -p does not give is null (a saved query then does not filter on it).

    \b
    Examples:
      kg cypher most-cited
      kg cypher reports-citing -p symbol=60/2021/NĐ-CP --format csv
      kg cypher 'MATCH (i:Instrument) RETURN i.symbol LIMIT 5'
    """
    import csv

    from kg.stores.base import StoreError
    from kg.stores.neo4j import CypherError

    parameters = plain_params(params)
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    try:
        columns, rows = store.run_cypher(query_text(query, ".cypher"), parameters, write=write)
    except (StoreError, CypherError) as e:
        raise click.ClickException(str(e))
    finally:
        store.close()
    records = [dict(zip(columns, row)) for row in rows]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        if records:
            print_table(records, columns)
        click.echo(f"({len(records)} rows)", err=True)


@main.group()
def neo4j():
    """Work with Neo4j: create the schema, push the embedded store, show counts.

    legal-kg talks to any Neo4j 5 over Bolt (NEO4J_URI, NEO4J_USER,
    NEO4J_PASSWORD, or the --neo4j-* options). For a local server:
    scripts/neo4j start.

    \b
    Examples:
      kg neo4j init
      kg neo4j sync
      kg neo4j status
    """


@neo4j.command("init")
@neo4j_options
def neo4j_init(neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Create the uniqueness constraints and indexes (safe to run again)."""
    store = open_neo4j(neo4j_uri, neo4j_user, neo4j_password, neo4j_database)
    store.init()
    store.close()
    click.echo("constraints and indexes are in place")


@neo4j.command("sync")
@store_option
@click.option("--prune", is_flag=True, help="Also delete from Neo4j the reports no longer in the embedded store.")
@neo4j_options
def neo4j_sync(store_path, prune, neo4j_uri, neo4j_user, neo4j_password, neo4j_database):
    """Push every report of the embedded store to Neo4j (unchanged ones are skipped)."""
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
    """Show the server, its version and the graph's counts."""
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
