"""The web desk's routes through Starlette's TestClient, against a real ledger file: sign-in, every page, the forms
(each one journal entry, by the signed-in user, in its command's shape), refusals (CSRF, read-only, bad input with
the command line's own line, nothing written), Open311 in JSON and XML, and a few attacks."""

import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from conftest import fingerprint, ok, rejected, run
from starlette.testclient import TestClient

from huidesk.domain.dates import ledger_zone
from huidesk.web.app import create_app
from huidesk.web.desk import CSP, Desk

NOW = dt.datetime(2024, 7, 8, 23, 59, 59, tzinfo=ledger_zone())
BASE = "http://127.0.0.1:8000"


def sign_in(desk: Desk, user: str = "王凤琴") -> TestClient:
    client = TestClient(create_app(desk), base_url=BASE)
    response = client.get(f"/login?token={desk.sessions.issue(user)}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


@pytest.fixture
def desk(village) -> Desk:
    return Desk(db=village, actor="tester", now=NOW)


@pytest.fixture
def client(desk) -> TestClient:
    return sign_in(desk)


def csrf(client: TestClient, path: str = "/visits/new") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]


def journal(db) -> list[tuple]:
    return sqlite3.connect(db).execute("SELECT id, actor, command FROM _journal ORDER BY id").fetchall()


# --- signing in ----------------------------------------------------------------------------------------------


def test_a_page_without_a_session_says_how_to_sign_in_and_shows_nothing(desk, village):
    anonymous = TestClient(create_app(desk), base_url=BASE)
    for path in ("/", "/issues", "/residents", "/visits/new"):
        response = anonymous.get(path)
        assert response.status_code == 401 and "一次性链接" in response.text
        assert "丁" not in response.text and "csrf" not in response.text


def test_the_sign_in_token_gives_an_httponly_samesite_strict_cookie_once(desk):
    anonymous = TestClient(create_app(desk), base_url=BASE)
    token = desk.sessions.issue("王凤琴")
    first = anonymous.get(f"/login?token={token}", follow_redirects=False)
    assert first.status_code == 303
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert anonymous.get("/").status_code == 200  # the cookie is the session
    other = TestClient(create_app(desk), base_url=BASE)
    assert other.get(f"/login?token={token}", follow_redirects=False).status_code == 401  # spent
    assert other.get("/login?token=guessed", follow_redirects=False).status_code == 401
    assert "set-cookie" not in other.get("/login", follow_redirects=False).headers


def test_signing_out_ends_the_session(client):
    assert client.post("/logout", data={"csrf": csrf(client)}, follow_redirects=False).status_code == 303
    assert client.get("/").status_code == 401


def test_an_invitation_is_a_one_time_link_that_records_as_the_invited(client, desk, village):
    page = client.post("/invite", data={"csrf": csrf(client), "name": "李网格员"})
    link = re.search(r"http://127\.0\.0\.1:8000/login\?token=[\w-]+", page.text)[0]
    colleague = TestClient(create_app(desk), base_url=BASE)
    assert colleague.get(link.removeprefix(BASE), follow_redirects=False).status_code == 303
    posted = colleague.post("/visits", data={"csrf": csrf(colleague), "resident": "丁学志", "team": "橙色公益"},
                            follow_redirects=False)
    assert posted.status_code == 303
    assert journal(village)[-1][1:] == ("李网格员", "visit add")


# --- pages ---------------------------------------------------------------------------------------------------


PAGES = ["/", "/?month=2024-06&team=橙色公益", "/visits", "/activities", "/issues", "/issues?state=overdue",
         "/residents", "/members", "/visits/new", "/activities/new", "/issues/new", "/reports/monthly",
         "/reports/monthly?month=2024-07&place=平伏桥村", "/sources"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_utf8_html_under_a_strict_policy_without_inline_script_or_style(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP and "style-src 'self'" in CSP
    assert response.headers["x-frame-options"] == "DENY" and response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert '<meta charset="utf-8">' in html
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_residents_are_masked_on_every_page(client):
    ok("issue", "open", "--kind", "民生问题", "--source", "走访", "--place", "48号楼", "--resident", "丁学志",
       "--at", "2024-07-08 09:00", "楼道灯坏了")
    ok("visit", "add", "丁学志", "李增友", "--team", "橙色公益", "--date", "2024-07-07")
    for path in ("/residents", "/visits", "/issues/1", "/"):
        html = client.get(path).text
        assert "丁学志" not in html and "李增友" not in html and "13912345678" not in html, path
    assert "丁*志" in client.get("/residents").text and "丁*志" in client.get("/issues/1").text


def test_lists_filter_and_page(client):
    for n in range(55):
        ok("issue", "open", "--kind", "意见建议", "--source", "巡查", "--place", "平伏桥村",
           "--at", f"2024-07-0{1 + n % 7} 09:{n:02d}", f"建议第{n}条")
    ok("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "48号楼", "--at", "2024-07-08 10:00",
       "消防通道堵塞")
    first = client.get("/issues?kind=suggestion")
    assert "共 55 条" in first.text and "第 1/2 页" in first.text and "消防通道堵塞" not in first.text
    second = client.get("/issues?kind=suggestion&page=2")
    assert second.text.count("建议第") == 5 and "page=1" in second.text
    hazards = client.get("/issues?kind=安全隐患")
    assert "共 1 条" in hazards.text and "消防通道堵塞" in hazards.text
    assert "共 0 条" in client.get("/issues?since=2024-07-09").text
    refused = client.get("/issues?state=later")
    assert refused.status_code == 400 and "--state" in refused.text


def test_the_dashboard_says_the_articles_sentences_and_this_months_figures(ledger_env):
    ok("demo")
    client = sign_in(Desk(db=ledger_env, actor="tester", now=NOW))
    html = client.get("/?place=平伏桥村").text
    narrative = re.search(r'<p class="narrative" id="narrative">(.*?)</p>', html, re.S)[1]
    assert "开展各类主题志愿服务活动120余次" in narrative and "收集居民意见建议56件" in narrative
    summary = json.loads(ok("summary", "--place", "平伏桥村", "--format", "json").stdout)
    assert summary["narrative"] in html  # the same sentences as the terminal's
    monthly = json.loads(ok("report", "monthly", "--month", "this", "--place", "平伏桥村", "--format", "json").stdout)
    assert f'<dd id="received">{monthly["kpi"]["received"]}</dd>' in html
    assert html.count('class="bar received"') == 12 + 1 and html.count('class="bar resolved"') == 12 + 1
    assert "热点" in html and "超期未办结" in html


def test_an_issue_page_shows_its_timeline(client):
    ok("unit", "add", "悦湖家园物业")
    ok("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "48号楼", "--at", "2024-07-01 09:00",
       "楼道堆放杂物")
    ok("issue", "dispatch", "1", "--to", "悦湖家园物业", "--at", "2024-07-01 10:00")
    html = client.get("/issues/1").text
    assert "楼道堆放杂物" in html and "派单" in html and "悦湖家园物业" in html and "1小时" in html
    assert client.get("/issues/99").status_code == 404


def test_the_monthly_workbook_downloads_as_the_command_writes_it(client, tmp_path):
    response = client.get("/reports/monthly.xlsx?month=2024-07")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["content-disposition"]
    from io import BytesIO

    from openpyxl import load_workbook

    assert load_workbook(BytesIO(response.content)).sheetnames
    assert client.get("/reports/monthly?month=13月").status_code == 400


def test_english_is_a_setting_of_the_session(client):
    assert client.post("/language", data={"csrf": csrf(client), "lang": "en"},
                       follow_redirects=False).status_code == 303
    html = client.get("/").text
    assert "Dashboard" in html and "This month" in html and '<html lang="en">' in html
    client.post("/language", data={"csrf": csrf(client), "lang": "zh"})
    assert "本月" in client.get("/").text


# --- forms ---------------------------------------------------------------------------------------------------


def test_a_visit_posted_is_one_journal_entry_by_the_web_user_in_its_commands_shape(client, village):
    before = journal(village)
    response = client.post("/visits", data={
        "csrf": csrf(client), "resident": "丁学志、李增友", "team": "橙色公益", "member": "王凤琴", "date": "7月7日",
        "purpose": "看望高龄老人", "gift": "米 油", "hours": "1.5"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/visits"
    after = journal(village)
    assert after[:-1] == before and after[-1][1:] == ("王凤琴", "visit add")
    listed = json.loads(ok("visit", "list", "--format", "json").stdout)
    assert listed[-1]["date"] == "2024-07-07" and listed[-1]["residents"] == ["丁*志", "李*友"]
    assert "米" in listed[-1]["gifts"] and "油" in listed[-1]["gifts"] and listed[-1]["hours_each"] == "1.5"
    assert "已记录走访 #1" in client.get("/visits").text  # said once, on the next page
    assert "已记录走访" not in client.get("/visits").text
    assert "账本完好" in ok("check").stdout


def test_an_activity_takes_chinese_numerals_as_the_command_does(client, village):
    response = client.post("/activities", data={
        "csrf": csrf(client, "/activities/new"), "theme": "haircut", "team": "银色助老", "member": "王玉兰",
        "volunteers": "三", "served": "二十", "hours": "2", "date": "2024-07-05"}, follow_redirects=False)
    assert response.status_code == 303
    found = json.loads(ok("activity", "list", "--format", "json").stdout)[-1]
    assert (found["volunteers"], found["served"], found["hours"]) == (3, 20, "6")
    assert journal(village)[-1][1:] == ("王凤琴", "activity add")


def test_an_issue_opened_and_moved_from_the_browser_is_the_commands_journal(client, village):
    ok("unit", "add", "悦湖家园物业")
    token = csrf(client, "/issues/new")
    opened = client.post("/issues", data={"csrf": token, "text": "楼道堆放杂物", "kind": "safety_hazard",
                                          "source": "patrol", "place": "48号楼", "team": "蓝色平安",
                                          "at": "2024-07-08 09:00", "category": "物业"}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/issues/1"
    steps = [({"event": "dispatched", "to": "悦湖家园物业", "at": "2024-07-08 10:00"}, "issue dispatch"),
             ({"event": "arrived", "unit": "悦湖家园物业", "at": "2024-07-08 10:30"}, "issue arrive"),
             ({"event": "resolved", "note": "已清理", "at": "2024-07-08 16:00"}, "issue resolve"),
             ({"event": "callback", "resolved": "yes", "satisfaction": "satisfied", "at": "2024-07-08 18:00"},
              "issue callback")]
    for data, command in steps:
        response = client.post("/issues/1/events", data={"csrf": token, **data}, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert journal(village)[-1][1:] == ("王凤琴", command)
    shown = json.loads(ok("issue", "show", "1", "--format", "json").stdout)
    assert shown["state"] == "resolved" and [e["event"] for e in shown["events"]] == [
        "received", "dispatched", "arrived", "resolved", "callback"]
    assert "账本完好" in ok("check").stdout


def test_a_move_the_issue_cannot_make_is_refused_with_the_commands_line(client, village):
    ok("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "48号楼", "--at", "2024-07-08 09:00",
       "楼道堆放杂物")
    line = rejected(village, "issue", "callback", "1", "--resolved", "是", "--satisfaction", "满意")
    before = fingerprint(village)
    response = client.post("/issues/1/events", data={"csrf": csrf(client), "event": "callback", "resolved": "是",
                                                     "satisfaction": "满意"})
    assert response.status_code == 409 and line.removeprefix("错误：") in response.text
    assert fingerprint(village) == before


@pytest.mark.parametrize("form, command", [
    ({"resident": "丁学志", "team": "不存在的队"}, ("visit", "add", "丁学志", "--team", "不存在的队")),
    ({"resident": "丁学志", "team": "橙色公益", "date": "2099-01-01"},
     ("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2099-01-01")),
    ({"resident": "丁学志", "team": "橙色公益", "hours": "25"},
     ("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--hours", "25")),
])
def test_bad_input_is_a_400_with_the_commands_own_line_and_nothing_written(client, village, form, command):
    line = rejected(village, *command).removeprefix("错误：")
    if "hours" in form:
        form = {**form, "member": "王凤琴"}
    before = fingerprint(village)
    response = client.post("/visits", data={"csrf": csrf(client), **form})
    assert response.status_code == 400
    assert line in response.text.replace("&#34;", '"').replace("&#39;", "'")
    assert fingerprint(village) == before
    assert f'value="{form["team"]}"' in response.text  # the form comes back as it was typed


def test_a_post_without_its_csrf_token_or_with_a_forged_one_is_403_and_writes_nothing(client, village, desk):
    before = fingerprint(village)
    visit = {"resident": "丁学志", "team": "橙色公益"}
    assert client.post("/visits", data=visit).status_code == 403
    assert client.post("/visits", data={**visit, "csrf": "forged"}).status_code == 403
    other = sign_in(desk, "别人")  # a token of another session is no token of this one
    assert client.post("/visits", data={**visit, "csrf": csrf(other)}).status_code == 403
    token = csrf(client)
    foreign = client.post("/visits", data={**visit, "csrf": token}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert fingerprint(village) == before
    assert client.post("/visits", data={**visit, "csrf": token}, follow_redirects=False).status_code == 303


def test_a_read_only_desk_shows_no_forms_and_refuses_every_write(village):
    desk = Desk(db=village, actor="tester", now=NOW, read_only=True)
    client = sign_in(desk)
    before = fingerprint(village)
    assert 'action="/issues/1/events"' not in client.get("/issues").text
    assert "只读" in client.get("/visits/new").text
    response = client.post("/visits", data={"csrf": csrf(client), "resident": "丁学志", "team": "橙色公益"})
    assert response.status_code == 403 and "只读" in response.text
    assert fingerprint(village) == before


# --- attacks -------------------------------------------------------------------------------------------------


def test_a_script_in_a_team_or_an_issue_is_shown_as_text(client, village):
    ok("team", "add", "<script>alert(1)</script>队", "--place", "平伏桥村")
    ok("issue", "open", "--kind", "意见建议", "--source", "巡查", "--place", "平伏桥村", "--team", "script",
       "--at", "2024-07-08 09:00", '"><img src=x onerror=alert(2)>')
    ok("activity", "add", "--theme", "其他", "--team", "script", "--title", "<b onmouseover=alert(3)>x</b>",
       "--volunteers", "1", "--date", "2024-07-08")
    for path in ("/issues", "/issues/1", "/activities", "/", "/reports/monthly?month=this", "/visits/new"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/issues/1").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in client.get("/issues/1").text


@pytest.mark.parametrize("path", ["/static/../../pyproject.toml", "/static/..%2F..%2Fpyproject.toml",
                                  "/static/%2e%2e/app.py", "/static/templates/base.html", "/static//etc/passwd",
                                  "/static/desk.css/../../desk.py"])
def test_the_static_route_serves_its_own_files_only(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "[project]" not in response.text and "import" not in response.text and "root:" not in response.text


def test_the_stylesheet_is_served(client):
    response = client.get("/static/desk.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")


def test_another_host_name_on_loopback_is_refused(desk):
    """A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) must not reach the desk."""
    rebound = TestClient(create_app(desk), base_url="http://evil.example:8000")
    assert rebound.get("/open311/v2/services.json").status_code == 400
    assert rebound.get(f"/login?token={desk.sessions.issue('x')}").status_code == 400


def test_behind_a_reverse_proxy_its_address_is_the_links_and_its_origin_posts(village):
    desk = Desk(db=village, actor="tester", now=NOW, url="https://desk.street.example/")
    assert desk.sign_in_url("t") == "https://desk.street.example/login?token=t"
    client = TestClient(create_app(desk), base_url="https://desk.street.example")
    assert client.get(f"/login?token={desk.sessions.issue('王凤琴')}", follow_redirects=False).status_code == 303
    token = csrf(client)
    posted = client.post("/visits", data={"csrf": token, "resident": "丁学志", "team": "橙色公益"},
                         headers={"host": "127.0.0.1:8000", "origin": "https://desk.street.example"},
                         follow_redirects=False)
    assert posted.status_code == 303
    assert run("serve", "--url", "desk.street.example").exit_code == 1


def test_the_language_switch_returns_only_to_this_desk(client):
    for back in ("//evil.example/", "http://evil.example/", "\\\\evil"):
        response = client.post("/language", data={"csrf": csrf(client), "lang": "en", "back": back},
                               follow_redirects=False)
        assert response.headers["location"] == "/"


# --- Open311 -------------------------------------------------------------------------------------------------


def _issues_for_open311():
    ok("unit", "add", "悦湖家园物业")
    ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "48号楼", "--resident", "丁学志",
       "--ref", "12345-0708-01", "--at", "2024-07-08 09:00", "丁学志家门口积水，电话13912345678")
    ok("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "平伏桥村", "--at", "2024-07-02 09:00",
       "李增友反映消防通道堵塞")
    ok("issue", "dispatch", "2", "--to", "悦湖家园物业", "--at", "2024-07-02 10:00", "--note", "李增友在家等候")
    ok("issue", "resolve", "2", "--at", "2024-07-02 16:00")


REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url")


def test_open311_discovery_and_services_in_json_and_xml(client):
    found = client.get("/open311/v2/discovery.json").json()
    assert found["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert found["endpoints"][0]["url"] == f"{BASE}/open311/v2"
    assert set(found["endpoints"][0]["formats"]) == {"application/json", "text/xml"}
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/specification") is not None
    services = client.get("/open311/v2/services.json").json()
    from huidesk.domain.vocab import ISSUE_KINDS

    assert [s["service_code"] for s in services] == list(ISSUE_KINDS)
    assert all(set(s) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
               and s["metadata"] is False and s["type"] == "realtime" for s in services)
    xml = client.get("/open311/v2/services.xml")
    assert xml.headers["content-type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(xml.content)
    assert root.tag == "services" and [s.findtext("service_code") for s in root] == list(ISSUE_KINDS)
    assert root[0].findtext("metadata") == "false"


def test_open311_requests_in_json_and_xml_with_filters_and_nothing_personal(client):
    _issues_for_open311()
    found = client.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in found][0] == "12345-0708-01"  # newest first; the ref is its id
    assert all(tuple(r) == REQUEST_FIELDS for r in found)
    body = json.dumps(found, ensure_ascii=False)
    assert "丁学志" not in body and "李增友" not in body and "13912345678" not in body
    assert "丁*志家门口积水，电话139****5678" in body and "李*友" in body
    closed = client.get("/open311/v2/requests.json?status=closed").json()
    assert [r["service_code"] for r in closed] == ["safety_hazard"]
    assert closed[0]["agency_responsible"] == "悦湖家园物业"
    assert client.get("/open311/v2/requests.json?service_code=livelihood").json()[0]["status"] == "open"
    assert len(client.get("/open311/v2/requests.json?page_size=1").json()) == 1
    window = "start_date=2024-07-01T00:00:00Z&end_date=2024-07-03T00:00:00%2B08:00"
    assert [r["service_code"] for r in client.get(f"/open311/v2/requests.json?{window}").json()] == ["safety_hazard"]
    root = ET.fromstring(client.get("/open311/v2/requests.xml?status=open").content)
    assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
    assert [child.tag for child in root[0]] == list(REQUEST_FIELDS)
    assert root[0].findtext("service_request_id") == "12345-0708-01"
    one = client.get("/open311/v2/requests/12345-0708-01.json").json()
    assert len(one) == 1 and one[0]["service_code"] == "livelihood"
    uid = found[1]["service_request_id"]
    assert ET.fromstring(client.get(f"/open311/v2/requests/{uid}.xml").content)[0].findtext("status") == "closed"
    assert client.get("/open311/v2/requests/nothing.json").status_code == 404


@pytest.mark.parametrize("query", ["service_code=cats", "status=pending", "page_size=0", "page_size=5000",
                                   "start_date=yesterday"])
def test_open311_refuses_a_bad_query_in_its_error_format(client, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and error["description"].split(":")[0] in query
    xml = ET.fromstring(client.get(f"/open311/v2/requests.xml?{query}").content)
    assert xml.tag == "errors" and xml.find("error/code").text == "400"


def test_open311_post_needs_a_live_key_and_writes_one_issue_open_entry(client, village):
    key = ok("key", "add", "12345平台").stdout.strip()
    assert key.startswith("hk_") and key not in sqlite3.connect(village).execute(
        "SELECT group_concat(name || hash || prefix) FROM _api_keys").fetchone()[0]
    assert "12345平台" in ok("key", "list").stdout and key not in ok("key", "list").stdout
    request = {"service_code": "livelihood", "address_string": "48号楼", "description": "路灯不亮",
               "email": "a@b.c", "first_name": "丁", "phone": "13900000000", "ref": "12345-0708-09"}
    before = fingerprint(village)
    assert client.post("/open311/v2/requests.json", data=request).status_code == 403
    assert client.post("/open311/v2/requests.json", data={**request, "api_key": key + "x"}).status_code == 403
    assert fingerprint(village) == before
    made = client.post("/open311/v2/requests.json", data={**request, "api_key": key})
    assert made.status_code == 201
    assert made.json()[0]["service_request_id"] == "12345-0708-09" and "service_notice" in made.json()[0]
    assert journal(village)[-1][1:] == ("open311:12345平台", "issue open")
    shown = json.loads(ok("issue", "show", "12345-0708-09", "--format", "json").stdout)
    assert shown["source"] == "platform" and shown["resident"] is None and shown["text"] == "路灯不亮"
    assert "13900000000" not in str(sqlite3.connect(village).execute("SELECT * FROM issues").fetchall())
    bad = client.post("/open311/v2/requests.xml", data={**request, "api_key": key, "address_string": "火星"})
    assert bad.status_code == 400 and ET.fromstring(bad.content).find("error/description").text.count(
        "address_string") == 1
    ok("key", "revoke", "12345平台")
    assert client.post("/open311/v2/requests.json", data={**request, "api_key": key}).status_code == 403
    assert "账本完好" in ok("check").stdout


def test_a_read_only_desk_takes_no_open311_post(village):
    key = ok("key", "add", "平台").stdout.strip()
    client = TestClient(create_app(Desk(db=village, actor="tester", now=NOW, read_only=True)), base_url=BASE)
    before = fingerprint(village)
    response = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "livelihood",
                                                               "address_string": "48号楼", "description": "x"})
    assert response.status_code == 403 and fingerprint(village) == before


def test_keys_are_refused_one_line_when_named_twice_or_unknown(village):
    ok("key", "add", "平台")
    rejected(village, "key", "add", "平台", mentions=("NAME",))
    rejected(village, "key", "revoke", "没有这个", mentions=("NAME",))
    ok("key", "revoke", "平台")
    rejected(village, "key", "revoke", "平台")
    assert ok("key", "add", "平台").stdout.startswith("hk_")  # a revoked name can be given again


# --- the command ---------------------------------------------------------------------------------------------


def test_serve_without_its_extra_says_how_to_install_it_in_one_line(db, monkeypatch):
    from huidesk.web import serve

    monkeypatch.setattr(serve, "missing_extra", lambda: "starlette")
    result = run("serve")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "pip install 'huidesk[serve]'" in result.stderr


@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("0.0.0.0", True), ("localhost", False)])
def test_serve_prints_a_one_time_link_and_warns_off_loopback(db, monkeypatch, host, warned):
    from huidesk.web.desk import Desk as Served

    started = []
    monkeypatch.setattr(Served, "run", lambda self, app, sock: started.append((self, sock.getsockname())))
    result = run("serve", "--host", host, "--port", "0")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(r"http://[\w.]+:\d+/login\?token=[\w-]{40,}\n", result.stdout)
    assert ("警告" in result.stderr) is warned
    desk, (_, port) = started[0]
    assert f":{port}/" in result.stdout and desk.actor == "tester" and not desk.read_only
    assert desk.allowed_hosts() == (["*"] if warned else desk.allowed_hosts())


def test_the_web_desk_is_imported_only_when_serve_runs():
    code = "import sys, huidesk.cli as c\ntry:\n    c.app(['--help'])\nexcept SystemExit:\n    pass\n" \
           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'jinja2', 'multipart')" \
           " or m.startswith('huidesk.web')))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip().splitlines()[-1] == "[]"
    code = code.replace("['--help']", "['serve', '--help']")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "starlette" not in found.stdout.splitlines()[-1] and "--read-only" in found.stdout
