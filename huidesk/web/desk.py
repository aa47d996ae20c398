"""The desk's state and the floor every route stands on: `Desk` (the ledger, who signs in, the clock,
read-only), the guards every response passes (a Content-Security-Policy without inline script or style, no
caching, no address sent to other sites), the sign-in and CSRF checks, and how a route's one call runs: on a
worker thread, in the language of its session, a refusal of the ledger's turned into a 4xx with the command
line's one line.
huidesk/web/app.py puts the routes together.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from huidesk.web.auth import COOKIE, LanguageGate, Sessions, WebSession

if TYPE_CHECKING:
    from huidesk.context import Session

# What every response says: scripts and styles from this server's own files only (none inline, no style
# attributes), no plugins, no frames, forms posting here only, nothing fetched from elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # no address leaves for another site; a post keeps its Origin
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# Form posts are small: a visit or an issue, never a file.
MAX_FIELDS = 200
MAX_PART = 64 * 1024


class Desk:
    """One served ledger: where it is, who the first sign-in records as, the clock (`now` fixed by --today, or
    None: each request reads the clock), whether it only reads, and the sessions signed in."""

    def __init__(self, db: Path, actor: str, now: dt.datetime | None = None, read_only: bool = False,
                 host: str = "127.0.0.1", port: int = 8000, lang: str | None = None, url: str | None = None) -> None:
        from huidesk.domain.i18n import lang as current

        self.db, self.actor, self.now, self.read_only = Path(db), actor, now, read_only
        self.host, self.port = host, port
        self.url = url.rstrip("/") if url else None  # the address people use, behind a reverse proxy
        self.lang = lang or current()
        self.sessions = Sessions(self.lang)
        self.gate = LanguageGate()
        self._templates: Any = None

    def session(self, user: str) -> "Session":
        """The session a route's call runs in: this ledger, `user` recording, today and now."""
        from huidesk.context import Session
        from huidesk.domain.dates import ledger_zone

        now = self.now or dt.datetime.now(ledger_zone()).replace(microsecond=0)
        return Session(db=self.db, actor=user, today=now.date(), now=now)

    def origin(self) -> str:
        """Where the desk is reached: --url (a reverse proxy's address), else where it listens."""
        if self.url:
            return self.url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def sign_in_url(self, token: str) -> str:
        return f"{self.origin()}/login?token={token}"

    def allowed_hosts(self) -> list[str]:
        """The Host headers accepted: on loopback only loopback names (a page on another site that makes
        its name resolve here — DNS rebinding — is refused); on a named host, any."""
        from urllib.parse import urlsplit

        from huidesk.web.auth import loopback

        if not loopback(self.host):
            return ["*"]
        own = [urlsplit(self.url).hostname or ""] if self.url else []
        return ["127.0.0.1", "localhost", "::1", "[::1]", self.host, *own]

    @property
    def templates(self):
        if self._templates is None:
            self._templates = environment()
        return self._templates

    def html(self, template: str, status: int = 200, **values: object) -> HTMLResponse:
        """A page from the package's templates (autoescaped), as UTF-8."""
        return HTMLResponse(self.templates.get_template(template).render(**values), status_code=status)

    def run(self, app, sock) -> None:  # pragma: no cover - the real server, driven by the browser tests
        import uvicorn

        config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                                date_header=False, proxy_headers=False, timeout_graceful_shutdown=3)
        uvicorn.Server(config).run(sockets=[sock])


@dataclass
class Asked:
    """One request as a route's call sees it: the desk, the signed-in session, the query, the posted form (None
    for a GET) and the path's parameters."""

    desk: Desk
    web: WebSession | None
    query: Mapping[str, str]
    form: Any
    params: Mapping[str, str]
    sid: str | None = None

    def session(self) -> "Session":
        return self.desk.session(self.web.user if self.web else self.desk.actor)

    def get(self, name: str) -> str | None:
        """A form field or query parameter as typed, None when empty."""
        source = self.form if self.form is not None else self.query
        value = source.get(name)
        if value is None or not isinstance(value, str):
            return None
        value = value.strip()
        return value or None


class Guard:
    """Every response carries HEADERS, whatever route (or error) made it."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def guarded(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, guarded)


def signed_out(desk: Desk) -> HTMLResponse:
    return desk.html("signed_out.html", status=401)


def refused(desk: Desk, web: WebSession | None, status: int, message: str) -> HTMLResponse:
    """A refusal as a page: the command line's one line, in the request's language."""
    from huidesk.domain.i18n import tr

    return desk.html("error.html", status=status, message=message, web=web, desk=desk, flash=[],
                     read_only=desk.read_only, title=tr("未能完成", "Not done"))


def forbidden(desk: Desk, reason: str) -> HTMLResponse:
    return refused(desk, None, 403, reason)


def page(desk: Desk, work: Callable[[Asked], Response], write: bool = False) -> Callable:
    """A route of the desk's pages: signed in, a post checked for its CSRF token (and refused on a read-only
    desk), then `work` on a worker thread in the session's language."""

    async def endpoint(request: Request) -> Response:
        from huidesk.domain.i18n import tr

        sid = request.cookies.get(COOKIE)
        web = desk.sessions.get(sid)
        if web is None:
            return signed_out(desk)
        form = None
        if request.method == "POST":
            with desk.gate.speaking(web.lang):
                refused = (tr("只读服务台：不能写入", "a read-only desk: nothing can be written") if desk.read_only
                           and write else None)
            if refused:
                return forbidden(desk, refused)
            try:
                form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART)
            except Exception:  # a malformed or oversized body: refused like a missing token
                form = {}
            if not web.csrf_ok(form.get("csrf")) or not _same_origin(request, desk):
                with desk.gate.speaking(web.lang):
                    reason = tr("表单已过期或来自别处（CSRF 校验失败），未写入任何内容",
                                "the form is stale or came from elsewhere (CSRF check failed); nothing was written")
                return forbidden(desk, reason)
        asked = Asked(desk, web, request.query_params, form, request.path_params, sid)
        return await run_in_threadpool(answer, desk, web.lang, work, asked)

    return endpoint


def _same_origin(request: Request, desk: Desk) -> bool:
    """A post whose Origin header (when the browser sends one) is this desk's own."""
    origin = request.headers.get("origin")
    if origin is None:  # an older browser, or a client that is no browser: the CSRF token alone decides
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}", desk.url)


def answer(desk: Desk, lang: str, work: Callable[[Asked], Response], asked: Asked) -> Response:
    """`work`'s response, in `lang`; a refusal it did not handle itself is the command line's one line, as a
    4xx page, and a ledger error or a bug a 500 page that says no more than that."""
    from huidesk.domain.errors import HuideskError, NotFound

    with desk.gate.speaking(lang):
        try:
            return work(asked)
        except NotFound as e:
            return refused(desk, asked.web, 404, e.message())
        except HuideskError as e:
            return refused(desk, asked.web, 400, e.message())


async def login(request: Request) -> Response:
    """The one-time link: a session cookie for an unused token, then the dashboard (the token leaves the
    address bar and the history)."""
    desk: Desk = request.app.state.desk
    found = desk.sessions.exchange(request.query_params.get("token"))
    if found is None:
        return signed_out(desk)
    sid, _ = found
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", path="/", max_age=12 * 3600)
    return response


async def static(request: Request) -> Response:
    """The desk's own files, by name from a fixed list: nothing else on the disk can be asked for."""
    from importlib.resources import files

    name = request.path_params["name"]
    kind = STATIC.get(name)
    if kind is None:
        return PlainTextResponse("not found", status_code=404)
    body = files("huidesk.web").joinpath("static", name).read_bytes()
    return Response(body, media_type=kind, headers={"cache-control": "max-age=3600"})


STATIC = {"desk.css": "text/css; charset=utf-8"}


def environment():
    """The templates of the package, autoescaped, with the words they use: `t` (Chinese or English), `label`
    (a vocabulary's word), `lang`."""
    import jinja2

    from huidesk.domain.vocab import label

    env = jinja2.Environment(loader=jinja2.PackageLoader("huidesk.web", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    from huidesk.domain.i18n import lang, tr

    env.globals.update(t=tr, label=label, lang=lang)
    return env
