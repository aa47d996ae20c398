"""Records as immutable, validated values at the store boundary (pydantic).

Validation reports every bad field at once, each named by the option the user typed.
"""

import datetime as dt
import re
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from huidesk.domain.errors import HuideskError, InvalidValue, ValidationFailed
from huidesk.domain.i18n import tr
from huidesk.domain.rules import MAX_MINUTES, after_today, after_today_reason
from huidesk.domain.rules import printable as _printable

_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{5,8}")


def _phone(text: str | None) -> str | None:
    if text is None:
        return None
    compact = re.sub(r"[\s-]", "", text) if not text.startswith("0") else re.sub(r"\s", "", text)
    if not _PHONE.fullmatch(compact):
        raise ValueError(tr("不是电话号码，例如 13800000000 或 0951-1234567", "not a phone number, e.g. 13800000000"))
    return compact


def _text(max_length: int, min_length: int = 1):
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_printable),
    ]


Name = _text(50)
LongName = _text(100)
Note = _text(2000, 0)
Phone = Annotated[str | None, AfterValidator(_phone)]


class Record(BaseModel):
    # defer_build: a command builds the validator of the one model it uses, not of all twelve.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True)
    # field -> the option a user types it with, for error messages
    OPTIONS: ClassVar[dict[str, str]] = {"name": "NAME"}

    @classmethod
    def of(cls, **values: object):
        """Validate, turning pydantic's errors into one ValidationFailed naming each option."""
        try:
            return cls(**values)
        except ValidationError as e:
            problems = []
            for err in e.errors(include_url=False):
                if not err["loc"]:  # a rule across fields: its reason is the whole message
                    problems.append(HuideskError(error_reason(err)))
                    continue
                field = str(err["loc"][0])
                option = cls.OPTIONS.get(field, "--" + field.replace("_", "-"))
                problems.append(InvalidValue(option, err.get("input"), error_reason(err)))
            raise ValidationFailed(problems) from None

    def row(self) -> dict[str, object]:
        return self.model_dump()


def error_reason(err: dict) -> str:
    """One pydantic error as the reason a user reads after the field and the value."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "string_too_short":
        return tr("不能为空", "must not be empty")
    if kind == "string_too_long":
        return tr(f"最多 {ctx.get('max_length')} 个字", f"at most {ctx.get('max_length')} characters")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(ctx.values()), "")
        sign = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}[kind]
        return tr(f"应当 {sign} {bound}", f"must be {sign} {bound}")
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


class UnitIn(Record):
    name: LongName
    kind: str
    place_id: int | None = None


class TeamIn(Record):
    name: LongName
    place_id: int
    line: str | None = None
    leader_id: int | None = None
    founded: str | None = None


def _reg_no(text: str | None) -> str | None:
    """A registration number as typed, full-width characters made plain; letters, digits and -_./ only."""
    if text is None:
        return None
    import unicodedata

    text = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z_./-]{0,49}", text):
        raise ValueError(tr("注册编号只能含字母、数字和 -_./，最多 50 个字符",
                            "a registration number holds letters, digits and -_./ only, at most 50"))
    return text


RegNo = Annotated[str | None, AfterValidator(_reg_no)]


class MemberIn(Record):
    OPTIONS: ClassVar[dict[str, str]] = {"name": "NAME", "reg_no": "--reg-no"}
    name: Name
    phone: Phone = None
    joined: str
    reg_no: RegNo = None


class MemberEdit(Record):
    """New values of a member's editable fields (the command writes only those given)."""

    OPTIONS: ClassVar[dict[str, str]] = {"reg_no": "--reg-no", "phone": "--phone"}
    reg_no: RegNo = None
    phone: Phone = None


class ResidentIn(Record):
    """A resident, with the consent PIPL asks for: a guardian's for a child under 14, and a
    separate one before health details (the disabled tag) are recorded."""

    OPTIONS: ClassVar[dict[str, str]] = {"name": "NAME", "visit_every": "--every", "born": "--born"}
    name: Name
    place_id: int
    born: int | None = Field(default=None, ge=1900, le=2100)
    phone: Phone = None
    visit_every: int | None = Field(default=None, ge=1, le=3650)
    consent: str | None = None
    guardian: Annotated[str, Field(max_length=50), AfterValidator(_printable)] | None = None
    health_consent: bool = False
    tags: tuple[str, ...] = ()
    this_year: int = Field(default_factory=lambda: dt.date.today().year, exclude=True)

    @model_validator(mode="after")
    def _consent(self):
        if self.born is not None and self.born > self.this_year:
            raise ValueError(tr(f"--born {self.born} 晚于今年", f"--born {self.born} is in the future"))
        if self.born is not None and self.this_year - self.born < 14:
            if self.consent != "guardian" or not self.guardian:
                raise ValueError(
                    tr(
                        "未满14周岁的居民需要监护人同意：加 --consent guardian --guardian 监护人姓名",
                        "a child under 14 needs a guardian's consent: add --consent guardian --guardian NAME",
                    )
                )
        if self.consent == "guardian" and not self.guardian:
            raise ValueError(
                tr("--consent guardian 需要 --guardian 监护人姓名", "--consent guardian needs --guardian NAME")
            )
        if "disabled" in self.tags and not self.health_consent:
            raise ValueError(
                tr(
                    "记录残疾等健康信息需要单独同意：加 --health-consent",
                    "health details (disabled) need separate consent: add --health-consent",
                )
            )
        return self

    def row(self) -> dict[str, object]:
        return self.model_dump(exclude={"tags", "this_year"})


class IssueIn(Record):
    OPTIONS: ClassVar[dict[str, str]] = {"text": "TEXT", "received_at": "--at"}
    ref: Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_printable)] | None = None
    kind: str
    source: str
    place_id: int
    team_id: int | None = None
    resident_id: int | None = None
    text: _text(2000)
    received_at: str


class MeetingIn(Record):
    OPTIONS: ClassVar[dict[str, str]] = {"decision": "--decision"}
    date: str
    decision: _text(2000)
    issue_id: int | None = None
    place_id: int | None = None


# --- visits, activities, wishes, cards, pairings -----------------------------------------

MAX_VOLUNTEERS = 10_000
MAX_SERVED = 1_000_000


def _not_after_today(value: str | None, info) -> str | None:
    """A day of work done cannot lie after today (it is a typing mistake, not a plan)."""
    today = info.data.get("today")
    if after_today(value, today):
        raise ValueError(after_today_reason(today))
    return value


def _minutes(value: object) -> object:
    """Hours as typed (2, 1.5, 90分钟) to whole minutes; see huidesk.domain.hours."""
    if isinstance(value, str):
        from huidesk.domain.hours import parse_hours

        try:
            return parse_hours(value)
        except InvalidValue as e:
            raise ValueError(e.reason) from None
    return value


DoneOn = Annotated[str, AfterValidator(_not_after_today)]
Minutes = Annotated[int, BeforeValidator(_minutes), Field(ge=0, le=MAX_MINUTES)]
Text200 = _text(200)
Text500 = _text(500)


class Done(Record):
    """A record of work done; `today` comes first so that its dates can be checked against it."""

    today: str = Field(default="9999-12-31", exclude=True)


class VisitIn(Done):
    """A visit; `minutes_each` (--hours) is credited to each member who went (`member_ids`).

    `huidesk.domain.rules.visit` decides a command's visit the same way without importing pydantic: a change
    to these fields or rules is a change there too (tests/test_startup.py compares the two)."""

    OPTIONS: ClassVar[dict[str, str]] = {"gifts": "--gift", "team_id": "--team", "minutes_each": "--hours",
                                         "member_ids": "--member"}
    team_id: int
    date: DoneOn
    purpose: Text200 | None = None
    gifts: tuple[Text200, ...] = ()
    note: _text(2000) | None = None
    follow_up: bool = False
    minutes_each: Minutes | None = None
    member_ids: tuple[int, ...] = ()

    @model_validator(mode="after")
    def _volunteers(self):
        if self.minutes_each is not None and not self.member_ids:
            from huidesk.domain.hours import show_hours

            each = show_hours(self.minutes_each)
            raise ValueError(
                tr(
                    f"--hours {each} 是每位走访队员的服务时长：请用 --member 列出走访的队员",
                    f"--hours {each} is each visiting member's time: name them with --member",
                )
            )
        return self

    def row(self) -> dict[str, object]:
        values = self.model_dump(exclude={"gifts", "member_ids"})
        return {**values, "gifts": "、".join(self.gifts) or None}


class ActivityIn(Done):
    """An activity; `minutes_each` is the time each volunteer served (--hours)."""

    OPTIONS: ClassVar[dict[str, str]] = {"minutes_each": "--hours", "member_ids": "--member", "team_id": "--team"}
    team_id: int
    theme: str
    date: DoneOn
    place_id: int | None = None
    title: Text200 | None = None
    volunteers: int | None = Field(default=None, ge=0, le=MAX_VOLUNTEERS)
    served: int | None = Field(default=None, ge=0, le=MAX_SERVED)
    minutes_each: Minutes | None = None
    member_ids: tuple[int, ...] = ()

    @property
    def headcount(self) -> int:
        return self.volunteers if self.volunteers is not None else len(self.member_ids)

    @model_validator(mode="after")
    def _counts(self):
        if self.volunteers is not None and self.volunteers < len(self.member_ids):
            raise ValueError(
                tr(
                    f"--volunteers {self.volunteers} 少于 --member 列出的 {len(self.member_ids)} 人",
                    f"--volunteers {self.volunteers} is fewer than the {len(self.member_ids)} named with --member",
                )
            )
        if self.minutes_each and not self.headcount:
            from huidesk.domain.hours import show_hours

            each = show_hours(self.minutes_each)
            raise ValueError(
                tr(
                    f"--hours {each} 是每位志愿者的服务时长：请用 --volunteers 给出人数或用 --member 列出队员",
                    f"--hours {each} is each volunteer's time: give --volunteers or name --member",
                )
            )
        return self

    def row(self) -> dict[str, object]:
        values = self.model_dump(exclude={"minutes_each", "member_ids", "volunteers"})
        return {**values, "volunteers": self.headcount, "minutes": (self.minutes_each or 0) * self.headcount}


class WishIn(Done):
    OPTIONS: ClassVar[dict[str, str]] = {"text": "TEXT", "listed": "--date", "resident_id": "--resident"}
    resident_id: int
    text: Text500
    listed: DoneOn


class StepIn(Done):
    """A dated step of a record (a wish claimed or fulfilled)."""

    date: DoneOn


class CardIn(Done):
    OPTIONS: ClassVar[dict[str, str]] = {"resident_id": "--resident"}
    resident_id: int
    kind: _text(50)
    no: Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_printable)] | None = None
    date: DoneOn


class PairingIn(Done):
    OPTIONS: ClassVar[dict[str, str]] = {"member_id": "--member", "resident_id": "--resident"}
    member_id: int
    resident_id: int
    since: DoneOn
    note: Text500 | None = None
