"""Issue 16: the ledgers as one Parquet dataset (huidesk warehouse DIR) that DuckDB answers through
--warehouse with the ledger's own report SQL, and Spark reads too — with the same figures."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ok, run
from test_federation import QINGSHUI, STREET, ZIYUAN, bundle, community

pytest.importorskip("duckdb", reason="the warehouse extra (duckdb) is not installed")
pq = pytest.importorskip("pyarrow.parquet", reason="the warehouse extra (pyarrow) is not installed")
pa = pytest.importorskip("pyarrow")


def at(db: Path, *args: str, warehouse: Path | None = None):
    extra = ("--warehouse", str(warehouse)) if warehouse else ()
    return ok("--db", str(db), *extra, *args)


def files(dw: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of the dataset (hidden staging included) with its mtime and content."""
    return {str(p.relative_to(dw)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(dw.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


def head(db: Path) -> str:
    return sqlite3.connect(db).execute("SELECT hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()[0]


def unheaded(text: str, chain: str) -> str:
    """A report with its chain-head line left out and its chain-head cells said as the warehouse says them."""
    lines = [line for line in text.replace(chain, "warehouse").splitlines()
             if not line.startswith(("账本链头：", "chain head:"))]
    return "\n".join(lines)


def unheaded_json(text: str, chain: str) -> dict:
    data = json.loads(text.replace(chain, "warehouse"))
    if isinstance(data.get("chain_head"), dict):  # a summary's: the head and the journal's size
        data.pop("chain_head")
    return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("warehouse")
    db, dw = folder / "demo.db", folder / "仓库"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HUIDESK_TODAY", "2024-07-08")
        env.setenv("HUIDESK_USER", "tester")
        ok("--db", str(db), "demo")
        ok("--db", str(db), "warehouse", str(dw))
    return db, dw


@pytest.fixture
def copied(demo, tmp_path) -> tuple[Path, Path]:
    """A private copy of the demo ledger and its dataset."""
    db, dw = tmp_path / "demo.db", tmp_path / "dw"
    shutil.copyfile(demo[0], db)
    os.chmod(db, 0o600)
    shutil.copytree(demo[1], dw)
    return db, dw


REPORTS = [
    ("summary",),
    ("summary", "--place", "平伏桥村"),
    ("summary", "--team", "角落", "--since", "2024-03-01"),
    ("summary", "--place", "黄河东路街道", "--since", "2024-03-01", "--exact"),
    ("--lang", "en", "summary", "--until", "2024-05-31"),
    ("report", "monthly", "--month", "2024-06"),
    ("report", "monthly", "--month", "2024-06", "--format", "csv"),
    ("report", "monthly", "--month", "last", "--place", "金凤区", "--format", "tsv"),
    ("--lang", "en", "report", "monthly", "--month", "2024-05", "--format", "csv"),
    # as of a moment some issues' events come after: their states derived as of it, the rest read kept
    ("--today", "2024-06-20", "report", "monthly", "--month", "2024-06", "--format", "csv"),
    ("--today", "2024-06-20", "summary", "--since", "2024-05-01", "--exact"),
]


@pytest.mark.parametrize("args", REPORTS, ids=" ".join)
def test_the_demo_s_reports_from_the_warehouse_equal_the_ledger_s(demo, args):
    db, dw = demo
    ledger, warehouse = at(db, *args).stdout, at(db, *args, warehouse=dw).stdout
    assert unheaded(warehouse, head(db)) == unheaded(ledger, head(db))
    assert "warehouse" in warehouse


@pytest.mark.parametrize("args", [("summary", "--format", "json"),
                                  ("summary", "--place", "紫园社区", "--format", "json"),
                                  ("report", "monthly", "--month", "2024-06", "--format", "json"),
                                  ("report", "monthly", "--month", "2024-07", "--format", "json", "--team", "角落")],
                         ids=" ".join)
def test_the_demo_s_json_reports_from_the_warehouse_equal_the_ledger_s(demo, args):
    db, dw = demo
    ledger, warehouse = at(db, *args).stdout, at(db, *args, warehouse=dw).stdout
    assert unheaded_json(warehouse, head(db)) == unheaded_json(ledger, head(db))


@pytest.mark.parametrize("args", [("report", "roster", "--format", "tsv"),
                                  ("report", "roster", "--team", "银色助老", "--since", "2024-01-01", "-f", "csv"),
                                  ("report", "roster", "--since", "2024-06-01", "--until", "2024-06-30", "-f", "json")],
                         ids=" ".join)
def test_the_demo_s_roster_from_the_warehouse_equals_the_ledger_s(demo, args):
    """The roster's own SQL (ledger/roster.py, named parameters) runs on DuckDB unchanged."""
    db, dw = demo
    ledger, warehouse = at(db, *args).stdout, at(db, *args, warehouse=dw).stdout
    assert warehouse.replace("warehouse", head(db)) == ledger and len(ledger.splitlines()) > 20


@pytest.mark.parametrize("query", [
    "SELECT kind, count(*) AS n FROM issues WHERE void_reason IS NULL GROUP BY kind ORDER BY kind",
    "SELECT t.name, count(v.id) AS visits FROM teams t LEFT JOIN visits v ON v.team_id = t.id GROUP BY t.id, t.name"
    " ORDER BY t.id",
    "SELECT * FROM issue_events ORDER BY id LIMIT 20",
    "SELECT substr(date, 1, 7) AS month, sum(minutes) AS minutes FROM activities GROUP BY 1 ORDER BY 1",
])
def test_sql_on_the_warehouse_answers_as_the_ledger(demo, query):
    db, dw = demo
    assert at(db, "sql", query, warehouse=dw).stdout == at(db, "sql", query).stdout


def test_sql_on_the_warehouse_reads_no_other_file(demo):
    db, dw = demo
    for query in ("SELECT * FROM read_csv('/etc/passwd')", "COPY (SELECT 1) TO '/tmp/huidesk-x.csv'",
                  "SET enable_external_access = true"):
        result = run("--db", str(db), "--warehouse", str(dw), "sql", query)
        assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_dataset_is_hive_partitioned_with_its_schema(demo):
    db, dw = demo
    uid = sqlite3.connect(db).execute("SELECT value FROM _settings WHERE key = 'ledger_uid'").fetchone()[0]
    years = sorted(p.parent.name for p in (dw / "table=visits" / f"ledger={uid}").glob("year=*/part-0.parquet"))
    assert years and all(re.fullmatch(r"year=\d{4}", y) for y in years), years
    assert (dw / f"table=places/ledger={uid}/part-0.parquet").is_file()
    schema = json.loads((dw / "_schema.json").read_text(encoding="utf-8"))["tables"]
    issues = schema["issues"]["columns"]
    assert issues["kind"]["vocabulary"]["suggestion"] == ["意见建议", "suggestion"]
    assert issues["team_id"]["references"] == "teams" and issues["received_at"]["type"] == "TEXT"
    manifest = json.loads((dw / "_huidesk" / f"ledger={uid}.json").read_text(encoding="utf-8"))
    assert manifest["ledger"] == uid and manifest["pii"] == "pseudonymous" and manifest["head"] == head(db)
    table = pq.read_table(dw / "table=visits" / f"ledger={uid}" / years[0] / "part-0.parquet")
    assert table.column_names == [*schema["visits"]["columns"]]  # the ledger's columns and origin, no partitions


def test_running_it_again_writes_nothing(copied):
    db, dw = copied
    before = files(dw)
    result = at(db, "warehouse", str(dw))
    assert "已是最新" in result.stderr and "未写入" in result.stderr
    assert files(dw) == before


def test_a_journal_entry_that_changes_no_record_rewrites_no_partition(copied):
    """A bundle is journaled but changes no record: every partition is digested again, none rewritten."""
    db, dw = copied
    at(db, "setting", "set", "ledger_name", "平伏桥村")  # a ledger bundles under its name
    at(db, "warehouse", str(dw))
    before = files(dw)
    at(db, "bundle", "--output", str(dw.parent / "bundle.db"))
    at(db, "warehouse", str(dw))
    after = files(dw)
    assert {name for name in after if before.get(name) != after[name]} == {
        name for name in after if name.startswith("_huidesk/ledger=")}  # the manifest: its new head


def test_a_change_reads_and_rewrites_only_its_partitions(copied):
    """The journal since the dataset's head names the visit: its year's partitions of the visits, their
    residents and members and the facts kept of them are read from the ledger, and no other."""
    db, dw = copied
    before = files(dw)
    at(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-20")
    result = at(db, "--lang", "en", "warehouse", str(dw))
    after = files(dw)
    changed = {name for name in after if before.get(name) != after[name]}
    parts = {re.sub(r"ledger=\w+", "ledger=L", name) for name in changed}
    assert parts == {"table=visits/ledger=L/year=2024/part-0.parquet",
                     "table=visit_residents/ledger=L/year=2024/part-0.parquet",
                     "table=visit_homes/ledger=L/year=2024/part-0.parquet",
                     "table=visit_months/ledger=L/year=2024/part-0.parquet",
                     "table=visit_firsts/ledger=L/part-0.parquet",  # 丁学志: a household new to the team
                     "_huidesk/ledger=L.json"}, parts
    assert re.search(r"read 5 of \d+ partitions, 5 changed", result.stderr), result.stderr
    # again the next day: the households' first days are read again, and are as they were
    at(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-21")
    assert re.search(r"read 5 of \d+ partitions, 4 changed",
                     at(db, "--lang", "en", "warehouse", str(dw)).stderr)
    assert "table=visit_firsts/ledger=L/part-0.parquet" not in {
        re.sub(r"ledger=\w+", "ledger=L", name) for name, f in files(dw).items() if after.get(name) != f}
    ledger = at(db, "report", "monthly", "--month", "2024-06", "--format", "csv").stdout
    assert at(db, "report", "monthly", "--month", "2024-06", "--format", "csv", warehouse=dw).stdout == \
        ledger.replace(head(db), "warehouse")


def manifest(dw: Path) -> dict:
    return json.loads(next((dw / "_huidesk").glob("ledger=*.json")).read_text())


def test_each_incremental_run_equals_a_whole_run(copied, tmp_path):
    """After every kind of change, the partitions a run read because the journal named them, with the
    rest kept, are the ones a run into a new dataset writes: rows and digests alike."""
    db, dw = copied
    steps = [
        ("visit", "add", "丁学志", "--team", "橙色公益", "--date", "2023-02-01"),  # another year
        ("void", "visit", "1", "--reason", "重复录入"),
        ("undo",),  # the void undone: the visit restored (an update)
        ("issue", "open", "--kind", "意见建议", "--source", "上门", "--place", "平伏桥村", "--at", "2024-07-01 09:00",
         "路灯不亮"),
        ("issue", "reopen", "52", "--at", "2024-07-02 10:00", "--reason", "又坏了"),  # an event of a 2022 issue
        ("setting", "set", "resolve_limit_days", "3工作日"),  # every issue's limit counted again
        ("member", "edit", "王凤琴", "--phone", "13900000000"),
        ("activity", "add", "--team", "橙色公益", "--theme", "政策宣传", "--date", "2024-07-03", "--hours", "1",
         "--volunteers", "3"),
    ]
    for n, step in enumerate(steps):
        result = run("--db", str(db), *step)
        assert result.exit_code == 0, (step, result.stderr)
        at(db, "warehouse", str(dw))
        whole = tmp_path / f"whole-{n}"
        at(db, "warehouse", str(whole))
        assert manifest(dw)["partitions"] == manifest(whole)["partitions"], step
        assert manifest(dw)["head"] == head(db)


@pytest.mark.parametrize("entry", ["1000000000000000000000000000000", "-5", "\"7\"", "true", "1.5"])
def test_a_manifest_s_crafted_entry_makes_a_whole_run(copied, entry):
    """The journal entry a manifest says it was written at is read from a shared folder: one no ledger can
    hold (too big for SQLite, negative, not a whole number) makes the run read every partition, never
    refuse the ledger's runs from then on."""
    db, dw = copied
    path = next((dw / "_huidesk").glob("ledger=*.json"))
    path.write_text(re.sub(r'"entry": [^,\n]+', f'"entry": {entry}', path.read_text()))
    at(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-20")
    result = at(db, "--lang", "en", "warehouse", str(dw))
    assert re.search(r"read (\d+) of \1 partitions", result.stderr), result.stderr
    assert manifest(dw)["entry"] > 0


def test_reports_read_the_facts_the_dataset_keeps(copied):
    """The dataset carries the ledger's kept facts, and the reports read them rather than derive them:
    the facts as the ledger keeps them, and a dataset whose facts say otherwise is counted otherwise."""
    db, dw = copied
    query = ("SELECT issue_id, state, response, resolve, respond_within, resolve_within, estimated"
             " FROM _issue_facts ORDER BY issue_id")
    assert at(db, "sql", query, warehouse=dw).stdout == at(db, "sql", query).stdout
    months = "SELECT team_id, month, sum(visits) AS n FROM _visit_months GROUP BY 1, 2 ORDER BY 1, 2"
    assert at(db, "sql", months, warehouse=dw).stdout == at(db, "sql", months).stdout
    homes = "SELECT team_id, resident_id, date, visit_id FROM _visit_homes ORDER BY 1, 2, 3, 4"
    assert at(db, "sql", homes, warehouse=dw).stdout == at(db, "sql", homes).stdout
    summary = json.loads(at(db, "summary", "--format", "json", warehouse=dw).stdout)
    for part in (dw / "table=issue_facts").rglob("*.parquet"):  # every issue's facts say: not resolved
        data = pq.read_table(part)
        data = data.set_column(data.column_names.index("resolved_at"), "resolved_at",
                               pa.nulls(len(data), pa.string()))
        pq.write_table(data, part)
    told = json.loads(at(db, "summary", "--format", "json", warehouse=dw).stdout)
    assert told != summary


def test_a_void_after_a_report_s_moment_is_known_from_the_manifest(copied, monkeypatch):
    """Each partition of a record table names the latest moment one of its records was voided at, and a
    report as of an earlier moment reads it there (counting the voided record as live then) instead of
    reading every voided record of the dataset; a manifest that names none the views' way is not trusted
    with it."""
    db, dw = copied
    monkeypatch.setenv("HUIDESK_TODAY", "2024-07-08")
    at(db, "void", "visit", "1", "--reason", "重复录入")
    at(db, "warehouse", str(dw))
    voided = sqlite3.connect(db).execute("SELECT date, void_at FROM visits WHERE id = 1").fetchone()
    named = {rel: info["last_void"] for rel, info in manifest(dw)["partitions"].items() if "last_void" in info}
    assert {rel for rel, last in named.items() if last} == {
        rel for rel in named if rel.startswith("table=visits/") and f"/year={voided[0][:4]}/" in rel}
    assert max(filter(None, named.values())) == voided[1]
    assert not any(rel.startswith(("table=settings/", "table=issue_facts/")) for rel in named)
    earlier = ("--today", "2024-07-07", "summary", "--format", "json")
    before = unheaded_json(at(db, *earlier).stdout, head(db))
    assert unheaded_json(at(db, *earlier, warehouse=dw).stdout, "warehouse") == before
    assert before != unheaded_json(at(db, "summary", "--format", "json").stdout, head(db))  # the void counts
    path = next((dw / "_huidesk").glob("ledger=*.json"))
    told = json.loads(path.read_text(encoding="utf-8"))
    for info in told["partitions"].values():
        info.update({"last_void": None} if "last_void" in info else {})
    path.write_text(json.dumps(told), encoding="utf-8")  # a manifest saying nothing was ever voided
    visits = {f["key"]: f["value"] for f in json.loads(at(db, *earlier, warehouse=dw).stdout)["figures"]}["visits"]
    assert visits == {f["key"]: f["value"] for f in before["figures"]}["visits"] - 1  # visit 1 not counted
    for crafted in (5, ["x"], {"x": 1}):
        next(info for info in told["partitions"].values() if "last_void" in info)["last_void"] = crafted
        path.write_text(json.dumps(told), encoding="utf-8")  # not a moment: every voided record read
        assert unheaded_json(at(db, *earlier, warehouse=dw).stdout, "warehouse") == before


def test_a_voided_row_without_its_moment_names_no_latest_void(copied, tmp_path):
    """A row voided without a moment (void_at may be NULL in the schema) is not one voided after anything,
    as the reports' probe reads it: the run names the partition's latest void without it."""
    db, _ = copied
    at(db, "void", "visit", "2", "--reason", "重复录入")  # the same year's
    conn = sqlite3.connect(db)
    conn.execute("UPDATE visits SET void_reason = '重复', void_at = NULL WHERE id = 1")
    conn.commit()
    voided = conn.execute("SELECT void_at FROM visits WHERE id = 2").fetchone()[0]
    conn.close()
    at(db, "warehouse", str(tmp_path / "dw"))
    assert {info.get("last_void") for info in manifest(tmp_path / "dw")["partitions"].values()} - {None} == {voided}


def test_a_run_stopped_before_its_commit_leaves_the_old_dataset(copied, monkeypatch):
    db, dw = copied
    before = files(dw)
    at(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-21")
    monkeypatch.setenv("HUIDESK_FAULT", "warehouse-staged")
    result = run("--db", str(db), "warehouse", str(dw))
    assert result.exit_code != 0
    left = files(dw)
    assert {k: v for k, v in left.items() if not k.startswith(".staging")} == before  # what readers see
    old = at(db, "report", "monthly", "--month", "2024-06", "--format", "csv", warehouse=dw).stdout
    monkeypatch.delenv("HUIDESK_FAULT")
    at(db, "warehouse", str(dw))  # the next run forgets the staged files and writes the change
    assert not any(k.startswith(".staging") for k in files(dw))
    new = at(db, "report", "monthly", "--month", "2024-06", "--format", "csv", warehouse=dw).stdout
    assert new != old and new == at(db, "report", "monthly", "--month", "2024-06", "--format", "csv").stdout.replace(
        head(db), "warehouse")


def test_a_run_stopped_after_its_commit_is_finished_by_the_next(copied, monkeypatch):
    db, dw = copied
    at(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-22")
    monkeypatch.setenv("HUIDESK_FAULT", "warehouse-commit")
    assert run("--db", str(db), "warehouse", str(dw)).exit_code != 0
    refused = run("--db", str(db), "--warehouse", str(dw), "summary")  # half moved: readers wait for the end
    assert refused.exit_code == 1 and "huidesk warehouse" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    monkeypatch.delenv("HUIDESK_FAULT")
    at(db, "warehouse", str(dw))
    args = ("report", "monthly", "--month", "2024-06", "--format", "csv")
    assert at(db, *args, warehouse=dw).stdout == at(db, *args).stdout.replace(head(db), "warehouse")


def test_a_killed_run_leaves_the_old_dataset_or_the_new(copied, tmp_path):
    """The installed script, killed at moments through its run: readers see the old figures or the new."""
    import signal
    import time

    db, dw = copied
    script = Path(sys.executable).with_name("huidesk")
    args = ("report", "monthly", "--month", "2024-06", "--format", "csv")
    old = at(db, *args, warehouse=dw).stdout
    at(db, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-06-23")
    new = at(db, *args).stdout.replace(head(db), "warehouse")
    env = {**os.environ, "HUIDESK_DB": str(db)}
    for delay in (0.3, 0.6, 0.9):
        p = subprocess.Popen([str(script), "warehouse", str(dw)], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        seen = run("--db", str(db), "--warehouse", str(dw), *args)
        assert seen.stdout in (old, new) or "huidesk warehouse" in seen.stderr, seen.stderr
    at(db, "warehouse", str(dw))
    assert at(db, *args, warehouse=dw).stdout == new


def cells(dw: Path) -> set:
    """Every value of every Parquet file in the dataset."""
    found = set()
    for path in dw.rglob("*.parquet"):
        for column in pq.read_table(path).to_pydict().values():
            found.update(column)
    return found


def test_residents_are_pseudonymous_unless_pii_full(copied):
    db, dw = copied
    at(db, "resident", "add", "欧阳秀兰", "--place", "平伏桥村", "--phone", "13912345678", "--tag", "残疾",
       "--born", "1950", "--health-consent")
    at(db, "warehouse", str(dw))
    conn = sqlite3.connect(db)
    people = conn.execute("SELECT name, phone FROM residents WHERE length(name) >= 3 AND phone IS NOT NULL").fetchall()
    assert people
    values = cells(dw)
    assert not {p for _, p in people} & values
    assert not {n for n, _ in people} & values
    masked = {r[0] for r in conn.execute("SELECT name FROM residents")}
    assert not any(isinstance(v, str) and "disabled" == v for v in values)  # health tags withheld
    full = dw.parent / "full"
    at(db, "warehouse", str(full), "--pii", "full")
    values = cells(full)
    assert {p for _, p in people} <= values and masked <= values


def test_free_text_is_redacted_as_a_bundle_redacts_it(copied):
    """A pseudonymous dataset does not give the names back through free text: an issue's text, an event's
    note and a void reason naming a resident, a phone and an ID number are masked, as in a bundle."""
    db, dw = copied
    at(db, "resident", "add", "欧阳秀兰", "--place", "平伏桥村")
    issue = at(db, "issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "平伏桥村",
               "--at", "2024-07-01 09:00", "欧阳秀兰家漏水，电话13912345678").stdout.strip()
    at(db, "issue", "dispatch", issue, "--to", "平伏桥村村委会", "--at", "2024-07-01 10:00",
       "--note", "欧阳秀兰身份证640104195001011234")
    visit = at(db, "visit", "add", "欧阳秀兰", "--team", "橙色公益", "--date", "2024-07-02").stdout.strip()
    at(db, "void", "visit", visit, "--reason", "欧阳秀兰不在家")
    at(db, "warehouse", str(dw))
    text = " ".join(v for v in cells(dw) if isinstance(v, str))
    assert "欧阳秀兰" not in text and "13912345678" not in text and "640104195001011234" not in text
    assert "欧**兰家漏水" in text and "139****5678" in text and "不在家" in text, text[-400:]
    full = dw.parent / "full"
    at(db, "warehouse", str(full), "--pii", "full")
    assert "欧阳秀兰家漏水，电话13912345678" in cells(full)


def test_two_communities_in_one_dataset_equal_their_street_s_ledger(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIDESK_TODAY", "2024-07-08")
    z, q, street, dw = tmp_path / "紫园.db", tmp_path / "清水.db", tmp_path / "街道.db", tmp_path / "dw"
    community(z, ZIYUAN, ("王凤琴", "丁学志"), "13912345678")
    community(q, QINGSHUI, ("马兰花", "李增友"), "13987654321")
    ok("--db", str(street), "init", "--name", "黄河东路街道", "--place", STREET)
    ok("--db", str(street), "merge", str(bundle(z, tmp_path / "z.db")), str(bundle(q, tmp_path / "q.db")))
    at(z, "warehouse", str(dw))
    at(q, "warehouse", str(dw))

    def figures(*args: str, warehouse: Path | None = None) -> dict:
        data = json.loads(at(street, *args, "--format", "json", warehouse=warehouse).stdout)
        for key in ("chain_head", "sources", "by_source", "issues", "hot"):  # a dataset has no merge history
            data.pop(key, None)
        rows = data.get("by_team") or data.get("rows")
        for row in rows:
            row.pop("team_id", None)
            row.pop("chain_head", None)
        # each ledger numbers its teams; the dataset's order is by ledger (two communities' 未指定服务队 rows too)
        rows.sort(key=lambda r: (r["team"], r.get("community") or ""))
        data.get("total", {}).pop("chain_head", None)
        for place in data.get("communities") or ():  # the street's: by community, each its teams' sum
            place["tally"].pop("chain_head", None)
        (data.get("communities") or []).sort(key=lambda c: c["community"])
        return data

    cases = [("summary",), ("summary", "--place", ZIYUAN), ("report", "monthly", "--month", "2024-07")]
    for args in cases:
        assert figures(*args, warehouse=dw) == figures(*args), args
    # The street's own dataset says the same; written beside the communities', nothing is counted twice.
    alone = tmp_path / "street-dw"
    at(street, "warehouse", str(alone))
    at(street, "warehouse", str(dw))
    for args in cases:
        assert figures(*args, warehouse=alone) == figures(*args), args
        assert figures(*args, warehouse=dw) == figures(*args), args
    # One community's run still as format 3 wrote it (its households' first days in a folder by year), the
    # other's as format 4 (one file): each cron runs its own ledger, so a dataset holds both for a while.
    path = next(p for p in (dw / "_huidesk").glob("ledger=*.json") if p.name != "ledgers.json"
                and json.loads(p.read_text(encoding="utf-8"))["name"] == "紫园社区")
    old = json.loads(path.read_text(encoding="utf-8"))
    rel = next(r for r in old["partitions"] if r.startswith("table=visit_firsts/"))
    yearly = rel.replace("/part-0.parquet", "/year=2024/part-0.parquet")
    (dw / yearly).parent.mkdir()
    (dw / rel).rename(dw / yearly)
    old["partitions"][yearly] = old["partitions"].pop(rel)
    path.write_text(json.dumps({**old, "format_version": "3"}), encoding="utf-8")
    for args in cases:
        assert figures(*args, warehouse=dw) == figures(*args), args


def test_warehouse_refusals_are_one_line(demo, tmp_path):
    db, dw = demo
    for args, words in (
        (("--warehouse", str(dw), "visit", "list"), "--warehouse"),
        (("--warehouse", str(tmp_path / "nothing"), "summary"), "huidesk warehouse"),
        (("warehouse", str(db)), "DIR"),
    ):
        result = run("--db", str(db), *args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], lines


def _damaged(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "cut short":  # a copy into the shared folder stopped half-way
        path.write_bytes(bytes(data[:len(data) // 3]))
        return
    for i in range(8, len(data) // 2, 3):  # its pages' bytes turned over, its footer intact
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["cut short", "pages damaged"])
def test_a_damaged_file_of_the_dataset_is_said_in_one_line(copied, how):
    """DuckDB's failure on a damaged file, when the dataset opens or while a report reads it: one line that
    says so, exit 1 (it was an internal error, exit 70, with DuckDB's statement quoted)."""
    db, dw = copied
    _damaged(next(dw.glob("table=activities/ledger=*/year=2022/*.parquet")), how)
    for args in (("summary",), ("report", "monthly", "--month", "2022-06")):
        result = run("--db", str(db), "--warehouse", str(dw), "--today", "2024-07-08", *args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：数据仓库读取出错："), lines


def _plant(dw: Path, outside: Path, how: str) -> str:
    """A partition of the demo's dataset replaced as a hostile writer of a shared folder might; its path."""
    part = next(dw.glob("table=residents/ledger=*/part-0.parquet"))
    rel = str(part.relative_to(dw))
    if how == "a link out of the dataset":  # to a file of the reader's own: DuckDB followed it
        shutil.copyfile(part, outside / "private.parquet")
        part.unlink()
        part.symlink_to(outside / "private.parquet")
    elif how == "a folder linked":
        shutil.move(part.parent, outside / "moved")
        part.parent.symlink_to(outside / "moved")
    elif how == "a pipe":  # reading it waited for a writer for ever
        part.unlink()
        os.mkfifo(part)
    else:
        part.unlink()
    return rel


@pytest.mark.parametrize("how", ["a link out of the dataset", "a folder linked", "a pipe", "missing"])
def test_a_partition_that_is_not_a_regular_file_is_refused(copied, tmp_path, how):
    """The installed script (a pipe hung it: a street's cron for ever), with a time limit."""
    db, dw = copied
    outside = tmp_path / "outside"
    outside.mkdir()
    rel = _plant(dw, outside, how)
    script = str(Path(sys.executable).with_name("huidesk"))
    for args in (("summary",), ("sql", "SELECT count(*) AS n FROM residents")):
        done = subprocess.run([script, "--db", str(db), "--warehouse", str(dw), *args], capture_output=True,
                              text=True, timeout=60, env={**os.environ, "HUIDESK_TODAY": "2024-07-08"})
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and rel in lines[0] and "不是普通文件" in lines[0], lines
        assert done.stdout == ""


@pytest.mark.parametrize("how", ["a link out of the dataset", "a pipe"])
def test_the_ledger_s_next_run_writes_again_a_partition_replaced(copied, tmp_path, how):
    """It took one for in place (it existed) and said the dataset was up to date; the readers kept refusing."""
    db, dw = copied
    outside = tmp_path / "outside"
    outside.mkdir()
    rel = _plant(dw, outside, how)
    linked = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in outside.iterdir()}
    script = str(Path(sys.executable).with_name("huidesk"))
    done = subprocess.run([script, "--db", str(db), "warehouse", str(dw)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "1 个有变化" in done.stdout + done.stderr, done.stderr
    assert (dw / rel).is_file() and not (dw / rel).is_symlink()
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in outside.iterdir()} == linked  # not written through
    args = ("--today", "2024-07-08", "summary", "--format", "json")
    assert unheaded_json(at(db, *args, warehouse=dw).stdout, head(db)) == unheaded_json(at(db, *args).stdout, head(db))


@pytest.mark.parametrize("name", ["_huidesk/ledger=*.json", "_schema.json"])
def test_a_manifest_or_schema_that_is_a_pipe_is_refused(copied, name):
    db, dw = copied
    path = next(dw.glob(name))
    path.unlink()
    os.mkfifo(path)
    script = str(Path(sys.executable).with_name("huidesk"))
    done = subprocess.run([script, "--db", str(db), "--warehouse", str(dw), "summary"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("name, how, words", [
    ("_huidesk/ledger=*.json", "not JSON", "不是可读的清单"),  # it was an internal error (exit 70)
    ("_huidesk/ledger=*.json", "a pipe", "不是可读的清单"),  # the run waited for ever
    ("_huidesk/ledgers.json", "a pipe", "不是账本登记表"),  # the same, holding the registry's lock
    ("_huidesk/ledgers.json", "a link", "不是账本登记表"),  # it was read through
])
def test_a_run_over_a_damaged_manifest_or_registry_is_refused_and_changes_nothing(copied, tmp_path, name, how,
                                                                                  words):
    db, dw = copied
    path = next(dw.glob(name))
    text = path.read_text(encoding="utf-8")
    path.unlink()
    if how == "a pipe":
        os.mkfifo(path)
    elif how == "a link":
        (tmp_path / "elsewhere.json").write_text(text, encoding="utf-8")
        path.symlink_to(tmp_path / "elsewhere.json")
    else:
        path.write_text("{not json", encoding="utf-8")
    before = files(dw)
    script = str(Path(sys.executable).with_name("huidesk"))
    done = subprocess.run([script, "--db", str(db), "warehouse", str(dw)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and words in done.stderr
    assert files(dw) == before


def test_ctrl_c_during_a_statement_of_the_warehouse_is_an_interruption(demo):
    """DuckDB's Python client raises Ctrl-C during a statement as RuntimeError('Query interrupted') (seen by
    hand: SIGINT during a long statement): a report stopped so ended as an internal error, exit 70."""
    from huidesk.ledger.warehouse_read import Warehouse

    warehouse = Warehouse(demo[1])
    try:
        known = warehouse.explain(RuntimeError("Query interrupted"))
        assert type(known).__name__ == "Interrupted" and known.exit_code == 130
        assert warehouse.explain(RuntimeError("something else")) is None
    finally:
        warehouse.close()


@pytest.mark.parametrize("how", ["a pipe", "a link"])
def test_a_planted_schema_file_is_replaced_not_read_through(copied, tmp_path, how):
    """A run compares _schema.json with its own: a pipe there made it wait for ever, a link was read."""
    db, dw = copied
    path = dw / "_schema.json"
    text = path.read_text(encoding="utf-8")
    path.unlink()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}", encoding="utf-8")
    if how == "a pipe":
        os.mkfifo(path)
    else:
        path.symlink_to(elsewhere)
    script = str(Path(sys.executable).with_name("huidesk"))
    done = subprocess.run([script, "--db", str(db), "warehouse", str(dw)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert not path.is_symlink() and path.read_text(encoding="utf-8") == text
    assert elsewhere.read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("missing", ["duckdb", "pyarrow"])
def test_without_the_extra_it_says_how_to_get_it(demo, tmp_path, monkeypatch, missing):
    db, dw = demo
    for module in (missing, f"_{missing}", f"{missing}.parquet"):  # as if not installed: importing it fails
        monkeypatch.setitem(sys.modules, module, None)
    args = ("--warehouse", str(dw), "summary") if missing == "duckdb" else ("warehouse", str(tmp_path / "dw"))
    result = run("--db", str(db), *args)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"错误：需要仓库扩展（{missing}）：pip install 'huidesk[warehouse]'"]


def _spark_or_skip():
    pytest.importorskip("pyspark", reason="pyspark is not installed (optional: pip install pyspark)")
    if shutil.which("java") is None:
        pytest.skip("no Java on PATH for Spark")
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[1]").appName("huidesk-warehouse-test")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .config("spark.ui.enabled", "false").getOrCreate())


def test_spark_reads_the_dataset_with_the_same_monthly_figures(demo):
    """docs/warehouse.md's Spark recipe: the monthly tally in Spark SQL equals DuckDB's and SQLite's, and so
    do the kept facts Spark reads (issue_facts, visit_months)."""
    db, dw = demo
    spark = _spark_or_skip()
    try:
        _spark_tally(spark, db, dw)
    finally:
        spark.stop()


def _spark_tally(spark, db: Path, dw: Path) -> None:
    for table in ("activities", "visits", "issues", "issue_facts", "visit_months"):
        (spark.read.option("basePath", str(dw)).parquet(str(dw / f"table={table}"))
         .createOrReplaceTempView(table))
    # the facts the ledger keeps, as Spark reads them: each issue's state and times, each team's visits by month
    facts = ("SELECT kind, state, count(*) AS n, sum(response) AS response, sum(resolve) AS resolve,"
             " sum(resolve_within) AS resolve_within FROM {} WHERE live = 1 GROUP BY 1, 2 ORDER BY 1, 2")
    months = "SELECT month, sum(visits) AS visits FROM {} GROUP BY 1 ORDER BY 1"
    for query, kept in ((facts, "issue_facts"), (months, "visit_months")):
        by_spark = ["\t".join("" if v is None else str(v) for v in r) for r in spark.sql(query.format(kept)).collect()]
        assert by_spark == at(db, "sql", query.format(f"_{kept}")).stdout.splitlines()[1:], kept
        assert by_spark == at(db, "sql", query.format(f"_{kept}"), warehouse=dw).stdout.splitlines()[1:], kept
    tally = ("SELECT substr(date, 1, 7) AS month, count(*) AS activities, sum(minutes) AS minutes FROM activities"
             " WHERE void_reason IS NULL GROUP BY 1 ORDER BY 1")
    visits = "SELECT substr(date, 1, 7) AS month, count(*) AS visits FROM visits WHERE void_reason IS NULL" \
             " GROUP BY 1 ORDER BY 1"
    issues = ("SELECT substr(received_at, 1, 7) AS month, kind, count(*) AS received FROM issues"
              " WHERE void_reason IS NULL GROUP BY 1, 2 ORDER BY 1, 2")
    for query in (tally, visits, issues):
        by_spark = [tuple(r) for r in spark.sql(query).collect()]
        lines = at(db, "sql", query).stdout.splitlines()[1:]
        assert at(db, "sql", query, warehouse=dw).stdout.splitlines()[1:] == lines
        assert ["\t".join(str(v) for v in row) for row in by_spark] == lines
    # and the monthly report's totals of June, by Spark
    total = json.loads(at(db, "report", "monthly", "--month", "2024-06", "--format", "json").stdout)["total"]
    june = spark.sql("SELECT count(*) AS n, sum(minutes) AS m FROM activities WHERE void_reason IS NULL"
                     " AND date BETWEEN '2024-06-01' AND '2024-06-30'").collect()[0]
    assert (june["n"], june["m"]) == (total["activities"], total["volunteer_minutes"])
