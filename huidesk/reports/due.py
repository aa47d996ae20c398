"""`due`: what is late at the spec's as-of moment, as `Late` values — issues past their response or
resolve limit, residents past their visit cadence, wishes nobody has claimed — longest first within each."""

from typing import TYPE_CHECKING

from huidesk.reports.spec import ReportSpec
from huidesk.reports.values import Value, value

if TYPE_CHECKING:
    from huidesk.ledger.store import Store


@value
class Late(Value):
    """Something late: what (issue, resident, wish), its id, subject (an issue's text, a resident's name,
    a wish), place, since when (received, last visited, listed), minutes late and why (detail: resolve,
    response, never visited, not claimed or `every N days`)."""

    what: str
    id: int
    subject: str
    place: str
    since: str | None
    late_minutes: int | None
    detail: str

    def cells(self) -> dict[str, object]:
        return self.to_json()


def due(store: "Store", spec: ReportSpec, with_pii: bool = False) -> tuple[Late, ...]:
    """What is late as of the spec's moment, with the limits its settings set; residents' names masked
    unless `with_pii`."""
    from huidesk.domain.privacy import shown
    from huidesk.ledger.late import due as late_items

    found = late_items(store, spec.as_of_iso, spec.today.isoformat(), dict(spec.settings))
    for row in found:
        if row["what"] == "resident":
            row["subject"] = shown("resident", "name", row["subject"], with_pii)
    return tuple(Late(**row) for row in found)
