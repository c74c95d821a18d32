"""Audit sheets: one Excel workbook per district with the fields to verify and blank verdict columns.

The verdict columns carry the `audit_verdicts` contract headers (样本编号 … 核查日期), so a filled sheet's
columns can be delivered back as that source without re-keying.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# Sample column → sheet header (Chinese / English). Only columns present in the sample are written.
FIELD_HEADERS: dict[str, str] = {
    "identifier": "参保标识 identifier",
    "name": "姓名 name",
    "id_number_masked": "身份证号(脱敏) ID (masked)",
    "gender": "性别 gender",
    "birth_date": "出生日期 birth date",
    "address": "地址 address",
    "phone_masked": "联系电话(脱敏) phone (masked)",
    "district_code": "区县 district",
    "township_code": "乡镇街道 township",
    "scheme_group": "险种组 scheme group",
    "stratum": "台账状态 ledger status",
    "is_should_insure": "应参保 should be insured",
    "is_insured": "已参保 insured",
    "is_incomplete": "未参齐险种 incomplete",
    "is_receiving_pension": "领取养老金 receiving pension",
}
# The contract's verdict columns, left blank for the auditor.
VERDICT_HEADERS = ("核查方式", "核查结果", "不一致项", "核查人", "核查日期")
METHODS = ["电话", "入户", "数据比对"]
VERDICTS = ["一致", "不一致", "查无此人"]


def sheet_frame(samples: pd.DataFrame) -> pd.DataFrame:
    """The rows of one sheet: 样本编号, the fields to verify, then the blank verdict columns."""
    cols = [c for c in FIELD_HEADERS if c in samples.columns]
    out = samples[["sample_id", *cols]].rename(columns={"sample_id": "样本编号", **FIELD_HEADERS})
    for header in VERDICT_HEADERS:
        out[header] = ""
    return out


def write_sheets(samples: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write `抽检核查_<district>.xlsx` per district with drop-downs for method and verdict."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for district, part in samples.groupby("district_code", sort=True):
        path = out_dir / f"抽检核查_{district}.xlsx"
        frame = sheet_frame(part)
        with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
            frame.to_excel(writer, sheet_name="抽检核查", index=False)
            sheet = writer.sheets["抽检核查"]
            last = len(frame)
            first_verdict_col = len(frame.columns) - len(VERDICT_HEADERS)
            sheet.data_validation(
                1, first_verdict_col, last, first_verdict_col, {"validate": "list", "source": METHODS}
            )
            sheet.data_validation(
                1, first_verdict_col + 1, last, first_verdict_col + 1, {"validate": "list", "source": VERDICTS}
            )
            sheet.freeze_panes(1, 1)
            sheet.set_column(0, len(frame.columns) - 1, 16)
        written.append(path)
    return written
