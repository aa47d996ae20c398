"""The only code that speaks SQL: the Store facade, schema, transactions, journal, migrations, integrity, one module per
record family, report and roster queries, bundles (federation) and their merge, the warehouse (Parquet out, DuckDB
in). It may import huidesk.domain only, plus sqlite3, sqlite_utils and (lazily, the extra) duckdb and pyarrow."""
