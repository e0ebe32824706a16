"""The saved SPARQL queries are portable (issue 11.5): each declares its own prefixes,
so it runs unchanged on Jena, Fuseki, GraphDB or any endpoint.

* Apache Jena ARQ (tests/jena, fetched from Maven Central by scripts/setup.sh)
  parses every saved query, and the SPARQL page's default query, as strict
  SPARQL 1.1 with no predeclared prefixes; a query leaning on the endpoint's
  prefixes is rejected (the control).
* Declared prefixes name the IRIs the endpoint predeclares, so a query means
  the same everywhere.
* A second, independent engine (rdflib, over the store's N-Quads export) gives
  the same rows as ``kg sparql NAME`` for each saved query.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.plugins.sparql.parser import parseQuery

from kg.cli import main
from kg.iris import PREFIXES
from kg.web import default_query

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted((ROOT / "queries").glob("*.rq"))
JENA = ROOT / "tests" / "jena"
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"

# rdflib's own SPARQL evaluator still calls its deprecated Dataset.contexts.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.*is deprecated:DeprecationWarning")


def test_the_saved_queries_are_there():
    assert [q.stem for q in QUERIES] == [
        "amendment-chain", "cited-not-ingested", "most-cited", "outdated-citations", "report-instruments",
        "reports-by-jurisdiction-year", "reports-citing"]


@pytest.fixture(scope="module")
def jena_classpath() -> str:
    lib = JENA / "target" / "lib"
    if shutil.which("java") is None or not any(lib.glob("jena-arq-*.jar")):
        message = "Apache Jena is not set up (run bash scripts/setup.sh: it needs java and mvn)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return f"{lib}/*"


def jena_parse(classpath: str, files: list[Path]) -> dict[str, str]:
    """Jena's verdict per file: "ok" or its error message."""
    run = subprocess.run(
        ["java", "-cp", classpath, str(JENA / "ParseQueries.java"), *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    verdicts = {}
    for line in run.stdout.splitlines():
        status, _, rest = line.partition(" ")
        name, _, message = rest.partition(": ")
        verdicts[name] = "ok" if status == "ok" else message
    assert len(verdicts) == len(files), run.stderr
    return verdicts


def test_jena_parses_every_saved_query_without_predeclared_prefixes(jena_classpath, tmp_path):
    default = tmp_path / "default.rq"
    default.write_text(default_query(), encoding="utf-8")
    control = tmp_path / "undeclared.rq"  # what the saved queries used to be like
    control.write_text("SELECT ?symbol WHERE { ?i eli:id_local ?symbol }", encoding="utf-8")
    verdicts = jena_parse(jena_classpath, [*QUERIES, default, control])
    assert {name: v for name, v in verdicts.items() if v != "ok"} == {
        str(control): "Line 1, column 27: Unresolved prefixed name: eli:id_local"}


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.stem)
def test_declared_prefixes_are_the_endpoints(query):
    prologue = parseQuery(query.read_text(encoding="utf-8"))[0]
    declared = {decl.prefix: str(decl.iri) for decl in prologue if decl.name == "PrefixDecl"}
    assert declared and all(PREFIXES[name] == iri for name, iri in declared.items())


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """The bundled example plus 8 synthetic reports (so that every query has rows)."""
    from synthetic import write_corpus

    root = tmp_path_factory.mktemp("portable")
    write_corpus(root / "syn", 8, seed=5, noise=0.3)
    shutil.copy(EXAMPLE, root / "syn" / EXAMPLE.name)
    result = CliRunner().invoke(main, ["ingest", str(root / "syn"), "--store", str(root / "store")])
    assert result.exit_code == 0, result.output
    return root / "store"


@pytest.fixture(scope="module")
def rdflib_dataset(store, tmp_path_factory) -> rdflib.Dataset:
    out = tmp_path_factory.mktemp("export") / "store.nq"
    result = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "nquads", "-o", str(out)])
    assert result.exit_code == 0, result.output
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(out, format="nquads")
    return dataset


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.stem)
def test_another_engine_gives_the_same_rows(query, store, rdflib_dataset):
    ours = CliRunner().invoke(main, ["sparql", query.stem, "--store", str(store), "--format", "csv"])
    assert ours.exit_code == 0, ours.output
    theirs = rdflib_dataset.query(query.read_text(encoding="utf-8")).serialize(format="csv")
    rows = csv_rows(ours.output)
    assert len(rows) > 1  # a header and some answers
    assert rows == csv_rows(theirs.decode("utf-8"))
