"""The notebooks open and run as the README says: its jupyter commands, run as written."""
import json
import os
import shlex
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_command(tool: str) -> list[str]:
    """The README's ``.venv/bin/jupyter TOOL …`` command line, split as the shell would."""
    lines = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
             if line.startswith(f".venv/bin/jupyter {tool} ")]
    assert len(lines) == 1, f"the README gives one `.venv/bin/jupyter {tool}` command"
    return shlex.split(lines[0])


def execute(name: str, out_dir: Path, env: dict | None = None) -> nbformat.NotebookNode:
    """Run notebook ``name`` with the README's nbconvert command (into ``out_dir``); the executed notebook."""
    command = readme_command("nbconvert")
    command[command.index("notebooks/02-analysis.ipynb")] = f"notebooks/{name}"
    command[command.index("--output-dir") + 1] = str(out_dir)
    proc = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return nbformat.read(out_dir / name, as_version=4)


def outputs(nb) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", []))


def images(nb, media_type: str) -> int:
    return sum(media_type in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.neo4j
@pytest.mark.slow
def test_quickstart(neo4j_uri, neo4j_auth, tmp_path):
    user, password = neo4j_auth
    nb = execute("01-quickstart.ipynb", tmp_path, {"NEO4J_URI": neo4j_uri, "NEO4J_USER": user,
                                                   "NEO4J_PASSWORD": password})
    text = outputs(nb)
    assert "60/2021/NĐ-CP" in text and "amended_by" in text
    assert "'reports': 1" in text  # SPARQL counts come back as numbers
    assert images(nb, "image/svg+xml")


@pytest.mark.slow
def test_analysis(tmp_path):
    nb = execute("02-analysis.ipynb", tmp_path)
    text = outputs(nb)
    assert "amends" in text and "'reports': 83" in text  # the most cited decree, counted by SPARQL as a number
    assert images(nb, "image/png")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyter_lab_opens_the_notebooks(tmp_path):
    """The README's `jupyter lab notebooks/` serves both notebooks and starts their kernel (which has legal-kg:
    the notebooks run in it above)."""
    port, token = _free_port(), "legal-kg-test"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "run")}
    command = readme_command("lab") + ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                                       f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:  # as in a container: Jupyter refuses root unless told (the README says so)
        command.append("--allow-root")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def get(path: str, method: str = "GET", data: bytes | None = None):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=data,
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()

    try:
        deadline = time.time() + 180
        while True:
            try:
                status, body = get("/api/contents")
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError(f"jupyter lab did not start: {server.stderr.read().decode()[-3000:]}")
                time.sleep(0.5)
        assert status == 200
        names = {item["name"] for item in json.loads(body)["content"]}
        assert {"01-quickstart.ipynb", "02-analysis.ipynb"} <= names
        status, body = get("/api/contents/02-analysis.ipynb")
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, body = get("/lab/tree/01-quickstart.ipynb")
        assert status == 200 and b"JupyterLab" in body
        status, body = get("/api/kernels", method="POST", data=b"{}")  # the default kernel starts
        kernel = json.loads(body)
        assert status == 201 and kernel["name"] == "python3"
        assert get(f"/api/kernels/{kernel['id']}", method="DELETE")[0] == 204
    finally:
        server.terminate()
        server.wait(timeout=30)
