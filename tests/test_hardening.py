"""Holes a hostile review found (issue 11): live formulas in what a street office opens, files written
over, folders anyone can read, and times in the future."""

import csv
import io
import os
import stat
import zipfile

import pytest
from conftest import ok, rejected, run

EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture
def evil(db):
    """A ledger whose team, member and resident names are formulas, with a month of work."""
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("member", "add", "--joined", "2024-06-01", "--", "-5度")
    ok("team", "add", EVIL, "--place", "平伏桥村", "--leader", "-5度", "--founded", "2024-06-01")
    ok("resident", "add", "+1 张三", "--place", "平伏桥村")
    ok("activity", "add", "--theme", "爱心理发", "--team", "HYPERLINK", "--date", "2024-06-03", "--volunteers", "2")
    return db


def sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_the_monthly_workbook_holds_no_formula(evil, tmp_path):
    ok("report", "monthly", "--month", "2024-06", "--output", str(tmp_path / "m.xlsx"))
    xml = sheet_xml(tmp_path / "m.xlsx")
    assert "<f>" not in xml and "HYPERLINK" in xml
    from openpyxl import load_workbook

    names = [row[1].value for row in load_workbook(tmp_path / "m.xlsx").active.iter_rows(min_row=2)]
    assert "'" + EVIL in names


@pytest.mark.parametrize("fmt, dialect", [("csv", "excel"), ("tsv", "excel-tab")])
def test_listings_and_sql_in_sheet_formats_defuse_text(evil, fmt, dialect):
    def cells(*args: str) -> list[str]:
        text = ok(*args, "--format", fmt).stdout
        return [c for row in csv.reader(io.StringIO(text), dialect=dialect) for c in row]

    assert "'" + EVIL in cells("team", "list")
    assert "'-5度" in cells("member", "list")
    from huidesk.domain.privacy import mask_name

    assert "'" + mask_name("+1 张三") in cells("resident", "list")  # masked, and still defused
    assert "'" + EVIL in cells("sql", "SELECT name FROM teams")
    assert "-3" in cells("sql", "SELECT -3 AS n")  # numbers stay numbers
    monthly = cells("report", "monthly", "--month", "2024-06")
    assert "'" + EVIL in monthly


def test_json_keeps_the_text_as_it_is(evil):
    assert EVIL in ok("team", "list", "--format", "json").stdout.replace('\\"', '"')


@pytest.mark.parametrize("command", [
    ("report", "monthly", "--month", "2024-06", "--output"),
    ("export", "teams", "--output"),
])
def test_an_existing_file_is_never_overwritten_without_force(evil, tmp_path, command):
    target = tmp_path / "台账.csv"
    target.write_text("someone else's file")
    line = rejected(evil, *command, str(target), mentions=("台账.csv", "--force"))
    assert "文件已存在" in line and target.read_text() == "someone else's file"
    ok(*command, str(target), "--force")
    assert target.read_text(encoding="utf-8-sig") != "someone else's file"


def test_missing_folders_are_made_owner_only_whatever_the_umask(evil, tmp_path):
    old = os.umask(0)
    try:
        result = ok("report", "monthly", "--month", "2024-06", "--output", str(tmp_path / "d1/d2/m.xlsx"))
    finally:
        os.umask(old)
    for folder in (tmp_path / "d1", tmp_path / "d1/d2"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert "已新建文件夹" in result.stderr and "d1" in result.stderr and "d2" in result.stderr


def test_a_time_later_than_now_is_refused_and_a_bare_time_is_the_last_one_past(evil):
    ok("unit", "add", "物业公司")
    ok("--today", "2024-07-08T08:00", "issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村",
       "--at", "2024-07-07 18:00", "下水道堵塞")
    # 9:30 typed at 08:00 is yesterday's 9:30: before the issue was received, so the lifecycle refuses it
    line = rejected(evil, "--today", "2024-07-08T08:00", "issue", "dispatch", "1", "--to", "物业公司", "--at", "9:30")
    assert "2024-07-07" in line or "受理" in line
    later = rejected(evil, "--today", "2024-07-08T08:00", "issue", "dispatch", "1", "--to", "物业公司",
                     "--at", "今天9:30", mentions=("--at", "晚于现在"))
    assert "2024-07-08 08:00" in later
    ok("--today", "2024-07-08T08:00", "issue", "dispatch", "1", "--to", "物业公司", "--at", "7:45")
    assert "2024-07-08T07:45:00+08:00" in ok("issue", "show", "1", "--format", "json").stdout


def test_today_as_a_date_is_the_end_of_that_day(evil):
    """--today D reproduces the same answer whatever the clock says: "now" is the end of D."""
    assert run("--today", "2024-07-08", "issue", "open", "--kind", "民生问题", "--source", "电话",
               "--place", "平伏桥村", "--at", "23:59", "深夜来电").exit_code == 0
