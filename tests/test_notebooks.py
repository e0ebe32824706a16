"""The notebooks run clean, top to bottom, as a reader would run them."""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run(name: str, env: dict | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env or {})  # the kernel inherits this process's environment
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def outputs(nb) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", []))


@pytest.mark.neo4j
@pytest.mark.slow
def test_quickstart(neo4j_uri, neo4j_auth):
    user, password = neo4j_auth
    nb = run("01-quickstart.ipynb", {"NEO4J_URI": neo4j_uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password})
    text = outputs(nb)
    assert "60/2021/NĐ-CP" in text and "amended_by" in text
    assert any("image/svg+xml" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
def test_analysis():
    nb = run("02-analysis.ipynb")
    assert "amends" in outputs(nb)
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
