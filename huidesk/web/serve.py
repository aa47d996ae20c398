"""`huidesk serve`: start the web desk over the ledger. Loopback unless another host is named (with a
warning); prints a one-time sign-in URL. Starlette, uvicorn and Jinja2 are imported only here, when it runs."""

import sys
from typing import Annotated

import typer

from huidesk.domain.i18n import tr

SERVE_HELP = tr(
    "网页服务台：看板（报道式数字、本月三率、12个月受理/办结图、热点、超期）、走访/活动/诉求/居民/队员列表、"
    "记录走访和活动、受理和推进诉求的表单、月度台账及其 xlsx、来源账本，以及 Open311 GeoReport v2 接口"
    "（/open311/v2/）。默认只在本机（127.0.0.1）开放，启动时打印一次性登录链接；表单写入与命令行相同，"
    "记录人是登录的用户。--read-only 只看不写。需要额外的包：pip install 'huidesk[serve]'。\n\n\b\n"
    "例：huidesk serve\n    huidesk --today 2024-07-08 serve --port 8080 --read-only",
    "The web desk: a dashboard (the figures in the article's words, this month's rates, 12 months of issues "
    "received and resolved, hot spots, what is overdue), lists of visits, activities, issues, residents and "
    "members, forms to record visits and activities and to open and move issues, the monthly tally with its "
    "xlsx, the merged sources, and Open311 GeoReport v2 under /open311/v2/. Loopback (127.0.0.1) unless --host "
    "names another; prints a one-time sign-in URL; forms write as the commands do, recorded by the signed-in "
    "user. --read-only shows and never writes. Needs: pip install 'huidesk[serve]'.\n\n\b\n"
    "Example: huidesk serve\n    huidesk --today 2024-07-08 serve --port 8080 --read-only",
)

_NEEDED = ("starlette", "uvicorn", "jinja2", "multipart")


def missing_extra() -> str | None:
    """The first package of the serve extra that is not installed, or None."""
    import importlib.util

    for name in _NEEDED:
        if importlib.util.find_spec(name) is None:
            return name
    return None


HostOpt = Annotated[str, typer.Option("--host", help=tr("监听地址（默认只在本机）",
                                                        "address to listen on (default: this machine only)"))]
PortOpt = Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help=tr("端口（0：任选一个空闲端口）", "port (0: any free one)"))]
UrlOpt = Annotated[str | None, typer.Option("--url", help=tr(
    "在反向代理之后时，人们访问服务台用的地址（https://服务台.街道.内网）：登录链接用它，也接受它的 Host 和 Origin",
    "the address people reach the desk at behind a reverse proxy (https://desk.intranet): the sign-in link "
    "uses it, and its Host and Origin are accepted"))]
ReadOnlyOpt = Annotated[bool, typer.Option("--read-only", help=tr("只看不写：不显示表单，拒绝一切写入",
                                                                  "look, never write: no forms, every write refused"))]


def serve(ctx: typer.Context, host: HostOpt = "127.0.0.1", port: PortOpt = 8000,
          read_only: ReadOnlyOpt = False, url: UrlOpt = None) -> None:
    import re

    from huidesk.context import session
    from huidesk.domain.errors import HuideskError, InvalidValue
    from huidesk.render.output import message

    lacking = missing_extra()
    if lacking is not None:
        raise HuideskError(tr(f"网页服务台需要额外的包（缺少 {lacking}）：pip install 'huidesk[serve]'",
                              f"the web desk needs its extra (missing {lacking}): pip install 'huidesk[serve]'"))
    s = session(ctx)
    fixed = ctx.find_root().params.get("today") is not None
    with s.ledger():  # made or migrated now, and a bad path refused before the server starts
        pass
    import socket

    from huidesk.web.app import create_app
    from huidesk.web.desk import Desk

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as e:
        sock.close()
        raise HuideskError(tr(f"无法在 {host}:{port} 上监听：{e.strerror}",
                              f"cannot listen on {host}:{port}: {e.strerror}")) from None
    sock.listen(128)  # from now on a browser's connection waits for the server rather than being refused
    bound = sock.getsockname()[1]
    if url is not None and not re.fullmatch(r"https?://[^/\s?#]+/?", url):
        sock.close()
        raise InvalidValue("--url", url, tr("应为 http(s)://主机[:端口]", "should be http(s)://host[:port]"))
    desk = Desk(db=s.db, actor=s.actor, now=s.now if fixed else None, read_only=read_only, host=host, port=bound,
                url=url)
    from huidesk.web.auth import loopback

    if not loopback(host):
        sys.stderr.write(tr(
            f"警告：服务台在 {host} 上对网络开放：同一网络中的人都能打开它（登录仍需一次性链接），"
            "Open311 的查询接口不需登录。请只在内网使用，最好放在 HTTPS 反向代理之后。\n",
            f"warning: the desk is open to the network on {host}: anyone on it can reach it (signing in still "
            "takes a one-time link) and Open311's queries need none. Use it on an intranet, best behind an HTTPS "
            "reverse proxy.\n"))
    url = desk.sign_in_url(desk.sessions.issue(s.actor))
    message(tr(f"惠民服务台：{s.db}（{'只读，' if read_only else ''}记录人 {s.actor}）。在浏览器中打开这个一次性链接：",
               f"huidesk web desk: {s.db} ({'read-only, ' if read_only else ''}recorded by {s.actor}). Open this "
               "one-time link in a browser:"))
    sys.stdout.write(url + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    desk.run(create_app(desk), sock)
