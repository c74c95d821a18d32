"""The true state of the synthetic city: people in households, employers, employment spells, insurance
records, pensions, assistance, and the monthly events (births, deaths, moves, new jobs, enrollments, lapses)
between the first and the last period. Everything is vectorised; months are integers (year*12 + month-1),
NEVER is a month far in the future."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic import names as nm
from synthetic.codes import id_numbers, org_codes, registration_numbers, uscc_codes
from synthetic.config import NoiseConfig, month_end, month_start
from synthetic.geography import (
    CORE,
    MIGRANT_ORIGINS,
    SICHUAN_CODES,
    VILLAGES,
    Geography,
    historic_code,
)

NEVER = 10**6
EMPLOYEE_SCHEMES = ("110", "210", "310", "410", "510")
INDUSTRY_WORDS = [("科技", "I"), ("建筑工程", "E"), ("商贸", "F"), ("餐饮管理", "H"), ("物流", "G"),
                  ("机械制造", "C"), ("农业开发", "A"), ("房地产开发", "K"), ("医药", "C"), ("汽车配件", "C"),
                  ("电子", "C"), ("物业管理", "K"), ("教育咨询", "P"), ("劳务", "L"), ("旅游", "N")]
ENTERPRISE_TYPES = [("有限责任公司", 0.45), ("个体工商户", 0.33), ("个人独资企业", 0.07), ("股份有限公司", 0.04),
                    ("合伙企业", 0.03), ("国有企业", 0.05), ("集体企业", 0.03)]
ROADS = list("和平解放人民建设胜利中山长江嘉陵学府科园")

# Household templates: relation slots (C child, P parent of head, S child's spouse, G grandchild), weight.
TEMPLATES: list[tuple[list[str], float]] = [
    (["H"], 0.16), (["H", "W"], 0.22), (["H", "W", "C"], 0.26), (["H", "W", "C", "C"], 0.12),
    (["H", "W", "C", "P"], 0.07), (["H", "W", "C", "S", "G"], 0.12), (["H", "C"], 0.05),
]


@dataclass
class World:
    persons: pd.DataFrame
    employers: pd.DataFrame
    spells: pd.DataFrame
    records: pd.DataFrame
    pensions: pd.DataFrame
    geo: Geography
    m0: int
    m1: int


def _dates(rng: np.random.Generator, ref: np.datetime64, age_years: np.ndarray) -> np.ndarray:
    days = (age_years * 365.25 + rng.random(len(age_years)) * 365).astype(np.int64)
    return ref - days.astype("timedelta64[D]")


def month_of(d: np.ndarray) -> np.ndarray:
    """Month index of datetime64[D] values (NaT → NEVER)."""
    d = np.asarray(d, dtype="datetime64[D]")
    out = d.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(np.isnat(d), NEVER, out)


def _ymd(d: np.ndarray) -> np.ndarray:
    s = pd.to_datetime(pd.Series(d))
    return (s.dt.year * 10000 + s.dt.month * 100 + s.dt.day).to_numpy(np.int64)


def _age_at(birth: np.ndarray, ref: np.datetime64) -> np.ndarray:
    return ((ref - birth).astype(np.int64) / 365.25).astype(np.int64)


def build_households(rng: np.random.Generator, n_local: int, geo: Geography, ref: np.datetime64) -> pd.DataFrame:
    """Local (户籍) persons in households: relation, age, gender, surname, district, township, address."""
    w = np.array([t[1] for t in TEMPLATES])
    n_hh = int(n_local / 2.7 * 1.15) + 10
    tpl = rng.choice(len(TEMPLATES), size=n_hh, p=w / w.sum())
    sizes = np.array([len(TEMPLATES[t][0]) for t in tpl])
    keep = np.cumsum(sizes) <= n_local
    tpl, sizes = tpl[keep], sizes[keep]
    n_hh = len(tpl)
    d = geo.districts
    hh_district = d["code_2016"].to_numpy()[rng.choice(len(d), size=n_hh, p=d["weight"].to_numpy())]
    urban_share = pd.Series(hh_district).map(dict(zip(d["code_2016"], d["urban_share"], strict=True)))
    hh_urban = rng.random(n_hh) < urban_share.to_numpy()
    live = geo.townships[geo.townships["status"] == "有效"]
    # townships: streets for urban households, towns/xiang for rural ones where the district has them
    hh_town = np.empty(n_hh, dtype=object)
    for dcode, g in live.groupby("district_code"):
        sel = np.flatnonzero(hh_district == dcode)
        streets = g.loc[g["type"] == "街道", "township_code"].to_numpy()
        rural = g.loc[g["type"] != "街道", "township_code"].to_numpy()
        if len(rural) == 0:
            rural = streets
        u = hh_urban[sel]
        hh_town[sel[u]] = streets[rng.integers(0, len(streets), int(u.sum()))]
        hh_town[sel[~u]] = rural[rng.integers(0, len(rural), int((~u).sum()))]
    # head age by template
    head_age = np.select(
        [tpl == 0, tpl == 1, tpl == 5],
        [np.where(rng.random(n_hh) < 0.3, rng.integers(20, 36, n_hh), rng.integers(55, 91, n_hh)),
         np.where(rng.random(n_hh) < 0.25, rng.integers(22, 33, n_hh), rng.integers(50, 86, n_hh)),
         rng.integers(52, 81, n_hh)],
        rng.integers(28, 56, n_hh))
    head_male = rng.random(n_hh) < np.where(tpl == 0, 0.5, 0.8)
    hh_surname = nm.draw_surnames(rng, n_hh)

    hh_idx = np.repeat(np.arange(n_hh), sizes)
    slot = np.concatenate([np.array(TEMPLATES[t][0]) for t in tpl]) if n_hh else np.array([], dtype=str)
    n = len(hh_idx)
    ha = head_age[hh_idx].astype(float)
    gap = rng.uniform(22, 35, n)
    age = np.select(
        [slot == "H", slot == "W", slot == "C", slot == "P", slot == "S"],
        [ha, ha + np.where(head_male[hh_idx], -1, 1) * np.abs(rng.normal(2, 2.5, n)), ha - gap,
         ha + gap, ha - gap + rng.normal(0, 2.5, n)],
        ha - gap - rng.uniform(22, 30, n))
    age = np.clip(age, 0, 99)
    male = np.select([slot == "H", slot == "W"], [head_male[hh_idx], ~head_male[hh_idx]], rng.random(n) < 0.51)
    # a grandchild's parent is the head's child (slot C of the same household); a child-in-law is the
    # opposite gender of that child
    first_c = pd.Series(np.arange(n)).where(slot == "C").groupby(hh_idx).transform("first").to_numpy()
    has_c = ~np.isnan(first_c)
    c_male = np.where(has_c, male[np.nan_to_num(first_c).astype(int)], True)
    male = np.where(slot == "S", ~c_male, male)
    relation = np.select(
        [slot == "H", slot == "W", (slot == "C") & male, slot == "C", (slot == "P") & male, slot == "P",
         (slot == "S") & male, slot == "S", (slot == "G") & c_male & male, (slot == "G") & c_male, male],
        ["户主", "配偶", "子", "女", "父亲", "母亲", "女婿", "儿媳", "孙子", "孙女", "外孙子"], "外孙女")
    surname = nm.draw_surnames(rng, n)
    father_line = np.where(head_male[hh_idx], hh_surname[hh_idx], surname)
    surname = np.where(np.isin(slot, ["H"]) | ((slot == "C") | (slot == "G")) & c_male,
                       np.where(slot == "H", hh_surname[hh_idx], father_line), surname)
    surname = np.where((slot == "G") & ~c_male, nm.draw_surnames(rng, n), surname)
    out = pd.DataFrame({
        "hh": hh_idx, "relation": relation, "male": male, "age": age, "surname": surname,
        "district": hh_district[hh_idx], "township": hh_town[hh_idx], "urban": hh_urban[hh_idx],
    })
    # addresses: urban street numbers, rural village groups
    tw_name = dict(zip(geo.townships["township_code"], geo.townships["name"], strict=True))
    dname = dict(zip(d["code_2016"], d["name"], strict=True))
    road = np.asarray(ROADS, dtype=object)
    vil = np.asarray(VILLAGES, dtype=object)
    r1, r2 = rng.integers(0, len(road), n_hh), rng.integers(0, len(road), n_hh)
    num, bld = rng.integers(1, 400, n_hh), rng.integers(1, 30, n_hh)
    flr, room = rng.integers(1, 33, n_hh), rng.integers(1, 9, n_hh)
    v1, v2, grp = rng.integers(0, len(vil), n_hh), rng.integers(0, len(vil), n_hh), rng.integers(1, 13, n_hh)
    base = pd.Series(hh_district).map(dname) + pd.Series(hh_town).map(tw_name)
    urban_addr = (base + road[r1] + road[r2] + "路" + num.astype(str) + "号" + bld.astype(str) + "栋"
                  + flr.astype(str) + "-" + room.astype(str))
    rural_addr = base + vil[v1] + vil[v2] + "村" + grp.astype(str) + "组" + num.astype(str) + "号"
    hh_addr = np.where(hh_urban, urban_addr, rural_addr)
    out["address"] = hh_addr[hh_idx]
    serial = pd.Series(np.arange(n_hh)).groupby(hh_district).cumcount().to_numpy() + 1
    hh_no = pd.Series(hh_district).astype(str) + pd.Series(serial).astype(str).str.zfill(8)
    out["household_no"] = hh_no.to_numpy(object)[hh_idx]
    return out


def build_world(persons: int, seed: int, m0: int, m1: int, noise: NoiseConfig, geo: Geography) -> World:
    rng = np.random.default_rng([seed, 1])
    ref = np.datetime64(month_end(m0), "D")
    n_months = m1 - m0 + 1
    n_migr = int(persons * 0.08)
    loc = build_households(rng, persons - n_migr, geo, ref)
    n_loc = len(loc)

    # migrants: individuals aged 18-55 living mostly in the central districts
    d = geo.districts
    mw = d["weight"].to_numpy() * np.where(d["code_2016"].isin(CORE), 4.0, 1.0)
    m_district = d["code_2016"].to_numpy()[rng.choice(len(d), size=n_migr, p=mw / mw.sum())]
    live = geo.townships[geo.townships["status"] == "有效"]
    m_town = np.empty(n_migr, dtype=object)
    for dcode, g in live.groupby("district_code"):
        sel = np.flatnonzero(m_district == dcode)
        codes = g["township_code"].to_numpy()
        m_town[sel] = codes[rng.integers(0, len(codes), len(sel))]
    mig = pd.DataFrame({
        "hh": -1, "relation": "", "male": rng.random(n_migr) < 0.55, "age": rng.uniform(18, 55, n_migr),
        "surname": nm.draw_surnames(rng, n_migr), "district": m_district, "township": m_town, "urban": True,
        "address": "", "household_no": "",
    })
    tw_name = dict(zip(geo.townships["township_code"], geo.townships["name"], strict=True))
    mig["address"] = (pd.Series(m_town).map(tw_name) + pd.Series(rng.integers(1, 300, n_migr)).astype(str)
                      + "号附" + pd.Series(rng.integers(1, 20, n_migr)).astype(str) + "号").to_numpy(object)
    p = pd.concat([loc, mig], ignore_index=True)
    p["local"] = np.arange(len(p)) < n_loc
    p["birth_date"] = _dates(rng, ref, p["age"].to_numpy())
    p = _add_births(p, rng, ref, m0, m1)
    n = len(p)
    p.insert(0, "person_id", np.arange(1, n + 1, dtype=np.int64))
    male = p["male"].to_numpy()
    by = pd.to_datetime(p["birth_date"]).dt.year.to_numpy()
    p["given_name"] = nm.draw_given_names(rng, male, by, noise.rare_char_persons)
    p["name"] = p["surname"] + p["given_name"]
    p["age"] = _age_at(p["birth_date"].to_numpy("datetime64[D]"), ref)

    # ethnicity: 土家族/苗族 concentrated in the south-east
    tujia = p["district"].map(dict(zip(d["code_2016"], d["tujia"], strict=True))).to_numpy()
    miao = p["district"].map(dict(zip(d["code_2016"], d["miao"], strict=True))).to_numpy()
    u = rng.random(n)
    eth = np.where(u < tujia, "土家族", np.where(u < tujia + miao, "苗族", "汉族"))
    eth = np.where(~p["local"] & (rng.random(n) < 0.02), "彝族", eth)
    eth = np.where(rng.random(n) < 0.002, "回族", eth)
    p["ethnicity"] = eth
    # children share the head's ethnicity (households are mostly mono-ethnic)
    head_eth = p[p["relation"] == "户主"].set_index("hh")["ethnicity"]
    kid = p["relation"].isin(["子", "女", "孙子", "孙女", "外孙子", "外孙女"]) & p["hh"].isin(head_eth.index)
    p.loc[kid, "ethnicity"] = p.loc[kid, "hh"].map(head_eth)

    _assign_ids(p, rng, geo)
    _assign_phones(p, rng)
    _assign_roles(p, rng)
    _assign_lifecycle(p, rng, ref, m0, m1, n_months, geo)
    employers = _build_employers(rng, persons, geo, m0)
    spells = _build_spells(p, employers, rng, ref, m0, m1)
    _assign_assistance(p, rng, m0)
    p["id_alt"] = _reissued_ids(p, rng, noise.reissued_id_persons)
    records, pensions = _build_enrollment(p, employers, spells, rng, m0, m1)
    p = p.drop(columns=["hh"]).rename(columns={"age": "age_at_start"})
    return World(persons=p, employers=employers, spells=spells, records=records, pensions=pensions, geo=geo,
                 m0=m0, m1=m1)


def _add_births(p: pd.DataFrame, rng: np.random.Generator, ref: np.datetime64, m0: int, m1: int) -> pd.DataFrame:
    """Newborns during the simulated months: mothers are wives/heads aged 20-40 (≈ 9 births per 1,000 a year)."""
    months = m1 - m0 + 1  # births from the first period's first day to the last period's end
    s0 = np.datetime64(month_start(m0), "D")
    mothers = np.flatnonzero(p["local"].to_numpy() & ~p["male"].to_numpy() & p["relation"].isin(["户主", "配偶"])
                             .to_numpy() & (p["age"].to_numpy() >= 20) & (p["age"].to_numpy() <= 40))
    k = rng.binomial(len(mothers), min(0.9, 0.0045 * months))
    mom = rng.choice(mothers, size=k, replace=False)
    days = rng.integers(0, int(months * 30.4) - 1, k)
    bd = s0 + days.astype("timedelta64[D]")
    m = p.iloc[mom]
    boy = rng.random(k) < 0.52
    head_male = m["relation"].to_numpy() == "配偶"
    spouse_surname = p[p["relation"].isin(["户主"])].set_index("hh")["surname"]
    fam = np.where(head_male, m["hh"].map(spouse_surname).to_numpy(object), nm.draw_surnames(rng, k))
    babies = pd.DataFrame({
        "hh": m["hh"].to_numpy(), "relation": np.where(boy, "子", "女"), "male": boy, "age": 0.0,
        "surname": fam, "district": m["district"].to_numpy(), "township": m["township"].to_numpy(),
        "urban": m["urban"].to_numpy(), "address": m["address"].to_numpy(),
        "household_no": m["household_no"].to_numpy(), "local": True, "birth_date": bd,
    })
    p["mother_row"] = -1
    babies["mother_row"] = mom
    return pd.concat([p, babies], ignore_index=True)


def _assign_ids(p: pd.DataFrame, rng: np.random.Generator, geo: Geography) -> None:
    """18-digit ID numbers: address code of first issue (Sichuan-era 51xxxx for most born before 1997,
    the code in force in the birth year after), birth date, sequence with gender parity, MOD 11-2 check."""
    n = len(p)
    bd = p["birth_date"].to_numpy("datetime64[D]")
    by = pd.to_datetime(pd.Series(bd)).dt.year.to_numpy()
    district = p["district"].to_numpy(object)
    cq = historic_code(district, np.maximum(by, 1997), geo.districts)
    sichuan = pd.Series(district).map(SICHUAN_CODES).fillna("510200").to_numpy(object)
    use_sc = (by < 1997) & (rng.random(n) < np.where(by < 1981, 0.9, 0.6))
    addr = np.where(use_sc, sichuan, cq)
    mig = ~p["local"].to_numpy()
    ocodes = np.array([c for c, _ in MIGRANT_ORIGINS])
    ow = np.array([w for _, w in MIGRANT_ORIGINS], dtype=float)
    origin = ocodes[rng.choice(len(ocodes), size=n, p=ow / ow.sum())]
    addr = np.where(mig, origin, addr)
    p["hukou_place"] = np.where(mig, origin, "")
    p["id_address_code"] = addr
    male = p["male"].to_numpy()
    ymd = _ymd(bd)
    seq = rng.integers(0, 500, n) * 2 + male
    ids = id_numbers(addr.astype(np.int64), ymd, seq)
    for _ in range(20):  # re-draw the sequence of the (rare) collisions
        dup = pd.Series(ids).duplicated().to_numpy()
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + male[dup]
        ids[dup] = id_numbers(addr[dup].astype(np.int64), ymd[dup], seq[dup])
    p["id_number"] = ids
    p["id_seq"] = seq


def _reissued_ids(p: pd.DataFrame, rng: np.random.Generator, rate: float) -> np.ndarray:
    """A second, re-issued number (same address and birth date, new sequence) for a few adults."""
    n = len(p)
    pick = (rng.random(n) < rate) & (p["age"].to_numpy() >= 16)
    out = np.full(n, "", dtype=object)
    if pick.any():
        seq = (p["id_seq"].to_numpy()[pick] + 2 * rng.integers(1, 40, int(pick.sum()))) % 1000
        addr = p["id_address_code"].to_numpy()[pick].astype(np.int64)
        ymd = np.array([int(s[6:14]) for s in p["id_number"].to_numpy()[pick]], dtype=np.int64)
        alt = id_numbers(addr, ymd, seq)
        taken = set(p["id_number"])
        out[pick] = [a if a not in taken else "" for a in alt]
    return out


def _assign_phones(p: pd.DataFrame, rng: np.random.Generator) -> None:
    n = len(p)
    prefix = np.array(["138", "139", "136", "135", "158", "159", "150", "187", "188", "133", "153", "189",
                       "180", "177", "130", "131", "132", "155", "156", "186", "185", "176"])
    mobile = pd.Series(prefix[rng.integers(0, len(prefix), n)]) + pd.Series(
        rng.integers(0, 10**8, n)).astype(str).str.zfill(8)
    land = "023-" + pd.Series(rng.integers(60000000, 89999999, n)).astype(str)
    phone = np.where(rng.random(n) < 0.1, land, mobile).astype(object)
    # children under 14 are reached through the household head
    head_phone = pd.Series(phone[p["relation"].to_numpy() == "户主"],
                           index=p["hh"].to_numpy()[p["relation"].to_numpy() == "户主"])
    child = (p["age"].to_numpy() < 14) & (p["hh"].to_numpy() >= 0)
    phone[child] = pd.Series(p["hh"].to_numpy()[child]).map(head_phone).fillna("").to_numpy(object)
    p["phone"] = phone


def _assign_roles(p: pd.DataFrame, rng: np.random.Generator) -> None:
    """Static role at the first period: child, pupil, student, employee, flexible, farmer, unemployed,
    homemaker, retiree (employee pension), elderly."""
    n = len(p)
    age = p["age"].to_numpy()
    male = p["male"].to_numpy()
    urban = p["urban"].to_numpy()
    local = p["local"].to_numpy()
    u, u2 = rng.random(n), rng.random(n)
    retire_age = np.where(male, 60, 50)
    worker_urban = np.select([u < 0.52, u < 0.66, u < 0.78], ["employee", "flexible", "unemployed"], "homemaker")
    worker_rural = np.select([u < 0.55, u < 0.80, u < 0.88], ["farmer", "employee", "flexible"], "unemployed")
    worker = np.where(urban, worker_urban, worker_rural)
    worker = np.where(~local, np.select([u < 0.75, u < 0.90], ["employee", "flexible"], "unemployed"), worker)
    student_p = np.select([age < 16, age <= 18, age <= 22], [1.0, 0.85, np.where(urban, 0.55, 0.30)], 0.0)
    old = np.where(urban, np.where(u2 < 0.65, "retiree", "elderly"), np.where(u2 < 0.08, "retiree", "elderly"))
    old = np.where(~urban & (age < 65) & (old == "elderly"), "farmer", old)
    role = np.select(
        [age < 6, age < 16, u2 < student_p, age >= retire_age],
        ["child", "pupil", "student", old], worker)
    role = np.where(~local & (age >= retire_age), "unemployed", role)
    p["role"] = role
    p["is_student"] = role == "student"


def _assign_lifecycle(p: pd.DataFrame, rng: np.random.Generator, ref: np.datetime64, m0: int, m1: int,
                      n_months: int, geo: Geography) -> None:
    """Deaths (Gompertz mortality), hukou registration of newborns, out-migration, moves inside the city,
    and migrants arriving with a new residence permit."""
    n = len(p)
    age = p["age"].to_numpy().astype(float)
    bd = p["birth_date"].to_numpy("datetime64[D]")
    months = n_months
    s0 = np.datetime64(month_start(m0), "D")
    span = int(months * 30.4) - 1
    q = np.minimum(0.35, 0.00035 * np.exp(0.088 * (age - 25))) + np.where(age < 1, 0.006, 0)
    die = rng.random(n) < 1 - (1 - q / 12) ** months
    death = s0 + rng.integers(0, span, n).astype("timedelta64[D]")
    death = np.where(die & (death > bd), death, np.datetime64("NaT"))
    p["death_date"] = death.astype("datetime64[D]")
    # who reports the death: the hospital (hfp_vital), the crematorium (ca_death), the police (hukou)
    p["death_hfp"] = die & (rng.random(n) < 0.75)
    p["death_hfp_delay"] = np.where(rng.random(n) < 0.15, 1, 0)
    p["death_ca"] = die & (rng.random(n) < 0.80)
    p["cremation_date"] = np.where(p["death_ca"], death + rng.integers(1, 7, n).astype("timedelta64[D]"),
                                   np.datetime64("NaT")).astype("datetime64[D]")
    # the two departments disagree on the date of death for a few (±1-2 days)
    shift = np.where(rng.random(n) < 0.05, rng.choice([-2, -1, 1, 2], n), 0)
    p["death_date_ca"] = (death + shift.astype("timedelta64[D]")).astype("datetime64[D]")
    local = p["local"].to_numpy()
    p["death_hukou"] = die & local & (rng.random(n) < 0.88)
    hk_cancel = death + rng.integers(7, 150, n).astype("timedelta64[D]")
    # newborns reach the hukou register 2 weeks to 4 months after birth
    born_in_sim = bd >= s0
    reg = bd + rng.integers(14, 120, n).astype("timedelta64[D]")
    p["hukou_reg_date"] = np.where(born_in_sim, reg, bd).astype("datetime64[D]")
    # out-migration (迁出注销) of young adults
    out = local & (age >= 18) & (age <= 45) & (rng.random(n) < 1 - (1 - 0.0006) ** months) & ~die
    out_date = s0 + rng.integers(0, span, n).astype("timedelta64[D]")
    p["out_date"] = np.where(out, out_date, np.datetime64("NaT")).astype("datetime64[D]")
    cancel = np.where(p["death_hukou"], hk_cancel, np.where(out, out_date, np.datetime64("NaT")))
    p["hukou_cancel_date"] = cancel.astype("datetime64[D]")
    p["hukou_cancel_reason"] = np.where(p["death_hukou"], "死亡注销", np.where(out, "迁出注销", ""))
    # moves inside the city: a new household (户主) in another township, half of them in another district
    mv = local & (age >= 20) & ~out & (rng.random(n) < 1 - (1 - 0.0015) ** months) & ~born_in_sim
    p["move_m"] = np.where(mv, m0 + 1 + rng.integers(0, max(1, months), n), NEVER)
    live = geo.townships[geo.townships["status"] == "有效"]
    codes = live["township_code"].to_numpy()
    same = rng.random(n) < 0.5
    new_tw = codes[rng.integers(0, len(codes), n)]
    for dcode, g in live.groupby("district_code"):
        sel = mv & same & (p["district"].to_numpy() == dcode)
        tc = g["township_code"].to_numpy()
        new_tw[sel] = tc[rng.integers(0, len(tc), int(sel.sum()))]
    p["new_township"] = np.where(mv, new_tw, "")
    p["new_district"] = np.where(mv, pd.Series(new_tw).str[:6], "")
    tw_name = dict(zip(geo.townships["township_code"], geo.townships["name"], strict=True))
    dname = dict(zip(geo.districts["code_2016"], geo.districts["name"], strict=True))
    p["new_address"] = np.where(
        mv, pd.Series(new_tw).str[:6].map(dname) + pd.Series(new_tw).map(tw_name) + "新村"
        + pd.Series(rng.integers(1, 200, n)).astype(str) + "号", "")
    p["new_household_no"] = np.where(
        mv, pd.Series(new_tw).str[:6] + "9" + pd.Series(np.arange(n) % 10**7).astype(str).str.zfill(7), "")
    # migrants: most hold a permit from before the first period, a few arrive during the months
    arrive = ~local & (rng.random(n) < 0.004 * months)
    permit = np.where(arrive, s0 + rng.integers(0, span, n).astype("timedelta64[D]"),
                      ref - rng.integers(30, 3000, n).astype("timedelta64[D]"))
    p["permit_date"] = np.where(~local, permit, np.datetime64("NaT")).astype("datetime64[D]")
    # people present in the city from: birth (locals), permit date (migrants)
    p["present_from"] = np.where(local, p["birth_date"].to_numpy("datetime64[D]"), p["permit_date"])


def _build_employers(rng: np.random.Generator, persons: int, geo: Geography, m0: int) -> pd.DataFrame:
    """Registered market entities; those that employ people get an SI employer number and a compliance
    class (full: all five schemes; partial: 110/310/410; none: no enrollment = employer gap)."""
    n = max(30, persons // 20)
    d = geo.districts
    w = d["weight"].to_numpy() * np.where(d["code_2016"].isin(CORE), 3.0, 1.0)
    district = d["code_2016"].to_numpy()[rng.choice(len(d), size=n, p=w / w.sum())]
    types = np.array([t for t, _ in ENTERPRISE_TYPES])
    tw = np.array([x for _, x in ENTERPRISE_TYPES])
    etype = types[rng.choice(len(types), size=n, p=tw / tw.sum())]
    ind = rng.integers(0, len(INDUSTRY_WORDS), n)
    word = np.array([w for w, _ in INDUSTRY_WORDS])[ind]
    section = np.array([s for _, s in INDUSTRY_WORDS])[ind]
    pool = np.asarray(list(nm.MALE_NEW + nm.FEMALE_OLD + "渝巴川江山城鑫盛隆通达"), dtype=object)
    stem = pool[rng.integers(0, len(pool), n)] + pool[rng.integers(0, len(pool), n)]
    dname = pd.Series(district).map(dict(zip(d["code_2016"], d["name"], strict=True))).str[:-1]
    suffix = pd.Series(etype).map({"有限责任公司": "有限公司", "股份有限公司": "股份有限公司", "个人独资企业": "经营部",
                                   "合伙企业": "合伙企业（有限合伙）", "国有企业": "总公司", "集体企业": "厂"})
    is_ind = etype == "个体工商户"
    name = np.where(is_ind, dname + "区" + stem + word.astype(object) + "店",
                    "重庆" + stem + dname + word.astype(object) + suffix.fillna(""))
    name = pd.Series(name) + np.where(pd.Series(name).duplicated(), pd.Series(np.arange(n)).astype(str)
                                      .radd("第").add("分公司"), "")
    founded = np.datetime64("1992-01-01") + rng.integers(0, 365 * 22, n).astype("timedelta64[D]")
    fy = pd.to_datetime(pd.Series(founded)).dt.year.to_numpy()
    region = historic_code(district, np.maximum(fy, 1997), d)
    serial = rng.choice(10**8 - 10**7, size=n, replace=False) + 10**7
    org = org_codes(serial)
    conv_m = (2015 * 12 + 9 + rng.exponential(8, n)).astype(np.int64)  # conversion to USCC from Oct 2015
    conv_year = conv_m // 12
    uscc = uscc_codes(np.where(is_ind, 2, 1), historic_code(district, conv_year, d), org)
    size = np.where(is_ind, rng.integers(1, 4, n), (rng.pareto(1.1, n) * 6 + 1)).astype(float)
    u = rng.random(n)
    compliance = np.where(is_ind, np.select([u < 0.2, u < 0.4], ["full", "partial"], "none"),
                          np.select([u < 0.70, u < 0.86], ["full", "partial"], "none"))
    return pd.DataFrame({
        "employer_id": np.arange(1, n + 1, dtype=np.int64), "name": name.to_numpy(object), "type": etype,
        "district": district, "industry": section, "founded": founded.astype("datetime64[D]"),
        "uscc": uscc, "org_code": org, "registration_no": registration_numbers(region.astype(np.int64),
                                                                               serial % 10**8),
        "legacy_tax_id": pd.Series(region).astype(str).to_numpy(object) + org, "conv_m": conv_m,
        "si_no": pd.Series(district).str[2:].to_numpy(object) + pd.Series(np.arange(1, n + 1)).astype(str)
        .str.zfill(6).to_numpy(object),
        "size": size, "compliance": compliance,
    })


def _build_spells(p: pd.DataFrame, employers: pd.DataFrame, rng: np.random.Generator, ref: np.datetime64,
                  m0: int, m1: int) -> pd.DataFrame:
    """Employment spells: current employees (some lose the job during the months, half of those find a
    new one), and job seekers who start one. Employers chosen by size, 60 % in the person's district."""
    months = max(0, m1 - m0)
    role = p["role"].to_numpy()
    emp_rows = np.flatnonzero(role == "employee")
    seek = np.flatnonzero(np.isin(role, ["unemployed", "flexible", "homemaker"]))
    starters = seek[rng.random(len(seek)) < 1 - (1 - 0.006) ** months]

    def pick_employers(rows: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows), dtype=np.int64)
        w = employers["size"].to_numpy()
        ids = employers["employer_id"].to_numpy()
        glob = rng.choice(len(ids), size=len(rows), p=w / w.sum())
        out[:] = ids[glob]
        local = rng.random(len(rows)) < 0.6
        dist = p["district"].to_numpy()[rows]
        for dcode, g in employers.groupby("district"):
            sel = local & (dist == dcode)
            if sel.any():
                gw = g["size"].to_numpy()
                out[sel] = g["employer_id"].to_numpy()[rng.choice(len(g), size=int(sel.sum()), p=gw / gw.sum())]
        return out

    age = p["age"].to_numpy()
    tenure_years = np.minimum(rng.exponential(6, len(emp_rows)), np.maximum(age[emp_rows] - 16, 0.1))
    start_date = ref - (tenure_years * 365).astype(np.int64).astype("timedelta64[D]")
    end = np.where(rng.random(len(emp_rows)) < 1 - (1 - 0.008) ** months,
                   m0 + 1 + rng.integers(0, max(1, months), len(emp_rows)), NEVER)
    s1 = pd.DataFrame({"person_id": p["person_id"].to_numpy()[emp_rows], "employer_id": pick_employers(emp_rows),
                       "start_date": start_date.astype("datetime64[D]"), "end_m": end})
    # half of those who lose a job find another within 0-3 months
    again = np.flatnonzero((end < NEVER) & (rng.random(len(emp_rows)) < 0.5))
    s2_start = end[again] + rng.integers(0, 4, len(again))
    ok = s2_start <= m1
    rows2 = emp_rows[again][ok]
    s2 = pd.DataFrame({"person_id": p["person_id"].to_numpy()[rows2], "employer_id": pick_employers(rows2),
                       "start_m": s2_start[ok], "end_m": NEVER})
    st_m = m0 + 1 + rng.integers(0, max(1, months), len(starters))
    s3 = pd.DataFrame({"person_id": p["person_id"].to_numpy()[starters], "employer_id": pick_employers(starters),
                       "start_m": st_m, "end_m": NEVER})
    for s in (s2, s3):
        s["start_date"] = (pd.to_datetime(pd.DataFrame({"year": s["start_m"] // 12, "month": s["start_m"] % 12 + 1,
                                                        "day": 1})) + pd.to_timedelta(
            rng.integers(0, 28, len(s)), unit="D")).to_numpy("datetime64[D]")
    s1["start_m"] = month_of(s1["start_date"].to_numpy("datetime64[D]"))
    spells = pd.concat([s1, s2, s3], ignore_index=True)
    # jobs end at death or out-migration
    stop = np.minimum(month_of(p["death_date"].to_numpy("datetime64[D]")),
                      month_of(p["out_date"].to_numpy("datetime64[D]")))
    stop_by = pd.Series(stop, index=p["person_id"])
    spells["end_m"] = np.minimum(spells["end_m"].to_numpy(), spells["person_id"].map(stop_by).to_numpy() + 1)
    spells = spells[spells["start_m"] < spells["end_m"]].reset_index(drop=True)
    spells.insert(0, "spell_id", np.arange(1, len(spells) + 1, dtype=np.int64))
    spells["income"] = np.round(rng.lognormal(8.2, 0.45, len(spells)), -1)
    return spells


def _assign_assistance(p: pd.DataFrame, rng: np.random.Generator, m0: int) -> None:
    """低保 / 特困 recipients (≈ 2.5 % urban, 4 % rural), assisted as a family under the head's number."""
    n = len(p)
    rate = np.where(p["urban"].to_numpy(), 0.02, 0.035) * p["local"].to_numpy()
    hh = p["hh"].to_numpy()
    hh_pick = pd.Series(rng.random(n) < rate).groupby(hh).transform("max").to_numpy() & (hh >= 0)
    alone_old = (p["relation"].to_numpy() == "户主") & (p["age"].to_numpy() >= 60)
    hh_size = pd.Series(hh).map(pd.Series(hh).value_counts()).to_numpy()
    tekun = hh_pick & alone_old & (hh_size == 1) & (rng.random(n) < 0.6)
    atype = np.where(tekun, "特困供养", np.where(p["urban"].to_numpy(), "城市低保", "农村低保"))
    p["assistance"] = np.where(hh_pick, atype, "")
    p["assistance_start_m"] = np.where(hh_pick, m0 - rng.integers(1, 60, n), NEVER)
    heads = p[p["relation"] == "户主"].set_index("hh")["id_number"]
    p["assistance_head_id"] = np.where(hh_pick, pd.Series(hh).map(heads).fillna("").to_numpy(object), "")


def _build_enrollment(p: pd.DataFrame, employers: pd.DataFrame, spells: pd.DataFrame, rng: np.random.Generator,
                      m0: int, m1: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Insurance records (one per person × scheme × employer/district) and pension entitlements, including
    lapses, new enrollments during the months, and the leaks the platform must find."""
    from synthetic.enrollment import build_enrollment

    return build_enrollment(p, employers, spells, rng, m0, m1)
