"""The only code that speaks SQL: the Store facade over one table object per record table (one module per record
family), its read-only query helper and its transaction (the one door for writes), the schema, journal,
migrations, integrity, report and roster queries, bundles (federation) and their merge, the warehouse (Parquet
out, DuckDB in), and the shortcuts huidesk takes for speed. Only the store's core (store, table, tx, connect)
touches its connection. It may import huidesk.domain only, plus sqlite3, sqlite_utils and (lazily, the extra)
duckdb and pyarrow."""
