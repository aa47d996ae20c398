"""Records as they leave the ledger: immutable values, one per row the ledger reads.

Plain frozen dataclasses rather than pydantic models: a listing builds thousands of them and
must not import pydantic. Field order is the column order of the ledger's SELECT, so the ledger
builds each one positionally (`Issue(*row)`).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue with its place, team and resident, its state and times derived from its live
    events, and those times in whole minutes after it was received."""

    id: int
    uid: str
    ref: str | None
    kind: str
    source: str
    place_id: int
    place: str
    team_id: int | None
    team: str | None
    resident_id: int | None
    resident: str | None
    text: str
    received_at: str
    nature: str | None
    category: str | None
    repeat_of: int | None
    state: str | None
    first_response_at: str | None
    resolved_at: str | None
    void_reason: str | None
    due_at: str | None  # its own resolve deadline: the last extension's (延期), else the one it was opened with
    exempted: bool  # 核减: out of every rate
    response_minutes: int | None
    resolve_minutes: int | None


@dataclass(frozen=True, slots=True)
class IssueEvent:
    """One live, dated step of an issue, with its unit's name and its meeting's decision."""

    id: int
    event: str
    at: str
    unit_id: int | None
    unit: str | None
    meeting_id: int | None
    decision: str | None
    answer: str | None
    satisfaction: str | None
    note: str | None
    due_at: str | None = None  # an extension's new resolve deadline
    extension: str | None = None  # an extension's amount (2工作日)
    approver: str | None = None  # who approved an extension or an exemption


@dataclass(frozen=True, slots=True)
class Wish:
    """A live wish with its resident, the member who claimed it and its derived state
    (listed, claimed or fulfilled)."""

    id: int
    resident_id: int
    resident: str
    text: str
    state: str
    listed: str
    member_id: int | None
    member: str | None
    claimed: str | None
    fulfilled: str | None
