"""The batch path of `import visits` (cells parsed a column at a time, one validation per batch, the
visits and their links journaled from templates) writes and refuses exactly what the row-by-row path
does: the same records, the same journal rows and digests, the same one-line messages."""

import json
import os
import shutil
import sqlite3

import pytest
from conftest import fingerprint, ok, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huidesk.exchange import importer
from huidesk.exchange.layouts import TABLES
from huidesk.exchange.rows import BAD, Columns, Row

RECORDS = ("visits", "visit_residents", "visit_members")


@pytest.fixture
def row_by_row(monkeypatch):
    """Imports with no batch path: every row taken by `Import.take`, as before the batch path."""
    monkeypatch.setattr(importer, "PREPARERS", {})


def _rows(n: int) -> list[dict]:
    """Visits written every way a file may write them: lists and joined text, labels, Chinese dates,
    yes/no words, hours each with members, blanks, and rows without a uid of their own."""
    out = []
    for i in range(n):
        row: dict = {"uid": f"v{i:05d}", "date": ["2024-06-01", "2024年6月2日", "6月3日", " 2024-06-04 "][i % 4],
                     "team": ["橙色公益", "“橙色公益”志愿服务队", "金色成长"][i % 3],
                     "residents": [["丁学志"], ["丁学志", "李增友"], "丁学志（48号楼）、李增友",
                                   ["李增友", " ", "李增友"]][i % 4],
                     "members": [[], ["王凤琴"], "王凤琴，张佳丽", None][i % 4],
                     "purpose": [f"走访 {i}", "", None, "  看望  "][i % 4],
                     "gifts": ["牛奶、大米", None, "米", ""][i % 4],
                     "note": None if i % 5 else f"备注 {i}",
                     "follow_up": [True, "是", "否", None, 0, "1"][i % 6]}
        if i % 4 == 1:
            row["hours_each"] = ["1.5", 2, "90分钟"][i % 3]
        if i % 11 == 0:
            del row["uid"]  # its uid derived from its content, row by row
        out.append(row)
    return out


def _write(path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _written(db) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in RECORDS}
        out["journal"] = conn.execute("SELECT * FROM _journal_records ORDER BY id").fetchall()
        out["entries"] = conn.execute("SELECT id, actor, command, prev FROM _journal ORDER BY id").fetchall()
        return out
    finally:
        conn.close()


def _import_both(village, tmp_path, monkeypatch, path, *args: str):
    """The same import into two copies of the ledger: by batches, and row by row."""
    other = tmp_path / "row-by-row.db"
    shutil.copyfile(village, other)
    os.chmod(other, 0o600)
    batched = run("import", "visits", str(path), *args)
    with monkeypatch.context() as m:
        m.setattr(importer, "PREPARERS", {})
        single = run("--db", str(other), "import", "visits", str(path), *args)
    return batched, single, other


@pytest.mark.parametrize("small", [False, True])
def test_batches_write_the_same_records_and_journal_rows_as_row_by_row(village, tmp_path, monkeypatch, small):
    if small:  # chunks and flushes in the middle of runs of prepared rows
        monkeypatch.setattr(importer, "_CHUNK_ROWS", 7)
        monkeypatch.setattr(importer, "_FLUSH_ROWS", 30)
    path = tmp_path / "visits.jsonl"
    _write(path, _rows(120))
    batched, single, other = _import_both(village, tmp_path, monkeypatch, path)
    assert batched.exit_code == single.exit_code == 0, (batched.stderr, single.stderr)
    assert batched.stderr == single.stderr and "新增 120 条，跳过 0 条" in batched.stderr
    ours, theirs = _written(village), _written(other)
    assert len(ours["visits"]) == 120 and len(ours["journal"]) > 3 * 120  # the village's own rows, and these
    assert ours == theirs
    assert "账本完好" in ok("check").stdout
    # Imported again, every row is skipped, both ways.
    batched, single, other = _import_both(village, tmp_path, monkeypatch, path)
    assert batched.stderr == single.stderr and "新增 0 条，跳过 120 条" in batched.stderr


def test_a_csv_with_chinese_headers_is_imported_the_same_both_ways(village, tmp_path, monkeypatch):
    path = tmp_path / "走访.csv"
    lines = ["唯一编号,日期,服务队,走访对象,队员,事由,慰问品,需跟进,每人时长"]
    lines += [f"c{i},2024-05-{1 + i % 28:02d},橙色公益,丁学志、李增友,{'王凤琴' if i % 2 else ''},走访{i},牛奶,"
              f"{'是' if i % 3 else '否'},{'2' if i % 2 else ''}" for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batched, single, other = _import_both(village, tmp_path, monkeypatch, path)
    assert batched.exit_code == single.exit_code == 0 and batched.stderr == single.stderr
    assert _written(village) == _written(other)


def test_bad_rows_are_named_exactly_as_row_by_row_and_nothing_is_written(village, tmp_path, monkeypatch):
    rows = _rows(60)
    rows[3]["date"] = "2099-01-01"  # after today
    rows[5]["residents"] = ["没有这个人"]
    rows[8]["residents"] = ["丁*志"]  # masked
    rows[12]["team"] = ["橙色公益", "金色成长"]  # a list for a single value
    rows[14]["purpose"] = "长" * 201  # too long: pydantic's own check
    rows[17]["hours_each"] = "3"  # hours without members: the model's rule across fields
    rows[17]["members"] = []
    rows[20]["follow_up"] = "也许"
    rows[22]["uid"] = "坏 uid"
    rows[25] = dict(rows[24])  # the same record twice
    rows[30]["residents"] = []
    rows[33]["date"] = "明年"
    rows[40]["note"] = "a\x07b"  # a control character
    path = tmp_path / "visits.jsonl"
    _write(path, rows)
    before = fingerprint(village)
    batched, single, other = _import_both(village, tmp_path, monkeypatch, path)
    assert batched.exit_code == single.exit_code == 1
    assert batched.stderr == single.stderr
    lines = batched.stderr.splitlines()
    assert len(lines) == 13 and lines[-1] == "错误：12 行有错，未写入任何内容"
    assert lines[0].startswith("visits.jsonl 第 4 行：") and "晚于今天" in lines[0]
    assert any(ln.startswith("visits.jsonl 第 26 行与第 25 行重复") for ln in lines)
    assert fingerprint(village) == before


def test_a_dry_run_and_an_english_run_say_the_same_both_ways(village, tmp_path, monkeypatch):
    path = tmp_path / "visits.jsonl"
    rows = _rows(30)
    rows[7]["team"] = "不存在的服务队"
    _write(path, rows)
    batched, single, _ = _import_both(village, tmp_path, monkeypatch, path)
    assert batched.stderr == single.stderr and batched.exit_code == 1
    rows[7]["team"] = "橙色公益"
    _write(path, rows)
    before = fingerprint(village)
    batched, single, _ = _import_both(village, tmp_path, monkeypatch, path, "--dry-run")
    assert batched.exit_code == single.exit_code == 0 and batched.stderr == single.stderr
    assert fingerprint(village) == before


# --- Columns against Row.field, cell by cell ----------------------------------------------------------

_NAMES = ["丁学志", "李增友", "王凤琴", "张佳丽", "没有这个人", "丁*志", "丁学志（48号楼）", "", " ", "橙色公益",
          "金色"]
_TEXTS = st.one_of(
    st.sampled_from(["2024-06-01", "2024年6月2日", "6月3日", "2099-01-01", "明年", "1.5", "90分钟", "是", "否",
                     "true", "0", "1", "也许", "牛奶、大米", "a\x07b", "  x  ", "王*兰", *_NAMES]),
    st.text(max_size=6),
)
_CELLS = st.one_of(
    st.none(), _TEXTS, st.integers(-3, 3), st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.lists(st.one_of(_TEXTS, st.integers(0, 2)), max_size=3), st.dictionaries(st.just("k"), st.just(1), max_size=1),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_CELLS, min_size=1, max_size=6))
def test_a_column_parsed_at_once_equals_each_cell_by_row_field(village, cells):
    """Each distinct cell is parsed once and remembered: the value `Row.field` gives, or BAD exactly
    where `Row.field` reports a problem — for every field of a visits file, cells repeated or not."""
    import datetime as dt

    from huidesk.ledger.store import Store

    store = Store.open(village, "tester")
    try:
        with store.write("test") as tx:
            imp = importer.Import(store, tx, TABLES["visits"], dt.date(2024, 7, 8), dt.datetime(2024, 7, 8, 12))
            columns = Columns(imp)
            for f in TABLES["visits"].fields:
                if f.derived or f.type == "uid":
                    continue
                got = columns.column(f, cells + cells)  # the second time, from memory
                for cell, value in zip(cells + cells, got, strict=True):
                    row = Row(imp, "", {} if cell is None else {f.key: (f.key, cell)})
                    expected = row.field(f)
                    assert (value is BAD) == bool(row.problems), (f.key, cell, value, row.problems)
                    if value is not BAD:
                        assert value == expected, (f.key, cell)
            raise importer._Rollback
    except importer._Rollback:
        pass
    finally:
        store.close()
