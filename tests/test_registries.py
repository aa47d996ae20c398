"""Every record table known to every registry that must know it. A table added to data/schema.sql and to
schema.RECORD_TABLES (or LINK_TABLES) but missed by one of these would fail silently — not exported, not
merged, not in the warehouse, not toured, a field exported empty, a free-text column carried unredacted —
so each is checked against the schema here, and this test names the one that was missed.

docs/architecture.md ("Where to add a record type") lists the files a new table touches, in the order of these tests.
"""

import sqlite3

import pytest
from conftest import ok

from huidesk.ledger.schema import LINK_TABLES, RECORD_TABLES, schema_sql, statements


def _schema() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for stmt in statements(schema_sql()):
        conn.execute(stmt)
    return conn


def _tables() -> set[str]:
    """The tables of data/schema.sql that hold records or their links (the tool's own begin with _)."""
    rows = _schema().execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
    return {name for (name,) in rows}


def _columns(table: str) -> dict[str, str]:
    return {row[1]: row[2] for row in _schema().execute(f"PRAGMA table_info({table})")}


def test_the_schema_and_the_table_lists_agree():
    """schema.RECORD_TABLES and LINK_TABLES are the registries every other one is checked against."""
    assert not set(RECORD_TABLES) & set(LINK_TABLES)
    assert _tables() == set(RECORD_TABLES) | set(LINK_TABLES)
    for table in RECORD_TABLES:  # what the store, void, undo, merge and imports rely on
        assert {"id", "uid", "void_reason", "void_at"} <= set(_columns(table)), table


def test_the_store_has_an_object_for_every_record_table(db):
    from huidesk.ledger.store import TABLES, Store
    from huidesk.ledger.table import Table

    assert list(TABLES) == list(RECORD_TABLES)
    ok("init")
    store = Store.open(db, "tester")
    try:
        for name in RECORD_TABLES:
            assert isinstance(store[name], Table) and store[name].name == name
            assert getattr(store, name) is store[name]
    finally:
        store.close()


def test_every_record_table_has_a_layout_an_export_query_and_a_loader():
    from huidesk.exchange.layouts import IMPORTABLE, TABLES
    from huidesk.exchange.loaders import LOADERS
    from huidesk.ledger.exchange import EXPORTS

    assert set(TABLES) == set(RECORD_TABLES), "huidesk/exchange/layouts.py TABLES"
    assert set(EXPORTS) == set(RECORD_TABLES), "huidesk/ledger/exchange.py EXPORTS"
    assert set(LOADERS) == set(IMPORTABLE), "huidesk/exchange/loaders.py LOADERS"


def test_every_imported_table_has_the_shape_its_import_writes():
    from huidesk.exchange.layouts import IMPORTABLE
    from huidesk.ledger.shapes import SHAPES

    for table in IMPORTABLE:
        assert f"import {table}" in SHAPES, f"huidesk/ledger/shapes.py: import {table}"
        assert table in SHAPES[f"import {table}"]
    assert set(SHAPES["demo"]) >= set(RECORD_TABLES) | set(LINK_TABLES)


def test_every_exported_field_is_read_by_its_export_query(db):
    """A field the export query does not select is exported empty, silently: every field of every layout is
    a column of the query's rows (or made from one: hours from minutes, an issue's resolution)."""
    from huidesk.exchange.export import export_rows
    from huidesk.exchange.layouts import TABLES
    from huidesk.ledger.store import Store

    ok("demo")
    store = Store.open(db, "tester")
    try:
        for name, table in TABLES.items():
            rows = list(export_rows(store, table, None, None, True))
            assert rows, f"the demo ledger holds no {name}: this test cannot see its export"
            missing = {f.key for f in table.exported()} - set(rows[0])
            assert not missing, f"huidesk/ledger/exchange.py EXPORTS[{name!r}] selects no {sorted(missing)}"
    finally:
        store.close()


def test_every_table_travels_in_a_bundle_after_the_tables_it_refers_to():
    from huidesk.ledger.federation import FREE_TEXT, MERGE_ORDER, WITHHELD, columns

    assert len(MERGE_ORDER) == len(set(MERGE_ORDER))
    assert set(MERGE_ORDER) == set(RECORD_TABLES) | set(LINK_TABLES), "huidesk/ledger/federation.py MERGE_ORDER"
    conn = _schema()
    for n, table in enumerate(MERGE_ORDER):
        targets = {fk[2] for fk in conn.execute(f"PRAGMA foreign_key_list({table})")} - {table}
        assert targets <= set(MERGE_ORDER[:n]), f"MERGE_ORDER: {table} before {sorted(targets - set(MERGE_ORDER[:n]))}"
    assert columns() == {t: tuple(_columns(t)) for t in MERGE_ORDER}
    for rules in (FREE_TEXT, WITHHELD):
        for table, names in rules.items():
            assert table in MERGE_ORDER and set(names) <= set(_columns(table)), (table, names)


# The text columns that are not free text: ids, days and moments, vocabulary slugs, names and numbers. A
# pseudonymous bundle redacts every other text column (federation.FREE_TEXT) or leaves it at home (WITHHELD).
NOT_FREE_TEXT = {
    "uid", "void_at", "name", "path", "level", "kind", "line", "role", "tag", "theme", "source", "nature", "event",
    "answer", "satisfaction", "category", "joined", "left", "founded", "date", "listed", "claimed", "fulfilled",
    "since", "until", "received_at", "at", "reg_no", "ref", "no", "due_at", "extension",
}


def test_every_free_text_column_is_redacted_or_withheld_in_a_pseudonymous_bundle():
    from huidesk.ledger.federation import FREE_TEXT, MERGE_ORDER, WITHHELD

    for table in MERGE_ORDER:
        text = {name for name, kind in _columns(table).items() if kind == "TEXT"}
        handled = set(FREE_TEXT.get(table, ())) | set(WITHHELD.get(table, ())) | {"void_reason"} | NOT_FREE_TEXT
        assert text <= handled, f"{table}: say whether {sorted(text - handled)} is free text (federation.FREE_TEXT)"


def test_every_table_goes_to_the_warehouse():
    """Every record and link table, the settings, and every fact kept beside the records (facts.py)."""
    from huidesk.ledger.federation import MERGE_ORDER
    from huidesk.ledger.warehouse_rows import FACTS, TABLES, YEARLY

    assert TABLES == (*MERGE_ORDER, "settings", *FACTS), "huidesk/ledger/warehouse_rows.py TABLES"
    import inspect
    import re

    from huidesk.ledger import facts

    made = set(re.findall(r"CREATE TABLE (\w+)", inspect.getsource(facts)))
    assert set(FACTS.values()) == made == {"_issue_facts", "_visit_homes", "_visit_months", "_visit_firsts"}, \
        "facts.py's tables"
    assert set(YEARLY) <= set(MERGE_ORDER) | set(FACTS)


def test_the_tour_exports_every_record_table_and_lists_every_listed_one():
    """tests/test_tour.py: each record table exported in every format, each listing command run."""
    import test_tour

    from huidesk.cli import COMMANDS

    assert set(test_tour.EXPORTED) == set(RECORD_TABLES)
    toured = {tuple(case.args[:2]) for case in test_tour.DEMO_CASES}
    for group, (module, _, help_name) in COMMANDS.items():
        if help_name is None and module in RECORD_TABLES:
            app = getattr(__import__(f"huidesk.commands.{module}", fromlist=["app"]), "app")
            if any(c.name == "list" for c in app.registered_commands):
                assert (group, "list") in toured, f"tests/test_tour.py: {group} list"


@pytest.mark.parametrize("table", sorted(RECORD_TABLES))
def test_every_record_table_can_be_named_on_the_command_line(table):
    from huidesk.ledger.schema import table_name

    zh, en = RECORD_TABLES[table]
    assert table_name(table) == table_name(zh) == table_name(en) == table
