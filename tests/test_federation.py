"""Issue 14: communities bundle their ledgers, a street office merges them, and the figures add up."""

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import fingerprint, ok, run

STREET = "银川市/金凤区/黄河东路街道"
ZIYUAN = f"{STREET}/紫园社区"
QINGSHUI = f"{STREET}/清水社区"


def at(db: Path, *args: str, today: str | None = None):
    extra = ("--today", today) if today else ()
    return ok("--db", str(db), *extra, *args)


def refused(db: Path, *args: str, mentions: tuple[str, ...] = ()) -> str:
    """A command on `db` that must be refused: one line, exit 1, nothing written to `db`."""
    before = fingerprint(db)
    result = run("--db", str(db), *args)
    assert result.exit_code == 1, (args, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in mentions:
        assert word in lines[0], (word, lines[0])
    assert fingerprint(db) == before
    return lines[0]


def community(db: Path, path: str, people: tuple[str, str], phone: str) -> None:
    """A community ledger built through the CLI: places, a member, a team, residents, visits, an
    activity, issues along their life, a card — and a void and an undo."""
    name = path.rsplit("/", 1)[-1]
    at(db, "init", "--name", name, "--place", path)
    at(db, "place", "add", f"{path}/1号楼")
    at(db, "member", "add", people[0], "--role", "党员", "--phone", "13800001111", "--joined", "2023-01-01")
    at(db, "team", "add", f"{name}橙色公益志愿服务队", "--place", path, "--leader", people[0],
       "--founded", "2023-01-01")  # the leader joins the team
    at(db, "resident", "add", people[1], "--place", "1号楼", "--tag", "高龄", "--tag", "独居", "--born", "1940",
       "--phone", phone, "--every", "7d")
    at(db, "visit", "add", people[1], "--team", "橙色公益", "--member", people[0], "--date", "2024-07-01")
    at(db, "visit", "add", people[1], "--team", "橙色公益", "--member", people[0], "--date", "2024-07-02")
    at(db, "void", "visit", "2", "--reason", "重复录入")
    at(db, "activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--date", "2024-07-03", "--volunteers", "6",
       "--served", "40", "--hours", "2")
    at(db, "activity", "add", "--theme", "反诈宣传", "--team", "橙色公益", "--date", "2024-07-04", "--volunteers", "3")
    at(db, "undo")  # the second activity was a mistake
    at(db, "unit", "add", "物业公司", "--kind", "company")
    first = at(db, "issue", "open", "--kind", "民生问题", "--source", "电话", "--place", "1号楼",
               "--at", "2024-07-05 09:00", "下水管道堵塞").stdout.strip()
    at(db, "issue", "dispatch", first, "--to", "物业公司", "--at", "2024-07-05 09:05")
    at(db, "issue", "resolve", first, "--at", "2024-07-05 09:30")
    at(db, "issue", "callback", first, "--resolved", "是", "--satisfaction", "满意", "--at", "2024-07-05 10:00")
    at(db, "issue", "open", "--kind", "意见建议", "--source", "走访", "--place", path, "--at", "2024-07-06 10:00",
       "增设休息座椅")
    at(db, "card", "issue", "--resident", people[1], "--kind", "爱心理发卡", "--date", "2024-07-03")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("federation")
    dbs = {"ziyuan": folder / "紫园.db", "qingshui": folder / "清水.db", "street": folder / "街道.db"}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HUIDESK_TODAY", "2024-07-08")
        env.setenv("HUIDESK_USER", "tester")
        env.delenv("HUIDESK_LANG", raising=False)
        community(dbs["ziyuan"], ZIYUAN, ("王凤琴", "丁学志"), "13912345678")
        community(dbs["qingshui"], QINGSHUI, ("马兰花", "李增友"), "13987654321")
        at(dbs["street"], "init", "--name", "黄河东路街道", "--place", STREET)
        at(dbs["street"], "place", "add", STREET)
    return dbs


@pytest.fixture
def ledgers(built, tmp_path) -> dict[str, Path]:
    """Private copies of the two communities and the street (not yet merged)."""
    copies = {}
    for key, db in built.items():
        copies[key] = tmp_path / db.name
        shutil.copyfile(db, copies[key])
        os.chmod(copies[key], 0o600)
    return copies


def bundle(db: Path, out: Path, *args: str, today: str | None = None) -> Path:
    at(db, "bundle", "--output", str(out), *args, today=today)
    return out


def summary(db: Path, *args: str) -> dict:
    data = json.loads(at(db, "summary", *args, "--format", "json").stdout)
    for row in data["by_team"]:
        row.pop("team_id")  # each ledger numbers its own rows
    data.pop("chain_head")
    data.pop("sources", None)  # which ledgers it includes: the street's report names them, a community's does not
    data.pop("by_source", None)  # and its work by each (tested below)
    return data


def test_two_communities_merge_into_a_street_whose_figures_add_up(ledgers, tmp_path):
    street = ledgers["street"]
    z = bundle(ledgers["ziyuan"], tmp_path / "out" / "紫园-2024-07.db")
    q = bundle(ledgers["qingshui"], tmp_path / "out" / "清水-2024-07.db")
    result = at(street, "merge", str(z), str(q))
    assert "已合并" in result.stderr and "紫园社区" in result.stderr and "清水社区" in result.stderr
    for key, path in (("ziyuan", ZIYUAN), ("qingshui", QINGSHUI)):
        own = summary(ledgers[key], "--place", path)
        rolled_up = summary(street, "--place", path)
        assert rolled_up == own  # same records in, same words out
        assert own["narrative"].startswith("截至2024年7月8日")
        whole = summary(ledgers[key])  # the community's plain summary: the same figures
        assert whole["figures"] == own["figures"] and whole["kpi"] == own["kpi"]
    both = summary(street)
    assert {f["key"]: f["value"] for f in both["figures"]}["activities"] == 2  # one each; the undone one is void
    # The per-community table: each source's row is what its own ledger counts.
    rows = {r["name"]: r for r in json.loads(at(street, "summary", "--format", "json").stdout)["by_source"]}
    assert set(rows) == {"紫园社区", "清水社区"}
    for key, name in (("ziyuan", "紫园社区"), ("qingshui", "清水社区")):
        own = json.loads(at(ledgers[key], "summary", "--format", "json").stdout)
        figures = {f["key"]: f["value"] for f in own["figures"]}
        assert (rows[name]["activities"], rows[name]["visits"], rows[name]["issues_received"]) == (
            figures["activities"], figures["visits"], own["kpi"]["received"])
    assert "各来源账本" in at(street, "summary").stdout
    assert "账本完好" in at(street, "check").stdout
    log = at(street, "log", "--format", "json").stdout
    merges = [e for e in json.loads(log) if e["command"].startswith("merge ")]
    assert len(merges) == 2 and any("紫园社区" in e["command"] for e in merges)


def test_records_keep_uids_and_their_source_voids_arrive_as_voids(ledgers, tmp_path):
    street, z = ledgers["street"], ledgers["ziyuan"]
    at(street, "merge", str(bundle(z, tmp_path / "z1.db")))
    conn = sqlite3.connect(street)
    source_visits = sqlite3.connect(z).execute("SELECT uid, void_reason FROM visits ORDER BY id").fetchall()
    merged = conn.execute(
        "SELECT v.uid, v.void_reason FROM visits v JOIN _merged m ON m.tbl = 'visits' AND m.rid = v.id"
        " JOIN _sources s ON s.id = m.source_id WHERE s.name = '紫园社区' ORDER BY v.id").fetchall()
    assert merged == source_visits and merged[1][1] == "重复录入"
    # a void made after the first bundle travels in the next one, and is journaled here as a void
    at(z, "void", "activity", "1", "--reason", "日期记错")
    at(street, "merge", str(bundle(z, tmp_path / "z2.db")))
    ops = conn.execute("SELECT r.op FROM _journal_records r JOIN _journal j ON j.id = r.entry_id"
                       " WHERE j.id = (SELECT max(id) FROM _journal) AND r.tbl = 'activities'").fetchall()
    assert ops == [("void",)]
    assert summary(street, "--place", ZIYUAN) == summary(z, "--place", ZIYUAN)
    places = conn.execute("SELECT count(*) FROM places WHERE path = ?", (STREET,)).fetchone()[0]
    assert places == 1  # the street's own place and the community's ancestors are one place
    assert "账本完好" in at(street, "check").stdout


def test_merging_a_bundle_twice_adds_nothing_and_says_so(ledgers, tmp_path):
    street = ledgers["street"]
    z = bundle(ledgers["ziyuan"], tmp_path / "z.db")
    at(street, "merge", str(z))
    before = fingerprint(street)
    result = at(street, "merge", str(z))
    assert "已合并过，未增加任何内容" in result.stderr
    assert fingerprint(street) == before
    en = ok("--db", str(street), "--lang", "en", "merge", str(z))
    assert "merged before; nothing added" in en.stderr


def test_bundles_are_incremental_and_a_gap_names_the_missing_entries(ledgers, tmp_path):
    street, z = ledgers["street"], ledgers["ziyuan"]
    first = bundle(z, tmp_path / "1.db")
    at(z, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-07-07")
    second = bundle(z, tmp_path / "2.db")
    at(z, "activity", "add", "--theme", "环境卫生", "--team", "橙色公益", "--date", "2024-07-08", "--volunteers", "5")
    third = bundle(z, tmp_path / "3.db")
    manifests = [dict(sqlite3.connect(f).execute("SELECT key, value FROM manifest").fetchall())
                 for f in (first, second, third)]
    assert [int(m["first_entry"]) for m in manifests[1:]] == [int(m["last_entry"]) + 1 for m in manifests[:-1]]
    assert manifests[1]["head_before"] == manifests[0]["head_after"]
    at(street, "merge", str(first))
    gap = f"#{manifests[1]['first_entry']}–#{manifests[1]['last_entry']}"
    refused(street, "merge", str(third), mentions=("缺少日志" + gap,))
    at(street, "merge", str(third), str(second))  # given out of order: merged in the chain's order
    assert summary(street, "--place", ZIYUAN) == summary(z, "--place", ZIYUAN)


def test_a_fork_of_a_source_is_refused_as_such(ledgers, tmp_path):
    street, z = ledgers["street"], ledgers["ziyuan"]
    at(street, "merge", str(bundle(z, tmp_path / "1.db")))
    rebuilt = tmp_path / "rebuilt.db"  # a copy of the community ledger that goes its own way
    shutil.copyfile(z, rebuilt)
    at(z, "visit", "add", "丁学志", "--team", "橙色公益", "--date", "2024-07-07")
    at(street, "merge", str(bundle(z, tmp_path / "2.db")))
    at(rebuilt, "activity", "add", "--theme", "环境卫生", "--team", "橙色公益", "--volunteers", "5")
    fork = bundle(rebuilt, tmp_path / "fork.db")
    line = refused(street, "merge", str(fork), mentions=("分叉", "未合并"))
    assert "紫园社区" in line


_OTHER_START = "(CASE WHEN {0} LIKE 'ab%' THEN 'cd' ELSE 'ab' END || substr({0}, 3))"


@pytest.mark.parametrize("tamper, named", [
    ("UPDATE visits SET date = '2024-06-30' WHERE id = 1", "visits#1"),
    ("UPDATE journal SET command = 'visit add' WHERE id = 3", "日志#3"),
    ("DELETE FROM activities", "activities"),
    ("DELETE FROM journal WHERE id = 2", "不连续"),
    ("UPDATE residents SET phone = '13912345678'", "residents#1"),
    ("UPDATE members SET phone = '13800001111' WHERE id = 1", "members#1"),
    # the first two hex digits replaced by others (a head that began with "ab" was left as it was: 1 run in 256)
    (f"UPDATE manifest SET value = {_OTHER_START.format('value')} WHERE key = 'head_after'", "签名"),
    (f"UPDATE journal SET hash = {_OTHER_START.format('hash')} WHERE id = (SELECT max(id) FROM journal)", "哈希"),
])
def test_a_tampered_bundle_is_refused_and_nothing_is_written(ledgers, tmp_path, tamper, named):
    street = ledgers["street"]
    z = bundle(ledgers["ziyuan"], tmp_path / "z.db")
    conn = sqlite3.connect(z)
    conn.execute(tamper)
    conn.commit()
    conn.close()
    refused(street, "merge", str(z), mentions=("被改动", named))


def test_what_is_not_a_bundle_is_refused(ledgers, tmp_path):
    refused(ledgers["street"], "merge", str(ledgers["qingshui"]), mentions=("不是 huidesk 报送包",))
    refused(ledgers["street"], "merge", str(tmp_path / "nowhere.db"), mentions=("不存在",))
    (tmp_path / "folder.db").mkdir()  # it was "no bundle at" a folder or a pipe that is there
    os.mkfifo(tmp_path / "pipe.db")
    for there in ("folder.db", "pipe.db"):
        refused(ledgers["street"], "merge", str(tmp_path / there), mentions=("不是普通文件",))
    own = bundle(ledgers["street"], tmp_path / "own.db")
    refused(ledgers["street"], "merge", str(own), mentions=("本账本自己",))


def test_residents_travel_pseudonymous_unless_asked(ledgers, tmp_path):
    z = ledgers["ziyuan"]
    at(z, "resident", "add", "张小花", "--place", "1号楼", "--tag", "残疾", "--health-consent", "--born", "1950")
    out = bundle(z, tmp_path / "z.db")
    conn = sqlite3.connect(out)
    rows = conn.execute("SELECT name, phone, guardian, consent, visit_every, born, health_consent FROM residents"
                        " ORDER BY id").fetchall()
    assert rows == [("丁*志", None, None, None, None, 1940, 0), ("张*花", None, None, None, None, 1950, 0)]
    tags = {r[0] for r in conn.execute("SELECT tag FROM resident_tags")}
    assert tags == {"advanced_age", "living_alone"}  # a health tag stays home
    manifest = dict(conn.execute("SELECT key, value FROM manifest").fetchall())
    assert manifest["pii"] == "pseudonymous"
    assert {r[0] for r in conn.execute("SELECT phone FROM members")} == {None}  # volunteers' phones stay home
    # the health tag's row is listed as withheld, with no digest of it
    assert conn.execute("SELECT tbl, digest FROM row_digests WHERE digest IS NULL").fetchall() == [
        ("resident_tags", None)]
    conn.close()
    raw = out.read_bytes()
    for secret in ("丁学志", "张小花", "13912345678"):
        assert secret.encode() not in raw
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    street = ledgers["street"]
    at(street, "merge", str(out))
    assert sqlite3.connect(street).execute("SELECT name, phone FROM residents ORDER BY id").fetchall() == [
        ("丁*志", None), ("张*花", None)]
    assert "账本完好" in at(street, "check").stdout
    full = bundle(z, tmp_path / "full.db", "--all", "--pii", "full")
    assert sqlite3.connect(full).execute("SELECT name, phone FROM residents WHERE id = 1").fetchone() == (
        "丁学志", "13912345678")


def test_a_bundle_never_overwrites_a_file_without_force(ledgers, tmp_path):
    z = ledgers["ziyuan"]
    out = tmp_path / "z.db"
    out.write_text("keep me")
    refused(z, "bundle", "--output", str(out), mentions=(str(out),))
    assert out.read_text() == "keep me"
    at(z, "bundle", "--output", str(out), "--force")
    assert sqlite3.connect(out).execute("SELECT value FROM manifest WHERE key = 'source_name'").fetchone() == (
        "紫园社区",)


def test_sources_shows_each_source_and_who_has_not_reported(ledgers, tmp_path):
    street = ledgers["street"]
    z = bundle(ledgers["ziyuan"], tmp_path / "z.db", today="2024-07-08")
    q = bundle(ledgers["qingshui"], tmp_path / "q.db", today="2024-06-28")
    at(street, "merge", str(z), str(q))
    result = run("--db", str(street), "--today", "2024-07-10", "sources", "--format", "json")
    assert result.exit_code == 4  # cron's signal: someone has not reported
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"紫园社区", "清水社区"}
    assert rows["紫园社区"]["reported"] is True and rows["清水社区"]["reported"] is False
    assert rows["紫园社区"]["place"] == ZIYUAN and rows["紫园社区"]["records"] > 0
    assert rows["紫园社区"]["head"] == dict(sqlite3.connect(z).execute(
        "SELECT key, value FROM manifest").fetchall())["head_after"]
    assert "本月（2024-07）尚未报送：清水社区" in result.stderr
    table = run("--db", str(street), "--today", "2024-07-10", "sources")
    assert "清水社区" in table.stdout and table.exit_code == 4
    quiet = run("--db", str(street), "--today", "2024-07-10", "-q", "sources")
    assert quiet.exit_code == 4 and quiet.stderr.strip() == "错误：本月（2024-07）尚未报送：清水社区"



def test_a_ledger_knows_who_it_is(ledgers):
    z = ledgers["ziyuan"]
    assert "账本：紫园社区（银川市/金凤区/黄河东路街道/紫园社区），标识 " in at(z, "check").stdout
    at(z, "setting", "set", "ledger_name", "紫园")
    assert "ledger: 紫园 (" in ok("--db", str(z), "--lang", "en", "check").stdout
    refused(z, "setting", "set", "ledger_place", "a//b", mentions=("VALUE",))


def test_a_merge_cannot_be_undone(ledgers, tmp_path):
    street = ledgers["street"]
    at(street, "merge", str(bundle(ledgers["ziyuan"], tmp_path / "z.db")))
    refused(street, "undo", mentions=("合并了报送包",))


def sent(bundle_file: Path) -> dict[str, str]:
    """A bundle's manifest."""
    conn = sqlite3.connect(bundle_file)
    try:
        return dict(conn.execute("SELECT key, value FROM manifest").fetchall())
    finally:
        conn.close()


def head_of(db: Path) -> tuple[int, str]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()


def test_reports_say_which_sources_they_include_and_up_to_when(ledgers, tmp_path):
    street = ledgers["street"]
    z = bundle(ledgers["ziyuan"], tmp_path / "out" / "紫园-2024-07.db", today="2024-07-31")
    q = bundle(ledgers["qingshui"], tmp_path / "out" / "清水-2024-07.db", today="2024-08-01")
    # what each bundle sent: its last entry, and the head of its chain (a pseudonymous bundle's own)
    heads = {name: (int(sent(f)["last_entry"]), sent(f)["head_after"])
             for name, f in (("紫园社区", z), ("清水社区", q))}
    before = {args: at(street, *args).stdout for args in (("summary",), ("report", "monthly", "--month", "2024-07",
                                                                         "--format", "json"))}
    assert "来源账本" not in before[("summary",)] and '"sources"' not in before[("report", "monthly", "--month",
                                                                                   "2024-07", "--format", "json")]
    at(street, "merge", str(z), str(q))
    expected = {name: {"name": name, "place": path, "last_entry": heads[name][0], "head": heads[name][1]}
                for name, path in (("紫园社区", ZIYUAN), ("清水社区", QINGSHUI))}

    def named(found: list[dict]) -> dict[str, dict]:
        return {src["name"]: src for src in found}

    data = json.loads(at(street, "summary", "--format", "json").stdout)
    monthly = json.loads(at(street, "report", "monthly", "--month", "2024-07", "--format", "json").stdout)
    for found in (data["sources"], monthly["sources"]):
        assert set(named(found)) == {"紫园社区", "清水社区"}
        for name, src in named(found).items():
            assert {k: src[k] for k in expected[name]} == expected[name]
            assert len(src["uid"]) == 32
        assert named(found)["紫园社区"]["made_at"].startswith("2024-07-31")
        assert named(found)["清水社区"]["made_at"].startswith("2024-08-01")
    # a scope names only the sources it covers
    one = json.loads(at(street, "summary", "--place", ZIYUAN, "--format", "json").stdout)
    assert [src["name"] for src in one["sources"]] == ["紫园社区"]
    team = json.loads(at(street, "summary", "--team", "清水社区橙色公益", "--format", "json").stdout)
    assert [src["name"] for src in team["sources"]] == ["清水社区"]

    # the table: a line under the figures, in Chinese by default and in English with --lang en
    zh = at(street, "summary").stdout.splitlines()
    assert zh[1].startswith("含 2 个来源账本：")
    for name, (entry, head) in heads.items():
        assert f"{name}（至日志#{entry}，链头 {head[:12]}" in zh[1]
    assert "2024-07-31" in zh[1] and "2024-08-01" in zh[1]
    en = at(street, "--lang", "en", "summary").stdout.splitlines()
    assert en[1].startswith("Includes 2 source ledgers: ")
    for name, (entry, head) in heads.items():
        assert f"{name} (up to entry {entry}, head {head[:12]}, bundled " in en[1]
    table = at(street, "report", "monthly", "--month", "2024-07", "--format", "table").stdout
    assert "含 2 个来源账本：" in table and f"至日志#{heads['紫园社区'][0]}" in table
    line = next(ln for ln in table.splitlines() if ln.startswith("含 2 个来源账本"))
    assert table.index("响应率") < table.index(line) < table.index("账本链头")
    en_table = at(street, "--lang", "en", "report", "monthly", "--month", "2024-07", "--format", "table").stdout
    assert "Includes 2 source ledgers: " in en_table and "清水社区 (up to entry" in en_table
    # a community's own reports name no sources
    own = at(ledgers["ziyuan"], "summary").stdout
    assert "来源账本" not in own
    assert "sources" not in json.loads(at(ledgers["ziyuan"], "summary", "--format", "json").stdout)



def test_a_pseudonymous_bundle_never_erases_what_the_street_was_given(ledgers, tmp_path):
    """A volunteer's phone stays home in a pseudonymous bundle; a street office that was once given it (a
    `--pii full` bundle) keeps it when a later pseudonymous bundle brings an edit of that volunteer."""
    z, street = ledgers["ziyuan"], ledgers["street"]
    at(street, "merge", str(bundle(z, tmp_path / "full.db", "--pii", "full")))
    phones = "SELECT name, phone, reg_no FROM members WHERE phone IS NOT NULL"
    given = sqlite3.connect(street).execute(phones).fetchall()
    assert given and all(reg is None for _, _, reg in given)
    name = given[0][0]
    at(z, "member", "edit", name, "--reg-no", "64010620230101001")
    later = bundle(z, tmp_path / "later.db")
    assert sqlite3.connect(later).execute("SELECT phone, reg_no FROM members").fetchall() == [
        (None, "64010620230101001")]
    at(street, "merge", str(later))
    assert sqlite3.connect(street).execute(phones).fetchall() == [
        (name, given[0][1], "64010620230101001"), *given[1:]]
    assert "账本完好" in at(street, "check").stdout


def test_the_streets_filed_sheet_names_its_sources(ledgers, tmp_path):
    from openpyxl import load_workbook

    street = ledgers["street"]
    for key in ("ziyuan", "qingshui"):
        at(street, "merge", str(bundle(ledgers[key], tmp_path / f"{key}.db")))
    out = tmp_path / "2024-07.xlsx"
    at(street, "report", "monthly", "--month", "2024-07", "--output", str(out))
    notes = load_workbook(out)["填报说明"]
    found = {row[0].value: row[1].value for row in notes.iter_rows(min_row=3) if row[0].value}
    lines = found["来源账本"].split("\n")
    assert len(lines) == 2 and {line.split("：")[0] for line in lines} == {"紫园社区", "清水社区"}
    assert all("至日志#" in line and "报送" in line for line in lines)


def test_a_district_merges_its_streets_as_a_street_merges_its_communities(ledgers, tmp_path):
    """The same again one level up: the street's bundle carries what it merged, and the district's
    figures for the street equal the street's own; a second street month adds only what is new."""
    street = ledgers["street"]
    for key in ("ziyuan", "qingshui"):
        at(street, "merge", str(bundle(ledgers[key], tmp_path / f"{key}.db")))
    district = tmp_path / "金凤区.db"
    at(district, "init", "--name", "金凤区", "--place", "银川市/金凤区")
    at(district, "merge", str(bundle(street, tmp_path / "street-1.db")))
    assert summary(district)["figures"] == summary(street)["figures"]
    assert summary(district, "--place", ZIYUAN) == summary(ledgers["ziyuan"], "--place", ZIYUAN)
    at(ledgers["ziyuan"], "activity", "add", "--theme", "环境卫生", "--team", "橙色公益", "--date", "2024-07-08",
       "--volunteers", "4")
    at(street, "merge", str(bundle(ledgers["ziyuan"], tmp_path / "ziyuan-2.db")))
    at(district, "merge", str(bundle(street, tmp_path / "street-2.db")))
    assert summary(district)["figures"] == summary(street)["figures"]
    sources = json.loads(at(district, "sources", "--format", "json").stdout)
    assert [s["name"] for s in sources] == ["黄河东路街道"] and sources[0]["bundles"] == 2
    assert "账本完好" in at(district, "check").stdout


def test_a_resident_added_to_a_visit_merged_before_is_a_household_at_the_street(ledgers, tmp_path):
    """A link row of a record merged in an earlier bundle is looked up and written by the next bundle,
    and the street keeps its household (made once after the merge's visit residents, not by their
    trigger)."""
    from huidesk.ledger.store import Store

    street, z = ledgers["street"], ledgers["ziyuan"]
    at(street, "merge", str(bundle(z, tmp_path / "z-1.db")))
    at(z, "resident", "add", "丁学兰", "--place", "1号楼", "--born", "1942")
    store = Store.open(z, "tester")
    try:
        (vid,) = store.read.one("SELECT id FROM visits WHERE void_reason IS NULL ORDER BY id LIMIT 1")
        resident = store.read.value("SELECT id FROM residents WHERE name = '丁学兰'")
        with store.write("visit resident added") as tx:  # (no command adds one: the source's ledger API does)
            tx.link("visit_residents", "visit_id", vid, "resident_id", [resident])
        visit = store.read.value("SELECT uid FROM visits WHERE id = ?", (vid,))
        uid = store.read.value("SELECT uid FROM residents WHERE id = ?", (resident,))
    finally:
        store.close()
    at(street, "merge", str(bundle(z, tmp_path / "z-2.db")))
    conn = sqlite3.connect(street)
    homes = ("SELECT count(*) FROM _visit_homes h JOIN visits v ON v.id = h.visit_id JOIN residents r"
             " ON r.id = h.resident_id WHERE v.uid = ? AND r.uid = ?")
    assert conn.execute(homes, (visit, uid)).fetchone() == (1,)
    links = "SELECT count(*) FROM visit_residents vr JOIN visits v ON v.id = vr.visit_id WHERE v.uid = ?"
    assert conn.execute(links, (visit,)).fetchone() == (2,)
    conn.close()
    assert "账本完好" in at(street, "check").stdout


def test_an_issue_merged_before_keeps_its_facts_when_its_next_event_arrives(ledgers, tmp_path):
    """The kept facts of issues a merge inserts, and of issues it gives new events, are made once after
    the issues' events are written (not by their insert triggers): an issue merged in one bundle and
    dispatched in the next has the same kept state at the street as in its community."""
    street, z = ledgers["street"], ledgers["ziyuan"]
    at(street, "merge", str(bundle(z, tmp_path / "z-1.db")))
    conn = sqlite3.connect(z)
    uid, rid = conn.execute("SELECT uid, id FROM issues WHERE text = '增设休息座椅'").fetchone()
    conn.close()
    at(z, "issue", "dispatch", str(rid), "--to", "物业公司", "--at", "2024-07-06 10:05")
    at(street, "merge", str(bundle(z, tmp_path / "z-2.db")))
    state = "SELECT f.state, f.last_at FROM _issue_facts f JOIN issues i ON i.id = f.issue_id WHERE i.uid = ?"
    here, there = sqlite3.connect(z), sqlite3.connect(street)
    kept = ("dispatched", "2024-07-06T10:05:00+08:00")
    assert there.execute(state, (uid,)).fetchone() == here.execute(state, (uid,)).fetchone() == kept
    here.close()
    there.close()
    assert "账本完好" in at(street, "check").stdout
