"""The vocabulary is the one list of slugs on the Python side; data/schema.sql's CHECK constraints name the same
slugs, so a kind added to one and not the other fails here rather than at a user's insert."""

import re
from pathlib import Path

import pytest

from huidesk.domain.vocab import ISSUE_KINDS, VOCABS

SCHEMA = (Path(__file__).resolve().parent.parent / "data" / "schema.sql").read_text(encoding="utf-8")

# table.column -> the vocabulary its CHECK (column IN (...)) lists
CHECKED = {
    "places.level": "level", "units.kind": "unit_kind", "member_roles.role": "role", "teams.line": "line",
    "resident_tags.tag": "tag", "activities.theme": "theme", "issues.kind": "issue_kind", "issues.source": "source",
    "issues.nature": "nature", "issue_events.event": "event", "issue_events.answer": "answer",
    "issue_events.satisfaction": "satisfaction", "residents.consent": "consent",
}


def checks(schema: str = SCHEMA) -> dict[str, list[str]]:
    """Every `column ... CHECK (column IN ('a', 'b', ...))` of schema.sql's tables, as table.column -> slugs."""
    found = {}
    for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\)", schema, re.S):
        for column, listed in re.findall(r"\n\s+(\w+)\s[^\n]*?CHECK \(\1 IN \(([^)]*)\)\)", body):
            found[f"{table}.{column}"] = re.findall(r"'([^']*)'", listed)
    return found


def test_issue_kinds_are_the_vocabularys_in_its_order_and_the_schemas():
    assert ISSUE_KINDS == tuple(VOCABS["issue_kind"])
    assert checks()["issues.kind"] == list(ISSUE_KINDS)


@pytest.mark.parametrize("column, vocab", sorted(CHECKED.items()))
def test_each_checked_column_lists_its_vocabulary(column, vocab):
    assert checks()[column] == list(VOCABS[vocab]), column


def test_every_vocabulary_check_is_known_here():
    """A new CHECK over text slugs of a record table is matched to its vocabulary above (flags and the
    internal tables' own words aside)."""
    words = {c for c, slugs in checks().items() if slugs and not c.startswith("_")}
    assert words == set(CHECKED), "name the vocabulary of each new CHECK in CHECKED"


def test_a_kind_missing_from_the_schema_is_seen():
    broken = SCHEMA.replace("'non_police', 'infrastructure'", "'non_police'")
    assert broken != SCHEMA and checks(broken)["issues.kind"] != list(ISSUE_KINDS)
