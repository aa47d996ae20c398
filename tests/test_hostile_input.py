"""Every command fed random and hostile values: it either accepts a value or refuses it cleanly —
exit 1 or 2, one line, no traceback, nothing written. Never an internal error."""

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import fingerprint, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

X = object()  # where the hostile value goes

TEMPLATES = [
    ("place", "add", X), ("place", "add", "平伏桥村/新小区", "--level", X), ("place", "list", "--place", X),
    ("unit", "add", X), ("unit", "add", "新单位", "--kind", X),
    ("team", "add", X, "--place", "平伏桥村"), ("team", "add", "新队", "--place", X),
    ("team", "add", "新队", "--place", "平伏桥村", "--founded", X),
    ("team", "add", "新队", "--place", "平伏桥村", "--line", X), ("team", "show", X),
    ("member", "add", X), ("member", "add", "新人", "--phone", X), ("member", "add", "新人", "--joined", X),
    ("member", "add", "新人", "--role", X), ("member", "join", "王凤琴", "--team", X),
    ("member", "leave", "王凤琴", "--team", "橙色公益", "--date", X),
    ("resident", "add", X, "--place", "平伏桥村"), ("resident", "add", "某人", "--place", "平伏桥村", "--born", X),
    ("resident", "add", "某人", "--place", "平伏桥村", "--every", X),
    ("resident", "add", "某人", "--place", "平伏桥村", "--tag", X),
    ("resident", "list", "--place", X), ("resident", "show", X),
    ("visit", "add", "丁学志", "--team", "橙色公益", "--date", X), ("visit", "add", X, "--team", "橙色公益"),
    ("activity", "add", "--theme", X, "--team", "银色助老"),
    ("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--hours", X),
    ("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--volunteers", X),
    ("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--served", X),
    ("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", X),
    ("issue", "open", "--kind", X, "--source", "电话", "--place", "平伏桥村", "漏水"),
    ("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "--at", X, "漏水"),
    ("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "--ref", X, "漏水"),
    ("issue", "dispatch", X, "--to", "物业公司"), ("issue", "resolve", "1", "--at", X), ("issue", "show", X),
    ("issue", "list", "--state", X), ("issue", "list", "--since", X),
    ("meeting", "add", "--party", X, "--decision", "协商"), ("meeting", "add", "--party", "物业公司", "--decision", X),
    ("wish", "add", "--resident", "丁学志", X),
    ("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--no", X),
    ("pair", "add", "--member", "张佳丽", "--resident", X),
    ("void", X, "1", "--reason", "x"), ("void", "resident", "1", "--reason", X), ("log", "--limit", X),
    ("summary", "--since", X), ("summary", "--place", X), ("report", "monthly", "--month", X),
    ("certificate", X), ("setting", "set", "resolve_limit_days", X), ("setting", "set", X, "1"), ("sql", X),
    ("--today", X, "due"),
    ("init", "--name", X), ("init", "--place", X), ("setting", "set", "ledger_place", X), ("merge", X),
]

HOSTILE = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5),
    st.sampled_from([
        "", " ", "\t", "\n", "\x00", "\x1b[31m", "\u202e", "\ufeff", "2024-02-30", "2023-02-29", "0000-00-00",
        "9999-99-99",
        "-1", "-999999999", "0", "1e309", "NaN", "inf", "99999999999999999999999999", "1.5", "1,5", "二", "a" * 5000,
        "'; DROP TABLE residents; --", "\" OR 1=1 --", "%", "_", "\\", "/", "//", "../../etc/passwd", "#0", "#", "null",
        "ATTACH DATABASE 'x' AS y", "SELECT load_extension('x')", "DELETE FROM residents", "今天", "昨天25点", "13月",
    ]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


@pytest.fixture
def ledger(village):
    assert run("unit", "add", "物业公司").exit_code == 0
    assert run("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村",
               "--at", "2024-07-07 09:00", "漏水").exit_code == 0
    return village


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(template=st.sampled_from(TEMPLATES), value=HOSTILE)
def test_every_command_accepts_or_refuses_cleanly(ledger, template, value):
    args = [value if part is X else part for part in template]
    before = fingerprint(ledger)
    result = run(*args)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code != 0:
        assert fingerprint(ledger) == before, args
        if result.exit_code == 1:
            assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)


FILE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.sampled_from([
        b"\xef\xbb\xbfname,place\n\xe9\x9f\xa9\xe6\xa1\x82\xe8\x8b\xb1,\xe5\xb9\xb3\xe4\xbc\x8f\xe6\xa1\xa5\xe6\x9d\x91\n",
        "name,place\n韩桂英,平伏桥村\n".encode("gbk"), "name,place\n韩桂英,平伏桥村\n".encode("utf-16"),
        b'name,place\n"unterminated,x\n', b"[{", b'{"name": 1}\n', b"\x00\x00\x00", b"PK\x03\x04broken-zip",
        b'[{"name": "x", "place": "\xe5\xb9\xb3\xe4\xbc\x8f\xe6\xa1\xa5\xe6\x9d\x91", "born": 99999999999999999999}]',
        b'{"name": "=cmd|\' /C calc\'!A0", "place": "nowhere"}\n', b"name,place\r\n,\r\n",
    ]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=FILE_BYTES, suffix=st.sampled_from(["csv", "jsonl", "json", "xlsx", "txt"]),
       table=st.sampled_from(["residents", "members", "visits", "issues"]))
def test_hostile_import_files_are_refused_cleanly(ledger, tmp_path_factory, data, suffix, table):
    path = tmp_path_factory.mktemp("hostile") / f"in.{suffix}"
    path.write_bytes(data)
    before = fingerprint(ledger)
    result = run("import", table, str(path))
    assert result.exit_code in (0, 1, 2), (data, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code != 0:
        assert fingerprint(ledger) == before
        assert 1 <= len(result.stderr.strip().splitlines()) <= 22


SCRIPT = Path(sys.executable).parent / "huidesk"


def bomb_xlsx(path: Path, padding_mib: int = 300) -> None:
    """A real workbook (one resident) whose sheet XML is padded with whitespace: it inflates to
    `padding_mib` MiB and takes well under 1 MB on disk."""
    from openpyxl import Workbook

    plain = path.with_name("plain.xlsx")
    wb = Workbook()
    wb.active.append(["姓名", "住址"])
    wb.active.append(["炸弹", "平伏桥村"])
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, data)
                continue
            head, tail = data.rsplit(b"</worksheet>", 1)
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                spaces = b" " * (1 << 20)
                for _ in range(padding_mib):
                    sheet.write(spaces)
                sheet.write(b"</worksheet>" + tail)


@pytest.mark.skipif(not SCRIPT.exists(), reason="needs the installed console script")
def test_an_xlsx_that_inflates_absurdly_is_refused_before_it_is_read(village, tmp_path):
    bomb = tmp_path / "炸弹.xlsx"
    bomb_xlsx(bomb)
    assert bomb.stat().st_size < 1024 * 1024
    before = fingerprint(village)
    # A parent that only runs huidesk, so that its children's peak memory is huidesk's.
    probe = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(p.stderr)\n"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", probe, str(SCRIPT), "--db", str(village), "import", "residents",
                           str(bomb)], capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    *stderr, last = done.stdout.strip().splitlines()
    code, peak_kib = map(int, last.split())
    assert code == 1, done.stdout
    assert len(stderr) == 1 and "炸弹.xlsx 解压后过大" in stderr[0] and "300.0 MB" in stderr[0], stderr
    assert peak_kib < 150 * 1024, peak_kib
    assert elapsed < 10, elapsed
    assert fingerprint(village) == before
