"""kg/saved_queries.py and the CLI around it: listing, finding by name, did-you-mean, missing files.

No server needed: --list and the name checks come before any connection.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.saved_queries import QUERIES, QueryNotFound, find, query_text, saved_queries

NAMES = ["amendment-chain", "cited-not-ingested", "most-cited", "outdated-citations", "report-instruments",
         "reports-by-jurisdiction-year", "reports-citing"]


@pytest.mark.parametrize("suffix", [".rq", ".cypher"])
def test_every_saved_query_is_listed_with_its_summary(suffix):
    queries = saved_queries(suffix)
    assert [q.name for q in queries] == NAMES
    summaries = {q.name: q.summary for q in queries}
    assert summaries["most-cited"] == "the instruments cited by the most reports."
    assert all(s and not s.startswith(q) and "\n" not in s for q, s in summaries.items())


def test_find_suggests_the_nearest_name_and_lists_them_all():
    with pytest.raises(QueryNotFound) as info:
        find("most-citd", ".cypher")
    assert str(info.value) == f"no saved query 'most-citd'; did you mean most-cited? (saved queries: {', '.join(NAMES)})"
    with pytest.raises(QueryNotFound, match=r"^no saved query 'zzz' \(saved queries: amendment-chain, "):
        find("zzz", ".rq")


def test_query_text_tells_a_name_a_file_and_a_query_apart(tmp_path):
    assert query_text("most-cited", ".rq") == (QUERIES / "most-cited.rq").read_text(encoding="utf-8")
    own = tmp_path / "mine.cypher"
    own.write_text("RETURN 1", encoding="utf-8")
    assert query_text(str(own), ".cypher") == "RETURN 1"
    for query in ["MATCH (n) RETURN n", "ASK{?s<http://x/y>?o}", "RETURN 1\n", "x" * 5000 + " y", "a\0b"]:
        assert query_text(query, ".cypher") == query
    for missing in ["queries/nope.rq", "nope.cypher", str(tmp_path / "gone" / "q.rq"), "./q"]:
        with pytest.raises(QueryNotFound, match="^no such query file: "):
            query_text(missing, ".rq")
    with pytest.raises(QueryNotFound, match="^no saved query 'RETURN1'"):
        query_text("RETURN1", ".cypher")


@pytest.mark.parametrize("command", ["cypher", "sparql"])
def test_list_prints_the_saved_queries(command):
    result = CliRunner().invoke(main, [command, "--list"], env={"NEO4J_URI": "bolt://127.0.0.1:1"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "SUMMARY"]
    assert [line.split()[0] for line in lines[1:]] == NAMES


@pytest.mark.parametrize("command", ["cypher", "sparql"])
def test_unknown_names_and_missing_files_are_named_before_connecting(command, tmp_path):
    env = {"NEO4J_URI": "bolt://127.0.0.1:1", "LEGAL_KG_STORE": str(tmp_path / "none")}
    result = CliRunner().invoke(main, [command, "most-citd"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: no saved query 'most-citd'; did you mean most-cited?")
    result = CliRunner().invoke(main, [command, "queries/most-citd.rq"], env=env)
    assert result.output.strip() == "Error: no such query file: queries/most-citd.rq"
    result = CliRunner().invoke(main, [command], env=env)
    assert result.exit_code == 2 and "--list" in result.output


@pytest.mark.parametrize("sub", ["init", "sync", "status"])
def test_neo4j_subcommands_help_has_examples(sub):
    result = CliRunner().invoke(main, ["neo4j", sub, "--help"])
    assert result.exit_code == 0
    examples = result.output.split("Examples:")[1].split("Options:")[0]
    assert f"kg neo4j {sub}" in examples


def test_cli_help_examples_name_saved_queries_that_exist():
    for command in ("cypher", "sparql"):
        text = CliRunner().invoke(main, [command, "--help"]).output
        for line in text.split("Examples:")[1].split("Options:")[0].splitlines():
            words = line.split()
            if len(words) > 2 and words[2] not in ("--list",) and not words[2].startswith("'"):
                assert words[2] in NAMES, line


def test_saved_query_directory_is_the_repository_one():
    assert QUERIES == Path(__file__).resolve().parents[1] / "queries"
