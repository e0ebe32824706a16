"""legal-kg installed from a wheel (not editable) works without the repository (#11.12)."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result


@pytest.mark.slow
def test_a_wheel_install_ingests_and_answers_saved_queries(tmp_path):
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-q", "-w", wheels)
    [wheel] = wheels.glob("legal_kg-*.whl")
    import zipfile

    shipped = zipfile.ZipFile(wheel).namelist()
    # The product only: the test corpus generator, the tests and the benches stay in the repository.
    assert not [n for n in shipped if n.split("/")[0] in ("synthetic", "tests", "bench") or "synthetic" in n], shipped

    # A fresh environment: legal-kg from the wheel only; its dependencies from the test
    # environment (a .pth line), so the test needs no download. The editable legal-kg of
    # the test environment is never imported: its finder is only started by its own .pth.
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    Path(site, "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "--no-deps", "-q", wheel)

    elsewhere = tmp_path / "elsewhere"  # not the repository: nothing can be found there by accident
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LEGAL_KG_STORE")}
    where = run(python, "-c", "import kg, kg.resources as r; print(kg.__file__); print(r.data_dir('queries'))",
                cwd=elsewhere, env=env).stdout.split()
    assert all(line.startswith(site) for line in where), where  # the installed package and its own data

    kg = venv / "bin" / "kg"
    out = run(kg, "ingest", "--store", "store", "-j", "1", EXAMPLE, cwd=elsewhere, env=env).stdout
    assert out.startswith("1 ingested"), out
    out = run(kg, "sparql", "most-cited", "--store", "store", "--format", "csv", cwd=elsewhere, env=env).stdout
    assert "60/2021/NĐ-CP" in out, out
    out = run(kg, "validate", "--store", "store", cwd=elsewhere, env=env).stdout
    assert "1 of 1 reports conform" in out, out
