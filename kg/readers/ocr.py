"""Optical character recognition with the Tesseract command-line tool (``-l vie``).

Calling the CLI (not a binding) keeps the Python side dependency-free; the
image travels on stdin, the text comes back on stdout with one form feed
after each page.
"""
from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess

__all__ = ["OcrUnavailable", "OcrTimedOut", "ocr_image", "ocr_pil", "check_tesseract"]

LANG = "vie"
TIMEOUT_S = 300  # per image or page when the caller gives none: a stuck tesseract must not hang a batch
_INSTALL = "install tesseract-ocr and tesseract-ocr-vie (scripts/setup-system.sh)"


class OcrUnavailable(Exception):
    """Tesseract or its Vietnamese data is missing, or it failed."""


class OcrTimedOut(OcrUnavailable):
    """Tesseract ran past its time limit (and was killed)."""


@functools.lru_cache(maxsize=1)
def _die_with_parent() -> list[str]:
    """A prefix that makes tesseract die with the process that started it (util-linux setpriv).

    Without it, a worker killed by SIGKILL would leave its tesseract running
    for up to its whole time limit.
    """
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    try:
        ok = subprocess.run([setpriv, "--pdeathsig", "KILL", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return [setpriv, "--pdeathsig", "KILL", "--"] if ok else []


@functools.lru_cache(maxsize=1)
def _tesseract() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrUnavailable(f"OCR needs the tesseract program: {_INSTALL}")
    try:
        out = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"cannot run tesseract ({exc})") from None
    langs = set((out.stdout + out.stderr).split())
    if LANG not in langs:
        raise OcrUnavailable(f"OCR needs Tesseract's Vietnamese data ({LANG}): {_INSTALL}")
    return exe


def check_tesseract() -> None:
    """Raise :class:`OcrUnavailable` unless ``tesseract -l vie`` can run and the ocr extra is installed."""
    try:
        import PIL  # noqa: F401
        import pypdfium2  # noqa: F401
    except ImportError as e:
        from kg.extras import install_hint

        raise OcrUnavailable(install_hint(e) or str(e)) from None
    _tesseract()


def ocr_image(data: bytes, dpi: int | None = None, timeout: float = TIMEOUT_S) -> list[str]:
    """Recognise an image file's bytes (PNG, JPEG, TIFF, BMP…); one string per page.

    Raises :class:`OcrTimedOut` past ``timeout`` seconds.
    """
    cmd = [*_die_with_parent(), _tesseract(), "stdin", "stdout", "-l", LANG]
    if dpi:
        cmd += ["--dpi", str(dpi)]
    try:
        out = subprocess.run(
            cmd,
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
            # One thread per tesseract: its OpenMP threads mostly spin on a small machine.
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except subprocess.TimeoutExpired:
        raise OcrTimedOut(f"tesseract took longer than {timeout:g} s") from None
    except OSError as exc:
        raise OcrUnavailable(f"cannot run tesseract ({exc})") from None
    if out.returncode != 0:
        last = out.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrUnavailable(f"tesseract failed: {last[0]}")
    text = out.stdout.decode("utf-8", "replace")
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # the form feed closes each page, so the last piece is empty
    return pages


def ocr_pil(image, dpi: int, timeout: float = TIMEOUT_S) -> str:
    """Recognise one PIL image (a rendered PDF page)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "\n".join(ocr_image(buf.getvalue(), dpi=dpi, timeout=timeout))
