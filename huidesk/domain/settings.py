"""The ledger's settings: what each means and which values it may take — one rule, applied when a
setting is set (`setting set`) and again when a report reads it, so a value an older huidesk took
(or a hand edit) is named in one line instead of breaking a report."""

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

if TYPE_CHECKING:
    import datetime as dt

    from huidesk.domain.calendar import Limit, WorkCalendar

# key -> (Chinese description, English description, kind of value)
KNOWN = {
    "response_limit_hours": ("响应时限（24h、1d、1工作日；只写数字按小时）",
                             "response limit (24h, 1d, 1wd; a bare number is hours)", "hours"),
    "resolve_limit_days": ("办结时限（5d、3工作日、72h；只写数字按天）",
                           "resolve limit (5d, 3wd, 72h; a bare number is days)", "days"),
    "basically_weight": (
        "“基本满意”计入满意率的权重（0–1）",
        "weight of 基本满意 in the satisfaction rate (0-1)",
        "fraction",
    ),
    "issuer": ("证明的出具单位", "issuer of certificates", "text"),
    "ledger_name": ("本账本的名称（随 bundle 报送）", "this ledger's name (carried by its bundles)", "name"),
    "ledger_place": ("本账本所属地点的路径", "the path of this ledger's place", "path"),
    "callback_reading": ("解决率、满意率按每件诉求的 final（最后一次）或 first（第一次）回访",
                         "which callback of an issue the resolution and satisfaction rates read: final or first",
                         "reading"),
    "categories": ("本账本增加的诉求类别，逗号分隔（如 燃气,电梯）", "categories this ledger adds, comma-separated",
                   "categories"),
    "report_unit": ("月度台账的填报单位（空则用 issuer）", "the unit filing the monthly sheet (empty: the issuer)",
                    "text"),
    "report_preparer": ("月度台账的填报人", "who prepares the monthly sheet", "text"),
    "report_reviewer": ("月度台账的审核人", "who reviews the monthly sheet", "text"),
    "response_events": ("计为响应的事件：dispatched,arrived,resolved（派单、到场、办结），可加 contacted（先行联系），"
                        "或只用 contacted", "the events that count as the first response: dispatched,arrived,resolved"
                        " (default), with contacted added, or contacted alone", "events"),
    "repeat_days": ("受理时提示重复件：同一地点、同一类别在这么多天内已有诉求（0 不提示）",
                    "hint a repeat when the same place and category had an issue within this many days (0: never)",
                    "count"),
    "score_weights": ("综合得分的权重：响应率/解决率/满意率（如 10/45/45）",
                      "the score's weights of response, resolution and satisfaction rates (10/45/45)", "weights"),
    "holidays": ("本账本增加的法定节假日（逗号分隔的日期，补上日历尚未公布的年份）",
                 "statutory holidays this ledger adds (dates, comma-separated: a year the calendar lacks)", "dates"),
    "workdays": ("本账本增加的调休上班日（逗号分隔的日期）", "working weekend days (调休) this ledger adds", "dates"),
}
# A limit of an issue kind or nature of its own: `resolve_limit.complaint`, `response_limit.dispute`.
LIMIT_KEYS = ("response_limit", "resolve_limit")
# The settings a deadline is counted from: the limits and the ledger's own calendar days.
CALENDAR_KEYS = ("holidays", "workdays")
# The events that may count as an issue's first response (setting response_events), and the sets allowed:
# the three of DESIGN.md, those with 先行联系 (contacted) added, or 先行联系 alone.
RESPONSE_EVENTS = ("dispatched", "arrived", "resolved", "contacted")
_RESPONSE_SETS = (frozenset(RESPONSE_EVENTS[:3]), frozenset(RESPONSE_EVENTS), frozenset({"contacted"}))

# What a limit may be: an hour at the least (a shorter one has every issue late at once), a year at the
# most (the reports count an issue's days within that).
LEAST_MINUTES = 60
MOST_MINUTES = 365 * 1440
LIMIT_BOUNDS = ("1 小时到 365 天", "from 1 hour to 365 days")
_NUMBER = r"\d{1,6}(?:\.\d{1,4})?"  # a plain decimal: no sign, exponent, NaN or thousand digits


@lru_cache(maxsize=64)  # the same few texts, read again for every team of a report
def typed_limit(text: str, default_unit: str, field: str = "VALUE") -> "Limit":
    """A limit typed as `48h`, `3d`, `3工作日` / `3wd` (the State Council's working days) or a bare number in
    `default_unit` (h or d), from 1 hour to 365 days (or working days)."""
    from huidesk.domain.calendar import parse_limit

    limit = parse_limit(text, {"h": "hours", "d": "days"}[default_unit], field)
    minutes = limit.amount * (60 if limit.unit == "hours" else 1440)
    if not LEAST_MINUTES <= minutes <= MOST_MINUTES:
        raise InvalidValue(field, text, tr(f"应在 {LIMIT_BOUNDS[0]} 之间", LIMIT_BOUNDS[1]))
    return limit


def limit_minutes(text: str, default_unit: str, field: str = "VALUE") -> int:
    """Whole minutes of a limit in hours or calendar days counted as a span (`48h`, `3d`): what an older
    huidesk counted every limit as; kept for the places that need a span, not a deadline."""
    limit = typed_limit(text, default_unit, field)
    if limit.unit == "workdays":
        raise InvalidValue(field, text, tr("这里须用小时或天", "hours or days here"))
    return int(limit.amount * (60 if limit.unit == "hours" else 1440))


@lru_cache(maxsize=64)  # the same few texts, read again for every team of a report
def weight(text: str, field: str = "VALUE") -> Decimal:
    """The weight of 基本满意: a plain decimal from 0 to 1."""
    import re

    if re.fullmatch(_NUMBER, text) is None or not 0 <= Decimal(text) <= 1:
        raise InvalidValue(field, text, tr("应在 0 到 1 之间（如 0.8）", "must be between 0 and 1 (0.8)"))
    return Decimal(text)


def checked(key: str, value: str, field: str = "VALUE") -> str:
    """The value a known setting is set to, as it is stored (a list of days sorted, weights as typed), or
    InvalidValue naming `field`."""
    kind = KNOWN[key][2] if key in KNOWN else "limit"
    if kind in ("hours", "days", "limit"):
        unit = "h" if kind == "hours" or (kind == "limit" and key.startswith("response")) else "d"
        typed_limit(value, unit, field)
    elif kind == "fraction":
        weight(value, field)
    elif kind == "events":
        return ",".join(sorted(events(value, field), key=RESPONSE_EVENTS.index))
    elif kind == "count":
        count(value, field)
    elif kind == "weights":
        weights(value, field)
    elif kind == "dates":
        return ",".join(d.isoformat() for d in dates(value, field))
    return value


@lru_cache(maxsize=64)  # the same few texts, read again for every team of a report
def events(text: str, field: str = "VALUE") -> frozenset[str]:
    """The events that count as the first response (setting response_events)."""
    import re

    from huidesk.domain.vocab import resolve

    names = [n for n in re.split(r"[,，、\s]+", text.strip()) if n]
    found = frozenset(resolve("event", n, field) for n in names) if names else frozenset()
    if found not in _RESPONSE_SETS:
        raise InvalidValue(field, text, tr(
            "可选：dispatched,arrived,resolved；再加 contacted；或只写 contacted",
            "dispatched,arrived,resolved; those and contacted; or contacted alone"))
    return found


def count(text: str, field: str = "VALUE") -> int:
    """A whole number of days from 0 to 365 (setting repeat_days)."""
    if not text.strip().isdigit() or int(text) > 365:
        raise InvalidValue(field, text, tr("应为 0 到 365 的整数（天）", "a whole number of days from 0 to 365"))
    return int(text)


@lru_cache(maxsize=64)  # the same few texts, read again for every team of a report
def weights(text: str, field: str = "VALUE") -> tuple[Decimal, Decimal, Decimal]:
    """The score's weights of 响应率, 解决率 and 满意率: three plain numbers, not all 0 (10/45/45)."""
    import re

    parts = re.split(r"\s*[/,，、:：]\s*", text.strip())
    if len(parts) != 3 or any(re.fullmatch(_NUMBER, p) is None for p in parts) or not any(Decimal(p) for p in parts):
        raise InvalidValue(field, text, tr("应为三个非负数，用 / 分隔：响应率/解决率/满意率（如 10/45/45）",
                                           "three numbers, not all 0: response/resolution/satisfaction (10/45/45)"))
    return Decimal(parts[0]), Decimal(parts[1]), Decimal(parts[2])


def dates(text: str, field: str = "VALUE") -> tuple["dt.date", ...]:
    """Days written as ISO dates, comma-separated (setting holidays, workdays), sorted; empty for none."""
    import datetime as dt
    import re

    found = set()
    for part in (p for p in re.split(r"[,，、;；\s]+", text.strip()) if p):
        try:
            found.add(dt.date.fromisoformat(part))
        except ValueError:
            raise InvalidValue(field, part, tr("应为日期，如 2027-01-01", "a date like 2027-01-01")) from None
    return tuple(sorted(found))


def _stored(key: str, error: InvalidValue) -> InvalidValue:
    """A setting the ledger holds that the rule refuses, named by its key, saying how to mend it."""
    return InvalidValue(key, error.value, tr(
        f"{error.reason}；这是账本中保存的设置，请用 huidesk setting set {key} 改正",
        f"{error.reason}; a setting stored in the ledger: mend it with huidesk setting set {key}"))


def setting_limit(settings: Mapping[str, str], key: str) -> int:
    """Whole minutes the limit `key` spans, counting a day (or a working day) as 24 hours: for what needs
    a span rather than a deadline (an Open311 request's expected time). Deadlines: `limit_setting`."""
    limit = limit_setting(settings, key)
    return int(limit.amount * (60 if limit.unit == "hours" else 1440))


def limit_setting(settings: Mapping[str, str], key: str) -> "Limit":
    """The limit `key` (response_limit_hours, resolve_limit_days, or a kind's or a nature's
    `resolve_limit.complaint`) as the ledger holds it, checked as `setting set` checks it."""
    value = settings[key]
    kind = KNOWN[key][2] if key in KNOWN else "limit"
    unit = "h" if kind == "hours" or (kind == "limit" and key.startswith("response")) else "d"
    try:
        return typed_limit(value, unit, key)
    except InvalidValue as e:
        raise _stored(key, e) from None


def setting_calendar(settings: Mapping[str, str]) -> "WorkCalendar":
    """The working days deadlines are counted by: the State Council's, with the ledger's own days."""
    from huidesk.domain.calendar import WorkCalendar

    found = {}
    for key in CALENDAR_KEYS:
        try:
            found[key] = frozenset(dates(settings.get(key, ""), key))
        except InvalidValue as e:
            raise _stored(key, e) from None
    return WorkCalendar(found["holidays"], found["workdays"])


def setting_events(settings: Mapping[str, str]) -> frozenset[str]:
    """The events that count as an issue's first response, as the ledger holds them."""
    try:
        return events(settings["response_events"], "response_events")
    except InvalidValue as e:
        raise _stored("response_events", e) from None


def setting_weights(settings: Mapping[str, str]) -> tuple[Decimal, Decimal, Decimal]:
    """The score's weights, as the ledger holds them."""
    try:
        return weights(settings["score_weights"], "score_weights")
    except InvalidValue as e:
        raise _stored("score_weights", e) from None


def setting_count(settings: Mapping[str, str], key: str) -> int:
    try:
        return count(settings[key], key)
    except InvalidValue as e:
        raise _stored(key, e) from None


def deadline_settings(settings: Mapping[str, str]) -> dict[str, str]:
    """The settings an issue's deadlines are counted from (its limits and the ledger's calendar): a
    report whose settings as of its moment hold the same ones may read the deadlines kept for now."""
    return {k: v for k, v in settings.items()
            if k in ("response_limit_hours", "resolve_limit_days", *CALENDAR_KEYS) or k.split(".", 1)[0] in LIMIT_KEYS}


def setting_weight(settings: Mapping[str, str]) -> Decimal:
    """The weight of 基本满意 as the ledger holds it, checked as `setting set` checks it."""
    try:
        return weight(settings["basically_weight"], "basically_weight")
    except InvalidValue as e:
        raise _stored("basically_weight", e) from None
