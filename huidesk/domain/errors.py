"""Typed domain errors; ``cli.py`` turns each into a one-line message and an exit code."""

from collections.abc import Callable
from enum import IntEnum

from huidesk.domain.i18n import tr


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # bad input, unknown reference, forbidden transition
    USAGE = 2  # a usage error, as Click reports it
    TAMPERED = 3  # `check` found the ledger altered behind the tool's back
    INTERNAL = 70  # a bug in huidesk (EX_SOFTWARE of sysexits.h)


class HuideskError(Exception):
    """A refusal the user can act on. `field` names what was wrong in the domain's words (`date`,
    `ref`); the command line spells it as its option (`--date`) through `message`."""

    exit_code = ExitCode.ERROR
    field = ""

    def message(self, spell: Callable[[str], str]) -> str:
        """The message with the field spelled by `spell`."""
        return self.text(spell(self.field)) if self.field else str(self)

    def text(self, field: str) -> str:
        return str(self)


class InvalidValue(HuideskError):
    """A value that cannot be accepted; names the field and the value."""

    def __init__(self, field: str, value: object, reason: str = "") -> None:
        self.field, self.value, self.reason = field, value, reason
        super().__init__(self.text(field))

    def text(self, field: str) -> str:
        shown = _clip(self.value)
        if self.reason:
            return tr(f"{field} 的值无效：{shown}（{self.reason}）", f"invalid {field}: {shown} ({self.reason})")
        return tr(f"{field} 的值无效：{shown}", f"invalid {field}: {shown}")


class ValidationFailed(HuideskError):
    """Several invalid values reported at once."""

    def __init__(self, problems: list[HuideskError]) -> None:
        self.problems = problems
        super().__init__(tr("；", "; ").join(str(p) for p in problems))

    def message(self, spell: Callable[[str], str]) -> str:
        return tr("；", "; ").join(p.message(spell) for p in self.problems)


class NotFound(HuideskError):
    def __init__(self, kind: str, ref: object, candidates: list[str] | None = None, field: str = "") -> None:
        self.kind, self.ref, self.candidates, self.field = kind, ref, candidates, field
        super().__init__(self.text(field))

    def text(self, field: str) -> str:
        kind, ref = self.kind, _clip(self.ref)
        where = f"（{field}）" if field else ""
        msg = tr(f"找不到{kind}{where}：{ref}", f"no {kind} matches {field + ' ' if field else ''}{ref}")
        if self.candidates:
            msg += tr("；相近的有：", "; similar: ") + "、".join(self.candidates[:8])
        return msg


class Ambiguous(HuideskError):
    def __init__(self, kind: str, ref: object, candidates: list[str], field: str = "") -> None:
        self.kind, self.ref, self.candidates, self.field = kind, ref, candidates, field
        super().__init__(self.text(field))

    def text(self, field: str) -> str:
        candidates = self.candidates
        more = len(candidates) - 8
        listed = "、".join(candidates[:8]) + (tr(f" 等{len(candidates)}个", f" and {more} more") if more > 0 else "")
        named = field + " " if field else ""
        return tr(
            f"{named}{self.kind} {_clip(self.ref)} 不唯一，可能是：{listed}",
            f"{named}{self.kind} {_clip(self.ref)} is ambiguous: {listed}",
        )


class Duplicate(HuideskError):
    """A second record of a name that exists; the user may mean the first one, or a namesake."""

    def __init__(self, kind: str, name: str, existing: int, where: str = "") -> None:
        self.kind, self.name, self.existing, self.where, self.field = kind, name, existing, where, "name"
        super().__init__(self.text("name"))

    def text(self, field: str) -> str:
        kind, n = self.kind, self.existing
        at = f"（{self.where}）" if self.where else ""
        return tr(
            f"已有同名{kind} #{n}{at}：是同一人请直接用 #{n}；确是另一人请加 --allow-duplicate，之后用 名字#编号 区分",
            f"a {kind} of this name exists: #{n}{at}; for that one use #{n}; for a namesake add --allow-duplicate "
            "and tell them apart as NAME#ID later",
        )


class InvalidTransition(HuideskError):
    """An action not allowed from a record's current state; the message says why."""


class WouldOverwrite(HuideskError):
    """A file exists where one would be written, and --force was not given."""

    def __init__(self, path: object) -> None:
        self.path = path
        super().__init__(tr(f"文件已存在，未覆盖：{path}（确要覆盖请加 --force）",
                            f"file exists, not overwritten: {path} (add --force to overwrite)"))


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
