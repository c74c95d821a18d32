"""Ground truth per period: status per person × scheme group (the contract README's rules applied to the
TRUE clean data) and the true findings (duplicates, leaks, payments after death, employer gaps, ID problems)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic.config import month_end
from synthetic.render import PeriodView
from synthetic.world import World, month_of

GROUPS = {"pension": ("110", "170"), "medical": ("310", "390"), "unemployment": ("210",),
          "work_injury": ("410",), "maternity": ("510",)}
EMPLOYEE_SCHEMES = ["110", "210", "310", "410", "510"]


def _yyyymm_to_m(s: pd.Series) -> np.ndarray:
    v = pd.to_numeric(s, errors="coerce").fillna(0).astype(np.int64).to_numpy()
    return v // 100 * 12 + v % 100 - 1


def employed_by_unit(world: World, m: int, emp: pd.DataFrame) -> set[int]:
    """Tax withheld by an employer in any of the last 3 months, or an employee-scheme record with a
    contribution in the last 3 months."""
    sp = world.spells
    taxed = sp[(sp["start_m"] <= m) & (sp["end_m"] > m - 2)]["person_id"]
    paid = emp.loc[_yyyymm_to_m(emp["ZHJFNY"]) >= m - 2, "_pid"]
    return set(taxed.to_numpy()) | set(paid.to_numpy())


def status_for_period(world: World, v: PeriodView, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    p = world.persons
    m = v.m
    end = np.datetime64(month_end(m))
    pid = p["person_id"].to_numpy()
    present = p["present_from"].to_numpy("datetime64[D]") <= end
    out_m = month_of(p["out_date"].to_numpy("datetime64[D]"))
    death_m = month_of(p["death_date"].to_numpy("datetime64[D]"))
    sel = present & (out_m >= m)
    alive = death_m >= m
    # exact age in completed years at the period's last day
    bd = pd.to_datetime(p["birth_date"])
    e = pd.Timestamp(end)
    age = (e.year - bd.dt.year - ((bd.dt.month > e.month) | ((bd.dt.month == e.month) & (bd.dt.day > e.day)))
           ).to_numpy()
    male = p["male"].to_numpy()
    emp, res, ben = frames["si_employee"], frames["si_resident"], frames["si_benefit"]
    unit = np.isin(pid, list(employed_by_unit(world, m, emp)))
    below_retirement = age < np.where(male, 60, 50)
    emp_active = emp[(emp["AAC031"] == "1") & (_yyyymm_to_m(emp["ZHJFNY"]) >= m - 2)]
    res_active = res[(res["AAC031"] == "1") & (pd.to_numeric(res["ZHJFND"], errors="coerce") >= v.year - 1)]
    receiving = set(ben.loc[ben["AAE140"].isin(["110", "170"]), "_pid"])
    pensioner_310 = set(emp.loc[(emp["AAE140"] == "310") & (emp["AAC031"] == "1"), "_pid"]) & receiving
    active = pd.concat([emp_active[["_pid", "AAE140"]], res_active[["_pid", "AAE140"]]])
    any_rec = pd.concat([emp[["_pid", "AAE140"]], res[["_pid", "AAE140"]]])
    status1 = emp.loc[emp["AAC031"] == "1", ["_pid", "AAE140"]]
    held = status1.drop_duplicates().groupby("_pid")["AAE140"].nunique()
    n_held = pd.Series(pid).map(held).fillna(0).to_numpy()
    incomplete = unit & (n_held > 0) & (n_held < 5)
    rec_pid = np.isin(pid, list(receiving))
    # The contract defines "full-time student" by the household survey (就业状态 学生): until a survey return
    # saying so has been delivered, a student is still should-be-insured for pension. The field simulator
    # records the month of that delivery in `student_reported_m`.
    reported_m = (
        p["student_reported_m"].fillna(np.iinfo(np.int64).max).to_numpy(np.int64)
        if "student_reported_m" in p
        else np.full(len(p), np.iinfo(np.int64).max)
    )
    student_known = p["is_student"].to_numpy(bool) & (reported_m <= m)
    parts = []
    for group, schemes in GROUPS.items():
        ins = np.isin(pid, active.loc[active["AAE140"].isin(schemes), "_pid"].unique())
        if group == "pension":
            ins |= rec_pid
            should = (age >= 16) & alive & ~student_known
        elif group == "medical":
            ins |= np.isin(pid, list(pensioner_310))
            should = alive.copy()
        else:
            should = unit & alive & below_retirement
        has = np.isin(pid, any_rec.loc[any_rec["AAE140"].isin(schemes), "_pid"].unique())
        parts.append(pd.DataFrame({
            "person_id": pid[sel], "period": f"{m // 12:04d}-{m % 12 + 1:02d}", "scheme_group": group,
            "should": should[sel], "insured": ins[sel], "lapsed": (should & ~ins & has)[sel],
            "never": (should & ~ins & ~has)[sel], "incomplete": incomplete[sel], "receiving_pension": rec_pid[sel],
            "employed_by_unit": unit[sel], "alive": alive[sel], "age": age[sel],
            "home_district": v.district[sel], "home_township": v.township[sel],
        }))
    return pd.concat(parts, ignore_index=True)


def findings_for_period(world: World, v: PeriodView, frames: dict[str, pd.DataFrame],
                        errors: pd.DataFrame) -> pd.DataFrame:
    period = f"{v.m // 12:04d}-{v.m % 12 + 1:02d}"
    out: list[pd.DataFrame] = []

    def add(kind: str, dept: str, pids: pd.Series | np.ndarray, detail: pd.Series | np.ndarray | str) -> None:
        pids = np.asarray(pids)
        if len(pids):
            out.append(pd.DataFrame({"period": period, "finding_type": kind, "person_id": pids,
                                     "department": dept, "detail": detail}))

    emp, res, ben = frames["si_employee"], frames["si_resident"], frames["si_benefit"]
    act = pd.concat([emp.loc[emp["AAC031"] == "1", ["_pid", "AAE140", "AAB301"]],
                     res.loc[res["AAC031"] == "1", ["_pid", "AAE140", "AAB301"]]])
    # 重复参保: employee + resident at once, or one scheme under two records
    schemes = act.groupby("_pid")["AAE140"].agg(set)
    both_p = schemes[schemes.map(lambda s: {"110", "170"} <= s)].index
    both_m = schemes[schemes.map(lambda s: {"310", "390"} <= s)].index
    add("重复参保", "社保经办机构", both_p, "110+170")
    add("重复参保", "社保经办机构", both_m, "310+390")
    res_act = res[res["AAC031"] == "1"]
    twice = res_act.groupby(["_pid", "AAE140"]).size()
    twice = twice[twice > 1].reset_index()
    add("重复参保", "社保经办机构", twice["_pid"], "two records in " + twice["AAE140"])
    # 重复补贴: government-paid premium without entitlement, or paid twice
    assisted = set(frames["ca_assistance"]["_pid"])
    sub = res_act[res_act["ZZLB"] != "0"]
    unent = sub[~sub["_pid"].isin(assisted)].drop_duplicates("_pid")
    add("重复补贴", "民政部门", unent["_pid"], "ZZLB " + unent["ZZLB"] + " without assistance")
    subtw = sub.groupby(["_pid", "AAE140"]).size()
    subtw = subtw[subtw > 1].reset_index()
    add("重复补贴", "社保经办机构", subtw["_pid"], "subsidised twice in " + subtw["AAE140"])
    # 重复领取待遇: 110 and 170 in the same month, or in two districts
    bs = ben.groupby("_pid").agg(schemes=("AAE140", lambda s: set(s)), places=("AAB301", "nunique"))
    add("重复领取待遇", "社保经办机构", bs[bs["schemes"].map(len) > 1].index, "110+170")
    add("重复领取待遇", "社保经办机构", bs[bs["places"] > 1].index, "two districts")
    # 死亡冒领: a payment for a month after death
    death_m = pd.Series(month_of(world.persons["death_date"].to_numpy("datetime64[D]")),
                        index=world.persons["person_id"].to_numpy())
    after = ben[ben["_pid"].map(death_m).to_numpy() < v.m]
    add("死亡冒领", "社保经办机构", after["_pid"].drop_duplicates(), "paid after death")
    # employer gaps: withheld tax without any active employee insurance with that employer
    tax = frames["tax_withholding"]
    insured_with = set(zip(emp.loc[emp["AAC031"] == "1", "_pid"], emp.loc[emp["AAC031"] == "1", "_employer_id"],
                           strict=True))
    gap = tax[[(a, b) not in insured_with for a, b in zip(tax["_pid"], tax["_employer_id"], strict=True)]]
    add("employer_gap", "税务部门", gap["_pid"], "employer " + gap["扣缴义务人识别号"])
    # ID problems seen in this period's deliveries
    if len(errors):
        two = errors[errors["error_type"] == "reissued_id"].drop_duplicates("person_id")
        add("id_two_numbers", "公安部门", two["person_id"], "re-issued number " + two["delivered_value"])
        shared = errors[errors["error_type"] == "shared_id"].drop_duplicates("person_id")
        add("id_shared_number", "公安部门", shared["person_id"], "carries " + shared["delivered_value"])
    cols = ["period", "finding_type", "person_id", "department", "detail"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols].astype({"person_id": np.int64})
