"""``--vocabulary DIR``: the commands that extract (extract, evaluate, ingest, check, show) read
with a vocabulary of the user's own, and ``kg ingest`` extracts again when it changes (it is part
of the recipe)."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from test_vocab import add_revises_cue, vocabulary_folder

from extractors.vocab import VOCAB_DIR
from kg.cli import main
from kg.stores.oxigraph import OxigraphStore

# A cue the bundled vocabulary does not have ("chỉnh lý": revises).
TEXT = ("Quyết định số 12/2024/QĐ-UBND ngày 02/3/2024 của UBND tỉnh Hà Tĩnh chỉnh lý Quyết định số "
        "10/2023/QĐ-UBND ngày 05/01/2023 của UBND tỉnh Hà Tĩnh.\n")
AMENDS = {"relation": "amends", "from": "12/2024/QĐ-UBND", "to": "10/2023/QĐ-UBND"}
SUMMARY = re.compile(r"(\d+) ingested, (\d+) unchanged, (\d+) skipped, (\d+) failed")


def kg(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def mine(tmp_path):
    """A folder holding one file of the user's own: relations.yaml with the cue added."""
    return vocabulary_folder(tmp_path / "my-vocabulary", "relations", add_revises_cue)


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "docs" / "qd.txt"
    path.parent.mkdir()
    path.write_text(TEXT, encoding="utf-8")
    return path


def relations(output: str) -> list[dict]:
    return [{k: row[k] for k in ("relation", "from", "to")} for row in map(json.loads, output.splitlines())
            if "relation" in row]


def test_extract_and_show_read_with_the_vocabulary_given(mine, text, tmp_path):
    code, out = kg("extract", "--json", text)
    assert code == 0 and relations(out) == []
    code, out = kg("extract", "--json", "--vocabulary", mine, text)
    assert code == 0 and relations(out) == [AMENDS], out
    for options, found in (((), "Relations (0)"), (("--vocabulary", mine), "Relations (1)")):
        page = tmp_path / "qd.html"
        code, out = kg("show", "--store", tmp_path / "store", *options, "-o", page, text)
        assert code == 0 and found in page.read_text(encoding="utf-8"), out


def test_evaluate_scores_the_vocabulary_given(mine, text):
    gold = text.with_name("qd.gold.jsonl")
    rows = [{"surface": s, "id": s, "type": "QĐ", "date": d, "issuer": "UBND"}
            for s, d in (("12/2024/QĐ-UBND", "2024-03-02"), ("10/2023/QĐ-UBND", "2023-01-05"))]
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*rows, AMENDS]), encoding="utf-8")
    for options, found in (((), 0), (("--vocabulary", mine), 1)):
        code, out = kg("evaluate", "--json", *options, text, gold)
        scores = json.loads(out)["variants"]["texts"]
        assert code == 0 and (scores["f1"], scores["rel_gold"], scores["rel_tp"]) == (1.0, 1, found), out


def test_ingest_extracts_again_when_the_vocabulary_changes(mine, text, tmp_path):
    store = tmp_path / "store"

    def ingest(*options) -> tuple[int, ...]:
        code, out = kg("ingest", "-q", "-j", 1, "--store", store, *options, text.parent)
        assert code == 0, out
        return tuple(int(n) for n in SUMMARY.search(out).groups())[:2]

    def amends() -> bool:
        with OxigraphStore.open_read_only(store) as s:
            return bool(s.query("ASK { ?a eli:amends ?b }"))

    assert ingest() == (1, 0) and not amends()
    assert ingest("--vocabulary", mine) == (1, 0) and amends()  # another vocabulary: another recipe
    assert ingest("--vocabulary", mine) == (0, 1)
    (mine / "relations.yaml").write_text((VOCAB_DIR / "relations.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert ingest("--vocabulary", mine) == (1, 0) and not amends()  # its file edited: extracted again
    assert ingest() == (0, 1)  # (now the same files as the bundled vocabulary)


@pytest.mark.parametrize("command", ["extract", "evaluate", "ingest", "check", "show"])
def test_a_bad_vocabulary_is_one_line_naming_the_file(command, text, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "issuers.yaml").write_text("national: [", encoding="utf-8")
    code, out = kg(command, "--vocabulary", folder, text)
    assert code == 2 and f"{folder}: issuers.yaml: not YAML" in out, out
    error = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(error) == 1
