"""`kg ingest --neo4j` killed midway leaves Neo4j with whole reports, and a rerun completes it."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthetic import write_corpus

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _env(uri: str, auth: tuple[str, str]) -> dict:
    env = dict(os.environ, NEO4J_URI=uri, NEO4J_USER=auth[0], NEO4J_PASSWORD=auth[1])
    env.pop("LEGAL_KG_STORE", None)
    return env


def _reports(driver) -> dict[str, int]:
    """Stored report source → number of mentions Neo4j holds for it."""
    rows = driver.execute_query(
        "MATCH (r:Report) OPTIONAL MATCH (r)-[c:CITES|IDENTIFIED_AS]->() "
        "RETURN r.source AS source, sum(coalesce(c.mentions, 0)) AS mentions").records
    return {r["source"]: r["mentions"] for r in rows}


def _counts(driver) -> tuple[int, int]:
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0]["n"]
    return nodes, rels


def _expected(files: list[Path]) -> dict[str, int]:
    out = subprocess.run([sys.executable, "-m", "kg.cli", "extract", "--json", *map(str, files)],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    counts: dict[str, int] = {f"{f.parent.name}/{f.name}": 0 for f in files}  # as ingest records them
    for line in out.splitlines():
        row = json.loads(line)
        if "relation" not in row and row["kind"] == "symbol":  # the citations by symbol (CITES)
            path = Path(row["file"])
            counts[f"{path.parent.name}/{path.name}"] += 1
    return counts


def test_killed_ingest_into_neo4j_is_whole_and_resumable(tmp_path, neo4j_uri, neo4j_auth, neo4j_driver):
    corpus = tmp_path / "corpus"
    files = write_corpus(corpus, 200, seed=11, noise=0.3)
    expected = _expected(files)
    env = _env(neo4j_uri, neo4j_auth)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")

    args = [sys.executable, "-m", "kg.cli", "ingest", "--quiet", "--neo4j", "-j", "2",
            "--store", str(tmp_path / "killed"), str(corpus)]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_reports(neo4j_driver)) < 20 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read().decode()}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)

    partial = _reports(neo4j_driver)
    assert 0 < len(partial) < 200
    for source, mentions in partial.items():  # whole reports only
        assert mentions == expected[source], source

    again = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert _reports(neo4j_driver) == expected
    resumed = _counts(neo4j_driver)

    # The same corpus ingested once, cleanly, gives the same graph: nothing duplicated.
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    clean = subprocess.run([*args[:-3], "--store", str(tmp_path / "clean"), str(corpus)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    assert _counts(neo4j_driver) == resumed
