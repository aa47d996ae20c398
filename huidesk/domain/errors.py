"""Typed domain errors; ``cli.py`` turns each into a one-line message and an exit code."""

from enum import IntEnum

from huidesk.domain.i18n import tr


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # bad input, unknown reference, forbidden transition
    USAGE = 2  # a usage error, as Click reports it
    TAMPERED = 3  # `check` found the ledger altered behind the tool's back


class HuideskError(Exception):
    exit_code = ExitCode.ERROR


class InvalidValue(HuideskError):
    """A value that cannot be accepted; names the field and the value."""

    def __init__(self, field: str, value: object, reason: str = "") -> None:
        self.field, self.value, self.reason = field, value, reason
        shown = _clip(value)
        if reason:
            msg = tr(f"{field} 的值无效：{shown}（{reason}）", f"invalid {field}: {shown} ({reason})")
        else:
            msg = tr(f"{field} 的值无效：{shown}", f"invalid {field}: {shown}")
        super().__init__(msg)


class ValidationFailed(HuideskError):
    """Several invalid values reported at once."""

    def __init__(self, problems: list[HuideskError]) -> None:
        self.problems = problems
        super().__init__(tr("；", "; ").join(str(p) for p in problems))


class NotFound(HuideskError):
    def __init__(self, kind: str, ref: object, candidates: list[str] | None = None, field: str = "") -> None:
        self.kind, self.ref = kind, ref
        where = f"（{field}）" if field else ""
        msg = tr(f"找不到{kind}{where}：{_clip(ref)}", f"no {kind} matches {field + ' ' if field else ''}{_clip(ref)}")
        if candidates:
            msg += tr("；相近的有：", "; similar: ") + "、".join(candidates[:8])
        super().__init__(msg)


class Ambiguous(HuideskError):
    def __init__(self, kind: str, ref: object, candidates: list[str], field: str = "") -> None:
        self.kind, self.ref, self.candidates = kind, ref, candidates
        more = len(candidates) - 8
        listed = "、".join(candidates[:8]) + (tr(f" 等{len(candidates)}个", f" and {more} more") if more > 0 else "")
        super().__init__(
            tr(
                f"{field + ' ' if field else ''}{kind} {_clip(ref)} 不唯一，可能是：{listed}",
                f"{field + ' ' if field else ''}{kind} {_clip(ref)} is ambiguous: {listed}",
            )
        )


class InvalidTransition(HuideskError):
    """An action not allowed from a record's current state; the message says why."""


class LedgerError(HuideskError):
    """The ledger file is missing, locked, full or not a huidesk ledger."""


def one_line(text: str) -> str:
    """Text made safe for one line of a terminal: control and separator characters escaped."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def _clip(value: object, width: int = 60) -> str:
    """Quote a value on one line, however long or strange it is."""
    text = one_line(repr(value) if not isinstance(value, str) else value)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"“{text}”"
