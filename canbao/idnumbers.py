"""Resident ID numbers (GB 11643-1999) and employer codes, in plain Python.

Mirrors the SQL macros in dbt_project/macros/id_numbers.sql and credit_codes.sql; the tests check that both
give the same answers. python-stdnum's ``cn.ric.validate`` is deliberately not used: it rejects numbers whose
address code did not exist in the birth year (most Chongqing numbers issued before 1997), so only its
check-digit function is.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.iso7064 import mod_11_10

# GB/T 2260 province-level codes (first two digits of an address code), every revision since 1980.
PROVINCE_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

_MIN_BIRTH = dt.date(1880, 1, 1)
_SEPARATORS = re.compile(r"[\s\u00a0\-.]+")
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(r"[0-9A-HJ-NP-RT-UW-Y]{18}")


def clean(value: str | None) -> str | None:
    """NFKC, drop whitespace and -/. separators, upper-case (the 'x' check character becomes 'X')."""
    if value is None:
        return None
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of 17 digits."""
    # stdnum expects the number with its check character: append a placeholder.
    return ric.calc_check_digit(first17 + "0")


def standardise(value: str | None) -> str | None:
    """18-character form: 18 chars kept, 15 digits upgraded ('19' inserted, check char added), else None."""
    s = clean(value)
    if s is None:
        return None
    if _ID18.fullmatch(s):
        return s
    if _ID15.fullmatch(s):
        body = s[:6] + "19" + s[6:]
        return body + check_char(body)
    return None


def was_15(value: str | None) -> bool:
    s = clean(value)
    return bool(s and _ID15.fullmatch(s))


def birth_date(std: str | None) -> dt.date | None:
    if std is None:
        return None
    try:
        return dt.datetime.strptime(std[6:14], "%Y%m%d").date()
    except ValueError:
        return None


def gender(std: str | None) -> str | None:
    """'1' male (odd sequence digit), '2' female."""
    if std is None:
        return None
    return "1" if int(std[16]) % 2 == 1 else "2"


def check_ok(std: str | None) -> bool:
    return std is not None and std[-1] == check_char(std[:17])


def is_valid(std: str | None, as_of: dt.date) -> bool:
    """Check char right, birth date real and within [1880-01-01, as_of], province prefix known."""
    if not check_ok(std):
        return False
    born = birth_date(std)
    return born is not None and _MIN_BIRTH <= born <= as_of and std[:2] in PROVINCE_CODES  # type: ignore[index]


@dataclass(frozen=True)
class IdInfo:
    raw: str | None
    std: str | None
    was_15: bool
    is_valid: bool
    birth_date: dt.date | None
    gender: str | None


def parse(value: str | None, as_of: dt.date) -> IdInfo:
    std = standardise(value)
    return IdInfo(value, std, was_15(value), is_valid(std, as_of), birth_date(std), gender(std))


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character (weights 3^i mod 31)."""
    total = sum(_USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(code: str | None) -> bool:
    return bool(code and _USCC.fullmatch(code) and code[-1] == uscc_check_char(code[:17]))


def registration_no_is_valid(code: str | None) -> bool:
    """15-digit 工商注册号 with its ISO 7064 MOD 11,10 check digit."""
    return bool(code and _ID15.fullmatch(code) and mod_11_10.is_valid(code))
