"""The warehouse at province-like size: write throughput, and `report monthly` and `summary` through
DuckDB over the Parquet dataset against the same over one SQLite ledger; peak memory.

    python bench/warehouse.py                       # the generator's district (~1.09 M records), x10 in DuckDB
    python bench/warehouse.py --copies 3 --runs 3   # smaller

The district ledger (bench/generate.py, default size) is written into a dataset once (timed, with its
peak memory; then again, which must write nothing). A province-like dataset is then made of that
district's partitions under `--copies` ledger uids (hard links, with a manifest each): the same
records `--copies` times over, as `--copies` districts of the generator's size. Reports are timed with
hyperfine (-N, medians): the SQLite ledger (1 district), DuckDB over the one-district dataset (the same
records: the engines compared), and DuckDB over the `--copies` dataset. Peak memory from /usr/bin/time.
Outputs are checked: the one-district dataset's reports equal the ledger's (chain head aside).
Writes bench/out/warehouse.json. Needs the warehouse extra and hyperfine.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HUIDESK = str(BIN / "huidesk")
TODAY = "2024-12-31"  # the generated district's last day


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=BENCH / "out")
    p.add_argument("--ledger", type=Path, help="a generated ledger (default: OUT/district.db, made when missing)")
    p.add_argument("--copies", type=int, default=10, help="districts in the province-like dataset")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--month", default="2024-06")
    a = p.parse_args()
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HUIDESK_TODAY=TODAY, HUIDESK_USER="bench", HUIDESK_LANG="zh",
               PYTHONPYCACHEPREFIX=str(out / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ledger = (a.ledger or out / "district.db").resolve()
    if not ledger.exists():
        print(f"generating {ledger} (bench/generate.py, ~2-4 min)", file=sys.stderr)
        subprocess.run([sys.executable, str(BENCH / "generate.py"), str(ledger)], check=True, env=env)
    one, many = out / "warehouse-1", out / f"warehouse-{a.copies}"
    for d in (one, many):
        shutil.rmtree(d, ignore_errors=True)
    results: dict = {"ledger": str(ledger), "copies": a.copies, "month": a.month}

    wall, peak = timed([HUIDESK, "--db", str(ledger), "warehouse", str(one)], env)
    manifest = json.loads(next((one / "_huidesk").glob("ledger=*.json")).read_text())
    rows = sum(x["rows"] for x in manifest["partitions"].values())
    records = sum(x["rows"] for k, x in manifest["partitions"].items()
                  if k.split("/")[0] in ("table=visits", "table=activities", "table=issues", "table=issue_events"))
    again, _ = timed([HUIDESK, "--db", str(ledger), "warehouse", str(one)], env)
    results["write"] = {"seconds": wall, "peak_mb": peak, "rows": rows, "records": records,
                        "rows_per_second": rows / wall, "partitions": len(manifest["partitions"]),
                        "rerun_seconds": again, "bytes": size(one),
                        "after_one_visit_seconds": after_one_visit(ledger, one, out, env, a.runs)}
    replicate(one, many, a.copies)
    results["dataset_records"] = records * a.copies

    months = ["report", "monthly", "--month", a.month, "--format", "csv"]
    summary = ["summary", "--format", "json"]
    commands = {}
    for name, args in (("report monthly", months), ("summary", summary)):
        commands[name] = {
            "sqlite (1 district)": [HUIDESK, "--db", str(ledger), *args],
            "duckdb (1 district)": [HUIDESK, "--warehouse", str(one), *args],
            f"duckdb ({a.copies} districts)": [HUIDESK, "--warehouse", str(many), *args],
        }
        check_same(commands[name]["sqlite (1 district)"], commands[name]["duckdb (1 district)"], env)
    results["reports"] = {}
    for name, group in commands.items():
        results["reports"][name] = {}
        for label, cmd in group.items():
            median = hyperfine(cmd, a.runs, env, out / f"hyperfine-warehouse-{slug(name)}-{slug(label)}.json")
            _, mb = timed(cmd, env)
            results["reports"][name][label] = {"median_s": median, "peak_mb": mb}
    (out / "warehouse.json").write_text(json.dumps(results, indent=1))
    report(results)


def after_one_visit(ledger: Path, one: Path, out: Path, env: dict, runs: int) -> list[float]:
    """A warehouse run after one new visit (`runs` times, each after its own visit), on copies of the ledger
    and of its dataset: the journal since the dataset's head names the partitions to read."""
    db, dw = out / "visit-copy.db", out / "warehouse-visit-copy"
    shutil.copyfile(ledger, db)
    shutil.rmtree(dw, ignore_errors=True)
    shutil.copytree(one, dw)
    seconds = []
    for _ in range(runs):
        subprocess.run([HUIDESK, "--db", str(db), "visit", "add", "1", "--team", "1", "--date", TODAY],
                       env=env, check=True, capture_output=True)
        seconds.append(timed([HUIDESK, "--db", str(db), "warehouse", str(dw)], env)[0])
    db.unlink()
    shutil.rmtree(dw)
    return seconds


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    return wall, kb / 1024


def hyperfine(cmd: list[str], runs: int, env: dict, export: Path) -> float:
    subprocess.run(["hyperfine", "--style", "none", "-N", "--warmup", "1", "--runs", str(runs),
                    "--export-json", str(export), " ".join(_quote(c) for c in cmd)],
                   env=env, check=True, capture_output=True)
    return json.loads(export.read_text())["results"][0]["median"]


def check_same(sqlite_cmd: list[str], duck_cmd: list[str], env: dict) -> None:
    a = subprocess.run(sqlite_cmd, env=env, capture_output=True, text=True, check=True).stdout
    b = subprocess.run(duck_cmd, env=env, capture_output=True, text=True, check=True).stdout
    head = re.search(r"[0-9a-f]{64}", a)
    if head:
        a = a.replace(head[0], "warehouse")
    a = re.sub(r'"chain_head": \{[^}]*\}', "", a)
    b = re.sub(r'"chain_head": \{[^}]*\}', "", b)
    if a != b:
        sys.exit(f"outputs differ: {' '.join(sqlite_cmd[3:])}")


def replicate(one: Path, many: Path, copies: int) -> None:
    """`copies` ledgers holding the one ledger's partitions, each with its own uid, number and manifest,
    written as `huidesk warehouse` writes the n-th ledger: ids and references plus n * 2^40."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    manifest = json.loads(next((one / "_huidesk").glob("ledger=*.json")).read_text())
    schema = json.loads((one / "_schema.json").read_text())["tables"]
    uid = manifest["ledger"]
    (many / "_huidesk").mkdir(parents=True)
    shutil.copy(one / "_schema.json", many / "_schema.json")
    numbers = {}
    for n in range(copies):
        other = uid if n == 0 else hashlib.md5(f"{uid}-{n}".encode()).hexdigest()
        numbers[other] = n
        parts = {}
        for rel, info in manifest["partitions"].items():
            new = rel.replace(f"ledger={uid}", f"ledger={other}")
            (many / new).parent.mkdir(parents=True, exist_ok=True)
            table = rel.split("/")[0].removeprefix("table=")
            if n == 0:
                os.link(one / rel, many / new)
            else:
                data = pq.read_table(one / rel)
                for c, d in schema[table]["columns"].items():
                    if c == "id" or "references" in d:
                        i = data.column_names.index(c)
                        data = data.set_column(i, c, pc.add(data[c], pa.scalar(n << 40, pa.int64())))
                pq.write_table(data, many / new)
            parts[new] = info
        (many / "_huidesk" / f"ledger={other}.json").write_text(
            json.dumps({**manifest, "ledger": other, "number": n, "partitions": parts}))
    (many / "_huidesk" / "ledgers.json").write_text(json.dumps(numbers))


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.parquet"))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w./=:-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def report(r: dict) -> None:
    w = r["write"]
    print(f"write: {w['rows']:,} rows ({w['records']:,} records) in {w['seconds']:.1f} s = "
          f"{w['rows_per_second']:,.0f} rows/s, peak {w['peak_mb']:.0f} MB, {w['bytes'] / 1e6:.0f} MB of Parquet, "
          f"{w['partitions']} partitions; again (nothing changed): {w['rerun_seconds']:.1f} s; after one new visit: "
          f"{', '.join(f'{x:.2f}' for x in w['after_one_visit_seconds'])} s")
    print(f"dataset: {r['copies']} x {w['records']:,} = {r['dataset_records']:,} records")
    print("| command | engine, data | median | peak memory | vs SQLite |")
    print("|---|---|---:|---:|---:|")
    for name, group in r["reports"].items():
        base = group["sqlite (1 district)"]["median_s"]
        for label, m in group.items():
            print(f"| {name} | {label} | {m['median_s'] * 1000:,.0f} ms | {m['peak_mb']:.0f} MB | "
                  f"{base / m['median_s']:.1f}x |")


if __name__ == "__main__":
    main()
