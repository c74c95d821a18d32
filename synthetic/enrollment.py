"""Insurance records and pensions of the synthetic city.

records: one row per person × scheme × employer (employee schemes) or × district (resident schemes):
  record_id, person_id, kind (employee/resident), scheme, employer_id (0 = none, -1 = flexible workers'
  pseudo-unit of the district), district (end-2016 code), township, start_date, start_m, stop_m (first month
  without contribution; NEVER = still paying), stop_status (2 suspended / 3 terminated once stopped),
  zzlb (government-paid premium category), retiree (a pensioner's 310: active without contributions),
  paid_lag (months the last contribution trails the period), leak (the duplicate it plants, '' if none).
pensions: pension_id, person_id, scheme (110/170), district, amount, start_m, end_m (exclusive), leak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic.world import EMPLOYEE_SCHEMES, NEVER, month_of

# Leak rates (the truth the platform's duplicate checks must find); documented in docs/synthetic.md.
LEAK_110_170 = 0.010        # employees with 110 who also pay resident pension 170
LEAK_310_390 = 0.020        # employees with 310 who also hold resident medical 390
LEAK_TWO_DISTRICTS = 0.004  # resident 390 holders with a second 390 record in another district
LEAK_SUBSIDY = 0.004        # resident records with ZZLB ≠ 0 but no assistance entitlement
LEAK_PENSION_TWO_PLACES = 0.006  # employee pensioners also paid in a second district
LEAK_PENSION_BOTH = 0.005   # employee pensioners also paid a resident pension 170


def _records(**cols: object) -> pd.DataFrame:
    df = pd.DataFrame(cols)
    defaults = {"employer_id": 0, "township": "", "stop_m": NEVER, "stop_status": 3, "zzlb": "0",
                "retiree": False, "leak": "", "id_use": "main"}
    for k, v in defaults.items():
        if k not in df:
            df[k] = v
    return df


def build_enrollment(p: pd.DataFrame, employers: pd.DataFrame, spells: pd.DataFrame, rng: np.random.Generator,
                     m0: int, m1: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    months = max(0, m1 - m0)
    n = len(p)
    pid = p["person_id"].to_numpy()
    role = p["role"].to_numpy()
    age = p["age"].to_numpy()
    ref = np.datetime64(f"{m0 // 12:04d}-{m0 % 12 + 1:02d}-01")
    district_of = pd.Series(p["district"].to_numpy(), index=pid)
    township_of = pd.Series(p["township"].to_numpy(), index=pid)
    stop_person = np.minimum(month_of(p["death_date"].to_numpy("datetime64[D]")),
                             month_of(p["out_date"].to_numpy("datetime64[D]"))) + 1
    stop_of = pd.Series(stop_person, index=pid)
    parts: list[pd.DataFrame] = []

    # employee schemes from employment spells, by the employer's compliance
    comp = spells["employer_id"].map(employers.set_index("employer_id")["compliance"]).to_numpy()
    skip = rng.random(len(spells)) < 0.04  # new hires the employer never registered
    lag = np.where(spells["start_m"].to_numpy() >= m0, rng.choice([0, 0, 0, 1, 2], len(spells)), 0)
    pre_lapse = (spells["start_m"].to_numpy() < m0) & (rng.random(len(spells)) < 0.03)
    for scheme in EMPLOYEE_SCHEMES:
        ok = ~skip & ((comp == "full") | ((comp == "partial") & np.isin(scheme, ["110", "310", "410"])))
        s = spells[ok]
        start_m = s["start_m"].to_numpy() + lag[ok]
        stop_m = np.where(pre_lapse[ok], m0 - rng.integers(2, 24, int(ok.sum())), s["end_m"].to_numpy())
        parts.append(_records(
            person_id=s["person_id"].to_numpy(), kind="employee", scheme=scheme,
            employer_id=s["employer_id"].to_numpy(), district=s["employer_id"].map(
                employers.set_index("employer_id")["district"]).to_numpy(),
            start_m=start_m, stop_m=stop_m,
            stop_status=np.where(pre_lapse[ok] | (rng.random(int(ok.sum())) < 0.15), 2, 3)))
    # flexible workers pay employee pension/medical through the district's pseudo-unit
    flex = np.flatnonzero(role == "flexible")
    for scheme, rate in (("110", 0.50), ("310", 0.45)):
        sel = flex[rng.random(len(flex)) < rate]
        lapsed = rng.random(len(sel)) < 0.12
        parts.append(_records(
            person_id=pid[sel], kind="employee", scheme=scheme, employer_id=-1, district=p["district"].to_numpy()[sel],
            start_m=m0 - rng.integers(3, 120, len(sel)),
            stop_m=np.where(lapsed, m0 - rng.integers(1, 30, len(sel)), NEVER), stop_status=2))
    # former employees keep an old terminated 110 record
    former = np.flatnonzero(np.isin(role, ["unemployed", "homemaker", "farmer"]) & (age >= 30))
    former = former[rng.random(len(former)) < 0.25]
    old_emp = employers["employer_id"].to_numpy()[rng.integers(0, len(employers), len(former))]
    parts.append(_records(
        person_id=pid[former], kind="employee", scheme="110", employer_id=old_emp,
        district=pd.Series(old_emp).map(employers.set_index("employer_id")["district"]).to_numpy(),
        start_m=m0 - rng.integers(60, 240, len(former)), stop_m=m0 - rng.integers(6, 60, len(former)),
        stop_status=3))
    # employee pensioners: terminated 110 at retirement, active 310 without contributions, monthly pension
    ret = np.flatnonzero(role == "retiree")
    retire_m = m0 - np.maximum(1, ((age[ret] - np.where(p["male"].to_numpy()[ret], 60, 50)) * 12).astype(int) + 1)
    ret_emp = employers["employer_id"].to_numpy()[rng.integers(0, len(employers), len(ret))]
    ret_dist = p["district"].to_numpy()[ret]
    parts.append(_records(person_id=pid[ret], kind="employee", scheme="110", employer_id=ret_emp,
                          district=ret_dist, start_m=retire_m - rng.integers(120, 400, len(ret)),
                          stop_m=retire_m, stop_status=3))
    parts.append(_records(person_id=pid[ret], kind="employee", scheme="310", employer_id=ret_emp,
                          district=ret_dist, start_m=retire_m - rng.integers(120, 300, len(ret)),
                          stop_m=retire_m, retiree=True))
    emp = pd.concat(parts, ignore_index=True)

    # resident schemes
    rparts: list[pd.DataFrame] = []
    active_110 = set(emp.loc[(emp["scheme"] == "110") & (emp["stop_m"] > m0), "person_id"]) | set(pid[ret])
    has_310 = set(emp.loc[(emp["scheme"] == "310") & ((emp["stop_m"] > m0) | emp["retiree"]), "person_id"])
    elig170 = (age >= 16) & ~p["is_student"].to_numpy() & ~np.isin(pid, list(active_110))
    elig170 &= p["local"].to_numpy() | (rng.random(n) < 0.1)
    u = rng.random(n)
    e170 = np.flatnonzero(elig170 & (u < 0.88))
    lapsed170 = u[e170] >= 0.80
    rparts.append(_records(person_id=pid[e170], kind="resident", scheme="170",
                           start_m=m0 - rng.integers(1, 60, len(e170)),
                           stop_m=np.where(lapsed170, m0 - rng.integers(1, 36, len(e170)), NEVER),
                           # status 1 with no payment for years also counts as lapsed
                           stop_status=rng.choice([1, 2, 3], len(e170))))
    elig390 = ~np.isin(pid, list(has_310)) & (p["local"].to_numpy() | (rng.random(n) < 0.3))
    born_later = p["birth_date"].to_numpy("datetime64[D]") >= ref
    u2 = rng.random(n)
    e390 = np.flatnonzero(elig390 & (u2 < 0.96) & ~born_later)
    lapsed390 = u2[e390] >= 0.92
    rparts.append(_records(person_id=pid[e390], kind="resident", scheme="390",
                           start_m=m0 - rng.integers(1, 60, len(e390)),
                           stop_m=np.where(lapsed390, m0 - rng.integers(1, 36, len(e390)), NEVER),
                           stop_status=np.where(rng.random(len(e390)) < 0.5, 2, 3)))
    # newborns enroll in 390 a few months after their hukou registration
    nb = np.flatnonzero(born_later & (rng.random(n) < 0.7))
    nb_m = month_of(p["hukou_reg_date"].to_numpy("datetime64[D]")[nb]) + rng.integers(0, 4, len(nb))
    rparts.append(_records(person_id=pid[nb], kind="resident", scheme="390", start_m=nb_m))
    # leaks: employee + resident at once
    e110 = emp.loc[(emp["scheme"] == "110") & (emp["kind"] == "employee") & (emp["stop_m"] > m0), "person_id"]
    e110 = e110.drop_duplicates().to_numpy()
    dup = e110[rng.random(len(e110)) < LEAK_110_170]
    rparts.append(_records(person_id=dup, kind="resident", scheme="170", start_m=m0 - rng.integers(1, 24, len(dup)),
                           leak="110+170"))
    e310 = emp.loc[(emp["scheme"] == "310") & (emp["stop_m"] > m0) & ~emp["retiree"], "person_id"]
    e310 = e310.drop_duplicates().to_numpy()
    dup = e310[rng.random(len(e310)) < LEAK_310_390]
    rparts.append(_records(person_id=dup, kind="resident", scheme="390", start_m=m0 - rng.integers(1, 24, len(dup)),
                           leak="310+390"))
    res = pd.concat(rparts, ignore_index=True)
    res["district"] = res["person_id"].map(district_of).to_numpy()
    res["township"] = res["person_id"].map(township_of).to_numpy()
    # one scheme in two districts: a second 390 record in another district (often after a move)
    a390 = res[(res["scheme"] == "390") & (res["stop_m"] == NEVER) & (res["leak"] == "")]
    two = a390[rng.random(len(a390)) < LEAK_TWO_DISTRICTS].copy()
    dists = sorted(set(p["district"]))
    other = np.asarray(dists, dtype=object)[rng.integers(0, len(dists), len(two))]
    other = np.where(other == two["district"].to_numpy(), "500103", other)
    other = np.where(other == two["district"].to_numpy(), "500105", other)
    two["district"] = other
    two["township"] = pd.Series(other).astype(str).add("001").to_numpy(object)
    two["leak"] = "two_districts"
    # one scheme under two numbers: the re-issued number carries a second 390 record
    alt = p.loc[p["id_alt"] != "", "person_id"].to_numpy()
    second = a390[a390["person_id"].isin(alt)].copy()
    second = second[rng.random(len(second)) < 0.5]
    second["id_use"] = "alt"
    second["leak"] = "two_numbers"
    res = pd.concat([res, two, second], ignore_index=True)
    # government-paid premiums: assistance recipients' resident records, plus unentitled ones (leak)
    assist = pd.Series(p["assistance"].to_numpy(), index=pid)
    a = res["person_id"].map(assist).fillna("").to_numpy()
    zz = np.select([a == "特困供养", a != ""], ["2", "1"], "0")
    leak_zz = (zz == "0") & (rng.random(len(res)) < LEAK_SUBSIDY)
    zz = np.where(leak_zz, rng.choice(["1", "3"], len(res)), zz)
    res["zzlb"] = zz
    res["leak"] = np.where(leak_zz & (res["leak"] == ""), "unentitled_subsidy", res["leak"])
    # during the months: a few resident records lapse, a few never-insured enroll
    active = res["stop_m"].to_numpy() == NEVER
    lapse = active & (rng.random(len(res)) < 1 - (1 - 0.002) ** months) & (res["leak"] == "").to_numpy()
    res["stop_m"] = np.where(lapse, m0 + 1 + rng.integers(0, max(1, months), len(res)), res["stop_m"])
    res["stop_status"] = np.where(lapse, 2, res["stop_status"])
    have_390 = set(res.loc[res["scheme"] == "390", "person_id"]) | has_310
    never = np.flatnonzero(~np.isin(pid, list(have_390)) & p["local"].to_numpy() & ~born_later)
    join = never[rng.random(len(never)) < 1 - (1 - 0.01) ** months]
    late = _records(person_id=pid[join], kind="resident", scheme="390",
                    start_m=m0 + 1 + rng.integers(0, max(1, months), len(join)))
    late["district"] = late["person_id"].map(district_of).to_numpy()
    late["township"] = late["person_id"].map(township_of).to_numpy()
    late["zzlb"] = "0"
    records = pd.concat([emp, res, late], ignore_index=True)
    # records stop with the person (death, out-migration): status 3 from then on
    pstop = records["person_id"].map(stop_of).to_numpy()
    earlier = pstop < records["stop_m"].to_numpy()
    records["stop_m"] = np.where(earlier, pstop, records["stop_m"])
    records["stop_status"] = np.where(earlier, 3, records["stop_status"])
    records = records[records["start_m"] < NEVER].reset_index(drop=True)
    records["start_date"] = _month_to_date(records["start_m"].to_numpy(), rng)
    records["paid_lag"] = np.where(rng.random(len(records)) < 0.1, 1, 0)
    records.insert(0, "record_id", np.arange(1, len(records) + 1, dtype=np.int64))
    records["district"] = records["district"].astype(str)

    pensions = _build_pensions(p, records, rng, m0, m1)
    return records, pensions


def _month_to_date(m: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    first = pd.to_datetime(pd.DataFrame({"year": m // 12, "month": m % 12 + 1, "day": 1}))
    return (first + pd.to_timedelta(rng.integers(0, 28, len(m)), unit="D")).to_numpy("datetime64[D]")


def _build_pensions(p: pd.DataFrame, records: pd.DataFrame, rng: np.random.Generator, m0: int,
                    m1: int) -> pd.DataFrame:
    """Monthly pensions: employee retirees (110) and resident pensioners aged ≥ 60 (170). Payments after
    death continue for some (死亡冒领): 55 % stop on time, 25 % run 1-3 months late, 20 % until noticed never."""
    pid = p["person_id"].to_numpy()
    age = p["age"].to_numpy()
    ret = p.loc[p["role"] == "retiree", ["person_id", "district"]]
    res170 = records[(records["scheme"] == "170") & (records["stop_m"] == NEVER) & (records["leak"] == "")]
    old = set(pid[age >= 60])
    r170 = res170[res170["person_id"].isin(old)]
    r170 = r170[rng.random(len(r170)) < 0.95]
    a = pd.DataFrame({"person_id": ret["person_id"].to_numpy(), "scheme": "110",
                      "district": ret["district"].to_numpy(),
                      "amount": np.round(rng.normal(2600, 600, len(ret)).clip(1200, 6000), 2), "leak": ""})
    b = pd.DataFrame({"person_id": r170["person_id"].to_numpy(), "scheme": "170",
                      "district": r170["district"].to_numpy(),
                      "amount": np.round(rng.normal(150, 40, len(r170)).clip(85, 400), 2), "leak": ""})
    two = a[rng.random(len(a)) < LEAK_PENSION_TWO_PLACES].copy()
    two["district"] = np.where(two["district"] == "500106", "500107", "500106")
    two["leak"] = "two_places"
    both = a[rng.random(len(a)) < LEAK_PENSION_BOTH].copy()
    both["scheme"] = "170"
    both["amount"] = np.round(rng.normal(150, 40, len(both)).clip(85, 400), 2)
    both["leak"] = "110+170"
    pens = pd.concat([a, b, two, both], ignore_index=True)
    pens["start_m"] = m0 - 1
    death_m = pd.Series(month_of(p["death_date"].to_numpy("datetime64[D]")), index=pid)
    dm = pens["person_id"].map(death_m).to_numpy()
    u = rng.random(len(pens))
    extra = np.select([u < 0.55, u < 0.80], [0, rng.integers(1, 4, len(pens))], NEVER)
    pens["end_m"] = np.where(dm < NEVER, np.minimum(dm + 1 + extra, NEVER), NEVER)
    pens.insert(0, "pension_id", np.arange(1, len(pens) + 1, dtype=np.int64))
    return pens
