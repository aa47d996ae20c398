"""The screen, on a real terminal: every listing and report fits the window by display width (a Chinese
character is two cells), one line a record, at 80 and at 60 columns.

Each command runs as the installed console script on a pseudo-terminal whose window size is set with
TIOCSWINSZ (COLUMNS unset: the program must ask the terminal), against the demo ledger. Its stdout and
stderr both land on the terminal, as a user sees them; every line is measured with rich's cell_len. For a
listing, the lines under the table's rule are its records, one each (as many as the tsv output has rows),
then at most the note that names the columns left out.
"""

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from rich.cells import cell_len

SCRIPT = Path(sys.executable).parent / "huidesk"
TODAY = "2024-07-08"
pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="needs the installed console script")

LISTINGS = [
    ("place", "list"),
    ("unit", "list"),
    ("team", "list"),
    ("member", "list"),
    ("resident", "list"),
    ("visit", "list"),
    ("activity", "list"),
    ("wish", "list"),
    ("card", "list"),
    ("pair", "list"),
    ("meeting", "list"),
    ("issue", "list"),
    ("issue", "list", "--place", "金东豪庭"),
    ("due",),
    ("log",),
    ("setting", "list"),
    ("issue", "show", "74"),  # its timeline: a meeting's decision, dispatches to several units
    ("--lang", "en", "issue", "list"),
    ("--lang", "en", "resident", "list"),
    ("--lang", "en", "visit", "list"),
    ("--lang", "en", "due",),
    ("--lang", "en", "issue", "show", "74"),
]
REPORTS = [
    ("summary",),
    ("report", "monthly", "--month", "2024-06", "--format", "table"),
    ("--lang", "en", "summary"),
    ("--lang", "en", "report", "monthly", "--month", "2024-06", "--format", "table"),
]
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env.pop("HUIDESK_LANG", None)
    return {**env, "TERM": "xterm-256color", "HUIDESK_USER": "tester", **more}


def on_terminal(db: Path, args: tuple[str, ...], columns: int, succeeds: bool = True) -> list[str]:
    """What `huidesk ARGS` shows on a terminal `columns` wide: its lines, escapes removed (stdout and stderr);
    it must exit 0 unless `succeeds` is False."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen([str(SCRIPT), "--db", str(db), "--today", TODAY, *args], stdin=follower, stdout=follower,
                            stderr=follower, env=_env(), start_new_session=True, close_fds=True)
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            assert ready, f"huidesk {' '.join(args)} printed nothing for 30 s"
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        code = proc.wait(timeout=30)
        assert code == 0 or not succeeds, (args, b"".join(chunks).decode(errors="replace"))
    text = _ESCAPE.sub("", b"".join(chunks).decode())
    return text.replace("\r\n", "\n").rstrip("\n").split("\n")


def records(db: Path, args: tuple[str, ...]) -> int:
    """How many records a listing holds: the rows of its tsv output."""
    out = subprocess.run([str(SCRIPT), "--db", str(db), "--today", TODAY, *args, "--format", "tsv"],
                         env=_env(), capture_output=True, text=True, check=True).stdout
    return len(out.splitlines()) - 1


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("screen") / "demo.db"
    subprocess.run([str(SCRIPT), "--db", str(db), "--today", TODAY, "demo"], env=_env(), capture_output=True,
                   check=True)
    return db


def body(lines: list[str]) -> tuple[list[str], list[str]]:
    """A listing's lines under its table's rule: the records, and what follows them (the note)."""
    rule = next(n for n, line in enumerate(lines) if "╇" in line or set(line) <= {"━"} and line)
    after = lines[rule + 1:]
    rows = [line for line in after if "│" in line]
    return rows, after[len(rows):]


def fits(lines: list[str], columns: int) -> None:
    wide = [(cell_len(line), line) for line in lines if cell_len(line) > columns]
    assert not wide, f"wider than {columns} cells: {wide}"


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_a_listing_fits_the_terminal_one_line_a_record(demo_ledger, args, columns):
    lines = on_terminal(demo_ledger, args, columns)
    fits(lines, columns)
    rows, rest = body(lines)
    assert len(rows) == records(demo_ledger, args), "\n".join(lines)
    note = "".join(rest)
    assert not rest or (note.startswith(("（省略了", "(")) and "--wide" in note), rest


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("args", REPORTS, ids=" ".join)
def test_a_report_fits_the_terminal(demo_ledger, args, columns):
    lines = on_terminal(demo_ledger, args, columns)
    fits(lines, columns)
    assert any(line.startswith(("账本链头", "chain head")) for line in lines)


def test_wide_shows_every_column_and_cuts_nothing(demo_ledger):
    """--wide, for `less -S`: every column and every cell whole, however wide the lines; no note."""
    import json

    args = ("issue", "list", "--place", "金地花园")
    lines = on_terminal(demo_ledger, (*args, "--wide"), 60)
    rows, rest = body(lines)
    issues = json.loads(subprocess.run([str(SCRIPT), "--db", str(demo_ledger), "--today", TODAY, *args, "-f", "json"],
                                       env=_env(), capture_output=True, text=True, check=True).stdout)
    assert len(rows) == len(issues) and not rest
    assert len(lines[0].split("┃")) == 16  # every column
    assert max(cell_len(line) for line in rows) > 60
    assert all(issue["text"] in line for issue, line in zip(issues, rows, strict=True))
    assert "…" not in "".join(rows)


def test_the_columns_left_out_are_named_once_in_the_users_language(demo_ledger):
    zh = on_terminal(demo_ledger, ("issue", "list", "--place", "金东豪庭"), 80)
    note = "".join(zh[next(i for i, line in enumerate(zh) if line.startswith("（省略")):])
    assert note.startswith("（省略了 来源、服务队、性质、类别、重复件"), zh[-2:]
    assert note.endswith("；--wide 显示全部）"), zh[-2:]
    assert sum("省略" in line for line in zh) == 1
    en = on_terminal(demo_ledger, ("--lang", "en", "issue", "list", "--place", "金东豪庭"), 80)
    assert "left out" in " ".join(en[-3:]) and "--wide shows all" in " ".join(en[-3:])
    assert not any("省略" in line for line in en)
