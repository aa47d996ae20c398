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
VISIT = ("visit", "add", "刘庆凤", "--team", "金地社区“红色先锋”志愿服务队", "--member", "胡玉", "--purpose", "看望高龄老人")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=BENCH / "out")
    p.add_argument("--quick", action="store_true", help="2 communities, 1 year, 100,000 import rows")
    p.add_argument("--rows", type=int, help="rows of the import file (default 1,000,000; --quick 100,000)")
    p.add_argument("--runs", type=int, default=20, help="hyperfine runs of the quick commands")
    p.add_argument("--slow-runs", type=int, default=7, help="runs of summary and of one aggregate")
    p.add_argument("--import-runs", type=int, default=1, help="runs of each bulk import (minutes each)")
    p.add_argument("--check", action="store_true", help="also run `huidesk check` on the imported ledger")
    a = p.parse_args()
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
    district = out / f"{tag}.db"
    roster = out / f"{tag}-roster.db"
    jsonl = out / f"{tag}-visits-{rows}.jsonl"
    if not district.exists():
        bench.say(f"generating {district.name} ...")
        bench.run([PYTHON, str(BENCH / "generate.py"), str(district), *size])
    if not roster.exists():
        bench.run([PYTHON, str(BENCH / "generate.py"), str(roster), "--roster-only", *size])
    if not jsonl.exists():
        bench.say(f"writing {jsonl.name} ...")
        bench.run([PYTHON, str(BENCH / "generate.py"), "--jsonl", str(jsonl), "--rows", str(rows), *size])
    empty = out / "empty.db"
    for f in out.glob("empty.db*"):
        f.unlink()
    bench.run([HUIDESK, "--db", str(empty), "init"])
    bench.run([HUIDESK, "--help"])  # writes the bytecode cache
    records = count_records(district)

    # --- start-up ----------------------------------------------------------------------------
    bench.say("start-up ...")
    floor = bench.hyperfine("python -c pass", [PYTHON, "-c", "pass"])
    help_ = bench.hyperfine("huidesk --help", [HUIDESK, "--help"])
    su_help = bench.hyperfine("sqlite-utils --help", [SQLITE_UTILS, "--help"])
    listing = bench.hyperfine("huidesk visit list (empty ledger)", [HUIDESK, "--db", str(empty), "visit", "list"])
    bench.row("start-up: huidesk --help", help_, floor, "python -c pass", "≤ 12×", help_ <= 12 * floor)
    bench.row("  … against the peer", help_, su_help, "sqlite-utils --help", "< 1×", help_ < su_help)
    bench.row("listing on an empty ledger (visit list)", listing, floor, "python -c pass", "≤ 15×", listing <= 15 * floor)

    # --- recording one item --------------------------------------------------------------------
    bench.say("recording one visit ...")
    ledger = out / "record.db"
    copy_ledger(district, ledger)
    add = bench.hyperfine("huidesk visit add", [HUIDESK, "--db", str(ledger), *VISIT])
    one = out / "one-row.json"
    one.write_text(json.dumps({"date": TODAY, "team": VISIT[4], "residents": [VISIT[2]], "members": [VISIT[6]],
                               "purpose": VISIT[8], "gifts": None, "note": None, "follow_up": False},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    scratch = out / "sqlite-utils-one.db"
    scratch.unlink(missing_ok=True)
    su_one = bench.hyperfine("sqlite-utils insert (one row)", [SQLITE_UTILS, "insert", str(scratch), "visits", str(one)])
    bench.row("record one visit (visit add, whole process)", add, su_one, "sqlite-utils insert, 1 row", "< 1×",
              add < su_one)
    # What any command with options costs before it does anything: Typer 0.29 converts every option
    # value with a pydantic TypeAdapter, so importing typer._adapters is part of every run.
    typer_ = bench.hyperfine("python -c 'import typer'", [PYTHON, "-c", "import typer"])
    adapters = bench.hyperfine("python -c 'import typer._adapters'", [PYTHON, "-c", "import typer._adapters"])
    bench.row("  (import typer)", typer_, floor, "python -c pass", "(for reference)", None)
    bench.row("  (import typer + its pydantic coercion)", adapters, su_one, "sqlite-utils insert, 1 row",
              "(for reference)", None)

    # --- bulk import ---------------------------------------------------------------------------
    bench.say(f"importing {rows:,} visits (huidesk, sqlite-utils, raw executemany) ...")
    imp, imp_mem = bench.timed("huidesk import", roster, [HUIDESK, "--db", "{db}", "import", "visits", str(jsonl)])
    su, su_mem = bench.timed("sqlite-utils insert --nl", None,
                             [SQLITE_UTILS, "insert", "{db}", "visits", str(jsonl), "--nl"])
    raw, raw_mem = bench.timed("raw executemany", roster, [PYTHON, str(BENCH / "floor_import.py"), "{db}", str(jsonl)])
    bench.row(f"bulk import of {rows:,} visits (JSONL)", imp, su, "sqlite-utils insert --nl", "≤ 1×", imp <= su)
    bench.row("  … against the floor (throughput)", raw, imp, "raw executemany", "≥ 0.15×", raw / imp >= 0.15,
              ratio=raw / imp)
    bench.row("  peak memory (MB)", imp_mem, None, "", "≤ 200 MB", imp_mem <= 200, unit="MB")
    bench.notes["import_peak_mb"] = {"huidesk": imp_mem, "sqlite-utils": su_mem, "raw": raw_mem}
    if a.check:
        bench.run([HUIDESK, "--db", str(out / "import.db"), "check"])

    # --- summary and report monthly ------------------------------------------------------------
    bench.say("summary ...")
    statements = bench.log_sql(district, ["summary"], out / "summary.sql")
    shell = bench.hyperfine("sqlite3 shell: the summary's SQL", ["sqlite3", str(district), f".read {statements}"],
                            runs=a.slow_runs)
    summary = bench.hyperfine("huidesk summary", [HUIDESK, "--db", str(district), "summary"], runs=a.slow_runs)
    queries = bench.sql_time(district, ["summary"], a.slow_runs)
    summary_mem = bench.peak(district, ["summary"])
    bench.row(f"summary ({records:,} records): its queries", queries, shell, "same SQL, sqlite3 shell", "≤ 1.2×",
              queries <= 1.2 * shell)
    bench.row("  … the whole command", summary, shell, "same SQL, sqlite3 shell", "≤ floor + 250 ms",
              summary <= shell + 0.25, extra=f"+{(summary - shell) * 1000:.0f} ms")
    bench.row("  peak memory (MB)", summary_mem, None, "", "≤ 100 MB", summary_mem <= 100, unit="MB")
    fixed = bench.hyperfine("huidesk summary (empty ledger)", [HUIDESK, "--db", str(empty), "summary"])
    bench.row("  (summary of an empty ledger: the fixed cost)", fixed, floor, "python -c pass", "(for reference)", None)
    bench.say("report monthly and one aggregate through each tool ...")
    month = ["report", "monthly", "--month", "2024-11"]
    monthly_sql = bench.log_sql(district, month, out / "monthly.sql")
    m_shell = bench.hyperfine("sqlite3 shell: report monthly's SQL", ["sqlite3", str(district), f".read {monthly_sql}"],
                              runs=a.runs)
    monthly = bench.hyperfine("huidesk report monthly (district)", [HUIDESK, "--db", str(district), *month],
                              runs=a.runs)
    bench.row("report monthly, whole district", monthly, m_shell, "same SQL, sqlite3 shell", "≤ 1 s", monthly <= 1.0)
    aggregate = heaviest(statements)
    q_shell = bench.hyperfine("sqlite3: one aggregate", ["sqlite3", str(district), aggregate], runs=a.slow_runs)
    q_su = bench.hyperfine("sqlite-utils query: one aggregate", [SQLITE_UTILS, "query", str(district), aggregate],
                           runs=a.slow_runs)
    q_hd = bench.hyperfine("huidesk sql: one aggregate", [HUIDESK, "--db", str(district), "sql", aggregate],
                           runs=a.slow_runs)
    bench.row("one aggregate (issue figures): huidesk sql", q_hd, q_su, "sqlite-utils query", "< 1× (peer)",
              q_hd < q_su)
    bench.row("  … sqlite-utils query against the shell", q_su, q_shell, "sqlite3 shell", "(floor)", None)

    bench.finish(machine(district, records))


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
        slug = "".join(c if c.isalnum() else "-" for c in name.encode("ascii", "ignore").decode()).strip("-")
        export = self.out / f"hyperfine-{slug}.json"
        runs = runs or self.args.runs
        subprocess.run(["hyperfine", "--style", "none", "-N", "--warmup", "2" if runs > 5 else "1",
                        "--runs", str(runs), "--export-json", str(export), "--command-name", name,
                        _quote(cmd)], env=self.env, check=True, stdout=subprocess.DEVNULL)
        median = json.loads(export.read_text())["results"][0]["median"]
        self.medians[name] = median
        return median

    def timed(self, name: str, base: Path | None, cmd: list[str]) -> tuple[float, float]:
        """Median wall time (s) and peak memory (MB) of a bulk run, each run into a fresh copy of `base`
        (or a new empty file)."""
        times, peaks = [], []
        for _ in range(self.args.import_runs):
            db = self.out / ("import.db" if "huidesk" in name else "floor.db" if base else "sqlite-utils.db")
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
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("visits", "activities", "issues", "issue_events"))
    finally:
        conn.close()


def heaviest(statements: Path) -> str:
    """The issue-figures statement of the summary (its biggest aggregate)."""
    lines = statements.read_text(encoding="utf-8").splitlines()
    return next(ln for ln in lines if ln.startswith("WITH issue_state")).rstrip(";")


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
