"""Reading a printed code back as a scanner would: the PDF rendered (poppler's pdftoppm) and
its QR code decoded (zbar's zbarimg)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def decode_pdf_qr(pdf: bytes) -> str:
    """The text of the QR code on the first page of ``pdf``."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("pdftoppm and zbarimg are needed (scripts/install-system-deps.sh)")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "code.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(source),
                        str(Path(folder) / "page")], check=True)  # fmt: skip
        found = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{folder}/page.png"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return found.stdout.strip()
