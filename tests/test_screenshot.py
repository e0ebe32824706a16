"""The `kg show` page in a real headless browser (Debian's `chromium`).

Skipped when chromium is missing, except in CI (CI=true), where it must run.
Run as a script to regenerate the README's screenshot::

    .venv/bin/python tests/test_screenshot.py   # writes docs/kg-show.png
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # when run as a script

from extractors import extract  # noqa: E402
from kg.model import Text  # noqa: E402
from kg.render import document_html, type_colour  # noqa: E402

EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
SIZE = (1280, 1600)


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html: Path, png: Path, size: tuple[int, int] = SIZE) -> None:
    """Screenshot a local page with headless chromium (no network, throwaway profile)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [find_chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
             f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )


def example_page(tmp: Path) -> tuple[Path, object]:
    ex = extract(Text(EXAMPLE.read_text(encoding="utf-8"), source=str(EXAMPLE.relative_to(ROOT))))
    page = tmp / "show.html"
    page.write_text(document_html(ex), encoding="utf-8")
    return page, ex


@pytest.fixture(scope="module")
def chromium():
    if find_chromium() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (scripts/setup-system.sh installs it)")
        pytest.skip("chromium is not installed")


def _near(a: tuple, b: tuple, tol: int = 4) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_show_page_renders_with_highlights(chromium, tmp_path):
    from PIL import Image

    page, ex = example_page(tmp_path)
    png = tmp_path / "show.png"
    screenshot(page, png)
    assert png.stat().st_size > 20_000
    with Image.open(png) as im:
        assert im.size == SIZE
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, header, highlights: not a blank page
    counts = [n for n, _ in colours]
    assert max(counts) < 0.9 * SIZE[0] * SIZE[1]
    # Highlights of the first mention's type are on the first screen (the example cites early).
    first = min(ex.mentions, key=lambda m: m.start)
    want = _rgb(type_colour(first.instrument.doc_type))
    assert sum(n for n, c in colours if _near(c, want)) > 500
    # And the header band.
    assert sum(n for n, c in colours if _near(c, _rgb("#34495e"))) > 20_000


if __name__ == "__main__":
    from PIL import Image

    out = ROOT / "docs" / "kg-show.png"
    out.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page, _ = example_page(Path(tmp))
        raw = Path(tmp) / "raw.png"
        screenshot(page, raw, (1280, 1100))
        # A 256-colour palette keeps the README image small with no visible loss.
        with Image.open(raw) as im:
            im.convert("RGB").quantize(colors=256).save(out, optimize=True)
    print(f"{out} ({out.stat().st_size // 1024} KB)")
