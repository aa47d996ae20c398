"""Hostile text, planted schema, forged journal entries, bad settings and bad files: each is refused or
shown harmlessly, never trusted. Every payload here once got through."""

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import ok, run

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
        out = ok("sources", "--format", fmt, "--wide")
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
