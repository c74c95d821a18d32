"""Ground truth per period: status per person × scheme group (the contract README's rules applied to the
TRUE clean data) and the true findings (duplicates, leaks, payments after death, employer gaps, ID problems)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic.codes import id_check_char
from synthetic.config import month_end
from synthetic.render import PeriodView
from synthetic.world import NEVER, World, month_of

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


def reported_death_date(world: World, m: int) -> np.ndarray:
    """Date of death as the deliveries up to month m show it (NaT while no source has reported the death):
    medical certificate (hfp_vital) > cremation (ca_death) > hukou 死亡注销 change date. The contract stops
    the obligation for a person *seen* dead; a death nobody has reported yet changes nothing."""
    p = world.persons
    death = p["death_date"].to_numpy("datetime64[D]")
    death_m = month_of(death)
    hfp = p["death_hfp"].to_numpy(bool) & (death_m + p["death_hfp_delay"].to_numpy(np.int64) <= m)
    crem_m = month_of(p["cremation_date"].to_numpy("datetime64[D]"))
    ca = p["death_ca"].to_numpy(bool) & (crem_m <= m)
    cancel = p["hukou_cancel_date"].to_numpy("datetime64[D]")
    hukou = (p["hukou_cancel_reason"].to_numpy(object) == "死亡注销") & (month_of(cancel) <= m)
    return np.where(hfp, death, np.where(ca, p["death_date_ca"].to_numpy("datetime64[D]"),
                                          np.where(hukou, cancel, np.datetime64("NaT"))))


def _to_2016(world: World) -> dict[str, str]:
    d = world.geo.districts
    out = dict(zip(d["code_2014"].astype(str), d["code_2016"].astype(str), strict=True))
    out.update(zip(d["code_2015"].astype(str), d["code_2016"].astype(str), strict=True))
    out.update(zip(d["code_2016"].astype(str), d["code_2016"].astype(str), strict=True))
    return out


def _latest_insurance_district(world: World, emp: pd.DataFrame, res: pd.DataFrame) -> pd.Series:
    """person → district (end-2016 code) of the most recent insurance record of the period's snapshots: the
    latest last contribution (employee: first day of the month paid; resident: 31 Dec of the year paid),
    then the latest enrolment date."""
    paid_e = pd.to_datetime(emp["ZHJFNY"], format="%Y%m", errors="coerce")
    paid_r = pd.to_datetime(res["ZHJFND"] + "-12-31", format="%Y-%m-%d", errors="coerce")
    recs = pd.concat([
        pd.DataFrame({"_pid": emp["_pid"].to_numpy(), "paid": paid_e.to_numpy(), "district": emp["AAB301"].to_numpy(),
                      "enrolled": pd.to_datetime(emp["AAC030"], format="%Y%m%d", errors="coerce").to_numpy()}),
        pd.DataFrame({"_pid": res["_pid"].to_numpy(), "paid": paid_r.to_numpy(), "district": res["AAB301"].to_numpy(),
                      "enrolled": pd.to_datetime(res["AAC030"], format="%Y%m%d", errors="coerce").to_numpy()}),
    ], ignore_index=True)
    recs = recs.sort_values(["_pid", "paid", "enrolled"], ascending=[True, False, False], na_position="last")
    latest = recs.drop_duplicates("_pid")
    return pd.Series(latest["district"].map(_to_2016(world)).fillna(latest["district"]).to_numpy(object),
                     index=latest["_pid"].to_numpy())


def _with_sources(world: World, v: PeriodView, frames: dict[str, pd.DataFrame],
                  sources: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """frames plus any of `sources` a caller did not pass (the field simulator passes only the SI, tax and
    assistance frames it re-renders), rendered clean from the world."""
    missing = [s for s in sources if s not in frames]
    if not missing:
        return frames
    from synthetic.render import Renderer

    render = Renderer(world)
    return {**frames, **{s: getattr(render, s)(v) for s in missing}}


def registered(world: World, v: PeriodView, frames: dict[str, pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """(registered, home district) per person (world.persons order) by the contract's "Whom we register",
    applied to what the deliveries up to month v.m show:
    - hukou registered, unless cancelled 迁出注销 before this month; a residence permit delivered this month;
      a newborn whose birth hfp_vital has reported (not yet on a hukou); anyone in this month's SI snapshots
      or in tax withholding / pension payments delivered so far;
    - after 迁出注销 only a permit, an employee contribution or tax withholding in the last 3 months keeps them.
    Home district: hukou → permit → most recent insurance record → newborn: the mother's; else unknown."""
    p = world.persons
    m = v.m
    end = np.datetime64(month_end(m))
    pid = p["person_id"].to_numpy()
    frames = _with_sources(world, v, frames, ("ps_residence",))
    emp, res = frames["si_employee"], frames["si_resident"]
    cancel_m = month_of(p["hukou_cancel_date"].to_numpy("datetime64[D]"))
    moved_out = (p["hukou_cancel_reason"].to_numpy(object) == "迁出注销") & (cancel_m < m)
    on_hukou = p["local"].to_numpy(bool) & (p["hukou_reg_date"].to_numpy("datetime64[D]") <= end)
    hukou = on_hukou & ~moved_out
    permit = np.isin(pid, frames["ps_residence"]["_pid"].to_numpy())
    birth_m = month_of(p["birth_date"].to_numpy("datetime64[D]"))
    newborn = (p["mother_row"].to_numpy() >= 0) & (birth_m >= world.m0) & (birth_m <= m) & ~on_hukou
    sp, pens = world.spells, world.pensions
    taxed = sp.loc[(sp["start_m"] <= m) & (sp["end_m"] > world.m0), "person_id"].to_numpy()
    paid = pens.loc[(pens["start_m"] <= m) & (pens["end_m"] > world.m0), "person_id"].to_numpy()
    seen = np.isin(pid, np.concatenate([emp["_pid"].to_numpy(), res["_pid"].to_numpy(), taxed, paid]))
    works_here = np.isin(pid, list(employed_by_unit(world, m, emp)))
    reg = hukou | permit | newborn | (seen & ~moved_out) | (moved_out & works_here)
    insurance = pd.Series(pid).map(_latest_insurance_district(world, emp, res)).to_numpy(object)
    mother = p["mother_row"].to_numpy()
    mother_district = np.where(mother >= 0, v.district[np.maximum(mother, 0)], None)
    home = np.where(hukou | permit, v.district,
                    np.where(pd.notna(insurance), insurance, np.where(newborn, mother_district, None)))
    return reg, home.astype(object)


def status_for_period(world: World, v: PeriodView, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    p = world.persons
    m = v.m
    end = np.datetime64(month_end(m))
    pid = p["person_id"].to_numpy()
    sel, home = registered(world, v, frames)
    # alive = not seen dead before this month (contract: "seen dead in any source ... from the month after")
    alive = month_of(reported_death_date(world, m)) >= m
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
            "home_district": home[sel],
            "home_township": np.where(home == v.district, v.township, None)[sel],
        }))
    return pd.concat(parts, ignore_index=True)


# the person's main ID column per source (the one linkage and the ID findings read)
ID_COLUMNS = {"ps_hukou": "公民身份号码", "ps_residence": "公民身份号码", "si_employee": "AAC002",
              "si_resident": "AAC002", "si_benefit": "AAC002", "hfp_vital": "公民身份号码", "ca_death": "身份证号",
              "ca_assistance": "身份证号", "tax_withholding": "证件号码"}
ID_ERRORS = ("id_transposed", "id_mistyped", "id_wrong_check")


def _valid_id(value: str) -> bool:
    """18 characters with the right check character, or a 15-digit legacy number (converted, not checked)."""
    v = str(value).strip().upper()
    if len(v) == 15:
        return v.isdigit()
    return len(v) == 18 and v[:17].isdigit() and id_check_char(v[:17]) == v[17]


def _id_rows(frames: dict[str, pd.DataFrame], errors: pd.DataFrame, end: str) -> pd.DataFrame:
    """Per person: ID-bearing rows delivered this period (`rows`; a row without a number, as a newborn's birth
    report, does not count; a duplicated row counts twice), rows whose number is invalid (`invalid`: a typo,
    a transposition or a wrong check character that fails the check, or a number whose birth date lies after
    the period end `end` = YYYYMMDD) and rows carrying the person's re-issued number (`alt`)."""
    rows, future = [], []
    for src, col in ID_COLUMNS.items():
        if src not in frames or col not in frames[src]:
            continue
        ids = frames[src][col].astype(str).str.strip()
        rows.append(frames[src].loc[ids != "", "_pid"])
        future.append(frames[src].loc[(ids.str.len() == 18) & (ids.str[6:14] > end), "_pid"])
    out = pd.DataFrame({"rows": pd.concat(rows).value_counts() if rows else pd.Series(dtype="int64")})
    out["future"] = pd.concat(future).value_counts() if future else 0
    if len(errors):
        per = errors.drop_duplicates(["source", "row_number", "error_type"])
        main = per["column"] == per["source"].map(ID_COLUMNS)
        out["dups"] = errors[errors["error_type"] == "duplicated_row"].groupby("person_id").size()
        bad = per[main & per["error_type"].isin(ID_ERRORS)]
        bad = bad[~bad["delivered_value"].map(_valid_id)]
        out["typo"] = bad.groupby("person_id").size()
        # a re-issued number that a typo then spoiled shows no second number
        alt = per[main & (per["error_type"] == "reissued_id")]
        spoiled = pd.MultiIndex.from_frame(bad[["source", "row_number"]])
        alt = alt[~pd.MultiIndex.from_frame(alt[["source", "row_number"]]).isin(spoiled)]
        out["alt"] = alt.groupby("person_id").size()
    out = out.reindex(columns=["rows", "future", "dups", "typo", "alt"]).fillna(0).astype("int64")
    out["rows"] += out["dups"]
    out["invalid"] = out["future"] + out["typo"]
    return out


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
    # ... and an employee scheme under two active records in two districts or under two numbers (two employers
    # in one district under one number is lawful: several jobs)
    emp_act = emp[emp["AAC031"] == "1"].assign(_use=lambda d: d["_id_use"] if "_id_use" in d else "main")
    multi = emp_act.groupby(["_pid", "AAE140"]).agg(n=("AAB301", "size"), places=("AAB301", "nunique"),
                                                    numbers=("_use", "nunique"))
    multi = multi[(multi["n"] > 1) & ((multi["places"] > 1) | (multi["numbers"] > 1))].reset_index()
    multi = multi[~multi["_pid"].isin(twice["_pid"])]
    add("重复参保", "社保经办机构", multi["_pid"], "two employee records in " + multi["AAE140"])
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
    # 死亡冒领: a payment delivered this period for a month after a death some source has reported by now
    death_m = pd.Series(month_of(reported_death_date(world, v.m)), index=world.persons["person_id"].to_numpy())
    paid_m = _yyyymm_to_m(ben["AAE003"])
    after = ben[ben["_pid"].map(death_m).fillna(NEVER).to_numpy() < paid_m]
    add("死亡冒领", "社保经办机构", after["_pid"].drop_duplicates(), "paid after death")
    # employer gaps: withheld tax without any active employee insurance with that employer
    tax = frames["tax_withholding"]
    insured_with = set(zip(emp.loc[emp["AAC031"] == "1", "_pid"], emp.loc[emp["AAC031"] == "1", "_employer_id"],
                           strict=True))
    gap = tax[[(a, b) not in insured_with for a, b in zip(tax["_pid"], tax["_employer_id"], strict=True)]]
    add("employer_gap", "税务部门", gap["_pid"], "employer " + gap["扣缴义务人识别号"])
    # ID problems seen in this period's deliveries
    if len(errors):
        # one person under two numbers: seen this period under the re-issued number and the first one
        counts = _id_rows(_with_sources(world, v, frames, tuple(ID_COLUMNS)), errors, v.end.strftime("%Y%m%d"))
        both = counts.index[(counts["alt"] > 0) & (counts["alt"] < counts["rows"])]
        two = errors[(errors["error_type"] == "reissued_id") & errors["person_id"].isin(both)]
        two = two.drop_duplicates("person_id")
        add("id_two_numbers", "公安部门", two["person_id"], "re-issued number " + two["delivered_value"])
        # several people under one number: the one carrying it and the one it belongs to
        shared = errors[errors["error_type"] == "shared_id"].drop_duplicates("person_id")
        add("id_shared_number", "公安部门", shared["person_id"], "carries " + shared["delivered_value"])
        owners = world.persons.loc[world.persons["id_number"].isin(shared["delivered_value"]), "person_id"]
        owners = owners[~owners.isin(shared["person_id"])]
        add("id_shared_number", "公安部门", owners.to_numpy(), "number carried by another person")
        # no valid number to go by (earlier periods' events are not counted: an approximation)
        invalid = counts.index[(counts["rows"] > 0) & (counts["invalid"] >= counts["rows"])].to_numpy(np.int64)
        add("id_invalid", "公安部门", invalid, "no valid ID number in the period's deliveries")
    cols = ["period", "finding_type", "person_id", "department", "detail"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols].astype({"person_id": np.int64})
