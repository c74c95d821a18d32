"""The generator's world as the field simulator sees it: loaded back from truth/world/, plus the field work's
own changes (truth/world/field_records.parquet: new resident records; field_restarts.parquet: lapsed
records re-activated from a month on), and re-rendering of later periods with those changes.

A wrapper around `synthetic.render.Renderer` (no change to the generator's modules): `FieldRenderer`
re-activates restarted records in si_resident from their restart month on, and leaves every other row as
the generator renders it, so a period without field changes re-renders byte-identically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synthetic.config import NoiseConfig, period_of
from synthetic.geography import Geography, load_districts
from synthetic.noise import Noise
from synthetic.render import EMPLOYEE_SOURCES_KEYS, PeriodView, Renderer
from synthetic.truth import findings_for_period, status_for_period
from synthetic.world import NEVER, World, month_of
from synthetic.writers import file_name, load_contract, write_delivery

FIELD_RECORDS = "field_records.parquet"
FIELD_RESTARTS = "field_restarts.parquet"
FIELD_STUDENTS = "field_students.parquet"
STUDENT_COLUMNS = ["person_id", "reported_m", "field_period"]
RESTART_COLUMNS = ["record_id", "person_id", "scheme", "restart_m", "restart_end_m", "field_period"]
RECORD_KEY_OFFSET = 2 * EMPLOYEE_SOURCES_KEYS  # si_resident's _key = record_id + this (render.py)
# sources whose clean frames the truth's status and findings need
TRUTH_SOURCES = ["si_employee", "si_resident", "si_benefit", "ca_assistance", "tax_withholding"]


@dataclass
class FieldWorld:
    world: World
    config: dict
    field_records: pd.DataFrame   # world.records rows added by field work (+ field_period)
    restarts: pd.DataFrame        # RESTART_COLUMNS
    students: pd.DataFrame        # STUDENT_COLUMNS: month a survey return reporting 学生 was delivered

    def apply_students(self) -> None:
        """persons.student_reported_m (read by synthetic.truth): the first delivery reporting 学生."""
        p = self.world.persons
        first = self.students.groupby("person_id")["reported_m"].min() if len(self.students) else pd.Series(
            dtype=np.int64)
        p["student_reported_m"] = pd.array(p["person_id"].map(first), dtype="Int64")

    @property
    def seed(self) -> int:
        return int(self.config["seed"])

    @property
    def periods(self) -> list[str]:
        return list(self.config["periods"])


def load_field_world(truth: Path, before_period: str | None = None) -> FieldWorld:
    """The world of truth/world/ with the field changes of periods before `before_period` applied (changes
    from `before_period` on are dropped: re-simulating a period replaces its own changes and later ones)."""
    wdir = truth / "world"
    config = json.loads((truth / "config.json").read_text(encoding="utf-8"))
    geo = Geography(districts=load_districts(), townships=pd.read_parquet(wdir / "townships.parquet"))
    records = pd.read_parquet(wdir / "records.parquet")
    field_records = _read(wdir / FIELD_RECORDS, None)
    restarts = _read(wdir / FIELD_RESTARTS, RESTART_COLUMNS)
    students = _read(wdir / FIELD_STUDENTS, STUDENT_COLUMNS)
    if before_period is not None:
        students = students[students["field_period"] < before_period]
        if field_records is not None:
            field_records = field_records[field_records["field_period"] < before_period]
        restarts = restarts[restarts["field_period"] < before_period]
    if field_records is None:
        field_records = records.iloc[:0].assign(field_period=pd.Series(dtype=object))
    field_records = field_records.reset_index(drop=True)
    all_records = pd.concat([records, field_records.drop(columns=["field_period"]).astype(records.dtypes.to_dict())],
                            ignore_index=True)
    world = World(persons=pd.read_parquet(wdir / "persons.parquet"),
                  employers=pd.read_parquet(wdir / "employers.parquet"),
                  spells=pd.read_parquet(wdir / "spells.parquet"), records=all_records,
                  pensions=pd.read_parquet(wdir / "pensions.parquet"), geo=geo,
                  m0=int(config["first_month"]), m1=int(config["last_month"]))
    fw = FieldWorld(world=world, config=config, field_records=field_records,
                    restarts=restarts.reset_index(drop=True), students=students.reset_index(drop=True))
    fw.apply_students()
    return fw


def _read(path: Path, columns: list[str] | None) -> pd.DataFrame | None:
    if path.exists():
        return pd.read_parquet(path)
    return pd.DataFrame(columns=columns) if columns is not None else None


def save_field_changes(truth: Path, fw: FieldWorld) -> None:
    wdir = truth / "world"
    fw.field_records.to_parquet(wdir / FIELD_RECORDS, index=False)
    r = fw.restarts.astype({"record_id": np.int64, "person_id": np.int64, "restart_m": np.int64,
                            "restart_end_m": np.int64, "scheme": str, "field_period": str})
    r.to_parquet(wdir / FIELD_RESTARTS, index=False)
    st = fw.students.astype({"person_id": np.int64, "reported_m": np.int64, "field_period": str})
    st.to_parquet(wdir / FIELD_STUDENTS, index=False)


def person_stop_month(persons: pd.DataFrame) -> pd.Series:
    """First month a person's records stop (after death or out-migration), NEVER if neither."""
    stop = np.minimum(month_of(persons["death_date"].to_numpy("datetime64[D]")),
                      month_of(persons["out_date"].to_numpy("datetime64[D]"))) + 1
    return pd.Series(np.minimum(stop, NEVER), index=persons["person_id"].to_numpy())


class FieldRenderer(Renderer):
    """The generator's renderer, plus the field work's re-activated resident records."""

    def __init__(self, world: World, restarts: pd.DataFrame) -> None:
        super().__init__(world)
        self.restarts = restarts

    def si_resident(self, v: PeriodView) -> pd.DataFrame:
        df = super().si_resident(v)
        r = self.restarts[self.restarts["restart_m"].astype(np.int64) <= v.m]
        # a record re-activated by two field rounds (lapsed again in between) follows its latest restart
        r = r.sort_values("restart_m", kind="stable").drop_duplicates("record_id", keep="last")
        if len(df) == 0 or len(r) == 0:
            return df
        keys = r["record_id"].to_numpy(np.int64).astype(np.uint64) + np.uint64(RECORD_KEY_OFFSET)
        end = pd.Series(r["restart_end_m"].to_numpy(np.int64), index=keys)
        k = df["_key"].to_numpy(np.uint64)
        hit = np.isin(k, keys)
        if not hit.any():
            return df
        stop = pd.Series(k[hit]).map(end).to_numpy(np.int64)
        paying = v.m < stop
        rows = np.flatnonzero(hit)
        df.loc[rows, "AAC031"] = np.where(paying, "1", "3")
        df.loc[rows, "ZHJFND"] = np.where(paying, str(v.year), ((stop - 1) // 12).astype(str)).astype(object)
        return df


def rerender_periods(truth: Path, landing: Path, fw: FieldWorld, after_m: int,
                     sources: tuple[str, ...] = ("si_resident",)) -> list[str]:
    """Re-render `sources` for every generated period after month `after_m` that exists in landing, and
    replace those periods' rows of truth/records, errors, status and findings. Returns the periods done."""
    from synthetic.config import month_index

    todo = [p for p in fw.periods if month_index(p) > after_m
            and any((landing / s / p).exists() for s in sources)]
    if not todo:
        return []
    contract = load_contract()
    render = FieldRenderer(fw.world, fw.restarts)
    noiser = Noise(fw.world, NoiseConfig(**fw.config["noise"]), fw.seed)
    records = pd.read_parquet(truth / "records.parquet")
    errors = pd.read_parquet(truth / "errors.parquet")
    status = pd.read_parquet(truth / "status.parquet")
    findings = pd.read_parquet(truth / "findings.parquet")
    new_rec, new_err, new_status, new_find = [], [], [], []
    for period in todo:
        m = month_index(period)
        clean: dict[str, pd.DataFrame] = {}
        for source in TRUTH_SOURCES:
            clean[source] = render.render(source, m)
        for source in sources:
            spec, columns = contract[source]["file"], contract[source]["columns"]
            df = clean[source] if source in clean else render.render(source, m)
            delivered, errs = noiser.apply(source, df.copy())
            fname = file_name(source, period, spec)
            folder = landing / source / period
            for old in folder.glob("*"):
                old.unlink()
            write_delivery(delivered, folder / fname, spec, columns)
            fw.config.setdefault("rows", {}).setdefault(source, {})[period] = len(delivered)
            keep = ~((records["source"] == source) & (records["period"] == period))
            records = records[keep]
            new_rec.append(pd.DataFrame({
                "source": source, "period": period, "file": fname,
                "row_number": np.arange(1, len(delivered) + 1, dtype=np.int64),
                "person_id": delivered["_pid"].to_numpy(np.int64)}))
            errors = errors[~((errors["source"] == source) & (errors["period"] == period))]
            if len(errs):
                ri = errs["row_index"].to_numpy(int)
                new_err.append(errs.drop(columns=["row_index"]).assign(
                    source=source, period=period, file=fname, row_number=ri.astype(np.int64) + 1,
                    person_id=delivered["_pid"].to_numpy(np.int64)[ri])[errors.columns]
                    .astype({"clean_value": str, "delivered_value": str}))
        period_errors = pd.concat([errors[errors["period"] == period], *[e for e in new_err
                                                                          if e["period"].iloc[0] == period]],
                                  ignore_index=True)
        view = render.view(m)
        new_status.append(status_for_period(fw.world, view, clean))
        new_find.append(findings_for_period(fw.world, view, clean, period_errors))
    status = pd.concat([status[~status["period"].isin(todo)], *new_status], ignore_index=True)
    findings = pd.concat([findings[~findings["period"].isin(todo)], *new_find], ignore_index=True)
    records = pd.concat([records, *new_rec], ignore_index=True)
    errors = pd.concat([errors, *new_err], ignore_index=True)
    _sort(records, ["source", "period", "file", "row_number"]).to_parquet(truth / "records.parquet", index=False)
    _sort(errors, ["source", "period", "file", "row_number"]).to_parquet(truth / "errors.parquet", index=False)
    _sort(status, ["period"]).to_parquet(truth / "status.parquet", index=False)
    _sort(findings, ["period"]).to_parquet(truth / "findings.parquet", index=False)
    write_config(truth, fw.config)
    return todo


def _sort(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return df.sort_values(by, kind="stable", ignore_index=True)


def write_config(truth: Path, config: dict) -> None:
    (truth / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1, sort_keys=True),
                                       encoding="utf-8")


def next_period(period: str) -> str:
    from synthetic.config import month_index

    return period_of(month_index(period) + 1)
