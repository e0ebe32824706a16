"""The optional parts of legal-kg (setup.cfg's extras) and what to install when one is missing."""
from __future__ import annotations

__all__ = ["EXTRAS", "install_hint"]

#: Top-level module → the extra that brings it.
EXTRAS = {
    "starlette": "server", "uvicorn": "server", "jinja2": "server",
    "matplotlib": "render", "scipy": "render",
    "PIL": "ocr", "pypdfium2": "ocr",
    "dask": "dask", "distributed": "dask", "fsspec": "dask",
}


def install_hint(error: ImportError) -> str | None:
    """What to install for a missing optional module, or None when it is not one of ours."""
    module = (getattr(error, "name", None) or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return None
    return f"this needs legal-kg's optional '{extra}' part ({module} is not installed): pip install 'legal-kg[{extra}]'"
