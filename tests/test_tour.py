"""The tour, byte for byte: every command of the README's tour (and many more) against the demo ledger, its output
compared with a golden file in tests/golden/, so that no output moves while the code beneath it does.

Each output is its own test. For a command run as `huidesk --today 2024-07-08 ARGS...` the golden files are
named after ARGS (`summary-place-平伏桥村.txt`):

  NAME.txt          its stdout
  NAME.stderr.txt   its stderr; when there is no such file, stderr must be empty
  NAME.cells.txt    for a command that writes an .xlsx file: every sheet's cell values, row by row, tab-joined

The second half replays the README's "Start a ledger of your own" block step by step on a fresh ledger
(`own-NN-...` files); the steps run once, in order, and each step's output is then compared on its own.

Only what legitimately changes from run to run is normalised before comparing (see `normalise`):
- random uids (32 lowercase hex digits) become <uid>;
- sha256 digests (64 hex digits: the journal's hashes, so the chain head too) become <hash>, and the 12-digit
  head of one of the ledger's journal hashes (`链头 1a2b3c4d5e6f`, the log table's hash column) <hash12>;
- the wall clock (a log entry's `at`, a record's `void_at`): a date or moment on the real day the test runs
  (give or take a day), which no record of these ledgers can hold, becomes <time>;
- a certificate number's last part, a digest of the member's random uid, becomes <digest>.
Commands that measure from the time of day as well as the date (`due`, `issue list --state overdue`) and the
own-ledger steps (whose writes default to "now") run with a fixed time, `--today 2024-07-08T12:00`.

To regenerate the golden files after a deliberate change of behaviour, run

    HUIDESK_UPDATE_GOLDEN=1 python -m pytest tests/test_tour.py

then review `git diff tests/golden/`: every line that moved is a change of behaviour someone must want.
"""

import datetime as dt
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TODAY, ok, run
from openpyxl import load_workbook

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("HUIDESK_UPDATE_GOLDEN") == "1"
NOON = f"{TODAY}T12:00"  # for the commands that measure lateness from the time of day, not only the date

_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_SHORT_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")
_UID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_MOMENT = re.compile(r"(?<!\d)(\d{4}-\d\d-\d\d)(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:[+-]\d\d:\d\d|Z)?)?(?![\d:])")
_CERTIFICATE = re.compile(r"(HD\d{8}-\d{5}-)[0-9A-F]{6}(?![0-9A-F])")


def journal_hashes(*dbs: Path) -> set[str]:
    hashes: set[str] = set()
    for db in dbs:
        conn = sqlite3.connect(db)
        try:
            hashes |= {row[0] for row in conn.execute("SELECT hash FROM _journal")}
        finally:
            conn.close()
    return hashes


def normalise(text: str, hashes: set[str]) -> str:
    """What changes from run to run, and only that (`hashes`: the journal's, whose 12-digit heads are shown)."""
    heads = {h[:12] for h in hashes}
    wall_clock = {(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)}
    text = _HASH.sub("<hash>", text)
    text = _SHORT_HASH.sub(lambda m: "<hash12>" if m[0] in heads else m[0], text)
    text = _UID.sub("<uid>", text)
    text = _MOMENT.sub(lambda m: "<time>" if m[1] in wall_clock else m[0], text)
    return _CERTIFICATE.sub(r"\1<digest>", text)


def slug(args: tuple[str, ...]) -> str:
    """A readable file name for a command line: `summary --place 平伏桥村` -> `summary-place-平伏桥村`."""
    name = "-".join(a.lstrip("-") for a in args)
    return re.sub(r'[\\/:*?"<>|\s]', "_", name)


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    columns: int | None = None  # COLUMNS for a table; else the suite's 200
    today: str = TODAY
    xlsx: str | None = None  # the file, relative to the working directory, whose cells are compared

    @property
    def name(self) -> str:
        name = slug(self.args)
        if self.today != TODAY:
            name = f"today-{slug((self.today,))}-{name}"
        if self.columns:
            name += f"-cols{self.columns}"
        return name

    def command(self) -> tuple[str, ...]:
        return ("--today", self.today, *self.args)


def c(*args: str, columns: int | None = None, today: str = TODAY, xlsx: str | None = None) -> Case:
    return Case(args, columns, today, xlsx)


def formats(*args: str, fmts: tuple[str, ...] = ("tsv", "json")) -> list[Case]:
    return [c(*args, "--format", f) for f in fmts]


LISTINGS = (
    ("place", "list"),
    ("unit", "list"),
    ("team", "list"),
    ("team", "show", "银色助老"),
    ("member", "list"),
    ("member", "show", "王玉兰"),
    ("resident", "list"),
    ("resident", "show", "丁学志"),
    ("visit", "list"),
    ("activity", "list"),
    ("wish", "list"),
    ("card", "list"),
    ("pair", "list"),
    ("meeting", "list"),
)

EXPORTED = ("places", "units", "teams", "members", "memberships", "residents", "visits", "activities", "issues",
            "issue_events", "meetings", "wishes", "cards", "pairings")

DEMO_CASES: list[Case] = [
    # summary: the article's figures, every table, the chain head
    c("summary"),
    c("summary", "--format", "json"),
    c("summary", "--exact"),
    c("--lang", "en", "summary"),
    c("--lang", "en", "summary", "--format", "json"),
    c("summary", "--place", "平伏桥村"),
    c("summary", "--place", "平伏桥村", "--format", "json"),
    c("--lang", "en", "summary", "--place", "平伏桥村"),
    c("summary", "--place", "平伏桥村", "--exact", "--format", "json"),
    c("summary", "--place", "黄河东路街道", "--since", "2024-03-01"),
    c("summary", "--place", "黄河东路街道", "--since", "2024-03-01", "--format", "json"),
    c("summary", "--place", "清水社区", "--since", "2024-03-01"),
    c("summary", "--team", "银色助老"),
    c("summary", "--team", "银色助老", "--format", "json"),
    c("summary", "--team", "角落", "--since", "2024-03-01", "--until", "2024-06-30"),
    # issues: the blocked drain of 金东豪庭, and every state
    c("issue", "list", "--place", "金东豪庭", "--format", "table", columns=80),
    *formats("issue", "list", "--place", "金东豪庭"),
    c("issue", "show", "157", "--format", "table"),
    c("issue", "show", "157", "--format", "table", columns=60),
    *formats("issue", "show", "157", fmts=("tsv", "json")),
    c("--lang", "en", "issue", "show", "157", "--format", "table"),
    *[c("issue", "list", "--state", state, "--format", "tsv") for state in ("open", "resolved", "closed")],
    c("issue", "list", "--state", "open", "--format", "json"),
    c("issue", "list", "--state", "overdue", "--format", "tsv", today=NOON),
    c("issue", "list", "--state", "overdue", "--format", "json", today=NOON),
    c("issue", "list", "--kind", "非警务事项", "--place", "黄河东路街道", "--since", "2024-03-01", "--format", "tsv"),
    # the monthly tally in every format
    *formats("report", "monthly", "--month", "2024-06", fmts=("table", "csv", "tsv", "json", "jsonl")),
    c("report", "monthly", "--month", "2024-06", "--format", "table", columns=80),
    c("--lang", "en", "report", "monthly", "--month", "2024-06", "--format", "table"),
    c("report", "monthly", "--month", "2024-06", "--place", "平伏桥村", "--format", "csv"),
    c("report", "monthly", "--month", "2024-06", "--output", "台账/2024-06.xlsx", xlsx="台账/2024-06.xlsx"),
    # what is late, a volunteer's record, the settings, the chain
    *[c("due", "--format", f, today=NOON) for f in ("table", "tsv", "json")],
    c("certificate", "王玉兰"),
    c("certificate", "王玉兰", "--format", "json"),
    c("--lang", "en", "certificate", "王玉兰"),
    c("report", "roster", "--team", "银色助老", "--format", "table", columns=80),
    c("report", "roster", "--since", "2024-06-01", "--until", "2024-06-30", "--format", "csv"),
    *formats("setting", "list", fmts=("table", "tsv", "json")),
    c("check"),
    # every listing as tsv and json, a few as tables in a narrow terminal
    c("place", "tree"),
    c("place", "tree", "--place", "黄河东路街道"),
    *[case for args in LISTINGS for case in formats(*args)],
    c("team", "list", "--format", "table", columns=80),
    c("team", "list", "--format", "table", columns=60),
    c("place", "list", "--place", "平伏桥村", "--format", "table", columns=60),
    c("member", "list", "--team", "银色助老", "--format", "table", columns=80),
    c("resident", "list", "--place", "平伏桥村", "--format", "table", columns=60),
    c("resident", "list", "--tag", "独居", "--with-pii", "--format", "tsv"),
    c("activity", "list", "--team", "银色助老", "--format", "table", columns=80),
    c("wish", "list", "--format", "table", columns=60),
    c("visit", "list", "--with-pii", "--format", "csv"),
    c("card", "list", "--format", "jsonl"),
    # every record table exported, as each format
    *[c("export", table, "--format", f) for table in EXPORTED for f in ("csv", "jsonl", "json")],
    c("export", "issues", "--format", "open311"),
    c("export", "visits", "--since", "2024-07-01", "--until", "2024-07-31", "--with-pii", "--format", "csv"),
    *[c("export", table, "--output", f"{table}.xlsx", xlsx=f"{table}.xlsx") for table in EXPORTED],
    # the journal
    *formats("log", "--limit", "20", fmts=("tsv", "json", "table")),
]

# The README's "Start a ledger of your own", step by step (plus a look at what each step left behind).
OWN_STEPS: list[tuple[str, ...]] = [
    ("init",),
    ("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼"),
    ("place", "tree"),
    ("member", "add", "王凤琴", "--role", "党员", "--role", "志愿者", "--phone", "13800000000",
     "--joined", "2022-03-01"),
    ("team", "add", "“橙色公益”志愿服务队", "--place", "平伏桥村", "--leader", "王凤琴", "--founded", "2022-03-01"),
    ("resident", "add", "丁学志", "--place", "48号楼", "--tag", "高龄", "--tag", "独居", "--born", "1940",
     "--every", "7d"),
    ("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--date", "7月7日", "--gift", "慰问品"),
    ("activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--volunteers", "6", "--served", "40",
     "--hours", "2"),
    ("unit", "add", "物业公司"),
    ("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "48号楼", "--at", "今天上午9点",
     "下水管道堵塞"),
    ("issue", "dispatch", "1", "--to", "物业公司", "--at", "9:05"),
    ("issue", "arrive", "1", "--unit", "物业公司", "--at", "9:15"),
    ("issue", "resolve", "1", "--at", "9:30"),
    ("issue", "callback", "1", "--resolved", "是", "--satisfaction", "满意"),
    ("undo",),
    ("issue", "show", "1", "--format", "table"),
    ("sql", "SELECT id, event, void_reason, void_at FROM issue_events ORDER BY id"),
    ("team", "list", "--format", "tsv"),
    ("team", "list", "--format", "table"),
    ("resident", "list", "--format", "json"),
    ("export", "issues", "--format", "csv"),
    ("export", "places", "--format", "jsonl", "--output", "地点.jsonl"),
    ("export", "residents", "--format", "jsonl", "--with-pii", "--output", "居民.jsonl"),
    ("--db", "新账本.db", "init"),
    ("--db", "新账本.db", "import", "places", "地点.jsonl"),
    ("--db", "新账本.db", "import", "residents", "居民.jsonl"),
    ("--db", "新账本.db", "resident", "list", "--with-pii", "--format", "tsv"),
    ("summary",),
    ("due", "--format", "tsv"),
    ("log", "--format", "tsv"),
    ("log", "--format", "json"),
    ("check",),
    ("backup", "备份/账本.db"),
]
OWN_NAMES = [f"own-{i:02d}-{slug(args)}" for i, args in enumerate(OWN_STEPS, 1)]


def sheets(path: Path) -> str:
    """Every sheet's cell values, row by row, tab-joined; a cell that is not text shows its type."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return f"{type(value).__name__}:{value}"

    lines = []
    workbook = load_workbook(path, read_only=True)
    try:
        for sheet in workbook.worksheets:
            lines.append(f"== {sheet.title}")
            lines += ["\t".join(cell(v) for v in row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return "\n".join(lines) + "\n"


def golden(name: str, actual: str | None, hashes: set[str]) -> None:
    """Compare `actual` (normalised) with tests/golden/NAME, or (re)write it; None means: must not exist."""
    path = GOLDEN / name
    if UPDATE:
        if actual is None:
            path.unlink(missing_ok=True)
        else:
            GOLDEN.mkdir(exist_ok=True)
            path.write_bytes(normalise(actual, hashes).encode("utf-8"))
        return
    if actual is None:
        assert not path.exists(), f"{name} is golden but the command wrote nothing there"
        return
    assert path.exists(), f"no golden file {name}: run with HUIDESK_UPDATE_GOLDEN=1 to write it"
    expected = path.read_bytes().decode("utf-8")
    assert normalise(actual, hashes) == expected, f"{name} moved (-vv shows all of it)"


def compare(name: str, result, hashes: set[str]) -> None:
    golden(f"{name}.txt", result.stdout, hashes)
    golden(f"{name}.stderr.txt", result.stderr or None, hashes)


# Set in a developer's shell, these would change every output (times in another zone, colours in the tables).
UNSTEADY = ("HUIDESK_TZ", "FORCE_COLOR", "HUIDESK_SQL_LOG")


def _env(mp: pytest.MonkeyPatch, db: Path) -> None:
    """conftest's ledger_env, for a fixture that outlives one test."""
    mp.setenv("HUIDESK_DB", str(db))
    mp.setenv("HUIDESK_TODAY", TODAY)
    mp.setenv("HUIDESK_USER", "tester")
    mp.delenv("HUIDESK_LANG", raising=False)
    mp.setenv("COLUMNS", "200")
    for name in UNSTEADY:
        mp.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def steady(monkeypatch):
    for name in UNSTEADY:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def tour_master(tmp_path_factory):
    """The demo ledger, built once; each test runs on its own copy."""
    db = tmp_path_factory.mktemp("tour") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, db)
        result = ok("--today", TODAY, "demo")
    return db, result


def test_demo_article(tour_master):
    master, result = tour_master
    golden("demo.txt", result.stdout, journal_hashes(master))  # its stderr names the ledger's temporary path


@pytest.mark.parametrize("case", DEMO_CASES, ids=lambda case: case.name)
def test_tour(case: Case, tour_master, ledger_env, tmp_path, monkeypatch):
    master, _ = tour_master
    shutil.copyfile(master, ledger_env)
    os.chmod(ledger_env, 0o600)  # as huidesk makes a ledger; a looser copy would be tightened, and say so
    monkeypatch.chdir(tmp_path)
    if case.columns:
        monkeypatch.setenv("COLUMNS", str(case.columns))
    result = run(*case.command())
    assert result.exit_code == 0, (case.command(), result.exit_code, result.stderr, result.exception)
    hashes = journal_hashes(ledger_env)
    compare(case.name, result, hashes)
    if case.xlsx:
        golden(f"{case.name}.cells.txt", sheets(tmp_path / case.xlsx), hashes)


@pytest.fixture(scope="module")
def own_ledger(tmp_path_factory):
    """Every step of the README's own-ledger block, run once and in order, in a directory of its own (so that
    the ledger's path, `ledger.db`, is the same on every run): the results by name, and the journals' hashes."""
    where = tmp_path_factory.mktemp("own")
    results = {}
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, Path("ledger.db"))
        mp.chdir(where)
        for name, args in zip(OWN_NAMES, OWN_STEPS, strict=True):
            results[name] = run("--today", NOON, *args)
    return results, journal_hashes(where / "ledger.db", where / "新账本.db")


@pytest.mark.parametrize("name", OWN_NAMES)
def test_own_ledger(name: str, own_ledger):
    results, hashes = own_ledger
    result = results[name]
    assert result.exit_code == 0, (name, result.exit_code, result.stderr, result.exception)
    compare(name, result, hashes)


def test_every_golden_file_is_used():
    """A golden file no test compares is a behaviour nobody checks any more."""
    names = {"demo.txt"}
    for name in [case.name for case in DEMO_CASES] + OWN_NAMES:
        names |= {f"{name}.txt", f"{name}.stderr.txt", f"{name}.cells.txt"}
    assert len({case.name for case in DEMO_CASES}) == len(DEMO_CASES), "two cases share a golden file"
    if UPDATE:
        for path in GOLDEN.iterdir():
            if path.name not in names and not path.name.startswith("."):
                path.unlink()
    assert sorted(p.name for p in GOLDEN.iterdir() if p.name not in names and not p.name.startswith(".")) == []
