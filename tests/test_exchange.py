"""export and import: every format read back, masking, formula-safe cells, GeoReport v2, round trips into a
fresh ledger, and imports that are all or nothing with every bad row named."""

import csv
import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import TODAY, fingerprint, ok, rejected, run
from openpyxl import load_workbook

IMPORT_ORDER = ("places", "units", "members", "teams", "memberships", "residents", "visits", "activities", "issues",
                "issue_events", "wishes", "cards", "pairings")


# A ledger with a record of every kind (one visit made void), built once and copied into each test's ledger.
WORLD = (
    ("init",),
    ("place", "add", "银川市/金凤区/满城北街街道/平伏桥村"),
    ("place", "add", "平伏桥村/悦湖家园小区"),
    ("place", "add", "平伏桥村/48号楼"),
    ("member", "add", "王凤琴", "--role", "党员", "--role", "志愿者", "--phone", "13800001111",
     "--joined", "2022-03-01"),
    ("member", "add", "王玉兰", "--role", "志愿者", "--joined", "2022-03-01"),
    ("member", "add", "张佳丽", "--role", "志愿者", "--joined", "2022-03-01"),
    ("team", "add", "“橙色公益”志愿服务队", "--place", "平伏桥村", "--leader", "王凤琴", "--founded", "2022-03-01"),
    ("team", "add", "“银色助老”志愿服务队", "--place", "平伏桥村", "--founded", "2022-03-01"),
    ("team", "add", "“蓝色平安”志愿服务队", "--place", "平伏桥村"),
    ("member", "join", "王玉兰", "--team", "银色助老", "--date", "2022-03-01"),
    ("member", "join", "张佳丽", "--team", "蓝色平安", "--date", "2023-05-01"),
    ("resident", "add", "丁学志", "--place", "平伏桥村/48号楼", "--tag", "高龄", "--born", "1940",
     "--every", "7d"),
    ("resident", "add", "李增友", "--place", "平伏桥村", "--tag", "独居", "--tag", "高龄",
     "--phone", "13912345678"),
    ("resident", "add", "小花", "--place", "悦湖家园小区", "--born", "2016", "--consent", "guardian",
     "--guardian", "李秀梅", "--tag", "困境儿童"),
    ("unit", "add", "悦湖家园物业公司"),
    ("visit", "add", "丁学志", "李增友", "--team", "橙色公益", "--member", "王凤琴", "--date", "2024-07-07",
     "--purpose", "看望高龄老人", "--gift", "牛奶", "--gift", "大米", "--follow-up"),
    ("visit", "add", "李增友", "--team", "银色助老", "--date", "2024-06-01", "--note", "-5度，注意保暖"),
    ("visit", "add", "丁学志", "--team", "银色助老", "--date", "2024-07-01"),
    ("void", "visit", "3", "--reason", "重复录入"),
    ("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--member", "王玉兰", "--volunteers", "3",
     "--served", "20", "--hours", "1.5", "--date", "2024-07-05", "--place", "悦湖家园小区",
     "--title", "爱心理发进小区"),
    ("activity", "add", "--theme", "反诈宣传", "--team", "蓝色平安", "--volunteers", "4", "--hours", "20分钟",
     "--date", "2024-06-20"),
    ("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "48号楼", "--team", "橙色公益",
     "--resident", "丁学志", "--at", "2024-07-01 09:00", "--ref", "12345-0701", "楼道堆放杂物"),
    ("issue", "dispatch", "12345-0701", "--to", "悦湖家园物业", "--at", "2024-07-01 10:00"),
    ("issue", "resolve", "12345-0701", "--at", "2024-07-02 16:30", "--note", "已清理"),
    ("issue", "open", "--kind", "意见建议", "--source", "走访", "--place", "悦湖家园小区", "--at", "2024-07-03 10:00",
     "--resolved", "建议增设休息座椅"),
    ("setting", "set", "categories", "燃气"),
    ("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "--at", "2024-07-06 08:00",
     "--nature", "求助", "--category", "燃气", "路灯不亮"),
    ("issue", "open", "--kind", "民生问题", "--source", "12345热线", "--place", "平伏桥村", "--at", "2024-07-07 08:00",
     "--nature", "投诉", "--category", "市政", "--repeat-of", "3", "路灯还是不亮"),
    ("wish", "add", "--resident", "小花", "想要一套绘画工具", "--date", "2024-06-01"),
    ("wish", "claim", "1", "--member", "张佳丽", "--date", "2024-06-05"),
    ("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--date", "2024-06-01"),
    ("card", "issue", "--resident", "李增友", "--kind", "爱心理发卡", "--no", "0286", "--date", "2024-06-02"),
    ("pair", "add", "--member", "张佳丽", "--resident", "小花", "--since", "2024-03-01", "--note", "爱心妈妈"),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUIDESK_DB", str(path))
        mp.setenv("HUIDESK_TODAY", TODAY)
        mp.setenv("HUIDESK_USER", "tester")
        mp.delenv("HUIDESK_LANG", raising=False)
        for args in WORLD:
            ok(*args)
    return path


@pytest.fixture
def ledger(template, ledger_env):
    """This test's own copy of the world."""
    source, target = sqlite3.connect(template), sqlite3.connect(ledger_env)
    source.backup(target)
    target.close()
    source.close()
    os.chmod(ledger_env, 0o600)  # as huidesk makes a ledger; a looser copy would be tightened, and say so
    return ledger_env


def fresh(tmp_path) -> Path:
    other = tmp_path / "other.db"
    ok("--db", str(other), "init")
    return other


def dump(db, table: str) -> list[dict]:
    """A table as `export --with-pii --format jsonl` gives it, read straight from the ledger."""
    from huidesk.exchange.export import export_rows
    from huidesk.exchange.layouts import TABLES
    from huidesk.ledger.store import Store

    store = Store.open(db, "tester")
    try:
        fields = [f.key for f in TABLES[table].exported()]
        return [{k: r[k] for k in fields} for r in export_rows(store, TABLES[table], None, None, True)]
    finally:
        store.close()


def export(*args: str, db=None) -> str:
    prefix = ("--db", str(db)) if db else ()
    return ok(*prefix, "export", *args).stdout


def rows_of(text: str) -> list[dict]:
    """The rows of a csv, keyed by its headers (which are in the user's language)."""
    return list(csv.DictReader(io.StringIO(text)))


def data(table: str, *args: str) -> list[dict]:
    """A table's records as programs read them: json, English keys and slugs."""
    return json.loads(export(table, "--format", "json", *args))


def test_every_format_reads_back(ledger, tmp_path):
    as_csv = rows_of(export("visits", "--with-pii"))  # for people and spreadsheets: headers and words in --lang
    assert [r["日期"] for r in as_csv] == ["2024-06-01", "2024-07-07"]  # oldest first, the void one left out
    assert as_csv[1]["走访对象"] == "丁学志、李增友" and as_csv[1]["队员"] == "王凤琴"
    assert as_csv[1]["慰问品"] == "牛奶、大米" and as_csv[1]["需跟进"] == "是" and as_csv[0]["需跟进"] == "否"
    assert as_csv[1]["服务队"] == "“橙色公益”志愿服务队" and len(as_csv[1]["唯一编号"]) == 32
    english = rows_of(ok("--lang", "en", "export", "visits", "--with-pii").stdout)
    assert [(r["date"], r["residents"], r["follow-up"]) for r in english] == [
        ("2024-06-01", "李增友", "no"), ("2024-07-07", "丁学志、李增友", "yes")]
    as_json = json.loads(export("visits", "--format", "json", "--with-pii"))  # for programs: keys and booleans
    assert as_json[1]["residents"] == ["丁学志", "李增友"] and as_json[1]["follow_up"] is True
    assert [r["uid"] for r in as_json] == [r["唯一编号"] for r in as_csv] == [r["uid"] for r in english]
    lines = export("visits", "-f", "jsonl", "--with-pii").splitlines()
    assert [json.loads(x) for x in lines] == as_json
    ok("export", "visits", "--output", str(tmp_path / "v.xlsx"), "--with-pii")
    ws = load_workbook(tmp_path / "v.xlsx").active
    assert ws.title == "走访" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:5] == ["唯一编号", "日期", "服务队", "走访对象", "队员"]
    assert ws["D3"].value == "丁学志、李增友" and ws["I3"].value is True
    assert ws.column_dimensions["C"].width > ws.column_dimensions["B"].width >= 10
    assert ws["A1"].font.bold


def test_csv_and_xlsx_hold_the_same_numbers(ledger, tmp_path):
    as_csv = rows_of(export("activities"))
    ok("export", "activities", "-o", str(tmp_path / "a.xlsx"))
    sheet = list(load_workbook(tmp_path / "a.xlsx").active.iter_rows(values_only=True))
    header = list(sheet[0])
    got = [dict(zip(header, r)) for r in sheet[1:]]
    assert [r["时长(分钟)"] for r in as_csv] == ["80", "270"]  # 4 x 20 min, 3 x 1.5 h: exact minutes
    assert [r["时长(小时)"] for r in as_csv] == ["1.33", "4.5"]
    assert [g["时长(分钟)"] for g in got] == [80, 270]
    assert [g["时长(小时)"] for g in got] == [1.33, 4.5]
    assert [g["志愿者人数"] for g in got] == [int(r["志愿者人数"]) for r in as_csv] == [4, 3]
    assert [g["服务人数"] for g in got] == [None, 20] and [r["服务人数"] for r in as_csv] == ["", "20"]
    assert header == list(as_csv[0])  # the same headers ...
    assert [g["主题"] for g in got] == [r["主题"] for r in as_csv] == ["反诈宣传", "爱心理发"]  # ... and words
    assert [r["theme"] for r in data("activities")] == ["anti_fraud", "haircut"]  # json keeps the slugs


def test_residents_are_masked_unless_asked(ledger):
    masked = {r["place"].split("/")[-1]: r for r in data("residents")}
    assert masked["48号楼"]["name"] == "丁*志" and masked["平伏桥村"]["phone"] == "139****5678"
    assert masked["悦湖家园小区"]["guardian"] == "李*梅" and masked["悦湖家园小区"]["name"] == "小*"
    assert data("visits")[1]["residents"] == ["丁*志", "李*友"]
    assert rows_of(export("visits"))[1]["走访对象"] == "丁*志、李*友"  # and so in a sheet
    assert data("issues")[0]["resident"] == "丁*志"
    assert data("wishes")[0]["resident"] == "小*" and data("cards")[0]["resident"] == "丁*志"
    assert data("pairings")[0]["resident"] == "小*"
    assert data("members")[0]["phone"] == "138****1111"
    plain = {r["place"].split("/")[-1]: r for r in data("residents", "--with-pii")}
    assert plain["48号楼"]["name"] == "丁学志" and plain["平伏桥村"]["phone"] == "13912345678"
    assert plain["悦湖家园小区"]["guardian"] == "李秀梅"


def test_formula_cells_are_neutralised(ledger, tmp_path):
    ok("resident", "add", '=HYPERLINK("http://evil.example","点我")', "--place", "48号楼")
    ok("visit", "add", "李增友", "--team", "银色助老", "--date", "2024-07-01", "--purpose", "+1 慰问",
       "--note", "@提醒")
    row = rows_of(export("residents", "--with-pii"))[-1]
    assert row["姓名"] == '\'=HYPERLINK("http://evil.example","点我")'
    visit = rows_of(export("visits", "--with-pii"))[1]
    assert visit["事由"] == "'+1 慰问" and visit["备注"] == "'@提醒"
    assert rows_of(export("visits", "--with-pii"))[0]["备注"] == "'-5度，注意保暖"
    assert json.loads(export("residents", "-f", "json", "--with-pii"))[-1]["name"].startswith("=")  # JSON is data
    ok("export", "residents", "--with-pii", "-o", str(tmp_path / "r.xlsx"))
    ws = load_workbook(tmp_path / "r.xlsx").active
    cell = ws.cell(row=ws.max_row, column=2)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    # Numbers stay numbers: a negative number is data, not a formula; text that looks like one is defused.
    from huidesk.render.output import Column

    cell = Column("x", "x", "x").sheet
    assert cell(-3) == -3 and cell("-3") == "'-3" and cell("\t=1") == "'\t=1"
    assert cell("'=1") == "''=1" and cell("'ok") == "'ok"  # what looks defused already keeps its own quote
    # ... and the quote comes off again on import, so the name survives a round trip.
    other = fresh(tmp_path)
    for table in ("places", "residents"):
        ok("export", table, "--with-pii", "-o", str(tmp_path / f"{table}.csv"))
        ok("--db", str(other), "import", table, str(tmp_path / f"{table}.csv"))
    assert dump(other, "residents")[-1]["name"] == '=HYPERLINK("http://evil.example","点我")'


def test_open311_service_requests(ledger):
    requests = json.loads(export("issues", "--format", "open311"))
    assert [r["status"] for r in requests] == ["closed", "closed", "open", "open"]
    first = requests[0]
    assert first["service_request_id"] == "12345-0701"
    assert first["service_code"] == "safety_hazard" and first["service_name"] == "安全隐患"
    assert first["description"] == "楼道堆放杂物" and first["agency_responsible"] == "悦湖家园物业公司"
    assert first["status_notes"] == "办结：已清理"
    assert first["requested_datetime"] == "2024-07-01T09:00:00+08:00"
    assert first["updated_datetime"] == "2024-07-02T16:30:00+08:00"
    assert first["expected_datetime"] == "2024-07-06T09:00:00+08:00"  # the 5-day resolve limit
    assert first["address"] == "银川市/金凤区/满城北街街道/平伏桥村/48号楼"
    assert {"lat", "long", "media_url", "address_id", "zipcode", "service_notice"} <= set(first)
    assert len(requests[1]["service_request_id"]) == 32  # no order number: its uid
    assert requests[2]["status_notes"] == "受理" and requests[2]["agency_responsible"] is None
    rejected(ledger, "export", "visits", "--format", "open311", mentions=("open311",))


def test_since_until_filter_by_the_records_own_date(ledger):
    assert [r["date"] for r in data("visits", "--since", "2024-07-01")] == ["2024-07-07"]
    assert [r["date"] for r in data("activities", "--until", "6月30日")] == ["2024-06-20"]
    assert [r["ref"] for r in data("issues", "--since", "2024-07-01", "--until", "2024-07-02")] == ["12345-0701"]
    assert [r["no"] for r in data("cards", "--since", "2024-06-02")] == ["0286"]
    rejected(ledger, "export", "residents", "--since", "2024-01-01", mentions=("--since",))


def test_output_file_is_private_and_stderr_has_the_chain_head(ledger, tmp_path):
    target = tmp_path / "out" / "issues.jsonl"
    target.parent.mkdir()
    result = ok("export", "issues", "--output", str(target))
    assert result.stdout == ""
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert len(target.read_text(encoding="utf-8").splitlines()) == 4
    assert os.listdir(target.parent) == ["issues.jsonl"]  # no temp file left behind
    head = ok("check").stdout.splitlines()[0].split()[-1]  # the intact line; the ledger's identity follows
    assert head in result.stderr
    csv_file = tmp_path / "cards.csv"
    ok("export", "cards", "-o", str(csv_file))
    # Excel needs the BOM to read UTF-8 (the Chinese headers)
    assert csv_file.read_bytes().startswith("\ufeff唯一编号,卡种,卡号".encode())
    rejected(ledger, "export", "cards", "-o", str(tmp_path / "cards.txt"), mentions=("--output", "--format"))


@pytest.mark.parametrize("fmt, lang", [("csv", "zh"), ("csv", "en"), ("xlsx", "zh"), ("jsonl", "zh")])
def test_round_trip_into_a_fresh_ledger(ledger, tmp_path, fmt, lang):
    """What export writes, import reads: a csv in Chinese or in English (headers, words, 是/否 or yes/no),
    read back whatever the importer's own --lang."""
    other = fresh(tmp_path)
    ok("--db", str(other), "setting", "set", "categories", "燃气")  # the ledger's own category travels as typed
    for table in IMPORT_ORDER:
        path = tmp_path / f"{table}.{fmt}"
        ok("--lang", lang, "export", table, "--with-pii", "-o", str(path))
        ok("--db", str(other), "import", table, str(path))
    if fmt == "csv":
        words = {"zh": ("唯一编号,日期,服务队", ",反诈宣传,", "是"),
                 "en": ("uid,date,team", ",anti-fraud,", "yes")}[lang]
        assert (tmp_path / "visits.csv").read_text(encoding="utf-8-sig").startswith(words[0])
        themes = (tmp_path / "activities.csv").read_text(encoding="utf-8-sig")
        assert words[1] in themes and "anti_fraud" not in themes
        assert f",{words[2]}\n" in (tmp_path / "visits.csv").read_text(encoding="utf-8-sig")  # follow-up
    for table in IMPORT_ORDER:
        mine, theirs = dump(ledger, table), dump(other, table)
        if table == "issue_events":  # an issue import records its own received and resolved steps, with new uids
            for r in mine + theirs:
                if r["event"] in ("received", "resolved"):
                    del r["uid"]
        assert theirs == mine, table
        assert mine, table
    shares = "SELECT m.name, am.minutes FROM activity_members am JOIN members m ON m.id = am.member_id ORDER BY am.id"
    assert [tuple(r) for r in sqlite3.connect(other).execute(shares)] == [("王玉兰", 90)]
    assert ok("--db", str(other), "check").stdout.startswith("账本完好")
    # Importing the same files again adds nothing, and leaves the journal as it was.
    before = fingerprint(other)
    for table in IMPORT_ORDER:
        result = ok("--db", str(other), "import", table, str(tmp_path / f"{table}.{fmt}"))
        assert "新增 0 条" in result.stderr
    assert fingerprint(other) == before


def test_issue_import_records_received_and_resolved_events_and_skips_a_known_ref(ledger, tmp_path):
    path = tmp_path / "issues.jsonl"
    path.write_text(
        json.dumps({"ref": "P-1", "received_at": "2024-07-01 09:00", "kind": "基础设施", "source": "12345热线",
                    "place": "48号楼", "text": "路面破损", "resolved_at": "2024-07-03 17:00"},
                   ensure_ascii=False) + "\n"
        + json.dumps({"ref": "P-2", "received_at": "7月5日上午9点", "kind": "dispute", "source": "上门",
                      "place": "平伏桥村", "text": "邻里噪音"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    assert "新增 2 条" in ok("import", "issues", str(path)).stderr
    events = [(e["issue_ref"], e["event"], e["at"]) for e in data("issue_events")
              if (e["issue_ref"] or "").startswith("P-")]
    assert events == [("P-1", "received", "2024-07-01T09:00:00+08:00"),
                      ("P-1", "resolved", "2024-07-03T17:00:00+08:00"),
                      ("P-2", "received", "2024-07-05T09:00:00+08:00")]
    states = {i["ref"]: i["state"] for i in json.loads(ok("issue", "list", "-f", "json").stdout)}
    assert (states["P-1"], states["P-2"]) == ("resolved", "received")
    again = tmp_path / "again.csv"
    again.write_text("工单号,受理时间,类型,来源,地点,内容\nP-1,2024-07-02 10:00,意见建议,巡查,平伏桥村,不同的内容\n",
                     encoding="utf-8")
    before = fingerprint(ledger)
    assert "跳过 1 条" in ok("import", "issues", str(again)).stderr
    assert fingerprint(ledger) == before


def test_issue_events_import_in_any_order_and_keep_the_rules(ledger, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "工单号,时间,事件,单位,是否解决,满意度,备注\n"
        "路灯-1,2024-07-07 09:00,回访,,是,基本满意,\n"  # before its resolve in the file, after it in time
        "路灯-1,2024-07-06 09:00,派单,悦湖家园物业公司,,,\n"
        "路灯-1,2024-07-06 18:00,办结,,,,已更换灯泡\n",
        encoding="utf-8",
    )
    ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "--at", "2024-07-06 08:00",
       "--ref", "路灯-1", "路灯不亮了")
    assert "新增 3 条" in ok("import", "issue_events", str(path)).stderr
    shown = json.loads(ok("issue", "show", "路灯-1", "--format", "json").stdout)
    assert [e["event"] for e in shown["events"]] == ["received", "dispatched", "resolved", "callback"]
    assert shown["response_minutes"] == 60 and shown["state"] == "resolved"
    assert "跳过 3 条" in ok("import", "issue_events", str(path)).stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("issue_ref,at,event,unit\n12345-0701,2024-07-03 09:00,arrived,悦湖家园物业公司\n"
                   "路灯-1,2024-07-08 09:00,received,\n", encoding="utf-8")
    before = fingerprint(ledger)
    result = run("import", "issue_events", str(bad))
    assert result.exit_code == 1 and fingerprint(ledger) == before
    assert "第 2 行：诉求已办结" in result.stderr and "第 3 行：event 的值无效" in result.stderr


def test_hand_made_sheet_with_chinese_words_imports_once(ledger, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "服务队", "主题", "志愿者人数", "服务人数", "时长(小时)", "队员", "名称"])
    import datetime as dt

    ws.append([dt.datetime(2024, 7, 2), "银色助老", "爱心理发", 2, 15, 3, "王玉兰，张佳丽", "'=理发"])
    ws.append(["2024年7月3日", "蓝色平安", "关爱儿童", 5, 30.0, "7.5小时", None, None])
    wb.save(tmp_path / "手工台账.xlsx")
    result = ok("import", "活动", str(tmp_path / "手工台账.xlsx"))
    assert "新增 2 条" in result.stderr
    rows = [r for r in dump(ledger, "activities") if r["date"] in ("2024-07-02", "2024-07-03")]
    assert [(r["date"], r["theme"], r["minutes"], r["members"], r["title"]) for r in rows] == [
        ("2024-07-02", "haircut", 180, ["王玉兰", "张佳丽"], "=理发"), ("2024-07-03", "child_care", 450, [], None)]
    before = fingerprint(ledger)
    assert "新增 0 条，跳过 2 条" in ok("import", "activities", str(tmp_path / "手工台账.xlsx")).stderr
    assert fingerprint(ledger) == before


def _residents_csv(n: int, bad_at: int | None = None) -> str:
    lines = ["name,place,tags,born,phone"]
    for i in range(n):
        born = "19x0" if i == bad_at else str(1930 + i % 60)
        lines.append(f"居民{i},平伏桥村/48号楼,高龄、独居,{born},139{i:08d}")
    return "\n".join(lines) + "\n"


def test_one_bad_row_in_five_thousand_writes_nothing_and_names_it(ledger, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(_residents_csv(5000, bad_at=2500), encoding="utf-8")
    line = rejected(ledger, "import", "residents", str(path), mentions=("第 2502 行", "born", "19x0", "未写入"))
    assert line.count("第") == 1


def test_a_row_twice_in_one_file_is_named_as_such_not_as_already_there(ledger, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("姓名,住址,出生年份\n新居民甲,48号楼,1950\n新居民乙,48号楼,1951\n新居民甲,48号楼,1950\n",
                    encoding="utf-8")
    line = rejected(ledger, "import", "residents", str(path))
    assert line == "错误：名单.csv 第 4 行与第 2 行重复（同一条记录出现两次）；未写入任何内容"
    line = rejected(ledger, "--lang", "en", "import", "residents", str(path))
    assert line == "error: 名单.csv line 4 repeats line 2 (the same record twice); nothing was written"
    for table in ("units", "places"):  # written at once, not held back
        path.write_text("name\n新单位\n新单位\n" if table == "units" else "path\n平伏桥村/1号楼\n平伏桥村/1号楼\n",
                        encoding="utf-8")
        line = rejected(ledger, "import", table, str(path))
        assert line.endswith("第 3 行与第 2 行重复（同一条记录出现两次）；未写入任何内容"), line


def test_every_bad_row_is_reported_up_to_twenty(ledger, tmp_path):
    lines = ["name,place,tags"] + [f"居民{i},{'火星' if i % 2 else '48号楼'},{'高龄' if i % 3 else '长寿'}"
                                   for i in range(60)]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = fingerprint(ledger)
    result = run("import", "residents", str(path))
    assert result.exit_code == 1 and fingerprint(ledger) == before
    err = result.stderr.splitlines()
    assert err[0] == (
        "bad.csv 第 2 行：tags 的值无效：“长寿”（可选：独居(living_alone)、空巢(empty_nest)、高龄(advanced_age)、"
        "残疾(disabled)、困境儿童(child_in_difficulty)、低保(low_income)）"
    )
    assert err[1].startswith("bad.csv 第 3 行：找不到地点（place）：“火星”")
    assert len(err) == 22 and err[20] == "…还有 20 行有错" and err[21] == "错误：40 行有错，未写入任何内容"


def test_bom_crlf_and_stdin(ledger, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff姓名,住址,标签,电话\r\n韩桂英,48号楼,空巢,13700001111\r\n".encode())
    assert "新增 1 条" in ok("import", "residents", str(path)).stderr
    piped = ok("import", "residents", "-", input="name,place\r\n马兰花,悦湖家园小区\r\n")
    assert "新增 1 条" in piped.stderr
    jsonl = ok("import", "residents", "-", input='{"name": "马兰花", "place": "悦湖家园小区"}\n')  # sniffed
    assert "跳过 1 条" in jsonl.stderr
    names = [r["name"] for r in data("residents", "--with-pii")]
    assert names[-2:] == ["韩桂英", "马兰花"]
    assert data("residents", "--with-pii")[-2]["phone"] == "13700001111"
    one_column = ok("import", "places", "-", input="path\n平伏桥村/悦湖家园小区/3号楼\n")  # text is read as CSV
    assert "新增 1 条" in one_column.stderr
    rejected(ledger, "import", "residents", "-", mentions=("--format",))  # nothing to tell the format by


def test_gbk_and_malformed_files_are_refused_naming_the_line(ledger, tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,place\n韩桂英,48号楼\n".encode("gbk"))
    rejected(ledger, "import", "residents", str(gbk), mentions=("gbk.csv", "第 2 行", "UTF-8", "GBK"))
    quote = tmp_path / "quote.csv"
    quote.write_text('name,place\n韩桂英,48号楼\n"马兰花,48号楼\n', encoding="utf-8")
    rejected(ledger, "import", "residents", str(quote), mentions=("第 3 行", "CSV"))
    broken = tmp_path / "broken.json"
    broken.write_text('[\n{"name": "韩桂英", "place": "48号楼"},\n{"name": "马兰花" "place": "48号楼"}\n]',
                      encoding="utf-8")
    rejected(ledger, "import", "residents", str(broken), mentions=("第 3 行", "JSON"))
    lines = tmp_path / "broken.jsonl"
    lines.write_text('{"name": "韩桂英", "place": "48号楼"}\n\n{"name": \n', encoding="utf-8")
    rejected(ledger, "import", "residents", str(lines), mentions=("第 3 行", "JSON"))
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_text("name,place\n", encoding="utf-8")
    rejected(ledger, "import", "residents", str(not_xlsx), mentions=("xlsx",))
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("name,place,鞋码\n韩桂英,48号楼,42\n", encoding="utf-8")
    rejected(ledger, "import", "residents", str(unknown), mentions=("鞋码",))
    missing = tmp_path / "missing.csv"
    missing.write_text("name,tags\n韩桂英,高龄\n", encoding="utf-8")
    rejected(ledger, "import", "residents", str(missing), mentions=("place",))


def test_json_array_streams_items_and_names_the_bad_one(ledger, tmp_path):
    items = [{"name": f"居民{i}", "place": "48号楼"} for i in range(3000)]
    items[1700]["born"] = 1800
    path = tmp_path / "many.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")  # one long line: read in chunks
    rejected(ledger, "import", "residents", str(path), mentions=("第 1701 项", "born", "1800"))
    del items[1700]["born"]
    path.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    assert "新增 3000 条" in ok("import", "residents", str(path)).stderr


def test_dry_run_validates_and_writes_nothing(ledger, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("name,place\n韩桂英,48号楼\n丁学志,48号楼\n", encoding="utf-8")
    before = fingerprint(ledger)
    result = ok("import", "residents", str(path), "--dry-run")
    assert "将新增 2 条" in result.stderr and "未写入任何内容" in result.stderr
    assert fingerprint(ledger) == before
    path.write_text("name,place\n韩桂英,火星\n", encoding="utf-8")
    rejected(ledger, "import", "residents", str(path), "--dry-run", mentions=("火星",))


def test_masked_exports_cannot_be_imported_by_mistake(ledger, tmp_path):
    path = tmp_path / "masked.csv"
    masked = data("residents")
    path.write_text("name,place,phone\n" + "".join(f"{r['name']},{r['place']},{r['phone']}\n" for r in masked),
                    encoding="utf-8")
    before = fingerprint(ledger)
    result = run("import", "residents", str(path))
    assert result.exit_code == 1 and "--with-pii" in result.stderr and fingerprint(ledger) == before


def test_rules_of_the_ledger_hold_on_import(ledger, tmp_path):
    cards = tmp_path / "cards.csv"
    cards.write_text("kind,no,resident,date\n爱心理发卡,286,李增友,2024-06-03\n", encoding="utf-8")
    rejected(ledger, "import", "cards", str(cards), mentions=("no", "286"))
    visits = tmp_path / "visits.csv"
    visits.write_text("date,team,residents\n2024-07-09,橙色公益,丁学志\n", encoding="utf-8")
    rejected(ledger, "import", "visits", str(visits), mentions=("date", "晚于今天"))
    child = tmp_path / "child.csv"
    child.write_text("name,place,born\n小明,48号楼,2018\n", encoding="utf-8")
    rejected(ledger, "import", "residents", str(child), mentions=("监护人",))
    wishes = tmp_path / "wishes.csv"
    wishes.write_text("resident,text,listed,fulfilled\n小花,一个书包,2024-06-01,2024-06-02\n", encoding="utf-8")
    rejected(ledger, "import", "wishes", str(wishes), mentions=("fulfilled",))
    issues = tmp_path / "issues.csv"
    issues.write_text("received_at,kind,source,place,text,resolved_at\n2024-07-05 10:00,民生问题,电话,平伏桥村,漏水,"
                      "2024-07-05 09:00\n", encoding="utf-8")
    rejected(ledger, "import", "issues", str(issues), mentions=("resolved_at", "早于受理时间"))
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("member,resident,since\n张佳丽,小花,2024-05-01\n王凤琴,小花,2024-05-01\n", encoding="utf-8")
    before = fingerprint(ledger)
    result = run("import", "pairings", str(pairs))  # the first pair is current already; the second is fine
    assert result.exit_code == 1 and fingerprint(ledger) == before
    assert (result.stderr.startswith("错误：pairs.csv 第 2 行：张佳丽 与 小花 已结对")
            and len(result.stderr.splitlines()) == 1)
    rejected(ledger, "import", "meetings", str(issues), mentions=("TABLE", "meetings"))
    rejected(ledger, "import", "places", str(tmp_path / "nowhere.csv"), mentions=("nowhere.csv",))


def test_places_import_makes_missing_ancestors_and_skips_known_paths(db, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("path,level\n银川市/兴庆区/玉皇阁北街/高台寺社区/金东豪庭,小区\n银川市/兴庆区,\n", encoding="utf-8")
    result = ok("import", "places", str(path))
    assert "新增 1 条，跳过 1 条" in result.stderr
    places = data("places")
    assert [(p["path"].split("/")[-1], p["level"]) for p in places] == [
        ("银川市", "city"), ("兴庆区", "district"), ("玉皇阁北街", "street"), ("高台寺社区", "community"),
        ("金东豪庭", "compound")]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM _journal WHERE command = 'import places'").fetchone()[0] == 1


def test_a_template_for_the_people_who_fill_spreadsheets(db, tmp_path):
    """import --template: Chinese headers import reads back, an example on its own sheet, drop-down
    vocabulary; filled in by hand it imports; an existing file is not written over."""
    from openpyxl import load_workbook

    form = tmp_path / "居民.xlsx"
    ok("import", "--template", "residents", str(form))
    wb = load_workbook(form)
    assert wb.sheetnames == ["居民", "示例", "词汇"]
    headers = [c.value for c in wb["居民"][1]]
    assert headers[:3] == ["姓名（必填）", "住址（必填）", "标签"] and wb["居民"].max_row == 1
    assert [c.value for c in wb["示例"][2]][:2] == ["丁学志", "平伏桥村/48号楼"]
    lists = {str(v.sqref): v.formula1 for v in wb["居民"].data_validations.dataValidation}
    assert lists["G2:G1001"] == "'词汇'!$A$2:$A$3"  # 同意登记: 本人 / 监护人
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼")
    wb["居民"].append(["韩桂英", "48号楼", "独居、高龄", 1938, "13700001111", "7", "本人", None, "否"])
    wb.save(form)
    ok("import", "residents", str(form))
    assert "韩桂英" in ok("resident", "list", "--with-pii", "--format", "tsv").stdout
    rejected(db, "import", "--template", "residents", str(form), mentions=("--force",))
