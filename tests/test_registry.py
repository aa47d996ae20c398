import csv
import io
import json

from conftest import ok, rejected, run


def test_place_add_creates_the_chain_and_tree_draws_it(db):
    result = ok("place", "add", "银川市/金凤区/黄河东路街道/金地花园/D区3号楼")
    assert result.stdout == "5\n"
    assert "D区3号楼（楼栋）" in result.stderr
    ok("place", "add", "金凤区/满城北街街道/平伏桥村")  # anchors on the existing 银川市/金凤区
    assert ok("place", "tree").stdout == (
        "银川市（市）\n"
        "└── 金凤区（区）\n"
        "    ├── 满城北街街道（街道）\n"
        "    │   └── 平伏桥村（村）\n"
        "    └── 黄河东路街道（街道）\n"
        "        └── 金地花园（小区）\n"
        "            └── D区3号楼（楼栋）\n"
    )


def test_place_add_again_creates_nothing(db):
    ok("place", "add", "银川市/金凤区")
    before = ok("log", "--format", "json").stdout
    result = ok("place", "add", "银川市/金凤区")
    assert result.stdout == "2\n"
    assert "已存在" in result.stderr
    assert ok("log", "--format", "json").stdout == before


def test_place_level_can_be_given(db):
    ok("place", "add", "平伏桥村/金东豪庭", "--level", "小区")
    rows = json.loads(ok("place", "list", "--format", "json").stdout)
    assert [(r["path"], r["level"]) for r in rows] == [("平伏桥村", "community"), ("平伏桥村/金东豪庭", "compound")]


def test_place_list_under_a_place(db):
    ok("place", "add", "银川市/金凤区/黄河东路街道/金地花园")
    ok("place", "add", "银川市/兴庆区/玉皇阁北街/高台寺社区")
    rows = json.loads(ok("place", "list", "--place", "金凤区", "--format", "json").stdout)
    assert [r["path"] for r in rows] == [
        "银川市/金凤区", "银川市/金凤区/黄河东路街道", "银川市/金凤区/黄河东路街道/金地花园",
    ]


def test_the_article_teams_in_every_format(village):
    table = ok("team", "list", "--format", "table").stdout
    assert "“橙色公益”志愿服务队" in table and "服务队" in table and "橙色公益" in table
    rows = list(csv.DictReader(io.StringIO(ok("team", "list", "--format", "csv").stdout)))  # for people: words
    assert [r["类别"] for r in rows] == ["红色先锋", "橙色公益", "蓝色平安", "银色助老", "金色成长"]
    assert all(r["地点"] == "银川市/金凤区/满城北街街道/平伏桥村" for r in rows)
    english = list(csv.DictReader(io.StringIO(ok("--lang", "en", "team", "list", "--format", "csv").stdout)))
    assert [r["line"] for r in english][:2] == ["red pioneer", "orange charity"]
    data = json.loads(ok("team", "list", "--format", "json").stdout)  # for programs: slugs
    assert [d["line"] for d in data] == ["red_pioneer", "orange_charity", "blue_safety", "silver_elder", "gold_growth"]
    assert [d["members"] for d in data] == [0, 1, 0, 1, 1]
    lines = ok("team", "list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(x)["name"] for x in lines] == [d["name"] for d in data]
    tsv = ok("team", "list").stdout.splitlines()  # not a terminal: tsv
    assert tsv[0].split("\t")[:3] == ["编号", "服务队", "类别"] and len(tsv) == 6


def test_member_roles_teams_and_history(village):
    ok("member", "join", "王凤琴", "--team", "红色先锋", "--date", "2023-01-01")
    data = json.loads(ok("member", "list", "--format", "json").stdout)
    wang = data[0]
    assert wang["name"] == "王凤琴" and wang["roles"] == "party_member,volunteer"
    assert wang["teams"] == "“橙色公益”志愿服务队,“红色先锋”志愿服务队"
    assert wang["phone"] == "138****1111"
    assert json.loads(ok("member", "list", "--with-pii", "--format", "json").stdout)[0]["phone"] == "13800001111"
    party = json.loads(ok("member", "list", "--role", "党员", "--format", "json").stdout)
    assert [m["name"] for m in party] == ["王凤琴"]
    ok("member", "leave", "王凤琴", "--team", "红色先锋", "--date", "2024-01-01")
    history = json.loads(ok("member", "show", "王凤琴", "--format", "json").stdout)
    assert [(h["team"], h["left"]) for h in history] == [
        ("“橙色公益”志愿服务队", None),
        ("“红色先锋”志愿服务队", "2024-01-01"),
    ]
    in_red = json.loads(ok("member", "list", "--team", "红色先锋", "--format", "json").stdout)
    assert in_red == []


def test_team_show_lists_members(village):
    result = ok("team", "show", "银色助老", "--format", "csv")
    assert "在队：1 人" in result.stderr
    assert list(csv.DictReader(io.StringIO(result.stdout)))[0]["姓名"] == "王玉兰"


def test_team_with_leader_counts_the_leader(db):
    ok("place", "add", "银川市/兴庆区/玉皇阁北街/高台寺社区")
    ok("member", "add", "何玮")
    ok("team", "add", "“红色先锋”志愿服务队", "--place", "高台寺社区", "--leader", "何玮", "--founded", "2017-05-01")
    team = json.loads(ok("team", "list", "--format", "json").stdout)[0]
    assert (team["leader"], team["members"], team["founded"]) == ("何玮", 1, "2017-05-01")


def test_same_team_name_in_two_places_is_ambiguous_by_name(village):
    ok("place", "add", "银川市/兴庆区/玉皇阁北街/高台寺社区")
    ok("team", "add", "“红色先锋”志愿服务队", "--place", "高台寺社区")
    result = run("team", "show", "红色先锋")
    assert result.exit_code == 1
    assert "不唯一" in result.stderr and "#1" in result.stderr and "#6" in result.stderr
    assert "高台寺社区" in result.stderr
    ok("team", "show", "6")


def test_residents_are_masked_unless_asked(village):
    rows = json.loads(ok("resident", "list", "--format", "json").stdout)
    assert [(r["name"], r["phone"], r["tags"]) for r in rows] == [
        ("丁*志", None, "advanced_age"),
        ("李*友", "139****5678", "living_alone,advanced_age"),
    ]
    sheet = list(csv.DictReader(io.StringIO(ok("resident", "list", "--format", "csv").stdout)))
    assert [(r["姓名"], r["电话"], r["标签"]) for r in sheet] == [
        ("丁*志", "", "高龄"), ("李*友", "139****5678", "独居、高龄")]
    full = json.loads(ok("resident", "list", "--with-pii", "--format", "json").stdout)
    assert [r["name"] for r in full] == ["丁学志", "李增友"]
    assert full[0]["visit_every"] == 7 and full[0]["born"] == 1940
    alone = json.loads(ok("resident", "list", "--tag", "独居", "--format", "json").stdout)
    assert [r["id"] for r in alone] == [2]
    under = json.loads(ok("resident", "list", "--place", "48号楼", "--format", "json").stdout)
    assert [r["id"] for r in under] == [1]


def test_child_needs_guardian_consent_and_health_needs_its_own(village):
    result = run("resident", "add", "小花", "--place", "平伏桥村", "--born", "2016", "--tag", "困境儿童")
    assert result.exit_code == 1 and "--consent guardian" in result.stderr
    ok("resident", "add", "小花", "--place", "平伏桥村", "--born", "2016", "--tag", "困境儿童",
       "--consent", "监护人", "--guardian", "童奶奶")
    result = run("resident", "add", "丁生福", "--place", "平伏桥村", "--tag", "残疾")
    assert result.exit_code == 1 and "--health-consent" in result.stderr
    ok("resident", "add", "丁生福", "--place", "平伏桥村", "--tag", "残疾", "--health-consent")


def test_units_guess_their_kind(db):
    for name in ("黄河东路街道司法所", "黄河东路街道公用事业服务中心", "物业公司", "金地花园小区党支部"):
        ok("unit", "add", name)
    ok("unit", "add", "银川市中铁水务公司", "--kind", "企业")
    rows = json.loads(ok("unit", "list", "--format", "json").stdout)
    assert [r["kind"] for r in rows] == ["department", "department", "company", "organisation", "company"]


def test_english_output(village):
    result = ok("--lang", "en", "team", "list", "--format", "table")
    assert "orange charity" in result.stdout and "team" in result.stdout
    bad = run("--lang", "en", "team", "show", "不存在")
    assert bad.stderr.startswith("error: no team matches")


def test_empty_listing_prints_empty_json_array(db):
    assert ok("resident", "list", "--format", "json").stdout == "[]\n"
    assert ok("resident", "list", "--format", "csv").stdout.splitlines() == [
        "编号,姓名,地点,标签,出生年,电话,走访周期(天),最近走访,同意"]
    assert ok("--lang", "en", "resident", "list", "--format", "csv").stdout.splitlines() == [
        "id,name,place,tags,born,phone,visit every (days),last visit,consent"
    ]


def test_namesakes_are_refused_then_added_on_purpose_and_told_apart(db):
    """A second 王磊 is refused naming the first; with --allow-duplicate both exist, a bare 王磊 is
    ambiguous and says how to choose, and 王磊#ID picks one."""
    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼")
    ok("member", "add", "王磊")
    line = rejected(db, "member", "add", "王磊", mentions=("#1", "--allow-duplicate"))
    assert "同名队员" in line
    second = ok("member", "add", "王磊", "--allow-duplicate").stdout.strip()
    ok("team", "add", "橙色公益", "--place", "平伏桥村", "--founded", "2024-01-01")
    rejected(db, "member", "join", "王磊", "--team", "橙色公益", mentions=("不唯一", "名字#编号"))
    ok("member", "join", f"王磊#{second}", "--team", "橙色公益")
    rejected(db, "member", "join", "王磊#999", "--team", "橙色公益", mentions=("王磊#999",))
    ok("resident", "add", "丁学志", "--place", "48号楼")
    rejected(db, "resident", "add", "丁学志", "--place", "48号楼", mentions=("同名居民", "48号楼"))
    ok("resident", "add", "丁学志", "--place", "平伏桥村")  # another place: another person
