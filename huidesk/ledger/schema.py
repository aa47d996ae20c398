"""The schema and the tables it names: which a user may void or log, which are journaled, the
default settings, the SQL script shipped as data/schema.sql, and a ledger's schema objects as
`check` and the migrations compare them."""

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

if TYPE_CHECKING:
    from huidesk.ledger.table import Read

# Bump together with each migration added to huidesk/ledger/migrations.py (a test checks they agree);
# a ledger whose user_version equals it opens without importing the migration machinery.
SCHEMA_VERSION = 10
BUSY_TIMEOUT_MS = 60_000

# Tables a user can name (void, log) with their Chinese names; all carry uid and void columns.
RECORD_TABLES = {
    "places": ("地点", "place"),
    "units": ("单位", "unit"),
    "teams": ("服务队", "team"),
    "members": ("队员", "member"),
    "memberships": ("入队记录", "membership"),
    "residents": ("居民", "resident"),
    "visits": ("走访", "visit"),
    "activities": ("活动", "activity"),
    "issues": ("诉求", "issue"),
    "issue_events": ("诉求事件", "issue event"),
    "meetings": ("协商会议", "meeting"),
    "wishes": ("微心愿", "wish"),
    "cards": ("服务卡", "card"),
    "pairings": ("结对", "pairing"),
}
# Rows that belong to a record above and are written with it.
LINK_TABLES = (
    "member_roles",
    "resident_tags",
    "visit_residents",
    "visit_members",
    "activity_members",
    "meeting_parties",
)
# The tool's own tables that are written through the journal too (and so verified by `check`).
FEDERATION_TABLES = ("_bundles_made", "_sources", "_bundles", "_merged")
JOURNALED_TABLES = (*RECORD_TABLES, *LINK_TABLES, "_settings", "_setting_changes", *FEDERATION_TABLES, "_api_keys")

DEFAULT_SETTINGS = {
    "response_limit_hours": "24",
    "resolve_limit_days": "5",
    "basically_weight": "1",
    "issuer": "",
}
# Who this ledger is, in _settings: a uid made at `init`, a name and a place (set by init or setting).
IDENTITY_SETTINGS = ("ledger_uid", "ledger_name", "ledger_place")
# Settings added since: read with these defaults, written only when set (a new ledger's journal stays as it was).
LATER_SETTINGS = {
    "callback_reading": "final",
    "categories": "",
    "report_unit": "",
    "report_preparer": "",
    "report_reviewer": "",
    "response_events": "dispatched,arrived,resolved",
    "repeat_days": "7",
    "score_weights": "10/45/45",
    "holidays": "",
    "workdays": "",
}


# What people call the rows of each link table (the record tables' names are in RECORD_TABLES).
LINK_NAMES = {
    "member_roles": "队员角色", "resident_tags": "居民标签", "visit_residents": "走访对象", "visit_members": "走访队员",
    "activity_members": "活动队员", "meeting_parties": "参会方",
}


def records_said(text: str) -> str:
    """`issue_events#5 residents×3` as people read it: 诉求事件#5 居民×3 (English keeps the tables' names)."""
    import re

    from huidesk.domain.i18n import lang

    if lang() == "en":
        return text
    named = {t: zh for t, (zh, _) in RECORD_TABLES.items()} | LINK_NAMES
    return re.sub(r"\b([a-z_]+)(?=[#×])", lambda m: named.get(m[1], m[1]), text)


def command_said(text: str) -> str:
    """A journal entry's command as people read it: 走访 登记 (visit add), 导入 居民 (import residents), 合并
    紫园社区 … (merge 紫园社区 …); English, and every format but the screen's, keep the journal's words."""
    from huidesk.domain.command_names import chinese
    from huidesk.domain.i18n import lang

    first, _, rest = text.partition(" ")
    group = chinese(first)
    if lang() == "en" or group is None:
        return text
    second, _, tail = rest.partition(" ")
    sub = RECORD_TABLES.get(second, (None,))[0] if first in ("import", "export") else chinese(second, first)
    return " ".join(word for word in (group, *((sub, tail) if sub else (rest,))) if word)


def table_name(text: str, field: str = "TABLE") -> str:
    """The table a user means by `visit`, `visits`, `走访`, `issue_event`..."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    for table, (zh, en) in RECORD_TABLES.items():
        if key in (table, zh, en.replace(" ", "_")) or (table == "pairings" and key == "pair"):
            return table
    choices = "、".join(f"{en}/{zh}" for zh, en in RECORD_TABLES.values())
    raise InvalidValue(field, text, tr(f"可选：{choices}", f"choose from: {choices}"))


def schema_sql() -> str:
    from importlib.resources import files

    try:
        return files("huidesk.data").joinpath("schema.sql").read_text(encoding="utf-8")
    except ModuleNotFoundError:  # running from a source checkout, where data/ sits beside huidesk/
        return (Path(__file__).resolve().parents[2] / "data" / "schema.sql").read_text(encoding="utf-8")


def statements(script: str) -> Iterator[str]:
    """Split an SQL script into complete statements (comments may contain semicolons)."""
    buf: list[str] = []
    for line in script.splitlines(keepends=True):
        buf.append(line)
        text = "".join(buf)
        if sqlite3.complete_statement(text):
            if text.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buf):
                yield text
            buf = []


def schema_objects(read: "Read") -> dict[tuple[str, str], str | None]:
    """(type, name) → the normalised SQL of every object in sqlite_master."""
    return {(kind, name): normal(sql) for kind, name, sql in read.all("SELECT type, name, sql FROM sqlite_master")}


def normal(sql: str | None) -> str | None:
    """Whitespace aside, also around , ( and ): a column added by ALTER TABLE is spelt
    `void_at TEXT\n, nature TEXT …)` in sqlite_master, where schema.sql lays it out one a line."""
    if sql is None:
        return None
    return re.sub(r"\s*([,()])\s*", r"\1", re.sub(r"\s+", " ", sql)).strip().rstrip(";")
