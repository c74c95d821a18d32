"""Start the Dagster UI over a platform home, take a headless-Chromium screenshot of the asset graph, stop it.

    python scripts/screenshot_ui.py --home data/default/home --out data/default/home/reports/ui_asset_graph.png

Needs Debian's chromium (`apt-get install -y chromium fonts-noto-cjk`). The webserver listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _wait_ready(url: str, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/server_info", timeout=2) as resp:  # noqa: S310 - loopback only
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(1)
    return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default=str(REPO / "data" / "default" / "home"))
    ap.add_argument("--landing", default=str(REPO / "data" / "default" / "landing"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--port", type=int, default=3333)
    ap.add_argument("--path", default="/asset-groups", help="UI page to capture (default: the global asset graph)")
    args = ap.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium not found: apt-get install -y chromium fonts-noto-cjk")
    home = Path(args.home).resolve()
    out = Path(args.out) if args.out else home / "reports" / "ui_asset_graph.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CANBAO_HOME": str(home),
        "CANBAO_LANDING": str(Path(args.landing).resolve()),
        "DAGSTER_HOME": str(home / "dagster"),
    }
    dg = Path(sys.executable).with_name("dg")
    # Non-interactive shells start background jobs ignoring SIGINT and Dagster maps TERM to its INT handler:
    # restore the default INT disposition and run in its own session so TERM stops it (STACK.md).
    server = subprocess.Popen(
        ["env", "--default-signal=INT", "setsid", str(dg), "dev", "--host", "127.0.0.1", "--port", str(args.port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{args.port}"
    try:
        if not _wait_ready(url, 180):
            raise SystemExit("the Dagster UI did not start within 180 s")
        profile = home / "tmp" / "chromium-profile"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1600,1000", "--virtual-time-budget=20000",
             f"--screenshot={out}", url + args.path],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
        )  # fmt: skip
        print(f"screenshot: {out}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
