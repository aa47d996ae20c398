"""The physical floor of `huidesk import visits FILE.jsonl`: the same rows written with raw executemany.

    python bench/floor_import.py LEDGER.db FILE.jsonl

Reads the JSONL file, resolves team, resident and member names with dictionaries, and inserts each
visit and its resident and member rows with `executemany`, in one transaction, into the same
tables of the same ledger schema (same indexes and foreign keys, the same page cache) — with no
validation, no duplicate check and no journal. That is what any import of these rows into this schema cannot avoid.
"""

import json
import sqlite3
import sys


def main(db: str, path: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -65536")  # the page cache huidesk's bulk import uses
    teams = {name: tid for tid, name in conn.execute("SELECT id, name FROM teams")}
    residents = {name: rid for rid, name in conn.execute("SELECT id, name FROM residents")}
    members = {name: mid for mid, name in conn.execute("SELECT id, name FROM members")}
    conn.execute("BEGIN IMMEDIATE")
    vid = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM visits").fetchone()[0]
    visits: list[tuple] = []
    visited: list[tuple] = []
    crew: list[tuple] = []

    def write() -> None:
        conn.executemany("INSERT INTO visits (id, uid, team_id, date, purpose, gifts, note, follow_up)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", visits)
        conn.executemany("INSERT INTO visit_residents (visit_id, resident_id) VALUES (?, ?)", visited)
        conn.executemany("INSERT INTO visit_members (visit_id, member_id) VALUES (?, ?)", crew)
        visits.clear()
        visited.clear()
        crew.clear()

    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            visits.append((vid, r["uid"], teams[r["team"]], r["date"], r["purpose"], r["gifts"], r["note"],
                           int(r["follow_up"])))
            visited.extend((vid, residents[name]) for name in r["residents"])
            crew.extend((vid, members[name]) for name in r["members"])
            vid += 1
            if len(visits) >= 10_000:
                write()
    write()
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
