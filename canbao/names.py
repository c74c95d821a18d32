"""Chinese person names for linkage: normalisation, surname split and tone-less pinyin.

pypinyin reads polyphonic characters in their most common reading, which is wrong for many surnames
(单 dan -> shan, 曾 ceng -> zeng, ...): the first character of a name is read through SURNAME_READINGS.
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

# Surname readings that differ from pypinyin's default reading of the character.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "查": "zha", "朴": "piao", "乐": "yue",
    "盖": "ge", "尉": "yu", "繁": "po", "褚": "chu", "缪": "miao", "种": "chong", "员": "yun", "过": "guo",
    "秘": "bi", "冼": "xian", "翟": "zhai", "覃": "qin", "召": "shao", "长": "chang", "任": "ren",
    "沈": "shen", "宁": "ning", "华": "hua", "燕": "yan", "纪": "ji", "祭": "zhai", "藏": "zang", "那": "na",
}

# Two-character surnames (复姓) that must not be split after the first character.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 西门 南宫 独孤 轩辕 申屠 太史 "
    "澹台 公冶 宗政 濮阳 淳于 单于 钟离 闻人 万俟 赫连 拓跋 呼延 百里 东郭 南门 羊舌 微生 梁丘 左丘 第五".split()
)
COMPOUND_READINGS: dict[str, str] = {"单于": "chanyu", "万俟": "moqi", "尉迟": "yuchi", "长孙": "zhangsun"}

_SPACES = re.compile(r"\s+")
# Transliterated minority names separate parts with a middle dot written in many ways.
_DOTS = re.compile(r"[·•・‧∙．.]")


def normalise(name: str | None) -> str | None:
    """NFKC, no spaces, one middle dot form; None when blank."""
    if name is None:
        return None
    s = _DOTS.sub("·", _SPACES.sub("", unicodedata.normalize("NFKC", name)))
    return s or None


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """(surname, given name); dotted minority names have no surname in this sense."""
    s = normalise(name)
    if s is None:
        return None, None
    if "·" in s or len(s) == 1:
        return None, s
    if len(s) > 2 and s[:2] in COMPOUND_SURNAMES:
        return s[:2], s[2:]
    return s[0], s[1:]


def pinyin(name: str | None) -> str | None:
    """Tone-less pinyin, syllables joined without separators (曾伟 -> zengwei); non-Han characters kept."""
    s = normalise(name)
    if s is None:
        return None
    surname, given = split_name(s)
    if surname is None:
        return "".join(lazy_pinyin(s.replace("·", ""), style=Style.NORMAL, errors="default")).lower()
    head = COMPOUND_READINGS.get(surname) or "".join(SURNAME_READINGS.get(c) or _plain(c) for c in surname)
    return head + "".join(lazy_pinyin(given or "", style=Style.NORMAL, errors="default")).lower()


def _plain(chars: str) -> str:
    return "".join(lazy_pinyin(chars, style=Style.NORMAL, errors="default")).lower()
