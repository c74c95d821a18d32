"""The Spark backend links exactly like the DuckDB one: same pairs, probabilities within 1e-9, same clusters.

Trained on DuckDB, saved as the neutral parameter JSON, loaded into Spark (a DuckDB Splink JSON would not load).
Names include characters beyond the BMP (𠮷 U+20BB7, 𡈼 U+2123C), which Splink's Spark JAR would count as two
UTF-16 units each; the backend maps them to private-use placeholders so both backends compare code points.
"""

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import linkage_fakes as fakes  # noqa: E402

from linkage import parameters as params_io  # noqa: E402
from linkage import predict, spark_backend  # noqa: E402
from linkage.cluster import connected_components  # noqa: E402
from linkage.collapse import DERIVED_COLUMNS, KEY_COLUMNS, collapse  # noqa: E402
from linkage.config import LinkageConfig  # noqa: E402
from linkage.train import train_parameters  # noqa: E402

_NO_SPARK = (
    "needs Java 17 on PATH"
    if shutil.which("java") is None
    else "needs pyspark (pip install '.[spark]')"
    if not spark_backend.pyspark_available()
    else None
)

WIDE = ["𠮷", "𡈼"]  # U+20BB7, U+2123C: in GB18030 and in real names, outside the BMP
COLS = ["distinct_id", *KEY_COLUMNS, *DERIVED_COLUMNS]


def _with_wide_names(persons: list[dict], every: int = 15) -> list[dict]:
    """Give some persons a given name with a non-BMP character."""
    out = []
    for i, p in enumerate(persons):
        if i % every == 0:
            p = {**p, "given_name": WIDE[(i // every) % 2] + p["given_name"][:1]}
        out.append(p)
    return out


def _wide_variants(records: pd.DataFrame) -> pd.DataFrame:
    """Extra rows where the rare character was keyed as a common one (𠮷 -> 吉) or as the other rare one."""
    wide = records[records["name"].str.contains("|".join(WIDE))].drop_duplicates("person_id")
    rows = []
    for k, (_, r) in enumerate(wide.iterrows()):
        r = r.copy()
        swap = {"𠮷": "吉", "𡈼": "𠮷"} if k % 2 == 0 else {"𡈼": "吉", "𠮷": "𡈼"}
        for col in ("name", "name_raw", "given_name"):
            r[col] = "".join(swap.get(ch, ch) for ch in r[col])
        r["row_number"] = 100_000 + k
        r["record_key"] = f"{r['source']}|{r['period']}|f.csv|{r['row_number']}"
        rows.append(r)
    return pd.concat([records, pd.DataFrame(rows)], ignore_index=True)


@pytest.fixture(scope="module")
def linked_both(tmp_path_factory):
    d = tmp_path_factory.mktemp("spark")
    persons = _with_wide_names(fakes.make_persons(700))
    newcomers = _with_wide_names(fakes.make_persons(80, seed=9, prefix="Q"), every=10)
    p1 = collapse(_wide_variants(fakes.make_records(persons, "2015-01")))
    p2 = collapse(_wide_variants(fakes.make_records(persons[:650] + newcomers, "2015-02")))
    config = LinkageConfig(temp_directory=d / "tmp", max_pairs_for_u=2e5)

    # Trained on DuckDB and saved in the neutral format: what Spark gets is what run.py would load.
    model = d / "model.json"
    params_io.save(train_parameters(p1.distinct, config, {"model_version": "test"}), model)
    parameters = params_io.load(model)

    existing = p1.distinct[COLS]
    new = p2.distinct[~p2.distinct["distinct_id"].isin(set(existing["distinct_id"]))][COLS]
    keep_from = 0.01
    duck = predict.score(existing, new, parameters, config, keep_from)
    duck.db_api._con.close()
    settings = spark_backend.SparkSettings(scratch_root=d / "home" / "tmp" / "spark")
    spark = spark_backend.score(existing, new, parameters, config, keep_from, spark=settings)
    kept_columns = set(spark.predictions[0].as_pandas_dataframe(limit=1).columns)
    spark.db_api._con.close()
    nodes = sorted(set(existing["distinct_id"]) | set(new["distinct_id"]))
    return {
        "duck": duck,
        "spark": spark,
        "nodes": nodes,
        "records": len(p1.links) + len(p2.links),
        "scratch": settings.scratch_root,
        "kept_columns": kept_columns,
    }


def _sorted(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.sort_values(["distinct_id_l", "distinct_id_r"], ignore_index=True)


@pytest.mark.spark
@pytest.mark.skipif(_NO_SPARK is not None, reason=_NO_SPARK or "")
def test_same_pairs_and_probabilities(linked_both):
    duck, spark = _sorted(linked_both["duck"].pairs), _sorted(linked_both["spark"].pairs)
    assert linked_both["records"] <= 20_000
    assert len(duck) > 100
    keys = ["distinct_id_l", "distinct_id_r"]
    pd.testing.assert_frame_equal(duck[keys].astype(str), spark[keys].astype(str))
    assert (duck["match_probability"] - spark["match_probability"]).abs().max() < 1e-9
    assert (duck["match_weight"] - spark["match_weight"]).abs().max() < 1e-9
    text = ["match_key", "name_l", "name_r", "id_number_l", "id_number_r", "dob_l", "dob_r"]
    pd.testing.assert_frame_equal(duck[text].astype(object), spark[text].astype(object))
    assert linked_both["duck"].comparisons_per_rule == linked_both["spark"].comparisons_per_rule


@pytest.mark.spark
@pytest.mark.skipif(_NO_SPARK is not None, reason=_NO_SPARK or "")
def test_same_clusters(linked_both):
    def clusters(pairs: pd.DataFrame) -> dict[str, str]:
        linked = pairs[pairs["match_probability"] >= 0.95]
        return connected_components(
            linked_both["nodes"], zip(linked["distinct_id_l"], linked["distinct_id_r"], strict=True)
        )

    assert clusters(linked_both["duck"].pairs) == clusters(linked_both["spark"].pairs)


@pytest.mark.spark
@pytest.mark.skipif(_NO_SPARK is not None, reason=_NO_SPARK or "")
def test_non_bmp_names_come_back_unchanged_and_score_alike(linked_both):
    spark = linked_both["spark"].pairs
    wide = spark[spark["name_l"].str.contains("|".join(WIDE)) | spark["name_r"].str.contains("|".join(WIDE))]
    assert len(wide) > 0
    # A rare character keyed as a common one is one edit (one code point), as in DuckDB.
    one_off = wide[wide["name_l"].str.len() == wide["name_r"].str.len()]
    assert len(one_off[one_off["name_l"] != one_off["name_r"]]) > 0
    assert not spark["name_l"].str.contains("[\ue000-\uf8ff]").any()


@pytest.mark.spark
@pytest.mark.skipif(_NO_SPARK is not None, reason=_NO_SPARK or "")
def test_reports_session_and_scratch_cleaned(linked_both):
    # The kept pairs come back into DuckDB with all of Splink's columns (the HTML reports read them there).
    assert len(linked_both["spark"].predictions) == 2
    assert {"gamma_name", "mw_name", "tf_name_l", "match_weight"} <= linked_both["kept_columns"]
    assert list(Path(linked_both["scratch"]).glob("run-*")) == []


def test_placeholders_are_one_to_one_and_avoid_private_use_in_data():
    frame = pd.DataFrame({"name": ["王𠮷", "李\ue000", None, "张𡈼𠮷"], "n": [1, 2, 3, 4]}).astype({"name": "string"})
    mapping = spark_backend.bmp_placeholders([frame])
    assert set(mapping) == {"𠮷", "𡈼"}
    assert len(set(mapping.values())) == 2 and "\ue000" not in mapping.values()
    assert all(0xE000 <= ord(v) <= 0xF8FF for v in mapping.values())
    mapped = spark_backend.translate_strings(frame, mapping)
    assert mapped["name"].str.len().tolist()[:2] == [2, 2] and pd.isna(mapped["name"][2])
    assert not mapped["name"].dropna().str.contains("[\U00010000-\U0010ffff]").any()
    back = spark_backend.translate_strings(mapped, {v: k for k, v in mapping.items()})
    pd.testing.assert_frame_equal(back, frame)


def test_no_mapping_when_all_bmp():
    frame = pd.DataFrame({"name": ["王吉", "李四"]})
    assert spark_backend.bmp_placeholders([frame]) == {}
    assert spark_backend.translate_strings(frame, {}) is frame


@pytest.mark.spark
@pytest.mark.skipif(_NO_SPARK is not None, reason=_NO_SPARK or "")
def test_run_period_on_spark_gives_the_duckdb_identifiers_and_reports(tmp_path: Path) -> None:
    """The whole monthly linkage step chosen by configuration: two periods on Spark give every record the same
    identifier as on DuckDB, with the Splink report views written and the Spark scratch space cleaned."""
    import duckdb

    from linkage import run_period, train_model

    persons = _with_wide_names(fakes.make_persons(150, seed=4))
    r1 = fakes.make_records(persons, "2015-01", seed=5)
    r2 = fakes.make_records(persons[:140] + fakes.make_persons(15, seed=6, prefix="Q"), "2015-02", seed=7)
    results = {}
    for backend in ("duckdb", "spark"):
        d = tmp_path / backend
        d.mkdir()
        fakes.write_warehouse(d / "warehouse.duckdb", [r1, r2])
        model = tmp_path / "model.json"
        if not model.exists():
            train_model(
                d / "warehouse.duckdb",
                "2015-01",
                LinkageConfig(temp_directory=tmp_path / "train", max_pairs_for_u=1e5),
                model,
            )
        cfg = LinkageConfig(backend=backend, model_path=model, temp_directory=d / "tmp", reports_dir=d / "reports")
        for period in ("2015-01", "2015-02"):
            run_period(d / "warehouse.duckdb", period, cfg, f"{backend}-{period}")
        with duckdb.connect(str(d / "warehouse.duckdb"), read_only=True) as con:
            results[backend] = con.execute(
                "select record_key, identifier from linkage.record_links order by record_key"
            ).fetchall()
        assert {p.name for p in (d / "reports" / "2015-01").iterdir()} >= {
            "match_weights.html",
            "comparison_viewer.html",
        }
    assert len(results["spark"]) == len(r1) + len(r2)
    assert results["spark"] == results["duckdb"]
    # no scratch data left behind (Spark's shutdown may leave an empty local/ folder re-created after cleanup)
    assert not [p for p in (tmp_path / "spark" / "tmp" / "spark").rglob("*") if p.is_file()]
