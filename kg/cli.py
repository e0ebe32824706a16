"""The ``kg`` command line: a thin layer over readers, extractors, graph and stores.

Run ``kg --help`` or ``kg COMMAND --help``; every command's help ends with examples.
"""
from __future__ import annotations

import bisect
import json
import sys
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
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
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


if __name__ == "__main__":
    main()
