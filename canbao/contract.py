"""The data-exchange contract as typed objects: `canbao/contract/sources.yaml` + `english_names.yaml`.

`contract.py` sits beside the data folder `contract/` (no `__init__.py` there, so this module wins the import).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from canbao.errors import ContractError

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"


@dataclass(frozen=True)
class SourceSpec:
    """One delivery of the contract: how its files look and which columns they carry."""

    name: str
    owner: str
    kind: str  # snapshot | events
    grain: str
    format: str  # csv | txt | xlsx
    encoding: str  # utf-8 | gbk (text formats; xlsx: not applicable)
    delimiter: str
    header: bool
    sheet: str | int  # xlsx: "first" or a name
    header_row: int  # xlsx: 1-based sheet row holding the header
    columns: tuple[str, ...]  # native names, contract order
    descriptions: dict[str, str]
    english: dict[str, str]  # native name -> English snake_case (staging)
    model: str | None  # staging model name

    @property
    def is_excel(self) -> bool:
        return self.format in ("xlsx", "xls")


def _load_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ContractError(f"contract file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ContractError(f"{path.name}: not valid YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ContractError(f"{path.name}: expected a mapping at the top level")
    return data


def _spec(name: str, body: dict, names: dict) -> SourceSpec:
    file = body.get("file") or {}
    columns = body.get("columns") or {}
    if not columns:
        raise ContractError(f"sources.yaml: source {name} has no columns")
    english_block = names.get(name) or {}
    english = {str(k): str(v) for k, v in (english_block.get("columns") or {}).items()}
    native = tuple(str(c) for c in columns)
    missing = [c for c in native if english and c not in english]
    if missing:
        raise ContractError(f"english_names.yaml: {name} lacks English names for {', '.join(missing)}")
    fmt = str(file.get("format", "csv")).lower()
    return SourceSpec(
        name=name,
        owner=str(body.get("owner", "")),
        kind=str(body.get("kind", "snapshot")),
        grain=str(body.get("grain", "")),
        format=fmt,
        encoding=str(file.get("encoding", "utf-8")).lower(),
        delimiter=str(file.get("delimiter", "|" if fmt == "txt" else ",")),
        header=bool(file.get("header", True)),
        sheet=file.get("sheet", "first"),
        header_row=int(file.get("header_row", 1)),
        columns=native,
        descriptions={str(k): "" if v is None else str(v) for k, v in columns.items()},
        english=english,
        model=english_block.get("model"),
    )


@lru_cache(maxsize=4)
def load_contract(contract_dir: Path | None = None) -> dict[str, SourceSpec]:
    """All sources of the contract, keyed by source name, in contract order."""
    folder = Path(contract_dir) if contract_dir else CONTRACT_DIR
    sources = _load_yaml(folder / "sources.yaml").get("sources") or {}
    names = _load_yaml(folder / "english_names.yaml")
    return {str(name): _spec(str(name), body or {}, names) for name, body in sources.items()}


def source_spec(source: str, contract_dir: Path | None = None) -> SourceSpec:
    """The spec of one source, or a one-line error naming the known sources."""
    contract = load_contract(contract_dir)
    if source not in contract:
        raise ContractError(f"unknown source {source!r}; the contract has: {', '.join(contract)}")
    return contract[source]
