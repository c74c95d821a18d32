"""Time and peak memory of generate_city: python benchmarks/bench_generate.py --persons 1000000 --periods 1"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

from synthetic.config import period_of
from synthetic.generate import generate_city


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, default=50_000)
    ap.add_argument("--periods", type=int, default=3, help="consecutive months from --start")
    ap.add_argument("--start", default="2015-01")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="keep the city here (default: a temp dir)")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    y, m = map(int, a.start.split("-"))
    periods = [period_of(y * 12 + m - 1 + i) for i in range(a.periods)]
    with tempfile.TemporaryDirectory() as tmp:
        out = a.out or Path(tmp)
        t0 = time.perf_counter()
        s = generate_city(out, a.persons, a.seed, periods)
        wall = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(sum(v.values()) for v in s.rows.values())
    sys.stdout.write(f"persons={a.persons} periods={a.periods} rows={rows} errors={s.errors} "
                     f"wall={wall:.1f}s peak_rss={peak_mb:.0f}MB output={size / 1e6:.0f}MB\n")


if __name__ == "__main__":
    main()
