"""Chongqing's 38 county-level units (real codes and populations) and ~1,000 synthetic townships."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DIVISIONS_CSV = Path(__file__).resolve().parent.parent / "canbao" / "reference" / "chongqing_divisions_2014_2016.csv"

# 2010 census resident population where the reference CSV has no figure (approximate published figures).
MISSING_POPULATION = {
    "500234": 1160336, "500235": 912912, "500236": 834259, "500237": 495072, "500238": 414073,
    "500240": 415050, "500241": 501559, "500242": 578058, "500243": 545094,
}
# The nine central districts (主城九区): mostly urban, most migrants and employers.
CORE = {"500103", "500104", "500105", "500106", "500107", "500108", "500109", "500112", "500113"}
# Autonomous counties and 黔江: share of 土家族 / 苗族 among residents.
MINORITY_SHARE = {
    "500240": (0.72, 0.01), "500241": (0.52, 0.10), "500242": (0.60, 0.18), "500243": (0.15, 0.45),
    "500114": (0.50, 0.14), "500119": (0.03, 0.02), "500230": (0.03, 0.0),
}
# Codes before the ones in the CSV (for ID numbers of people born earlier): (code_2016, until_year, old).
HISTORIC_CODES = [
    ("500120", 2013, "500227"), ("500151", 2013, "500224"), ("500111", 2010, "500225"),
    ("500110", 2010, "500222"), ("500114", 1999, "500239"), ("500115", 2000, "500221"),
    ("500116", 2005, "500381"), ("500117", 2005, "500382"), ("500118", 2005, "500383"),
    ("500119", 2005, "500384"), ("500152", 2014, "500223"), ("500153", 2014, "500226"),
    ("500155", 2015, "500228"), ("500156", 2015, "500232"), ("500154", 2015, "500234"),
]
# Sichuan-era (before 1997) prefectures: central districts 5102xx, 万县 5122xx, 涪陵 5123xx, 黔江 5135xx.
SICHUAN_CODES = {
    "500103": "510202", "500104": "510203", "500105": "510211", "500106": "510212", "500107": "510213",
    "500108": "510214", "500109": "510215", "500112": "510224", "500113": "510222", "500115": "510221",
    "500110": "510223", "500152": "510225", "500151": "510226", "500111": "510227", "500153": "510228",
    "500120": "510229", "500116": "510282", "500117": "510283", "500118": "510281", "500101": "512201",
    "500154": "512223", "500235": "512224", "500236": "512226", "500237": "512227", "500238": "512228",
    "500229": "512229", "500155": "512230", "500233": "512231", "500102": "512301", "500119": "512302",
    "500230": "512322", "500231": "512323", "500156": "512326", "500114": "513521", "500240": "513522",
    "500241": "513523", "500242": "513524", "500243": "513525",
}
# Other provinces' hukou places for migrants (residence permits): code, weight.
MIGRANT_ORIGINS = [
    ("510722", 6), ("511602", 8), ("511681", 4), ("511321", 6), ("510921", 5), ("511502", 5),
    ("510129", 3), ("520102", 3), ("522121", 4), ("420503", 2), ("422801", 3), ("430602", 2),
    ("431202", 2), ("411303", 2), ("340321", 1), ("610302", 1), ("440106", 1),
]

TOWN_STEMS_A = list("石桥白市龙泉青木双河新华观音天星高峰金凤黄桷大田李家杨柳狮子清平铁山回龙太和永兴三合长安")
TOWN_STEMS_B = list("溪坝坪湾岭场坎塘沟岩林山口门寺庙沱滩浩堡")
VILLAGES = list("红光建设胜利团结和平联合五一前进新民光明幸福向阳东风")


@dataclass(frozen=True)
class Geography:
    districts: pd.DataFrame   # code_2016, name, code_2014, code_2015, weight, urban_share, tujia, miao
    townships: pd.DataFrame   # township_code (9, 2016 district code), district_code, name, type, status, successor


def load_districts() -> pd.DataFrame:
    df = pd.read_csv(DIVISIONS_CSV, dtype=str, encoding="utf-8")
    pop = df["resident_census_2010"].fillna(df["code_2014"].map(MISSING_POPULATION)).astype(float)
    out = pd.DataFrame({
        "code_2016": df["code_2016"], "name": df["name_2014"], "code_2014": df["code_2014"],
        "code_2015": df["code_2015"], "name_2014": df["name_2014"], "townships": df["townships_nbs_c2015"].astype(int),
        "weight": pop / pop.sum(),
    })
    # Rename the counties that became districts to their end-2016 names.
    renamed = {"500152": "潼南区", "500153": "荣昌区", "500155": "梁平区", "500156": "武隆区", "500154": "开州区"}
    out["name"] = out["code_2016"].map(renamed).fillna(out["name"])
    out["urban_share"] = np.where(out["code_2016"].isin(CORE), 0.9,
                                  np.where(out["code_2016"].str.startswith("5001"), 0.5, 0.3))
    out.loc[out["code_2016"] == "500103", "urban_share"] = 1.0
    shares = out["code_2016"].map(MINORITY_SHARE)
    out["tujia"] = [s[0] if isinstance(s, tuple) else 0.002 for s in shares]
    out["miao"] = [s[1] if isinstance(s, tuple) else 0.001 for s in shares]
    return out


def code_in_force(code_2016: pd.Series, year: int, districts: pd.DataFrame) -> pd.Series:
    """District code valid at the end of `year` (≤2014 → 2014 column, 2015, ≥2016 → current)."""
    if year >= 2016:
        return code_2016
    col = "code_2015" if year == 2015 else "code_2014"
    return code_2016.map(dict(zip(districts["code_2016"], districts[col], strict=True))).fillna(code_2016)


def historic_code(code_2016: np.ndarray, year: np.ndarray, districts: pd.DataFrame) -> np.ndarray:
    """Code in force in a given year, reaching back before 2014 with HISTORIC_CODES."""
    out = np.asarray(code_2016, dtype=object).copy()
    m14 = dict(zip(districts["code_2016"], districts["code_2014"], strict=True))
    m15 = dict(zip(districts["code_2016"], districts["code_2015"], strict=True))
    y = np.asarray(year)
    c = pd.Series(out)
    out = np.where(y <= 2014, c.map(m14).to_numpy(object), np.where(y == 2015, c.map(m15).to_numpy(object), out))
    for new, until, old in HISTORIC_CODES:
        out = np.where((np.asarray(code_2016) == new) & (y <= until), old, out)
    return out


def build_townships(districts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Townships per district (count from the NBS 2015 column): 街道 001.., 镇 101.., 乡 201..; ~4 % of
    extra units abolished into a neighbour (撤销 + 变更后代码), ~2 % renamed 镇→街道 (old code abolished)."""
    rows: list[dict[str, object]] = []
    used: set[str] = set()
    for d in districts.itertuples(index=False):
        n = int(d.townships)
        share_street = min(0.95, d.urban_share * 0.8 + 0.05)
        n_street = max(1, int(round(n * share_street)))
        n_xiang = int(round((n - n_street) * (0.15 if d.urban_share >= 0.5 else 0.35)))
        n_zhen = n - n_street - n_xiang
        types = ["街道"] * n_street + ["镇"] * n_zhen + ["乡"] * n_xiang
        counters = {"街道": 1, "镇": 101, "乡": 201}
        for t in types:
            while True:
                stem = (TOWN_STEMS_A[rng.integers(len(TOWN_STEMS_A))]
                        + TOWN_STEMS_B[rng.integers(len(TOWN_STEMS_B))])
                if rng.random() < 0.5:
                    stem = TOWN_STEMS_A[rng.integers(len(TOWN_STEMS_A))] + stem
                if d.code_2016 + stem not in used:
                    used.add(d.code_2016 + stem)
                    break
            code = f"{d.code_2016}{counters[t]:03d}"
            counters[t] += 1
            rows.append({"township_code": code, "district_code": d.code_2016, "stem": stem, "type": t,
                         "status": "有效", "successor": ""})
    live = pd.DataFrame(rows)
    extra: list[dict[str, object]] = []
    by_district = {k: g for k, g in live.groupby("district_code")}
    for dcode, g in by_district.items():
        # abolished townships (merged into a live one), codes after the live ones
        n_abol = int(rng.binomial(len(g), 0.04))
        for k in range(n_abol):
            target = g.iloc[rng.integers(len(g))]
            while True:
                stem = (TOWN_STEMS_A[rng.integers(len(TOWN_STEMS_A))] + "家"
                        + TOWN_STEMS_B[rng.integers(len(TOWN_STEMS_B))])
                if dcode + stem not in used:
                    used.add(dcode + stem)
                    break
            extra.append({"township_code": f"{dcode}{260 + k:03d}", "district_code": dcode, "stem": stem,
                          "type": "乡", "status": "撤销", "successor": target["township_code"]})
        # 撤镇设街道: the live 街道 keeps the stem, the old 镇 code is abolished into it
        streets = g[g["type"] == "街道"]
        for k in range(int(rng.binomial(len(streets), 0.03))):
            target = streets.iloc[rng.integers(len(streets))]
            extra.append({"township_code": f"{dcode}{190 + k:03d}", "district_code": dcode,
                          "stem": target["stem"], "type": "镇", "status": "撤销",
                          "successor": target["township_code"]})
    tw = pd.concat([live, pd.DataFrame(extra)], ignore_index=True)
    tw["name"] = tw["stem"] + tw["type"]
    return tw.sort_values("township_code", ignore_index=True)


def build_geography(rng: np.random.Generator) -> Geography:
    districts = load_districts()
    return Geography(districts=districts, townships=build_townships(districts, rng))
