"""The language users see: Chinese by default, English with ``--lang en``."""

LANGS = ("zh", "en")
_lang = "zh"


def set_lang(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGS else "zh"


def lang() -> str:
    return _lang


def tr(zh: str, en: str) -> str:
    """Pick the Chinese or the English form of a message."""
    return en if _lang == "en" else zh
