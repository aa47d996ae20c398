"""`demo`: a sample ledger that reproduces the article from individual records.

Every figure the article prints is the count of records made here, not a stored number:
平伏桥村's five teams (117 members, 120余次 activities, 56 suggestions, 15 infrastructure fixes,
286 haircut cards, 6 wishes), 黄河东路街道's 18 teams (53 non-police matters, 17 disputes, 6 risks),
清水社区's "角落" team since March (23 livelihood problems, 5 escalated, 11 safety hazards) and
高台寺社区's "红色先锋" team with the blocked drain solved in about 30 minutes.
The data is generated with a fixed seed, so every demo ledger holds the same records.
"""

import datetime as dt
import random

from huidesk.domain.vocab import guess_line
from huidesk.ledger.store import Store
from huidesk.ledger.tx import Tx

DEMO_DATE = dt.date(2024, 7, 8)  # the day the article's figures stand ("截至目前")
TZ = "+08:00"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "秀英玉兰桂芳凤琴建国志强丽华春梅海燕俊杰文斌晓东红霞淑珍国庆立新永刚学军明亮慧敏雪梅金花德胜福贵宝山"

FIVE_COLOURS = ("红色先锋", "橙色公益", "蓝色平安", "银色助老", "金色成长")
THEMES_BY_LINE = {
    "红色先锋": ("policy_outreach", "civility", "deliberation"),
    "橙色公益": ("sanitation", "mutual_aid", "customs_reform"),
    "蓝色平安": ("safety_inspection", "anti_fraud", "legal_aid"),
    "银色助老": ("haircut", "elder_care"),
    "金色成长": ("child_care",),
}
HUANGHE_COMMUNITIES = (
    "金地社区", "银啤苑社区", "安怡社区", "宝湖社区", "康居社区", "长城社区", "枫林社区", "紫园社区", "阅海社区",
    "正丰社区", "贺兰山社区", "湖畔社区", "良田村", "新华村", "润丰村", "八里桥村", "丰登村", "红星村",
)


class Demo:
    def __init__(self, store: Store, tx: Tx) -> None:
        self.store, self.tx = store, tx
        self.rng = random.Random(20240708)
        self.used_names: set[str] = set()
        self.members = 0

    # --- small builders ---

    def name(self) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2))))
            if n not in self.used_names:
                self.used_names.add(n)
                return n

    def place(self, path: str, level: str | None = None) -> int:
        self.store.places.add(self.tx, path, level)
        return self.store.find("places", path, "PATH")["id"]

    def unit(self, name: str, kind: str) -> dict:
        uid = self.store.units.add(self.tx, name, kind, None)
        return {"id": uid, "name": name}

    def member(self, name: str, joined: str, roles: tuple[str, ...] = ("volunteer",), teams: tuple[int, ...] = (),
               phone: str | None = None) -> int:
        self.used_names.add(name)
        self.members += 1  # a registration number of the volunteer system's shape: region, joining day, serial
        reg_no = f"6401{joined.replace('-', '')}{self.members:04d}"
        return self.store.members.add(self.tx, {"name": name, "phone": phone, "joined": joined, "reg_no": reg_no},
                                     teams, roles, allow_duplicate=True)

    def team(self, name: str, place_id: int, founded: str, line: str | None = None) -> int:
        line = line or guess_line(name)
        return self.store.teams.add(self.tx, {"name": name, "place_id": place_id, "line": line, "founded": founded},
                                   leader_joined=founded)

    def resident(self, name: str, place_id: int, born: int | None = None, tags: tuple[str, ...] = (),
                 every: int | None = None, guardian: str | None = None) -> int:
        self.used_names.add(name)
        row = {"name": name, "place_id": place_id, "born": born, "visit_every": every,
               "consent": "guardian" if guardian else "self", "guardian": guardian,
               "health_consent": int("disabled" in tags)}
        return self.store.residents.add(self.tx, row, tags, allow_duplicate=True)

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def at(self, day: dt.date, hour: int, minute: int = 0) -> str:
        return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00{TZ}"

    def issue(self, kind: str, source: str, place_id: int, team_id: int | None, received: str, text: str,
              ref: str | None = None, resident_id: int | None = None) -> int:
        row = {"ref": ref, "kind": kind, "source": source, "place_id": place_id, "team_id": team_id,
               "resident_id": resident_id, "text": text, "received_at": received, **_subject(kind, text)}
        return self.store.issues.open(self.tx, row, None, None)

    def event(self, issue_id: int, event: str, at: str, unit: dict | None = None, **values) -> None:
        self.store.issues.add_event(self.tx, issue_id, event, at, unit, **values)

    def handled(self, issue_id: int, received: dt.datetime, units: list[dict], resolve_hours: float,
                callback: bool = True) -> None:
        """The usual life: dispatched within the hour, on site, resolved, then a callback."""
        t = received + dt.timedelta(minutes=self.rng.randrange(5, 50))
        for u in units:
            self.event(issue_id, "dispatched", _iso(t), u)
        t += dt.timedelta(minutes=self.rng.randrange(10, 90))
        for u in units:
            self.event(issue_id, "arrived", _iso(t), u)
        # Resolved by the morning of the article's day at the latest, so the figures stand on it.
        cap = dt.datetime.fromisoformat(self.at(DEMO_DATE, 10))
        done = max(min(received + dt.timedelta(hours=resolve_hours), cap), t)
        self.event(issue_id, "resolved", _iso(done))
        later = done + dt.timedelta(days=1)
        if callback and later <= cap:
            satisfaction = self.rng.choices(("satisfied", "basically", "unsatisfied"), (90, 8, 2))[0]
            answer = "yes" if satisfaction != "unsatisfied" else "partly"
            self.event(issue_id, "callback", _iso(later), answer=answer, satisfaction=satisfaction)

    def moment(self, start: dt.date, end: dt.date) -> dt.datetime:
        day = self.day(start, end)
        return dt.datetime.fromisoformat(self.at(day, self.rng.randrange(8, 18), self.rng.randrange(60)))

    # --- the four places of the article ---

    def build(self) -> None:
        self.store.init_settings(self.tx)
        self.store.set_setting(self.tx, "issuer", "金凤区满城北街街道平伏桥村党支部")
        self.pingfuqiao()
        self.huanghe()
        self.gaotaisi()
        self.qingshui()

    def pingfuqiao(self) -> None:
        village = self.place("银川市/金凤区/满城北街街道/平伏桥村")
        yuehu = self.place("银川市/金凤区/满城北街街道/平伏桥村/悦湖家园小区")
        b48 = self.place("银川市/金凤区/满城北街街道/平伏桥村/48号楼")
        b3 = self.place("银川市/金凤区/满城北街街道/平伏桥村/3号楼")
        founded = "2022-03-01"
        teams = {c: self.team(f"“{c}”志愿服务队", village, founded) for c in FIVE_COLOURS}
        named = {
            "王凤琴": ("橙色公益", ("party_member", "volunteer")),
            "王玉兰": ("银色助老", ("volunteer",)),
            "张佳丽": ("金色成长", ("volunteer",)),
        }
        members: dict[str, list[int]] = {c: [] for c in FIVE_COLOURS}
        for n, (colour, roles) in named.items():
            members[colour].append(self.member(n, founded, roles, (teams[colour],)))
        # 117 members in all: party members, volunteers and village cadres, joined over two years.
        for i in range(117 - len(named)):
            colour = FIVE_COLOURS[i % 5]
            roles = self.rng.choice(
                (("party_member", "volunteer"), ("volunteer",), ("volunteer",), ("cadre", "party_member"))
            )
            joined = self.day(dt.date(2022, 3, 1), dt.date(2024, 6, 30)).isoformat()
            members[colour].append(self.member(self.name(), joined, roles, (teams[colour],)))
        # A member who left before the day the figures stand: not counted among the 117.
        gone = self.member(self.name(), "2022-03-01", ("volunteer",), (teams["蓝色平安"],))
        self.store.memberships.leave(self.tx, gone, teams["蓝色平安"], "2023-12-31")
        for colour, team_id in teams.items():
            self.tx.update("teams", team_id, {"leader_id": members[colour][0]})

        # 124 themed activities ("120余次"), from March 2022 to the article's day.
        for i in range(124):
            colour = FIVE_COLOURS[i % 5]
            theme = self.rng.choice(THEMES_BY_LINE[colour])
            crew = self.rng.sample(members[colour], self.rng.randrange(3, 9))
            day = self.day(dt.date(2022, 3, 15), DEMO_DATE)
            self.store.activities.add(
                self.tx,
                {"team_id": teams[colour], "theme": theme, "date": day.isoformat(), "place_id": village,
                 "title": None, "volunteers": len(crew), "served": self.rng.randrange(10, 60),
                 "minutes": len(crew) * 120},
                crew, 120,
            )

        # The visit of 7 July: 橙色公益 call on 丁学志 (48号楼) and 李增友 (3号楼).
        ding = self.resident("丁学志", b48, 1942, ("advanced_age",), every=14)
        li = self.resident("李增友", b3, 1940, ("advanced_age", "living_alone"), every=7)
        self.store.visits.add(self.tx, {"team_id": teams["橙色公益"], "date": "2024-07-07",
                                       "purpose": "看望高龄老人，了解身体和生活情况", "gifts": "慰问品",
                                       "note": "叮嘱老人有困难随时联系", "follow_up": 0},
                             [ding, li], members["橙色公益"][:4])

        # 286 residents hold a 爱心理发卡, 韩桂英 (83) among them.
        holders = [self.resident("韩桂英", yuehu, 1941, ("advanced_age",))]
        holders += [self.resident(self.name(), yuehu, self.rng.randrange(1935, 1965), ("advanced_age",))
                    for _ in range(285)]
        for rid in holders:
            day = self.day(dt.date(2022, 5, 1), DEMO_DATE)
            self.store.cards.issue(self.tx, {"resident_id": rid, "kind": "爱心理发卡", "date": day.isoformat()})

        # 6 children in difficulty: their 微心愿 taken up by the 爱心妈妈 of 金色成长.
        mothers = members["金色成长"][:6]
        for i, mother in enumerate(mothers):
            child = self.resident(self.name(), village, 2014 + i % 4, ("child_in_difficulty",), guardian=self.name())
            wish = ("一套新书包和文具", "一双运动鞋", "一本字典", "一盏护眼台灯", "一个篮球", "一套绘本")[i]
            wid = self.store.wishes.add(self.tx, {"resident_id": child, "text": wish, "listed": "2024-06-20"})
            self.store.wishes.claim(self.tx, wid, mother, "2024-07-01")
            if i == 0:
                self.store.pairings.add(self.tx, {"member_id": mother, "resident_id": child, "since": "2024-07-01",
                                                 "note": "爱心妈妈结对"})

        # 56 suggestions collected and 15 pieces of infrastructure improved (plus 2 still in hand).
        office = self.unit("平伏桥村村委会", "organisation")
        for i in range(56):
            t = self.moment(dt.date(2022, 4, 1), dt.date(2024, 7, 5))
            iid = self.issue(
                "suggestion", self.rng.choice(("visit", "walk_in", "patrol")), village, teams["红色先锋"], _iso(t),
                f"居民建议第{i + 1}条：" + self.rng.choice(
                    ("增设休息长廊座椅", "规范电动车停放", "增加垃圾分类宣传", "开设老年食堂", "修缮文化广场")
                ),
            )
            if t.date() < dt.date(2024, 6, 20):  # the latest few are still being looked at
                self.handled(iid, t, [office], self.rng.randrange(24, 240), callback=i % 3 == 0)
        for i in range(17):
            t = self.moment(dt.date(2022, 6, 1), dt.date(2024, 6, 20))
            iid = self.issue(
                "infrastructure", "patrol", village, teams["橙色公益"], _iso(t),
                self.rng.choice(("路灯损坏", "道路破损", "排水沟堵塞", "健身器材损坏", "围墙破损"))
                + f"（第{i + 1}处）",
            )
            if i < 15:
                self.handled(iid, t, [office], self.rng.randrange(24, 400))

    def huanghe(self) -> None:
        self.place("银川市/金凤区/黄河东路街道")
        units = {n: self.unit(n, k) for n, k in (
            ("黄河东路街道综治中心", "department"), ("黄河东路街道公用事业服务中心", "department"),
            ("黄河东路街道司法所", "department"), ("黄河东路派出所", "department"),
            ("金地花园物业公司", "company"), ("金凤区住建局", "department"),
        )}
        founded = "2024-03-01"
        start = dt.date(2024, 3, 1)
        communities, teams = [], []
        compounds_left = 91  # and 金地花园 below: the article's 92个小区
        for i, name in enumerate(HUANGHE_COMMUNITIES):
            cid = self.place(f"银川市/金凤区/黄河东路街道/{name}")
            communities.append(cid)
            teams.append(self.team(f"{name}民生志愿服务队", cid, founded))
            count = 5 if i < 2 else 6 if compounds_left > 6 * (17 - i) else 5
            for j in range(min(count, compounds_left)):
                self.place(f"银川市/金凤区/黄河东路街道/{name}/{name[:-2]}{j + 1}区", "compound")
            compounds_left -= min(count, compounds_left)
        jindi = self.place("银川市/金凤区/黄河东路街道/金地社区/金地花园", "compound")
        self.place("银川市/金凤区/黄河东路街道/金地社区/金地花园/D区3号楼")
        # Members: grid workers, property staff, building heads — and 43 "三官一师一员" ("40余名").
        crews = []
        for team_id in teams:
            crew = [
                self.member(self.name(), founded, self.rng.choice(
                    (("grid_worker",), ("property_staff",), ("building_head",), ("volunteer",))
                ), (team_id,))
                for _ in range(4)
            ]
            crews.append(crew)
        legal = ("judge", "prosecutor", "police", "lawyer", "mediator")
        for i in range(43):
            self.member(self.name(), founded, (legal[i % 5],), (teams[i % 18],))

        # The fire lane at 金地花园: found on patrol → 综治中心 → several units → consultation → resolved.
        t = dt.datetime.fromisoformat(self.at(dt.date(2024, 6, 24), 9, 30))
        lane = self.issue("safety_hazard", "patrol", jindi, teams[0], _iso(t),
                          "金地花园D区3、8、9号楼前消防通道存在电动车占道的安全隐患")
        self.event(lane, "escalated", _iso(t + dt.timedelta(minutes=20)), units["黄河东路街道综治中心"])
        for n in ("黄河东路街道公用事业服务中心", "黄河东路街道司法所", "金地花园物业公司"):
            self.event(lane, "dispatched", _iso(t + dt.timedelta(hours=2)), units[n])
        meeting = {"date": "2024-06-26",
                   "decision": "将金地花园三栋楼前的绿化带推进1米，拓宽消防通道并增设电动车停放场所",
                   "issue_id": lane, "place_id": jindi}
        parties = [{"unit_id": units["黄河东路街道公用事业服务中心"]["id"]},
                   {"unit_id": units["黄河东路街道司法所"]["id"]},
                   {"name": "律师"}, {"unit_id": units["金地花园物业公司"]["id"]},
                   {"name": "小区党支部"}, {"name": "楼栋长"}]
        self.store.meetings.add(self.tx, meeting, parties, self.at(dt.date(2024, 6, 26), 15))
        self.event(lane, "resolved", self.at(dt.date(2024, 7, 3), 17),
                   note="绿化带推进1米，消防通道变宽，电动车有了停放场所")

        # Problems residents raised, solved.
        for place, text in (("银啤苑社区", "银啤苑南区14号楼不动产权证办理"),
                            ("安怡社区", "安怡家园E区1号楼楼顶防水修缮"),
                            ("金地社区", "安装金地花园B区健身路径"), ("良田村", "铁路两侧环境卫生整治")):
            t = self.moment(start, dt.date(2024, 6, 15))
            iid = self.issue("livelihood", "hotline", communities[HUANGHE_COMMUNITIES.index(place)],
                             teams[HUANGHE_COMMUNITIES.index(place)], _iso(t), text)
            self.handled(iid, t, [units["金凤区住建局"]], self.rng.randrange(48, 600))

        # Through the 金枫e警 platform: 6 risks reported and defused, 53 non-police matters (55 received),
        # 17 disputes mediated with the community police.
        for i in range(6):
            t = self.moment(start, dt.date(2024, 7, 1))
            k = self.rng.randrange(18)
            iid = self.issue("risk", "platform", communities[k], teams[k], _iso(t), f"风险隐患上报（第{i + 1}条）",
                             ref=f"JFEJ-R-{i + 1:04d}")
            self.event(iid, "escalated", _iso(t + dt.timedelta(minutes=15)), units["黄河东路派出所"])
            self.event(iid, "resolved", _iso(t + dt.timedelta(hours=self.rng.randrange(2, 48))))
        for i in range(55):
            t = self.moment(start, dt.date(2024, 7, 1))
            k = self.rng.randrange(18)
            iid = self.issue("non_police", "platform", communities[k], teams[k], _iso(t),
                             self.rng.choice(("噪音扰民", "宠物扰邻", "楼道堆物", "高空抛物劝导", "停车纠纷协调")),
                             ref=f"JFEJ-N-{i + 1:04d}")
            if i < 53:
                self.handled(iid, t, [units["黄河东路街道综治中心"]], self.rng.randrange(1, 72), callback=i % 2 == 0)
        for i in range(17):
            t = self.moment(start, dt.date(2024, 7, 5))
            k = self.rng.randrange(18)
            iid = self.issue("dispute", "platform", communities[k], teams[k], _iso(t),
                             self.rng.choice(("邻里漏水纠纷", "物业费纠纷", "装修噪音纠纷", "家庭矛盾")),
                             ref=f"JFEJ-D-{i + 1:04d}")
            self.handled(iid, t, [units["黄河东路派出所"], units["黄河东路街道司法所"]], self.rng.randrange(24, 200))

    def gaotaisi(self) -> None:
        community = self.place("银川市/兴庆区/玉皇阁北街/高台寺社区")
        jindong = self.place("银川市/兴庆区/玉皇阁北街/高台寺社区/金东豪庭", "compound")
        team = self.team("“红色先锋”志愿服务队", community, "2017-06-01")
        he = self.member("何玮", "2019-03-01", ("volunteer", "party_member"), (team,))
        crew = [he] + [
            self.member(self.name(), "2018-01-01", ("party_member", "volunteer"), (team,)) for _ in range(11)
        ]
        self.tx.update("teams", team, {"leader_id": crew[1]})
        for i, theme in enumerate(("anti_fraud", "policy_outreach", "civility", "safety_inspection", "mutual_aid") * 4):
            day = self.day(dt.date(2024, 1, 5), dt.date(2024, 7, 5))
            people = self.rng.sample(crew, 4)
            self.store.activities.add(self.tx, {
                "team_id": team, "theme": theme, "date": day.isoformat(), "place_id": None,
                "title": "新型诈骗手段宣讲" if theme == "anti_fraud" and i == 0 else None,
                "volunteers": 4, "served": self.rng.randrange(20, 80), "minutes": 4 * 90,
            }, people, 90)
        zhang = self.resident("张桂香", community, 1944, ("living_alone", "advanced_age", "empty_nest"), every=7)
        self.store.visits.add(self.tx, {
            "team_id": team, "date": "2024-07-05", "purpose": "看望独居老人，提醒防暑和用火用电安全",
            "gifts": "慰问品", "note": "把网格员电话存进老人手机", "follow_up": 0,
        }, [zhang], [he])
        wang = self.resident("王女士", jindong)
        property_co = self.unit("金东豪庭物业公司", "company")
        water = self.unit("银川市中铁水务公司", "company")
        # The blocked drain: a phone call, a whistle to the property and water companies, ~30 minutes.
        t = dt.datetime.fromisoformat(self.at(dt.date(2024, 7, 2), 9, 0))
        drain = self.issue("livelihood", "phone", jindong, team, _iso(t), "家中下水管道堵塞，请帮忙看看",
                           resident_id=wang)
        self.event(drain, "dispatched", _iso(t + dt.timedelta(minutes=4)), property_co)
        self.event(drain, "dispatched", _iso(t + dt.timedelta(minutes=4)), water)
        self.event(drain, "arrived", _iso(t + dt.timedelta(minutes=12)), property_co)
        self.event(drain, "arrived", _iso(t + dt.timedelta(minutes=15)), water)
        self.event(drain, "resolved", _iso(t + dt.timedelta(minutes=31)), note="“街道吹哨、部门报到”，现场疏通")
        self.event(drain, "callback", _iso(t + dt.timedelta(hours=6)), answer="yes", satisfaction="satisfied")

    def qingshui(self) -> None:
        community = self.place("吴忠市/同心县/豫海镇/清水社区")
        streets = {n: self.place(f"吴忠市/同心县/豫海镇/清水社区/{n}", "compound")
                   for n in ("泰和路", "永安北巷", "豫海北街东一巷")}
        team = self.team("“角落”民生志愿服务队", community, "2024-03-01")
        ma = self.member("马建林", "2024-03-01", ("party_member", "volunteer"), (team,))
        self.member("张春梅", "2024-03-01", ("volunteer",), (team,))
        for _ in range(14):
            self.member(self.name(), "2024-03-01",
                        self.rng.choice((("party_member", "volunteer"), ("volunteer",))), (team,))
        self.tx.update("teams", team, {"leader_id": ma})
        self.resident("小花", streets["豫海北街东一巷"], 2015, ("child_in_difficulty", "disabled"), guardian="童奶奶")
        self.resident("丁生福", community, 1950, ("advanced_age", "disabled"))
        office = self.unit("清水社区居委会", "organisation")
        bureau = self.unit("同心县住建局", "department")
        start = dt.date(2024, 3, 1)
        # Since March: 23 livelihood problems solved (25 raised), 5 escalated, 11 safety hazards dealt with.
        for i in range(25):
            t = self.moment(start, dt.date(2024, 7, 6))
            where = self.rng.choice(list(streets.values()) + [community])
            iid = self.issue("livelihood", self.rng.choice(("visit", "patrol", "walk_in")), where, team, _iso(t),
                             self.rng.choice(("老人买药送药", "屋顶漏雨", "楼道灯不亮", "自来水压力低", "暖气不热")))
            if i < 5:
                self.event(iid, "escalated", _iso(t + dt.timedelta(hours=2)), bureau)
            if i < 23:
                self.handled(iid, t + dt.timedelta(hours=3), [office], self.rng.randrange(4, 120))
        for i in range(11):
            t = self.moment(start, dt.date(2024, 7, 7))
            if i == 0:
                text = "泰和路下水井盖破损，放学前需更换"
            else:
                text = self.rng.choice(("电线私拉乱接", "消防栓损坏", "危墙"))
            iid = self.issue("safety_hazard", "patrol", streets["泰和路"] if i == 0 else community, team, _iso(t), text)
            self.handled(iid, t, [office], self.rng.randrange(1, 24))
        t = dt.datetime.fromisoformat(self.at(dt.date(2024, 7, 8), 8, 30))
        self.issue("safety_hazard", "patrol", streets["永安北巷"], team, _iso(t), "永安北巷下水管道堵塞，汛期将至")


# What a work order's subject would be (诉求性质, 类别), from words of its text; taken from the text,
# not drawn, so that the demo's other records stay as they were. Risks carry none.
_SUBJECTS = (
    (("暖气",), "help", "heating"),
    (("自来水", "下水", "排水", "路灯", "道路", "井盖", "铁路", "文化广场", "座椅"), "help", "municipal"),
    (("楼道", "屋顶", "楼顶", "漏", "物业费", "电线", "消防", "健身", "不动产"), "help", "property"),
    (("噪音", "宠物", "高空抛物", "堆物"), "complaint", "public_order"),
    (("停车", "停放"), "complaint", "traffic"),
    (("环境卫生", "垃圾"), "proposal", "sanitation"),
)


def _subject(kind: str, text: str) -> dict:
    if kind == "risk":
        return {}
    nature, category = next(((n, c) for words, n, c in _SUBJECTS if any(w in text for w in words)), ("help", "other"))
    return {"nature": "proposal" if kind == "suggestion" else nature, "category": category}

def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def build(store: Store, command: str = "demo") -> None:
    """Fill an empty ledger with the article's records, in one transaction."""
    with store.write(command) as tx:
        Demo(store, tx).build()
