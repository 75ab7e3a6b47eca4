"""Pinyin of cadre names for search: full pinyin ('zhangsan') and initials ('zs').

Surnames with a special reading (曾 zeng, 单 shan, 解 xie, 仇 qiu...) are read from the override table; the
given name goes through pypinyin's phrase-aware conversion.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surname readings that differ from the character's most common reading.
SURNAME_READINGS: dict[str, list[str]] = {
    "曾": ["zeng"],
    "单": ["shan"],
    "解": ["xie"],
    "仇": ["qiu"],
    "区": ["ou"],
    "查": ["zha"],
    "盖": ["ge"],
    "朴": ["piao"],
    "繁": ["po"],
    "种": ["chong"],
    "秘": ["bi"],
    "乐": ["yue"],
    "覃": ["qin"],
    "折": ["she"],
    "尉": ["yu"],
    "员": ["yun"],
    "翟": ["zhai"],
    "缪": ["miao"],
    "纪": ["ji"],
    "召": ["shao"],
    "任": ["ren"],
    "沈": ["shen"],
    "柏": ["bai"],
    "长": ["chang"],
    "都": ["du"],
    "重": ["chong"],
    "万俟": ["mo", "qi"],
    "尉迟": ["yu", "chi"],
    "单于": ["chan", "yu"],
    "长孙": ["zhang", "sun"],
    "澹台": ["tan", "tai"],
    "令狐": ["ling", "hu"],
}
COMPOUND_SURNAMES = {s for s in SURNAME_READINGS if len(s) == 2} | {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "夏侯",
    "公孙",
    "慕容",
    "宇文",
    "司徒",
    "轩辕",
    "端木",
    "南宫",
}


@lru_cache(maxsize=20000)
def syllables(name: str) -> tuple[str, ...]:
    name = (name or "").strip()
    if not name:
        return ()
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    given = name[len(surname) :]
    head = SURNAME_READINGS.get(surname) or lazy_pinyin(surname, errors="ignore")
    tail = lazy_pinyin(given, style=Style.NORMAL, errors="ignore") if given else []
    return tuple(s.lower().replace("ü", "v") for s in [*head, *tail] if s)


def name_pinyin(name: str) -> str:
    return "".join(syllables(name))


def name_initials(name: str) -> str:
    return "".join(s[0] for s in syllables(name))
