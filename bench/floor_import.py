"""The physical floor of `huidesk import visits FILE.jsonl`: the same rows written with raw executemany.

    python bench/floor_import.py LEDGER.db FILE.jsonl [--journaled]

Reads the JSONL file, resolves team, resident and member names with dictionaries, and inserts each
visit and its resident and member rows with `executemany`, in one transaction, into the same
tables of the same ledger schema (same indexes and foreign keys, the same page cache) — with no
validation, no duplicate check and no journal. That is what any import of these rows into this schema cannot avoid.

`--journaled`: also what any import that journals these rows as huidesk does cannot avoid: one
journal row per record written (3.75 a visit here) with the SHA-256 of the record's canonical content,
the entry's hash over them and the entry itself, formatted with huidesk's own digest templates
(huidesk.ledger.journal) — still no validation and no duplicate check. `huidesk check` passes on
the result.
"""

import json
import sqlite3
import sys


def main(db: str, path: str, *options: str) -> None:
    journaled = "--journaled" in options
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -65536")  # the page cache huidesk's bulk import uses
    teams = {name: tid for tid, name in conn.execute("SELECT id, name FROM teams")}
    residents = {name: rid for rid, name in conn.execute("SELECT id, name FROM residents")}
    members = {name: mid for mid, name in conn.execute("SELECT id, name FROM members")}
    conn.execute("BEGIN IMMEDIATE")

    def next_id(table: str) -> int:
        return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    vid, vrid, vmid = next_id("visits"), next_id("visit_residents"), next_id("visit_members")
    visits: list[tuple] = []
    visited: list[tuple] = []
    crew: list[tuple] = []
    journal: list[tuple] = []
    if journaled:
        import datetime as dt

        from huidesk.ledger.journal import GENESIS, EntryHash, fixed_digester, row_digester

        head = conn.execute("SELECT id, hash FROM _journal ORDER BY id DESC LIMIT 1").fetchone()
        entry = head[0] + 1 if head else 1
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        chain = EntryHash(entry, at, "floor", "import visits", head[1] if head else GENESIS)
        visit_digest = row_digester("visits", ["id", "uid", "team_id", "date", "purpose", "gifts", "note", "follow_up"])
        resident_digest = fixed_digester("visit_residents", ("id", "visit_id", "resident_id"))
        member_digest = fixed_digester("visit_members", ("id", "visit_id", "member_id"))

        def journal_row(table: str, rid: int, digest: str) -> None:
            journal.append((entry, table, rid, "insert", digest))
            chain.add(table, rid, "insert", digest)

    def write() -> None:
        conn.executemany("INSERT INTO visits (id, uid, team_id, date, purpose, gifts, note, follow_up)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", visits)
        conn.executemany("INSERT INTO visit_residents (id, visit_id, resident_id) VALUES (?, ?, ?)", visited)
        conn.executemany("INSERT INTO visit_members (id, visit_id, member_id) VALUES (?, ?, ?)", crew)
        conn.executemany("INSERT INTO _journal_records (entry_id, tbl, rid, op, digest) VALUES (?, ?, ?, ?, ?)",
                         journal)
        for rows in (visits, visited, crew, journal):
            rows.clear()

    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            visit = (vid, r["uid"], teams[r["team"]], r["date"], r["purpose"], r["gifts"], r["note"],
                     int(r["follow_up"]))
            visits.append(visit)
            if journaled:
                journal_row("visits", vid, visit_digest(visit))
            for name in dict.fromkeys(r["residents"]):
                visited.append((vrid, vid, residents[name]))
                if journaled:
                    journal_row("visit_residents", vrid, resident_digest(vrid, vid, residents[name]))
                vrid += 1
            for name in dict.fromkeys(r["members"]):
                crew.append((vmid, vid, members[name]))
                if journaled:
                    journal_row("visit_members", vmid, member_digest(vmid, vid, members[name]))
                vmid += 1
            vid += 1
            if len(visits) >= 10_000:
                write()
    write()
    if journaled:
        conn.execute("INSERT INTO _journal (id, at, actor, command, prev, hash) VALUES (?, ?, ?, ?, ?, ?)",
                     (entry, at, "floor", "import visits", head[1] if head else GENESIS, chain.hexdigest()))
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
