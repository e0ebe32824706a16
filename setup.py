"""Build hook: the top-level ontology/ and queries/ folders travel in the package as kg/_data/."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    """build_py, then a copy of ontology/ and queries/ in the built package (read by kg.resources)."""

    def run(self):
        super().run()
        for name in ("ontology", "queries"):
            target = Path(self.build_lib) / "kg" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target)


setup(cmdclass={"build_py": BuildWithData})
