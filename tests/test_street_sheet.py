"""Issue 24: the street's sheet names its communities — a row per village or community that adds up, the teams
under theirs with a 社区/村 column (two 红色先锋 told apart), each issue with its community and its number there;
a quarter and a year as well as a month; --output into a folder; people by 注册编号 across sources; and the
sheet read on paper, through LibreOffice, at no less than 9 pt."""

import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from conftest import ok, run, tally_rows
from openpyxl import load_workbook

STREET = "银川市/金凤区/黄河东路街道"
REG = "64010620240001"  # 李梅, registered in both communities (the same 注册编号)
TODAY = "2024-07-08"


def at(db: Path, *args: str):
    return ok("--db", str(db), *args)


def community(db: Path, name: str, served: str) -> None:
    """A community ledger: 李梅 (注册编号 REG) leads its “红色先锋” team, 王凤琴 (no number) is in it too; a
    visit credits 李梅 1.5 hours, an activity 2 hours each; an issue the team handles, one no team does."""
    at(db, "init", "--name", name, "--place", f"{STREET}/{name}")
    at(db, "place", "add", "1号楼")
    at(db, "member", "add", "李梅", "--reg-no", REG, "--joined", "2024-01-01")
    at(db, "member", "add", "王凤琴", "--joined", "2024-01-01")
    at(db, "team", "add", "“红色先锋”志愿服务队", "--place", name, "--leader", "李梅", "--founded", "2024-01-01")
    at(db, "member", "join", "王凤琴", "--team", "红色先锋", "--date", "2024-01-01")
    at(db, "resident", "add", "丁学志", "--place", "1号楼")
    at(db, "visit", "add", "丁学志", "--team", "红色先锋", "--member", "李梅", "--hours", "1.5", "--date", "2024-07-01")
    at(db, "activity", "add", "--theme", "爱心理发", "--team", "红色先锋", "--date", "2024-07-02", "--member", "李梅",
       "--member", "王凤琴", "--hours", "2", "--served", served)
    at(db, "unit", "add", "物业公司")
    first = at(db, "issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "1号楼", "--team", "红色先锋",
               "--at", "2024-07-03 09:00", "下水管道堵塞").stdout.strip()
    at(db, "issue", "dispatch", first, "--to", "物业公司", "--at", "2024-07-03 09:05")
    at(db, "issue", "resolve", first, "--at", "2024-07-03 10:00")
    at(db, "issue", "open", "--kind", "意见建议", "--source", "走访", "--place", "1号楼", "--at", "2024-07-04 10:00",
       "增设休息座椅")


@pytest.fixture(scope="module")
def street(tmp_path_factory) -> Path:
    """黄河东路街道 with 紫园社区 and 清水社区 merged, and a team and an activity of its own."""
    folder = tmp_path_factory.mktemp("street-sheet")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HUIDESK_TODAY", TODAY)
        env.setenv("HUIDESK_USER", "tester")
        env.delenv("HUIDESK_LANG", raising=False)
        z, q, s = folder / "紫园.db", folder / "清水.db", folder / "街道.db"
        community(z, "紫园社区", "20")
        community(q, "清水社区", "30")
        at(q, "issue", "open", "--kind", "意见建议", "--source", "热线", "--place", "1号楼", "--team", "红色先锋",
           "--at", "2024-07-05 11:00", "路灯不亮")  # 清水's third issue: its #3
        at(s, "init", "--name", "黄河东路街道", "--place", STREET)
        at(s, "member", "add", "张佳丽", "--joined", "2024-01-01")
        at(s, "team", "add", "街道志愿服务总队", "--place", "黄河东路街道", "--leader", "张佳丽",
           "--founded", "2024-01-01")
        at(s, "activity", "add", "--theme", "政策宣传", "--team", "总队", "--date", "2024-07-05", "--member", "张佳丽",
           "--hours", "1", "--served", "50")
        for db in (q, z):  # 清水 first: the street numbers its issues as they come
            at(db, "bundle", "--output", str(folder / f"{db.stem}.bundle"))
        at(s, "merge", str(folder / "清水.bundle"), str(folder / "紫园.bundle"))
        at(s, "setting", "set", "report_unit", "黄河东路街道党工委")
    return s


def sheet(street: Path, tmp_path: Path, *args: str):
    path = tmp_path / "街道.xlsx"
    at(street, "report", "monthly", "--month", "2024-07", *args, "--output", str(path))
    return load_workbook(path)


COUNTS = ("activities", "served", "volunteer_hours", "visits", "issues_received", "issues_escalated",
          "responded_in_time", "resolved", "resolved_on_time", "overdue", "callbacks", "repeats")


def test_the_first_sheet_has_a_row_per_community_and_they_add_up(street, tmp_path):
    wb = sheet(street, tmp_path)
    assert wb.sheetnames[:3] == ["台账", "服务队", "诉求清单"]
    rows = tally_rows(wb["台账"])
    named = {r["社区/村"]: r for r in rows[:-1]}
    assert set(named) == {"清水社区", "紫园社区", "黄河东路街道本级"} and rows[-1]["序号"] == "合计"
    assert rows[-2]["社区/村"] == "黄河东路街道本级"  # the street's own records: a row of their own, last
    for key in COUNTS:  # every part adds up to its 合计
        assert round(sum(r[key] for r in rows[:-1]), 1) == rows[-1][key], key
    ziyuan = named["紫园社区"]
    assert (ziyuan["issues_received"], ziyuan["resolved"], ziyuan["activities"], ziyuan["visits"]) == (2, 1, 1, 1)
    assert ziyuan["volunteer_hours"] == 2 * 2 + 1.5  # activities and credited visits, as 志愿服务时长 counts them
    assert named["清水社区"]["issues_received"] == 3 and named["黄河东路街道本级"]["activities"] == 1
    notes = {r[0]: r[1] for r in wb["填报说明"].iter_rows(min_row=3, values_only=True)}
    assert "走访" in notes["志愿服务时长(小时)"] and "社区/村" in notes
    assert wb["台账"]["A1"].value == "黄河东路街道2024年7月民生志愿服务工作台账"


def test_the_teams_are_listed_under_their_community(street, tmp_path):
    wb = sheet(street, tmp_path)
    teams = tally_rows(wb["服务队"])
    named = [(r["社区/村"], r["服务队"]) for r in teams[:-1]]
    assert ("紫园社区", "“红色先锋”") in named and ("清水社区", "“红色先锋”") in named  # two of one name, told apart
    communities = tally_rows(wb["台账"])
    for key in COUNTS:
        assert round(sum(r[key] for r in teams[:-1]), 1) == teams[-1][key] == communities[-1][key], key
        for c in communities[:-1]:
            assert round(sum(r[key] for r in teams[:-1] if r["社区/村"] == c["社区/村"]), 1) == c[key], key
    charts = wb["图表"]
    labels = {charts.cell(row=r, column=1).value for r in range(1, charts.max_row + 1)}
    assert {"紫园社区·“红色先锋”", "清水社区·“红色先锋”"} <= labels  # the chart's bars too


def test_each_issue_says_its_community_and_its_number_there(street, tmp_path):
    wb = sheet(street, tmp_path)
    ws = wb["诉求清单"]
    headers = [c.value for c in ws[3]]
    assert headers[:4] == ["序号", "编号", "社区/村", "社区\n编号"]
    rows = [dict(zip(headers, r)) for r in ws.iter_rows(min_row=4, values_only=True)]
    lights = next(r for r in rows if r["诉求内容"] == "路灯不亮")
    assert (lights["社区/村"], lights["社区\n编号"]) == ("清水社区", 3)
    drains = sorted((r["社区/村"], r["社区\n编号"], r["编号"]) for r in rows if r["诉求内容"] == "下水管道堵塞")
    assert [d[:2] for d in drains] == [("清水社区", 1), ("紫园社区", 1)] and drains[0][2] != drains[1][2]
    data = json.loads(at(street, "report", "monthly", "--month", "2024-07", "--format", "json").stdout)
    assert {(i["community"], i["source_no"]) for i in data["issues"]} == {
        ("清水社区", 1), ("清水社区", 2), ("清水社区", 3), ("紫园社区", 1), ("紫园社区", 2)}
    # the csv says each team's community too, and the per-source table counts hours as the summary does
    csv = at(street, "report", "monthly", "--month", "2024-07", "--format", "csv").stdout
    assert csv.startswith("月份,社区/村,服务队,")
    summary = json.loads(at(street, "summary", "--format", "json").stdout)
    by_source = {r["name"]: float(r["hours"]) for r in summary["by_source"]}
    assert by_source["紫园社区"] == 5.5 and by_source["清水社区"] == 5.5


def test_a_quarter_and_a_year(street, tmp_path):
    for asked, label, since, until, title in (
            ("2024Q3", "2024-Q3", "2024-07-01", "2024-09-30", "2024年第三季度"),
            ("2024-Q3", "2024-Q3", "2024-07-01", "2024-09-30", "2024年第三季度"),
            ("2024年第三季度", "2024-Q3", "2024-07-01", "2024-09-30", "2024年第三季度"),
            ("三季度", "2024-Q3", "2024-07-01", "2024-09-30", "2024年第三季度"),
            ("二季度", "2024-Q2", "2024-04-01", "2024-06-30", "2024年第二季度"),
            ("2024", "2024", "2024-01-01", "2024-12-31", "2024年度"),
            ("今年", "2024", "2024-01-01", "2024-12-31", "2024年度"),
            ("去年", "2023", "2023-01-01", "2023-12-31", "2023年度")):
        data = json.loads(at(street, "report", "monthly", "--month", asked, "--format", "json").stdout)
        assert (data["month"], data["since"], data["until"]) == (label, since, until), asked
        assert {r["month"] for r in data["rows"]} == {label}
    quarter = json.loads(at(street, "report", "monthly", "--month", "2024Q3", "--format", "json").stdout)
    month = json.loads(at(street, "report", "monthly", "--month", "2024-07", "--format", "json").stdout)
    assert quarter["total"]["issues_received"] == month["total"]["issues_received"] == 5
    path = tmp_path / "q.xlsx"
    at(street, "report", "monthly", "--month", "2024Q3", "--output", str(path))
    wb = load_workbook(path)
    assert wb["台账"]["A1"].value == "黄河东路街道2024年第三季度民生志愿服务工作台账"
    assert "按季度" not in wb["诉求清单"]["A1"].value and "第三季度" in wb["诉求清单"]["A1"].value
    result = run("--db", str(street), "report", "monthly", "--month", "2024Q5")
    assert result.exit_code == 1 and "季度" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_output_into_a_folder_writes_a_dated_file_and_says_where(street, tmp_path):
    folder = tmp_path / "台账"
    made = []
    for _ in range(2):  # cron twice in a minute: never over the first
        result = at(street, "report", "monthly", "--month", "last", "--output", f"{folder}/")
        made.append(re.search(r"已写入 (\S+?)（", result.stderr)[1])
    assert made[0] != made[1] and all(Path(p).parent == folder and Path(p).exists() for p in made)
    assert Path(made[0]).name == "台账-2024-06-20240708-2359.xlsx" and Path(made[1]).name.endswith("-2.xlsx")
    csv = at(street, "report", "monthly", "--month", "2024-07", "--format", "csv", "--output", str(folder)).stderr
    assert re.search(r"台账-2024-07-\d{8}-\d{4}\.csv", csv)  # an existing folder, no / needed
    # a name without an extension takes --format's
    at(street, "report", "monthly", "--month", "2024-07", "--format", "xlsx", "--output", str(tmp_path / "七月"))
    assert load_workbook(tmp_path / "七月.xlsx")["台账"]["A1"].value.startswith("黄河东路街道")
    refused = run("--db", str(street), "report", "monthly", "--output", str(tmp_path / "八月"))
    assert refused.exit_code == 1 and "--format" in refused.stderr and "/" in refused.stderr
    assert not (tmp_path / "八月").exists()
    roster = at(street, "report", "roster", "--output", f"{tmp_path}/花名册/").stderr
    assert re.search(r"花名册-2024-07-08-\d{8}-\d{4}\.xlsx", roster)


def test_a_volunteer_registered_in_two_communities_counts_once(street):
    summary = json.loads(at(street, "summary", "--format", "json").stdout)
    figures = {f["key"]: f["value"] for f in summary["figures"]}
    assert figures["members"] == 4  # 李梅 once, the two 王凤琴 (no number) apart, 张佳丽
    assert "现有队员4人" in summary["narrative"]
    roster = json.loads(at(street, "report", "roster", "--format", "json").stdout)
    assert [r["reg_no"] for r in roster["rows"]].count(REG) == 1 and roster["total"]["members"] == 4
    mei = next(r for r in roster["rows"] if r["reg_no"] == REG)
    assert float(mei["hours"]) == 2 * (2 + 1.5)


def test_a_certificate_by_registration_number_totals_every_source(street):
    by_number = json.loads(at(street, "certificate", REG, "--format", "json").stdout)
    assert by_number["member"]["reg_no"] == REG and by_number["member"]["name"] == "李梅"
    assert float(by_number["total_hours"]) == 2 * (2 + 1.5)  # 紫园's and 清水's activities and visits
    assert len(by_number["services"]) == 4
    assert sorted(t.get("community") for t in by_number["teams"]) == ["清水社区", "紫园社区"]
    by_name = json.loads(at(street, "certificate", "李梅", "--format", "json").stdout)  # namesakes, one number
    assert by_name == by_number
    text = at(street, "certificate", "李梅").stdout
    assert "“红色先锋”志愿服务队（清水社区）" in text and "7.0 小时" in text
    result = run("--db", str(street), "certificate", "王凤琴")  # namesakes without a number stay apart
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "紫园社区" in result.stderr and "清水社区" in result.stderr


@pytest.fixture
def demo(ledger_env) -> Path:
    ok("demo")
    return ledger_env


def text_sizes(pdf: Path) -> list[float]:
    """The size of every run of text drawn in the PDF, in points, from its content streams' Tf operators
    (LibreOffice writes each run's size there; its Tm and cm matrices move text, turn it (a chart's axis
    title) or stretch a run a little to its width, never scale it down)."""
    data = pdf.read_bytes()
    sizes = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # a font or an image
        sizes += [float(n) for n in re.findall(rb"([\d.]+) Tf", content)]
        for matrix in re.findall(rb"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) [-\d.]+ [-\d.]+ (?:Tm|cm)", content):
            a, b, c, d = (float(x) for x in matrix)
            assert (a * a + b * b) ** 0.5 >= 0.99 and (c * c + d * d) ** 0.5 >= 0.99, matrix  # nothing scaled down
    return sizes


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="LibreOffice and poppler render the sheet")
def test_the_printed_sheet_is_at_least_9_pt(demo, tmp_path):
    """The demo street's sheet through LibreOffice to PDF, as the office prints it: A4, nothing shrunk below
    9 pt (the table's 10 pt body, the notes and footers at 9), page 1 the 18 communities' table."""
    ok("setting", "set", "report_unit", "黄河东路街道党工委")
    xlsx = tmp_path / "2024-06.xlsx"
    ok("report", "monthly", "--month", "2024-06", "--place", "黄河东路街道", "--output", str(xlsx))
    fonts = Path(__file__).parent.parent / "docs" / "preview-fonts.conf"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(xlsx)], check=True, capture_output=True, timeout=120,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FONTCONFIG_FILE": str(fonts)})
    pdf = tmp_path / "2024-06.pdf"
    sizes = text_sizes(pdf)
    assert sizes and min(sizes) >= 9, sorted(set(sizes))
    assert sorted(sizes)[len(sizes) // 2] >= 10  # the body: 10 pt
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "pts (A4)" in info
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "黄河东路街道2024年6月民生志愿服务工作台账" in first and "贺兰山社区" in first and "合计" in first
