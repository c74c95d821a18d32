"""Small hand-made int_person_records for linkage tests (no generator, no dbt)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import duckdb
import pandas as pd
from pypinyin import lazy_pinyin

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀"]
HOMOPHONE = {"伟": "玮", "芳": "方", "娜": "纳", "静": "晶", "丽": "莉", "强": "蔷", "军": "君", "明": "鸣"}
DISTRICTS = ["500101", "500103", "500106", "500107", "500108"]


def id_number(area: str, dob: date, seq: int) -> str:
    body = f"{area}{dob:%Y%m%d}{seq:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def _person(rng: random.Random, pid: int, prefix: str = "P", **over) -> dict:
    dob = over.pop("dob", date(1950, 1, 1) + timedelta(days=rng.randrange(60 * 365)))
    gender = over.pop("gender", rng.choice(["1", "2"]))
    seq = over.pop("seq", rng.randrange(0, 499) * 2 + (1 if gender == "1" else 0))
    district = over.pop("district", rng.choice(DISTRICTS))
    surname = over.pop("surname", rng.choice(SURNAMES))
    given = over.pop("given", "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))))
    p = {
        "person_id": f"{prefix}{pid:05d}",
        "id_number": id_number(district, dob, seq),
        "surname": surname,
        "given_name": given,
        "dob": dob,
        "gender": gender,
        "district_code": district,
        "township_code": district + f"{rng.randrange(1, 6):03d}",
        "phone": f"13{rng.randrange(10**8, 10**9)}",
        "household_no": over.pop("household_no", f"H{prefix}{pid:06d}"),
    }
    p.update(over)
    return p


def make_persons(n: int, seed: int = 1, prefix: str = "P") -> list[dict]:
    rng = random.Random(seed)
    persons = [_person(rng, i, prefix) for i in range(n)]
    # twins: same household, birth date, surname, consecutive sequence numbers
    for k in range(0, n // 20):
        a = persons[k]
        seq = int(a["id_number"][14:17])
        twin = _person(
            rng,
            n + k,
            prefix,
            dob=a["dob"],
            gender=a["gender"],
            seq=(seq + 2) % 1000,
            district=a["district_code"],
            surname=a["surname"],
            household_no=a["household_no"],
            phone=a["phone"],
            township_code=a["township_code"],
        )
        while twin["given_name"] == a["given_name"]:
            twin["given_name"] = rng.choice(GIVEN) + rng.choice(GIVEN)
        persons.append(twin)
    return persons


def _record(p: dict, source: str, period: str, row: int, rng: random.Random, noise: str | None) -> dict:
    name = p["surname"] + p["given_name"]
    ident = p["id_number"]
    valid = True
    stated = p["dob"]
    if noise == "homophone" and p["given_name"][-1] in HOMOPHONE:
        name = name[:-1] + HOMOPHONE[name[-1]]
    elif noise == "transposed":
        i = rng.randrange(14, 16)
        ident = ident[:i] + ident[i + 1] + ident[i] + ident[i + 2 :]
        valid = ident == p["id_number"]
    elif noise == "mistyped":
        i = rng.randrange(0, 17)
        ident = ident[:i] + str((int(ident[i]) + 1) % 10) + ident[i + 1 :]
        valid = False
    given = name[len(p["surname"]) :]
    return {
        "record_key": f"{source}|{period}|f.csv|{row}",
        "source": source,
        "period": period,
        "file_name": "f.csv",
        "row_number": row,
        "id_number_raw": ident,
        "id_number": ident,
        "id_is_valid": valid,
        "id_was_15": False,
        "id_birth_date": p["dob"] if valid else None,
        "id_gender": p["gender"],
        "name_raw": name,
        "name": name,
        "name_pinyin": " ".join(lazy_pinyin(name)),
        "surname": p["surname"],
        "given_name": given,
        "birth_date": p["dob"] if valid else stated,
        "birth_date_stated": stated if source != "tax_withholding" else None,
        "gender": p["gender"],
        "district_code": p["district_code"],
        "township_code": p["township_code"],
        "phone": p["phone"] if rng.random() > 0.1 else None,
        "address": None,
        "household_no": p["household_no"],
        "mother_id_number": None,
        "data_issues": [],
        "person_id": p["person_id"],
    }


def make_records(persons: list[dict], period: str, seed: int = 2) -> pd.DataFrame:
    """2-3 rows per person over sources; some noisy rows. Returns rows with a person_id (truth) column."""
    rng = random.Random(f"{seed}-{period}")
    rows = []
    for p in persons:
        for source in rng.sample(["si_employee", "ps_hukou", "tax_withholding", "si_resident"], rng.choice([2, 3])):
            r = rng.random()
            noise = "homophone" if r < 0.05 else "transposed" if r < 0.08 else "mistyped" if r < 0.1 else None
            rows.append(_record(p, source, period, len(rows) + 1, rng, noise))
    return pd.DataFrame(rows)


def write_warehouse(path, frames: list[pd.DataFrame]) -> None:
    data = pd.concat(frames, ignore_index=True).drop(columns=["person_id"])  # noqa: F841
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.execute("CREATE OR REPLACE TABLE intermediate.int_person_records AS SELECT * FROM data")
