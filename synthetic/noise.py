"""Realistic delivery errors, each at a configurable rate (NoiseConfig), each logged for truth/errors.parquet.

Draws are keyed on (seed, source, error, column, record key): a registry row keeps its typo in every snapshot,
as a real database row would; event rows get fresh draws. The logged `row_index` is the 0-based position in
the delivered frame (duplicates already inserted); the writer turns it into the 1-based row_number."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from synthetic import names as nm
from synthetic.codes import id_check_char, salt_of, stable_uniform
from synthetic.config import NoiseConfig
from synthetic.world import World

ID_COLS = {
    "si_employee": ["AAC002"], "si_resident": ["AAC002"], "si_benefit": ["AAC002"],
    "ps_hukou": ["公民身份号码"], "ps_residence": ["公民身份号码"], "hfp_vital": ["公民身份号码", "母亲身份证号"],
    "ca_death": ["身份证号"], "ca_assistance": ["身份证号", "户主身份证号"], "tax_withholding": ["证件号码"],
}
MAIN_ID = {s: c[0] for s, c in ID_COLS.items()}
NAME_COLS = {"si_employee": "AAC003", "si_resident": "AAC003", "si_benefit": "AAC003", "ps_hukou": "姓名",
             "ps_residence": "姓名", "hfp_vital": "姓名", "ca_death": "姓名", "ca_assistance": "姓名",
             "tax_withholding": "姓名"}
BIRTH_COLS = {"si_employee": "AAC006", "si_resident": "AAC006", "ps_hukou": "出生日期", "ps_residence": "出生日期",
              "hfp_vital": "出生日期"}
DATE_COLS = {"si_employee": ["AAC006", "AAC030"], "si_resident": ["AAC006", "AAC030"],
             "ps_hukou": ["出生日期", "变动日期"], "ps_residence": ["出生日期", "登记日期"],
             "hfp_vital": ["出生日期", "事件日期"], "ca_death": ["死亡日期", "火化日期"]}
PHONE_COLS = {"si_employee": "AAE005", "si_resident": "AAE005", "ps_residence": "联系电话"}
DISTRICT_COLS = {"si_employee": "AAB301", "si_resident": "AAB301", "si_benefit": "AAB301", "ps_hukou": "区县代码",
                 "ps_residence": "居住地区县代码", "hfp_vital": "区县代码", "ca_death": "区县代码",
                 "ca_assistance": "区县代码"}
TOWNSHIP_NAME_COLS = {"ps_hukou": "乡镇街道", "ps_residence": "居住地乡镇街道"}
GBK_SOURCES = {"ps_hukou", "ps_residence", "tax_withholding"}
# new code → the code it replaced (deliveries after a change sometimes still carry the old one)
OLD_CODES = {"500152": "500223", "500153": "500226", "500155": "500228", "500156": "500232", "500154": "500234",
             "500120": "500227", "500151": "500224"}
CHILD_RELATIONS = {"子", "女", "孙子", "孙女", "外孙子", "外孙女"}
FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789Xx-"})
ERROR_COLUMNS = ["row_index", "error_type", "column", "clean_value", "delivered_value"]
_NON_GBK = re.compile("[" + nm.RARE_CHARS + "]")


class Noise:
    def __init__(self, world: World, cfg: NoiseConfig, seed: int) -> None:
        self.cfg = cfg
        self.seed = seed
        p = world.persons
        self.alt = pd.Series(p["id_alt"].to_numpy(), index=p["person_id"].to_numpy())
        heads = p[p["relation"] == "户主"].drop_duplicates("household_no").set_index("household_no")["id_number"]
        child = p["relation"].isin(CHILD_RELATIONS) & (p["age_at_start"] < 16)
        parent = p.loc[child, "household_no"].map(heads)
        self.parent_id = pd.Series(parent.to_numpy(), index=p.loc[child, "person_id"].to_numpy()).dropna()
        tw = world.geo.townships
        ab = tw[tw["status"] == "撤销"]
        succ_name = ab["successor"].map(dict(zip(tw["township_code"], tw["name"], strict=True)))
        self.abolished = dict(zip(zip(ab["district_code"], succ_name, strict=True), ab["name"], strict=True))
        d = world.geo.districts
        self.to_2016 = {**dict(zip(d["code_2014"], d["code_2016"], strict=True)),
                        **dict(zip(d["code_2015"], d["code_2016"], strict=True)),
                        **{c: c for c in d["code_2016"]}}

    def _pick(self, df: pd.DataFrame, source: str, error: str, column: str, rate: float,
              eligible: np.ndarray | None = None) -> np.ndarray:
        if rate <= 0 or len(df) == 0:
            return np.zeros(len(df), dtype=bool)
        u = stable_uniform(df["_key"].to_numpy(np.uint64), salt_of(self.seed, source, error, column))
        sel = u < rate
        return sel if eligible is None else sel & eligible

    def _apply(self, df: pd.DataFrame, log: list[pd.DataFrame], source: str, error: str, column: str,
               rate: float, fn: Callable[[str, random.Random], str], eligible: np.ndarray | None = None) -> None:
        sel = np.flatnonzero(self._pick(df, source, error, column, rate, eligible))
        if not len(sel):
            return
        keys = df["_key"].to_numpy(np.uint64)[sel]
        clean = df[column].to_numpy(object)[sel]
        out = [fn(v, random.Random(int(k) ^ salt_of(self.seed, error))) for v, k in zip(clean, keys, strict=True)]
        changed = np.array([a != b for a, b in zip(clean, out, strict=True)], dtype=bool)
        if not changed.any():
            return
        col = df.columns.get_loc(column)
        df.iloc[sel[changed], col] = np.asarray(out, dtype=object)[changed]
        log.append(pd.DataFrame({"row_index": sel[changed], "error_type": error, "column": column,
                                 "clean_value": clean[changed], "delivered_value": np.asarray(out, object)[changed]}))

    def apply(self, source: str, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Delivered frame (contract columns + _pid + _key) and its error log."""
        c = self.cfg
        log: list[pd.DataFrame] = []
        df = df.reset_index(drop=True)
        idc = MAIN_ID.get(source)
        pid = df["_pid"].to_numpy()
        # whole-row identity errors first: re-issued numbers, a parent's number on a child's row
        if idc:
            alt = pd.Series(pid).map(self.alt).fillna("").to_numpy(object)
            forced = (df["_id_use"].to_numpy(object) == "alt") if "_id_use" in df else np.zeros(len(df), bool)
            uses = (alt != "") & (forced | (source == "ps_hukou") | self._pick(
                df.assign(_key=pid.astype(np.uint64)), source, "reissued_id", idc, c.reissued_id_use))
            uses &= df[idc].to_numpy(object) != ""
            if c.reissued_id_persons > 0 and uses.any():
                self._replace(df, log, uses, idc, alt, "reissued_id")
            if source == "si_resident":
                par = pd.Series(pid).map(self.parent_id).fillna("").to_numpy(object)
                sel = self._pick(df, source, "shared_id", idc, c.shared_id, par != "")
                self._replace(df, log, sel, idc, par, "shared_id")
        # duplicated rows: an exact copy right after the original
        dup = self._pick(df, source, "duplicated_row", "", c.duplicated_row)
        if dup.any():
            df, log = self._duplicate(df, log, dup)
        name = NAME_COLS.get(source)
        if name:
            nonblank = df[name].to_numpy(object) != ""
            self._apply(df, log, source, "name_homophone", name, c.name_homophone, _homophone, nonblank)
            self._apply(df, log, source, "name_similar_shape", name, c.name_similar_shape, _similar, nonblank)
            self._apply(df, log, source, "stray_space", name, c.stray_space, _space_name, nonblank)
        for col in ID_COLS.get(source, []):
            v = df[col].to_numpy(object).astype(str)
            is18 = (pd.Series(v).str.len() == 18).to_numpy()
            is19 = is18 & (pd.Series(v).str[6:8] == "19").to_numpy()
            self._apply(df, log, source, "id_legacy_15", col, c.id_legacy_15, lambda s, r: s[:6] + s[8:17], is19)
            self._apply(df, log, source, "id_transposed", col, c.id_transposed, _transpose, is18)
            self._apply(df, log, source, "id_mistyped", col, c.id_mistyped, _mistype, is18)
            self._apply(df, log, source, "id_wrong_check", col, c.id_wrong_check, _wrong_check, is18)
            ends_x = (pd.Series(df[col].to_numpy(object)).astype(str).str.endswith("X")).to_numpy()
            self._apply(df, log, source, "id_lowercase_x", col, c.id_lowercase_x, lambda s, r: s[:-1] + "x",
                        ends_x)
            nonblank = df[col].to_numpy(object) != ""
            self._apply(df, log, source, "fullwidth", col, c.fullwidth, lambda s, r: s.translate(FULLWIDTH),
                        nonblank)
            self._apply(df, log, source, "stray_space", col, c.stray_space, _space_id, nonblank)
        bcol = BIRTH_COLS.get(source)
        if bcol:
            has_id = df[MAIN_ID[source]].to_numpy(object) != ""
            self._apply(df, log, source, "birth_date_conflict", bcol, c.birth_date_conflict, _shift_date, has_id)
        for col in DATE_COLS.get(source, []):
            nonblank = df[col].to_numpy(object) != ""
            self._apply(df, log, source, "malformed_date", col, c.malformed_date, _malformed, nonblank)
        pcol = PHONE_COLS.get(source)
        if pcol:
            nonblank = df[pcol].to_numpy(object) != ""
            self._apply(df, log, source, "missing_phone", pcol, c.missing_phone, lambda s, r: "", nonblank)
            self._apply(df, log, source, "fullwidth", pcol, c.fullwidth, lambda s, r: s.translate(FULLWIDTH),
                        nonblank & (df[pcol].to_numpy(object) != ""))
        dcol = DISTRICT_COLS.get(source)
        if dcol:
            elig = df[dcol].isin(list(OLD_CODES)).to_numpy()
            sel = self._pick(df, source, "old_district_code", dcol, c.old_district_code, elig)
            self._apply(df, log, source, "old_district_code", dcol, c.old_district_code,
                        lambda s, r: OLD_CODES[s], sel)
            if source == "si_resident":  # the township code carries the same old prefix
                self._apply(df, log, source, "old_district_code", "XZJDDM", c.old_district_code,
                            lambda s, r: OLD_CODES.get(s[:6], s[:6]) + s[6:],
                            sel & df["XZJDDM"].str[:6].isin(list(OLD_CODES)).to_numpy())
        tcol = TOWNSHIP_NAME_COLS.get(source)
        if tcol:
            d16 = df[dcol].map(lambda x: self.to_2016.get(x, x)).to_numpy(object)
            keys = list(zip(d16, df[tcol].to_numpy(object), strict=True))
            old = np.asarray([self.abolished.get(k, "") for k in keys], dtype=object)
            self._replace(df, log, self._pick(df, source, "township_abolished", tcol, c.township_abolished,
                                              old != ""), tcol, old, "township_abolished")
            self._apply(df, log, source, "township_no_suffix", tcol, c.township_no_suffix, _strip_suffix)
            self._apply(df, log, source, "township_variant", tcol, c.township_variant, _variant)
        if source in GBK_SOURCES:  # characters GBK cannot encode arrive as '?'
            for col in [name] if name else []:  # only names carry the rare characters
                bad = df[col].astype(str).str.contains(_NON_GBK.pattern, regex=True).to_numpy(bool)
                if bad.any():
                    self._apply(df, log, source, "gbk_unencodable", col, 1.0,
                                lambda s, r: _NON_GBK.sub("?", s), bad)
        errors = pd.concat(log, ignore_index=True) if log else pd.DataFrame(columns=ERROR_COLUMNS)
        return df, errors

    def _replace(self, df: pd.DataFrame, log: list[pd.DataFrame], sel: np.ndarray, column: str,
                 values: np.ndarray, error: str) -> None:
        idx = np.flatnonzero(sel)
        if not len(idx):
            return
        clean = df[column].to_numpy(object)[idx]
        new = np.asarray(values, dtype=object)[idx]
        df.iloc[idx, df.columns.get_loc(column)] = new
        log.append(pd.DataFrame({"row_index": idx, "error_type": error, "column": column, "clean_value": clean,
                                 "delivered_value": new}))

    @staticmethod
    def _duplicate(df: pd.DataFrame, log: list[pd.DataFrame], dup: np.ndarray
                   ) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
        n = len(df)
        order = np.repeat(np.arange(n), 1 + dup.astype(np.int64))
        new_pos = np.arange(n) + np.concatenate([[0], np.cumsum(dup)[:-1]]).astype(np.int64)
        out = df.iloc[order].reset_index(drop=True)
        remapped = []
        for e in log:
            old = e["row_index"].to_numpy()
            e = e.assign(row_index=new_pos[old])
            remapped.append(e)
            if dup[old].any():  # errors already on an original also sit on its copy
                remapped.append(e[dup[old]].assign(row_index=lambda x: x["row_index"] + 1))
        copies = new_pos[dup] + 1
        remapped.append(pd.DataFrame({"row_index": copies, "error_type": "duplicated_row", "column": "",
                                      "clean_value": "", "delivered_value": ""}))
        return out, remapped


def _homophone(s: str, r: random.Random) -> str:
    pos = [i for i, ch in enumerate(s) if ch in nm.HOMOPHONES]
    if not pos:
        return s
    i = r.choice(pos)
    return s[:i] + nm.HOMOPHONES[s[i]] + s[i + 1:]


def _similar(s: str, r: random.Random) -> str:
    pos = [i for i, ch in enumerate(s) if ch in nm.SIMILAR_SHAPES]
    if not pos:
        return s
    i = r.choice(pos)
    return s[:i] + nm.SIMILAR_SHAPES[s[i]] + s[i + 1:]


def _space_name(s: str, r: random.Random) -> str:
    k = r.random()
    if k < 0.4 and len(s) >= 2:
        return s[0] + " " + s[1:]
    return s + " " if k < 0.7 else " " + s


def _space_id(s: str, r: random.Random) -> str:
    return s + " " if r.random() < 0.6 else " " + s


def _transpose(s: str, r: random.Random) -> str:
    if len(s) != 18 or not s[:17].isdigit():  # an earlier error already changed it
        return s
    cand = [i for i in range(16) if s[i] != s[i + 1]]
    if not cand:
        return s
    i = r.choice(cand)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def _mistype(s: str, r: random.Random) -> str:
    if len(s) != 18 or not s[:17].isdigit():  # an earlier error already changed it
        return s
    i = r.randrange(17)
    d = r.choice([x for x in "0123456789" if x != s[i]])
    return s[:i] + d + s[i + 1:]


def _wrong_check(s: str, r: random.Random) -> str:
    if len(s) != 18 or not s[:17].isdigit():  # an earlier error already changed it
        return s
    good = id_check_char(s[:17]) if s[:17].isdigit() else s[17]
    return s[:17] + r.choice([x for x in "0123456789X" if x != good])


def _shift_date(s: str, r: random.Random) -> str:
    compact = "-" not in s
    try:
        d = pd.Timestamp(s)
    except ValueError:
        return s
    k = r.random()
    if k < 0.4 and d.day <= 12 and d.day != d.month:
        d2 = d.replace(month=d.day, day=d.month)
    elif k < 0.7:
        d2 = d + pd.Timedelta(days=r.choice([-1, 1]) * r.randint(1, 30))
    else:
        # Feb 29 has no twin in the neighbouring years: fall back to the 28th
        year = d.year + r.choice([-1, 1])
        d2 = d.replace(year=year, day=min(d.day, 28) if d.month == 2 else d.day)
    return d2.strftime("%Y%m%d" if compact else "%Y-%m-%d")


def _malformed(s: str, r: random.Random) -> str:
    compact = "-" not in s
    y = s[:4]
    k = r.randrange(4)
    if compact:
        return [y + "0230", y + "1301", s[:7], y + "0000"][k]
    return [y + "-02-30", y + "/13/01", s[:7], s.replace("-", ".")][k]


def _strip_suffix(s: str, r: random.Random) -> str:
    for suf in ("街道", "镇", "乡"):
        if s.endswith(suf) and len(s) > len(suf) + 1:
            return s[: -len(suf)]
    return s


def _variant(s: str, r: random.Random) -> str:
    if s.endswith("街道"):
        return s + "办事处" if r.random() < 0.6 else s[:-2] + "街办"
    if s.endswith(("镇", "乡")):
        return s + "人民政府"
    return s
