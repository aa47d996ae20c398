"""The bulk paths: Tx.holding / insert_many (journaled like any insert), bulk imports that hold rows
back and write them in batches (still all or nothing, duplicates skipped, bad rows named), and the
SQL log the benchmarks replay."""

import json
import sqlite3
import stat

import pytest
from conftest import fingerprint, ok, run

from huidesk.exchange import importer, readers
from huidesk.ledger.integrity import verify
from huidesk.ledger.store import Store


def _store(db) -> Store:
    return Store.open(db, "tester")


def test_insert_many_journals_every_row_and_check_passes(village):
    store = _store(village)
    try:
        with store.write("bulk places") as tx:  # no command of huidesk's: `check` names the entry, and only it
            ids = tx.insert_many("places", ({"parent_id": 1, "name": f"{n}号楼", "level": "building",
                                             "path": f"银川市/{n}号楼"} for n in range(1, 12_001)), batch=5000)
            after = tx.insert("places", {"parent_id": 1, "name": "最后一栋", "level": "building",
                                         "path": "银川市/最后一栋"})
            tx.update("places", ids[0], {"name": "一号楼"})
        assert len(ids) == 12_000 and list(ids) == list(range(ids[0], ids[0] + 12_000)) and after == ids[-1] + 1
        rows = store.read.rows(f"SELECT count(*) FROM places WHERE id BETWEEN {ids[0]} AND {after}").fetchone()[0]
        journaled = store.read.rows(
            "SELECT count(*) FROM _journal_records WHERE entry_id = (SELECT max(id) FROM _journal)").fetchone()[0]
        assert rows == 12_001 and journaled == 12_002  # each insert, and the update
        entry = store.head()[0]
        # every digest and hash is right; the one problem is that no command of huidesk's writes places so
        assert [p.what for p in verify(store)] == [f"日志#{entry}"]
    finally:
        store.close()


def test_held_rows_are_written_in_order_with_their_links(village):
    store = _store(village)
    try:
        team = store.read.rows("SELECT id FROM teams ORDER BY id LIMIT 1").fetchone()[0]
        resident = store.read.rows("SELECT id FROM residents ORDER BY id LIMIT 1").fetchone()[0]
        with store.write("import visits") as tx, tx.holding():
            for day in range(1, 29):
                vid = tx.insert("visits", {"team_id": team, "date": f"2024-02-{day:02d}", "follow_up": False})
                tx.insert("visit_residents", {"visit_id": vid, "resident_id": resident})
                if day % 10 == 0:
                    tx.flush()
            assert tx.held > 0
        assert store.read.rows("SELECT count(*) FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id"
                               " WHERE v.date LIKE '2024-02-%'").fetchone()[0] == 28
        assert list(verify(store)) == []
    finally:
        store.close()


def test_a_failed_bulk_write_leaves_nothing(village):
    before = fingerprint(village)
    store = _store(village)
    try:
        with pytest.raises(sqlite3.IntegrityError), store.write("bulk") as tx:
            tx.insert_many("visits", [{"team_id": 999_999, "date": "2024-02-01", "follow_up": 0}])
    finally:
        store.close()
    assert fingerprint(village) == before


def _visits(n: int, start: int = 0, uid: bool = True) -> str:
    rows = []
    for i in range(start, start + n):
        row = {"date": f"2024-0{1 + i % 6}-{1 + i % 28:02d}", "team": "橙色公益",
               "residents": ["丁学志", "李增友"][: 1 + i % 2], "members": ["王凤琴"] if i % 3 else [],
               "purpose": f"走访 {i}", "gifts": "牛奶、大米" if i % 4 == 0 else None,
               "note": None, "follow_up": i % 5 == 0}
        if uid:
            row = {"uid": f"{i:032x}", **row}
        rows.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(rows) + "\n"


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few rows, so that a short file crosses many chunks and flushes."""
    monkeypatch.setattr(importer, "_CHUNK_ROWS", 7)
    monkeypatch.setattr(importer, "_FLUSH_ROWS", 30)


def test_bulk_import_is_journaled_and_idempotent(village, tmp_path, small_batches):
    path = tmp_path / "visits.jsonl"
    path.write_text(_visits(300), encoding="utf-8")
    assert "新增 300 条，跳过 0 条" in ok("import", "visits", str(path)).stderr
    assert "新增 0 条，跳过 300 条" in ok("import", "visits", str(path)).stderr
    assert "账本完好" in ok("check").stdout  # the kept households and months made at the end equal the records
    listed = json.loads(ok("visit", "list", "--format", "json", "--with-pii").stdout)
    assert len(listed) == 300 and sum(len(v["residents"]) for v in listed) == 450
    assert sum(1 for v in listed if v["members"]) == 200 and sum(1 for v in listed if v["follow_up"]) == 60
    path.write_text(_visits(100, start=300), encoding="utf-8")  # onto visits already counted
    assert "新增 100 条" in ok("import", "visits", str(path)).stderr
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-03-05")  # the triggers back in place
    assert "账本完好" in ok("check").stdout


def test_a_row_twice_in_one_file_is_refused_naming_both_lines(village, tmp_path, small_batches):
    rows = _visits(40).splitlines()
    rows.insert(3, rows[1])  # within one chunk, while the first is held back
    rows.append(rows[0])  # long after the first was written
    path = tmp_path / "visits.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = fingerprint(village)
    result = run("import", "visits", str(path))
    assert result.exit_code == 1 and fingerprint(village) == before
    assert result.stderr.splitlines() == [
        "visits.jsonl 第 4 行与第 2 行重复（同一条记录出现两次）",
        "visits.jsonl 第 42 行与第 1 行重复（同一条记录出现两次）",
        "错误：2 行有错，未写入任何内容",
    ]
    path.write_text(_visits(40, uid=False) + _visits(40, uid=False), encoding="utf-8")  # uids from the content
    result = run("import", "visits", str(path))
    assert result.exit_code == 1 and fingerprint(village) == before
    assert result.stderr.splitlines()[0] == "visits.jsonl 第 41 行与第 1 行重复（同一条记录出现两次）"
    assert result.stderr.splitlines()[-1] == "错误：40 行有错，未写入任何内容"
    # Rows whose records were in the ledger before the import are skipped, repeated or not.
    path.write_text(_visits(40), encoding="utf-8")
    assert "新增 40 条，跳过 0 条" in ok("import", "visits", str(path)).stderr
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert "新增 0 条，跳过 42 条" in ok("import", "visits", str(path)).stderr
    assert "账本完好" in ok("check").stdout


def test_a_bad_row_late_in_a_bulk_import_writes_nothing_and_is_named(village, tmp_path, small_batches):
    rows = _visits(200).splitlines()
    rows[150] = rows[150].replace('"橙色公益"', '"不存在的服务队"')
    rows[170] = rows[170].replace('"2024-', '"2099-')
    path = tmp_path / "visits.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = fingerprint(village)
    result = run("import", "visits", str(path))
    assert result.exit_code == 1 and fingerprint(village) == before
    err = result.stderr.splitlines()
    assert err[0].startswith("visits.jsonl 第 151 行：找不到服务队") and err[1].startswith("visits.jsonl 第 171 行：")
    assert err[-1] == "错误：2 行有错，未写入任何内容"
    ok("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-03-05")  # the triggers rolled back in place
    assert "账本完好" in ok("check").stdout


def test_names_shared_by_two_residents_are_still_refused_as_ambiguous(village, tmp_path):
    ok("resident", "add", "丁学志", "--place", "平伏桥村/悦湖家园小区")
    path = tmp_path / "visits.jsonl"
    path.write_text(_visits(1), encoding="utf-8")
    result = run("import", "visits", str(path))
    assert result.exit_code == 1 and "丁学志" in result.stderr and "不唯一" in result.stderr
    path.write_text(_visits(1).replace('"丁学志"', '"丁学志（48号楼）"'), encoding="utf-8")
    assert "新增 1 条" in ok("import", "visits", str(path)).stderr


def test_the_sql_log_holds_each_statement_with_its_values(village, tmp_path, monkeypatch):
    log = tmp_path / "sql.log"
    monkeypatch.setenv("HUIDESK_SQL_LOG", str(log))
    ok("summary", "--since", "2024-01-01")
    lines = log.read_text(encoding="utf-8").splitlines()
    assert any(ln.startswith("SELECT i.kind, i.team_id, count(*) FILTER (WHERE") and "'2024-01-01'" in ln
               for ln in lines)
    assert all(ln.endswith(";") for ln in lines)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.mark.parametrize("held", [False, True])
def test_link_rows_are_journaled_as_inserts_are(village, held):
    """Tx.link formats each link row's digest itself while holding: `check` recomputes every digest
    from the stored row, so a byte of difference from `insert`'s digest would be reported."""
    from contextlib import nullcontext

    from huidesk.ledger.journal import content_digest, fixed_digester

    assert fixed_digester("visit_members", ("id", "visit_id", "member_id"))(7, 12, 345) == content_digest(
        "visit_members", {"id": 7, "visit_id": 12, "member_id": 345})
    provenance = fixed_digester("_merged", ("id", "source_id", "tbl", "source_rid", "rid"), frozenset({"tbl"}))
    assert provenance(3, 1, "visit_members", 99, 12) == content_digest(
        "_merged", {"id": 3, "source_id": 1, "tbl": "visit_members", "source_rid": 99, "rid": 12})
    store = _store(village)
    try:
        team = store.read.rows("SELECT id FROM teams LIMIT 1").fetchone()[0]
        members = [r[0] for r in store.read.rows("SELECT id FROM members LIMIT 3")]
        with store.write("visit add") as tx, (tx.holding() if held else nullcontext()):
            for day in range(1, 4):
                store.visits.add(tx, {"team_id": team, "date": f"2024-07-0{day}", "follow_up": 0}, [1, 2, 1],
                                [*members, members[0]])
        linked = store.read.rows("SELECT count(*) FROM visit_members WHERE visit_id IN"
                                 " (SELECT id FROM visits WHERE team_id = ?)", (team,)).fetchone()[0]
        assert linked == 3 * len(members)
        assert list(verify(store)) == []
    finally:
        store.close()


@pytest.mark.parametrize("table", ["visits", "units"])  # the bulk path, and row by row
def test_an_import_reports_its_progress_in_rows_read(village, tmp_path, small_batches, table):
    import datetime as dt

    path = tmp_path / f"{table}.jsonl"
    if table == "visits":
        path.write_text(_visits(100), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps({"name": f"单位{n}", "kind": "企业"}, ensure_ascii=False) + "\n"
                                for n in range(20)), encoding="utf-8")
    heard: list[int] = []
    store = _store(village)
    try:
        source, kind = readers.open_source(str(path), None)
        with source:
            result = importer.import_table(store, table, source, kind, command="import", today=dt.date(2024, 7, 8),
                                           now=dt.datetime(2024, 7, 8, 12), dry_run=False, progress=heard.append)
    finally:
        store.close()
    step, rows = (7, 100) if table == "visits" else (1, 20)  # a chunk of 7 (small_batches), or each row
    assert result.added == rows and heard == [*range(step, rows, step), rows]
