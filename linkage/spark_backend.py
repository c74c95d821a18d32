"""The same scoring as linkage/predict.py, computed by Splink on Spark (the scale-out path).

`score(existing, new, parameters, config, keep_from)` has predict.score's inputs and returns the same
`Prediction`, so run.py, clustering, identifiers and reports do not care which backend linked:
- the model is the Python definition (linkage/settings.py) rendered for the Spark dialect, with the trained
  numbers copied over (linkage/parameters.py): a DuckDB-dialect Splink JSON does not load into SparkAPI;
- data goes to Spark as Parquet and comes back as Parquet, never through `spark.createDataFrame(pandas)`
  (pandas 3 missing values would arrive as the text "nan" and silently change the results);
- the kept pairs (with all of Splink's intermediate columns) are loaded into an in-memory DuckDB session with a
  DuckDB Linker over the same records, so the HTML reports work unchanged;
- characters beyond the BMP (rare CJK such as 𠮷 U+20BB7) are mapped to unused BMP private-use characters before
  Spark sees them, because the similarity functions in Splink's JAR work on Java strings and count UTF-16
  units (a 1-character difference 𠮷/吉 is damerau_levenshtein 2 there, 1 in DuckDB). The mapping is one to
  one, so equality, blocking and term frequencies are untouched, and it is undone on the way back.

pyspark is the optional `[spark]` extra; it is imported only when a session is started.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from splink import Linker

from linkage import parameters as params_io
from linkage.backend import duckdb_api, model_frame
from linkage.config import LinkageConfig
from linkage.predict import PAIR_COLUMNS, Prediction, blocking_rule_names

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

DEFAULT_MASTER = "local[2]"
# 200 (Spark's default) is tuned for clusters; on 2 local cores 8 was the fastest measured (STACK.md).
DEFAULT_SHUFFLE_PARTITIONS = 8

_NON_BMP = re.compile("[\U00010000-\U0010ffff]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_PRIVATE_USE_RANGE = range(0xE000, 0xF900)


@dataclass(frozen=True)
class SparkSettings:
    """Where and how Spark runs.

    `scratch_root` holds the run's input/output Parquet, Splink's checkpoints (break_lineage_method="parquet"),
    spark.local.dir, the SQL warehouse dir and the JVM's temp dir; each run uses a fresh sub-directory that is
    removed afterwards. On a cluster it must be a path every executor can read and write at the same name
    (a shared mount), see docs/spark.md.
    """

    scratch_root: Path
    master: str = DEFAULT_MASTER
    shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS
    driver_memory: str = "2g"
    app_name: str = "canbao-linkage"
    extra_conf: dict[str, str] = field(default_factory=dict)
    keep_scratch: bool = False

    @classmethod
    def from_config(cls, config: LinkageConfig) -> SparkSettings:
        # getattr: the spark_* knobs are added to LinkageConfig by the wiring patch (docs/spark.md); until then
        # the defaults apply.
        temp = config.temp_directory
        root = Path(temp) if temp is not None else Path(_default_temp())
        return cls(
            scratch_root=root / "spark",
            master=getattr(config, "spark_master", None) or DEFAULT_MASTER,
            shuffle_partitions=int(getattr(config, "spark_shuffle_partitions", None) or DEFAULT_SHUFFLE_PARTITIONS),
        )


def _default_temp() -> str:
    import tempfile

    return tempfile.gettempdir()


def java_available() -> bool:
    return shutil.which("java") is not None


def pyspark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def similarity_jar() -> str:
    """The string-similarity JAR shipped inside the splink wheel (no download: Spark runs offline)."""
    from splink.backends.spark import similarity_jar_location

    path = similarity_jar_location()
    if not Path(path).is_file():
        raise FileNotFoundError(f"Splink's Spark similarity JAR is missing: {path}")
    return path


@contextmanager
def spark_session(settings: SparkSettings) -> Iterator[tuple[SparkSession, Path]]:
    """A Spark session whose every file lives under a fresh scratch dir; stopped and cleaned on exit.

    Yields (session, scratch dir). A session already running in this process would be reused by getOrCreate
    with its own (possibly incompatible) configuration, so refuse it rather than link with the wrong JARs.
    """
    from pyspark.sql import SparkSession

    if SparkSession.getActiveSession() is not None:
        raise RuntimeError("a Spark session is already active in this process; stop it first")
    scratch = Path(settings.scratch_root) / f"run-{uuid.uuid4().hex[:12]}"
    for sub in ("local", "warehouse", "checkpoints", "jvm-tmp", "data"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    conf = {
        "spark.master": settings.master,
        "spark.app.name": settings.app_name,
        "spark.jars": similarity_jar(),
        "spark.local.dir": str(scratch / "local"),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.driver.memory": settings.driver_memory,
        # Keep the JVM's own temp files (and derby, should Hive ever be enabled) out of /tmp and the cwd.
        "spark.driver.extraJavaOptions": f"-Djava.io.tmpdir={scratch / 'jvm-tmp'} "
        f"-Dderby.system.home={scratch / 'warehouse'}",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        **settings.extra_conf,
    }
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    t0 = time.perf_counter()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    logger.info("spark %s up on %s in %.1fs", spark.version, settings.master, time.perf_counter() - t0)
    try:
        yield spark, scratch
    finally:
        spark.stop()
        if not settings.keep_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


# --- Splink's SQL for Spark ----------------------------------------------------------------------------------


def _double_literal(node: Any) -> Any:
    from sqlglot import exp

    # Only a bare numeric literal: a negative number parses as Neg(Literal), whose .name drops the sign
    # (splink's dialect makes the same distinction); Neg keeps its CAST, which Spark evaluates exactly anyway.
    this = node.this if isinstance(node, exp.Cast | exp.TryCast) else None
    if isinstance(this, exp.Literal) and this.is_number and node.to.is_type("double"):
        return exp.Var(this=f"{this.name}D")
    return node


def _spark_api_class() -> type:
    """SparkAPI that renders SQL without Splink's `customspark` sqlglot dialect.

    That dialect subclasses sqlglot's Spark generator, which is a compiled (mypyc) class when sqlglotc is
    installed (it is in this venv): instantiating it fails with "interpreted classes cannot inherit from
    compiled". Its only change is to write CAST(<number> AS DOUBLE) as a `<number>D` literal (a plain number
    is a DECIMAL in Spark, limited to 38 digits); the same rewrite is done here on the parsed tree.
    """
    import sqlglot
    from splink.backends.spark import SparkAPI

    class CanbaoSparkAPI(SparkAPI):  # type: ignore[misc, valid-type]
        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            return ";\n".join(
                tree.transform(_double_literal).sql(dialect="spark", pretty=True)
                for tree in sqlglot.parse(sql, read="spark")
                if tree is not None
            )

    return CanbaoSparkAPI


# --- characters beyond the BMP --------------------------------------------------------------------------------


def _string_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]


def bmp_placeholders(frames: Sequence[pd.DataFrame]) -> dict[str, str]:
    """One unused BMP private-use character per non-BMP character found in the frames' string columns.

    Private-use characters already in the data (legacy systems do encode rare characters there) are skipped,
    so the mapping is one to one and reversible.
    """
    wide: set[str] = set()
    taken: set[str] = set()
    for frame in frames:
        for col in _string_columns(frame):
            values = frame[col].dropna().astype("string")
            # Vectorised filter first: only the rare values that contain such characters reach Python loops.
            for value in values[values.str.contains(_NON_BMP.pattern, regex=True)].unique():
                wide.update(_NON_BMP.findall(value))
            for value in values[values.str.contains(_PRIVATE_USE.pattern, regex=True)].unique():
                taken.update(_PRIVATE_USE.findall(value))
    free = (chr(c) for c in _PRIVATE_USE_RANGE if chr(c) not in taken)
    mapping: dict[str, str] = {}
    for char in sorted(wide):
        placeholder = next(free, None)
        if placeholder is None:
            raise ValueError(f"more than {len(_PRIVATE_USE_RANGE) - len(taken)} distinct non-BMP characters")
        mapping[char] = placeholder
    return mapping


def translate_strings(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Replace characters per `mapping` in every string column (a copy; unchanged frame if nothing to do)."""
    if not mapping:
        return frame
    table = str.maketrans(mapping)
    pattern = "[" + "".join(re.escape(k) for k in mapping) + "]"
    out = frame.copy()
    for col in _string_columns(out):
        values = out[col].astype("string")
        hit = values.str.contains(pattern, regex=True).fillna(False).astype(bool)
        if hit.any():
            values = values.copy()
            values[hit] = values[hit].map(lambda v: v.translate(table))
            out[col] = values
    return out


# --- scoring -------------------------------------------------------------------------------------------------


def _to_parquet(frame: pd.DataFrame, path: Path) -> str:
    # pyarrow writes real nulls for pandas' missing values; Spark reads them back as NULL.
    frame.to_parquet(path, index=False)
    return str(path)


def _read_parquet_dir(path: Path) -> pd.DataFrame:
    # Spark writes a directory of part files (+ _SUCCESS/.crc, which pyarrow skips).
    return pd.read_parquet(path)


def score(
    existing: pd.DataFrame,
    new: pd.DataFrame,
    parameters: dict[str, Any],
    config: LinkageConfig,
    keep_from: float,
    spark: SparkSettings | None = None,
) -> Prediction:
    """predict.score on Spark: pairs (new x existing) and (new x new), probability >= `keep_from`.

    Starts a Spark session for the call and stops it afterwards (its start-up is part of the measured time:
    see docs/spark.md for when that pays off).
    """
    settings = spark if spark is not None else SparkSettings.from_config(config)
    t0 = time.perf_counter()
    columns = list(new.columns)
    all_frame = model_frame(pd.concat([existing[columns], new], ignore_index=True) if len(existing) else new)
    new_frame = model_frame(new)
    existing_frame = model_frame(existing[columns]) if len(existing) else None
    inputs = [f for f in (all_frame, new_frame, existing_frame) if f is not None]
    mapping = bmp_placeholders(inputs)
    if mapping:
        logger.info("%d non-BMP characters mapped to private-use placeholders for Spark", len(mapping))
    names = blocking_rule_names()
    counts: dict[str, int] = dict.fromkeys(names, 0)
    seconds: dict[str, float] = {}
    full_frames: list[pd.DataFrame] = []

    with spark_session(settings) as (session, scratch):
        t1 = time.perf_counter()
        seconds["spark_start"] = t1 - t0
        data = scratch / "data"
        views = {"all_distinct": all_frame, "new_distinct": new_frame}
        if existing_frame is not None:
            views["existing_distinct"] = existing_frame
        for view, frame in views.items():
            path = _to_parquet(translate_strings(frame, mapping), data / f"{view}.parquet")
            session.read.parquet(path).createOrReplaceTempView(f"canbao_{view}")
        # "persist" broke clustering on Spark 4.1.2 (STACK.md); parquet checkpoints also keep memory flat.
        db_api = _spark_api_class()(spark_session=session, break_lineage_method="parquet")
        linker = Linker(
            db_api.register("canbao_all_distinct", table_name="all_distinct"),
            params_io.settings_for_dialect(parameters, "spark"),
            log_level=logging.WARNING,
        )
        linker.table_management.compute_tf_table("name")
        new_sdf = db_api.register("canbao_new_distinct", table_name="new_distinct")
        t2 = time.perf_counter()
        outputs = [("within", linker.inference.predict_within(new_sdf, warning_mode="never"))]
        if existing_frame is not None:
            existing_sdf = db_api.register("canbao_existing_distinct", table_name="existing_distinct")
            outputs.append(("between", linker.inference.predict_between(existing_sdf, new_sdf, warning_mode="never")))
        for label, sdf in outputs:
            table = sdf.physical_name
            for key, n in session.sql(f"SELECT match_key, count(*) FROM {table} GROUP BY match_key").collect():
                counts[names[int(key)]] += int(n)
            out = data / f"pairs_{label}"
            session.sql(f"SELECT * FROM {table} WHERE match_probability >= {float(keep_from)!r}").write.parquet(
                str(out)
            )
            full_frames.append(translate_strings(_read_parquet_dir(out), {v: k for k, v in mapping.items()}))
        t3 = time.perf_counter()
        seconds["predict"] = t3 - t2
        seconds["setup"] = t2 - t1

    # Hand back a DuckDB session like predict.score does: run.py closes it, reports query it.
    t4 = time.perf_counter()
    seconds["spark_stop"] = t4 - t3
    duck = duckdb_api(config)
    all_sdf = duck.register(all_frame, table_name="all_distinct")
    duck_linker = Linker(all_sdf, params_io.settings_for_dialect(parameters, "duckdb"), log_level=logging.WARNING)
    predictions = []
    for (label, _), frame in zip(outputs, full_frames, strict=True):
        physical = f"spark_predict_{label}"
        duck._con.register("_incoming", frame)
        duck._con.execute(f"CREATE TABLE {physical} AS SELECT * FROM _incoming")
        duck._con.unregister("_incoming")
        # Splink's report SQL (comparison viewer, cluster studio) reads the scored pairs under the templated
        # name its own predict gives them: register the first frame under that name.
        templated = "__splink__df_predict" if not predictions else f"__splink__df_predict_{label}"
        predictions.append(duck.register(physical, table_name=templated))
    pairs = pd.concat([f[PAIR_COLUMNS] for f in full_frames], ignore_index=True)
    pairs = _orient(pairs)
    seconds["fetch"] = time.perf_counter() - t4
    logger.info(
        "spark scored %d comparisons, kept %d pairs >= %.3f (%s)",
        sum(counts.values()),
        len(pairs),
        keep_from,
        {k: round(v, 2) for k, v in seconds.items()},
    )
    return Prediction(
        pairs=pairs,
        comparisons_per_rule=counts,
        seconds=seconds,
        linker=duck_linker,
        db_api=duck,
        predictions=predictions,
    )


def _orient(pairs: pd.DataFrame) -> pd.DataFrame:
    """l < r, exactly as predict.score orients, so a pair has one spelling whichever backend found it."""
    pairs = pairs.copy()
    swap = pairs["distinct_id_l"] > pairs["distinct_id_r"]
    for a in ("distinct_id", "name", "id_number", "dob"):
        left, right = pairs[f"{a}_l"].copy(), pairs[f"{a}_r"].copy()
        pairs.loc[swap, f"{a}_l"] = right[swap]
        pairs.loc[swap, f"{a}_r"] = left[swap]
    return pairs
