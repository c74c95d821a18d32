"""Render the clean delivery of every source for one period from the world state.

Each frame has the contract's columns (native names, in order, all text) plus `_pid` (the true person of a
person-bearing row, 0 otherwise) and `_key` (a stable record key: the noise model draws per key, so a
registry row keeps its errors from one snapshot to the next). Snapshot sources list the registry as of the
period's last day; event sources only that month's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from synthetic.codes import salt_of, stable_uniform
from synthetic.config import month_end
from synthetic.world import NEVER, World, month_of

ETHNIC_CODES = {"汉族": "01", "回族": "03", "苗族": "06", "彝族": "07", "土家族": "15"}
SOURCE_ORDER = ["ca_divisions", "ic_enterprise", "ps_hukou", "ps_residence", "si_employee", "si_resident",
                "si_benefit", "hfp_vital", "ca_death", "ca_assistance", "tax_withholding"]
EMPLOYEE_SOURCES_KEYS = 10**9  # key offsets keep the sources' record keys apart


@dataclass
class PeriodView:
    """Person attributes as they stand at the end of month m."""

    m: int
    end: date
    year: int
    district: np.ndarray
    township: np.ndarray
    address: np.ndarray
    household_no: np.ndarray
    relation: np.ndarray


def _fmt_dates(d: np.ndarray | pd.Series, fmt: str = "%Y-%m-%d") -> np.ndarray:
    s = pd.to_datetime(pd.Series(np.asarray(d, dtype="datetime64[D]")))
    return s.dt.strftime(fmt).fillna("").to_numpy(object)


def _yyyymm(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.int64)
    return pd.Series(m // 12 * 100 + m % 12 + 1).astype(str).to_numpy(object)


class Renderer:
    def __init__(self, world: World) -> None:
        self.w = world
        p = world.persons
        self.p = p
        self.pid = p["person_id"].to_numpy()
        self.idx = pd.Series(np.arange(len(p)), index=self.pid)
        self.gender_cn = np.where(p["male"].to_numpy(), "男", "女").astype(object)
        self.gender_code = np.where(p["male"].to_numpy(), "1", "2").astype(object)
        self.birth = p["birth_date"].to_numpy("datetime64[D]")
        self.birth_iso = _fmt_dates(self.birth)
        self.birth_ymd = _fmt_dates(self.birth, "%Y%m%d")
        d = world.geo.districts
        self.d14 = dict(zip(d["code_2016"], d["code_2014"], strict=True))
        self.d15 = dict(zip(d["code_2016"], d["code_2015"], strict=True))
        self.dname16 = dict(zip(d["code_2016"], d["name"], strict=True))
        self.dname14 = dict(zip(d["code_2016"], d["name_2014"], strict=True))
        tw = world.geo.townships
        self.tw_name = dict(zip(tw["township_code"], tw["name"], strict=True))
        self.death_m = month_of(p["death_date"].to_numpy("datetime64[D]"))
        self.stop_m = np.minimum(self.death_m, month_of(p["out_date"].to_numpy("datetime64[D]")))
        e = world.employers.set_index("employer_id")
        self.emp = e

    # --- helpers -----------------------------------------------------------------------------------------
    def view(self, m: int) -> PeriodView:
        p = self.p
        moved = p["move_m"].to_numpy() <= m
        return PeriodView(
            m=m, end=month_end(m), year=m // 12,
            district=np.where(moved, p["new_district"], p["district"]).astype(object),
            township=np.where(moved, p["new_township"], p["township"]).astype(object),
            address=np.where(moved, p["new_address"], p["address"]).astype(object),
            household_no=np.where(moved, p["new_household_no"], p["household_no"]).astype(object),
            relation=np.where(moved, "户主", p["relation"]).astype(object),
        )

    def code(self, code_2016: np.ndarray, year: int) -> np.ndarray:
        """District codes as in force at the end of `year`."""
        s = pd.Series(np.asarray(code_2016, dtype=object))
        if year >= 2016:
            return s.to_numpy(object)
        return s.map(self.d15 if year == 2015 else self.d14).fillna(s).to_numpy(object)

    def town_code(self, code9: np.ndarray, year: int) -> np.ndarray:
        s = pd.Series(np.asarray(code9, dtype=object)).astype(str)
        return (pd.Series(self.code(s.str[:6].to_numpy(object), year)) + s.str[6:]).to_numpy(object)

    def rows(self, pids: np.ndarray) -> np.ndarray:
        return self.idx.loc[pids].to_numpy()

    def local_no(self, pids: np.ndarray, districts: np.ndarray, system: str) -> np.ndarray:
        """个人编号 local to a district agency: district digits + 8 digits derived from person and district."""
        dist = pd.Series(np.asarray(districts, dtype=object)).astype(str)
        salt = dist.map(lambda x: salt_of(system, x)).to_numpy(np.uint64)
        with np.errstate(over="ignore"):
            k = pids.astype(np.uint64) * np.uint64(1000003) ^ salt
        u = stable_uniform(k, 7)
        return (dist.str[2:] + pd.Series((u * 10**8).astype(np.int64)).astype(str).str.zfill(8)).to_numpy(object)

    # --- sources -----------------------------------------------------------------------------------------
    def render(self, source: str, m: int) -> pd.DataFrame:
        return getattr(self, source)(self.view(m))

    def ca_divisions(self, v: PeriodView) -> pd.DataFrame:
        tw = self.w.geo.townships
        cur = self.code(tw["district_code"].to_numpy(object), v.year)
        changed = cur != tw["district_code"].to_numpy(object)
        dname = np.where(changed, tw["district_code"].map(self.dname14), tw["district_code"].map(self.dname16))
        succ = tw["successor"].astype(str)
        df = pd.DataFrame({
            "区县代码": cur, "区县名称": dname, "乡镇街道代码": self.town_code(tw["township_code"], v.year),
            "乡镇街道名称": tw["name"].to_numpy(object), "类型": tw["type"].to_numpy(object),
            "状态": tw["status"].to_numpy(object),
            "变更后代码": np.where(succ != "", self.town_code(succ.to_numpy(object), v.year), ""),
        })
        # after a district code change, the old township codes are listed as abolished into the new ones
        old_rows = []
        for y_old in range(2014, v.year):
            old = self.code(tw["district_code"].to_numpy(object), y_old)
            sel = (old != cur) & (tw["status"] == "有效").to_numpy()
            if sel.any():
                t = tw[sel]
                old_rows.append(pd.DataFrame({
                    "区县代码": cur[sel], "区县名称": t["district_code"].map(self.dname16).to_numpy(object),
                    "乡镇街道代码": self.town_code(t["township_code"], y_old),
                    "乡镇街道名称": t["name"].to_numpy(object), "类型": t["type"].to_numpy(object), "状态": "撤销",
                    "变更后代码": self.town_code(t["township_code"], v.year)}))
        df = pd.concat([df, *old_rows], ignore_index=True).drop_duplicates("乡镇街道代码")
        df = df.sort_values("乡镇街道代码", ignore_index=True)
        df["_pid"] = 0
        df["_key"] = df["乡镇街道代码"].astype(np.int64).to_numpy(np.uint64)
        return df

    def ic_enterprise(self, v: PeriodView) -> pd.DataFrame:
        e = self.w.employers
        conv = e["conv_m"].to_numpy() <= v.m
        keys = e["employer_id"].to_numpy().astype(np.uint64)
        state = np.where(stable_uniform(keys, 11) < 0.8, "存续", "在业")
        df = pd.DataFrame({
            "统一社会信用代码": np.where(conv, e["uscc"], ""), "注册号": e["registration_no"].to_numpy(object),
            "企业名称": e["name"].to_numpy(object), "企业类型": e["type"].to_numpy(object), "登记状态": state,
            "成立日期": _fmt_dates(e["founded"]), "注销吊销日期": "",
            "住所": (e["district"].map(self.dname16) + e["name"].str[2:4] + "路"
                   + (e["employer_id"] % 300 + 1).astype(str) + "号").to_numpy(object),
            "区县代码": self.code(e["district"].to_numpy(object), v.year),
            "行业门类": e["industry"].to_numpy(object),
        })
        df["_pid"] = 0
        df["_key"] = keys + np.uint64(9 * EMPLOYEE_SOURCES_KEYS)
        return df

    def ps_hukou(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        reg = p["hukou_reg_date"].to_numpy("datetime64[D]") <= np.datetime64(v.end)
        cancel_m = month_of(p["hukou_cancel_date"].to_numpy("datetime64[D]"))
        sel = p["local"].to_numpy() & reg & (cancel_m >= v.m)
        r = np.flatnonzero(sel)
        cancelled = cancel_m[r] == v.m
        df = pd.DataFrame({
            "公民身份号码": p["id_number"].to_numpy(object)[r], "姓名": p["name"].to_numpy(object)[r],
            "性别": self.gender_cn[r], "民族": p["ethnicity"].to_numpy(object)[r], "出生日期": self.birth_iso[r],
            "户号": v.household_no[r], "与户主关系": v.relation[r], "住址": v.address[r],
            "区县代码": self.code(v.district[r], v.year),
            "乡镇街道": pd.Series(v.township[r]).map(self.tw_name).to_numpy(object),
            "户口状态": np.where(cancelled, p["hukou_cancel_reason"].to_numpy(object)[r], "正常"),
            "变动日期": np.where(cancelled, _fmt_dates(p["hukou_cancel_date"].to_numpy("datetime64[D]")[r]), ""),
        })
        df["_pid"] = self.pid[r]
        df["_key"] = self.pid[r].astype(np.uint64)
        return df.sort_values(["区县代码", "户号"], kind="stable", ignore_index=True)

    def ps_residence(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        sel = (~p["local"].to_numpy() & (p["permit_date"].to_numpy("datetime64[D]") <= np.datetime64(v.end))
               & (self.death_m >= v.m))
        r = np.flatnonzero(sel)
        sp = self.w.spells
        act = sp[(sp["start_m"] <= v.m) & (sp["end_m"] > v.m)].drop_duplicates("person_id", keep="last")
        work = pd.Series(act["employer_id"].map(self.emp["name"]).to_numpy(), index=act["person_id"].to_numpy())
        df = pd.DataFrame({
            "公民身份号码": p["id_number"].to_numpy(object)[r], "姓名": p["name"].to_numpy(object)[r],
            "性别": self.gender_cn[r], "出生日期": self.birth_iso[r],
            "户籍地区划": p["hukou_place"].to_numpy(object)[r], "居住地区县代码": self.code(v.district[r], v.year),
            "居住地乡镇街道": pd.Series(v.township[r]).map(self.tw_name).to_numpy(object),
            "居住地址": v.address[r], "服务处所": pd.Series(self.pid[r]).map(work).fillna("").to_numpy(object),
            "联系电话": p["phone"].to_numpy(object)[r],
            "登记日期": _fmt_dates(p["permit_date"].to_numpy("datetime64[D]")[r]),
        })
        df["_pid"] = self.pid[r]
        df["_key"] = self.pid[r].astype(np.uint64) + np.uint64(EMPLOYEE_SOURCES_KEYS)
        return df.sort_values(["居住地区县代码", "登记日期"], kind="stable", ignore_index=True)

    def _records(self, v: PeriodView, kind: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        rec = self.w.records
        rec = rec[(rec["kind"] == kind) & (rec["start_m"] <= v.m)]
        r = self.rows(rec["person_id"].to_numpy())
        gone = self.stop_m[r] <= v.m
        stopped = rec["stop_m"].to_numpy() <= v.m
        status = np.where(stopped, rec["stop_status"].astype(str), "1")
        retiree = rec["retiree"].to_numpy()
        status = np.where(retiree, np.where(gone, "3", "1"), status)
        return rec, r, status

    def si_employee(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        rec, r, status = self._records(v, "employee")
        stop_m = rec["stop_m"].to_numpy()
        last = np.where(stop_m <= v.m, stop_m - 1, v.m - rec["paid_lag"].to_numpy())
        last = np.where(rec["retiree"].to_numpy(), stop_m - 1, last)
        eid = rec["employer_id"].to_numpy()
        known = eid > 0
        emp = self.emp.reindex(np.where(known, eid, self.emp.index[0]))
        dist = rec["district"].to_numpy(object)
        flex_name = pd.Series(dist).map(self.dname16).to_numpy(object) + "灵活就业人员"
        df = pd.DataFrame({
            "AAC001": self.local_no(self.pid[r], dist, "employee"), "AAC002": p["id_number"].to_numpy(object)[r],
            "AAC003": p["name"].to_numpy(object)[r], "AAC004": self.gender_code[r],
            "AAC005": p["ethnicity"].map(ETHNIC_CODES).fillna("99").to_numpy(object)[r],
            "AAC006": self.birth_ymd[r],
            "AAB001": np.where(known, emp["si_no"].to_numpy(object), pd.Series(dist).str[2:] + "F00001"),
            "AAB004": np.where(known, emp["name"].to_numpy(object), flex_name),
            "TYSHXYDM": np.where(known & (emp["conv_m"].to_numpy() <= v.m), emp["uscc"].to_numpy(object), ""),
            "AAE140": rec["scheme"].to_numpy(object), "AAC031": status,
            "AAC030": _fmt_dates(rec["start_date"], "%Y%m%d"), "ZHJFNY": _yyyymm(last),
            "AAB301": self.code(dist, v.year), "AAE005": p["phone"].to_numpy(object)[r],
            "AAE006": v.address[r],
        })
        df["_pid"] = self.pid[r]
        df["_key"] = rec["record_id"].to_numpy().astype(np.uint64) + np.uint64(2 * EMPLOYEE_SOURCES_KEYS)
        df["_id_use"] = rec["id_use"].to_numpy(object)
        df["_employer_id"] = eid
        return df.sort_values(["AAB301", "AAB001", "AAC001"], kind="stable", ignore_index=True)

    def si_resident(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        rec, r, status = self._records(v, "resident")
        stop_m = rec["stop_m"].to_numpy()
        last = np.where(stop_m <= v.m, stop_m // 12 - 1, v.year - rec["paid_lag"].to_numpy())
        dist = rec["district"].to_numpy(object)
        df = pd.DataFrame({
            "AAC001": self.local_no(self.pid[r], dist, "resident"), "AAC002": p["id_number"].to_numpy(object)[r],
            "AAC003": p["name"].to_numpy(object)[r], "AAC004": self.gender_code[r], "AAC006": self.birth_ymd[r],
            "AAE140": rec["scheme"].to_numpy(object), "AAC031": status,
            "AAC030": _fmt_dates(rec["start_date"], "%Y%m%d"), "ZHJFND": last.astype(str).astype(object),
            "ZZLB": rec["zzlb"].to_numpy(object), "AAB301": self.code(dist, v.year),
            "XZJDDM": self.town_code(rec["township"].to_numpy(object), v.year),
            "AAE005": p["phone"].to_numpy(object)[r], "AAE006": v.address[r],
        })
        df["_pid"] = self.pid[r]
        df["_key"] = rec["record_id"].to_numpy().astype(np.uint64) + np.uint64(2 * EMPLOYEE_SOURCES_KEYS)
        df["_id_use"] = rec["id_use"].to_numpy(object)
        return df.sort_values(["AAB301", "AAC001", "AAE140"], kind="stable", ignore_index=True)

    def si_benefit(self, v: PeriodView) -> pd.DataFrame:
        pens = self.w.pensions
        pens = pens[(pens["start_m"] <= v.m) & (pens["end_m"] > v.m)]
        r = self.rows(pens["person_id"].to_numpy())
        df = pd.DataFrame({
            "AAC002": self.p["id_number"].to_numpy(object)[r], "AAC003": self.p["name"].to_numpy(object)[r],
            "AAE140": pens["scheme"].to_numpy(object), "AAE003": _yyyymm(np.full(len(pens), v.m)),
            "AAE019": pens["amount"].map("{:.2f}".format).to_numpy(object),
            "AAB301": self.code(pens["district"].to_numpy(object), v.year),
        })
        df["_pid"] = self.pid[r]
        df["_key"] = pens["pension_id"].to_numpy().astype(np.uint64) + np.uint64(3 * EMPLOYEE_SOURCES_KEYS)
        return df.sort_values(["AAB301", "AAE140"], kind="stable", ignore_index=True)

    def hfp_vital(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        born = np.flatnonzero((month_of(self.birth) == v.m) & (p["mother_row"].to_numpy() >= 0))
        died = np.flatnonzero(p["death_hfp"].to_numpy() & (self.death_m + p["death_hfp_delay"].to_numpy() == v.m))
        keys_b = self.pid[born].astype(np.uint64)
        unnamed = stable_uniform(keys_b, 21) < 0.3
        mom = p["mother_row"].to_numpy()[born]
        b = pd.DataFrame({
            "事件类型": "出生", "证明编号": pd.Series(self.pid[born]).map(lambda x: f"O50{x:09d}").to_numpy(object),
            "公民身份号码": "", "姓名": np.where(unnamed, "", p["name"].to_numpy(object)[born]),
            "性别": self.gender_cn[born], "出生日期": self.birth_iso[born], "事件日期": self.birth_iso[born],
            "母亲身份证号": p["id_number"].to_numpy(object)[mom],
            "区县代码": self.code(v.district[born], v.year), "_pid": self.pid[born],
            "_key": keys_b + np.uint64(4 * EMPLOYEE_SOURCES_KEYS)})
        dd = p["death_date"].to_numpy("datetime64[D]")[died]
        d = pd.DataFrame({
            "事件类型": "死亡", "证明编号": pd.Series(self.pid[died]).map(lambda x: f"D50{x:09d}").to_numpy(object),
            "公民身份号码": p["id_number"].to_numpy(object)[died], "姓名": p["name"].to_numpy(object)[died],
            "性别": self.gender_cn[died], "出生日期": self.birth_iso[died], "事件日期": _fmt_dates(dd),
            "母亲身份证号": "", "区县代码": self.code(v.district[died], v.year), "_pid": self.pid[died],
            "_key": self.pid[died].astype(np.uint64) + np.uint64(5 * EMPLOYEE_SOURCES_KEYS)})
        return pd.concat([b, d], ignore_index=True).sort_values("事件日期", kind="stable", ignore_index=True)

    def ca_death(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        crem = p["cremation_date"].to_numpy("datetime64[D]")
        r = np.flatnonzero(p["death_ca"].to_numpy() & (month_of(crem) == v.m))
        df = pd.DataFrame({
            "身份证号": p["id_number"].to_numpy(object)[r], "姓名": p["name"].to_numpy(object)[r],
            "性别": self.gender_cn[r], "死亡日期": _fmt_dates(p["death_date_ca"].to_numpy("datetime64[D]")[r]),
            "火化日期": _fmt_dates(crem[r]), "区县代码": self.code(v.district[r], v.year),
        })
        df["_pid"] = self.pid[r]
        df["_key"] = self.pid[r].astype(np.uint64) + np.uint64(6 * EMPLOYEE_SOURCES_KEYS)
        return df.sort_values("火化日期", kind="stable", ignore_index=True)

    def ca_assistance(self, v: PeriodView) -> pd.DataFrame:
        p = self.p
        r = np.flatnonzero((p["assistance"].to_numpy() != "") & (p["assistance_start_m"].to_numpy() <= v.m)
                           & (self.death_m >= v.m))
        df = pd.DataFrame({
            "身份证号": p["id_number"].to_numpy(object)[r], "姓名": p["name"].to_numpy(object)[r],
            "救助类别": p["assistance"].to_numpy(object)[r],
            "户主身份证号": p["assistance_head_id"].to_numpy(object)[r],
            "区县代码": self.code(v.district[r], v.year), "乡镇街道代码": self.town_code(v.township[r], v.year),
            "起始年月": _yyyymm(p["assistance_start_m"].to_numpy()[r]),
        })
        df["_pid"] = self.pid[r]
        df["_key"] = self.pid[r].astype(np.uint64) + np.uint64(7 * EMPLOYEE_SOURCES_KEYS)
        return df.sort_values(["区县代码", "户主身份证号"], kind="stable", ignore_index=True)

    def tax_withholding(self, v: PeriodView) -> pd.DataFrame:
        sp = self.w.spells
        sp = sp[(sp["start_m"] <= v.m) & (sp["end_m"] > v.m)]
        r = self.rows(sp["person_id"].to_numpy())
        emp = self.emp.loc[sp["employer_id"].to_numpy()]
        keys = sp["spell_id"].to_numpy().astype(np.uint64) * np.uint64(4096) + np.uint64(v.m % 4096)
        income = sp["income"].to_numpy() * (0.9 + 0.2 * stable_uniform(keys, 31))
        df = pd.DataFrame({
            "扣缴义务人识别号": np.where(emp["conv_m"].to_numpy() <= v.m, emp["uscc"].to_numpy(object),
                                 emp["legacy_tax_id"].to_numpy(object)),
            "扣缴义务人名称": emp["name"].to_numpy(object), "所属期": _yyyymm(np.full(len(sp), v.m)),
            "证件类型": "居民身份证", "证件号码": self.p["id_number"].to_numpy(object)[r],
            "姓名": self.p["name"].to_numpy(object)[r],
            "收入额": pd.Series(income).map("{:.2f}".format).to_numpy(object),
        })
        df["_pid"] = self.pid[r]
        df["_key"] = sp["spell_id"].to_numpy().astype(np.uint64) + np.uint64(8 * EMPLOYEE_SOURCES_KEYS)
        df["_employer_id"] = sp["employer_id"].to_numpy()
        return df.sort_values(["扣缴义务人识别号"], kind="stable", ignore_index=True)


def never_month() -> int:
    return NEVER
