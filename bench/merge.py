"""A street office's month-end: 18 communities' year, each in its own ledger, bundled and merged.

    python bench/merge.py                  # 18 communities, one year each (about 3 minutes)
    python bench/merge.py --communities 4  # a smoke run
    python bench/merge.py --runs 5         # five merges, each after a run of the floor

Each community is generated into its own ledger (bench/generate.py --communities 1 --first k, its own
seed: its own uids), named with `huidesk init --name`, and bundled whole (`bundle --all`, residents
pseudonymous). The timed command is the street's one `huidesk merge` of the 18 bundles (verify every
hash and digest, map every reference, journal), into a fresh street ledger. Against it: the floor,
the same rows copied with executemany into plain tables of the same columns (no index, no
journal, no verification, no mapping), run just before each merge (--runs pairs, alternately, so that a
change in this shared machine's load falls on both), and `huidesk check` of the merged street. Writes
bench/out/merge/results.json.
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HUIDESK = str(BIN / "huidesk")
sys.path.insert(0, str(BENCH.parent))

from huidesk.ledger.federation import MERGE_ORDER  # noqa: E402


def run(argv: list[str], env: dict) -> None:
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)


def timed(argv: list[str], env: dict, out: Path) -> tuple[float, float]:
    """Seconds and peak MB of one run, by /usr/bin/time."""
    report = out / "time.txt"
    run(["/usr/bin/time", "-o", str(report), "-f", "%e %M", *argv], env)
    seconds, kib = report.read_text().split()[-2:]
    return float(seconds), int(kib) / 1024


def floor(bundles: list[Path], dest: Path) -> tuple[float, int]:
    """Seconds to copy every bundle's rows with executemany into plain tables of the same columns (no
    index, no constraint, no journal, ids left to SQLite: the physical floor), and how many rows."""
    dest.unlink(missing_ok=True)
    conn = sqlite3.connect(dest, isolation_level=None)
    columns = {}
    with sqlite3.connect(bundles[0]) as first:
        for table in MERGE_ORDER:
            columns[table] = [c[1] for c in first.execute(f"PRAGMA table_info({table})") if c[1] != "id"]
            conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {', '.join(columns[table])})")
    rows = 0
    started = time.perf_counter()
    conn.execute("BEGIN")
    for path in bundles:
        src = sqlite3.connect(path)
        for table, cols in columns.items():
            data = src.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", data)
            rows += len(data)
        src.close()
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--communities", type=int, default=18)
    p.add_argument("--out", type=Path, default=BENCH / "out" / "merge")
    p.add_argument("--runs", type=int, default=3, help="merges, each after a run of the floor")
    a = p.parse_args()
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HUIDESK_TODAY="2024-12-31", HUIDESK_USER="bench", HUIDESK_LANG="zh")
    bundles = []
    for k in range(a.communities):
        db, bundle = out / f"c{k:02d}.db", out / f"c{k:02d}.bundle"
        bundles.append(bundle)
        if bundle.exists():
            continue
        for f in out.glob(f"c{k:02d}.db*"):
            f.unlink()
        run([sys.executable, str(BENCH / "generate.py"), str(db), "--communities", "1", "--first", str(k),
             "--seed", str(20240708 + k), "--years", "1", "--quiet"], env)
        run([HUIDESK, "-q", "--db", str(db), "init", "--name", f"community {k:02d}"], env)
        run([HUIDESK, "-q", "--db", str(db), "bundle", "--all", "--output", str(bundle)], env)
    records = rows = 0
    for bundle in bundles:
        conn = sqlite3.connect(bundle)
        records += int(conn.execute("SELECT value FROM manifest WHERE key = 'records'").fetchone()[0])
        rows += sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MERGE_ORDER)
        conn.close()
    street = out / "street.db"
    pairs, peaks = [], []
    for _ in range(max(1, a.runs)):
        raw, copied = floor(bundles, out / "floor.db")
        assert copied == rows, (copied, rows)
        for f in out.glob("street.db*"):
            f.unlink()
        run([HUIDESK, "-q", "--db", str(street), "init", "--name", "黄河东路街道"], env)
        merged, peak = timed([HUIDESK, "-q", "--db", str(street), "merge", *map(str, bundles)], env, out)
        pairs.append((raw, merged))
        peaks.append(peak)
        print(f"  floor {raw:.2f} s, merge {merged:.2f} s ({raw / merged:.3f}x)", file=sys.stderr)
    raw, merged = (statistics.median(x) for x in zip(*pairs, strict=True))
    peak = max(peaks)
    checked, check_peak = timed([HUIDESK, "-q", "--db", str(street), "check"], env, out)
    results = {
        "communities": a.communities, "records": records, "rows": rows,
        "merge_seconds": merged, "merge_peak_mb": peak, "rows_per_s": rows / merged,
        "floor_seconds": raw, "floor_rows_per_s": rows / raw, "ratio_to_floor": raw / merged,
        "pairs": [{"floor": f, "merge": m} for f, m in pairs],
        "check_seconds": checked, "check_peak_mb": check_peak,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"merge of {a.communities} bundles: {records:,} records ({rows:,} rows with their link rows) in "
          f"{merged:.1f} s = {rows / merged:,.0f} rows/s, peak {peak:.0f} MB (median of {len(pairs)})")
    print(f"floor (executemany of the same rows, no journal): {raw:.1f} s = {rows / raw:,.0f} rows/s "
          f"-> merge at {raw / merged:.2f}x the floor (medians; alternately)")
    print(f"check of the merged street: {checked:.1f} s, peak {check_peak:.0f} MB")


if __name__ == "__main__":
    main()
