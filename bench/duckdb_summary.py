"""The reference of what an analytic engine does here: the summary's figures over the same records, by DuckDB
over a Parquet copy of the ledger's tables (bench/run.py times `run` as a whole process).

    python bench/duckdb_summary.py export LEDGER DIR     # the tables the figures read, to DIR/*.parquet (once)
    python bench/duckdb_summary.py run DIR --until 2024-12-31 --as-of 2024-12-31T23:59:59+08:00

`run` prints the figures as JSON: visits and households in total and by team, visits by month, activities,
volunteer minutes and served, and per issue kind the issues received, resolved, escalated and escalated and
resolved, each issue's state derived from its live events as huidesk/ledger/issues.py defines it. run.py checks
them against `huidesk summary --format json`. DuckDB is not a dependency of huidesk (`pip install duckdb` into the
benchmark's environment; the warehouse extra brings it too). The export goes through the sqlite3 shell's CSV.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TABLES = {
    "visits": "SELECT id, team_id, date, void_reason FROM visits",
    "visit_residents": "SELECT visit_id, resident_id FROM visit_residents",
    "activities": "SELECT id, team_id, theme, date, minutes, served, void_reason FROM activities",
    "issues": "SELECT id, kind, team_id, received_at, void_reason FROM issues",
    "issue_events": "SELECT id, issue_id, event, at, void_reason FROM issue_events",
}
INTEGERS = ("minutes", "served")


def export(ledger: Path, out: Path) -> None:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp:
        for table, sql in TABLES.items():
            csv = Path(tmp) / f"{table}.csv"
            with csv.open("w") as f:
                subprocess.run(["sqlite3", "-header", "-csv", str(ledger), sql], stdout=f, check=True)
            columns = sql.removeprefix("SELECT ").split(" FROM ")[0].split(", ")
            typed = ", ".join(f'CAST("{c}" AS BIGINT) AS "{c}"' if c == "id" or c.endswith("_id") or c in INTEGERS
                              else f'"{c}"' for c in columns)  # dates and moments stay the text huidesk compares
            con.execute(f"COPY (SELECT {typed} FROM read_csv('{csv}', header = true, all_varchar = true))"
                        f" TO '{out / table}.parquet' (FORMAT parquet)")


def run(folder: Path, until: str, as_of: str) -> dict:
    import duckdb

    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{folder / table}.parquet')")
    day = "date"
    visits = con.execute(
        f"SELECT team_id, count(*) FROM visits WHERE void_reason IS NULL AND {day} <= ? GROUP BY ALL", [until]
    ).fetchall()
    homes = con.execute(
        f"SELECT v.team_id, count(DISTINCT vr.resident_id) FROM visits v JOIN visit_residents vr ON vr.visit_id = v.id"
        f" WHERE v.void_reason IS NULL AND {day.replace('date', 'v.date')} <= ? GROUP BY ALL", [until]
    ).fetchall()
    households = con.execute(
        f"SELECT count(DISTINCT vr.resident_id) FROM visits v JOIN visit_residents vr ON vr.visit_id = v.id"
        f" WHERE v.void_reason IS NULL AND {day.replace('date', 'v.date')} <= ?", [until]
    ).fetchone()[0]
    months = con.execute(
        f"SELECT substr({day}, 1, 7) AS m, count(*) FROM visits WHERE void_reason IS NULL AND {day} <= ?"
        " GROUP BY ALL ORDER BY m", [until]
    ).fetchall()
    activities = con.execute(
        f"SELECT count(*), coalesce(sum(minutes), 0), coalesce(sum(served), 0) FROM activities"
        f" WHERE void_reason IS NULL AND {day} <= ?", [until]
    ).fetchone()
    at = 'e."at"'
    kinds = con.execute(
        f"""WITH live AS (SELECT e.issue_id, e.event, {at} AS "at", e.id FROM issue_events e
                          WHERE e.void_reason IS NULL AND {at} <= ?),
            state AS (SELECT issue_id, event AS state FROM (SELECT issue_id, event, row_number() OVER
                        (PARTITION BY issue_id ORDER BY "at" DESC, id DESC) AS n FROM live
                        WHERE event NOT IN ('callback', 'consulted')) WHERE n = 1),
            times AS (SELECT issue_id, max(CASE WHEN event = 'resolved' THEN "at" END) AS resolved_at,
                        bool_or(event = 'escalated') AS escalated FROM live GROUP BY issue_id),
            issue AS (SELECT i.kind, i.received_at AS received_at, s.state, t.resolved_at,
                        coalesce(t.escalated, false) AS escalated FROM issues i
                        LEFT JOIN state s ON s.issue_id = i.id LEFT JOIN times t ON t.issue_id = i.id
                        WHERE i.void_reason IS NULL AND i.received_at <= ?)
        SELECT kind, count(*) FILTER (WHERE substr(received_at, 1, 10) <= ?) AS received,
               count(*) FILTER (WHERE state IN ('resolved', 'closed') AND substr(resolved_at, 1, 10) <= ?),
               count(*) FILTER (WHERE escalated),
               count(*) FILTER (WHERE escalated AND state IN ('resolved', 'closed')
                                AND substr(resolved_at, 1, 10) <= ?)
        FROM issue GROUP BY kind ORDER BY kind""",
        [as_of, as_of, until, until, until],
    ).fetchall()
    return {
        "visits": sum(n for _, n in visits), "households": households,
        "by_team": {str(t): [n, dict(homes).get(t, 0)] for t, n in sorted(visits)},
        "by_month": dict(months),
        "activities": activities[0], "volunteer_minutes": activities[1], "served": activities[2],
        "by_kind": {k: list(rest) for k, *rest in kinds},
    }


def huidesk_figures(summary: dict) -> dict:
    """The same figures from `huidesk summary --format json`, for run.py to compare."""
    figures = {f["key"]: f["value"] for f in summary["figures"]}
    return {
        "visits": figures.get("visits", 0), "households": figures["households"],
        "by_team": {str(t["team_id"]): [t["visits"], t["households"]] for t in summary["by_team"] if t["visits"]},
        "by_month": {m["month"]: m["visits"] for m in summary["by_month"] if m["visits"]},
        "activities": figures.get("activities", 0), "volunteer_minutes": figures["volunteer_minutes"],
        "by_kind": {k["kind"]: [k["received"], k["resolved"], k["escalated"], k["escalated_resolved"]]
                    for k in summary["by_kind"] if any(k[f] for f in ("received", "resolved", "escalated"))},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    e = sub.add_parser("export")
    e.add_argument("ledger", type=Path)
    e.add_argument("folder", type=Path)
    r = sub.add_parser("run")
    r.add_argument("folder", type=Path)
    r.add_argument("--until", required=True)
    r.add_argument("--as-of", required=True)
    a = p.parse_args()
    if a.what == "export":
        export(a.ledger, a.folder)
    else:
        json.dump(run(a.folder, a.until, a.as_of), sys.stdout, ensure_ascii=False, default=int)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
