"""Hostile text, planted schema, forged journal entries, bad settings and bad files: each is refused or
shown harmlessly, never trusted. Every payload here once got through."""

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import fingerprint, ok, rejected, run

# What a bundle's source name, a merged record or --by can carry: a screen clear, a forged line, a window
# title, a right-to-left override.
PAYLOAD = "坏\x1b[2J\x1b]0;owned\x07队\r\n伪造行\u202e"
# Nothing of it may reach a terminal: no C0 control but the tab and line break a listing is laid out with,
# no C1, no bidi override or isolate.
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def harmless(text: str) -> bool:
    return _RAW.search(text) is None and not any(line.startswith("伪造行") for line in text.splitlines())


def plant(db: Path, sql: str, *args: object) -> None:
    """Change the ledger behind huidesk's back, as a merged bundle or a hand edit could."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(sql, args)
    finally:
        conn.close()


# --- the terminal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "tsv", "csv", "json", "jsonl"])
def test_the_recorders_name_reaches_no_terminal_as_control_sequences(village, fmt):
    ok("--by", PAYLOAD, "unit", "add", "司法所")
    out = ok("log", "--format", fmt, "--wide")
    assert harmless(out.stdout) and harmless(out.stderr), out.stdout
    assert "坏" in out.stdout
    if fmt in ("json", "jsonl"):  # a program still reads exactly what the journal holds
        rows = json.loads(out.stdout) if fmt == "json" else [json.loads(x) for x in out.stdout.splitlines()]
        assert rows[0]["actor"] == PAYLOAD


@pytest.mark.parametrize("fmt", ["table", "tsv", "csv", "json"])
def test_a_planted_record_name_reaches_no_terminal_in_a_listing(village, fmt):
    plant(village, "UPDATE teams SET name = ? WHERE id = 1", PAYLOAD)
    out = ok("team", "list", "--format", fmt, "--wide")
    assert harmless(out.stdout) and harmless(out.stderr), out.stdout
    assert "坏" in out.stdout


def test_a_merged_sources_name_reaches_no_terminal(village):
    plant(village, "INSERT INTO _sources (id, uid, name, place) VALUES (1, ?, ?, ?)", "ab" * 16, PAYLOAD,
          f"银川市/{PAYLOAD}")
    plant(village, "INSERT INTO _bundles (source_id, first_entry, last_entry, head_before, head_after, made_at,"
          " merged_at, pii, records) VALUES (1, 1, 3, ?, ?, '2024-06-01T10:00:00+08:00',"
          " '2024-06-02T10:00:00+08:00', 'pseudonymous', 0)", "0" * 64, "f" * 64)
    for fmt in ("table", "tsv", "json"):
        out = run("sources", "--format", fmt, "--wide")  # exits 4: the source has not reported this month
        assert out.exit_code in (0, 4), out.stderr
        assert harmless(out.stdout) and harmless(out.stderr), (fmt, out.stdout, out.stderr)
        assert "坏" in out.stdout and "坏" in out.stderr  # the list of who has not reported names it too


def test_a_message_and_an_error_naming_planted_text_stay_on_one_line(village):
    ok("unit", "add", "物业公司")
    plant(village, "UPDATE units SET name = ? WHERE name = '物业公司'", PAYLOAD)
    ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村", "漏水")
    said = ok("issue", "dispatch", "1", "--to", "坏")  # the message names the unit as the ledger holds it
    assert harmless(said.stderr) and len(said.stderr.splitlines()) == 1, said.stderr
    ok("unit", "add", "坏人单位")
    refused = run("issue", "dispatch", "1", "--to", "坏")  # ambiguous: the candidates are listed
    assert refused.exit_code == 1 and harmless(refused.stderr) and len(refused.stderr.splitlines()) == 1, \
        refused.stderr


def test_check_names_a_planted_object_and_an_anchors_entry_harmlessly(village):
    ok("--by", PAYLOAD, "unit", "add", "司法所")
    head = ok("check").stdout.split("链头 ")[1].split()[0]
    out = ok("check", "--head", head)
    assert harmless(out.stdout), out.stdout
    plant(village, f"CREATE VIEW \"{PAYLOAD}\" AS SELECT 1")
    found = run("check")
    assert found.exit_code == 3 and harmless(found.stdout) and harmless(found.stderr), found.stdout


# --- check: planted schema objects, whatever their name -------------------------------------------


def plant_schema(db: Path, kind: str, name: str, sql: str) -> None:
    """Write a row into sqlite_master itself, as `PRAGMA writable_schema` lets anyone with the file do:
    SQLite will not create an object under its own sqlite_ prefix, but loads one written there."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        table = "units" if kind == "trigger" else name
        with conn:
            conn.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES (?, ?, ?, 0, ?)",
                         (kind, name, table, sql))
    finally:
        conn.close()


@pytest.mark.parametrize("kind, name, sql", [
    ("trigger", "sqlite_stat9",
     "CREATE TRIGGER sqlite_stat9 AFTER INSERT ON units BEGIN UPDATE units SET name = 'PWNED' WHERE id = new.id; END"),
    ("trigger", "sqlite_stat1",
     "CREATE TRIGGER sqlite_stat1 AFTER INSERT ON units BEGIN UPDATE units SET kind = 'company'; END"),
    ("view", "sqlite_stat4", "CREATE VIEW sqlite_stat4 AS SELECT name, phone FROM residents"),
    ("trigger", "sqlite_sequence",
     "CREATE TRIGGER sqlite_sequence AFTER INSERT ON units BEGIN UPDATE units SET kind = 'company'; END"),
])
def test_check_names_a_schema_object_planted_under_sqlites_own_prefix(village, kind, name, sql):
    plant_schema(village, kind, name, sql)
    found = run("check")
    assert found.exit_code == 3, found.stdout
    assert name in found.stdout, found.stdout


def test_check_names_a_statistics_table_of_another_shape(village):
    conn = sqlite3.connect(village)
    try:
        conn.execute("ANALYZE")
        conn.commit()
        conn.execute("PRAGMA writable_schema = ON")
        with conn:  # the same name, another definition: a column SQLite's own table does not have
            conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE sqlite_stat1(tbl,idx,stat,note)'"
                         " WHERE name = 'sqlite_stat1'")
    finally:
        conn.close()
    found = run("check")
    assert found.exit_code == 3 and "sqlite_stat1" in found.stdout, found.stdout


def test_sqlites_own_statistics_pass_check(village):
    conn = sqlite3.connect(village)
    try:
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()
    assert "账本完好" in ok("check").stdout


# --- check: entries no huidesk command writes -------------------------------------------------------


def forge(db: Path, command: str, writes: list[tuple[str, int, str, dict]], actor: str = "tester") -> None:
    """Append a journal entry by hand, as someone who knows the (public) algorithm can: each write
    (table, id, operation, the columns it sets) done in SQL, then digested, and the entry's hash
    chained to the head exactly as huidesk chains it. Only the shape of the entry can give it away."""
    import datetime as dt

    from huidesk.ledger.journal import EntryHash, digest

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            last, prev = conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
            entry, at = last + 1, dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
            h = EntryHash(entry, at, actor, command, prev)
            for table, rid, op, values in writes:
                if op == "insert" and not conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (rid,)).fetchone():
                    cols = ", ".join(["id", *values])
                    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * (len(values) + 1))})",
                                 (rid, *values.values()))
                else:
                    sets = ", ".join(f"{k} = ?" for k in values)
                    conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), rid))
                d = digest(table, dict(conn.execute(f"SELECT * FROM {table} WHERE id = ?", (rid,)).fetchone()))
                conn.execute("INSERT INTO _journal_records (entry_id, tbl, rid, op, digest) VALUES (?, ?, ?, ?, ?)",
                             (entry, table, rid, op, d))
                h.add(table, rid, op, d)
            conn.execute("INSERT INTO _journal (id, at, actor, command, prev, hash) VALUES (?, ?, ?, ?, ?, ?)",
                         (entry, at, actor, command, prev, h.hexdigest()))
    finally:
        conn.close()


@pytest.fixture
def activity(village) -> tuple[Path, int, str]:
    """The village with one activity of 2 hours, and the chain head a tally printed before anything else."""
    ok("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--date", "2024-07-01", "--volunteers", "3",
       "--hours", "2")
    head = ok("check").stdout.split("链头 ")[1].split()[0]
    minutes = sqlite3.connect(village).execute("SELECT minutes FROM activities WHERE id = 1").fetchone()[0]
    return village, minutes, head


@pytest.mark.parametrize("command, op", [
    ("activity edit", "update"),  # a command huidesk does not have
    ("activity add", "update"),  # a command that only ever adds an activity
    ("activity add", "insert"),  # ... written again over the one there, as if new
    ("setting set", "update"),  # a command that never touches activities
    ("void", "update"),  # void marks a record void and changes nothing else
])
def test_check_refuses_an_entry_no_huidesk_command_writes(activity, command, op):
    """A hand-appended entry multiplying an activity's hours by ten, its hash chain recomputed: as a
    chain it is valid, and every record matches its digest; its shape is what no huidesk command writes."""
    db, minutes, head = activity
    forge(db, command, [("activities", 1, op, {"minutes": minutes * 10})])
    found = run("check")
    assert found.exit_code == 3, found.stdout
    assert "日志#" in found.stdout and "activit" in found.stdout, found.stdout
    anchored = run("check", "--head", head)  # what follows the anchor is not called intact
    assert anchored.exit_code == 3 and "完好" not in anchored.stdout, anchored.stdout


def test_an_entry_in_the_shape_of_its_command_passes(activity):
    """The forger's tool itself is honest: the same entry in a shape huidesk writes (a setting changed)
    passes, so the refusals above are about the shape alone."""
    db, _, head = activity
    row = sqlite3.connect(db).execute("SELECT id FROM _settings WHERE key = 'issuer'").fetchone()
    forge(db, "setting set", [("_settings", row[0], "update", {"value": "平伏桥村党支部"})])
    assert "账本完好" in ok("check").stdout
    assert "完好" in ok("check", "--head", head).stdout


def test_every_command_has_a_journal_shape_or_writes_nothing():
    """The registry of shapes (huidesk/ledger/shapes.py) is complete: a new command without a shape, or
    a shape of a command the CLI no longer has, fails here."""
    from test_cli import _commands

    from huidesk.cli import app
    from huidesk.exchange.layouts import TABLES
    from huidesk.ledger.schema import JOURNALED_TABLES
    from huidesk.ledger.shapes import PREFIXED, READ_ONLY, SHAPES

    registered = {" ".join(path) for path, _ in _commands(app)}
    for name in registered:
        if name == "import":  # journaled as `import TABLE`, one shape a table an import reads
            imported = {f"import {t}" for t, table in TABLES.items() if table.imported}
            assert imported <= SHAPES.keys(), sorted(imported - SHAPES.keys())
        else:
            assert (name in SHAPES) != (name in READ_ONLY), f"{name}: give it a shape or call it read-only"
    for name in [*SHAPES, *READ_ONLY, *PREFIXED]:
        assert name in registered or name.split()[0] == "import" and name.split()[1] in TABLES, name
    for name, shape in SHAPES.items():
        assert shape.keys() <= set(JOURNALED_TABLES), name
        assert all(ops <= {"insert", "update", "void"} for ops in shape.values()), name


def test_every_writing_command_passes_check_in_its_own_shape(village, tmp_path):
    """Each command that writes, run for real: `check` passes, so no shape is narrower than its command."""
    steps = [
        ("setting", "set", "issuer", "平伏桥村党支部"), ("setting", "set", "ledger_name", "平伏桥村"),
        ("setting", "set", "ledger_place", "银川市/金凤区/满城北街街道/平伏桥村"),
        ("place", "add", "平伏桥村/49号楼"),
        ("unit", "add", "悦湖家园物业"), ("unit", "add", "司法所"),
        ("team", "add", "“红色先锋”二队", "--place", "平伏桥村", "--leader", "王凤琴"),
        ("member", "add", "李四", "--team", "橙色公益", "--role", "志愿者"),
        ("member", "edit", "李四", "--reg-no", "64010620230101001"),
        ("member", "join", "李四", "--team", "银色助老"),
        ("member", "leave", "李四", "--team", "银色助老"),
        ("resident", "add", "小花", "--place", "平伏桥村/48号楼", "--tag", "困境儿童"),
        ("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--date", "2024-07-07"),
        ("activity", "add", "--theme", "爱心理发", "--team", "银色助老", "--member", "王玉兰", "--hours", "1.5",
         "--date", "2024-07-05"),
        ("wish", "add", "--resident", "小花", "想要一套绘画工具", "--date", "2024-06-01"),
        ("wish", "claim", "1", "--member", "张佳丽", "--date", "2024-06-05"),
        ("wish", "fulfil", "1", "--date", "2024-06-10"),
        ("card", "issue", "--resident", "丁学志", "--kind", "爱心理发卡", "--date", "2024-06-01"),
        ("pair", "add", "--member", "张佳丽", "--resident", "小花", "--since", "2024-03-01"),
        ("issue", "open", "--kind", "安全隐患", "--source", "巡查", "--place", "48号楼", "--at", "2024-07-01 09:00",
         "楼道堆放杂物"),
        ("issue", "dispatch", "1", "--to", "悦湖家园物业", "--at", "2024-07-01 10:00"),
        ("issue", "arrive", "1", "--unit", "悦湖家园物业", "--at", "2024-07-01 11:00"),
        ("issue", "transfer", "1", "--to", "司法所", "--at", "2024-07-01 12:00"),
        ("issue", "return", "1", "--unit", "司法所", "--reason", "不属于本所", "--at", "2024-07-01 13:00"),
        ("issue", "escalate", "1", "--to", "司法所", "--at", "2024-07-01 14:00"),
        ("meeting", "add", "--party", "悦湖家园物业", "--decision", "本周清理", "--issue", "1", "--date", "2024-07-02"),
        ("issue", "resolve", "1", "--at", "2024-07-02 16:30"),
        ("issue", "callback", "1", "--resolved", "是", "--satisfaction", "满意", "--at", "2024-07-03 09:00"),
        ("issue", "close", "1", "--at", "2024-07-03 10:00"),
        ("issue", "reopen", "1", "--reason", "又堆上了", "--at", "2024-07-04 10:00"),
        ("void", "visit", "1", "--reason", "重复录入"),
        ("undo",),
        ("bundle", "--output", str(tmp_path / "out.db")),
    ]
    for step in steps:
        ok(*step)
    units = tmp_path / "units.csv"
    units.write_text("name,kind\n水务公司,企业\n", encoding="utf-8")
    ok("import", "units", str(units))
    from huidesk.ledger.shapes import shape_of

    conn = sqlite3.connect(village)
    commands = {row[0] for row in conn.execute("SELECT DISTINCT command FROM _journal")}
    conn.close()
    assert all(shape_of(c) is not None for c in commands)
    assert "账本完好" in ok("check").stdout


# --- settings: the limits reports apply, checked when set and when read ------------------------------


@pytest.mark.parametrize("key, value", [
    ("resolve_limit_days", "10000"),  # accepted, then every report refused it
    ("resolve_limit_days", "366"),
    ("resolve_limit_days", "0.01"),  # a quarter of an hour: under an hour
    ("resolve_limit_days", "0.5"),  # days are whole, counted to 24:00 of the last (12h is half a day)
    ("response_limit_hours", "0.0001"),  # 0 whole minutes: every issue late at once
    ("response_limit_hours", "8761"),
    ("response_limit_hours", "1e3"),
    ("response_limit_hours", "NaN"),
    ("resolve_limit.投诉", "366d"),
    ("resolve_limit.投诉", "30m"),
    ("response_limit.民生问题", "0.5h"),
    ("basically_weight", "1.5"),
    ("basically_weight", "-0.1"),
    ("basically_weight", "NaN"),
    ("basically_weight", "1e-99999"),
    ("basically_weight", "0." + "3" * 5000),
])
def test_a_setting_out_of_the_reports_bounds_is_refused_when_set(village, key, value):
    line = rejected(village, "setting", "set", "--", key, value, mentions=("VALUE",))
    assert value[:20] in line


@pytest.mark.parametrize("key, value", [
    ("resolve_limit_days", "365"), ("resolve_limit_days", "12h"), ("resolve_limit_days", "3工作日"),
    ("response_limit_hours", "1"),
    ("response_limit_hours", "8760"), ("resolve_limit.投诉", "365d"), ("response_limit.民生问题", "1h"),
    ("response_limit.民生问题", "1小时"), ("basically_weight", "0"), ("basically_weight", "0.8"),
    ("basically_weight", "1"),
])
def test_a_setting_within_the_bounds_is_taken_and_the_reports_run(village, key, value):
    ok("setting", "set", key, value)
    for command in (("summary",), ("due",), ("report", "monthly"), ("issue", "list", "--state", "overdue")):
        ok(*command)


@pytest.mark.parametrize("key, value", [
    ("resolve_limit_days", "10000"), ("resolve_limit_days", "abc"), ("response_limit_hours", "0"),
    ("resolve_limit.complaint", "0d"), ("basically_weight", "abc"), ("basically_weight", "2"),
])
def test_a_bad_setting_stored_by_an_older_ledger_is_one_line_naming_it(village, key, value):
    """A value an older huidesk took (or a hand edit) is named in one line by every report that reads it."""
    ok("issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村",
       "--nature", "投诉", "--at", "2024-07-01 09:00", "漏水")
    ok("issue", "resolve", "1", "--at", "2024-07-02 09:00")
    ok("issue", "callback", "1", "--resolved", "是", "--satisfaction", "基本满意", "--at", "2024-07-03 09:00")
    conn = sqlite3.connect(village)
    with conn:
        if not conn.execute("UPDATE _settings SET value = ? WHERE key = ?", (value, key)).rowcount:
            conn.execute("INSERT INTO _settings (key, value) VALUES (?, ?)", (key, value))
    conn.close()
    reads = [("summary",), ("report", "monthly", "--month", "2024-07")]
    if "limit" in key:  # (an issue of nature 投诉 has the complaint limit)
        reads += [("due",), ("issue", "list", "--state", "overdue")]
    for command in reads:
        found = run(*command)
        assert found.exit_code == 1, (command, found.exit_code, found.stderr, found.exception)
        lines = found.stderr.strip().splitlines()
        assert len(lines) == 1 and key in lines[0] and value in lines[0], (command, found.stderr)


# --- bad files given to import ----------------------------------------------------------------------


def _units_xlsx(path: Path, sheet=None) -> Path:
    """A workbook of one unit; `sheet` rewrites its worksheet's XML."""
    import zipfile

    from openpyxl import Workbook

    plain = path.with_suffix(".plain.xlsx")
    wb = Workbook()
    wb.active.append(["name", "kind"])
    wb.active.append(["水务公司", "企业"])
    wb.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if sheet is not None and item.filename == "xl/worksheets/sheet1.xml":
                data = sheet(data)
            zout.writestr(item, data)
    return path


def _laughs(sheet: bytes) -> bytes:
    """The worksheet with a third row whose cell is an entity that expands to a billion lols: the
    workbook opens, and the row fails as it is read (expat refuses the expansion)."""
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = sheet.split(b"?>", 1)[1] if sheet.startswith(b"<?xml") else sheet
    body = body.replace(b"</sheetData>", b'<row r="3"><c r="A3" t="inlineStr"><is><t>&l9;</t></is></c></row>'
                                         b"</sheetData>")
    return f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">{entities}]>'.encode() + body


HOSTILE_FILES = {
    # JSON nested 10,000 deep: it once ended in 内部错误 (exit 70)
    "deep.json": lambda p: p.write_text("[" + "[" * 10_000 + "]" * 10_000 + "]"),
    "deep.jsonl": lambda p: p.write_text('{"name": ' + "[" * 10_000 + "]" * 10_000 + "}\n"),
    "deep-object.json": lambda p: p.write_text('[{"name": ' + '{"a":' * 10_000 + "1" + "}" * 10_000 + "}]"),
    # an integer of 5,000 digits (Python refuses to read more than 4,300)
    "huge-number.json": lambda p: p.write_text('[{"name": "水务", "kind": ' + "9" * 5000 + "}]"),
    "huge-number.jsonl": lambda p: p.write_text('{"name": "水务", "kind": ' + "9" * 5000 + "}\n"),
    "nan.json": lambda p: p.write_text('[{"name": "水务", "kind": NaN}]'),
    "infinity.jsonl": lambda p: p.write_text('{"name": "水务", "kind": 1e999}\n'),
    "nul.csv": lambda p: p.write_bytes("name,kind\n水\x00务,企业\n".encode()),
    "nul-header.csv": lambda p: p.write_bytes("na\x00me,kind\n水务,企业\n".encode()),
    "ten-megabytes.csv": lambda p: p.write_text("name,kind\n" + "水" * 10_000_000 + ",企业\n"),
    "ten-megabytes.json": lambda p: p.write_text('[{"name": "' + "水" * 10_000_000 + '", "kind": "企业"}]'),
    "not-a-zip.xlsx": lambda p: p.write_bytes(b"PK\x03\x04 this is no workbook"),
    "truncated.xlsx": lambda p: p.write_bytes(_units_xlsx(p.with_suffix(".whole.xlsx")).read_bytes()[:700]),
    "laughs.xlsx": lambda p: _units_xlsx(p, _laughs),
    "escapes.csv": lambda p: p.write_text("name,kind\n\x1b[2J伪造\r,企业\n"),
}


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_a_hostile_import_file_is_one_line_exit_1_and_nothing_written(village, tmp_path, name):
    path = tmp_path / name
    HOSTILE_FILES[name](path)
    line = rejected(village, "import", "units", str(path), mentions=(name,))
    assert harmless(line) and "内部错误" not in line, line


def test_a_json_file_of_long_texts_across_its_chunks_is_read_whole(village, tmp_path):
    """Strings longer than 64 characters that straddle the 64 KB pieces the file is read in: a valid file
    was once called malformed ("Unterminated string")."""
    rows = [{"residents": "丁学志", "team": "橙色公益", "date": "2024-07-01", "note": f"{n:04d}" + "路灯" * 700}
            for n in range(120)]
    path = tmp_path / "visits.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert path.stat().st_size > 4 * 65536
    ok("import", "visits", str(path))
    conn = sqlite3.connect(village)
    assert conn.execute("SELECT count(*) FROM visits WHERE note LIKE '%路灯路灯'").fetchone()[0] == 120
    conn.close()


def test_the_rows_an_import_refuses_are_listed_harmlessly(village, tmp_path):
    """Each refused row is listed on stderr, quoting what the file holds: a column named with an escape."""
    path = tmp_path / "units.jsonl"
    path.write_text("".join(json.dumps({f"\x1b[2J{n}\r\n伪造行\u202e": "x"}) + "\n" for n in range(3)))
    before = fingerprint(village)
    found = run("import", "units", str(path))
    assert found.exit_code == 1 and "Traceback" not in found.stderr
    assert harmless(found.stderr) and len(found.stderr.splitlines()) == 4, found.stderr
    assert fingerprint(village) == before


def test_an_entry_an_older_huidesk_journaled_when_run_as_a_module_passes(village):
    """`python -m huidesk init` once journaled its command as "-m huidesk init": still a command of huidesk's."""
    row = sqlite3.connect(village).execute("SELECT id FROM _settings WHERE key = 'issuer'").fetchone()
    forge(village, "-m huidesk setting set", [("_settings", row[0], "update", {"value": "平伏桥村党支部"})])
    assert "账本完好" in ok("check").stdout


READ_ONLY_RUNS = [
    ("summary",), ("due",), ("certificate", "王凤琴"), ("export", "residents"), ("log",), ("check",),
    ("sql", "SELECT 1"), ("sources",), ("report", "monthly"), ("report", "roster"), ("setting", "list"),
    ("place", "list"), ("place", "tree"), ("unit", "list"), ("team", "list"), ("team", "show", "橙色公益"),
    ("member", "list"), ("member", "show", "王凤琴"), ("resident", "list"), ("resident", "show", "丁学志"),
    ("visit", "list"), ("activity", "list"), ("wish", "list"), ("card", "list"), ("pair", "list"),
    ("issue", "list"), ("meeting", "list"), ("key", "list"),
]


def test_the_commands_called_read_only_write_nothing(village, tmp_path):
    from huidesk.ledger.shapes import READ_ONLY

    runs = [*READ_ONLY_RUNS, ("backup", str(tmp_path / "b.db")), ("warehouse", str(tmp_path / "w"))]
    assert {" ".join(r[:2]) if r[0] in ("report", "setting") or len(r) > 1 and r[1] in ("list", "tree", "show")
            else r[0] for r in runs} >= READ_ONLY - {"issue show", "serve"}  # serve: tests/test_web.py
    before = fingerprint(village)
    for args in runs:
        run(*args)  # (sources exits 4, warehouse may lack its extra: whatever they say, they write nothing)
        assert fingerprint(village) == before, args


def test_the_terminal_rule_makes_controls_visible_and_keeps_json_the_same_value():
    from huidesk.render.controls import json_escaped, visible, visible_row

    assert visible("王凤琴 橙色公益　队") == "王凤琴 橙色公益　队"  # Chinese and the ideographic space untouched
    assert visible(PAYLOAD) == "坏\\x1b[2J\\x1b]0;owned\\x07队\\r\\n伪造行\\u202e"
    assert visible("a\tb\x85\u2066c\ud800") == "a\\tb\\x85\\u2066c\\ud800"
    assert visible_row("1\t坏\x1b[31m\t\"a\nb\"\n") == "1\t坏\\x1b[31m\t\"a\\nb\"\n"  # the tabs and the row's end kept
    text = json.dumps({"actor": PAYLOAD, "n": [1, 2]}, ensure_ascii=False, indent=2)
    shown = json_escaped(text)
    assert json.loads(shown) == json.loads(text) and harmless(shown) and "\n" in shown
