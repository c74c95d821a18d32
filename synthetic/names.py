"""Name tables for the synthetic city: surnames with realistic weights, given-name characters by era and
gender, and the confusion tables used by the noise model (homophones, similar shapes, rare characters)."""

from __future__ import annotations

import numpy as np

# Surname -> relative frequency (per mille, roughly the national ranking with a south-western tilt:
# 冉/向/谭/牟 are far more common in Chongqing than nationally). Polyphonic surnames (单 曾 解 区 仇 查 朴 乐)
# are included on purpose: pypinyin misreads them. Compound surnames are rare but present.
SURNAMES: dict[str, float] = {
    "李": 74, "王": 62, "张": 60, "刘": 55, "陈": 50, "杨": 42, "黄": 22, "赵": 18, "吴": 20, "周": 22,
    "徐": 15, "孙": 10, "胡": 16, "朱": 12, "高": 10, "林": 8, "何": 18, "郭": 9, "马": 10, "罗": 18,
    "梁": 9, "宋": 8, "郑": 8, "谢": 12, "韩": 5, "唐": 16, "冯": 7, "于": 3, "董": 6, "萧": 2,
    "程": 6, "曹": 6, "袁": 10, "邓": 12, "许": 6, "傅": 5, "沈": 4, "曾": 10, "彭": 12, "吕": 4,
    "苏": 5, "卢": 5, "蒋": 9, "蔡": 5, "贾": 3, "丁": 4, "魏": 5, "薛": 3, "叶": 5, "阎": 1,
    "余": 10, "潘": 4, "杜": 7, "戴": 4, "夏": 5, "钟": 6, "汪": 5, "田": 9, "任": 6, "姜": 3,
    "范": 4, "方": 4, "石": 6, "姚": 3, "谭": 12, "廖": 8, "邹": 6, "熊": 7, "金": 3, "陆": 3,
    "郝": 2, "孔": 2, "白": 3, "崔": 2, "康": 3, "毛": 4, "邱": 5, "秦": 5, "江": 4, "史": 2,
    "顾": 2, "侯": 3, "邵": 2, "孟": 2, "龙": 6, "万": 4, "段": 4, "雷": 5, "钱": 2, "汤": 3,
    "尹": 3, "黎": 3, "易": 5, "常": 2, "武": 2, "乔": 1, "贺": 3, "赖": 2, "龚": 4, "文": 5,
    "冉": 6, "向": 8, "牟": 4, "蒲": 3, "税": 1, "母": 1, "敖": 1, "游": 2, "付": 5, "陶": 3,
    "单": 1, "解": 1, "区": 0.3, "仇": 0.5, "查": 0.5, "朴": 0.2, "乐": 0.5, "欧阳": 0.8, "司马": 0.2,
    "上官": 0.2, "诸葛": 0.1,
}

# Given-name characters: common to both, male-leaning, female-leaning; older generations (born < 1975)
# use an older vocabulary (国 建 华 秀 英 ...), younger ones the modern one (子 涵 浩 宇 欣 怡 ...).
MALE_OLD = "国建华明军平伟强勇志永忠德福兴文富成刚海林生荣贵祥光全清洪良才云"
FEMALE_OLD = "秀英兰芳玉珍桂华凤琼素淑琴莲梅翠群丽萍霞红碧敏慧春菊"
MALE_NEW = "浩宇轩博涛鹏杰磊俊斌辉晨睿泽豪航帅川宏鑫峰洋勇伟凯明超毅然奕子"
FEMALE_NEW = "欣怡涵婷雪琳静倩丹颖佳悦梦瑶妍晶洁敏娜丽蕾露玲燕莉雨萱诗思子"
# Popular single-character given names: they make 张伟/李娜-style collisions as frequent as in real data.
MALE_SINGLE = "伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆"
FEMALE_SINGLE = "芳娜敏静丽艳娟霞燕玲丹萍红琳洁倩婷雪莉颖"

# Characters outside GBK (CJK Ext A/B/E): rare in names but real (䶮 as in 刘䶮, 𠮷 as in 吉's variant).
RARE_CHARS = "䶮𠮷㛃𬌗"

# Homophones (same pinyin, different character) frequently confused by clerks.
HOMOPHONES: dict[str, str] = {
    "张": "章", "章": "张", "伟": "玮", "玮": "伟", "娜": "纳", "王": "汪", "汪": "王", "刘": "柳",
    "林": "琳", "琳": "林", "杰": "洁", "洁": "杰", "静": "婧", "丽": "莉", "莉": "丽", "明": "铭",
    "华": "桦", "军": "君", "芳": "方", "方": "芳", "勇": "永", "永": "勇", "平": "萍", "萍": "平",
    "红": "宏", "宏": "红", "霞": "侠", "敏": "民", "涛": "韬", "斌": "彬", "辉": "晖", "刚": "钢",
    "健": "建", "建": "健", "英": "瑛", "兰": "蓝", "云": "芸", "峰": "锋", "锋": "峰", "玲": "铃",
    "燕": "艳", "艳": "燕", "徐": "许", "许": "徐", "杨": "阳", "黄": "皇", "吴": "伍", "周": "邹",
    "陈": "程", "程": "陈", "何": "贺", "贺": "何", "谢": "解", "唐": "汤", "汤": "唐", "彭": "朋",
    "婷": "亭", "雪": "学", "浩": "昊", "宇": "雨", "鹏": "朋", "俊": "峻", "梅": "玫", "琴": "芹",
    "文": "雯", "李": "黎", "黎": "李", "玉": "钰", "春": "纯", "凤": "风", "秀": "琇", "珍": "贞",
}

# Characters that look alike (OCR and handwriting confusions).
SIMILAR_SHAPES: dict[str, str] = {
    "王": "玉", "玉": "王", "己": "已", "未": "末", "日": "曰", "土": "士", "候": "侯", "侯": "候",
    "晴": "睛", "千": "干", "人": "入", "天": "夭", "白": "自", "田": "由", "甲": "申", "申": "甲",
    "太": "大", "大": "太", "清": "情", "兰": "芏", "丽": "俪", "红": "江", "梅": "悔", "林": "材",
    "明": "朋", "鹏": "朋", "杨": "扬", "扬": "杨", "琳": "淋", "宇": "字", "字": "宇", "刘": "浏",
}

SURNAME_LIST = list(SURNAMES)
_SURNAME_P = np.array(list(SURNAMES.values()), dtype=float)
_SURNAME_P /= _SURNAME_P.sum()


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """n surnames drawn from the frequency table."""
    return np.asarray(SURNAME_LIST, dtype=object)[rng.choice(len(SURNAME_LIST), size=n, p=_SURNAME_P)]


def draw_given_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray,
                     rare_rate: float) -> np.ndarray:
    """Given names of one or two characters; vocabulary by gender and generation."""
    n = len(male)
    out = np.empty(n, dtype=object)
    old = birth_year < 1975
    single = rng.random(n) < np.where(old, 0.22, 0.28)
    pools = {
        (True, True): MALE_OLD, (True, False): MALE_NEW, (False, True): FEMALE_OLD, (False, False): FEMALE_NEW,
    }
    for (is_male, is_old), pool in pools.items():
        sel = (male == is_male) & (old == is_old)
        k = int(sel.sum())
        if not k:
            continue
        chars = np.asarray(list(pool), dtype=object)
        singles = np.asarray(list(MALE_SINGLE if is_male else FEMALE_SINGLE), dtype=object)
        a = chars[rng.integers(0, len(chars), k)]
        b = chars[rng.integers(0, len(chars), k)]
        s = singles[rng.integers(0, len(singles), k)]
        out[sel] = np.where(single[sel], s, a + b)
    # A few people carry a character GBK cannot encode: it replaces their last character.
    rare = rng.random(n) < rare_rate
    if rare.any():
        picks = np.asarray(list(RARE_CHARS), dtype=object)[rng.integers(0, len(RARE_CHARS), int(rare.sum()))]
        out[rare] = np.array([g[:-1] + r for g, r in zip(out[rare], picks, strict=True)], dtype=object)
    return out


def is_gbk_encodable(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True
