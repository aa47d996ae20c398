"""The custom rules of the records, shared by the pydantic models (models.py) and by the light check of a
visit that spares `visit add` importing pydantic (huidesk/ledger/shortcuts.py says why)."""

from huidesk.domain.i18n import tr

MAX_MINUTES = 24 * 60  # a visiting member's time, as models.Minutes bounds it


def printable(text: str) -> str:
    """The text, refused when it holds control characters (a pasted terminal sequence, a stray NUL)."""
    if not text.isprintable():
        raise ValueError(tr("含有控制字符", "holds control characters"))
    return text


def after_today(day: str | None, today: str | None) -> bool:
    """Whether a day of work done lies after today (a typing mistake, not a plan); ISO days compare as text."""
    return day is not None and bool(today) and day > today


def after_today_reason(today: str) -> str:
    return tr(f"晚于今天（{today}）", f"after today ({today})")
