import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from huidesk.cli import app

TODAY = "2024-07-08"


@pytest.fixture(autouse=True)
def ledger_env(tmp_path, monkeypatch):
    """Every test gets its own ledger file, a fixed today and a named recorder."""
    db = tmp_path / "ledger.db"
    monkeypatch.setenv("HUIDESK_DB", str(db))
    monkeypatch.setenv("HUIDESK_TODAY", TODAY)
    monkeypatch.setenv("HUIDESK_USER", "tester")
    monkeypatch.delenv("HUIDESK_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return db


@pytest.fixture
def db(ledger_env) -> Path:
    ok("init")
    return ledger_env


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None):
    result = run(*args, input=input)
    assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr, result.exception)
    return result


def fingerprint(db: Path) -> tuple:
    """The journal's size and head plus the row count of every table: equal means nothing was written."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
        head = conn.execute(
            "SELECT count(*), max(id), (SELECT hash FROM _journal ORDER BY id DESC LIMIT 1) FROM _journal"
        ).fetchone()
        return head, counts
    finally:
        conn.close()


def rejected(db: Path, *args: str, mentions: tuple[str, ...] = ()):
    """Run a command that must be refused: exit 1, one line on stderr naming what was wrong, nothing written."""
    before = fingerprint(db)
    result = run(*args)
    assert result.exit_code == 1, (args, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in mentions:
        assert word in lines[0], (word, lines[0])
    assert fingerprint(db) == before
    return lines[0]


@pytest.fixture(scope="session")
def village_master(tmp_path_factory) -> Path:
    """平伏桥村 and its five teams, as the article tells them, plus two residents — built once."""
    db = tmp_path_factory.mktemp("village") / "ledger.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HUIDESK_DB", str(db))
        env.setenv("HUIDESK_TODAY", TODAY)
        env.setenv("HUIDESK_USER", "tester")
        env.delenv("HUIDESK_LANG", raising=False)
        ok("init")
        ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
        ok("place", "add", "平伏桥村/悦湖家园小区")
        ok("place", "add", "平伏桥村/48号楼")
        ok("member", "add", "王凤琴", "--role", "党员", "--role", "志愿者", "--phone", "13800001111",
           "--joined", "2022-03-01")
        ok("member", "add", "王玉兰", "--role", "志愿者", "--joined", "2022-03-01")
        ok("member", "add", "张佳丽", "--role", "志愿者", "--joined", "2022-03-01")
        for line in ("红色先锋", "橙色公益", "蓝色平安", "银色助老", "金色成长"):
            ok("team", "add", f"“{line}”志愿服务队", "--place", "平伏桥村", "--founded", "2022-03-01")
        ok("member", "join", "王凤琴", "--team", "橙色公益", "--date", "2022-03-01")
        ok("member", "join", "王玉兰", "--team", "银色助老", "--date", "2022-03-01")
        ok("member", "join", "张佳丽", "--team", "金色成长", "--date", "2022-03-01")
        ok("resident", "add", "丁学志", "--place", "平伏桥村/48号楼", "--tag", "高龄", "--born", "1940",
           "--every", "7d")
        ok("resident", "add", "李增友", "--place", "平伏桥村", "--tag", "独居", "--tag", "高龄",
           "--phone", "13912345678")
    return db


@pytest.fixture
def village(ledger_env, village_master) -> Path:
    """A private copy of the village ledger (its WAL is empty once every command has closed it)."""
    shutil.copyfile(village_master, ledger_env)
    os.chmod(ledger_env, 0o600)
    return ledger_env


def tally_rows(ws) -> list[dict]:
    """The rows of a filed sheet's tally (台账, 服务队), its parts put back together: one dict a row, keyed by
    the report's column keys (huidesk.reports.monthly.SHEET_GROUPS) and by its labels (序号, 社区/村, 服务队)."""
    from huidesk.reports.monthly import SHEET_GROUPS

    key_of = {zh: key for _, _, columns in SHEET_GROUPS for key, zh, _ in columns}
    rows: dict[int, dict] = {}
    r, n, before = 1, 0, None
    while r <= ws.max_row:
        if ws.cell(row=r, column=1).value != "序号":
            r += 1
            continue
        heads = [ws.cell(row=r, column=c).value for c in range(1, ws.max_column + 1)]
        names = [ws.cell(row=r + 1, column=c).value for c in range(1, ws.max_column + 1)]
        labels = [h for h in heads if h in ("序号", "社区/村", "服务队")]
        n = n if names == before else 0  # the same header again: the part goes on, on the next page
        before, r = names, r + 2
        while r <= ws.max_row and ws.cell(row=r, column=1).value not in (None, "序号"):
            cells = [ws.cell(row=r, column=c).value for c in range(1, ws.max_column + 1)]
            n += 1
            row = rows.setdefault(n, {})
            row.update({label: cells[i] for i, label in enumerate(labels)})
            row.update({key_of[name]: cells[i] for i, name in enumerate(names) if name in key_of})
            r += 1
    return list(rows.values())
