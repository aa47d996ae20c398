"""The ledger's settings: what each means and which values it may take — one rule, applied when a
setting is set (`setting set`) and again when a report reads it, so a value an older huidesk took
(or a hand edit) is named in one line instead of breaking a report."""

from collections.abc import Mapping
from decimal import Decimal

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import tr

# key -> (Chinese description, English description, kind of value)
KNOWN = {
    "response_limit_hours": ("响应时限（小时）", "response limit (hours)", "hours"),
    "resolve_limit_days": ("办结时限（天）", "resolve limit (days)", "days"),
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
}
# A limit of an issue kind or nature of its own: `resolve_limit.complaint`, `response_limit.dispute`.
LIMIT_KEYS = ("response_limit", "resolve_limit")

# What a limit may be: an hour at the least (a shorter one has every issue late at once, and a fraction
# of a minute was 0), a year at the most (the reports count an issue's days within that).
LEAST_MINUTES = 60
MOST_MINUTES = 365 * 1440
LIMIT_BOUNDS = ("1 小时到 365 天", "from 1 hour to 365 days")
_NUMBER = r"\d{1,6}(?:\.\d{1,4})?"  # a plain decimal: no sign, exponent, NaN or thousand digits


def limit_minutes(text: str, default_unit: str, field: str = "VALUE") -> int:
    """Whole minutes of a limit typed as `48h`, `3d`, `48小时`, `3天` or a bare number in `default_unit`
    (h or d), within LEAST_MINUTES..MOST_MINUTES. Working days (工作日) need the State Council's
    calendar and are not counted yet."""
    import re

    m = re.fullmatch(rf"\s*({_NUMBER})\s*(h|hours?|小时|d|days?|天)?\s*", text, re.IGNORECASE)
    if m is None:
        why = tr("工作日暂不支持，请用小时或天（如 120h、5d）", "working days are not supported yet; use hours or days")
        hint = why if "工作日" in text else tr("应为正数，单位 h/小时 或 d/天（如 24h、5d）",
                                               "a positive number of hours or days (24h, 5d)")
        raise InvalidValue(field, text, hint)
    unit = (m[2] or default_unit).lower()
    minutes = Decimal(m[1]) * (60 if unit[0] in "h小" else 1440)
    if not LEAST_MINUTES <= minutes <= MOST_MINUTES:
        raise InvalidValue(field, text, tr(f"应在 {LIMIT_BOUNDS[0]} 之间", LIMIT_BOUNDS[1]))
    return int(minutes)


def _plain_limit(text: str, unit: str, field: str) -> int:
    """A ledger-wide limit: a bare number of hours (response_limit_hours) or days (resolve_limit_days)."""
    import re

    if re.fullmatch(_NUMBER, text) is None:
        raise InvalidValue(field, text, tr(
            f"应为{'小时' if unit == 'h' else '天'}数，在 {LIMIT_BOUNDS[0]} 之间",
            f"a number of {'hours' if unit == 'h' else 'days'}, {LIMIT_BOUNDS[1]}"))
    return limit_minutes(text, unit, field)


def weight(text: str, field: str = "VALUE") -> Decimal:
    """The weight of 基本满意: a plain decimal from 0 to 1."""
    import re

    if re.fullmatch(_NUMBER, text) is None or not 0 <= Decimal(text) <= 1:
        raise InvalidValue(field, text, tr("应在 0 到 1 之间（如 0.8）", "must be between 0 and 1 (0.8)"))
    return Decimal(text)


def checked(key: str, value: str, field: str = "VALUE") -> str:
    """The value a known setting is set to (a limit's, a weight's), or InvalidValue naming `field`."""
    kind = KNOWN[key][2] if key in KNOWN else "limit"
    if kind == "hours" or kind == "days":
        _plain_limit(value, kind[0], field)
    elif kind == "limit":
        limit_minutes(value, "h" if key.startswith("response") else "d", field)
    elif kind == "fraction":
        weight(value, field)
    return value


def _stored(key: str, error: InvalidValue) -> InvalidValue:
    """A setting the ledger holds that the rule refuses, named by its key, saying how to mend it."""
    return InvalidValue(key, error.value, tr(
        f"{error.reason}；这是账本中保存的设置，请用 huidesk setting set {key} 改正",
        f"{error.reason}; a setting stored in the ledger: mend it with huidesk setting set {key}"))


def setting_limit(settings: Mapping[str, str], key: str) -> int:
    """Whole minutes of the limit `key` (response_limit_hours, resolve_limit_days, or a kind's or a
    nature's `resolve_limit.complaint`) as the ledger holds it, checked as `setting set` checks it."""
    value = settings[key]
    try:
        if key in KNOWN:
            return _plain_limit(value, KNOWN[key][2][0], key)
        return limit_minutes(value, "h" if key.startswith("response") else "d", key)
    except InvalidValue as e:
        raise _stored(key, e) from None


def setting_weight(settings: Mapping[str, str]) -> Decimal:
    """The weight of 基本满意 as the ledger holds it, checked as `setting set` checks it."""
    try:
        return weight(settings["basically_weight"], "basically_weight")
    except InvalidValue as e:
        raise _stored("basically_weight", e) from None
