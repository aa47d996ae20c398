"""The migration runner: an older ledger is brought up to date when it is opened, atomically."""

import sqlite3

import pytest
from conftest import fingerprint, ok, run

from huidesk.ledger import migrations, schema


@pytest.fixture
def extra_migration(monkeypatch):
    """A migration that a later huidesk might ship: a nullable column on residents."""
    before = list(migrations.MIGRATIONS._migrations)

    @migrations.MIGRATIONS(name="0001_residents_note")
    def add_note(db):
        db.execute("ALTER TABLE residents ADD COLUMN note TEXT")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    yield
    migrations.MIGRATIONS._migrations[:] = before


def test_an_older_ledger_migrates_on_open_and_keeps_its_records(village, extra_migration):
    journal_before = fingerprint(village)[0]
    ok("resident", "list")  # any command opens the ledger, and so migrates it
    conn = sqlite3.connect(village)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert sorted(applied) == sorted(migrations.migration_names()) and "0001_residents_note" in applied
    assert "note" in [c[1] for c in conn.execute("PRAGMA table_info(residents)")]
    assert fingerprint(village)[0] == journal_before
    assert len(ok("resident", "list", "--format", "json").stdout.splitlines()) > 1
    ok("check")  # a new nullable column leaves every record's digest valid


def test_a_failing_migration_changes_nothing(village, monkeypatch):
    before = list(migrations.MIGRATIONS._migrations)
    version = sqlite3.connect(village).execute("PRAGMA user_version").fetchone()[0]

    @migrations.MIGRATIONS(name="0001_broken")
    def broken(db):
        db.execute("ALTER TABLE residents ADD COLUMN half TEXT")
        db.execute("THIS IS NOT SQL")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    try:
        result = run("resident", "list")
        assert result.exit_code == 1 and "Traceback" not in result.stderr
    finally:
        migrations.MIGRATIONS._migrations[:] = before
    conn = sqlite3.connect(village)
    assert "half" not in [c[1] for c in conn.execute("PRAGMA table_info(residents)")]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version


def test_a_ledger_from_a_newer_huidesk_is_refused(village):
    conn = sqlite3.connect(village)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    result = run("resident", "list")
    assert result.exit_code == 1 and "更新版本" in result.stderr
