"""Where legal-kg's data files are: the ontology and the saved queries.

In the repository they are top-level folders (``ontology/``, ``queries/``);
a built package carries a copy of each in ``kg/_data/`` (see setup.py), so an
installed legal-kg finds them without the repository.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``ontology`` or ``queries``): the package's copy, else the checkout's."""
    if name not in ("ontology", "queries"):
        raise ValueError(f"no data folder {name!r}")
    packaged = _HERE / "_data" / name
    return packaged if packaged.is_dir() else _HERE.parent / name
