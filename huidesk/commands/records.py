"""What the work-record commands (visit, activity, wish, card, pair) share: the period options and
the masking of residents' names in listings."""

from typing import TYPE_CHECKING, Annotated

import typer

from huidesk.i18n import tr

if TYPE_CHECKING:
    from huidesk.context import Session

SinceOpt = Annotated[
    str | None, typer.Option("--since", help=tr("从这一天起（含）：2024-07-01、7月1日", "from this day on (inclusive)"))
]
UntilOpt = Annotated[str | None, typer.Option("--until", help=tr("到这一天为止（含）", "up to this day (inclusive)"))]


def period(s: "Session", since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """The ISO days --since and --until name; an --until before --since is refused."""
    from huidesk.errors import InvalidValue

    first = s.date(since, "--since") if since is not None else None
    last = s.date(until, "--until") if until is not None else None
    if first and last and last < first:
        raise InvalidValue("--until", until, tr(f"早于 --since {first}", f"before --since {first}"))
    return first, last


def short_team(name: object) -> str:
    """A team's name as a table shows it: “橙色公益”志愿服务队 -> “橙色公益” (data formats keep it whole)."""
    text = str(name)
    for suffix in ("民生志愿服务队", "志愿服务队", "服务队"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def masked(name: str | None, with_pii: bool) -> str | None:
    """A resident's name as a listing may show it: 丁*志 unless --with-pii."""
    from huidesk.privacy import mask_name

    return name if with_pii else mask_name(name)
