"""The only code that speaks SQL: the Store facade, schema, transactions, journal, migrations, integrity, one module per
record family, report queries. It may import huidesk.domain only, plus sqlite3 and sqlite_utils."""
