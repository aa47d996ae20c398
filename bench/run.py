"""huidesk against its peers and the physical floor, on this machine, in one run.

    python bench/run.py                 # everything (builds the data in bench/out/ when missing)
    python bench/run.py --quick         # a small district and 100,000 import rows: a smoke run

Installs nothing. Uses the `huidesk` and `sqlite-utils` console scripts of the Python running this
file (sqlite-utils is a dependency of huidesk, so it sits in the same environment), the `sqlite3`
shell and `hyperfine` from Debian's packages, and /usr/bin/time for peak memory. Prints a table of
medians, each with its ratio to the floor (`python -c pass`, the same SQL in the sqlite3 shell,
raw executemany) or to the peer (sqlite-utils), and writes bench/out/results.json plus hyperfine's
JSON exports. Generated ledgers and outputs stay in bench/out/ (git-ignored).

Python's bytecode cache is enabled for the measured commands (into bench/out/pycache), as it is
for any installed package, even when the calling environment sets PYTHONDONTWRITEBYTECODE.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HUIDESK = str(BIN / "huidesk")
SQLITE_UTILS = str(BIN / "sqlite-utils")
PYTHON = sys.executable
TODAY = "2024-12-31"  # the generated district's last day
VISIT = ("visit", "add", "刘庆凤", "--team", "金地社区“红色先锋”志愿服务队", "--member", "胡玉",
         "--purpose", "看望高龄老人")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=BENCH / "out")
    p.add_argument("--quick", action="store_true", help="2 communities, 1 year, 100,000 import rows")
    p.add_argument("--rows", type=int, help="rows of the import file (default 1,000,000; --quick 100,000)")
    p.add_argument("--runs", type=int, default=20, help="hyperfine runs of the quick commands")
    p.add_argument("--slow-runs", type=int, default=7, help="runs of summary and of one aggregate")
    p.add_argument("--import-runs", type=int, default=1, help="runs of each bulk import (minutes each)")
    p.add_argument("--merge-runs", type=int, default=3,
                   help="runs of the merge, each after a run of its floor (raw executemany), alternately")
    p.add_argument("--check", action="store_true", help="also run `huidesk check` on the imported ledger")
    p.add_argument("--only", default=",".join(SECTIONS),
                   help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    p.add_argument("--district", type=Path, help="an existing generated district to measure (default: bench/out)")
    p.add_argument("--check-runs", type=int, default=3, help="runs of `check` of the district (~20-40 s each)")
    a = p.parse_args()
    only = set(a.only.split(","))
    if only - set(SECTIONS):
        sys.exit(f"unknown sections: {', '.join(sorted(only - set(SECTIONS)))}")
    for tool in ("hyperfine", "sqlite3"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (apt-get install {tool})")
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(out / "pycache"), HUIDESK_TODAY=TODAY, HUIDESK_USER="bench",
               HUIDESK_LANG="zh", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("HUIDESK_SQL_LOG", None)
    rows = a.rows or (100_000 if a.quick else 1_000_000)
    size = ["--communities", "2", "--years", "1"] if a.quick else []
    tag = "quick" if a.quick else "district"
    bench = Bench(out, env, a)

    # --- the data -----------------------------------------------------------------------------
    district = a.district.resolve() if a.district else out / f"{tag}.db"
    roster = out / f"{tag}-roster.db"
    jsonl = out / f"{tag}-visits-{rows}.jsonl"
    if not district.exists():
        bench.say(f"generating {district.name} ...")
        bench.run([PYTHON, str(BENCH / "generate.py"), str(district), *size])
    bench.run([HUIDESK, "--db", str(district), "init"])  # brings an older schema forward, untimed
    if not roster.exists() and only & {"import", "merge"}:
        bench.run([PYTHON, str(BENCH / "generate.py"), str(roster), "--roster-only", *size])
    if not jsonl.exists() and only & {"import", "merge"}:
        bench.say(f"writing {jsonl.name} ...")
        bench.run([PYTHON, str(BENCH / "generate.py"), "--jsonl", str(jsonl), "--rows", str(rows), *size])
    empty = out / "empty.db"
    for f in out.glob("empty.db*"):
        f.unlink()
    bench.run([HUIDESK, "--db", str(empty), "init"])
    bench.run([HUIDESK, "--help"])  # writes the bytecode cache
    records = count_records(district)

    # --- start-up ----------------------------------------------------------------------------
    floor = bench.hyperfine("python -c pass", [PYTHON, "-c", "pass"]) if "startup" not in only else 0.0
    if "startup" in only:
        startup(bench, empty)
        floor = bench.medians["python -c pass"]
    if "table" in only:
        table(bench, district, a)
    if "record" in only:
        record(bench, district, floor)
    if "import" in only:
        bulk(bench, roster, jsonl, rows, a)
    if "merge" in only:
        merge(bench, roster, jsonl, rows)
    if "summary" in only:
        summary(bench, district, empty, floor, records, a)
    if "check" in only:
        check(bench, district, a)
    bench.finish(machine(district, records))


SECTIONS = ("startup", "table", "record", "import", "merge", "summary", "check")


def startup(bench: "Bench", empty: Path) -> None:
    bench.say("start-up ...")
    tab = ["env", "_HUIDESK_COMPLETE=complete_bash", "COMP_WORDS=huidesk issue open --kind ", "COMP_CWORD=4", HUIDESK]
    floor, help_, su_help, listing, completion = bench.compare({
        "python -c pass": [PYTHON, "-c", "pass"],
        "huidesk --help": [HUIDESK, "--help"],
        "sqlite-utils --help": [SQLITE_UTILS, "--help"],
        "huidesk visit list (empty ledger)": [HUIDESK, "--db", str(empty), "visit", "list"],
        "TAB: huidesk issue open --kind <TAB>": tab,
    }).values()
    bench.row("start-up: huidesk --help", help_, floor, "python -c pass", "≤ 12×", help_ <= 12 * floor)
    bench.row("  … against the peer", help_, su_help, "sqlite-utils --help", "< 1×", help_ < su_help)
    bench.row("  (TAB completion: issue open --kind <TAB>)", completion, floor, "python -c pass", "(for reference)",
              None)
    bench.row("listing on an empty ledger (visit list)", listing, floor, "python -c pass", "≤ 15×",
              listing <= 15 * floor)


def table(bench: "Bench", district: Path, a: argparse.Namespace) -> None:
    """A listing of real size drawn as a table, against the same rows as tsv (issue 15: within 2×)."""
    bench.say("a team's visits as a table ...")
    team_visits = ["--db", str(district), "visit", "list", "--team=#1", "--format"]
    as_table, as_tsv = bench.compare({
        "huidesk visit list (one team, table)": [HUIDESK, *team_visits, "table"],
        "huidesk visit list (one team, tsv)": [HUIDESK, *team_visits, "tsv"],
    }, runs=a.slow_runs).values()
    bench.row(f"one team's {count_rows(district, 'visits', 'team_id = 1'):,} visits as a table (80 columns)",
              as_table, as_tsv, "the same as tsv", "≤ 2×", as_table <= 2 * as_tsv)


def record(bench: "Bench", district: Path, floor: float) -> None:
    out = bench.out
    # --- recording one item --------------------------------------------------------------------
    bench.say("recording one visit ...")
    ledger = out / "record.db"
    copy_ledger(district, ledger)
    one = out / "one-row.json"
    one.write_text(json.dumps({"date": TODAY, "team": VISIT[4], "residents": [VISIT[2]], "members": [VISIT[6]],
                               "purpose": VISIT[8], "gifts": None, "note": None, "follow_up": False},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    scratch = out / "sqlite-utils-one.db"
    scratch.unlink(missing_ok=True)
    # With where visit add's time goes before the ledger is touched: Typer, and pydantic, which
    # validates the record (the house's rule: pydantic models at the store boundary).
    add, su_one, typer_, models = bench.compare({
        "huidesk visit add": [HUIDESK, "--db", str(ledger), *VISIT],
        "sqlite-utils insert (one row)": [SQLITE_UTILS, "insert", str(scratch), "visits", str(one)],
        "python -c 'import typer'": [PYTHON, "-c", "import typer"],
        "python -c 'from pydantic import BaseModel'": [PYTHON, "-c", "from pydantic import BaseModel"],
    }).values()
    bench.row("record one visit (visit add, whole process)", add, su_one, "sqlite-utils insert, 1 row", "< 1×",
              add < su_one)
    bench.row("  (import typer)", typer_, floor, "python -c pass", "(for reference)", None)
    bench.row("  (import pydantic)", models, floor, "python -c pass", "(for reference)", None)

    # --- bulk import ---------------------------------------------------------------------------


def bulk(bench: "Bench", roster: Path, jsonl: Path, rows: int, a: argparse.Namespace) -> None:
    out = bench.out
    bench.say(f"importing {rows:,} visits (huidesk, sqlite-utils, raw executemany) ...")
    imp, imp_mem = bench.timed("huidesk import", roster, [HUIDESK, "--db", "{db}", "import", "visits", str(jsonl)])
    su, su_mem = bench.timed("sqlite-utils insert --nl", None,
                             [SQLITE_UTILS, "insert", "{db}", "visits", str(jsonl), "--nl"])
    raw, raw_mem = bench.timed("raw executemany", roster, [PYTHON, str(BENCH / "floor_import.py"), "{db}", str(jsonl)])
    bench.row(f"bulk import of {rows:,} visits (JSONL)", imp, su, "sqlite-utils insert --nl", "≤ 1×", imp <= su)
    bench.row("  … against the floor (throughput)", raw, imp, "raw executemany", "≥ 0.5×", raw / imp >= 0.5,
              ratio=raw / imp)
    # The peer given the rows huidesk writes for those lines (a visit, a row per resident and per
    # member), one JSONL file per table, into a new file: the same rows, without validation or journal.
    same = [f"{SQLITE_UTILS} insert {{db}} {table} {path} --nl" for table, path in bench.same_rows(out / "import.db")]
    su_same, _ = bench.timed("sqlite-utils insert --nl, the same rows", None, ["sh", "-c", " && ".join(same)])
    bench.row("  … the peer writing the same rows (3 tables)", imp, su_same, "sqlite-utils insert --nl",
              "≤ 1.2×", imp <= 1.2 * su_same)
    bench.row("  peak memory (MB)", imp_mem, None, "", "≤ 200 MB", imp_mem <= 200, unit="MB")
    bench.notes["import_peak_mb"] = {"huidesk": imp_mem, "sqlite-utils": su_mem, "raw": raw_mem}
    if a.check:
        bench.run([HUIDESK, "--db", str(out / "import.db"), "check"])



def merge(bench: "Bench", roster: Path, jsonl: Path, rows: int) -> None:
    # --- merge ---------------------------------------------------------------------------------
    # The same visits arriving by bundle: the community's roster is bundled and merged into a street
    # ledger first (not timed); then the community imports the file and bundles what is new, and the
    # street's merge of that bundle (verify every hash and digest, map every reference, journal) is
    # timed into a fresh copy of the street — records merged per second against the import's and
    # the floor's rows per second for the same visits. The floor and the merge run alternately
    # (--merge-runs pairs), so that a change in this shared machine's load falls on both.
    bench.say(f"merging a bundle of the same {rows:,} visits ...")
    merged, merge_mem, raw, pairs = bench.merge_row(roster, jsonl)
    imp = bench.medians.get("huidesk import") or bench.timed(
        "huidesk import", roster, [HUIDESK, "--db", "{db}", "import", "visits", str(jsonl)])[0]
    bench.row(f"merge of the same {rows:,} visits (one bundle)", merged, imp, "import of the same records",
              "≥ import's throughput", merged <= imp, ratio=imp / merged,
              extra=f"{rows / merged:,.0f} against {rows / imp:,.0f} records/s")
    bench.row("  … against the floor (throughput)", merged, raw, "raw executemany (alternately)", "≥ 0.3×",
              raw / merged >= 0.3, ratio=raw / merged,
              extra=f"floor {rows / raw:,.0f} records/s; pairs {', '.join(f'{f / m:.2f}' for f, m in pairs)}")
    bench.row("  peak memory (MB)", merge_mem, None, "", "(for reference)", None, unit="MB")
    bench.notes["merge"] = {"seconds": merged, "records_per_s": rows / merged, "import_records_per_s": rows / imp,
                            "raw_seconds": raw, "raw_records_per_s": rows / raw, "peak_mb": merge_mem,
                            "pairs": [{"floor": f, "merge": m} for f, m in pairs]}


def summary(bench: "Bench", district: Path, empty: Path, floor: float, records: int, a: argparse.Namespace) -> None:
    # --- summary and report monthly ------------------------------------------------------------
    out = bench.out
    bench.say("summary ...")
    statements = bench.log_sql(district, ["summary"], out / "summary.sql")
    commands = {
        "sqlite3 shell: the summary's SQL": ["sqlite3", str(district), f".read {statements}"],
        "huidesk summary": [HUIDESK, "--db", str(district), "summary"],
    }
    duck = duckdb_reference(bench, district)
    if duck:
        commands["duckdb: the summary's figures (Parquet)"] = duck
    shell, summary, *duck_time = bench.compare(commands, runs=a.slow_runs).values()
    queries = bench.sql_time(district, ["summary"], a.slow_runs)
    summary_mem = bench.peak(district, ["summary"])
    bench.row(f"summary ({records:,} records): its queries", queries, shell, "same SQL, sqlite3 shell", "≤ 1.2×",
              queries <= 1.2 * shell)
    bench.row("  … the whole command", summary, shell, "same SQL, sqlite3 shell", "≤ floor + 250 ms",
              summary <= shell + 0.25, extra=f"{(summary - shell) * 1000:+.0f} ms")
    bench.row("  … the whole command, in time", summary, None, "", "≤ 500 ms", summary <= 0.5)
    bench.row("  peak memory (MB)", summary_mem, None, "", "≤ 100 MB", summary_mem <= 100, unit="MB")
    if duck_time:
        bench.row("  the reference: DuckDB over Parquet, the summary's figures (whole process)", duck_time[0], summary,
                  "huidesk summary", "(for reference)", None)
    fixed = bench.hyperfine("huidesk summary (empty ledger)", [HUIDESK, "--db", str(empty), "summary"])
    bench.row("  (summary of an empty ledger: the fixed cost)", fixed, floor, "python -c pass", "(for reference)", None)
    bench.say("report monthly and one aggregate through each tool ...")
    month = ["report", "monthly", "--month", "2024-11"]
    monthly_sql = bench.log_sql(district, month, out / "monthly.sql")
    m_shell, monthly = bench.compare({
        "sqlite3 shell: report monthly's SQL": ["sqlite3", str(district), f".read {monthly_sql}"],
        "huidesk report monthly (district)": [HUIDESK, "--db", str(district), *month],
    }).values()
    bench.row("report monthly, whole district", monthly, m_shell, "same SQL, sqlite3 shell", "≤ 1 s", monthly <= 1.0)
    aggregate = heaviest(statements)
    q_shell, q_su, q_hd = bench.compare({
        "sqlite3: one aggregate": ["sqlite3", str(district), aggregate],
        "sqlite-utils query: one aggregate": [SQLITE_UTILS, "query", str(district), aggregate],
        "huidesk sql: one aggregate": [HUIDESK, "--db", str(district), "sql", aggregate],
    }, runs=a.slow_runs).values()
    bench.row("one aggregate (issue figures): huidesk sql", q_hd, q_su, "sqlite-utils query", "< 1× (peer)",
              q_hd < q_su)
    bench.row("  … sqlite-utils query against the shell", q_su, q_shell, "sqlite3 shell", "(floor)", None)


def duckdb_reference(bench: "Bench", district: Path) -> list[str] | None:
    """The DuckDB command computing the summary's figures over a Parquet copy of the district (made
    here, untimed), after checking its figures equal huidesk's; None when duckdb is not installed."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        bench.say("duckdb is not installed: no DuckDB row (pip install duckdb)")
        return None
    sys.path.insert(0, str(BENCH))
    from duckdb_summary import huidesk_figures

    parquet = bench.out / "parquet"
    shutil.rmtree(parquet, ignore_errors=True)
    bench.run([PYTHON, str(BENCH / "duckdb_summary.py"), "export", str(district), str(parquet)])
    cmd = [PYTHON, str(BENCH / "duckdb_summary.py"), "run", str(parquet), "--until", TODAY,
           "--as-of", f"{TODAY}T23:59:59+08:00"]
    theirs = json.loads(subprocess.run(cmd, env=bench.env, check=True, capture_output=True, text=True).stdout)
    ours = huidesk_figures(json.loads(subprocess.run([HUIDESK, "--db", str(district), "summary", "--format", "json"],
                                                     env=bench.env, check=True, capture_output=True,
                                                     text=True).stdout))
    theirs = {key: theirs[key] for key in ours}  # what huidesk's summary prints of them
    bench.notes["duckdb_figures_equal"] = theirs == ours
    if theirs != ours:
        bench.say("DuckDB's figures differ from huidesk's: see results.json")
        bench.notes["duckdb_figures"] = {"duckdb": theirs, "huidesk": ours}
    return cmd


def check(bench: "Bench", district: Path, a: argparse.Namespace) -> None:
    """`check` of the district (issue 15: within 20 s) against SQLite's own PRAGMA integrity_check of
    the same file in the shell, which check also runs (its floor)."""
    bench.say("check of the district ...")
    pragma, checked = bench.compare({
        "sqlite3 shell: PRAGMA integrity_check": ["sqlite3", str(district), "PRAGMA integrity_check"],
        "huidesk check (district)": [HUIDESK, "--db", str(district), "check"],
    }, runs=a.check_runs).values()
    report = bench.out / "time.txt"
    bench.run(["/usr/bin/time", "-o", str(report), "-f", "%M", HUIDESK, "--db", str(district), "check"])
    peak = int(report.read_text().split()[-1]) / 1024
    bench.row("check of the district (hash chain, every record, integrity_check)", checked, pragma,
              "sqlite3: PRAGMA integrity_check", "≤ 20 s", checked <= 20)
    bench.row("  peak memory (MB, the larger process)", peak, None, "", "(for reference)", None, unit="MB")


class Bench:
    def __init__(self, out: Path, env: dict, args: argparse.Namespace) -> None:
        self.out, self.env, self.args = out, env, args
        self.rows: list[dict] = []
        self.medians: dict[str, float] = {}
        self.notes: dict[str, object] = {}

    def say(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def run(self, cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("env", self.env)
        return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)

    def hyperfine(self, name: str, cmd: list[str], runs: int | None = None) -> float:
        """The median wall time of `cmd` in seconds, from hyperfine (no shell between)."""
        return self.compare({name: cmd}, runs)[name]

    def compare(self, commands: dict[str, list[str]], runs: int | None = None) -> dict[str, float]:
        """Median wall times (s) of commands measured in turns: several rounds, each running every
        command a few times, so that a change in this shared machine's load falls on all of them
        alike (one command's 20 runs after another's moved a ratio by up to 40 %)."""
        runs = runs or self.args.runs
        rounds = min(5, runs)
        slug = "".join(c if c.isalnum() else "-" for c in next(iter(commands)).encode("ascii", "ignore").decode())
        export = self.out / f"hyperfine-{slug.strip('-')}.json"
        times: dict[str, list[float]] = {name: [] for name in commands}
        for turn in range(rounds):
            names = [arg for name in commands for arg in ("--command-name", name)]
            warmup = 0 if turn else 2 if runs > 5 else 1
            subprocess.run(["hyperfine", "--style", "none", "-N", "--warmup", str(warmup),
                            "--runs", str(-(-runs // rounds)), "--export-json", str(export), *names,
                            *(_quote(cmd) for cmd in commands.values())],
                           env=self.env, check=True, stdout=subprocess.DEVNULL)
            for result in json.loads(export.read_text())["results"]:
                times[result["command"]].extend(result["times"])
        medians = {name: statistics.median(values) for name, values in times.items()}
        self.medians.update(medians)
        return medians

    def timed(self, name: str, base: Path | None, cmd: list[str], dest: Path | None = None) -> tuple[float, float]:
        """Median wall time (s) and peak memory (MB) of a bulk run, each run into a fresh copy of `base`
        (or a new empty file)."""
        times, peaks = [], []
        for _ in range(self.args.import_runs):
            db = dest or self.out / ("import.db" if "huidesk" in name else "floor.db" if base else "sqlite-utils.db")
            for f in self.out.glob(db.name + "*"):
                f.unlink()
            if base is not None:
                copy_ledger(base, db)
            argv = [c.replace("{db}", str(db)) for c in cmd]
            report = self.out / "time.txt"
            self.run(["/usr/bin/time", "-o", str(report), "-f", "%e %M", *argv], stderr=subprocess.DEVNULL)
            seconds, kib = report.read_text().split()[-2:]
            times.append(float(seconds))
            peaks.append(int(kib) / 1024)
        self.medians[name] = statistics.median(times)
        return statistics.median(times), max(peaks)

    def merge_row(self, roster: Path, jsonl: Path) -> tuple[float, float, float, list[tuple[float, float]]]:
        """Median seconds and peak MB of merging one bundle holding the visits of `jsonl` (imported into
        a copy of `roster`, whose own bundle the street has already merged), each run into a fresh copy
        of that street ledger; the median seconds of its floor (raw executemany of the same visits into a
        fresh copy of `roster`), each run just before a merge; and each (floor, merge) pair."""
        community, street, base = self.out / "merge-community.db", self.out / "merge-street.db", self.out / "merge"
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir()
        copy_ledger(roster, community)
        for f in self.out.glob(street.name + "*"):
            f.unlink()
        hd = [HUIDESK, "--db", str(community)]
        self.run([*hd, "init", "--name", "bench community"])
        self.run([*hd, "bundle", "--all", "--output", str(base / "roster.db")])
        self.run([*hd, "import", "visits", str(jsonl)])
        self.run([*hd, "bundle", "--output", str(base / "visits.db")])
        self.run([HUIDESK, "--db", str(street), "init", "--name", "bench street"])
        self.run([HUIDESK, "--db", str(street), "merge", str(base / "roster.db")])
        pairs, peaks = [], []
        for _ in range(max(1, self.args.merge_runs)):
            raw, _ = self.once(roster, [PYTHON, str(BENCH / "floor_import.py"), "{db}", str(jsonl)],
                               self.out / "merge-floor.db")
            merged, peak = self.once(street, [HUIDESK, "--db", "{db}", "merge", str(base / "visits.db")],
                                     self.out / "merged.db")
            pairs.append((raw, merged))
            peaks.append(peak)
        raw, merged = (statistics.median(x) for x in zip(*pairs, strict=True))
        self.medians["huidesk merge"], self.medians["raw executemany (merge's floor)"] = merged, raw
        return merged, max(peaks), raw, pairs

    def once(self, base: Path, cmd: list[str], db: Path) -> tuple[float, float]:
        """Wall time (s) and peak memory (MB) of one run of `cmd` on `db`, a fresh copy of `base`."""
        copy_ledger(base, db)
        report = self.out / "time.txt"
        self.run(["/usr/bin/time", "-o", str(report), "-f", "%e %M", *(c.replace("{db}", str(db)) for c in cmd)],
                 stderr=subprocess.DEVNULL)
        seconds, kib = report.read_text().split()[-2:]
        return float(seconds), int(kib) / 1024

    def same_rows(self, db: Path) -> list[tuple[str, Path]]:
        """The visits an import wrote into the roster ledger, with their resident and member rows,
        as one JSONL file per table (the rows sqlite-utils is given for the like-for-like figure)."""
        conn = sqlite3.connect(db)
        files = []
        for table, cols in (("visits", "id, uid, team_id, date, purpose, gifts, note, follow_up"),
                            ("visit_residents", "id, visit_id, resident_id"),
                            ("visit_members", "id, visit_id, member_id")):
            path = self.out / f"same-rows-{table}.jsonl"
            cursor = conn.execute(f"SELECT {cols} FROM {table}")
            names = [d[0] for d in cursor.description]
            with open(path, "w", encoding="utf-8") as f:
                for row in cursor:
                    f.write(json.dumps(dict(zip(names, row)), ensure_ascii=False) + "\n")
            files.append((table, path))
        conn.close()
        return files

    def log_sql(self, db: Path, args: list[str], dest: Path) -> Path:
        """The SELECT statements `huidesk ARGS` runs, with their values, one per line, via HUIDESK_SQL_LOG."""
        log = self.out / "sql.log"
        log.unlink(missing_ok=True)
        self.run([HUIDESK, "--db", str(db), *args], env=dict(self.env, HUIDESK_SQL_LOG=str(log)))
        lines = [ln for ln in log.read_text(encoding="utf-8").splitlines()
                 if ln.startswith(("SELECT", "WITH")) and "sqlite_master" not in ln]
        dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log.unlink()
        return dest

    def sql_time(self, db: Path, args: list[str], runs: int) -> float:
        """Median seconds that `huidesk ARGS` spends executing and fetching its queries."""
        report = self.out / "sqltime.txt"
        spent = []
        for _ in range(runs):
            self.run([PYTHON, str(BENCH / "sqltime.py"), str(report), "--db", str(db), *args])
            spent.append(float(report.read_text()))
        self.medians["huidesk summary: its queries"] = statistics.median(spent)
        return statistics.median(spent)

    def peak(self, db: Path, args: list[str]) -> float:
        report = self.out / "time.txt"
        self.run(["/usr/bin/time", "-o", str(report), "-f", "%M", HUIDESK, "--db", str(db), *args])
        return int(report.read_text().split()[-1]) / 1024

    def row(self, what: str, value: float, base: float | None, against: str, target: str, ok: bool | None,
            ratio: float | None = None, unit: str = "s", extra: str = "") -> None:
        if ratio is None and base:
            ratio = value / base
        self.rows.append({"what": what, "value": value, "unit": unit, "against": against, "base": base,
                          "ratio": ratio, "target": target, "reached": ok, "extra": extra})

    def finish(self, machine_info: dict) -> None:
        print()
        print("| measure | huidesk | against | its median | ratio | target | reached |")
        print("|---|---:|---|---:|---:|---|---|")
        for r in self.rows:
            value = f"{r['value']:.0f} MB" if r["unit"] == "MB" else _ms(r["value"])
            base = _ms(r["base"]) if r["base"] else ""
            ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else ""
            if r["extra"]:
                ratio += f" ({r['extra']})"
            reached = {True: "yes", False: "**no**", None: ""}[r["reached"]]
            print(f"| {r['what']} | {value} | {r['against']} | {base} | {ratio} | {r['target']} | {reached} |")
        print()
        for k, v in machine_info.items():
            print(f"- {k}: {v}")
        (self.out / "results.json").write_text(json.dumps(
            {"machine": machine_info, "rows": self.rows, "medians": self.medians, "notes": self.notes},
            ensure_ascii=False, indent=2), encoding="utf-8")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _quote(cmd: list[str]) -> str:
    import shlex

    return shlex.join(cmd)


def copy_ledger(src: Path, dest: Path) -> None:
    """A copy of a (checkpointed, closed) ledger file."""
    for f in dest.parent.glob(dest.name + "*"):
        f.unlink()
    shutil.copyfile(src, dest)


def count_records(db: Path) -> int:
    return sum(count_rows(db, t) for t in ("visits", "activities", "issues", "issue_events"))


def count_rows(db: Path, table: str, where: str = "1") -> int:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    finally:
        conn.close()


def heaviest(statements: Path) -> str:
    """The summary's issue figures by kind and team (one of its biggest aggregates)."""
    lines = statements.read_text(encoding="utf-8").splitlines()
    return next(ln for ln in lines if ln.startswith("SELECT i.kind, i.team_id, sum(")).rstrip(";")


def machine(db: Path, records: int) -> dict:
    def out(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    cpu = next((ln.split(":", 1)[1].strip() for ln in out("lscpu").splitlines() if ln.startswith("Model name")), "?")
    journaled = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True).execute(
        "SELECT count(*) FROM _journal_records").fetchone()[0]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpus (nproc)": out("nproc"),
        "cpu": cpu,
        "memory": out("sh", "-c", "free -h | awk '/Mem:/ {print $2}'"),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite (python module)": sqlite3.sqlite_version,
        "sqlite3 shell": out("sqlite3", "--version").split(" ")[0],
        "hyperfine": out("hyperfine", "--version"),
        "sqlite-utils": out(SQLITE_UTILS, "--version"),
        "ledger": f"{db.name}: {records:,} records (visits, activities, issues, issue events), "
                  f"{journaled:,} journaled rows, {db.stat().st_size / 1e6:,.0f} MB",
    }


if __name__ == "__main__":
    main()
