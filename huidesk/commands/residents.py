"""resident add / list / show. Names and phones are masked unless --with-pii."""

import sys
from collections.abc import Iterable, Iterator
from typing import Annotated

import typer

from huidesk.commands import group
from huidesk.context import session
from huidesk.domain.i18n import tr
from huidesk.domain.vocab import choices_help, complete
from huidesk.options import AllowDuplicate, FormatOpt, PlaceFilter, WideOpt, WithPii
from huidesk.render.output import Column, emit, message, short_place, short_team

app = group(tr("居民：服务对象，含标签、走访周期和同意记录。", "Residents served: tags, visit cadence, consent."))

COLUMNS = [
    Column("id", "编号", "id", nowrap=True, priority=9),
    Column("name", "姓名", "name", priority=8),
    Column("place", "地点", "place", show=short_place, priority=6, cut="path"),
    Column("tags", "标签", "tags", vocab="tag", priority=7),
    Column("born", "出生年", "born", nowrap=True, priority=3),
    Column("phone", "电话", "phone", nowrap=True, priority=2),
    Column("visit_every", "走访周期(天)", "visit every (days)", nowrap=True, priority=4),
    Column("last_visit", "最近走访", "last visit", nowrap=True, priority=5),
    Column("consent", "同意", "consent", vocab="consent", priority=1),
]


def resident_rows(rows: Iterable, with_pii: bool) -> Iterator[dict]:
    """Rows as privacy's rule shows a resident: name, phone and guardian masked unless --with-pii."""
    from huidesk.domain.privacy import shown_row

    for r in rows:
        yield shown_row("resident", dict(r), with_pii)


@app.command(
    "add",
    help=tr(
        "添加居民。未满14周岁需监护人同意（--consent guardian --guardian 姓名），"
        "残疾等健康信息需 --health-consent。\n\n\b\n"
        "例：huidesk resident add 丁学志 --place 平伏桥村/48号楼 --tag 高龄 --tag 独居 --born 1940 --every 7d",
        "Add a resident. A child under 14 needs a guardian's consent; health tags need --health-consent.\n\n\b\n"
        "Example: huidesk resident add 丁学志 --place 平伏桥村/48号楼 --tag advanced_age --every 7d",
    ),
)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=tr("姓名", "name"))],
    place: Annotated[str, typer.Option("--place", "-p", help=tr("住址（地点）", "where they live"))],
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            autocompletion=complete("tag"),
            help=choices_help("tag", "标签（可多次）", "tag (repeatable)"),
        ),
    ] = None,
    born: Annotated[str | None, typer.Option("--born", help=tr("出生年份", "year of birth"))] = None,
    phone: Annotated[str | None, typer.Option("--phone", help=tr("电话", "phone"))] = None,
    every: Annotated[
        str | None, typer.Option("--every", help=tr("走访周期：7d、每周、每月", "visit cadence: 7d, 2w, 1m"))
    ] = None,
    consent: Annotated[
        str | None,
        typer.Option("--consent", help=tr("谁同意登记：self 本人 / guardian 监护人", "who consented: self|guardian"),
                     autocompletion=complete("consent")),
    ] = None,
    guardian: Annotated[str | None, typer.Option("--guardian", help=tr("监护人姓名", "guardian's name"))] = None,
    health_consent: Annotated[
        bool,
        typer.Option("--health-consent", help=tr("已单独同意登记健康信息", "separate consent to health details")),
    ] = False,
    allow_duplicate: AllowDuplicate = False,
) -> None:
    from huidesk.domain.dates import parse_cadence
    from huidesk.domain.errors import InvalidValue
    from huidesk.domain.models import ResidentIn
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    tags = tuple(dict.fromkeys(resolve("tag", t, "--tag") for t in tag or []))
    cadence = parse_cadence(every, "--every") if every is not None else None
    consent_slug = resolve("consent", consent, "--consent") if consent is not None else None
    born_year = None
    if born is not None:
        if not (born.strip().isascii() and born.strip().isdigit()):
            raise InvalidValue("--born", born, tr("应为四位年份，例如 1940", "a four-digit year, e.g. 1940"))
        born_year = int(born.strip()[:6])
    with s.ledger() as store:
        place_id = store.find("places", place, "--place")["id"]
        resident = ResidentIn.of(
            name=name, place_id=place_id, born=born_year, phone=phone, visit_every=cadence, consent=consent_slug,
            guardian=guardian, health_consent=health_consent, tags=tags, this_year=s.today.year,
        )
        with store.write(s.command) as tx:
            rid = store.residents.add(tx, resident.row(), tags, allow_duplicate)
    message(tr(f"已添加居民 #{rid}", f"added resident #{rid}"))
    sys.stdout.write(f"{rid}\n")


@app.command(
    "list",
    help=tr(
        "列出居民（姓名、电话默认遮蔽）。\n\n\b\n例：huidesk resident list --tag 独居 --format csv",
        "List residents (names, phones masked).\n\n\b\nExample: huidesk resident list --tag living_alone",
    ),
)
def list_(
    ctx: typer.Context,
    place: PlaceFilter = None,
    tag: Annotated[
        str | None,
        typer.Option(
            "--tag", autocompletion=complete("tag"), help=choices_help("tag", "只看有这个标签的", "only with this tag")
        ),
    ] = None,
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from huidesk.domain.vocab import resolve

    s = session(ctx)
    tag_slug = resolve("tag", tag, "--tag") if tag is not None else None
    with s.ledger() as store:
        under = store.find("places", place, "--place") if place else None
        emit(resident_rows(store.residents.list(under, tag_slug), with_pii), COLUMNS, fmt, wide=wide)


@app.command(
    "show",
    help=tr(
        "显示一位居民及其走访记录。\n\n\b\n例：huidesk resident show 丁学志",
        "Show a resident and their visits.\n\n\b\nExample: huidesk resident show 丁学志",
    ),
)
def show(
    ctx: typer.Context,
    resident: Annotated[str, typer.Argument(help=tr("居民（编号或姓名）", "resident (id or name)"))],
    fmt: FormatOpt = None,
    wide: WideOpt = False,
    with_pii: WithPii = False,
) -> None:
    from huidesk.domain.vocab import label

    s = session(ctx)
    with s.ledger() as store:
        r = store.find("residents", resident, "RESIDENT")
        info = next(resident_rows(store.residents.list(resident_id=r["id"]), with_pii))
        visits = store.residents.visits(r["id"])
    tags = "、".join(label("tag", t) for t in (info["tags"] or "").split(",") if t)
    every = (
        tr(f"每 {info['visit_every']} 天走访", f"visit every {info['visit_every']} days") if info["visit_every"] else ""
    )
    message(f"#{info['id']} {info['name']}　{info['place']}　{tags}　{every}　{info['phone'] or ''}".rstrip())
    cols = [
        Column("id", "走访", "visit", nowrap=True, priority=9),
        Column("date", "日期", "date", nowrap=True, priority=8),
        Column("team", "服务队", "team", show=short_team, priority=5),
        Column("purpose", "事由", "purpose", priority=6),
    ]
    emit(visits, cols, fmt, wide=wide)
