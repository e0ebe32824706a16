"""Every example in every command's --help runs, as a user would type it in a fresh clone.

The examples are read from the help itself (CliRunner), then each runs in
bash (pipes, globs and redirections as written) from its own directory laid
out like the repository, whose default store already holds the bundled
example (``kg ingest examples/``): an example that deletes or prunes changes
no other's store. Only examples that need a server are left out, by the
rules in NEEDS_A_SERVER, each with its reason.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]

#: (command, text in the example line, why it cannot run here): an example of that command (or one under
#: it) containing that text is not run. Each rule must still match an example (test_every_rule_is_used).
NEEDS_A_SERVER = [
    (("serve",), "", "kg serve runs until stopped, on fixed ports (8000, 8080); "
                     "tests/test_cli.py::test_serve_answers_sparql_over_http serves on a free one"),
    (("ingest",), "--scheduler tcp://", "needs a Dask scheduler at that address (tests/test_dask.py starts one)"),
    (("ingest",), "--neo4j", "needs a Neo4j server (tests/test_neo4j_*.py)"),
    (("ingest",), "--store http", "needs a SPARQL server at that URL (tests/test_store_sparql.py starts them)"),
    (("cypher",), "", "needs a Neo4j server (tests/test_neo4j_*.py)"),
    (("neo4j",), "", "needs a Neo4j server (tests/test_neo4j_*.py)"),
]
#: Commands whose help may have no example yet: the kg neo4j subcommands get theirs on the neo4j branch.
WITHOUT_EXAMPLES = {("neo4j", "init"), ("neo4j", "sync"), ("neo4j", "status")}

_HEADING = re.compile(r"\s*(Examples?|Start with):\s*")


def commands(command: click.Command = main, path: tuple[str, ...] = ()):
    """Every command path: (), ("extract",) … ("neo4j", "init") …"""
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, path + (name,))


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.stdout


def examples(text: str) -> list[str]:
    """The lines of the help's example blocks, a line ending in a backslash joined to the next."""
    found, inside = [], False
    for line in text.splitlines():
        if _HEADING.fullmatch(line):
            inside = True
        elif inside and not line.strip():
            inside = False
        elif inside:
            if found and found[-1].endswith("\\"):
                found[-1] = found[-1][:-1].rstrip() + " " + line.strip()
            else:
                found.append(line.strip())
    return found


EXAMPLES = [(path, line) for path in commands() for line in examples(help_text(path))]


def reason_to_skip(path: tuple[str, ...], line: str) -> str | None:
    for command, text, why in NEEDS_A_SERVER:
        if path[:len(command)] == command and text in line:
            return why
    return None


def test_every_command_teaches_by_example():
    bare = [" ".join(path) for path in commands() if path not in WITHOUT_EXAMPLES
            and not any(p == path for p, _ in EXAMPLES)]
    assert bare == []
    assert len(EXAMPLES) >= 30


def test_every_rule_is_used():
    for command, text, _ in NEEDS_A_SERVER:
        assert any(path[:len(command)] == command and text in line for path, line in EXAMPLES), (command, text)


@pytest.fixture(scope="module")
def environment() -> dict:
    """This environment without legal-kg's, Neo4j's and Dask's settings, with this kg first on the PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGAL_KG_", "NEO4J_", "DASK_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def template(tmp_path_factory, environment) -> Path:
    """A directory laid out like the repository (its files linked), with the example ingested into the default store."""
    home = tmp_path_factory.mktemp("clone")
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (home / entry.name).symlink_to(entry)
    subprocess.run(["kg", "ingest", "-q", "-j", "1", "examples/"], cwd=home, env=environment, check=True, timeout=600)
    return home


@pytest.fixture
def clone(template, environment, tmp_path) -> dict:
    """A copy of the template for one example (the links stay links; the store is copied)."""
    home = tmp_path / "clone"
    shutil.copytree(template, home, symlinks=True)
    return {"cwd": home, "env": environment}


RUNNABLE = [e for e in EXAMPLES if not reason_to_skip(*e)]


@pytest.mark.slow
@pytest.mark.parametrize("path, line", RUNNABLE, ids=[f"{' '.join(p) or 'kg'}: {line}" for p, line in RUNNABLE])
def test_help_example_runs(clone, path, line):
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True, text=True, timeout=600,
                          **clone)
    assert proc.returncode == 0, f"kg {' '.join(path)} --help: {line!r} exited {proc.returncode}:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
