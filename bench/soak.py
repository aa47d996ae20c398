"""A soak: N writers and a reader against one ledger for M minutes, then `huidesk check`.

Each writer is a loop of real `huidesk` processes (the installed console script of the Python that
runs this), as a secretary and cron jobs would run them: visits, activities and issues with their
events. The reader runs `summary` and `report monthly` in a loop. At the end the ledger must pass
`check`, hold exactly the records the writers were told were written, and no command may have
failed for any reason but a refusal the writer expected.

    python bench/soak.py --writers 4 --minutes 30          # the figures in docs/reliability.md
    python bench/soak.py --writers 2 --minutes 1           # a smoke run

Not part of the test suite (tests/ hold no long runs).
"""

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HUIDESK = str(Path(sys.executable).parent / "huidesk")


def run(db: Path, *args: str) -> tuple[int, float, str, str]:
    """Exit code, seconds, stderr and stdout of one huidesk process."""
    start = time.monotonic()
    done = subprocess.run([HUIDESK, "--db", str(db), "--by", "soak", *args], capture_output=True, text=True)
    return done.returncode, time.monotonic() - start, done.stderr.strip(), done.stdout.strip()


def setup(db: Path) -> None:
    for args in (
        ("init",),
        ("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼"),
        ("member", "add", "王凤琴", "--joined", "2022-03-01"),
        ("team", "add", "橙色公益", "--place", "平伏桥村", "--leader", "王凤琴", "--founded", "2022-03-01"),
        ("resident", "add", "丁学志", "--place", "48号楼", "--every", "7d"),
        ("unit", "add", "物业公司"),
    ):
        code, _, err, _ = run(db, *args)
        assert code == 0, (args, err)


def writer(db: Path, until: float, seed: int, log: list) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        kind = rng.choice(("visit", "activity", "issue"))
        if kind == "visit":
            code, took, err, _ = run(db, "visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴")
        elif kind == "activity":
            code, took, err, _ = run(db, "activity", "add", "--theme", "爱心理发", "--team", "橙色公益",
                                     "--volunteers", "3", "--served", "20", "--hours", "2")
        else:
            code, took, err, out = run(db, "issue", "open", "--kind", "民生问题", "--source", "电话",
                                       "--place", "48号楼", "下水道堵塞")
            if code == 0:  # it prints the new id; resolve that one
                log.append(("issue", code, took, err))
                code, took, err, _ = run(db, "issue", "resolve", out)
                kind = "resolve"
        log.append((kind, code, took, err))


def reader(db: Path, until: float, log: list) -> None:
    while time.monotonic() < until:
        for args in (("summary",), ("report", "monthly", "--month", "this", "--format", "csv")):
            code, took, err, _ = run(db, *args)
            log.append((args[0], code, took, err))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--db", type=Path, help="the ledger (default: a new one in a temporary folder)")
    a = p.parse_args()
    db = a.db or Path(tempfile.mkdtemp(prefix="huidesk-soak-")) / "soak.db"
    setup(db)
    until = time.monotonic() + a.minutes * 60
    logs: list[list] = [[] for _ in range(a.writers + 1)]
    threads = [threading.Thread(target=writer, args=(db, until, i, logs[i])) for i in range(a.writers)]
    threads.append(threading.Thread(target=reader, args=(db, until, logs[-1])))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    started = time.monotonic()
    check_code, _, check_err, _ = run(db, "check")
    check_seconds = time.monotonic() - started
    entries = [e for log in logs for e in log]
    failed = [e for e in entries if e[1] != 0]
    written = {k: sum(1 for e in entries if e[0] == k and e[1] == 0) for k in ("visit", "activity", "issue", "resolve")}
    conn = sqlite3.connect(db)
    held = {
        "visit": conn.execute("SELECT count(*) FROM visits").fetchone()[0],
        "activity": conn.execute("SELECT count(*) FROM activities").fetchone()[0],
        "issue": conn.execute("SELECT count(*) FROM issues").fetchone()[0],
        "resolve": conn.execute("SELECT count(*) FROM issue_events WHERE event = 'resolved'").fetchone()[0],
    }
    journal = conn.execute("SELECT count(*) FROM _journal").fetchone()[0]
    conn.close()
    times = sorted(e[2] for e in entries if e[0] in written)
    reads = sorted(e[2] for e in entries if e[0] in ("summary", "report"))
    report = {
        "writers": a.writers, "minutes": a.minutes, "ledger": str(db),
        "commands": len(entries), "failed": len(failed), "failures": sorted({e[3] for e in failed})[:10],
        "written (told)": written, "held (in the ledger)": held, "journal entries": journal,
        "write seconds p50/p99/max": [round(statistics.median(times), 3), round(times[int(len(times) * 0.99)], 3),
                                      round(times[-1], 3)] if times else None,
        "read seconds p50/max": [round(statistics.median(reads), 3), round(reads[-1], 3)] if reads else None,
        "check exit": check_code, "check seconds": round(check_seconds, 1), "check said": check_err,
        "records match": written == held,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(0 if check_code == 0 and not failed and written == held else 1)


if __name__ == "__main__":
    main()
