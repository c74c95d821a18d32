"""Ingest of delimited text deliveries: encodings, field counts, headers, idempotency."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from canbao.contract import load_contract, source_spec
from canbao.errors import CanbaoError, DeliveryRejected
from canbao.ingest import delivered_sources, ingest_source_period, list_periods

P = "2015-01"
HUKOU = source_spec("ps_hukou").columns
BENEFIT = source_spec("si_benefit").columns
TAX = source_spec("tax_withholding").columns


def hukou_row(id_number: str = "500107199001010011", name: str = "张三", **kw: str) -> list[str]:
    values = dict(zip(HUKOU, [id_number, name, "男", "汉族", "1990-01-01", "H001", "户主", "重庆市九龙坡区石桥铺",
                              "500107", "石桥铺街道", "正常", ""], strict=True))  # fmt: skip
    values.update(kw)
    return [values[c] for c in HUKOU]


def benefit_row(id_number: str = "500107195001010011", amount: str = "1850.00") -> list[str]:
    return [id_number, "王五", "110", "201501", amount, "500107"]


def csv_text(header: tuple[str, ...] | list[str], rows: list[list[str]], sep: str = ",", end: str = "\n") -> str:
    return end.join([sep.join(header), *(sep.join(r) for r in rows)]) + end


def deliver(landing: Path, source: str, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    folder = landing / source / P
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def query(wh: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "warehouse.duckdb", tmp_path / "landing"


def test_contract_loads_every_source_with_english_names() -> None:
    contract = load_contract()
    assert len(contract) == 13
    assert contract["tax_withholding"].delimiter == "|"
    assert contract["ps_hukou"].encoding == "gbk"
    assert contract["ca_death"].is_excel
    assert contract["si_employee"].english["AAC002"] == "id_number"
    assert contract["ps_hukou"].columns[0] == "公民身份号码"


def test_unknown_source_and_bad_period_are_one_line_errors(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    with pytest.raises(CanbaoError, match=r"^unknown source 'nope'; the contract has: si_employee, "):
        ingest_source_period(wh, landing, "nope", P)
    with pytest.raises(CanbaoError, match=r"^period must look like YYYY-MM, got '2015-1'$"):
        ingest_source_period(wh, landing, "ps_hukou", "2015-1")


def test_gbk_file_loads_rows_as_read_with_1_based_row_numbers(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    rows = [hukou_row(), hukou_row("５００１０７１９９００１０１００２Ｘ", " 李四 "), hukou_row("50010719900101003x")]
    deliver(landing, "ps_hukou", "hukou.csv", csv_text(HUKOU, rows, end="\r\n"), "gbk")
    result = ingest_source_period(wh, landing, "ps_hukou", P)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 3, 0)
    assert result.files[0].encoding == "gb18030"
    got = query(
        wh, 'SELECT _row_number, "公民身份号码", "姓名", "变动日期", _file, _period FROM raw.ps_hukou ORDER BY 1'
    )
    # Full-width digits, lowercase x and surrounding spaces are kept as delivered: staging normalises.
    assert got == [
        (1, "500107199001010011", "张三", "", "hukou.csv", P),
        (2, "５００１０７１９９００１０１００２Ｘ", " 李四 ", "", "hukou.csv", P),
        (3, "50010719900101003x", "张三", "", "hukou.csv", P),
    ]
    deliveries = query(wh, "SELECT file, encoding, rows_read, rows_loaded, rows_rejected, status FROM raw._deliveries")
    assert deliveries == [("hukou.csv", "gb18030", 3, 3, 0, "loaded")]


def test_gbk_declared_file_that_is_utf8_is_read_as_utf8_with_warning(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    deliver(landing, "ps_hukou", "h.csv", csv_text(HUKOU, [hukou_row()]), "utf-8")
    result = ingest_source_period(wh, landing, "ps_hukou", P)
    assert result.files[0].encoding == "utf-8"
    assert query(wh, 'SELECT "姓名" FROM raw.ps_hukou') == [("张三",)]
    assert query(wh, "SELECT message FROM raw._deliveries") == [
        ("declared GBK but the file is valid UTF-8: read as UTF-8",)
    ]


def test_utf8_declared_file_that_is_gbk_is_read_as_gb18030_with_warning(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    text = csv_text(BENEFIT, [benefit_row(), ["500107195001010022", "赵六", "170", "201501", "95.00", "500108"]])
    deliver(landing, "si_benefit", "b.csv", text, "gbk")
    result = ingest_source_period(wh, landing, "si_benefit", P)
    assert result.rows_loaded == 2 and result.files[0].encoding == "gb18030"
    assert query(wh, "SELECT AAC003 FROM raw.si_benefit ORDER BY _row_number") == [("王五",), ("赵六",)]
    assert query(wh, "SELECT message FROM raw._deliveries") == [
        ("declared UTF-8 but the file is GBK: read as GB18030",)
    ]


def test_utf8_with_bom_header_is_trimmed(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    deliver(landing, "si_benefit", "b.csv", "\ufeff" + csv_text(BENEFIT, [benefit_row()]), "utf-8")
    result = ingest_source_period(wh, landing, "si_benefit", P)
    assert (result.rows_loaded, result.files[0].encoding) == (1, "utf-8-sig")
    assert query(wh, "SELECT AAC002 FROM raw.si_benefit") == [("500107195001010011",)]


def test_single_undecodable_line_is_rejected_not_the_file(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    good = [csv_text(BENEFIT, [benefit_row(), benefit_row("500107195001010022")]).encode()]
    bad_line = "500107195001010033,".encode() + b"\xff\xfe" + ",110,201501,10.00,500107\n".encode()
    tail = "500107195001010044,钱七,110,201501,20.00,500107\n".encode()
    deliver(landing, "si_benefit", "b.csv", good[0] + bad_line + tail)
    result = ingest_source_period(wh, landing, "si_benefit", P)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert query(wh, "SELECT _row_number FROM raw.si_benefit ORDER BY 1") == [(1,), (2,), (4,)]
    assert query(wh, "SELECT file, row_number, reason, message, raw_line FROM raw._ingest_rejects") == [
        ("b.csv", 3, "undecodable_bytes", "line holds bytes that could not be decoded",
         "500107195001010033,\ufffd\ufffd,110,201501,10.00,500107"),
    ]  # fmt: skip


def test_file_mostly_undecodable_is_rejected(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    body = b"".join(b"500107195001010011,\xff\xfe\xfd,110,201501,1.00,500107\n" for _ in range(3))
    deliver(landing, "si_benefit", "bad.csv", csv_text(BENEFIT, []).encode() + body)
    with pytest.raises(DeliveryRejected) as err:
        ingest_source_period(wh, landing, "si_benefit", P)
    assert str(err.value) == (
        "si_benefit 2015-01: bad.csv line 2: not decodable as UTF-8: 3 of 4 lines hold invalid bytes"
    )
    assert query(wh, "SELECT file, status, message FROM raw._deliveries") == [("bad.csv", "rejected", str(err.value))]
    assert query(wh, "SELECT count(*) FROM raw.si_benefit") == [(0,)]


def test_too_many_too_few_and_truncated_last_line(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    text = csv_text(BENEFIT, [benefit_row(), benefit_row() + ["extra"], benefit_row()[:4]])
    text += "500107195001010099,孙八,110,2015"  # cut mid-row: no line end
    deliver(landing, "si_benefit", "b.csv", text)
    result = ingest_source_period(wh, landing, "si_benefit", P)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 1, 3)
    assert query(wh, "SELECT row_number, reason, message, raw_line FROM raw._ingest_rejects ORDER BY 1") == [
        (2, "too_many_fields", "expected 6 fields, found 7",
         "500107195001010011,王五,110,201501,1850.00,500107,extra"),
        (3, "too_few_fields", "expected 6 fields, found 4", "500107195001010011,王五,110,201501"),
        (4, "too_few_fields", "expected 6 fields, found 4 (last line has no line end: truncated file?)",
         "500107195001010099,孙八,110,2015"),
    ]  # fmt: skip


def test_quoted_field_with_embedded_newline_and_blank_line(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    text = csv_text(HUKOU, [hukou_row(住址='"重庆市\n九龙坡区, 2号"'), [], hukou_row("500107199001010022")])
    deliver(landing, "ps_hukou", "h.csv", text, "gbk")
    result = ingest_source_period(wh, landing, "ps_hukou", P)
    assert (result.rows_read, result.rows_loaded, result.files[0].blank_rows) == (2, 2, 1)
    assert query(wh, 'SELECT _row_number, "住址" FROM raw.ps_hukou ORDER BY 1') == [
        (1, "重庆市\n九龙坡区, 2号"),
        (3, "重庆市九龙坡区石桥铺"),
    ]


def test_pipe_delimited_tax_file(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    row = ["91500107MA5U123456", "重庆某某有限公司", "201501", "居民身份证", "500107199001010011", "张三", "5000.00"]
    deliver(landing, "tax_withholding", "tax_500107.txt", csv_text(TAX, [row], sep="|"), "gbk")
    result = ingest_source_period(wh, landing, "tax_withholding", P)
    assert result.rows_loaded == 1
    assert query(wh, 'SELECT "扣缴义务人名称", "收入额" FROM raw.tax_withholding') == [("重庆某某有限公司", "5000.00")]


def test_missing_and_unknown_columns_reject_the_whole_delivery(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    deliver(landing, "si_benefit", "a.csv", csv_text(BENEFIT, [benefit_row()]))
    header = [c for c in BENEFIT if c != "AAE019"] + ["JE"]
    deliver(landing, "si_benefit", "b.csv", csv_text(header, [benefit_row()]))
    with pytest.raises(DeliveryRejected) as err:
        ingest_source_period(wh, landing, "si_benefit", P)
    msg = "si_benefit 2015-01: b.csv line 1: header does not match the contract: missing AAE019; unknown JE"
    assert str(err.value) == msg
    assert query(wh, "SELECT file, status, message FROM raw._deliveries ORDER BY file") == [
        ("a.csv", "rejected", "not loaded: the delivery was rejected because of b.csv"),
        ("b.csv", "rejected", msg),
    ]
    assert query(wh, "SELECT count(*) FROM raw.si_benefit") == [(0,)]


def test_wrong_delimiter_is_named(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    deliver(landing, "si_benefit", "b.csv", csv_text(BENEFIT, [benefit_row()], sep=";"))
    with pytest.raises(DeliveryRejected, match=r"looks like ';'-delimited; the contract says ','\)$") as err:
        ingest_source_period(wh, landing, "si_benefit", P)
    assert str(err.value).startswith(
        "si_benefit 2015-01: b.csv line 1: header does not match the contract: missing AAC002, AAC003"
    )


def test_columns_in_another_order_are_matched_by_name(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    header = list(reversed(BENEFIT))
    deliver(landing, "si_benefit", "b.csv", csv_text(header, [list(reversed(benefit_row()))]))
    ingest_source_period(wh, landing, "si_benefit", P)
    assert query(wh, "SELECT AAC002, AAE019 FROM raw.si_benefit") == [("500107195001010011", "1850.00")]
    assert query(wh, "SELECT message FROM raw._deliveries") == [
        ("columns in a different order than the contract (matched by name)",)
    ]


def test_empty_file_rejects_and_header_only_is_a_valid_empty_delivery(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    empty = deliver(landing, "si_benefit", "empty.csv", b"")
    with pytest.raises(DeliveryRejected, match=r"^si_benefit 2015-01: empty.csv: file is empty \(0 bytes\)$"):
        ingest_source_period(wh, landing, "si_benefit", P)
    assert query(wh, "SELECT file, status FROM raw._deliveries") == [("empty.csv", "rejected")]
    empty.unlink()
    deliver(landing, "si_benefit", "header.csv", csv_text(BENEFIT, []))
    result = ingest_source_period(wh, landing, "si_benefit", P)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 0, 0)
    assert query(wh, "SELECT file, status, rows_read FROM raw._deliveries") == [("header.csv", "loaded", 0)]


def test_same_bytes_twice_is_a_duplicate_file(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    text = csv_text(BENEFIT, [benefit_row()])
    deliver(landing, "si_benefit", "a.csv", text)
    deliver(landing, "si_benefit", "copy of a.csv", text)
    deliver(landing, "si_benefit", ".DS_Store", b"\x00\x01")
    result = ingest_source_period(wh, landing, "si_benefit", P)
    assert [(f.file, f.status) for f in result.files] == [("a.csv", "loaded"), ("copy of a.csv", "duplicate_file")]
    assert query(wh, "SELECT _file FROM raw.si_benefit") == [("a.csv",)]
    assert query(wh, "SELECT file, status, message FROM raw._deliveries ORDER BY file") == [
        ("a.csv", "loaded", ""),
        ("copy of a.csv", "duplicate_file", "same bytes as a.csv: not loaded again"),
    ]


def test_rerun_is_unchanged_and_corrected_redelivery_replaces(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    path = deliver(landing, "si_benefit", "b.csv", csv_text(BENEFIT, [benefit_row(), benefit_row()[:3]]))
    first = ingest_source_period(wh, landing, "si_benefit", P)
    assert (first.status, first.rows_loaded, first.rows_rejected) == ("loaded", 1, 1)
    loaded_at = query(wh, "SELECT loaded_at FROM raw._deliveries")
    again = ingest_source_period(wh, landing, "si_benefit", P)
    assert (again.status, again.rows_loaded, again.rows_rejected) == ("unchanged", 1, 1)
    assert query(wh, "SELECT loaded_at FROM raw._deliveries") == loaded_at
    path.write_text(csv_text(BENEFIT, [benefit_row(amount="1.00"), benefit_row(amount="2.00")]))
    fixed = ingest_source_period(wh, landing, "si_benefit", P)
    assert (fixed.status, fixed.rows_loaded, fixed.message) == ("loaded", 2, "replaced the earlier delivery")
    assert query(wh, "SELECT AAE019 FROM raw.si_benefit ORDER BY _row_number") == [("1.00",), ("2.00",)]
    assert query(wh, "SELECT count(*) FROM raw._ingest_rejects") == [(0,)]
    assert query(wh, "SELECT count(*), sum(rows_loaded) FROM raw._deliveries") == [(1, 2)]


def test_rejected_redelivery_keeps_the_loaded_rows(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    deliver(landing, "si_benefit", "b.csv", csv_text(BENEFIT, [benefit_row()]))
    ingest_source_period(wh, landing, "si_benefit", P)
    deliver(landing, "si_benefit", "c.csv", b"")
    with pytest.raises(DeliveryRejected):
        ingest_source_period(wh, landing, "si_benefit", P)
    assert query(wh, "SELECT count(*) FROM raw.si_benefit") == [(1,)]
    assert query(wh, "SELECT file, status FROM raw._deliveries ORDER BY status, file") == [
        ("b.csv", "loaded"),
        ("b.csv", "rejected"),
        ("c.csv", "rejected"),
    ]


def test_missing_period_writes_nothing(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    result = ingest_source_period(wh, landing, "hfp_vital", P)
    assert (result.status, result.message) == ("missing", "no period folder")
    assert not wh.exists()


def test_list_periods_and_delivered_sources(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    for source, period in [("si_employee", "2015-01"), ("ps_hukou", "2015-02"), ("ps_hukou", "2015-01")]:
        (landing / source / period).mkdir(parents=True)
        (landing / source / period / "x.csv").write_text("x")
    (landing / "hfp_vital" / "2015-01").mkdir(parents=True)
    (landing / "hfp_vital" / "2015-01" / ".DS_Store").write_text("x")
    (landing / "si_employee" / "notes").mkdir()
    assert list_periods(landing) == ["2015-01", "2015-02"]
    assert delivered_sources(landing, "2015-01") == {"si_employee", "ps_hukou"}
    assert list_periods(tmp_path / "nowhere") == []


def test_fast_and_careful_paths_split_records_identically() -> None:
    from canbao.ingest.text_reader import _arrow_records, _read_records

    spec = source_spec("si_benefit")
    body = (
        '1,"王 ""五""",110,201501, 1.00 ,500107\r\n2,"多\r\n行",110,201501,,500107\n3,a"b,110,201501,"",500107\n4,,,,,x'
    )
    fast = _arrow_records(body.encode(), spec, list(BENEFIT), ",")
    careful = _read_records(body, spec, list(BENEFIT), ",", set(), ends_with_newline=False)
    assert fast is not None and careful.rejects == fast.rejects == []
    assert fast.table.to_pylist() == careful.table.to_pylist()
    fast = fast.table
    assert fast.column("AAC003").to_pylist() == ['王 "五"', "多\r\n行", 'a"b', ""]
    assert fast.column("AAE019").to_pylist() == [" 1.00 ", "", "", ""]
    assert fast.column("_row_number").to_pylist() == [1, 2, 3, 4]


def test_fast_and_careful_paths_reject_and_number_identically() -> None:
    from canbao.ingest.text_reader import _arrow_records, _read_records

    spec = source_spec("si_benefit")
    body = (
        '1,a,110,201501,1.00,500107\n\n,,,,,\n2,"x\ny",110,201501,1.00,500107,extra\n'
        "3,b,110\n4,c,110,201501,1.00,500107\n5,d"
    )
    fast = _arrow_records(body.encode(), spec, list(BENEFIT), ",")
    careful = _read_records(body, spec, list(BENEFIT), ",", set(), ends_with_newline=False)
    assert fast is not None
    for parsed in (fast, careful):
        assert parsed.table.column("_row_number").to_pylist() == [1, 6]
        assert parsed.table.column("AAC003").to_pylist() == ["a", "c"]
        assert parsed.blank_rows == 2
        assert [(r.row_number, r.reason, r.message, r.raw_line) for r in parsed.rejects] == [
            (4, "too_many_fields", "expected 6 fields, found 7", '2,"x\ny",110,201501,1.00,500107,extra'),
            (5, "too_few_fields", "expected 6 fields, found 3", "3,b,110"),
            (7, "too_few_fields", "expected 6 fields, found 2 (last line has no line end: truncated file?)", "5,d"),
        ]


def test_gbk_file_with_one_bad_byte_sequence(dirs: tuple[Path, Path]) -> None:
    wh, landing = dirs
    data = csv_text(TAX, []).replace(",", "|").encode("gbk")
    good = "91500107MA5U123456|重庆某某公司|201501|居民身份证|500107199001010011|张三|5000.00\n".encode("gbk")
    bad = "91500107MA5U123456|".encode("gbk") + b"\x81\x20" + "|201501|居民身份证|x|李四|1.00\n".encode("gbk")
    deliver(landing, "tax_withholding", "t.txt", data + good + bad + good)
    result = ingest_source_period(wh, landing, "tax_withholding", P)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert query(wh, "SELECT row_number, reason, raw_line FROM raw._ingest_rejects") == [
        (2, "undecodable_bytes", "91500107MA5U123456|\ufffd |201501|居民身份证|x|李四|1.00")
    ]


def test_failed_write_leaves_the_earlier_delivery_intact(dirs: tuple[Path, Path], monkeypatch) -> None:
    from canbao.ingest import warehouse

    wh, landing = dirs
    path = deliver(landing, "si_benefit", "b.csv", csv_text(BENEFIT, [benefit_row()]))
    ingest_source_period(wh, landing, "si_benefit", P)
    path.write_text(csv_text(BENEFIT, [benefit_row(amount="9.99"), benefit_row(amount="8.88")]))

    def boom(*_args: object) -> None:
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(warehouse, "_insert_deliveries", boom)
    with pytest.raises(RuntimeError, match="killed mid-write"):
        ingest_source_period(wh, landing, "si_benefit", P)
    assert query(wh, "SELECT AAE019 FROM raw.si_benefit") == [("1850.00",)]
    assert query(wh, "SELECT file, rows_loaded, status FROM raw._deliveries") == [("b.csv", 1, "loaded")]
