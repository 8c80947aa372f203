"""A page rendered in headless Chromium (Debian's `chromium`, which CI installs), for the tests that look."""

import shutil
import subprocess

import pytest

PNG = b"\x89PNG\r\n\x1a\n"


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


needs_chromium = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (Debian package `chromium`)")


def screenshot(page, width, height):
    """The page (an HTML file) as Chromium draws it at ``width`` x ``height``: its pixels' colours."""
    shot = page.with_suffix(".png")
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={page.parent / 'profile'}", f"--screenshot={shot}",
                    f"--window-size={width},{height}", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.read_bytes().startswith(PNG), "Chromium wrote no screenshot"
    from PIL import Image  # matplotlib's own dependency
    image = Image.open(shot).convert("RGB")
    assert image.size == (width, height)
    return image.getcolors(maxcolors=1 << 20)
