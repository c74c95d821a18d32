"""Time the same linkage on DuckDB and on Spark: `python benchmarks/bench_linkage_backends.py --records 50000`.

Records are int_person_records-shaped rows from tests/linkage_fakes.py (2-3 rows per person over sources, 10 %
noisy, 5 % twins), collapsed to distinct records and scored all at once (a first run / relink_all: the heaviest
case). The model is trained once on DuckDB and loaded into both backends from the neutral parameter JSON.
Both backends get the same frames; the script checks they return the same pairs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import linkage_fakes as fakes  # noqa: E402

from linkage import predict, spark_backend  # noqa: E402
from linkage.collapse import DERIVED_COLUMNS, KEY_COLUMNS, collapse  # noqa: E402
from linkage.config import LinkageConfig  # noqa: E402
from linkage.train import train_parameters  # noqa: E402

logger = logging.getLogger("bench")


def records(n: int, seed: int = 1) -> pd.DataFrame:
    # make_records gives ~2.5 rows per person and make_persons adds 5 % twins.
    persons = fakes.make_persons(max(10, round(n / 2.5 / 1.05)), seed=seed)
    return fakes.make_records(persons, "2015-01", seed=seed).head(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, nargs="+", default=[10_000])
    ap.add_argument("--master", default=spark_backend.DEFAULT_MASTER, help="Spark master URL")
    ap.add_argument("--shuffle-partitions", type=int, default=spark_backend.DEFAULT_SHUFFLE_PARTITIONS)
    ap.add_argument("--keep-from", type=float, default=0.5)
    ap.add_argument("--json", type=Path, help="append results as JSON lines here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name in ("py4j", "splink"):
        logging.getLogger(name).setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="canbao-bench-") as tmp:
        home = Path(tmp)
        config = LinkageConfig(temp_directory=home / "tmp", max_pairs_for_u=2e5)
        for n in args.records:
            t = time.perf_counter()
            collapsed = collapse(records(n))
            distinct = collapsed.distinct[["distinct_id", *KEY_COLUMNS, *DERIVED_COLUMNS]]
            parameters = train_parameters(collapsed.distinct, config, {"model_version": "bench"})
            logger.info("%d records -> %d distinct, trained in %.1fs", n, len(distinct), time.perf_counter() - t)
            empty = distinct.iloc[0:0]

            t = time.perf_counter()
            duck = predict.score(empty, distinct, parameters, config, keep_from=args.keep_from)
            duck_s = time.perf_counter() - t
            duck.db_api._con.close()

            settings = spark_backend.SparkSettings(
                scratch_root=home / "tmp" / "spark", master=args.master, shuffle_partitions=args.shuffle_partitions
            )
            t = time.perf_counter()
            spark = spark_backend.score(empty, distinct, parameters, config, keep_from=args.keep_from, spark=settings)
            spark_s = time.perf_counter() - t
            spark.db_api._con.close()

            key = ["distinct_id_l", "distinct_id_r"]
            a = duck.pairs.sort_values(key, ignore_index=True)
            b = spark.pairs.sort_values(key, ignore_index=True)
            same = a[key].astype(str).equals(b[key].astype(str)) and bool(
                (a["match_probability"] - b["match_probability"]).abs().max() < 1e-9 if len(a) else True
            )
            result = {
                "records": n,
                "distinct": len(distinct),
                "comparisons": sum(duck.comparisons_per_rule.values()),
                "pairs_kept": len(a),
                "duckdb_s": round(duck_s, 2),
                "spark_s": round(spark_s, 2),
                "spark_breakdown_s": {k: round(v, 2) for k, v in spark.seconds.items()},
                "master": args.master,
                "same_result": same,
            }
            print(
                f"{n:>9,} records {len(distinct):>9,} distinct {result['comparisons']:>10,} comparisons | "
                f"DuckDB {duck_s:7.1f}s | Spark {spark_s:7.1f}s "
                f"(start {spark.seconds['spark_start']:.1f}, setup {spark.seconds['setup']:.1f}, "
                f"predict {spark.seconds['predict']:.1f}) | same result: {same}",
                flush=True,
            )
            if args.json:
                with args.json.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
