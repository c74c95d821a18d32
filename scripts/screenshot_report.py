"""Render the bureau report in headless Chromium and save a PNG (a visual check without a browser window).

Needs a Chromium binary: `apt-get install -y chromium` (Debian/Ubuntu; the package may be `chromium-browser`),
or pass --chromium /path/to/chrome. Chinese labels need a CJK font in
the OS (`apt-get install -y fonts-noto-cjk`), else they render as boxes in the PNG (the HTML is fine).
Nothing is downloaded; the report itself loads no external resources.

    .venv/bin/python scripts/screenshot_report.py data/default/home/reports/index.html --out report.png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
)


def find_chromium(explicit: str | None) -> str:
    for name in ([explicit] if explicit else []) + list(CANDIDATES):
        path = shutil.which(name) if name else None
        if path:
            return path
    sys.exit("no Chromium found: install it with `apt-get install -y chromium` or pass --chromium PATH")


def screenshot(html: Path, out: Path, chromium: str, width: int, height: int) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={out.resolve()}",
            html.resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    if not out.exists():
        sys.exit(f"Chromium ran but wrote no {out}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("html", type=Path, help="report page, e.g. <reports>/index.html")
    parser.add_argument("--out", type=Path, default=Path("report.png"))
    parser.add_argument("--chromium", default=None)
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    path = screenshot(args.html, args.out, find_chromium(args.chromium), args.width, args.height)
    print(path)


if __name__ == "__main__":
    main()
