"""The roster (花名册): registration numbers, hours from activities and visits, stars, the certificate."""

import csv
import io
import json
import sqlite3
from decimal import Decimal

import pytest
from conftest import ok, rejected, run
from openpyxl import load_workbook

from huidesk.domain.hours import star_level


def _roster(*args: str) -> list[dict]:
    return json.loads(ok("report", "roster", *args, "--format", "json").stdout)["rows"]


def _by_name(rows: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in rows}


def _figures(row: dict) -> tuple:
    return (row["activity_hours"], row["visit_hours"], row["hours"], row["services"], row["cumulative_hours"],
            row["stars"])


@pytest.fixture
def served(village):
    """Two activities and three visits by members of two teams (橙色公益: 王凤琴; 银色助老: 王玉兰)."""
    ok("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--member", "王玉兰", "--member", "王凤琴",
       "--hours", "2", "--date", "2024-06-10")                      # 2 h each
    ok("activity", "add", "--theme", "政策宣传", "--team", "橙色公益", "--member", "王凤琴", "--hours", "1.5",
       "--date", "2024-07-02")                                       # 1.5 h
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--member", "王玉兰", "--hours", "1",
       "--date", "2024-07-01")                                       # 1 h each
    ok("visit", "add", "李增友", "--team", "银色助老", "--member", "王玉兰", "--hours", "30分钟",
       "--date", "2024-05-20")                                       # 0.5 h
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "张佳丽", "--date", "2024-07-03")  # no hours
    return village


def test_hours_from_activities_and_visits_by_hand(served):
    rows = _by_name(_roster("--with-pii"))
    assert list(rows) == ["王凤琴", "王玉兰", "张佳丽"]
    # 王凤琴: activities 2 + 1.5, visits 1; 王玉兰: activity 2, visits 1 + 0.5; 张佳丽: one visit without hours
    assert _figures(rows["王凤琴"]) == (3.5, 1.0, 4.5, 3, 4.5, "")
    assert _figures(rows["王玉兰"]) == (2.0, 1.5, 3.5, 3, 3.5, "")
    assert _figures(rows["张佳丽"]) == (0.0, 0.0, 0.0, 1, 0.0, "")
    assert rows["王凤琴"]["teams"] == ["“橙色公益”志愿服务队"] and rows["王玉兰"]["teams"] == ["“银色助老”志愿服务队"]
    assert (rows["王凤琴"]["activities"], rows["王凤琴"]["visits"], rows["王凤琴"]["minutes"]) == (2, 1, 270)
    total = json.loads(ok("report", "roster", "--format", "json").stdout)["total"]
    assert (total["hours"], total["services"], total["members"]) == (8.0, 7, 3)


def test_summary_and_monthly_hours_are_the_rosters(served):
    """志愿服务时长 in the summary and the monthly tally count visits' hours (each visiting member's) as the
    roster and the certificate do: the three agree on the same period."""
    def roster_minutes(since: str, until: str) -> int:
        return json.loads(ok("report", "roster", "--since", since, "--until", until, "-f", "json").stdout)[
            "total"]["minutes"]

    data = json.loads(ok("summary", "--format", "json").stdout)
    figures = {f["key"]: f["value"] for f in data["figures"]}
    # activities: 2 h x 2 members + 1.5 h; visits: 1 h x 2 members + 0.5 h = 8 h
    assert figures["volunteer_minutes"] == 480 == roster_minutes("2024-01-01", "2024-07-08")
    assert "志愿服务时长8小时" in data["narrative"]
    assert {row["team"]: row["hours"] for row in data["by_team"]}["“橙色公益”志愿服务队"] == Decimal("3.5")
    july = json.loads(ok("report", "monthly", "--month", "2024-07", "--format", "json").stdout)
    assert july["total"]["volunteer_minutes"] == 90 + 120 == roster_minutes("2024-07-01", "2024-07-31")
    may = json.loads(ok("report", "monthly", "--month", "2024-05", "--format", "json").stdout)
    assert may["total"]["volunteer_minutes"] == 30 and may["total"]["activities"] == 0


def test_since_and_until_bound_the_period_and_the_stars_count_up_to_until(served):
    june = _by_name(_roster("--since", "2024-06-01", "--until", "2024-06-30", "--with-pii"))
    assert _figures(june["王凤琴"]) == (2.0, 0.0, 2.0, 1, 2.0, "")
    # the May visit is before the period, but counts in the cumulative hours up to its end
    assert _figures(june["王玉兰"]) == (2.0, 0.0, 2.0, 1, 2.5, "")
    assert _figures(june["张佳丽"]) == (0.0, 0.0, 0.0, 0, 0.0, "")


def test_a_team_roster_counts_that_teams_records(served):
    silver = _by_name(_roster("--team", "银色助老", "--with-pii"))
    # 王玉兰 is in the team; 王凤琴 served in its haircut; 张佳丽 neither
    assert list(silver) == ["王凤琴", "王玉兰"]
    assert _figures(silver["王凤琴"]) == (2.0, 0.0, 2.0, 1, 4.5, "")
    assert _figures(silver["王玉兰"]) == (2.0, 0.5, 2.5, 2, 3.5, "")


def test_stars_at_the_thresholds():
    assert [star_level(round(h * 60)) for h in (0, 99.9, 100, 299.9, 300, 600, 999, 1000, 1499.9, 1500, 9999)] == [
        0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5]


def _activities_file(path, rows: list[tuple[str, str, str]]) -> str:
    """An activities file as a person types it: each volunteer's hours in a column of its own."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["日期", "服务队", "主题", "队员", "每人时长(小时)"])
        w.writerows([(day, "金色成长", "关爱儿童", member, hours) for day, member, hours in rows])
    return str(path)


def test_stars_on_a_roster(village, tmp_path):
    days = [f"2023-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 5, 9, 13, 17, 21, 25)]
    rows = [(days[i], "张佳丽", "24") for i in range(4)] + [(days[4], "张佳丽", "3.9")]  # 99.9 h
    rows += [(days[i], "王玉兰", "24") for i in range(62)] + [("2024-01-02", "王玉兰", "12")]  # 1,500 h
    ok("import", "activities", _activities_file(tmp_path / "a.csv", rows))
    ok("visit", "add", "丁学志", "--team", "金色成长", "--member", "张佳丽", "--hours", "6分钟", "--date", "2024-07-01")
    rows = _by_name(_roster("--with-pii", "--until", "2024-06-30"))
    assert (rows["张佳丽"]["cumulative_hours"], rows["张佳丽"]["stars"]) == (99.9, "")
    assert (rows["王玉兰"]["cumulative_hours"], rows["王玉兰"]["stars"]) == (1500.0, "★★★★★")
    assert (rows["王玉兰"]["star_level"], rows["王凤琴"]["star_level"]) == (5, 0)
    now = _by_name(_roster("--with-pii"))
    assert (now["张佳丽"]["cumulative_hours"], now["张佳丽"]["stars"]) == (100.0, "★")
    before = _by_name(_roster("--with-pii", "--until", "2023-12-31"))
    assert (before["王玉兰"]["cumulative_hours"], before["王玉兰"]["stars"]) == (1488.0, "★★★★")


def test_every_format(served, tmp_path):
    table = ok("report", "roster", "--format", "table").stdout
    assert "志愿者花名册" in table and "王凤琴" in table and "王*琴" not in table and "合计" in table
    assert "星级＝按累计时长评定" in table and "账本链头" in table
    csv_rows = list(csv.DictReader(io.StringIO(ok("report", "roster", "--format", "csv").stdout)))
    assert list(csv_rows[0]) == ["编号", "姓名", "注册编号", "服务队", "活动时长(小时)", "走访时长(小时)",
                                 "合计时长(小时)", "服务次数", "累计时长(小时)", "星级"]
    assert [(r["姓名"], r["合计时长(小时)"], r["服务次数"]) for r in csv_rows] == [
        ("王凤琴", "4.5", "3"), ("王玉兰", "3.5", "3"), ("张佳丽", "0.0", "1")]  # volunteers in full
    tsv = ok("report", "roster", "--format", "tsv").stdout.splitlines()
    assert len(tsv) == 4 and tsv[1].split("\t")[:2] == ["1", "王凤琴"]
    lines = ok("report", "roster", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(x)["name"] for x in lines] == ["王凤琴", "王玉兰", "张佳丽"]
    doc = json.loads(ok("report", "roster", "--format", "json").stdout)
    assert doc["period"] == {"since": None, "until": "2024-07-08"} and len(doc["chain_head"]) == 64
    assert {c["key"] for c in doc["columns"]} >= {"stars", "cumulative_hours", "visit_hours"}
    ok("report", "roster", "--output", str(tmp_path / "花名册.xlsx"))
    ws = load_workbook(tmp_path / "花名册.xlsx").active
    assert [c.value for c in ws[1]][:4] == ["编号", "姓名", "注册编号", "服务队"]
    assert ws["B2"].value == "王凤琴" and ws["G2"].value == 4.5 and ws["B5"].value == "合计" and ws["G5"].value == 8
    assert any(c.value == "口径" for c in ws["A"])


def test_english(served):
    table = ok("--lang", "en", "report", "roster", "--format", "table").stdout
    assert "Volunteer roster (all members, up to 2024-07-08)" in table
    assert "stars = from the cumulative hours" in table and "chain head" in table
    header = ok("--lang", "en", "report", "roster", "--format", "csv").stdout.splitlines()[0]
    assert header == ("id,name,registration no.,teams,activity hours,visit hours,total hours,services,"
                      "cumulative hours,stars")
    cert = ok("--lang", "en", "certificate", "王凤琴").stdout
    assert "served 4.5 volunteer hours" in cert and "Services" in cert


def test_registration_numbers(village):
    ok("member", "add", "李四", "--reg-no", "６４０１０６２０２２", "--joined", "2024-01-01")  # full-width digits
    assert _by_name(_roster("--with-pii"))["李四"]["reg_no"] == "6401062022"
    listed = json.loads(ok("member", "list", "--format", "json").stdout)
    assert [m["reg_no"] for m in listed] == [None, None, None, "6401062022"]
    assert "注册编号 6401062022" in ok("member", "show", "李四").stderr
    line = rejected(village, "member", "add", "王五", "--reg-no", "6401062022", mentions=("--reg-no", "李四"))
    assert "6401062022" in line
    rejected(village, "member", "edit", "王凤琴", "--reg-no", "6401062022", mentions=("--reg-no",))
    rejected(village, "member", "add", "王五", "--reg-no", "64 01", mentions=("--reg-no",))
    rejected(village, "member", "edit", "王凤琴", mentions=("--reg-no",))
    ok("member", "edit", "王凤琴", "--reg-no", "A-7")
    ok("member", "edit", "李四", "--reg-no", "")  # cleared: the number is free again
    ok("member", "edit", "王玉兰", "--reg-no", "6401062022")
    assert [m["reg_no"] for m in json.loads(ok("member", "list", "--format", "json").stdout)] == [
        "A-7", "6401062022", None, None]
    # a void member's number is free for someone else
    ok("member", "add", "赵六", "--reg-no", "Z9")
    ok("undo")
    ok("member", "add", "钱七", "--reg-no", "Z9")


@pytest.mark.parametrize("hours, reason",
                         [("abc", "无法识别"), ("-1", "负数"), ("25", "24 小时"), ("1 30", "无法识别")])
def test_bad_visit_hours_are_refused(village, hours, reason):
    rejected(village, "visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--hours", hours,
             mentions=("--hours", reason))


def test_visit_hours_need_someone_to_credit(village):
    rejected(village, "visit", "add", "丁学志", "--team", "橙色公益", "--hours", "1", mentions=("--hours", "--member"))


def test_visit_hours_are_whole_minutes_and_shown(village):
    result = ok("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--member", "王玉兰",
                "--hours", "1小时20分")
    assert "2 名队员各计 1.33 小时" in result.stderr
    conn = sqlite3.connect(village)
    assert conn.execute("SELECT minutes_each FROM visits").fetchall() == [(80,)]
    assert json.loads(ok("visit", "list", "--format", "json").stdout)[0]["hours_each"] == "1.33"


def _fresh(tmp_path):
    other = tmp_path / "other.db"
    ok("--db", str(other), "init")
    return other


def test_reg_no_and_visit_hours_round_trip(served, tmp_path):
    ok("member", "edit", "王凤琴", "--reg-no", "6401-0001")
    other = _fresh(tmp_path)
    for table in ("places", "teams", "members", "memberships", "residents", "visits", "activities"):
        for fmt in ("csv", "xlsx"):
            ok("export", table, "--with-pii", "-o", str(tmp_path / f"{table}.{fmt}"))
        ok("--db", str(other), "import", table, str(tmp_path / f"{table}.csv"))
        ok("--db", str(other), "import", table, str(tmp_path / f"{table}.xlsx"))  # the same rows: nothing added
    mine = json.loads(ok("report", "roster", "--format", "json", "--with-pii").stdout)["rows"]
    theirs = json.loads(ok("--db", str(other), "report", "roster", "--format", "json", "--with-pii").stdout)["rows"]
    strip = [{k: v for k, v in r.items() if k != "id"} for r in mine]
    assert [{k: v for k, v in r.items() if k != "id"} for r in theirs] == strip
    assert _by_name(theirs)["王凤琴"]["reg_no"] == "6401-0001"
    header = (tmp_path / "visits.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith(",需跟进,每人时长(小时)")


def test_a_clashing_reg_no_in_an_import_is_refused_whole(village, tmp_path):
    ok("member", "edit", "王凤琴", "--reg-no", "R1")
    path = tmp_path / "m.csv"
    path.write_text("姓名,注册编号\n李四,R2\n王五,R1\n", encoding="utf-8")
    before = json.loads(ok("member", "list", "--format", "json").stdout)
    result = run("import", "members", str(path))
    assert result.exit_code == 1 and "注册编号" in result.stderr and "王凤琴" in result.stderr
    assert json.loads(ok("member", "list", "--format", "json").stdout) == before
    path.write_text("姓名,注册编号\n李四,R2\n王五,R2\n", encoding="utf-8")
    assert run("import", "members", str(path)).exit_code == 1
    assert json.loads(ok("member", "list", "--format", "json").stdout) == before


def test_the_import_hours_columns_keep_their_meaning(village, tmp_path):
    """An old file's 时长(小时) is still the activity's total; 每人时长(小时) is each volunteer's."""
    path = tmp_path / "a.csv"
    path.write_text("日期,服务队,主题,志愿者人数,时长(小时)\n2024-07-01,银色助老,爱心理发,3,4.5\n"
                    "2024-07-02,银色助老,爱心理发,3,\n", encoding="utf-8")
    ok("import", "activities", str(path))
    path.write_text("日期,服务队,主题,志愿者人数,每人时长(小时)\n2024-07-03,银色助老,爱心理发,3,1.5\n",
                    encoding="utf-8")
    ok("import", "activities", str(path))
    assert [a["minutes"] for a in json.loads(ok("activity", "list", "--format", "json").stdout)] == [270, 0, 270]
    path.write_text("日期,服务队,主题,志愿者人数,总时长(小时),每人时长(小时)\n2024-07-04,银色助老,爱心理发,3,4,1.5\n",
                    encoding="utf-8")
    result = run("import", "activities", str(path))
    assert result.exit_code == 1 and "每人时长" in result.stderr and "270" not in result.stderr
    assert len(json.loads(ok("activity", "list", "--format", "json").stdout)) == 3


def test_the_certificate_lists_visits_and_counts_their_hours(village):
    for day in ("2024-05-06", "2024-06-03", "2024-07-01"):
        ok("visit", "add", "丁学志", "--team", "金色成长", "--member", "张佳丽", "--hours", "1.5", "--date", day,
           "--purpose", "看望")
    text = ok("certificate", "张佳丽").stdout
    assert "累计志愿服务时长 4.5 小时" in text
    assert all(day in text for day in ("2024-05-06", "2024-06-03", "2024-07-01"))
    data = json.loads(ok("certificate", "张佳丽", "--format", "json").stdout)
    assert data["total_hours"] == 4.5 and data["total_minutes"] == 270
    assert [(s["kind"], s["date"], s["hours"]) for s in data["services"]] == [
        ("visit", "2024-05-06", 1.5), ("visit", "2024-06-03", 1.5), ("visit", "2024-07-01", 1.5)]
    assert [(m["month"], m["visits"], m["hours"]) for m in data["by_month"]] == [
        ("2024-05", 1, 1.5), ("2024-06", 1, 1.5), ("2024-07", 1, 1.5)]
    ok("activity", "add", "--theme", "关爱儿童", "--team", "金色成长", "--member", "张佳丽", "--hours", "2",
       "--date", "2024-06-20", "--title", "暑期课堂")
    data = json.loads(ok("certificate", "张佳丽", "--since", "2024-06-01", "--format", "json").stdout)
    assert data["total_hours"] == Decimal("5.0") and [s["kind"] for s in data["services"]] == [
        "visit", "activity", "visit"]
    assert "暑期课堂" in ok("certificate", "张佳丽").stdout


def test_a_street_roster_of_merged_communities(tmp_path):
    """The same registered volunteer in two communities' ledgers: both merge (a registration number is
    refused twice within one ledger only), and the street's roster has one row for the person, with the
    hours of both records — as the national volunteer system counts a volunteer's hours."""
    street = "银川市/金凤区/黄河东路街道"
    bundles = []
    for name, hours in (("紫园社区", "1.5"), ("清水社区", "2")):
        db = tmp_path / f"{name}.db"

        def at(*args: str, db=db):
            return ok("--db", str(db), *args)

        at("init", "--name", name, "--place", f"{street}/{name}")
        at("place", "add", f"{street}/{name}")
        at("member", "add", "王凤琴", "--reg-no", "64010620220301001", "--joined", "2024-01-01")
        at("team", "add", f"{name}橙色公益队", "--place", name, "--leader", "王凤琴", "--founded", "2024-01-01")
        at("resident", "add", "丁学志", "--place", name)
        at("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--hours", hours,
           "--date", "2024-07-01")
        at("bundle", "--output", str(tmp_path / f"{name}-bundle.db"))
        bundles.append(str(tmp_path / f"{name}-bundle.db"))
    merged = tmp_path / "街道.db"
    ok("--db", str(merged), "init", "--name", "黄河东路街道", "--place", street)
    ok("--db", str(merged), "merge", *bundles)
    rows = json.loads(ok("--db", str(merged), "report", "roster", "--format", "json").stdout)["rows"]
    # One person, two member records (one from each community): one row, the hours of both, both teams.
    assert [(r["reg_no"], r["visit_hours"], r["services"]) for r in rows] == [("64010620220301001", 3.5, 2)]
    assert sorted(rows[0]["teams"]) == ["清水社区橙色公益队", "紫园社区橙色公益队"]
    ok("--db", str(merged), "check")


def test_a_roster_of_a_bad_period_or_team_is_refused(village):
    rejected(village, "report", "roster", "--since", "2024-07-09", mentions=("--until",))
    rejected(village, "report", "roster", "--until", "2024-13-40", mentions=("--until",))
    rejected(village, "report", "roster", "--team", "不存在的队", mentions=("--team",))
