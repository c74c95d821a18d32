"""The ledger rules' dbt unit tests (`unit_tests:` in models/**/_*__unit_tests.yml; rules: docs/ledger.md).

dbt mocks a model's parents from the YAML rows but reads their column types from the warehouse, so the fixture
makes a warehouse holding every parent as an empty relation: the staging, int_person_records and linkage tables
of test_marts_support, the ledger seeds, and the post-linkage models built with `--empty`.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import test_marts_support as support
from test_marts_support import REPO, copy_project_for_tests, create_tables, run_dbt

PERIOD = "2015-01"
SEEDS = ("insurance_schemes", "districts", "ledger_coverage_targets", "ledger_subsidy_entitlements")
DOCS = REPO / "docs" / "ledger.md"
LEDGER_UNIT_TESTS = (
    "models/intermediate/ledger/_ledger_intermediate__unit_tests.yml",
    "models/marts/ledger/_ledger__unit_tests.yml",
)
SELECT = " ".join(f"test_type:unit,path:{f}" for f in LEDGER_UNIT_TESTS)


def rules_table() -> dict[str, str]:
    """Rule id → the row's unit-tests cell, from docs/ledger.md's table "Rules (...) → where implemented"."""
    text = DOCS.read_text(encoding="utf-8").split("## Rules", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([A-Z]\d) \|.*\| ([^|]*) \|$", text, flags=re.M)
    return dict(rows)


def unit_results(target: Path) -> dict[str, str]:
    """Unit test name → status from a dbt invocation's run_results.json."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"].rsplit(".", 1)[1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("dbt_unit") / "warehouse.duckdb"
    with duckdb.connect(str(wh)) as con:
        create_tables(con)
    run_dbt(wh, PERIOD, "seed", "--select", *SEEDS)
    run_dbt(wh, PERIOD, "run", "--select", "tag:post_linkage", "--empty")
    return wh


@pytest.fixture(scope="module")
def results(warehouse: Path) -> dict:
    run_dbt(warehouse, PERIOD, "test", "--select", SELECT)
    target = warehouse.parent / "dbt_target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    ledger = {u["name"]: u for u in manifest["unit_tests"].values() if u["original_file_path"] in LEDGER_UNIT_TESTS}
    return {"status": unit_results(target), "unit_tests": ledger}


def test_every_unit_test_passes(results: dict) -> None:
    failed = {n: s for n, s in results["status"].items() if s != "pass"}
    assert not failed
    assert set(results["status"]) == set(results["unit_tests"])  # all of them ran


def test_every_rule_has_a_named_unit_test(results: dict) -> None:
    rules = rules_table()
    assert len(rules) == 20  # R1-R5, S1-S3, I1, L1, N1, C1, V1, F1-F5, W1, W2
    names = set(results["status"])
    assert len(names) >= len(rules)
    uncovered = [r for r in rules if not any(r.lower() in n.split("_") for n in names)]
    assert not uncovered
    assert any("survivorship" in n for n in names)
    for name, node in results["unit_tests"].items():
        assert name.startswith("ledger_") and node["description"].strip(), name


def test_docs_list_the_unit_tests(results: dict) -> None:
    """docs/ledger.md names each rule's unit tests; the names there exist and name that rule."""
    names = set(results["status"])
    listed: set[str] = set()
    for rule, cell in rules_table().items():
        cited = set(re.findall(r"`(ledger_[a-z0-9_]+)`", cell))
        assert cited, rule
        assert cited <= names, (rule, cited - names)
        assert all(rule.lower() in n.split("_") for n in cited), rule
        listed |= cited
    survivorship = DOCS.read_text(encoding="utf-8").split("## Survivorship", 1)[1].split("\n## ", 1)[0]
    listed |= set(re.findall(r"`(ledger_[a-z0-9_]+)`", survivorship))
    scope = DOCS.read_text(encoding="utf-8").split("## Privacy", 1)[0]
    listed |= set(re.findall(r"`(ledger_[a-z0-9_]+)`", scope))
    assert names - listed == set()


WRONG = """
unit_tests:
  - name: deliberately_wrong_gap_floor_not_ceil
    model: coverage
    description: A wrong expectation (gap with floor instead of ceil) that must fail.
    overrides:
      vars: {period: '2015-01'}
      macros: {is_incremental: false}
    given:
      - input: ref('person_ledger')
        rows:
%s
      - input: ref('ledger_coverage_targets')
        rows:
          - {scheme_group: pension, from_period: '2014-01', target: 0.95}
      - input: ref('districts')
        rows: []
    expect:
      rows:
        - {level: city, should: 10, insured: 4, gap: 5}
        - {level: district, should: 10, insured: 4, gap: 5}
        - {level: township, should: 10, insured: 4, gap: 5}
"""


def test_a_wrong_expectation_fails(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mechanism can fail: 10 should, 4 insured, target 0.95 → gap ceil(9.5) − 4 = 6, not 5. Run on a copy
    of the project with one extra YAML, and a copy of the warehouse (its own target dir)."""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, wh)
    project = tmp_path / "dbt_project"
    copy_project_for_tests(project)
    rows = "\n".join(
        f"          - {{period: '2015-01', identifier: CB{i:02d}, scheme_group: pension, "
        f"is_should_insure: true, is_insured: {str(i < 4).lower()}}}"
        for i in range(10)
    )
    (project / "models" / "marts" / "ledger" / "_wrong__unit_tests.yml").write_text(WRONG % rows, encoding="utf-8")
    monkeypatch.setattr(support, "DBT_DIR", project)
    with pytest.raises(AssertionError, match="deliberately_wrong_gap_floor_not_ceil"):
        run_dbt(wh, PERIOD, "test", "--select", "deliberately_wrong_gap_floor_not_ceil")
    assert unit_results(tmp_path / "dbt_target") == {"deliberately_wrong_gap_floor_not_ceil": "fail"}
