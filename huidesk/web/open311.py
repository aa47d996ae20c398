"""Open311 GeoReport v2 under /open311/v2/ (https://wiki.open311.org/GeoReport_v2): discovery, services (the issue
kinds), service requests (the issues) to read in JSON or XML, and a request posted with an API key (`huidesk key
add`). A request is `export --format open311`'s mapping of an issue, its free text redacted as a pseudonymous
bundle carries it: nothing served names a resident or holds a phone number. A request's id is its order number,
else its uid (`huidesk.exchange.export.request_id`), so a platform finds again what it posted.
"""

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from xml.etree import ElementTree as ET

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from huidesk.domain.i18n import tr
from huidesk.web.desk import Desk

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00+08:00"  # when this interface last changed
DEFAULT_PAGE, MOST = 50, 1000  # requests a page by default, and at most (the specification's 1,000)
DEFAULT_DAYS = 90  # without start_date and end_date, the specification's most recent 90 days
XML = "text/xml; charset=utf-8"
# What the command line calls a field, as Open311 names it, for the messages of a refused post.
_FIELDS = {"--place": "address_string", "--kind": "service_code", "TEXT": "description", "--at": "requested_datetime",
           "--ref": "service_request_id"}


class Refused(Exception):
    """An Open311 error: its HTTP status and description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _format(request: Request) -> str:
    return request.path_params["format"]


def _xml_text(value: object) -> str:
    """A value as XML 1.0 may hold it (control characters it forbids taken out)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", str(value))


def _element(tag: str, value: object) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            node.append(_element(key, inner))
    elif isinstance(value, (list, tuple)):
        item = {"endpoints": "endpoint", "formats": "format"}.get(tag, "item")
        for inner in value:
            node.append(_element(item, inner))
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = _xml_text(value)
    return node


def _xml(root: str, item: str | None, data: object) -> Response:
    """`data` as GeoReport's XML: a list of objects under `root`, each an `item`; or one object as `root`."""
    node = ET.Element(root)
    if item is None:
        node = _element(root, data)
    else:
        for entry in data:  # type: ignore[attr-defined]
            node.append(_element(item, entry))
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(node, encoding="utf-8", xml_declaration=False)
    return Response(body, media_type=XML)


def _answer(fmt: str, root: str, item: str | None, data: object, status: int = 200) -> Response:
    if fmt == "xml":
        response = _xml(root, item, data)
        response.status_code = status
        return response
    return JSONResponse(data, status_code=status)


def _error(fmt: str, status: int, description: str) -> Response:
    return _answer(fmt, "errors", "error", [{"code": status, "description": description}], status)


def open311(desk: Desk, work: Callable[[Desk, Request, Mapping[str, str], str], tuple[str, str | None, object]],
            post: bool = False) -> Callable:
    """An Open311 endpoint: the format from the path (json or xml), a post's form read, `work` on a worker thread
    in the desk's language; a refusal an Open311 error in that format."""

    async def endpoint(request: Request) -> Response:
        fmt = _format(request)
        if fmt not in ("json", "xml"):
            return _error("json", 404, "format: json or xml")
        values: Mapping[str, str] = request.query_params
        if post:
            try:
                form = await request.form(max_files=0, max_fields=50, max_part_size=16 * 1024)
            except Exception:
                return _error(fmt, 400, "a form (application/x-www-form-urlencoded) is expected")
            values = {k: v for k, v in form.items() if isinstance(v, str)}

        def run() -> Response:
            from huidesk.domain.errors import HuideskError

            with desk.gate.speaking(desk.lang):
                try:
                    root, item, data = work(desk, request, values, fmt)
                except Refused as e:
                    return _error(fmt, e.status, e.description)
                except HuideskError as e:
                    return _error(fmt, 400, e.message(lambda field: _FIELDS.get(field, field)))
                return _answer(fmt, root, item, data, 201 if post else 200)

        return await run_in_threadpool(run)

    return endpoint


def discovery(desk: Desk, request: Request, values: Mapping[str, str], fmt: str) -> tuple:
    from huidesk.ledger.store import Store

    store = Store.open(desk.db, desk.actor)
    try:
        who = store.identity()
        issuer = store.settings().get("issuer") or ""
    finally:
        store.close()
    base = f"{request.url.scheme}://{request.headers.get('host', '')}/open311/v2"
    return "discovery", None, {
        "changeset": CHANGESET,
        "contact": issuer or who.get("name") or "",
        "key_service": tr("向账本管理员申请：huidesk key add 名称", "ask the ledger's keeper: huidesk key add NAME"),
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }


def services(desk: Desk, request: Request, values: Mapping[str, str], fmt: str) -> tuple:
    from huidesk.domain.vocab import ISSUE_KINDS, VOCABS

    listed = []
    for kind in ISSUE_KINDS:
        zh, en = VOCABS["issue_kind"][kind][0], VOCABS["issue_kind"][kind][-1]
        listed.append({"service_code": kind, "service_name": tr(zh, en), "description": f"{zh} / {en}",
                       "metadata": False, "type": "realtime", "keywords": f"{zh},{en}", "group": ""})
    return "services", "service", listed


def _moment(desk: Desk, text: str | None, field: str) -> str | None:
    """A W3C datetime (2024-07-01T00:00:00Z, or a day) as an ISO moment in the ledger's zone."""
    if not text:
        return None
    from huidesk.domain.dates import ledger_zone

    try:
        at = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        expected = tr("需要 W3C 日期时间，例如 2024-07-01T00:00:00+08:00",
                      "a W3C datetime is expected, e.g. 2024-07-01T00:00:00Z")
        raise Refused(400, f"{field}: {expected}") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ledger_zone())
    return at.astimezone(ledger_zone()).isoformat(timespec="seconds")


def _count(text: str | None, field: str, default: int, low: int, high: int) -> int:
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise Refused(400, f"{field}: {tr(f'需要 {low} 到 {high} 之间的整数', f'a whole number from {low} to {high}')}")
    return int(text)


def _requests(desk: Desk, kind: str | None = None, status: str | None = None, start: str | None = None,
              end: str | None = None, request_id: str | None = None, limit: int = DEFAULT_PAGE,
              offset: int = 0) -> list[dict]:
    """Service requests from the ledger, redacted as a pseudonymous bundle carries free text."""
    from huidesk.domain.settings import setting_limit
    from huidesk.exchange.export import open311_requests
    from huidesk.ledger import exchange, federation
    from huidesk.ledger.store import Store

    store = Store.open(desk.db, desk.actor)
    try:
        with store.snapshot():
            rows = exchange.open311_rows(store, kind, status, start, end, request_id, limit, offset)
            for row in rows:  # the units an issue went to, as export reads them: a list
                row["units"] = json.loads(row["units"]) if row["units"] else []
            days = setting_limit(store.settings(), "resolve_limit_days") / 1440
            redact = federation.redactor(store.read)
            return list(open311_requests(rows, days, redact))
    finally:
        store.close()


def requests(desk: Desk, request: Request, values: Mapping[str, str], fmt: str) -> tuple:
    from huidesk.domain.vocab import ISSUE_KINDS

    ids = values.get("service_request_id")
    if ids:  # several requests by id: the specification's way to ask for them, ignoring every other parameter
        found: list[dict] = []
        for one in ids.split(",")[:MOST]:
            found += _requests(desk, request_id=one.strip(), limit=1)
        return "service_requests", "request", found
    code = values.get("service_code") or None
    if code is not None and code not in ISSUE_KINDS:
        raise Refused(400, f"service_code: {tr('可选', 'choose from')} {', '.join(ISSUE_KINDS)}")
    status = values.get("status") or None
    if status is not None and status not in ("open", "closed"):
        raise Refused(400, "status: open, closed")
    start = _moment(desk, values.get("start_date"), "start_date")
    end = _moment(desk, values.get("end_date"), "end_date")
    if start is None and end is None:
        now = desk.session(desk.actor).now
        start = (now - dt.timedelta(days=DEFAULT_DAYS)).isoformat(timespec="seconds")
        end = now.isoformat(timespec="seconds")
    size = _count(values.get("page_size"), "page_size", DEFAULT_PAGE, 1, MOST)
    number = _count(values.get("page"), "page", 1, 1, 10**6)
    return "service_requests", "request", _requests(desk, code, status, start, end, None, size, (number - 1) * size)


def one_request(desk: Desk, request: Request, values: Mapping[str, str], fmt: str) -> tuple:
    rid = request.path_params["id"]
    found = _requests(desk, request_id=rid, limit=1)
    if not found:
        raise Refused(404, f"service_request_id: {tr('找不到', 'no such request')} {rid}")
    return "service_requests", "request", found


def post_request(desk: Desk, request: Request, values: Mapping[str, str], fmt: str) -> tuple:
    """A service request posted by a platform holding a key: an issue received now, from the platform (source
    平台), at the place `address_string` (or `address_id`, a place's id) names, journaled as `issue open` with
    the key's name as who recorded it; `ref` (an extension) keeps the platform's own order number, which is then
    the request's id. The requester's contact (email, name, phone) is not kept."""
    from huidesk.actions import open_issue
    from huidesk.ledger import access
    from huidesk.ledger.store import Store

    if desk.read_only:
        raise Refused(403, tr("只读服务台：不能写入", "a read-only desk: nothing can be written"))
    store = Store.open(desk.db, desk.actor)
    try:
        holder = access.holder(store, values.get("api_key"))
    finally:
        store.close()
    if holder is None:
        raise Refused(403, "api_key: " + tr("无效或已吊销", "missing, unknown or revoked"))
    code = values.get("service_code")
    if not code:
        raise Refused(400, "service_code: " + tr("必填", "required"))
    place = values.get("address_string") or values.get("address_id")
    if not place:
        raise Refused(400, "address_string: " + tr("必填（本服务台不按经纬度定位）",
                                                   "required (this desk does not locate by lat/long)"))
    done = open_issue(desk.session(f"open311:{holder}"), values.get("description") or "", code, "platform", place,
                      ref=values.get("ref") or None)
    from huidesk.exchange.export import request_id
    from huidesk.ledger.exchange import issue_ids

    store = Store.open(desk.db, desk.actor)
    try:
        found = request_id(issue_ids(store, done.id))
    finally:
        store.close()
    return "service_requests", "request", [{"service_request_id": found, "service_notice": done.message,
                                            "account_id": None}]


def routes(desk: Desk) -> list[Route]:
    base = "/open311/v2"
    return [
        Route(base + "/discovery.{format}", open311(desk, discovery), methods=["GET"]),
        Route(base + "/services.{format}", open311(desk, services), methods=["GET"]),
        Route(base + "/requests.{format}", open311(desk, requests), methods=["GET"]),
        Route(base + "/requests.{format}", open311(desk, post_request, post=True), methods=["POST"]),
        Route(base + "/requests/{id}.{format}", open311(desk, one_request), methods=["GET"]),
    ]

