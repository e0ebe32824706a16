"""The optional parts of legal-kg (#13.8): the extractor and the embedded store need none of them, and a
missing one is named with what to install."""
from __future__ import annotations

import subprocess
import sys

from kg.extras import EXTRAS, install_hint

CORE = ["extractors", "kg.cli", "kg.ingest", "kg.graph", "kg.stores.oxigraph", "kg.stores.sparql", "kg.readers",
        "kg.query", "kg.validation", "kg.check"]


def test_the_core_imports_no_optional_module():
    code = (f"import importlib, sys\nfor m in {CORE!r}: importlib.import_module(m)\n"
            f"print(sorted(m for m in {sorted(EXTRAS)!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_optional_module_says_what_to_install():
    hint = install_hint(ModuleNotFoundError("No module named 'starlette'", name="starlette"))
    assert hint.endswith("pip install 'legal-kg[server]'")
    assert "legal-kg[ocr]" in install_hint(ModuleNotFoundError(name="PIL.Image"))
    assert install_hint(ModuleNotFoundError(name="some_typo")) is None  # a bug, not an extra: raised as it is
