"""The web desk under load, over loopback: `huidesk serve` on the demo ledger, how long it takes to answer its
first page, the dashboard's median, then 20 clients x 100 requests each (keep-alive, a mix of the dashboard,
listings, an issue and Open311) — errors and the 50th/99th percentile latency.

    python bench/web_load.py [CLIENTS] [REQUESTS]
"""

import http.client
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

PATHS = ["/", "/issues", "/issues?kind=livelihood&page=2", "/issues/194", "/visits", "/reports/monthly",
         "/open311/v2/requests.json?page_size=50&start_date=2024-01-01T00:00:00Z", "/open311/v2/services.xml"]


def sign_in(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", f"{parts.path}?{parts.query}")
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("set-cookie").split(";")[0]
    return parts.hostname, parts.port, cookie


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    each = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    db = Path(tempfile.mkdtemp()) / "demo.db"
    subprocess.run([sys.executable, "-m", "huidesk", "--db", str(db), "demo"], check=True, capture_output=True)
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "huidesk", "--db", str(db), "--today", "2024-07-08", "serve",
                               "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        host, port, cookie = sign_in(url)
        print(f"start to first page: {time.perf_counter() - started:.2f} s")
        conn = http.client.HTTPConnection(host, port, timeout=30)
        times = []
        for _ in range(30):
            t = time.perf_counter()
            conn.request("GET", "/", headers={"cookie": cookie})
            conn.getresponse().read()
            times.append(time.perf_counter() - t)
        print(f"dashboard: median {statistics.median(times) * 1000:.0f} ms over 30")
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client(n: int) -> None:
            c = http.client.HTTPConnection(host, port, timeout=60)
            mine = []
            for i in range(each):
                path = PATHS[(n + i) % len(PATHS)]
                t = time.perf_counter()
                try:
                    c.request("GET", path, headers={"cookie": cookie})
                    response = c.getresponse()
                    response.read()
                    if response.status != 200:
                        errors.append(f"{path}: {response.status}")
                except OSError as e:
                    errors.append(f"{path}: {e}")
                    c = http.client.HTTPConnection(host, port, timeout=60)
                mine.append(time.perf_counter() - t)
            with lock:
                latencies.extend(mine)

        t = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000  # noqa: E731
        print(f"{clients} clients x {each} requests: {len(latencies)} in {wall:.1f} s "
              f"({len(latencies) / wall:.0f}/s), errors {len(errors)}, p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms")
        if errors:
            print("first errors:", errors[:5])
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
