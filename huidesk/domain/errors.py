"""Typed domain errors; ``cli.py`` turns each into a one-line message and an exit code."""

from collections.abc import Callable
from enum import IntEnum
from typing import NamedTuple

from huidesk.domain.i18n import tr
from huidesk.domain.privacy import mask, mask_phones_in, shown


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # bad input, unknown reference, forbidden transition
    USAGE = 2  # a usage error, as Click reports it
    TAMPERED = 3  # `check` found the ledger altered behind the tool's back
    NOT_REPORTED = 4  # `sources`: some source has not sent a bundle this month (cron's signal)
    INTERRUPTED = 130  # stopped by Ctrl-C (128 + SIGINT, as shells report it)
    INTERNAL = 70  # a bug in huidesk (EX_SOFTWARE of sysexits.h)


class HuideskError(Exception):
    """A refusal the user can act on. `field` names what was wrong in the domain's words (`date`,
    `ref`); the command line spells it as its option (`--date`) through `message`.

    Residents' names and phones in a message are masked (丁*志, 138****0000) unless `reveal` (the
    command was given --with-pii): an error lands in cron mail and terminal scrollback as a listing
    does. Masked are the values an error echoes: what a personal field held, the candidates of a
    reference, and any phone number in a value typed anywhere. `str(error)` is the masked message
    with the domain's field names."""

    exit_code = ExitCode.ERROR
    field = ""

    def message(self, spell: Callable[[str], str] = str, reveal: bool = False) -> str:
        """The message with the field spelled by `spell`, personal details masked unless `reveal`."""
        return self.text(spell(self.field) if self.field else "", reveal)

    def text(self, field: str, reveal: bool = False) -> str:
        return str(self)


class NotReported(HuideskError):
    """`sources` on a street ledger: who has not sent a bundle this month (said under -q too)."""

    exit_code = ExitCode.NOT_REPORTED


# Fields whose values are phone numbers, by every name a command or an import file gives them.
_PHONE_FIELDS = {"phone", "--phone", "电话", "手机", "联系电话"}


class InvalidValue(HuideskError):
    """A value that cannot be accepted; names the field and the value. `pii` says what personal
    detail the value is ("name" of a resident, "phone"), so the message can mask it; a phone field
    is known by its name."""

    def __init__(self, field: str, value: object, reason: str = "", pii: str | None = None) -> None:
        self.field, self.value, self.reason = field, value, reason
        self.pii = pii or ("phone" if field.strip().lower() in _PHONE_FIELDS else None)
        super().__init__(self.text(field))

    def text(self, field: str, reveal: bool = False) -> str:
        value = self.value
        if not reveal and self.pii and isinstance(value, str):
            value = mask(self.pii, value)
        shown = _clip(value, reveal)
        if self.reason:
            return tr(f"{field} 的值无效：{shown}（{self.reason}）", f"invalid {field}: {shown} ({self.reason})")
        return tr(f"{field} 的值无效：{shown}", f"invalid {field}: {shown}")


class ValidationFailed(HuideskError):
    """Several invalid values reported at once."""

    def __init__(self, problems: list[HuideskError]) -> None:
        self.problems = problems
        super().__init__(tr("；", "; ").join(str(p) for p in problems))

    def message(self, spell: Callable[[str], str] = str, reveal: bool = False) -> str:
        return tr("；", "; ").join(p.message(spell, reveal) for p in self.problems)


class Candidate(NamedTuple):
    """A record a reference may have meant, as an error lists it: `#1 丁*志（48号楼）`. A resident is
    a subject of the PIPL and their name is masked; members are volunteers acting in public for
    their team, and places, units and teams are no one's personal information: those stay whole."""

    id: int
    name: str
    place: str | None = None  # where it is, to tell two of the same name apart
    resident: bool = False

    def text(self, reveal: bool = False) -> str:
        name = shown("resident", "name", self.name, reveal) if self.resident else self.name
        return f"#{self.id} {name}" + (f"（{self.place}）" if self.place else "")


def _listed(candidates: list[str | Candidate], reveal: bool) -> list[str]:
    return [c.text(reveal) if isinstance(c, Candidate) else c for c in candidates]


class NotFound(HuideskError):
    def __init__(
        self, kind: str, ref: object, candidates: list[str | Candidate] | None = None, field: str = ""
    ) -> None:
        self.kind, self.ref, self.candidates, self.field = kind, ref, candidates, field
        super().__init__(self.text(field))

    def text(self, field: str, reveal: bool = False) -> str:
        kind, ref = self.kind, _clip(self.ref, reveal)
        where = f"（{field}）" if field else ""
        msg = tr(f"找不到{kind}{where}：{ref}", f"no {kind} matches {field + ' ' if field else ''}{ref}")
        if self.candidates:
            msg += tr("；相近的有：", "; similar: ") + "、".join(_listed(self.candidates[:8], reveal))
        return msg


class Ambiguous(HuideskError):
    def __init__(self, kind: str, ref: object, candidates: list[str | Candidate], field: str = "") -> None:
        self.kind, self.ref, self.candidates, self.field = kind, ref, candidates, field
        super().__init__(self.text(field))

    def text(self, field: str, reveal: bool = False) -> str:
        candidates = self.candidates
        more = len(candidates) - 8
        listed = "、".join(_listed(candidates[:8], reveal))
        listed += tr(f" 等{len(candidates)}个", f" and {more} more") if more > 0 else ""
        named = field + " " if field else ""
        return tr(
            f"{named}{self.kind} {_clip(self.ref, reveal)} 不唯一，可能是：{listed}（用 #编号 或 名字#编号 指明）",
            f"{named}{self.kind} {_clip(self.ref, reveal)} is ambiguous: {listed} (say #ID or NAME#ID)",
        )


class Duplicate(HuideskError):
    """A second record of a name that exists; the user may mean the first one, or a namesake."""

    def __init__(self, kind: str, name: str, existing: int, where: str = "") -> None:
        self.kind, self.name, self.existing, self.where, self.field = kind, name, existing, where, "name"
        super().__init__(self.text("name"))

    def text(self, field: str, reveal: bool = False) -> str:
        kind, n = self.kind, self.existing
        at = f"（{self.where}）" if self.where else ""
        return tr(
            f"已有同名{kind} #{n}{at}：是同一人请直接用 #{n}；确是另一人请加 --allow-duplicate，之后用 名字#编号 区分",
            f"a {kind} of this name exists: #{n}{at}; for that one use #{n}; for a namesake add --allow-duplicate "
            "and tell them apart as NAME#ID later",
        )


class InvalidTransition(HuideskError):
    """An action not allowed from a record's current state; the message says why."""


class Interrupted(HuideskError):
    """Work stopped by Ctrl-C before it finished; nothing was written."""

    exit_code = ExitCode.INTERRUPTED


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


def _clip(value: object, reveal: bool = False, width: int = 60) -> str:
    """Quote a value on one line, however long or strange it is, with any phone number in it masked
    unless `reveal`."""
    text = one_line(repr(value) if not isinstance(value, str) else value)
    if not reveal:
        text = mask_phones_in(text)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"“{text}”"
