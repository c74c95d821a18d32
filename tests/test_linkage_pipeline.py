"""End to end on small hand-made records: train, link two periods, re-run, evaluate."""

import json
import re
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import linkage_fakes as fakes  # noqa: E402

from linkage import LinkageConfig, evaluate_period, run_period, train_model  # noqa: E402
from linkage.evaluate import pairwise_scores, resolved_exactly  # noqa: E402
from linkage.parameters import settings_for_dialect  # noqa: E402
from linkage.store import resolve_aliases  # noqa: E402


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    d = tmp_path_factory.mktemp("linkage")
    wh = d / "warehouse.duckdb"
    persons = fakes.make_persons(400)
    newcomers = fakes.make_persons(40, seed=9, prefix="Q")
    r1 = fakes.make_records(persons, "2015-01")
    r2 = fakes.make_records(persons[:380] + newcomers, "2015-02")
    fakes.write_warehouse(wh, [r1, r2])
    cfg = LinkageConfig(
        model_path=d / "model.json", reports_dir=d / "reports", temp_directory=d / "tmp", max_pairs_for_u=2e5
    )
    params = train_model(wh, "2015-01", cfg, cfg.model_path)
    res1 = run_period(wh, "2015-01", cfg, "run-1")
    res2 = run_period(wh, "2015-02", cfg, "run-2")
    return {"dir": d, "wh": wh, "cfg": cfg, "params": params, "r1": r1, "r2": r2, "res1": res1, "res2": res2}


def _links(wh, period):
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(
            "SELECT record_key, distinct_id, identifier, run_id FROM linkage.record_links WHERE period = ?",
            [period],
        ).df()


def test_model_file_is_dialect_neutral_and_renders(city):
    text = city["cfg"].model_path.read_text()
    assert "sql_condition" not in text and "levenshtein" not in text
    params = json.loads(text)
    assert 0 < params["probability_two_random_records_match"] < 0.01
    for dialect, quoted in (("duckdb", '"id_core_l"'), ("spark", "`id_core_l`")):
        s = settings_for_dialect(params, dialect)
        assert any(quoted in lv["sql_condition"] for lv in s["comparisons"][0]["comparison_levels"])
        assert all(lv.get("m_probability") for c in s["comparisons"] for lv in c["comparison_levels"]
                   if not lv.get("is_null_level"))


def test_first_period_quality(city):
    m = city["r1"].merge(_links(city["wh"], "2015-01"), on="record_key")
    assert len(m) == len(city["r1"])
    scores = pairwise_scores(m["identifier"], m["person_id"])
    assert scores["f1"] >= 0.99
    assert resolved_exactly(m["identifier"], m["person_id"]).mean() >= 0.98
    res = city["res1"]
    assert res.records == len(city["r1"]) and res.distinct_records < res.records
    assert sum(res.comparisons_per_rule.values()) > 0 and res.comparisons_per_rule["id_number"] > 0
    assert res.new_identifiers == res.identifiers


def test_identifiers_stable_across_periods(city):
    l1 = city["r1"][["record_key", "person_id"]].merge(_links(city["wh"], "2015-01"), on="record_key")
    l2 = city["r2"][["record_key", "person_id"]].merge(_links(city["wh"], "2015-02"), on="record_key")
    per1 = l1.groupby("person_id")["identifier"].agg(lambda s: s.mode().iloc[0])
    per2 = l2.groupby("person_id")["identifier"].agg(lambda s: s.mode().iloc[0])
    both = per1.index.intersection(per2.index)
    assert len(both) == 380 and len(per2) == 380 + 42
    with duckdb.connect(str(city["wh"]), read_only=True) as con:
        hist = con.execute("SELECT * FROM linkage.identifier_history").df()
        reg = con.execute("SELECT * FROM linkage.identifier_registry").df()
    changed = [p for p in both if per1[p] != per2[p]]
    documented = set(hist.loc[hist["event"].isin(["merged_into", "split_from"]), "identifier"])
    assert all(per1[p] in documented or per2[p] in documented for p in changed)
    assert len(changed) <= 2
    # newcomers got new identifiers, never one of January's
    new_people = per2.index.difference(per1.index)
    assert not set(per2[new_people]) & set(per1)
    assert reg["identifier"].is_unique and len(reg) == (hist["event"] == "created").sum()
    assert city["res2"].new_distinct_records < city["res2"].distinct_records


def test_rerun_is_idempotent(city):
    before = _links(city["wh"], "2015-02").sort_values("record_key", ignore_index=True)
    with duckdb.connect(str(city["wh"]), read_only=True) as con:
        n_hist = con.execute("SELECT count(*) FROM linkage.identifier_history").fetchone()[0]
    res = run_period(city["wh"], "2015-02", city["cfg"], "run-2b")
    after = _links(city["wh"], "2015-02").sort_values("record_key", ignore_index=True)
    assert len(after) == len(before)
    pd.testing.assert_series_equal(before["identifier"], after["identifier"])
    assert set(after["run_id"]) == {"run-2b"}
    with duckdb.connect(str(city["wh"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM linkage.identifier_history").fetchone()[0] == n_hist
        assert con.execute("SELECT count(*) FROM linkage.runs WHERE period = '2015-02'").fetchone()[0] == 1
    assert res.identifiers == city["res2"].identifiers


def test_earlier_period_rerun_refused(city):
    with pytest.raises(RuntimeError, match="re-run"):
        run_period(city["wh"], "2015-01", city["cfg"], "run-1b")


def test_reports_offline(city):
    out = city["dir"] / "reports" / "2015-01"
    names = {p.name for p in out.iterdir()}
    assert {"match_weights.html", "comparison_viewer.html", "cluster_studio.html"} <= names
    external = re.compile(r"""(src|href)\s*=\s*["']https?://""", re.IGNORECASE)
    for p in out.iterdir():
        html = p.read_text()
        assert not external.search(html), p.name  # nothing loaded from the network
        assert "fonts.googleapis" not in html, p.name


def test_evaluate_period_writes_table(city):
    truth = city["dir"] / "truth"
    truth.mkdir()
    t = city["r1"][["source", "period", "file_name", "row_number", "person_id"]].rename(
        columns={"file_name": "file"}
    )
    t.to_parquet(truth / "records.parquet")
    table = evaluate_period(city["wh"], "2015-01", truth, "eval-1")
    get = table.set_index(["method", "subset", "metric"])["value"]
    assert get[("splink", "overall", "pairwise_f1")] >= 0.99
    # noisy ID numbers split people under the naive baseline
    assert get[("naive_id_number", "overall", "pairwise_recall")] < get[("splink", "overall", "pairwise_recall")]
    with duckdb.connect(str(city["wh"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM linkage.evaluation").fetchone()[0] == len(table)


def test_committed_model_loads_and_matches_definition():
    from linkage.config import DEFAULT_MODEL_PATH
    from linkage.parameters import load

    params = load(DEFAULT_MODEL_PATH)
    settings = settings_for_dialect(params, "duckdb")
    levels = {c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]}
    exact_id = next(lv for lv in levels["id_number"] if lv["label_for_charts"].startswith("same number ("))
    assert exact_id["m_probability"] > 0.9 and exact_id["u_probability"] < 1e-3


def _state(wh, period):
    with duckdb.connect(str(wh), read_only=True) as con:
        return dict(con.execute(
            "SELECT distinct_id, identifier FROM linkage.distinct_identifiers WHERE period = ?", [period]
        ).fetchall())


def test_state_after_each_period_equals_every_earlier_link(city):
    """The state a period leaves (read by the next instead of all earlier record_links) gives each distinct
    record the identifier it was last linked to, merges followed; only the last two periods are kept."""
    wh = city["wh"]
    with duckdb.connect(str(wh), read_only=True) as con:
        last = dict(con.execute(
            "SELECT distinct_id, arg_max(identifier, period) FROM linkage.record_links GROUP BY distinct_id"
        ).fetchall())
        alias_of = dict(con.execute(
            "SELECT identifier, alias_of FROM linkage.identifier_registry WHERE status = 'alias'"
        ).fetchall())
        periods = [r[0] for r in con.execute(
            "SELECT DISTINCT period FROM linkage.distinct_identifiers ORDER BY 1").fetchall()]
    assert periods == ["2015-01", "2015-02"]
    state = _state(wh, "2015-02")
    absent = set(_links(wh, "2015-01")["distinct_id"]) - set(_links(wh, "2015-02")["distinct_id"])
    assert absent and absent <= set(state)  # records not delivered again keep their identifier
    assert set(state) == set(last)
    assert {d: resolve_aliases(alias_of, i) for d, i in state.items()} == {
        d: resolve_aliases(alias_of, i) for d, i in last.items()}


def test_rerun_without_state_reads_earlier_links_and_agrees(city, tmp_path):
    """A warehouse linked before the state was kept (no state for 2015-01) falls back to aggregating the earlier
    record_links, with the same identifiers."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copy(city["wh"], wh)
    before = _links(wh, "2015-02").sort_values("record_key", ignore_index=True)
    with duckdb.connect(str(wh)) as con:
        con.execute("DELETE FROM linkage.distinct_identifiers WHERE period = '2015-01'")
    run_period(wh, "2015-02", city["cfg"], "run-2c")
    after = _links(wh, "2015-02").sort_values("record_key", ignore_index=True)
    pd.testing.assert_series_equal(before["identifier"], after["identifier"])
    assert _state(wh, "2015-02") == _state(city["wh"], "2015-02")


def test_scoring_against_blocking_candidates_only_changes_nothing(city, tmp_path):
    """Period 2 scored against only the prior records that share a blocking key with a new one (the default)
    gives the same pairs, scores and identifiers as scoring against every prior record."""
    results = {}
    for only in (True, False):
        wh = tmp_path / f"warehouse-{only}.duckdb"
        shutil.copy(city["wh"], wh)
        cfg = LinkageConfig(**{**city["cfg"].__dict__, "prior_candidates_only": only, "reports_dir": None})
        res = run_period(wh, "2015-02", cfg, "run-2d")
        with duckdb.connect(str(wh), read_only=True) as con:
            review = con.execute(
                "SELECT distinct_id_l, distinct_id_r, round(match_weight, 9) FROM linkage.clerical_review "
                "WHERE period = '2015-02' ORDER BY 1, 2"
            ).fetchall()
        results[only] = (
            _links(wh, "2015-02").sort_values("record_key", ignore_index=True)[["record_key", "identifier"]],
            review, res.comparisons_per_rule, res.pairs_linked, res.clustered_records,
        )
    (links_c, review_c, counts_c, linked_c, clustered_c), (links_a, review_a, counts_a, linked_a, clustered_a) = (
        results[True], results[False])
    pd.testing.assert_frame_equal(links_c, links_a)
    assert review_c == review_a and counts_c == counts_a and linked_c == linked_a and clustered_c == clustered_a
    assert linked_c > 0 and sum(counts_c.values()) > 0


def test_candidate_scoring_keeps_every_pair_and_score(city):
    """Scored against the blocking candidates with the registered term frequencies, period 2 yields exactly the
    pairs and match weights that scoring against all prior records gives (pairs down to p = 0.001)."""
    from linkage.backend import duckdb_api
    from linkage.predict import score_tables
    from linkage.run import _build_score_inputs
    from linkage.store import stage_period

    pairs = {}
    for only in (True, False):
        work = duckdb_api(city["cfg"])
        stage_period(work._con, city["wh"], "2015-02", candidates_only=only)
        _build_score_inputs(work._con, False)
        n_existing = work._con.execute("SELECT count(*) FROM existing_distinct").fetchall()[0][0]
        p = score_tables(work, city["params"], keep_from=0.001, name_tf="name_tf" if only else None).pairs
        pairs[only] = (n_existing, p.sort_values(["distinct_id_l", "distinct_id_r"], ignore_index=True))
        work._con.close()
    (n_c, p_c), (n_a, p_a) = pairs[True], pairs[False]
    assert n_c < n_a  # fewer prior records loaded ...
    assert len(p_c) > 100  # ... and the same pairs, to the last digit of their weights
    pd.testing.assert_frame_equal(p_c[["distinct_id_l", "distinct_id_r", "match_weight"]],
                                  p_a[["distinct_id_l", "distinct_id_r", "match_weight"]])
