"""Options shared by many commands, defined once."""

from typing import Annotated

import typer
from typer._click.types import ParamType

from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.render.output import ROWS, format_choice, formats_drawing

# The formats of a listing: every registered format that draws rows (huidesk/render/output.py).
ListFormat = format_choice("ListFormat", formats_drawing(ROWS))

FormatOpt = Annotated[
    ListFormat | None,
    typer.Option(
        "--format",
        "-f",
        help=tr("输出格式；默认终端为表格、管道为 tsv", "output format; default: a table on a terminal, tsv in a pipe"),
    ),
]
WithPii = Annotated[
    bool,
    typer.Option(
        "--with-pii", help=tr("显示居民姓名、电话等个人信息（默认遮蔽）", "show personal details (masked by default)")
    ),
]
# What a bundle or a dataset carries of the residents: a word of the vocabulary "pii" (化名 or pseudonymous, ...).
PiiOpt = Annotated[
    str,
    typer.Option("--pii", autocompletion=complete("pii"), show_default=False, help=choices_help(
        "pii", "居民个人信息（默认化名）", "residents' personal information (default pseudonymous)")),
]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        "-d",
        help=tr("日期：2024-07-07、7月7日、昨天；默认今天", "date: 2024-07-07, 7月7日, yesterday; default today"),
    ),
]
PlaceFilter = Annotated[
    str | None, typer.Option("--place", "-p", help=tr("只看这个地点及其下级", "only this place and below it"))
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help=tr("从这一天起（含）：2024-07-01、7月1日", "from this day on (inclusive)"))
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help=tr("到这一天为止（含），默认不限", "up to this day (inclusive)"))
]
AllowDuplicate = Annotated[
    bool,
    typer.Option("--allow-duplicate", help=tr("同名的另一个人：仍然添加（之后用 名字#编号 区分）",
                                              "a namesake: add anyway (tell them apart as NAME#ID)")),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help=tr("文件已存在时覆盖它", "overwrite the file if it exists"))
]
TeamFilter = Annotated[str | None, typer.Option("--team", "-t", help=tr("只看这支服务队", "only this team"))]
WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide",
        help=tr(
            "表格显示全部列、不截断（行可能比终端宽，可用 less -S 翻看）",
            "a table shows every column and cuts nothing (lines may be wider than the terminal: try less -S)",
        ),
    ),
]


class Count(ParamType):
    """A whole number typed in digits or as a Chinese numeral (--volunteers 三, --served 二十); bounds,
    when given, are checked here, else left to the record's own rules."""

    name = "int"

    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high

    def convert(self, value, param, ctx) -> int:
        from huidesk.domain.numerals import parse_count

        if isinstance(value, int):
            return value
        text = str(value).strip()
        count = parse_count(text.removeprefix("-"))
        if count is None:
            self.fail(tr(f"需要整数，收到“{value}”", f"needs a whole number, got “{value}”"), param, ctx)
        count = -count if text.startswith("-") else count
        if (self.low is not None and count < self.low) or (self.high is not None and count > self.high):
            self.fail(tr(f"需要 {self.low} 到 {self.high} 之间的整数，收到“{value}”",
                         f"needs a whole number from {self.low} to {self.high}, got “{value}”"), param, ctx)
        return count
