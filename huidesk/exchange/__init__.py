"""Export and import of the ledger's record tables (csv, jsonl, json, xlsx; GeoReport v2 for issues).

Each table has one column layout, `TABLES`, used in both directions. A row carries the record's
uid and human references (team name, place path, resident name, unit name), never ledger-local
ids, so that a person can read it and another ledger can take it in. Link rows are folded in as
lists: JSON arrays in json/jsonl, cells joined with 、 in csv/xlsx. Void records are left out;
residents' names, phones and guardians are masked unless asked for.

An import reads rows one at a time and validates each inside one write transaction (so that
references, duplicates and the ledger's own rules are checked against exactly what will be
written); every bad row is collected, and the transaction is rolled back whole if there is one,
or for a dry run. Nothing here speaks SQL: the export queries and the reads an import makes are
huidesk.ledger.exchange's, and every write goes through the store's Tx.

The package, each module importing only those before it: `cells` (values as cells and back),
`layouts` (each table's columns), `readers` (import files in, row by row), `rows` (one row parsed
against its layout), `loaders` (what an import does with one valid row of each table), `importer`
(validating and writing them in one transaction), `export` (rows out, in each format) and `demo`.
"""
