"""The names nearest to one that names nothing: by spelling and by sound (pinyin), so that `橙色工益`,
`chengse` and `csgy` all find “橙色公益”志愿服务队."""

import difflib
import re
from collections.abc import Iterable

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _sounds(text: str) -> tuple[str, str]:
    """The pinyin of `text`'s Chinese characters, in full and as initials (橙色公益: chengsegongyi, csgy);
    other characters as they are."""
    from pypinyin import Style, lazy_pinyin

    full = lazy_pinyin(text, errors=lambda s: list(s.lower()))
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s.lower()))
    return "".join(full), "".join(initials)


def nearest(word: str, names: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` of `names` that `word` most likely meant, best first; none when nothing is near."""
    word = word.strip()
    names = list(dict.fromkeys(names))
    if not word or not names:
        return []
    scored: dict[str, float] = {}
    lowered = word.lower()
    for name, ratio in ((name, difflib.SequenceMatcher(None, word, name).ratio()) for name in names):
        if ratio >= 0.5 or (len(word) >= 2 and word in name):
            scored[name] = ratio + (0.5 if word in name else 0)
    said = _sounds(word)[0] if _HAN.search(word) else lowered
    if len(said) >= 2:
        for name in names:
            full, initials = _sounds(name)
            if said in full or (said.isascii() and said in initials):
                scored[name] = max(scored.get(name, 0), 1 + len(said) / max(len(full), 1))
    return sorted(scored, key=lambda k: (-scored[k], k))[:n]


def sounded(word: str, names: Iterable[str]) -> list[str]:
    """The names whose pinyin, in full or as initials, holds `word` typed in Latin letters (chengse, csgy)."""
    said = word.strip().lower()
    if len(said) < 2 or not said.isascii() or not said.isalpha():
        return []
    return [name for name in dict.fromkeys(names) if _HAN.search(name) and any(said in s for s in _sounds(name))]
