import pandas as pd
import pytest

from linkage.evaluate import pairwise_scores, resolved_exactly, score_table


def test_pairwise_scores_hand_computed():
    # truth: A has 3 records, B has 2; prediction joins one B record into A's cluster
    truth = pd.Series(["A", "A", "A", "B", "B"])
    pred = pd.Series(["x", "x", "x", "x", "y"])
    s = pairwise_scores(pred, truth)
    # predicted pairs C(4,2)=6, true pairs 3+1=4, tp = C(3,2)=3
    assert s["predicted_pairs"] == 6 and s["true_pairs"] == 4
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(0.75)
    assert s["f1"] == pytest.approx(0.6)


def test_resolved_exactly():
    truth = pd.Series(["A", "A", "B", "C", "C", "D"])
    pred = pd.Series(["1", "1", "2", "3", "4", "2"])
    r = resolved_exactly(pred, truth)
    # A: one pure cluster; B shares cluster 2 with D; C split over 3 and 4
    assert r.to_dict() == {"A": True, "B": False, "C": False, "D": False}


def test_score_table_cases_and_methods():
    frame = pd.DataFrame(
        {
            "person_id": ["A", "A", "B", "C"],
            "model": ["1", "1", "2", "3"],
            "naive": ["n1", "n2", "n3", "n3"],
        }
    )
    t = score_table(frame, {"twins": {"B", "C"}}, {"m": "model", "n": "naive"})
    get = t.set_index(["method", "subset", "metric"])["value"]
    assert get[("m", "overall", "pairwise_f1")] == 1.0
    assert get[("m", "overall", "persons_resolved_exactly")] == 1.0
    assert get[("n", "overall", "pairwise_precision")] == 0.0
    assert get[("n", "overall", "persons_resolved_exactly")] == 0.0
    assert get[("n", "twins", "persons_resolved_exactly")] == 0.0
    assert t.set_index(["method", "subset", "metric"])["n"][("m", "twins", "persons_resolved_exactly")] == 2


def test_scores_match_brute_force_pairs():
    """The size-based SQL counts against enumerating every record pair of a random clustering."""
    import itertools

    import numpy as np

    rng = np.random.default_rng(7)
    truth = pd.Series(rng.integers(0, 40, 300).astype(str))
    pred = pd.Series(np.where(rng.random(300) < 0.8, truth, rng.integers(0, 60, 300).astype(str)))
    pairs = list(itertools.combinations(range(300), 2))
    same_p = {(i, j) for i, j in pairs if pred[i] == pred[j]}
    same_t = {(i, j) for i, j in pairs if truth[i] == truth[j]}
    s = pairwise_scores(pred, truth)
    assert s["predicted_pairs"] == len(same_p) and s["true_pairs"] == len(same_t)
    assert s["precision"] == pytest.approx(len(same_p & same_t) / len(same_p))
    assert s["recall"] == pytest.approx(len(same_p & same_t) / len(same_t))
    resolved = resolved_exactly(pred, truth)
    for person in truth.unique():
        rows = set(truth.index[truth == person])
        clusters = set(pred[list(rows)])
        pure = len(clusters) == 1 and set(pred.index[pred == next(iter(clusters))]) == rows
        assert bool(resolved[person]) == pure, person
