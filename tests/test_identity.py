"""A report is its text, recorded with where it was read (#11.7), and re-extracted when what makes
its graph changes (#11.8): moving an archive, upgrading, deleting and pruning."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from make_corpus import clean_text, example_text

from kg.cli import main
from kg.ingest import Options, StoredVersion, Task, prepare, recipe
from kg.stores.base import StoreError
from kg.stores.oxigraph import META_GRAPH, OxigraphStore

SUMMARY = re.compile(r"(\d+) ingested, (\d+) unchanged, (\d+) skipped, (\d+) failed")


def kg(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def counts(output: str) -> tuple[int, ...]:
    return tuple(int(n) for n in SUMMARY.search(output).groups())


@pytest.fixture
def archive(tmp_path) -> Path:
    folder = tmp_path / "mount-a" / "archive"
    (folder / "2023").mkdir(parents=True)
    (folder / "2023" / "example.txt").write_text(example_text(), encoding="utf-8")
    (folder / "clean.txt").write_text(clean_text(), encoding="utf-8")
    return folder


def stored_sources(store: Path) -> set[str]:
    with OxigraphStore.open_read_only(store) as s:
        return {r["f"].value for r in s.query("SELECT ?f WHERE { ?r a lkg:Report ; lkg:sourceFile ?f }")}


def test_moving_an_archive_changes_nothing_and_no_server_path_is_kept(tmp_path, archive):
    store = tmp_path / "store"
    code, out = kg("ingest", "--store", store, "-j", "1", archive)
    assert code == 0 and counts(out)[0] == 2, out
    assert stored_sources(store) == {"archive/2023/example.txt", "archive/clean.txt"}

    moved = tmp_path / "mount-b" / "archive"
    moved.parent.mkdir()
    shutil.move(archive, moved)
    code, out = kg("ingest", "--store", store, "-j", "1", moved)
    assert code == 0 and counts(out)[:2] == (0, 2), out

    code, dump = kg("export", "--store", store, "--format", "nquads")
    assert code == 0 and str(tmp_path) not in dump  # no absolute path anywhere, bookkeeping included
    with OxigraphStore.open_read_only(store) as s:
        meta = [str(q) for q in s.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(META_GRAPH))]
    assert meta and not any(str(tmp_path) in q for q in meta)


def test_the_same_text_twice_is_one_report(tmp_path, archive):
    shutil.copy(archive / "clean.txt", archive / "2023" / "copy-of-clean.txt")
    store = tmp_path / "store"
    code, out = kg("ingest", "--store", store, "-j", "1", archive)
    assert code == 0 and counts(out)[:2] == (2, 1), out
    with OxigraphStore.open_read_only(store) as s:
        assert s.counts()["reports"] == 2


def test_other_options_or_an_upgrade_extract_again_and_replace(tmp_path, archive):
    store = tmp_path / "store"
    kg("ingest", "--store", store, "-j", "1", archive)
    with OxigraphStore.open_read_only(store) as s:
        before = s.counts()
    code, out = kg("ingest", "--store", store, "-j", "1", "--jurisdiction", "Hà Tĩnh", archive)
    assert code == 0 and counts(out)[:2] == (2, 0), out  # another recipe: extracted and stored again
    with OxigraphStore.open_read_only(store) as s:
        after = s.counts()
        places = {r["p"].value for r in s.query(
            "SELECT DISTINCT ?p WHERE { ?i eli:jurisdiction ?j . ?j skos:prefLabel ?p FILTER(lang(?p) = 'vi') }")}
    assert after["reports"] == before["reports"]  # replaced, not added beside
    assert "Hà Tĩnh" in places
    code, out = kg("ingest", "--store", store, "-j", "1", "--jurisdiction", "Hà Tĩnh", archive)
    assert counts(out)[:2] == (0, 2), out
    assert recipe() != recipe(jurisdiction="Hà Tĩnh") != recipe(base="http://example.org/")


def test_force_extracts_again_what_is_stored_unchanged(archive):
    path = archive / "clean.txt"
    from kg import readers

    text = readers.read(path)
    from kg.ingest import file_hash

    stored = StoredVersion(text.content_hash[:16], text.content_hash, recipe(), file_hash(str(path), 1 << 30))
    task = Task(str(path), str(path), "archive/clean.txt", stored)
    assert prepare(task, Options()).status == "unchanged"  # not even read: its bytes are those stored
    again = prepare(task, Options(force=True))
    assert again.report.key == stored.key and again.report.recipe == stored.recipe


def test_delete_and_prune(tmp_path, archive):
    store = tmp_path / "store"
    kg("ingest", "--store", store, "-j", "1", archive)
    (archive / "2023" / "example.txt").unlink()
    code, out = kg("prune", "--store", store, "--dry-run", archive)
    assert code == 0 and "would remove" in out and "archive/2023/example.txt" in out, out
    assert len(stored_sources(store)) == 2
    code, out = kg("prune", "--store", store, archive)
    assert code == 0 and "1 report of files gone" in out, out
    assert stored_sources(store) == {"archive/clean.txt"}

    with OxigraphStore.open_read_only(store) as s:
        [(key, _)] = list(s.report_sources())
    code, out = kg("delete", "--store", store, "nonexistent")
    assert code == 1 and "no stored report nonexistent" in out
    code, out = kg("delete", "--store", store, key)
    assert code == 0 and "deleted 1 report" in out
    with OxigraphStore.open_read_only(store) as s:
        assert s.counts()["reports"] == 0 and s.counts()["instruments"] == 0  # nothing only it said remains


def test_a_store_keyed_by_path_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "old"
    raw = ox.Store(str(path))  # as legal-kg 0.1 left it: bookkeeping, no layout mark
    node = ox.NamedNode("urn:legal-kg:report:old-report-1234")
    raw.add(ox.Quad(node, ox.NamedNode("urn:legal-kg:meta#key"), ox.Literal("old-report-1234"),
                    ox.NamedNode(META_GRAPH)))
    del raw
    for read_only in (False, True):
        with pytest.raises(StoreError, match="before 0.2.*ingest your files again into a new store"):
            OxigraphStore(path, read_only=read_only)
