"""What the bureau report shows, read from the warehouse (read-only); absent tables yield empty frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

GROUP_LABELS = {
    "pension": "养老 pension",
    "medical": "医疗 medical",
    "unemployment": "失业 unemployment",
    "work_injury": "工伤 work injury",
    "maternity": "生育 maternity",
}


@dataclass
class ReportData:
    period: str
    city_coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage_trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluations: pd.DataFrame = field(default_factory=pd.DataFrame)
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    audit_city: pd.DataFrame = field(default_factory=pd.DataFrame)
    audit_frames: pd.DataFrame = field(default_factory=pd.DataFrame)
    field_errors: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdict_issues: pd.DataFrame = field(default_factory=pd.DataFrame)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def _query(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: list) -> pd.DataFrame:
    schema, name = table.split(".")
    return con.execute(sql, params).df() if _exists(con, schema, name) else pd.DataFrame()


def load(warehouse: Path, period: str) -> ReportData:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return ReportData(
            period=period,
            city_coverage=_query(
                con,
                "marts.coverage",
                "select scheme_group, should, insured, rate, cast(target as double) as target, gap "
                "from marts.coverage where level = 'city' and period = ? order by scheme_group",
                [period],
            ),
            coverage_trend=_query(
                con,
                "marts.coverage",
                "select period, scheme_group, rate, cast(target as double) as target from marts.coverage "
                "where level = 'city' and period <= ? order by period, scheme_group",
                [period],
            ),
            evaluations=_query(
                con,
                "marts.district_evaluations",
                "select * from marts.district_evaluations where period = ? order by score_rank",
                [period],
            ),
            weights=_query(con, "seeds.evaluation_weights", "select * from seeds.evaluation_weights", []),
            audit_city=_query(
                con,
                "marts.audit_estimates",
                "select * from marts.audit_estimates where level = 'city' order by sample_period desc",
                [],
            ),
            audit_frames=_query(
                con,
                "marts.audit_frames",
                "select district_code, sum(frame_size)::bigint as frame_size, sum(sample_size)::bigint as sample_size, "
                "any_value(seed) as seed from marts.audit_frames where period = ? group by all order by district_code",
                [period],
            ),
            field_errors=_query(
                con,
                "marts.audit_field_errors",
                "select * from marts.audit_field_errors where level = 'city' and sample_period = "
                "(select max(sample_period) from marts.audit_field_errors) order by field_rank, field_name limit 10",
                [],
            ),
            verdict_issues=_query(
                con,
                "marts.audit_verdict_issues",
                "select reason, count(*) as n from marts.audit_verdict_issues group by reason order by reason",
                [],
            ),
        )
