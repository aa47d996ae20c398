"""The record tables as files: each table's columns, one layout used in both directions (which
fields, their types, headers, vocabularies and PII), and the file names and formats they travel in.
The SQL that reads each table out lives in huidesk.ledger.exchange, keyed by the same names.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr
from huidesk.domain.privacy import masked_as

EXPORT_FORMATS = ("csv", "jsonl", "json", "xlsx", "open311")
IGNORED = {"id", "编号"}  # ledger-local ids mean nothing in another ledger (list outputs carry them)


@dataclass(frozen=True)
class Field:
    """One column of a table's layout."""

    key: str
    zh: str
    en: str
    type: str = "text"  # text int bool date moment hours cadence vocab category ref issue uid
    vocab: str | None = None  # for type vocab: which vocabulary
    ref: str | None = None  # for type ref: the table referred to (by name, path, id or uid)
    many: bool = False  # a list (link rows folded in)
    pii: str | None = None  # name / phone (privacy's rule, `masked_as`) / party: masked unless --with-pii
    required: bool = False
    derived: bool = False  # computed from other records: exported, ignored on import
    exported: bool = True  # False: accepted on import only
    past: bool = False  # a day of work done: not after today
    aliases: tuple[str, ...] = ()

    def header(self) -> str:
        return tr(self.zh, self.en)


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    imported: bool = True  # False: export only (huidesk.exchange.loaders has a loader for each other)

    def exported(self) -> list[Field]:
        return [f for f in self.fields if f.exported]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


F = Field


# Whose name a reference is and whose details a column holds say what is masked (privacy's one rule).
RESIDENT_NAME, MEMBER_NAME = masked_as("resident", "name"), masked_as("member", "name")
UID = F("uid", "唯一编号", "uid", type="uid")
NAME = F("name", "姓名", "name", required=True, aliases=("名字",))
DATE = F("date", "日期", "date", type="date", required=True, past=True)
TEAM = F("team", "服务队", "team", type="ref", ref="teams", required=True)
MEMBERS = F("members", "队员", "members", type="ref", ref="members", many=True, pii=MEMBER_NAME)
PLACE = F("place", "地点", "place", type="ref", ref="places")
RESIDENT = F("resident", "居民", "resident", type="ref", ref="residents", pii=RESIDENT_NAME, required=True)
MEMBER = F("member", "队员", "member", type="ref", ref="members", pii=MEMBER_NAME, required=True)
NOTE = F("note", "备注", "note")
# Volunteer time credited to each member who served (a visit's, or an activity's --hours).
HOURS_EACH = F("hours_each", "每人时长(小时)", "hours each", type="hours", aliases=("每人时长",))

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "places",
            (UID, F("path", "地点路径", "path", required=True, aliases=("地点", "place", "路径")),
             F("level", "层级", "level", type="vocab", vocab="level")),
        ),
        Table(
            "units",
            (UID, F("name", "单位名称", "name", required=True, aliases=("单位", "名称")),
             F("kind", "类型", "kind", type="vocab", vocab="unit_kind"),
             F("place", "所在地点", "place", type="ref", ref="places", aliases=("地点",))),
        ),
        Table(
            "teams",
            (UID, F("name", "服务队名称", "name", required=True, aliases=("服务队", "名称")),
             F("place", "所在地点", "place", type="ref", ref="places", required=True, aliases=("地点",)),
             F("line", "类别", "line", type="vocab", vocab="line"),
             F("leader", "队长", "leader", type="ref", ref="members", pii=MEMBER_NAME),
             F("founded", "成立日期", "founded", type="date")),
        ),
        Table(
            "members",
            (UID, replace(NAME, pii=MEMBER_NAME),
             F("reg_no", "注册编号", "registration no.", aliases=("注册号", "志愿者编号", "reg. no.")),
             F("phone", "电话", "phone", pii=masked_as("member", "phone")),
             F("roles", "角色", "roles", type="vocab", vocab="role", many=True),
             F("joined", "加入日期", "joined", type="date"),
             F("teams", "服务队", "teams", type="ref", ref="teams", many=True, exported=False)),
        ),
        Table(
            "memberships",
            (UID, MEMBER, F("team", "服务队", "team", type="ref", ref="teams", required=True),
             F("joined", "入队日期", "joined", type="date", required=True),
             F("left", "离队日期", "left", type="date", past=True)),
        ),
        Table(
            "residents",
            (UID, replace(NAME, pii=RESIDENT_NAME),
             F("place", "住址", "place", type="ref", ref="places", required=True, aliases=("地点",)),
             F("tags", "标签", "tags", type="vocab", vocab="tag", many=True),
             F("born", "出生年份", "born", type="int", aliases=("出生年",)),
             F("phone", "电话", "phone", pii=masked_as("resident", "phone")),
             F("visit_every", "走访周期(天)", "visit every (days)", type="cadence", aliases=("走访周期",)),
             F("consent", "同意登记", "consent", type="vocab", vocab="consent", aliases=("同意",)),
             F("guardian", "监护人", "guardian", pii=masked_as("resident", "guardian")),
             F("health_consent", "健康信息同意", "health consent", type="bool")),
        ),
        Table(
            "visits",
            (UID, DATE, TEAM,
             F("residents", "走访对象", "residents", type="ref", ref="residents", many=True, pii=RESIDENT_NAME,
               required=True, aliases=("居民",)),
             MEMBERS, F("purpose", "事由", "purpose"), F("gifts", "慰问品", "gifts"), NOTE,
             F("follow_up", "需跟进", "follow-up", type="bool"), HOURS_EACH),
        ),
        Table(
            "activities",
            (UID, DATE, TEAM, F("theme", "主题", "theme", type="vocab", vocab="theme", required=True),
             F("title", "名称", "title"), PLACE,
             F("volunteers", "志愿者人数", "volunteers", type="int"), MEMBERS,
             F("served", "服务人数", "served", type="int"),
             # The activity's total (each volunteer's time × volunteers), under the names it always had;
             # each volunteer's time is a column of its own, read on import only.
             F("hours", "总时长(小时)", "total hours", type="hours", aliases=("时长(小时)", "时长", "志愿服务时长")),
             F("minutes", "总时长(分钟)", "total minutes", type="int", aliases=("时长(分钟)",)),
             replace(HOURS_EACH, exported=False)),
        ),
        Table(
            "issues",
            (UID, F("ref", "工单号", "ref"),
             F("received_at", "受理时间", "received", type="moment", required=True),
             F("kind", "类型", "kind", type="vocab", vocab="issue_kind", required=True),
             F("source", "来源", "source", type="vocab", vocab="source", required=True),
             F("place", "地点", "place", type="ref", ref="places", required=True),
             F("team", "服务队", "team", type="ref", ref="teams"),
             F("resident", "反映人", "resident", type="ref", ref="residents", pii=RESIDENT_NAME),
             F("text", "内容", "text", required=True),
             F("nature", "诉求性质", "nature", type="vocab", vocab="nature", aliases=("性质",)),
             F("category", "诉求类别", "category", type="category", vocab="category", aliases=("类别",)),
             F("repeat_of", "重复诉求", "repeat of", type="issue", aliases=("重复件",)),
             F("state", "状态", "state", type="vocab", vocab="event", derived=True),
             F("units", "承办单位", "units", many=True, derived=True),
             F("resolved_at", "办结时间", "resolved", type="moment"),
             F("resolved_note", "办结说明", "resolution note"),
             # its own resolve deadline (a 12345 order's): a limit from receipt (3工作日, 5d, 72h), a day or a moment
             F("due", "办理时限", "due", aliases=("时限", "办结时限", "due_at"))),
        ),
        Table(
            "issue_events",
            (UID, F("issue", "诉求唯一编号", "issue uid", aliases=("诉求",)), F("issue_ref", "工单号", "ref"),
             F("at", "时间", "at", type="moment", required=True),
             F("event", "事件", "event", type="vocab", vocab="event", required=True),
             F("unit", "单位", "unit", type="ref", ref="units"),
             F("answer", "是否解决", "resolved", type="vocab", vocab="answer"),
             F("satisfaction", "满意度", "satisfaction", type="vocab", vocab="satisfaction"), NOTE,
             # an extension's (延期) amount and the deadline it set; who approved an extension or an exemption
             F("extension", "延期", "extension"), F("due_at", "延期至", "due by"),
             F("approver", "批准人", "approver")),
        ),
        Table(
            "meetings",
            (UID, F("date", "日期", "date", type="date"), F("issue", "诉求唯一编号", "issue uid"),
             F("place", "地点", "place"),
             F("parties", "参会方", "parties", many=True, pii="party"),
             F("decision", "决定", "decision")),
            imported=False,
        ),
        Table(
            "wishes",
            (UID, RESIDENT, F("text", "心愿", "wish", required=True, aliases=("内容", "text")),
             F("listed", "登记日期", "listed", type="date", required=True, past=True),
             F("member", "认领队员", "claimed by", type="ref", ref="members", pii=MEMBER_NAME, aliases=("队员",)),
             F("claimed", "认领日期", "claimed", type="date", past=True),
             F("fulfilled", "实现日期", "fulfilled", type="date", past=True)),
        ),
        Table(
            "cards",
            (UID, F("kind", "卡种", "kind", required=True), F("no", "卡号", "no"),
             RESIDENT, F("date", "办理日期", "date", type="date", required=True, past=True)),
        ),
        Table(
            "pairings",
            (UID, MEMBER, RESIDENT, F("since", "结对日期", "since", type="date", required=True, past=True),
             F("until", "结束日期", "until", type="date", past=True), NOTE),
        ),
    )
}
IMPORTABLE = tuple(name for name, t in TABLES.items() if t.imported)


def table_label(name: str) -> str:
    from huidesk.ledger.schema import RECORD_TABLES

    zh, en = RECORD_TABLES[name]
    return tr(zh, en)


def importable(name: str, text: str) -> Table:
    """The table to import into; one only exported (meetings) is refused."""
    table = TABLES[name]
    if not table.imported:
        choices = "、".join(IMPORTABLE)
        raise InvalidValue(
            "TABLE", text,
            tr(f"{table_label(name)}只能导出，可导入：{choices}",
               f"{name} can only be exported; import one of: {choices}"),
        )
    return table


def derive_uid(table: str, identity: Mapping[str, object]) -> str:
    """The uid of a hand-made row without one: a digest of its canonical content, so that the
    same row imported twice is found the second time."""
    from huidesk.ledger.journal import canonical

    return hashlib.sha256(f"{table}\n{canonical(identity)}".encode()).hexdigest()[:32]
