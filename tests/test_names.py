"""Name normalisation, surname split and pinyin with polyphonic surname readings."""

from __future__ import annotations

import duckdb

from canbao import names
from canbao.dbt_plugin import register_udfs


def test_polyphonic_surnames() -> None:
    assert names.pinyin("单雄信") == "shanxiongxin"
    assert names.pinyin("曾伟") == "zengwei"
    assert names.pinyin("解缙") == "xiejin"
    assert names.pinyin("区志华") == "ouzhihua"
    assert names.pinyin("仇英") == "qiuying"
    assert names.pinyin("查良镛") == "zhaliangyong"
    assert names.pinyin("朴正") == "piaozheng"
    assert names.pinyin("乐嘉") == "yuejia"


def test_homophones_share_pinyin() -> None:
    assert names.pinyin("张伟") == names.pinyin("章玮") == "zhangwei"


def test_normalise_and_split() -> None:
    assert names.normalise(" 李　娜 ") == "李娜"
    assert names.normalise("") is None
    assert names.split_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert names.split_name("王芳") == ("王", "芳")
    assert names.split_name("买买提•艾力") == (None, "买买提·艾力")
    assert names.pinyin("欧阳娜娜") == "ouyangnana"


def test_udfs_in_duckdb() -> None:
    con = duckdb.connect()
    register_udfs(con)
    got = con.execute(
        "select canbao_pinyin('曾 伟'), canbao_surname('司马光'), canbao_given_name('司马光'), canbao_pinyin(null), "
        "canbao_nfkc('ＡＢ１２')"
    ).fetchone()
    assert got == ("zengwei", "司马", "光", None, "AB12")
