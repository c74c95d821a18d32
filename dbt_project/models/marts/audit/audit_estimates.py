"""抽检差错率估计: error rates per stratum, district and city, for every sample with verdicts so far.

A dbt Python model so the statistics live in one tested place (canbao.audit.estimation) while dbt keeps the
lineage; recomputed in full each run from all usable verdicts delivered up to the run's period.
"""

import pandas as pd

from canbao.audit.estimation import estimate_from


def model(dbt, session):
    dbt.config(materialized="table", tags=["post_sampling"])
    period = dbt.config.get("period")
    frames = dbt.source("audit", "audit_frames").df()
    checked = dbt.ref("int_audit_verdicts_checked").df()
    usable = checked[checked["is_usable"]][["sample_period", "district_code", "stratum", "is_error"]]
    frames = frames[frames["period"] <= period]
    out = estimate_from(frames, usable)
    if out.empty:
        out = pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in {
                    "level": "str",
                    "sample_period": "str",
                    "district_code": "str",
                    "stratum": "str",
                    "frame_size": "int64",
                    "audited": "int64",
                    "errors": "int64",
                    "error_rate": "float64",
                    "ci_lower": "float64",
                    "ci_upper": "float64",
                    "effective_n": "float64",
                    "is_complete": "bool",
                    "sample_size": "int64",
                    "method": "str",
                }.items()
            }
        )
    out["estimate_id"] = out["sample_period"] + "|" + out["district_code"].fillna("city") + "|" + out["stratum"]
    out["as_of_period"] = period
    return out
