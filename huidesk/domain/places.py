"""Place paths: splitting them and guessing each level from its name."""

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

LEVELS = ("city", "district", "street", "community", "compound", "building")

# Suffixes that name a level, tried in order (号楼 before 区: "D区3号楼" is a building).
_SUFFIXES = (
    (("号楼", "栋", "幢", "单元", "号院"), "building"),
    (("小区", "花园", "家园", "苑", "庭", "公寓", "新村", "里"), "compound"),
    (("社区", "村"), "community"),
    (("街道", "镇", "乡"), "street"),
    (("区", "县", "旗"), "district"),
    (("市", "州", "盟"), "city"),
)


def split_path(path: str, field: str = "PATH") -> list[str]:
    parts = [p.strip() for p in path.strip().strip("/").split("/")]
    if not path.strip() or any(not p for p in parts):
        raise InvalidValue(field, path, tr("地点路径的每一级都不能为空", "every part of a place path needs a name"))
    for p in parts:
        if len(p) > 100 or not p.isprintable():
            raise InvalidValue(
                field, path, tr("名称过长或含控制字符", "a name is too long or holds control characters")
            )
    return parts


def guess_level(name: str, parent_level: str | None) -> str:
    """The level a name's suffix says; else the level below its parent; else a city."""
    for suffixes, level in _SUFFIXES:
        if name.endswith(suffixes):
            if parent_level is None or LEVELS.index(level) > LEVELS.index(parent_level):
                return level
    if parent_level is None:
        return "city"
    return LEVELS[min(LEVELS.index(parent_level) + 1, len(LEVELS) - 1)]


# The word a level goes by for a place of that name: a 村 is a community, a 镇 or 乡 a street.
_LEVEL_WORDS = {"community": ("村",), "street": ("镇", "乡"), "district": ("县",)}


def level_word(level: str, name: str) -> str:
    """The level as this place's own name says it (平伏桥村: 村, not 社区); the vocabulary's word otherwise."""
    from huidesk.domain.i18n import lang
    from huidesk.domain.vocab import label

    if lang() != "en":
        for word in _LEVEL_WORDS.get(level, ()):
            if name.endswith(word):
                return word
    return label("level", level)


def identity_text(text: str, field: str, path: bool = False) -> str:
    """A ledger's name (at most 100 printable characters) or, with `path`, its place written as a path."""
    if path:
        return "/".join(split_path(text, field))
    value = text.strip()
    if not value or len(value) > 100 or not value.isprintable():
        raise InvalidValue(field, text, tr("1 到 100 个字，不含控制字符", "1 to 100 printable characters"))
    return value
