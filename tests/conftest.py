"""Shared fixtures: a real Neo4j (tests/neo4j_fixture.py) and paths to the bundled data."""
from pathlib import Path

import pytest

from neo4j_fixture import neo4j_auth, neo4j_browser, neo4j_driver, neo4j_uri  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"


@pytest.fixture(scope="session")
def example_path() -> Path:
    """The bundled OCR'd report (a copy of the shared corpus)."""
    return EXAMPLE
