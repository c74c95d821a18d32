"""One extract per department per period from restricted.findings (full ID numbers: the departments must
act on the real person). Written as CSV (UTF-8 with BOM so Excel opens Chinese text) under
<reports>/departments/<period>/<department>.csv."""

from __future__ import annotations

from pathlib import Path

from canbao.publish._warehouse import read

DEPARTMENTS = ("public_security", "civil_affairs", "tax", "social_insurance")


def write_department_extracts(warehouse: Path, reports_dir: Path, period: str) -> dict[str, Path]:
    out_dir = Path(reports_dir) / "departments" / period
    out_dir.mkdir(parents=True, exist_ok=True)
    findings = read(warehouse, "select finding_id, finding_type, finding_subtype, department, identifier, name, "
                               "id_number, district_code, township_code, subject, detail, "
                               "array_to_string(evidence, ';') as evidence "
                               "from restricted.findings where period = ? order by finding_type, finding_id",
                    [period])
    written: dict[str, Path] = {}
    for dept in DEPARTMENTS:
        path = out_dir / f"{dept}.csv"
        findings[findings["department"] == dept].to_csv(path, index=False, encoding="utf-8-sig")
        written[dept] = path
    return written
