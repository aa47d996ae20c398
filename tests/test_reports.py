"""Reports reproduce the article from records; tallies add up; files are reproducible."""

import csv
import io
import json
import shutil
import subprocess

import pytest
from conftest import ok, rejected, run, tally_rows
from hypothesis import given
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run("--db", str(path), "demo")
    assert result.exit_code == 0, result.stderr
    return path, result.stdout


@pytest.fixture
def demo(demo_master, ledger_env, monkeypatch):
    """A private copy of the demo ledger, made with `backup`, as the test's ledger."""
    master, _ = demo_master
    ok("--db", str(master), "backup", str(ledger_env))
    monkeypatch.setenv("HUIDESK_TODAY", "2024-07-08")
    return ledger_env


def figures(*args: str) -> dict:
    data = json.loads(ok("summary", *args, "--format", "json").stdout)
    return {f["key"]: f["value"] for f in data["figures"]}, data


def test_demo_prints_the_article(demo_master):
    _, out = demo_master
    assert "截至2024年7月8日，平伏桥村5支志愿服务队现有队员117人，已开展各类主题志愿服务活动120余次" in out
    assert "收集居民意见建议56件，提升辖区改造基础设施15处" in out
    assert "为286名群众办理了爱心理发卡" in out and "认领微心愿6个" in out
    assert "上报风险隐患6条并成功化解，处置化解非警务事项53件，调处矛盾纠纷17件" in out
    assert "今年3月以来，清水社区“角落”民生志愿服务队" in out
    assert "解决民生问题23件，发现并上报民生难题5件，及时处理安全隐患11件" in out


def test_demo_refuses_a_ledger_with_records(village):
    rejected(village, "demo", mentions=("已有记录",))


def test_summary_figures_come_from_records(demo):
    values, data = figures("--place", "平伏桥村")
    assert (values["members"], values["activities"], values["suggestions"], values["infrastructure"]) == (
        117, 124, 56, 15,
    )
    assert values["card:爱心理发卡"] == 286 and values["wishes"] == 6
    assert data["chain_head"]["hash"] == json.loads(ok("log", "-n", "1", "-f", "json").stdout)[0]["hash"]
    # one more suggestion, one activity voided, one more infrastructure fix: each figure moves
    ok("issue", "open", "--kind", "意见建议", "--source", "走访", "--place", "平伏桥村", "--at", "2024-07-08 08:00",
       "增设路灯")
    first_activity = json.loads(ok("activity", "list", "--place", "平伏桥村", "-f", "json").stdout)[0]["id"]
    ok("void", "activity", str(first_activity), "--reason", "重复")
    open_infra = [i["id"] for i in json.loads(
        ok("issue", "list", "--kind", "基础设施", "--state", "open", "-f", "json").stdout
    )]
    ok("issue", "resolve", str(open_infra[0]), "--at", "2024-07-08 09:00")
    moved, data = figures("--place", "平伏桥村")
    assert (moved["suggestions"], moved["activities"], moved["infrastructure"]) == (57, 123, 16)
    assert "收集居民意见建议57件" in data["narrative"] and "提升辖区改造基础设施16处" in data["narrative"]


def test_summary_of_huanghe_since_march(demo):
    values, data = figures("--place", "黄河东路街道", "--since", "2024-03-01")
    assert data["period"]["phrase"] == "今年3月以来" and data["scope"]["teams"] == 18
    assert (values["non_police"], values["dispute"], values["risk"]) == (53, 17, 6)
    assert (data["scope"]["villages"] + data["scope"]["communities"], data["scope"]["compounds"]) == (18, 92)
    # the article's 92个小区 are the street's registered compounds (the scope holds them); the narrative counts
    # the places its records are in (issue 25): the demo's street records sit at its communities, but one
    assert "18支志愿服务队覆盖18个村、社区的1个小区，现有队员" in data["narrative"]


def _place_id(name: str) -> str:
    return str(next(p["id"] for p in json.loads(ok("place", "list", "-f", "json").stdout) if p["path"].endswith(name)))


def test_coverage_counts_live_places_and_names_only_what_exists(db):
    """«覆盖N个村、社区的M个小区» counts the live places the period's records are in (issue 25), not every place
    registered."""
    def work(place: str) -> None:
        ok("issue", "open", "--kind", "民生问题", "--source", "巡查", "--place", place, "--at", "2024-07-01 09:00",
           "路灯不亮")

    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/一组", "--level", "小区")
    ok("team", "add", "平伏桥村志愿服务队", "--place", "平伏桥村", "--founded", "2024-01-01")
    work("一组")
    assert "覆盖" not in ok("summary").stdout  # one village: nothing to say
    ok("place", "add", "银川市/金凤区/满城北街街道/悦湖社区/悦湖家园小区")
    ok("place", "add", "银川市/金凤区/满城北街街道/悦湖社区/悦湖二期小区")
    ok("place", "add", "银川市/金凤区/满城北街街道/旧社区")
    assert "覆盖" not in ok("summary").stdout  # registered, but nothing recorded there
    work("悦湖家园小区")
    work("悦湖二期小区")
    work("旧社区")
    ok("void", "place", _place_id("旧社区"), "--reason", "撤并")
    assert "1支志愿服务队覆盖2个村、社区的3个小区，" in ok("summary").stdout
    assert "覆盖1个社区的2个小区" not in ok("summary", "--place", "悦湖社区").stdout  # one community
    assert "across 2 communities and 3 compounds" in ok("--lang", "en", "summary").stdout
    ok("place", "add", "银川市/金凤区/北京路街道/甲社区")
    ok("place", "add", "银川市/金凤区/北京路街道/乙社区")
    work("甲社区")
    work("乙社区")
    assert "覆盖2个社区，" in ok("summary", "--place", "北京路街道").stdout  # no 村, no compounds: not said


def test_issues_alone_are_told_as_what_they_are(db):
    """A livelihood problem received but not solved makes no clause of the article's; the summary says it
    was received rather than "no records"."""
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    for text in ("路灯不亮", "水管漏水"):
        ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "--at", "2024-07-01 10:00",
           text)
    out = ok("--today", "2024-07-08", "summary").stdout
    assert out.startswith("截至2024年7月8日，已受理居民诉求2件。")  # no team: no "0支志愿服务队"
    ok("issue", "resolve", "1", "--at", "2024-07-01 12:00")
    assert ok("--lang", "en", "--today", "2024-07-08", "summary").stdout.startswith(
        "As of 2024-07-08, this ledger has solved 1 livelihood problem.")
    assert "尚无记录" in ok("--today", "2024-06-30", "summary").stdout  # before anything happened


def test_the_team_table_adds_up_with_a_row_for_issues_without_a_team(db):
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("team", "add", "平伏桥村志愿服务队", "--place", "平伏桥村", "--founded", "2024-01-01")
    for team in (("--team", "平伏桥村志愿服务队"), (), ()):
        ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", *team,
           "--at", "2024-07-01 10:00", "路灯不亮")
    data = json.loads(ok("--today", "2024-07-08", "summary", "--format", "json").stdout)
    assert [(row["team"], row["issues_received"]) for row in data["by_team"]] == [
        ("平伏桥村志愿服务队", 1), ("（未指定服务队）", 2)]
    assert "（未指定服务队）" in ok("--today", "2024-07-08", "summary").stdout


def test_summary_in_english_and_exact(demo):
    data = json.loads(ok("--lang", "en", "summary", "--place", "平伏桥村", "--format", "json").stdout)
    assert data["narrative"].startswith("As of 2024-07-08, the 5 volunteer teams of 平伏桥村 have 117 members")
    assert "120+ themed volunteer activities" in data["narrative"]
    exact = json.loads(ok("summary", "--place", "平伏桥村", "--exact", "--format", "json").stdout)
    assert "开展各类主题志愿服务活动124次" in exact["narrative"]


def test_summary_table_shows_tables_and_chain_head(demo):
    out = ok("summary", "--team", "银色助老").stdout
    assert out.startswith("截至2024年7月8日，“银色助老”志愿服务队")
    for heading in ("各服务队", "活动主题", "队员角色", "逐月", "账本链头："):
        assert heading in out


def test_summary_tables_line_up_in_a_terminal(demo):
    """Chinese characters take two columns: every row's separators sit under the header's."""
    from rich.cells import cell_len

    lines = ok("summary", "--place", "平伏桥村").stdout.splitlines()
    start = lines.index("各服务队") + 1
    header, rule, *rows = lines[start:start + 7]
    columns = [cell_len(header[:i]) for i, ch in enumerate(header) if ch == "┃"]
    assert len(columns) == 7 and [cell_len(rule[:i]) for i, ch in enumerate(rule) if ch == "╇"] == columns
    for row in rows:
        assert [cell_len(row[:i]) for i, ch in enumerate(row) if ch == "│"] == columns, row
    assert "“红色先锋”" in rows[0]


def test_summary_kpis_from_the_drain_story(demo):
    _, data = figures("--place", "高台寺社区")
    k = data["kpi"]
    assert (k["received"], k["response_rate"], k["closure_rate"]) == (1, 100.0, 100.0)
    assert (k["resolve_minutes_median"], k["response_minutes_median"], k["satisfaction_rate"]) == (31, 4, 100.0)


@pytest.mark.parametrize("month", [f"2024-{m:02d}" for m in range(1, 8)])
def test_tally_totals_are_the_sum_of_their_rows(demo, month):
    from huidesk.reports.monthly import COUNTS

    data = json.loads(ok("report", "monthly", "--month", month, "--format", "json").stdout)
    for column in COUNTS:
        assert data["total"][column] == sum(r[column] for r in data["rows"]), column
    assert data["total"]["issues_received"] == sum(data["total"][f"received_{k}"] for k in (
        "suggestion", "livelihood", "safety_hazard", "risk", "dispute", "non_police", "infrastructure"))


def test_monthly_tallies_of_a_year_add_up_to_the_year(demo):
    months = [json.loads(ok("report", "monthly", "--month", f"2023-{m:02d}", "-f", "json").stdout)["total"]
              for m in range(1, 13)]
    year = json.loads(ok("summary", "--since", "2023-01-01", "--until", "2023-12-31", "-f", "json").stdout)
    values = {f["key"]: f["value"] for f in year["figures"]}
    assert sum(m["activities"] for m in months) == values["activities"]
    assert sum(m["received_suggestion"] for m in months) == values["suggestions"]
    assert sum(m["issues_received"] for m in months) == sum(k["received"] for k in year["by_kind"])
    assert sum(m["resolved"] for m in months) == year["kpi"]["resolved"]
    assert sum(m["volunteer_minutes"] for m in months) == values["volunteer_minutes"]
    assert sum(m["visits"] for m in months) == values.get("visits", 0)


def test_monthly_report_is_reproducible_byte_for_byte(demo, tmp_path):
    for ext in ("csv", "json"):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"sub/b.{ext}"
        ok("--today", "2024-08-01", "report", "monthly", "--month", "last", "--output", str(a))
        ok("--today", "2024-08-01", "report", "monthly", "--month", "2024-07", "--output", str(b))
        assert a.read_bytes() == b.read_bytes()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text(encoding="utf-8-sig"))))  # Chinese headers
    assert rows[-1]["服务队"] == "合计" and rows[0]["月份"] == "2024-07"
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["chain_head"] == rows[0]["账本链头"]
    if shutil.which("jq"):
        jq = subprocess.run(["jq", ".total.issues_received", str(tmp_path / "a.json")], capture_output=True, text=True)
        assert jq.stdout.strip() == rows[-1]["受理(件)"]


def test_monthly_xlsx_holds_the_same_numbers_as_the_csv(demo, tmp_path):
    import openpyxl

    from huidesk.render.output import short_team
    from huidesk.reports.monthly import COLUMNS, SHEET_GROUPS

    ok("report", "monthly", "--month", "2024-06", "--output", str(tmp_path / "t.xlsx"))
    ok("report", "monthly", "--month", "2024-06", "--output", str(tmp_path / "t.csv"))
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames[:3] == ["台账", "服务队", "诉求清单"]  # the demo holds 21 villages and communities
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig"))))
    csv_header = {key: zh for key, zh, *_ in COLUMNS}
    keys = [key for *_, group in SHEET_GROUPS for key, *_ in group]
    sheet = tally_rows(wb["服务队"])
    for srow, crow in zip(sheet, rows, strict=True):
        if crow["服务队"] == "合计":
            assert srow["序号"] == "合计"  # the 合计 row's label spans the label columns
        else:
            assert (srow["社区/村"], srow["服务队"]) == (crow["社区/村"], short_team(crow["服务队"]))
        for key in keys:
            value = srow[key]
            if key == "volunteer_hours":
                assert value == round(int(crow[csv_header["volunteer_minutes"]]) / 60, 1)
            elif key.endswith("_rate") or key == "score":
                assert value == (float(crow[csv_header[key]]) if crow[csv_header[key]] else "—"), key
            elif key == "rank":
                assert value == (int(crow[csv_header[key]]) if crow[csv_header[key]] else "—"), key
            else:
                assert value == int(crow[csv_header[key]]), key
    issues = list(wb["诉求清单"].iter_rows(min_row=4, values_only=True))
    assert len(issues) == int(rows[-1]["受理(件)"])


def test_monthly_table_and_bad_values(demo):
    assert "合计" in ok("report", "monthly", "--month", "2024-06", "--format", "table").stdout
    rejected(demo, "report", "monthly", "--month", "2024-13", mentions=("--month", "2024-13"))
    rejected(demo, "report", "monthly", "--output", "tally.txt", mentions=("--output", "tally.txt"))
    rejected(demo, "summary", "--since", "2024-02-30", mentions=("--since", "2024-02-30"))
    rejected(demo, "summary", "--since", "2024-08-01", "--until", "2024-07-01", mentions=("--since",))
    rejected(demo, "summary", "--team", "紫色", mentions=("--team", "紫色"))
    rejected(demo, "summary", "--team", "银色助老", "--place", "平伏桥村", mentions=("--team/--place",))


def test_due_lists_what_is_late(demo):
    rows = json.loads(ok("due", "--format", "json").stdout)
    kinds = [r["what"] for r in rows]
    assert kinds == sorted(kinds, key=["issue", "resident", "wish"].index)
    late_issues = [r for r in rows if r["what"] == "issue"]
    assert late_issues and all(r["late_minutes"] > 0 for r in late_issues)
    minutes = [r["late_minutes"] for r in late_issues]
    assert minutes == sorted(minutes, reverse=True)
    residents = {r["id"]: r for r in rows if r["what"] == "resident"}
    assert all("*" in r["subject"] for r in residents.values())
    # 李增友 (every 7 days, visited 7月7日) is not due on 7月8日; 张桂香 (every 7 days, 7月5日) neither
    names = [r["subject"] for r in json.loads(ok("due", "--with-pii", "-f", "json").stdout) if r["what"] == "resident"]
    assert "李增友" not in names and "张桂香" not in names
    later = [r["subject"] for r in json.loads(ok("--today", "2024-07-20", "due", "--with-pii", "-f", "json").stdout)
             if r["what"] == "resident"]
    assert later == ["张桂香", "李增友"]  # longest overdue first


def test_certificate_of_a_member(demo):
    data = json.loads(ok("certificate", "王玉兰", "--format", "json").stdout)
    assert data["member"]["name"] == "王玉兰" and data["issuer"] == "金凤区满城北街街道平伏桥村党支部"
    assert data["total_minutes"] == sum(m["minutes"] for m in data["by_month"]) > 0
    assert data["certificate_no"].startswith("HD20240708-")
    again = json.loads(ok("certificate", "王玉兰", "--format", "json").stdout)
    assert again["certificate_no"] == data["certificate_no"]
    text = ok("certificate", "王玉兰").stdout
    assert "志愿服务记录证明" in text and "王玉兰" in text
    rejected(demo, "certificate", "无名氏", mentions=("MEMBER", "无名氏"))


def test_the_demo_holds_nothing_after_the_articles_day(demo):
    latest = json.loads(ok("sql", "SELECT (SELECT max(at) FROM issue_events) AS events,"
                                  " (SELECT max(date) FROM activities) AS activities,"
                                  " (SELECT max(date) FROM cards) AS cards, (SELECT max(date) FROM visits) AS visits",
                           "-f", "json").stdout)[0]
    assert (latest["events"][:10] <= "2024-07-08"
            and max(latest["activities"], latest["cards"], latest["visits"]) <= "2024-07-08")
    ok("check")


def test_a_listing_is_cut_to_the_terminal_width(demo, monkeypatch):
    """A table wider than the terminal keeps one line a record: every line fits, the columns stay lined
    up, a cut purpose is the start of the purpose and ends with …, ids and dates are whole."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "60")
    rows = json.loads(ok("visit", "list", "--format", "json").stdout)
    result = ok("visit", "list", "--format", "table")
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    rule = next(n for n, line in enumerate(lines) if line.startswith("━"))
    bars = [cell_len(lines[0][:i]) for i, ch in enumerate(lines[0]) if ch == "┃"]
    assert [cell_len(lines[rule][:i]) for i, ch in enumerate(lines[rule]) if ch == "╇"] == bars
    body = lines[rule + 1:]
    assert len(body) == len(rows)
    headers = [h.strip() for h in lines[0].split("┃")]
    for line, row in zip(body, rows, strict=True):
        assert [cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│"] == bars, line
        cells = dict(zip(headers, (c.strip() for c in line.split("│")), strict=False))
        assert cells["编号"] == str(row["id"]) and cells["日期"] == row["date"]
        purpose = cells["事由"]
        assert purpose == row["purpose"] or (purpose.endswith("…") and row["purpose"].startswith(purpose[:-1]))
    assert any(line.split("│")[-1].strip().endswith("…") for line in body)  # something was cut
    assert "--wide" in result.stderr and "队员" in result.stderr  # and the columns left out are named


@given(text=st.text(alphabet="ab#×中文长 ", max_size=60), width=st.integers(2, 20))
def test_folding_keeps_every_character_and_every_line_fits(text, width):
    from rich.cells import cell_len

    from huidesk.render.grid import fold

    lines = fold(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    if " " not in text:  # without spaces a line is cut only where the next character would not fit
        assert all(cell_len(a) + cell_len(b[0]) > width for a, b in zip(lines, lines[1:]))


def test_folding_carries_whole_words_over():
    from huidesk.render.grid import fold

    assert fold("issues#195 issue_events#906", 10) == ["issues#195", "issue_even", "ts#906"]
    assert fold("places×131 teams×32 members×2", 12) == ["places×131", "teams×32", "members×2"]


def test_a_csv_file_carries_a_bom_and_stdout_never(demo, tmp_path):
    """Excel and WPS read a csv file as UTF-8 only with a BOM; a pipe gets none (`| cut` would see it)."""
    ok("report", "monthly", "--month", "2024-06", "--output", str(tmp_path / "m.csv"))
    assert (tmp_path / "m.csv").read_bytes().startswith("\ufeff月份,".encode())
    assert ok("report", "monthly", "--month", "2024-06", "--format", "csv").stdout.startswith("月份,")
    assert ok("export", "teams", "--format", "csv").stdout.startswith("唯一编号,")
    assert ok("--lang", "en", "export", "teams", "--format", "csv").stdout.startswith("uid,")


def test_english_figures_agree_in_number(db):
    """One suggestion, not "1 suggestions"."""
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("issue", "open", "--kind", "意见建议", "--source", "走访", "--place", "平伏桥村", "--at", "2024-07-01 10:00",
       "加装路灯")
    text = ok("--lang", "en", "summary", "--format", "json").stdout
    assert "collected 1 suggestion from residents" in json.loads(text)["narrative"]
