"""What each huidesk command writes: the shape of its journal entries, which `check` holds every entry to.

An entry names the command that wrote it (its `command`: the words huidesk was run with, `team add`,
`import visits`, or `merge 紫园社区 …` followed by what was merged) and lists each row it wrote with
its table and operation. A command writes only certain tables, in certain ways: `activity add` inserts
an activity and its members' rows and changes nothing that was there; `void` marks records void.
Someone who can write the ledger file can append an entry and recompute the hash chain — the
algorithm is public —, so a valid chain alone does not say a command of huidesk's wrote it. `check`
therefore also refuses an entry whose command huidesk does not have (`activity edit`), or that writes
a table or an operation its command never writes (`activity add` updating an activity).

To add a command, or a table to what one writes: add its journal text to SHAPES with each table it
writes and the operations (insert, update, void — `update` covers an undo's restore). A command that
writes nothing goes in READ_ONLY. tests/test_trust_check.py walks every registered command of the CLI
and fails on one that is in neither, and runs each shape past a real write where it can.
"""

from huidesk.ledger.schema import LINK_TABLES, RECORD_TABLES

INSERT, UPDATE, VOID = "insert", "update", "void"

Shape = dict[str, frozenset[str]]  # table -> the operations a command may journal on it

_ALL_RECORDS = ",".join(RECORD_TABLES)
_ALL_LINKS = ",".join(LINK_TABLES)


def _shape(spec: dict[str, str]) -> Shape:
    """{"activities,activity_members": "insert"} -> {"activities": {insert}, "activity_members": {insert}}."""
    shape: dict[str, set[str]] = {}
    for tables, ops in spec.items():
        for table in tables.split(","):
            shape.setdefault(table, set()).update(ops.split())
    return {table: frozenset(ops) for table, ops in shape.items()}


# The command text of a journal entry -> what it writes. Settings live in _settings: `init` writes the
# defaults, the ledger's identity and signing key (and its own place); `bundle` makes a key an older
# ledger lacks.
SHAPES: dict[str, Shape] = {command: _shape(spec) for command, spec in {
    "init": {"_settings": "insert update", "places": "insert"},
    "demo": {  # a sample ledger, built into an empty one in one entry
        _ALL_RECORDS: "insert", _ALL_LINKS: "insert", "_settings": "insert update",
        "teams,memberships,wishes": "update",
    },
    "setting set": {"_settings": "insert update", "_setting_changes": "insert"},  # the change and when
    "void": {_ALL_RECORDS: "void"},
    "undo": {_ALL_RECORDS: "void update"},  # voids what the last command wrote, or restores what it voided
    "place add": {"places": "insert"},
    "unit add": {"units": "insert"},
    "team add": {"teams,memberships": "insert"},
    "member add": {"members,member_roles,memberships": "insert"},
    "member edit": {"members": "update"},
    "member join": {"memberships": "insert"},
    "member leave": {"memberships": "update"},
    "resident add": {"residents,resident_tags": "insert"},
    "visit add": {"visits,visit_residents,visit_members": "insert"},
    "activity add": {"activities,activity_members": "insert"},
    "wish add": {"wishes": "insert"},
    "wish claim": {"wishes": "update"},
    "wish fulfil": {"wishes": "update"},
    "card issue": {"cards": "insert"},
    "pair add": {"pairings": "insert"},
    "issue open": {"issues,issue_events": "insert"},
    **{f"issue {event}": {"issue_events": "insert"} for event in (
        "dispatch", "arrive", "transfer", "return", "escalate", "resolve", "callback", "close", "reopen",
        "extend", "exempt", "contact")},
    "meeting add": {"meetings,meeting_parties,issue_events": "insert"},
    # `import TABLE`: the rows of one table, with the rows each record brings (a member's roles and
    # teams, a visit's residents and members, an issue's received and resolved events)
    "import places": {"places": "insert update"},
    "import units": {"units": "insert update"},
    "import teams": {"teams": "insert update"},
    "import members": {"members,member_roles,memberships": "insert update"},
    "import memberships": {"memberships": "insert update"},
    "import residents": {"residents,resident_tags": "insert update"},
    "import visits": {"visits,visit_residents,visit_members": "insert update"},
    "import activities": {"activities,activity_members": "insert update"},
    "import issues": {"issues,issue_events": "insert update"},
    "import issue_events": {"issue_events": "insert update"},
    "import wishes": {"wishes": "insert update"},
    "import cards": {"cards": "insert update"},
    "import pairings": {"pairings": "insert update"},
    "bundle": {"_bundles_made": "insert", "_settings": "insert update"},
    # the web desk's Open311 keys (its forms journal as the commands they stand for: `visit add`, `issue open`, …)
    "key add": {"_api_keys": "insert"},
    "key revoke": {"_api_keys": "update"},
    # a street's merge of one bundle: the source's records (places unified by path, never changed; link
    # rows written once with their record), where each came from, the source and the bundle
    "merge": {
        _ALL_RECORDS: "insert update void", "places": "insert", _ALL_LINKS: "insert",
        "_sources": "insert update", "_bundles": "insert", "_merged": "insert",
    },
}.items()}
# Commands whose journal text goes on after their words (`merge 紫园社区 3f2a… #1-40 …`).
PREFIXED = frozenset({"merge"})

# The commands that write nothing to the journal.
READ_ONLY = frozenset({
    "summary", "due", "certificate", "export", "log", "check", "sql", "backup", "sources", "warehouse",
    "report monthly", "report roster", "setting list",
    "place list", "place tree", "unit list", "team list", "team show", "member list", "member show",
    "resident list", "resident show", "visit list", "activity list", "wish list", "card list", "pair list",
    "issue list", "issue show", "meeting list", "key list", "serve",
})


# What an older huidesk left before the command's words when it was run as `python -m huidesk` (the
# program's name as Click spells it, less its first word): its ledgers' entries are its commands' all the same.
_RUN_AS_MODULE = "-m huidesk "


def shape_of(command: str) -> Shape | None:
    """What the command that journaled `command` may write; None when no huidesk command journals it."""
    command = command.removeprefix(_RUN_AS_MODULE)
    found = SHAPES.get(command)
    if found is None:
        first = command.split(" ", 1)[0]
        if first in PREFIXED and command != first:
            found = SHAPES[first]
    return found
