"""Field staff and auditors answering what the platform published for a period (`canbao simulate-field`).

Reads the period's published worklists and audit samples from `<home>/warehouse.duckdb` (read-only,
closed at once) and the ground truth, and writes the answers as deliveries of the NEXT period:

1. `landing/survey_returns/<next>/<township>.xlsx`: the visited households' people, answered from the true
   world (employment, each insurance, why not insured, willingness), 调查表编号 = the worklist item.
2. Enrollment effect: some willing uninsured enroll in the resident schemes (new 170/390 records, lapsed ones
   re-activated) from the next month on; the world changes are kept in truth/world/field_*.parquet and the
   already generated later periods' si_resident deliveries (and truth records/errors/status/findings) are
   re-rendered.
3. `landing/audit_verdicts/<next>/verdicts.csv`: one verdict per issued sample item, from the truth.

Deterministic for a given seed: every draw is a hash of (seed, period, what is drawn, its key)."""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from synthetic.codes import salt_of, stable_uniform
from synthetic.config import month_index, period_of
from synthetic.field_world import (
    FieldRenderer,
    FieldWorld,
    load_field_world,
    person_stop_month,
    rerender_periods,
    save_field_changes,
    write_config,
)
from synthetic.noise import _homophone, _mistype
from synthetic.truth import GROUPS, _yyyymm_to_m
from synthetic.world import NEVER, month_of
from synthetic.writers import load_contract, write_delivery

PILOT_DISTRICTS = ("500114", "500107", "500108", "500109", "500111")
REASONS = ["不了解政策", "经济困难", "不愿参保", "其他"]
REASON_WEIGHTS = [0.45, 0.30, 0.15, 0.10]
# P(willing to enroll | reason)
WILLING = {"不了解政策": 0.85, "经济困难": 0.45, "不愿参保": 0.05, "其他": 0.5, "单位未办理": 0.9,
           "在外地参保": 0.1}
VERDICT_FIELDS = ["status", "is_should_insure", "is_insured", "is_incomplete", "is_receiving_pension",
                  "township_code"]  # the ledger fields on the audit sheet, compared with the truth


@dataclass(frozen=True)
class FieldConfig:
    """Diligence and behaviour of the township staff, the surveyed people and the auditors."""

    visit_rate: float = 0.80                    # share of worklist items visited in the month
    district_visit_rate: dict[str, float] = field(  # districts that differ (the 2014 pilots are diligent)
        default_factory=lambda: dict.fromkeys(PILOT_DISTRICTS, 0.97))
    absent_rate: float = 0.05                   # listed person not met in a visited household (no row)
    enroll_rate: float = 0.70                   # of the willing uninsured: enroll from the next month
    name_typo_rate: float = 0.01                # surveyor writes a homophone in the name
    id_typo_rate: float = 0.005                 # surveyor mistypes a digit of the ID number
    missing_phone_rate: float = 0.10
    unknown_answer_rate: float = 0.02           # 不清楚 for pension/medical
    migrant_insured_elsewhere: float = 0.5      # uninsured migrants: 在外地参保
    methods: tuple[tuple[str, float], ...] = (("电话", 0.6), ("入户", 0.25), ("数据比对", 0.15))

    def visit_rate_of(self, district: str | None) -> float:
        return self.district_visit_rate.get(district or "", self.visit_rate)


# --- deterministic draws -----------------------------------------------------------------------------------
def _keys(values: pd.Series | np.ndarray) -> np.ndarray:
    """64-bit keys of strings/ints (FNV-1a of the text: stable across processes)."""
    return np.fromiter((salt_of(v) for v in pd.Series(values).astype(str)), dtype=np.uint64, count=len(values))


def _u(seed: int, period: str, what: str, keys: np.ndarray) -> np.ndarray:
    return stable_uniform(np.asarray(keys, dtype=np.uint64), salt_of(seed, period, what))


def _choice(u: np.ndarray, options: list[str], weights: list[float]) -> np.ndarray:
    cum = np.cumsum(np.asarray(weights, dtype=float) / sum(weights))
    return np.asarray(options, dtype=object)[np.minimum(np.searchsorted(cum, u, side="right"), len(options) - 1)]


def _day_in(m: int, u: np.ndarray, last: int = 28) -> np.ndarray:
    y, mo = m // 12, m % 12 + 1
    days = 1 + (u * last).astype(int)
    return np.asarray([date(y, mo, int(d)).isoformat() for d in days], dtype=object)


# --- the platform's published outputs ------------------------------------------------------------------------
@dataclass
class Published:
    worklist: pd.DataFrame      # one row per listed person with the item's township
    samples: pd.DataFrame       # marts.audit_samples of the period
    links: pd.DataFrame         # source, period, file, row_number, identifier (for the identifiers above)


def read_published(home: Path, period: str) -> Published:
    wh = home / "warehouse.duckdb"
    if not wh.exists():
        raise FileNotFoundError(f"no warehouse at {wh}: run the platform for {period} first")
    con = duckdb.connect(str(wh), read_only=True)
    try:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        persons_t = next((t for t in ("restricted.worklist_persons", "restricted.restricted_worklist_persons")
                          if t in tables), None)
        if persons_t is None or "marts.survey_worklist" not in tables:
            worklist = pd.DataFrame(columns=["worklist_item_id", "identifier", "name", "id_number",
                                             "item_district", "item_township", "item_address"])
        else:
            worklist = con.execute(f"""
                select p.worklist_item_id, p.identifier, p.name, p.id_number, p.district_code, p.township_code,
                       w.district_code as item_district, w.township_code as item_township,
                       w.address as item_address
                from {persons_t} as p
                join marts.survey_worklist as w on w.period = p.period and w.worklist_item_id = p.worklist_item_id
                where p.period = ?
                order by p.worklist_item_id, p.identifier""", [period]).df()
        if "marts.audit_samples" in tables:
            samples = con.execute("select * from marts.audit_samples where period = ? order by sample_id",
                                  [period]).df()
        else:
            samples = pd.DataFrame(columns=["sample_id", "district_code", "identifier", "scheme_group"])
        ids = pd.DataFrame({"identifier": pd.concat([worklist["identifier"], samples["identifier"]]).dropna()
                            .drop_duplicates().astype(str)})
        con.register("wanted_ids", ids)
        links = con.execute("""
            select r.source, r.period, r.file_name as file, r.row_number, r.identifier
            from marts.record_identifiers as r join wanted_ids using (identifier)
            where r.period <= ?""", [period]).df()
    finally:
        con.close()
    return Published(worklist=worklist, samples=samples, links=links)


def identifier_persons(links: pd.DataFrame, truth_records: pd.DataFrame) -> pd.Series:
    """identifier → the true person most of its records belong to (ties: the lowest person_id)."""
    if len(links) == 0:
        return pd.Series(dtype=np.int64)
    j = links.astype({"row_number": np.int64}).merge(
        truth_records, on=["source", "period", "file", "row_number"], how="inner")
    if len(j) == 0:
        return pd.Series(dtype=np.int64)
    c = j.groupby(["identifier", "person_id"]).size().rename("n").reset_index()
    c = c.sort_values(["identifier", "n", "person_id"], ascending=[True, False, True], kind="stable")
    best = c.drop_duplicates("identifier")
    return pd.Series(best["person_id"].to_numpy(np.int64), index=best["identifier"].to_numpy())


# --- the true world at the end of a month ---------------------------------------------------------------------
@dataclass
class TrueFacts:
    """Per person (index person_id) at month m: scheme answers, employer, home, status per group."""

    m: int
    table: pd.DataFrame


def true_facts(fw: FieldWorld, status: pd.DataFrame, m: int) -> TrueFacts:
    w = fw.world
    render = FieldRenderer(w, fw.restarts)
    v = render.view(min(m, w.m1))
    emp = render.render("si_employee", min(m, w.m1))
    res = render.render("si_resident", min(m, w.m1))
    ben = render.render("si_benefit", min(m, w.m1))
    p = w.persons
    pid = p["person_id"].to_numpy()
    emp_act = emp[(emp["AAC031"] == "1") & (_yyyymm_to_m(emp["ZHJFNY"]) >= m - 2)]
    res_act = res[(res["AAC031"] == "1") & (pd.to_numeric(res["ZHJFND"], errors="coerce") >= v.year - 1)]
    sp = w.spells
    cur = sp[(sp["start_m"] <= m) & (sp["end_m"] > m)].drop_duplicates("person_id", keep="last")
    employer = pd.Series(cur["employer_id"].map(w.employers.set_index("employer_id")["name"]).to_numpy(),
                         index=cur["person_id"].to_numpy())

    def has(frame: pd.DataFrame, schemes: tuple[str, ...]) -> np.ndarray:
        return np.isin(pid, frame.loc[frame["AAE140"].isin(schemes), "_pid"].unique())

    t = pd.DataFrame({
        "person_id": pid, "name": p["name"].to_numpy(object), "id_number": p["id_number"].to_numpy(object),
        "male": p["male"].to_numpy(), "birth_date": pd.to_datetime(p["birth_date"]).dt.strftime("%Y-%m-%d"),
        "phone": p["phone"].to_numpy(object), "role": p["role"].to_numpy(object),
        "local": p["local"].to_numpy(), "district": v.district, "township": v.township, "address": v.address,
        "employer": pd.Series(pid).map(employer).to_numpy(object),
        "emp110": has(emp_act, ("110",)), "res170": has(res_act, ("170",)),
        "emp310": has(emp_act, ("310",)) | has(emp[emp["AAC031"] == "1"], ("310",)) & np.isin(pid, ben["_pid"]),
        "res390": has(res_act, ("390",)), "receiving": np.isin(pid, ben["_pid"]),
        "emp210": has(emp_act, ("210",)), "emp410": has(emp_act, ("410",)), "emp510": has(emp_act, ("510",)),
    }).set_index("person_id")
    period = period_of(m)
    st = status[status["period"] == period]
    for g in GROUPS:
        s = st[st["scheme_group"] == g].set_index("person_id")
        t[f"should_{g}"] = s["should"].reindex(t.index).fillna(False).astype(bool)
        t[f"insured_{g}"] = s["insured"].reindex(t.index).fillna(False).astype(bool)
    first = st.drop_duplicates("person_id").set_index("person_id")
    t["present"] = t.index.isin(first.index)
    t["alive"] = first["alive"].reindex(t.index).fillna(False).astype(bool)
    t["employed_by_unit"] = first["employed_by_unit"].reindex(t.index).fillna(False).astype(bool)
    t["home_township"] = first["home_township"].reindex(t.index)
    return TrueFacts(m=m, table=t)


# --- 1. survey returns ----------------------------------------------------------------------------------------
def _employment(t: pd.DataFrame) -> np.ndarray:
    role = t["role"].to_numpy(object)
    working = t["employer"].notna().to_numpy()
    by_role = pd.Series(role).map({"child": "其他", "pupil": "学生", "student": "学生", "employee": "无业",
                                   "flexible": "灵活就业", "farmer": "务农", "unemployed": "无业",
                                   "homemaker": "其他", "retiree": "退休", "elderly": "其他"}).fillna("其他")
    return np.where(working, "单位就业", by_role.to_numpy(object))


def survey_rows(pub: Published, facts: TrueFacts, who: pd.Series, cfg: FieldConfig, seed: int, period: str,
                renderer: FieldRenderer) -> pd.DataFrame:
    """One row per person met in the visited households (columns: the contract's + _pid, _item)."""
    wl = pub.worklist.copy()
    if len(wl) == 0:
        return pd.DataFrame()
    n = month_index(period) + 1
    items = wl.drop_duplicates("worklist_item_id")[["worklist_item_id", "item_district"]]
    u_visit = _u(seed, period, "visit", _keys(items["worklist_item_id"]))
    rate = items["item_district"].map(lambda d: cfg.visit_rate_of(d)).to_numpy(float)
    visited = set(items["worklist_item_id"].to_numpy()[u_visit < rate])
    wl = wl[wl["worklist_item_id"].isin(visited)].reset_index(drop=True)
    rkey = _keys(wl["worklist_item_id"] + "|" + wl["identifier"])
    wl = wl[_u(seed, period, "absent", rkey) >= cfg.absent_rate].reset_index(drop=True)
    rkey = _keys(wl["worklist_item_id"] + "|" + wl["identifier"])
    wl["_pid"] = wl["identifier"].map(who).fillna(0).astype(np.int64).to_numpy()
    t = facts.table
    f = t.reindex(wl["_pid"].to_numpy()).reset_index(drop=True)
    found = wl["_pid"].to_numpy() > 0
    pids = wl["_pid"].to_numpy(np.int64)
    persons = renderer.p.set_index("person_id")
    death_m = month_of(persons["death_date"].reindex(pids).to_numpy("datetime64[D]"))
    out_m = month_of(persons["out_date"].reindex(pids).to_numpy("datetime64[D]"))
    m = n - 1
    dead = found & (death_m <= m)
    gone = found & ~dead & (out_m <= m)
    ok = found & ~dead & ~gone & f["present"].fillna(False).to_numpy(bool)
    remark = np.select([~found, dead, gone, ~ok], ["查无此人", "已去世", "已迁出", "查无此人"], "")

    # identity: true values (small typo rates), else as listed
    name = np.where(ok, f["name"].to_numpy(object), wl["name"].fillna("").to_numpy(object))
    idn = np.where(ok, f["id_number"].to_numpy(object), wl["id_number"].fillna("").to_numpy(object))
    typo_n = ok & (_u(seed, period, "name_typo", rkey) < cfg.name_typo_rate)
    typo_i = ok & (_u(seed, period, "id_typo", rkey) < cfg.id_typo_rate)
    name = np.asarray([_homophone(s, random.Random(int(k))) if t_ else s
                       for s, k, t_ in zip(name, rkey, typo_n, strict=True)], dtype=object)
    idn = np.asarray([_mistype(s, random.Random(int(k) ^ 1)) if t_ and len(s) == 18 else s
                      for s, k, t_ in zip(idn, rkey, typo_i, strict=True)], dtype=object)
    phone = np.where(ok & (_u(seed, period, "phone", rkey) >= cfg.missing_phone_rate),
                     f["phone"].fillna("").to_numpy(object), "")

    emp_status = np.where(ok, _employment(f.fillna({"role": "", "employer": np.nan})), "")
    unit = ok & f["employed_by_unit"].fillna(False).to_numpy(bool)
    pension = np.select([f["receiving"].fillna(False).to_numpy(bool), f["emp110"].fillna(False).to_numpy(bool),
                         f["res170"].fillna(False).to_numpy(bool)], ["领取待遇", "职工养老", "居民养老"], "未参保")
    medical = np.select([f["emp310"].fillna(False).to_numpy(bool), f["res390"].fillna(False).to_numpy(bool)],
                        ["职工医疗", "居民医疗"], "未参保")
    unk = _u(seed, period, "unknown", rkey) < cfg.unknown_answer_rate
    pension = np.where(ok, np.where(unk & (pension == "未参保"), "不清楚", pension), "")
    medical = np.where(ok, np.where(unk & (medical == "未参保"), "不清楚", medical), "")
    yes_no = {}
    for g, col in (("unemployment", "emp210"), ("work_injury", "emp410"), ("maternity", "emp510")):
        yes_no[g] = np.where(~ok, "", np.where(unit, np.where(f[col].fillna(False).to_numpy(bool), "是", "否"),
                                               "不适用"))
    # uninsured: should-be-insured and not insured in any group (the truth's status)
    gap_pm = np.zeros(len(wl), bool)
    for g in ("pension", "medical"):
        gap_pm |= f[f"should_{g}"].fillna(False).to_numpy(bool) & ~f[f"insured_{g}"].fillna(False).to_numpy(bool)
    gap_unit = np.zeros(len(wl), bool)
    for g in ("unemployment", "work_injury", "maternity"):
        gap_unit |= f[f"should_{g}"].fillna(False).to_numpy(bool) & ~f[f"insured_{g}"].fillna(False).to_numpy(bool)
    uninsured = ok & (gap_pm | gap_unit)
    reason = _choice(_u(seed, period, "reason", rkey), REASONS, REASON_WEIGHTS)
    migrant = ~f["local"].fillna(True).to_numpy(bool)
    reason = np.where(migrant & (_u(seed, period, "elsewhere", rkey) < cfg.migrant_insured_elsewhere),
                      "在外地参保", reason)
    reason = np.where(unit & (gap_unit | (gap_pm & f["employer"].notna().to_numpy())), "单位未办理", reason)
    reason = np.where(uninsured, reason, "")
    p_will = pd.Series(reason).map(WILLING).fillna(0.0).to_numpy(float)
    willing = np.where(uninsured, np.where(_u(seed, period, "willing", rkey) < p_will, "是", "否"), "")
    township = wl["item_township"].fillna(wl["township_code"]).fillna(f["township"]).fillna("").astype(str)
    township = township.where(township != "", pd.Series(f["home_township"].to_numpy(object)).fillna("")).astype(str)
    address = np.where(ok, f["address"].fillna("").to_numpy(object), wl["item_address"].fillna("").to_numpy(object))
    village = pd.Series(address).astype(str).str.extract(r"([^区县镇乡街道]{2,4}村)")[0]
    tw_name = pd.Series(township.to_numpy()).map(renderer.tw_name)
    village = village.fillna(tw_name.str.replace(r"(街道|镇|乡)$", "", regex=True) + "社区").fillna("")
    item_u = _u(seed, period, "date", _keys(wl["worklist_item_id"]))
    out = pd.DataFrame({
        "调查表编号": wl["worklist_item_id"].to_numpy(object),
        "乡镇街道代码": renderer.town_code(township.to_numpy(object), n // 12) if len(wl) else [],
        "村社区": village.to_numpy(object), "户地址": address,
        "调查员编号": ("DC" + township.str[-5:] + pd.Series((item_u * 3).astype(int) + 1).astype(str).str.zfill(2)
                  ).to_numpy(object),
        "调查日期": _day_in(n, item_u),
        "公民身份号码": idn, "姓名": name,
        "性别": np.where(ok, np.where(f["male"].fillna(False).to_numpy(bool), "男", "女"), ""),
        "出生日期": np.where(ok, f["birth_date"].fillna("").to_numpy(object), ""),
        "联系电话": phone, "就业状态": emp_status,
        "工作单位": np.where(ok & (emp_status == "单位就业"), f["employer"].fillna("").to_numpy(object), ""),
        "养老保险": pension, "医疗保险": medical, "失业保险": yes_no["unemployment"],
        "工伤保险": yes_no["work_injury"], "生育保险": yes_no["maternity"], "未参保原因": reason,
        "参保意愿": willing, "备注": remark,
    })
    out = out.map(lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x)) else x)
    out["_pid"] = np.where(ok, wl["_pid"].to_numpy(np.int64), 0)
    out["_known_pid"] = wl["_pid"].to_numpy(np.int64)
    out["_name_typo"] = typo_n
    out["_id_typo"] = typo_i
    out["_gap_pm"] = ok & gap_pm
    out["_township_file"] = township.to_numpy(object)
    return out


def write_survey_returns(rows: pd.DataFrame, landing: Path, nxt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One xlsx per township; returns (truth records, truth errors) of the rows written."""
    contract = load_contract()["survey_returns"]
    folder = landing / "survey_returns" / nxt
    if folder.exists():
        shutil.rmtree(folder)
    recs, errs = [], []
    if len(rows) == 0:
        return pd.DataFrame(), pd.DataFrame()
    for tw, g in rows.groupby("_township_file", sort=True):
        g = g.sort_values(["调查表编号", "公民身份号码", "姓名"], kind="stable").reset_index(drop=True)
        fname = f"{tw or 'unknown'}.xlsx"
        data = g.drop(columns=[c for c in g.columns if c.startswith("_")])
        write_delivery(data, folder / fname, contract["file"], contract["columns"])
        rn = np.arange(1, len(g) + 1, dtype=np.int64)
        recs.append(pd.DataFrame({"source": "survey_returns", "period": nxt, "file": fname, "row_number": rn,
                                  "person_id": g["_known_pid"].to_numpy(np.int64)})[lambda d: d["person_id"] > 0])
        for flag, et, col in (("_name_typo", "name_homophone", "姓名"), ("_id_typo", "id_mistyped", "公民身份号码")):
            sel = g[flag].to_numpy(bool)
            if sel.any():
                errs.append(pd.DataFrame({"source": "survey_returns", "period": nxt, "file": fname,
                                          "row_number": rn[sel], "error_type": et, "column": col,
                                          "clean_value": "", "delivered_value": g.loc[sel, col].to_numpy(object),
                                          "person_id": g.loc[sel, "_known_pid"].to_numpy(np.int64)}))
    return (pd.concat(recs, ignore_index=True) if recs else pd.DataFrame(),
            pd.concat(errs, ignore_index=True) if errs else pd.DataFrame())


# --- 2. enrollment effect ---------------------------------------------------------------------------------------
def enroll(fw: FieldWorld, rows: pd.DataFrame, facts: TrueFacts, cfg: FieldConfig, seed: int,
           period: str) -> dict[str, int]:
    """Willing uninsured (pension/medical) enroll in 170/390 from the next month: a lapsed record of the
    scheme is re-activated, else a new one is opened in the person's current district/township."""
    n = month_index(period) + 1
    cand = rows[(rows["参保意愿"] == "是") & rows["_gap_pm"] & (rows["_pid"] > 0)].drop_duplicates("_pid")
    u = _u(seed, period, "enroll", cand["_pid"].to_numpy(np.int64).astype(np.uint64))
    cand = cand[u < cfg.enroll_rate]
    t = facts.table.reindex(cand["_pid"].to_numpy())
    w = fw.world
    stop = person_stop_month(w.persons)
    p = w.persons.set_index("person_id")
    new_rows, restarts = [], []
    next_id = int(w.records["record_id"].max()) + 1
    counts = {"enrolled_persons": 0, "new_records": 0, "reactivated_records": 0}
    for pid, row in zip(cand["_pid"].to_numpy(np.int64), t.itertuples(), strict=True):
        if row.employed_by_unit:
            continue  # employees' schemes are the employer's business (reason 单位未办理)
        wanted = []
        if (row.should_pension and not row.insured_pension and not row.emp110 and not row.receiving
                and row.role != "student"):
            wanted.append("170")
        if row.should_medical and not row.insured_medical and not row.emp310:
            wanted.append("390")
        if not wanted:
            continue
        counts["enrolled_persons"] += 1
        recs = w.records[(w.records["person_id"] == pid) & (w.records["kind"] == "resident")]
        for scheme in wanted:
            old = recs[recs["scheme"] == scheme]
            if len(old):
                rid = int(old["record_id"].max())
                restarts.append({"record_id": rid, "person_id": int(pid), "scheme": scheme, "restart_m": n,
                                 "restart_end_m": int(stop.get(pid, NEVER)), "field_period": period})
                counts["reactivated_records"] += 1
                continue
            assist = str(p.at[pid, "assistance"])
            uday = _u(seed, period, "start_day", np.asarray([pid * 8 + int(scheme == "390")], np.uint64))[0]
            new_rows.append({
                "record_id": next_id, "person_id": int(pid), "kind": "resident", "scheme": scheme,
                "employer_id": 0, "district": str(row.district), "start_m": n,
                "stop_m": int(stop.get(pid, NEVER)), "stop_status": 3, "township": str(row.township),
                "zzlb": "2" if assist == "特困供养" else ("1" if assist else "0"), "retiree": False,
                "leak": "", "id_use": "main",
                "start_date": pd.Timestamp(_day_in(n, np.asarray([uday]))[0]), "paid_lag": 0,
                "field_period": period})
            next_id += 1
            counts["new_records"] += 1
    if new_rows:
        add = pd.DataFrame(new_rows)
        base_cols = [c for c in w.records.columns]
        add_w = add[base_cols].astype(w.records.dtypes.to_dict())
        w.records = pd.concat([w.records, add_w], ignore_index=True)
        fw.field_records = pd.concat([fw.field_records, add.astype(fw.field_records.dtypes.to_dict())
                                      if len(fw.field_records) else add], ignore_index=True)
    if restarts:
        fw.restarts = pd.concat([fw.restarts, pd.DataFrame(restarts)], ignore_index=True) \
            if len(fw.restarts) else pd.DataFrame(restarts)
    return counts


# --- 3. audit verdicts -------------------------------------------------------------------------------------------
def audit_verdicts(pub: Published, who: pd.Series, status: pd.DataFrame, cfg: FieldConfig, seed: int,
                   period: str) -> pd.DataFrame:
    """One verdict per issued sample item: 一致 / 不一致 (不一致项 = the ledger fields that differ from the
    truth) / 查无此人 (the identifier maps to no person living in the city in the period)."""
    s = pub.samples.copy()
    cols = ["样本编号", "核查方式", "核查结果", "不一致项", "核查人", "核查日期"]
    if len(s) == 0:
        return pd.DataFrame(columns=cols)
    n = month_index(period) + 1
    st = status[status["period"] == period]
    truth = st.assign(
        t_status=np.select([~st["should"], st["insured"], st["lapsed"]], ["not_required", "insured", "lapsed"],
                           "never")).set_index(["person_id", "scheme_group"])
    pid = s["identifier"].map(who).fillna(0).astype(np.int64)
    idx = pd.MultiIndex.from_arrays([pid.to_numpy(), s["scheme_group"].to_numpy()])
    tr = truth.reindex(idx)
    found = tr["should"].notna().to_numpy()
    ledger = {"status": s.get("stratum", s.get("status")), "is_should_insure": s.get("is_should_insure"),
              "is_insured": s.get("is_insured"), "is_incomplete": s.get("is_incomplete"),
              "is_receiving_pension": s.get("is_receiving_pension"), "township_code": s.get("township_code")}
    true_vals = {"status": tr["t_status"], "is_should_insure": tr["should"], "is_insured": tr["insured"],
                 "is_incomplete": tr["incomplete"], "is_receiving_pension": tr["receiving_pension"],
                 "township_code": tr["home_township"]}
    wrong = []
    for fld in VERDICT_FIELDS:
        led = ledger[fld]
        if led is None:
            continue
        a = pd.Series(led.to_numpy(object)).map(_norm)
        b = pd.Series(true_vals[fld].to_numpy(object)).map(_norm)
        wrong.append(np.where(found & (a != b).to_numpy(), fld, ""))
    mism = [",".join(x for x in t if x) for t in zip(*wrong, strict=True)] if wrong else [""] * len(s)
    mism = np.asarray(mism, dtype=object)
    verdict = np.where(~found, "查无此人", np.where(mism != "", "不一致", "一致"))
    keys = _keys(s["sample_id"])
    method = _choice(_u(seed, period, "method", keys), [m for m, _ in cfg.methods], [w for _, w in cfg.methods])
    method = np.where(verdict == "查无此人", "入户", method)
    auditor = ("HC" + s["district_code"].astype(str) + pd.Series(
        (_u(seed, period, "auditor", _keys(s["district_code"])) * 5).astype(int) + 1).astype(str).str.zfill(2))
    return pd.DataFrame({"样本编号": s["sample_id"].to_numpy(object), "核查方式": method, "核查结果": verdict,
                         "不一致项": mism, "核查人": auditor.to_numpy(object),
                         "核查日期": _day_in(n, _u(seed, period, "audit_day", keys))})[cols]


def _norm(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    return str(x).strip().lower()


# --- the entry point ---------------------------------------------------------------------------------------------
def simulate_field(home: Path, truth: Path, landing: Path, period: str, seed: int = 7,
                   config: FieldConfig | None = None) -> dict:
    """Answer the worklists and audit samples the platform published for `period` with deliveries of the
    next period; enroll some surveyed people and re-render the later generated periods. Summary counts."""
    if not re.fullmatch(r"\d{4}-\d{2}", period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    cfg = config or FieldConfig()
    home, truth, landing = Path(home), Path(truth), Path(landing)
    m = month_index(period)
    nxt = period_of(m + 1)
    pub = read_published(home, period)
    fw = load_field_world(truth, before_period=period)
    records = pd.read_parquet(truth / "records.parquet")
    # forget this and later simulations' survey rows in the truth (a re-run replaces them)
    survey_mask = (records["source"] == "survey_returns") & (records["period"] > period)
    who = identifier_persons(pub.links, records[~survey_mask | (records["period"] <= period)])
    status = pd.read_parquet(truth / "status.parquet")
    facts = true_facts(fw, status, m)
    renderer = FieldRenderer(fw.world, fw.restarts)
    rows = survey_rows(pub, facts, who, cfg, seed, period, renderer)
    recs, errs = write_survey_returns(rows, landing, nxt)
    counts = enroll(fw, rows, facts, cfg, seed, period) if len(rows) else {
        "enrolled_persons": 0, "new_records": 0, "reactivated_records": 0}
    # a survey return saying 学生 exempts a student from pension from its delivery month on (synthetic.truth)
    stud = rows.loc[(rows["就业状态"] == "学生") & (rows["_pid"] > 0), "_pid"].drop_duplicates() if len(rows) else []
    if len(stud):
        add = pd.DataFrame({"person_id": np.asarray(stud, np.int64), "reported_m": m + 1, "field_period": period})
        fw.students = pd.concat([fw.students, add], ignore_index=True) if len(fw.students) else add
        fw.apply_students()
    save_field_changes(truth, fw)
    # truth: the survey rows of the next period (replacing those of an earlier run)
    records = records[~survey_mask]
    if len(recs):
        records = pd.concat([records, recs], ignore_index=True)
    records.to_parquet(truth / "records.parquet", index=False)
    errors = pd.read_parquet(truth / "errors.parquet")
    errors = errors[~((errors["source"] == "survey_returns") & (errors["period"] > period))]
    if len(errs):
        errors = pd.concat([errors, errs.astype({"clean_value": str, "delivered_value": str})], ignore_index=True)
    errors.to_parquet(truth / "errors.parquet", index=False)
    fw.config.setdefault("rows", {}).setdefault("survey_returns", {})[nxt] = int(len(rows))
    write_config(truth, fw.config)
    rerendered = rerender_periods(truth, landing, fw, m)
    verdicts = audit_verdicts(pub, who, status, cfg, seed, period)
    vdir = landing / "audit_verdicts" / nxt
    if vdir.exists():
        shutil.rmtree(vdir)
    vdir.mkdir(parents=True)
    verdicts.to_csv(vdir / "verdicts.csv", index=False, encoding="utf-8", lineterminator="\n")
    fw.config.setdefault("rows", {}).setdefault("audit_verdicts", {})[nxt] = int(len(verdicts))
    write_config(truth, fw.config)
    vc = verdicts["核查结果"].value_counts()
    return {
        "period": period, "delivery_period": nxt,
        "worklist_items": int(pub.worklist["worklist_item_id"].nunique()),
        "items_visited": int(rows["调查表编号"].nunique()) if len(rows) else 0,
        "survey_rows": int(len(rows)), "survey_files": int(rows["_township_file"].nunique()) if len(rows) else 0,
        "persons_not_found": int((rows["备注"] != "").sum()) if len(rows) else 0,
        "willing": int((rows["参保意愿"] == "是").sum()) if len(rows) else 0,
        **counts, "rerendered_periods": rerendered,
        "audit_samples": int(len(pub.samples)), "verdicts": int(len(verdicts)),
        "verdict_consistent": int(vc.get("一致", 0)), "verdict_inconsistent": int(vc.get("不一致", 0)),
        "verdict_not_found": int(vc.get("查无此人", 0)),
    }
