"""A realistic large ledger for benchmarks: one district, its communities and teams, years of work.

    python bench/generate.py bench/out/district.db                    # 20 communities x 5 teams, 5 years
    python bench/generate.py bench/out/small.db --communities 2 --years 1
    python bench/generate.py bench/out/c3.db --communities 1 --first 3 --seed 3 --years 1   # one community
    python bench/generate.py bench/out/roster.db --roster-only        # places, units, teams, members, residents
    python bench/generate.py --jsonl bench/out/visits.jsonl --rows 1000000   # visits to import into the roster

The ledger is written through the store's journaled Tx API (`Tx.holding`: every row journaled with
its digest, ids assigned inside the write lock, executemany in batches), one transaction per table
and year, each journaled as the command whose writes it has the shape of (the roster as `demo`, a year
of visits as `import visits`: huidesk.ledger.shapes), so `huidesk check` passes on it. Everything is
drawn from one seeded random generator: the same arguments give the same records (only the journal's
times and hashes differ).

At the default size (about 1.08 million records in visits, activities, issues and issue events,
plus their link rows) the journal holds about 3 million record rows and the file is about 1.5 GB.
"""

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from huidesk.ledger.store import Store  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "秀英玉兰桂芳凤琴建国志强丽华春梅海燕俊杰文斌晓东红霞淑珍国庆立新永刚学军明亮慧敏雪梅金花德胜福贵宝山"
STREETS = ("黄河东路街道", "满城北街街道", "长城中路街道", "良田镇")
COMMUNITY_NAMES = (
    "金地", "银啤苑", "安怡", "宝湖", "康居", "长城", "枫林", "紫园", "阅海", "正丰", "贺兰山", "湖畔", "良田",
    "新华", "润丰", "八里桥", "丰登", "红星", "平伏桥", "悦湖", "银湖", "满春", "金海", "上前城",
)
COLOURS = {  # the five lines of the article, with the themes each team runs most
    "红色先锋": ("red_pioneer", ("policy_outreach", "civility", "deliberation")),
    "橙色公益": ("orange_charity", ("sanitation", "mutual_aid", "customs_reform")),
    "蓝色平安": ("blue_safety", ("safety_inspection", "anti_fraud", "legal_aid")),
    "银色助老": ("silver_elder", ("haircut", "elder_care")),
    "金色成长": ("gold_growth", ("child_care", "other")),
}
PURPOSES = (
    "看望高龄老人，了解身体和生活情况", "看望独居老人，提醒防暑和用火用电安全", "节日慰问", "了解家庭困难情况",
    "政策宣传，讲解医保缴费", "反诈宣传入户", "回访上次反映的问题", "关爱困境儿童，辅导作业", "送医送药上门",
    "帮助打扫卫生", "核实低保信息", None,
)
GIFTS = (None, None, "慰问品", "米、面、油", "牛奶", "月饼", "书包和文具", "防暑降温用品", "慰问金")
NOTES = (None,) * 8 + ("叮嘱老人有困难随时联系", "把网格员电话存进老人手机", "需联系家属", "身体状况良好")
TITLES = (None, None, None, "新型诈骗手段宣讲", "爱心理发进小区", "邻里节", "文明楼栋评选", "暑期托管", "垃圾分类宣传")
ISSUE_TEXTS = {
    "suggestion": ("增设休息长廊座椅", "规范电动车停放", "增加垃圾分类宣传", "开设老年食堂", "修缮文化广场"),
    "livelihood": ("屋顶漏雨", "楼道灯不亮", "自来水压力低", "暖气不热", "家中下水管道堵塞", "老人买药送药"),
    "safety_hazard": ("电线私拉乱接", "消防栓损坏", "危墙", "消防通道被占用", "下水井盖破损"),
    "risk": ("疑似传销聚集", "独居老人连续多日未出门", "群租房安全隐患", "涉众金融风险"),
    "dispute": ("邻里漏水纠纷", "物业费纠纷", "装修噪音纠纷", "家庭矛盾", "停车位纠纷"),
    "non_police": ("噪音扰民", "宠物扰邻", "楼道堆物", "高空抛物劝导", "停车纠纷协调"),
    "infrastructure": ("路灯损坏", "道路破损", "排水沟堵塞", "健身器材损坏", "围墙破损"),
}
KIND_WEIGHTS = {"suggestion": 20, "livelihood": 30, "safety_hazard": 12, "risk": 3, "dispute": 10,
                "non_police": 15, "infrastructure": 10}
SOURCES = ("patrol", "visit", "hotline", "12345", "platform", "walk_in", "phone")
TZ = "+08:00"


class District:
    """Generates the district's records into an open write transaction (or a JSONL file)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.start = dt.date(args.until.year - args.years + 1, 1, 1)
        self.until = args.until
        self.names: set[str] = set()
        # Filled by the roster: ids (in a ledger) and names (for a JSONL file).
        self.communities: list[dict] = []  # {id, name, path, buildings: [ids], compounds: [ids]}
        self.teams: list[dict] = []  # {id, name, colour, community: index, members: [(id, name)]}
        self.residents: list[list[tuple[int, str]]] = []  # per community: (id, name)
        self.units: dict[str, list[int]] = {}  # street name -> unit ids; "district" -> shared ones

    def uid(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def name(self) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2, 2, 2))))
            if n not in self.names:
                self.names.add(n)
                return n

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    # --- the roster: places, units, teams, members, residents ---

    def roster(self, tx) -> None:
        a, rng = self.args, self.rng
        ins = tx.insert
        city = ins("places", {"uid": self.uid(), "parent_id": None, "name": "银川市", "level": "city",
                              "path": "银川市"})
        district = ins("places", {"uid": self.uid(), "parent_id": city, "name": "金凤区", "level": "district",
                                  "path": "银川市/金凤区"})
        shared = [ins("units", {"uid": self.uid(), "name": n, "kind": k, "place_id": district}) for n, k in (
            ("金凤区住建局", "department"), ("银川市中铁水务公司", "company"), ("金凤区供电公司", "company"),
            ("金凤区城管局", "department"))]
        self.units["district"] = shared
        for c in range(a.first, a.first + a.communities):
            street_name = STREETS[c % len(STREETS)]
            street_path = f"银川市/金凤区/{street_name}"
            if street_name not in self.units:
                street = ins("places", {"uid": self.uid(), "parent_id": district, "name": street_name,
                                        "level": "street", "path": street_path})
                self.units[street_name] = [
                    ins("units", {"uid": self.uid(), "name": f"{street_name}{n}", "kind": "department",
                                  "place_id": street})
                    for n in ("综治中心", "公用事业服务中心", "司法所", "派出所")]
                self.units[street_name + "/id"] = [street]
            street = self.units[street_name + "/id"][0]
            base = COMMUNITY_NAMES[c % len(COMMUNITY_NAMES)] + ("" if c < len(COMMUNITY_NAMES) else str(c))
            cname = base + ("村" if c % 7 == 6 else "社区")
            cpath = f"{street_path}/{cname}"
            cid = ins("places", {"uid": self.uid(), "parent_id": street, "name": cname, "level": "community",
                                 "path": cpath})
            community = {"id": cid, "name": cname, "path": cpath, "compounds": [], "buildings": [],
                         "street": street_name}
            self.units.setdefault(cname, []).append(
                ins("units", {"uid": self.uid(), "name": f"{base}物业公司", "kind": "company", "place_id": cid}))
            for k in range(a.compounds):
                comp_name = f"{base}{k + 1}区"
                comp = ins("places", {"uid": self.uid(), "parent_id": cid, "name": comp_name, "level": "compound",
                                      "path": f"{cpath}/{comp_name}"})
                community["compounds"].append(comp)
                for b in range(a.buildings):
                    community["buildings"].append(ins("places", {
                        "uid": self.uid(), "parent_id": comp, "name": f"{b + 1}号楼", "level": "building",
                        "path": f"{cpath}/{comp_name}/{b + 1}号楼"}))
            self.communities.append(community)
            for colour, (line, _) in COLOURS.items():
                if len([t for t in self.teams if t["community"] == c]) >= a.teams:
                    break
                founded = self.day(dt.date(2018, 1, 1), self.start).isoformat()
                tid = ins("teams", {"uid": self.uid(), "name": f"{cname}“{colour}”志愿服务队", "place_id": cid,
                                    "line": line, "leader_id": None, "founded": founded})
                team = {"id": tid, "name": f"{cname}“{colour}”志愿服务队", "colour": colour, "community": c - a.first,
                        "members": []}
                for m in range(a.members):
                    name = self.name()
                    joined = founded if m < 5 else self.day(dt.date.fromisoformat(founded), self.until).isoformat()
                    mid = ins("members", {"uid": self.uid(), "name": name,
                                          "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                                          "joined": joined})
                    roles = rng.choice((("party_member", "volunteer"), ("volunteer",), ("volunteer",),
                                        ("cadre", "party_member"), ("grid_worker",), ("building_head", "volunteer")))
                    for role in roles:
                        ins("member_roles", {"member_id": mid, "role": role})
                    left = None
                    if m >= 5 and rng.random() < 0.1:
                        left = self.day(dt.date.fromisoformat(joined), self.until).isoformat()
                    ins("memberships", {"uid": self.uid(), "team_id": tid, "member_id": mid, "joined": joined,
                                        "left": left})
                    team["members"].append((mid, name))
                tx.update("teams", tid, {"leader_id": team["members"][0][0]})
                self.teams.append(team)
            people = []
            this_year = self.until.year
            for _ in range(a.residents):
                name = self.name()
                born = rng.choice((rng.randrange(1928, 1960), rng.randrange(1928, 1960), rng.randrange(1960, 2000),
                                   rng.randrange(2008, 2020)))
                tags = []
                if this_year - born >= 80:
                    tags.append("advanced_age")
                if born < 1960 and rng.random() < 0.3:
                    tags.append(rng.choice(("living_alone", "empty_nest")))
                if rng.random() < 0.05:
                    tags.append("low_income")
                if this_year - born < 14 and rng.random() < 0.1:
                    tags.append("child_in_difficulty")
                disabled = rng.random() < 0.03
                if disabled:
                    tags.append("disabled")
                child = this_year - born < 14
                rid = ins("residents", {
                    "uid": self.uid(), "name": name, "place_id": rng.choice(community["buildings"]), "born": born,
                    "phone": None if child else f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    "visit_every": (rng.choice((7, 14, 30)) if "advanced_age" in tags or "living_alone" in tags
                                    else None),
                    "consent": "guardian" if child else "self", "guardian": self.name() if child else None,
                    "health_consent": int(disabled)})
                for tag in tags:
                    ins("resident_tags", {"resident_id": rid, "tag": tag})
                people.append((rid, name))
            self.residents.append(people)

    # --- the work: visits, activities, issues with their events ---

    def days(self, year: int) -> Iterator[dt.date]:
        d = max(dt.date(year, 1, 1), self.start)
        while d <= min(dt.date(year, 12, 31), self.until):
            yield d
            d += dt.timedelta(days=1)

    def per_day(self, per_year: float, d: dt.date) -> int:
        """How many records of a yearly volume fall on day `d` (fewer at weekends)."""
        mean = per_year * self.args.scale / 365 * (0.4 if d.weekday() >= 5 else 1.24)
        n = int(mean)
        return n + (self.rng.random() < mean - n)

    def visit(self, team: dict, d: dt.date) -> tuple[dict, list[tuple[int, str]], list[tuple[int, str]]]:
        rng = self.rng
        people = self.residents[team["community"]]
        visited = [rng.choice(people) for _ in range(1 if rng.random() < 0.85 else 2)]
        crew = rng.sample(team["members"], rng.choice((1, 1, 1, 1, 1, 2, 2, 2, 2, 3)))
        row = {"uid": self.uid(), "team_id": team["id"], "date": d.isoformat(), "purpose": rng.choice(PURPOSES),
               "gifts": rng.choice(GIFTS), "note": rng.choice(NOTES), "follow_up": int(rng.random() < 0.05)}
        return row, list(dict.fromkeys(visited)), crew

    def visits(self, tx, year: int) -> int:
        n = 0
        with tx.holding():
            for d in self.days(year):
                for team in self.teams:
                    for _ in range(self.per_day(self.args.visits, d)):
                        row, visited, crew = self.visit(team, d)
                        vid = tx.insert("visits", row)
                        for rid, _ in visited:
                            tx.insert("visit_residents", {"visit_id": vid, "resident_id": rid})
                        for mid, _ in crew:
                            tx.insert("visit_members", {"visit_id": vid, "member_id": mid})
                        n += 1
                if tx.held > 20_000:
                    tx.flush()
        return n

    def activities(self, tx, year: int) -> int:
        rng, n = self.rng, 0
        with tx.holding():
            for d in self.days(year):
                for team in self.teams:
                    for _ in range(self.per_day(self.args.activities, d)):
                        community = self.communities[team["community"]]
                        crew = rng.sample(team["members"], min(len(team["members"]), rng.randrange(3, 11)))
                        each = rng.choice((60, 90, 120, 180))
                        volunteers = len(crew) + rng.randrange(0, 4)  # some volunteers are not members
                        aid = tx.insert("activities", {
                            "uid": self.uid(), "team_id": team["id"], "theme": rng.choice(COLOURS[team["colour"]][1]),
                            "date": d.isoformat(), "place_id": rng.choice([community["id"], *community["compounds"]]),
                            "title": rng.choice(TITLES), "volunteers": volunteers,
                            "served": rng.randrange(5, 120), "minutes": each * volunteers})
                        for mid, _ in crew:
                            tx.insert("activity_members", {"activity_id": aid, "member_id": mid, "minutes": each})
                        n += 1
                if tx.held > 20_000:
                    tx.flush()
        return n

    def issues(self, tx, year: int) -> tuple[int, int]:
        rng, n, events = self.rng, 0, 0
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        end = dt.datetime.combine(self.until, dt.time(23, 59), dt.timezone(dt.timedelta(hours=8)))
        with tx.holding():
            for d in self.days(year):
                for team in self.teams:
                    for _ in range(self.per_day(self.args.issues, d)):
                        community = self.communities[team["community"]]
                        kind = rng.choices(kinds, weights)[0]
                        t = dt.datetime.combine(d, dt.time(rng.randrange(7, 21), rng.randrange(60)),
                                                dt.timezone(dt.timedelta(hours=8)))
                        resident = rng.choice(self.residents[team["community"]])[0] if rng.random() < 0.4 else None
                        iid = tx.insert("issues", {
                            "uid": self.uid(),
                            "ref": f"12345-{d:%Y%m%d}-{rng.randrange(10**6):06d}-{n}" if rng.random() < 0.2 else None,
                            "kind": kind, "source": rng.choice(SOURCES),
                            "place_id": rng.choice([community["id"], *community["compounds"],
                                                    *community["buildings"][:5]]),
                            "team_id": team["id"] if rng.random() < 0.95 else None, "resident_id": resident,
                            "text": rng.choice(ISSUE_TEXTS[kind]), "received_at": _iso(t)})
                        n += 1
                        for event in self.life(kind, t, end, community):
                            tx.insert("issue_events", {"uid": self.uid(), "issue_id": iid, **event})
                            events += 1
                if tx.held > 20_000:
                    tx.flush()
        return n, events

    def life(self, kind: str, t: dt.datetime, end: dt.datetime, community: dict) -> Iterator[dict]:
        """An issue's events in order, each allowed by huidesk/lifecycle.py; those after `end` are cut."""
        rng = self.rng
        street_units = self.units[community["street"]]
        steps = [{"event": "received", "at": t}]
        # Not the 综治中心 (street_units[0]): an issue escalated to it is already in its hands.
        unit = rng.choice(street_units[1:] + self.units[community["name"]] + self.units["district"])
        if kind == "risk" or rng.random() < 0.06:
            t += dt.timedelta(minutes=rng.randrange(10, 120))
            steps.append({"event": "escalated", "at": t, "unit_id": street_units[0]})
        if rng.random() < 0.93:
            t += dt.timedelta(minutes=rng.randrange(3, 36 * 60 if rng.random() < 0.1 else 120))
            steps.append({"event": "dispatched", "at": t, "unit_id": unit})
            if rng.random() < 0.8:
                t += dt.timedelta(minutes=rng.randrange(5, 240))
                steps.append({"event": "arrived", "at": t, "unit_id": unit})
            if rng.random() < 0.9:
                t += dt.timedelta(minutes=rng.randrange(30, 60 * 24 * (12 if rng.random() < 0.1 else 4)))
                steps.append({"event": "resolved", "at": t, "note": "已处理" if rng.random() < 0.3 else None})
                if rng.random() < 0.7:
                    t += dt.timedelta(hours=rng.randrange(4, 96))
                    satisfaction = rng.choices(("satisfied", "basically", "unsatisfied"), (86, 10, 4))[0]
                    answer = "yes" if satisfaction != "unsatisfied" else rng.choice(("partly", "no"))
                    steps.append({"event": "callback", "at": t, "answer": answer, "satisfaction": satisfaction})
                    if rng.random() < 0.5:
                        t += dt.timedelta(hours=rng.randrange(1, 48))
                        steps.append({"event": "closed", "at": t})
        for step in steps:
            if step["at"] > end:
                return
            yield {"event": step["event"], "at": _iso(step["at"]), "unit_id": step.get("unit_id"),
                   "answer": step.get("answer"), "satisfaction": step.get("satisfaction"), "note": step.get("note")}

    # --- an import file: visits as `huidesk export visits --format jsonl --with-pii` writes them ---

    def jsonl(self, out, rows: int) -> None:
        """`rows` visits spread over the period, referring to the roster by name (names are unique)."""
        days = [d for year in range(self.start.year, self.until.year + 1) for d in self.days(year)]
        for i in range(rows):
            d = days[i * len(days) // rows]
            row, visited, crew = self.visit(self.teams[i % len(self.teams)], d)
            out.write(json.dumps({
                "uid": row["uid"], "date": row["date"], "team": self.teams[i % len(self.teams)]["name"],
                "residents": [name for _, name in visited], "members": [name for _, name in crew],
                "purpose": row["purpose"], "gifts": row["gifts"], "note": row["note"],
                "follow_up": bool(row["follow_up"])}, ensure_ascii=False) + "\n")


class _NoLedger:
    """Stands in for a transaction when only names are needed (a JSONL file): ids are counted."""

    def __init__(self) -> None:
        self.n = 0

    def insert(self, table: str, values: dict) -> int:
        self.n += 1
        return self.n

    def update(self, *args) -> None:
        pass


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("db", nargs="?", type=Path, help="the ledger file to create (must not exist)")
    p.add_argument("--communities", type=int, default=20)
    p.add_argument("--first", type=int, default=0,
                   help="the first community's number (ledgers of one community each: --first 3 --communities 1)")
    p.add_argument("--teams", type=int, default=5, help="teams per community (at most 5)")
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--until", type=dt.date.fromisoformat, default=dt.date(2024, 12, 31),
                   help="the last day of the period (use it as --today)")
    p.add_argument("--compounds", type=int, default=6, help="compounds per community")
    p.add_argument("--buildings", type=int, default=8, help="buildings per compound")
    p.add_argument("--members", type=int, default=25, help="members per team")
    p.add_argument("--residents", type=int, default=1500, help="residents per community")
    p.add_argument("--visits", type=float, default=1200, help="visits per team per year")
    p.add_argument("--activities", type=float, default=100, help="activities per team per year")
    p.add_argument("--issues", type=float, default=160, help="issues per team per year (about 4.4 events each)")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the three yearly volumes")
    p.add_argument("--seed", type=int, default=20240708)
    p.add_argument("--roster-only", action="store_true", help="places, units, teams, members and residents only")
    p.add_argument("--jsonl", type=Path, help="write visits for `huidesk import visits` here instead of a ledger")
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the JSONL file")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    say = (lambda *_: None) if a.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    district = District(a)
    started = time.perf_counter()

    if a.jsonl:
        district.roster(_NoLedger())  # the same draws as a roster ledger: the same names
        district.rng = random.Random(a.seed + 1)
        with open(a.jsonl, "w", encoding="utf-8") as out:
            district.jsonl(out, a.rows)
        say(f"{a.jsonl}: {a.rows:,} visits in {time.perf_counter() - started:.1f}s")
        return
    if a.db is None:
        p.error("give the ledger file, or --jsonl FILE")
    if a.db.exists():
        p.error(f"{a.db} exists; generate into a new file")
    a.db.parent.mkdir(parents=True, exist_ok=True)
    store = Store.open(a.db, "bench", create=True)
    # A bigger page cache for building the indexes; the ledger's own settings are left as they are.
    store.bulk_cache(256 * 1024)
    counts: dict[str, int] = {}
    with store.write("demo") as tx:
        store.init_settings(tx)
        district.roster(tx)
    say(f"roster: {len(district.teams)} teams, {sum(map(len, district.residents)):,} residents "
        f"({time.perf_counter() - started:.1f}s)")
    if not a.roster_only:
        for year in range(district.start.year, a.until.year + 1):
            with store.write("import visits") as tx:
                counts["visits"] = counts.get("visits", 0) + district.visits(tx, year)
            with store.write("import activities") as tx:
                counts["activities"] = counts.get("activities", 0) + district.activities(tx, year)
            with store.write("import issues") as tx:
                issues, events = district.issues(tx, year)
            counts["issues"] = counts.get("issues", 0) + issues
            counts["issue_events"] = counts.get("issue_events", 0) + events
            say(f"{year}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                + f" ({time.perf_counter() - started:.1f}s)")
    store.read.value("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL into the file, whose size is said below
    journaled = store.read.value("SELECT count(*) FROM _journal_records")
    store.close()
    total = sum(counts.values())
    say(f"{a.db}: {total:,} records (visits, activities, issues, events), {journaled:,} journaled rows, "
        f"{a.db.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
