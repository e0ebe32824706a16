"""Shared fixtures: a real Neo4j (tests/neo4j_fixture.py) and paths to the bundled data."""
import sys
from pathlib import Path

import pytest

# Fixtures of the servers and clusters the tests start (tests/*_fixture.py).
pytest_plugins = ["neo4j_fixture", "sparql_fixture", "dask_fixture"]

ROOT = Path(__file__).resolve().parents[1]
# The synthetic corpus generator (synthetic/) lives beside the package, not in it.
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"


@pytest.fixture(scope="session")
def example_path() -> Path:
    """The bundled OCR'd report (a copy of the shared corpus)."""
    return EXAMPLE
