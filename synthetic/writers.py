"""Write one delivery file in the contract's format: UTF-8 CSV, GBK CSV (CRLF, as Windows exports are),
pipe-delimited GBK text, or Excel .xlsx with fixed document timestamps (byte-reproducible)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter
import yaml

from synthetic.codes import stable_uniform

CONTRACT = Path(__file__).resolve().parent.parent / "canbao" / "contract" / "sources.yaml"
FIXED_TIME = datetime(2016, 1, 1, 8, 0, 0)


def load_contract(path: Path = CONTRACT) -> dict[str, dict]:
    """source → {'kind', 'file': {...}, 'columns': [native names in order]}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    return {s: {"kind": v["kind"], "file": v["file"], "columns": list(v["columns"])} for s, v in data.items()}


def file_name(source: str, period: str, spec: dict) -> str:
    return f"{source}_{period.replace('-', '')}.{spec['format']}"


def write_delivery(df: pd.DataFrame, path: Path, spec: dict, columns: list[str]) -> None:
    """Write the contract columns of `df` (all text) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = df[columns]
    fmt = spec["format"]
    if fmt in ("csv", "txt"):
        enc = spec.get("encoding", "utf-8").lower()
        data.to_csv(path, index=False, sep=spec.get("delimiter", ","), encoding=enc,
                    lineterminator="\r\n" if enc == "gbk" else "\n")
    elif fmt == "xlsx":
        _write_xlsx(df, path, columns)
    else:
        raise ValueError(f"unsupported delivery format {fmt!r}")


def _write_xlsx(df: pd.DataFrame, path: Path, columns: list[str]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED_TIME, "author": "canbao synthetic"})
    wb.set_custom_property("generator", "canbao synthetic")
    ws = wb.add_worksheet("Sheet1")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, c in enumerate(columns):
        ws.write_string(0, j, c)
    # the crematoria's system exports about a fifth of its dates as real Excel dates (the contract allows both)
    as_date = stable_uniform(df["_key"].to_numpy("uint64"), 41) < 0.2 if "_key" in df else None
    date_cols = {j for j, c in enumerate(columns) if c.endswith("日期")}
    values = df[columns].to_numpy(object)
    for i, row in enumerate(values, start=1):
        for j, v in enumerate(row):
            if v == "" or v is None:
                continue
            if as_date is not None and as_date[i - 1] and j in date_cols:
                try:
                    ws.write_datetime(i, j, datetime.strptime(v, "%Y-%m-%d"), date_fmt)
                    continue
                except ValueError:
                    pass
            ws.write_string(i, j, str(v))
    wb.close()
