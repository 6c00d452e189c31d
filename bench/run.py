"""`make bench`: seed PostgreSQL at agency scale, load-test the pages under gunicorn with wrk,
count their SQL queries at two sizes, time the sweeper, and write bench/results.{json,md}
and bench/latency.png.

Everything runs against 127.0.0.1 only, every load run is bounded in time, and the
gunicorn started here is stopped again. Knobs (environment): BENCH_POSTGRES (server URL
without database), BENCH_REDIS_URL, BENCH_PORT, BENCH_WORKERS, BENCH_CONNECTIONS,
BENCH_DURATION (seconds per page, split into BENCH_ROUNDS slices that alternate with slices of
the floor), BENCH_WARMUP and BENCH_IDLE_WAIT (seconds).

Other work on the machine skews every number, so each measurement records the load
average, and the load phase first waits (bounded) for the machine to calm down.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import report

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
DATABASES = {"large": "kundencenter_bench", "tiny": "kundencenter_bench_tiny"}
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "2"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
IDLE_WAIT = int(os.environ.get("BENCH_IDLE_WAIT", "120"))


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_for_quiet() -> float:
    """Wait (at most IDLE_WAIT seconds) until other processes leave the CPUs mostly alone."""
    deadline = time.monotonic() + IDLE_WAIT
    while load_average() > (os.cpu_count() or 1) / 2 and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def app_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_TESTING": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_LOG_LEVEL": "WARNING",
        "SITE_URL": f"http://{HOST}:{PORT}",
        "DATABASE_URL": f"{POSTGRES}/{DATABASES[database]}",
        "REDIS_URL": REDIS_URL,
        "BENCH_STATIC_ROOT": str(OUT / "static"),
    }


def run_step(step: str, *args: str, database: str = "large") -> dict:
    """One bench.steps step in its own process, under /usr/bin/time (wall seconds, peak memory)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing, open(OUT / f"{step}.log", "a") as errors:
        command = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", timing.name, PYTHON, "-m", "bench.steps", step, *args]
        done = subprocess.run(
            command, cwd=ROOT, env=app_env(database), stdout=subprocess.PIPE, stderr=errors, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"step {step} {args} failed ({done.returncode}); see {OUT / f'{step}.log'}")
        wall, user, system, max_rss_kb = timing.read().split()[-4:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = {
        "wall_seconds": float(wall),
        "cpu_seconds": round(float(user) + float(system), 2),
        "max_rss_mb": round(int(max_rss_kb) / 1024, 1),
    }
    return result


def manage(*args: str, database: str = "large") -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=app_env(database), check=True, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 2)


def machine() -> dict:
    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    import django
    import gunicorn

    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "cpu_model": cpu.group(1).strip() if cpu else platform.processor(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": postgres,
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
    }


def git_revision() -> str:
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    # The outputs of the previous run do not make the code under test "changed".
    outputs = [f":!bench/{name}" for name in ("results.json", "results.md", "latency.png")]
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", ".", *outputs], cwd=ROOT, capture_output=True, text=True
    )
    return revision.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def recreate_databases() -> float:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        for name in DATABASES.values():
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASES['large']}")
    seconds = manage("migrate", "--noinput")
    # The tiny database starts as a copy of the freshly migrated (still empty) large one.
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {DATABASES['tiny']} TEMPLATE {DATABASES['large']}")
    return seconds


# --- load ---------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def start_gunicorn() -> subprocess.Popen:
    if not port_is_free(PORT):
        raise SystemExit(f"port {PORT} is taken; set BENCH_PORT")
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "customercenter.wsgi:application",
        f"--bind={HOST}:{PORT}",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        "--log-level=warning",
        f"--error-logfile={OUT / 'gunicorn.log'}",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=app_env("large"), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {OUT / 'gunicorn.log'}")
        try:
            if get("/healthz", {})[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(server)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system) per process; processes that are gone are left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def server_processes(server: subprocess.Popen) -> list[int]:
    """The gunicorn workers and the PostgreSQL backends serving the benchmark database."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server.pid:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        backends = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASES["large"]]
        ).fetchall()
    return workers + [pid for (pid,) in backends]


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def get(path: str, cookies: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie_header(cookies)} if cookies else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wrk(path: str, cookies: dict[str, str], seconds: int) -> dict:
    command = [
        "wrk",
        "--threads=1",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={ROOT / 'bench' / 'wrk_report.lua'}",
        f"--header=Cookie: {cookie_header(cookies)}",
        f"http://{HOST}:{PORT}{path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def slice_of(server: subprocess.Popen, page: dict, jar: dict[str, str], seconds: int) -> dict:
    """One wrk run of a page, with the server CPU it cost."""
    before = cpu_seconds(server_processes(server))
    summary = wrk(page["path"], jar, seconds)
    after = cpu_seconds(server_processes(server))
    if sum(summary["errors"].values()):
        raise SystemExit(f"{page['path']}: {summary['errors']} errors under load")
    summary["cpu_seconds"] = sum(used - before.get(pid, 0.0) for pid, used in after.items())
    return summary


def summarise(page: dict, slices: list[dict], load: list[float]) -> dict:
    """A page's figures over its slices: medians of the slices' percentiles, totals of the rest."""
    requests = sum(run["requests"] for run in slices)

    def median_ms(key: str) -> float:
        return round(statistics.median(run["latency_us"][key] for run in slices) / 1000, 2)

    return {
        **page,
        "requests": requests,
        "rps": round(requests / (sum(run["duration_us"] for run in slices) / 1e6), 1),
        "p50_ms": median_ms("p50"),
        "p90_ms": median_ms("p90"),
        "p95_ms": median_ms("p95"),
        "p99_ms": median_ms("p99"),
        "mean_ms": median_ms("mean"),
        "kb_per_response": round(sum(run["bytes"] for run in slices) / max(requests, 1) / 1024, 1),
        # CPU per request hardly depends on what else runs on the machine; latency does.
        "server_cpu_ms": round(sum(run["cpu_seconds"] for run in slices) / max(requests, 1) * 1000, 2),
        "p50_slices_ms": [round(run["latency_us"]["p50"] / 1000, 2) for run in slices],
        "load_average": load,
    }


def measure(floor: dict, pages: list[dict], cookies: dict[str, dict[str, str]]) -> tuple[dict, list[dict]]:
    """Each page in ROUNDS short slices, alternating with slices of the floor.

    The machine drifts by 15-30 % over the minutes of a run; a page is compared with the floor
    slices taken in the same half minute, so the drift does not decide a ratio.
    """
    server = start_gunicorn()
    seconds = max(1, DURATION // ROUNDS)
    floor_slices, results = [], []
    try:
        for page in [floor, *pages]:
            status, body = get(page["path"], cookies[page["who"]])
            # A lost session would measure the login redirect instead of the page.
            if status != 200 or b"Abmelden" not in body:
                raise SystemExit(f"{page['path']} answered {status} without a signed-in page")
        wrk(floor["path"], cookies[floor["who"]], WARMUP)
        for page in pages:
            jar = cookies[page["who"]]
            wrk(page["path"], jar, WARMUP)
            load_before = load_average()
            around, slices = [], []
            for _ in range(ROUNDS):
                around.append(slice_of(server, floor, cookies[floor["who"]], seconds))
                slices.append(slice_of(server, page, jar, seconds))
            load = [load_before, load_average()]
            result = summarise(page, slices, load)
            floor_here = summarise(floor, around, load)
            result["floor_p50_ms"] = floor_here["p50_ms"]
            result["floor_server_cpu_ms"] = floor_here["server_cpu_ms"]
            floor_slices += around
            results.append(result)
            log(
                f"{page['name']:<18} p50 {result['p50_ms']:>7} ms  p95 {result['p95_ms']:>7} ms  "
                f"{result['rps']:>6} req/s  server CPU {result['server_cpu_ms']:>6} ms/request  "
                f"(floor {result['floor_p50_ms']} ms)"
            )
    finally:
        stop_gunicorn(server)
    loads = [value for result in results for value in result["load_average"]]
    return summarise(floor, floor_slices, [min(loads), max(loads)]), results


# --- sweep ---------------------------------------------------------------------------------------


def flush_queue() -> int:
    """The sweep hands its e-mails to Celery; nobody consumes the bench queue, so empty it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    queued = client.llen("celery")
    client.flushdb()
    return queued


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("*.log"):
        stale.unlink()
    started = time.perf_counter()
    results: dict = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": machine(),
        "config": {
            "workers": WORKERS,
            "connections": CONNECTIONS,
            "duration_s": DURATION,
            "rounds": ROUNDS,
            "warmup_s": WARMUP,
        },
    }
    log(f"machine: {results['machine']}")
    log("creating and migrating the benchmark databases")
    results["migrate_seconds"] = recreate_databases()
    log("seeding (large)")
    results["seed"] = {"large": run_step("seed", "large", database="large")}
    log(f"seeded {results['seed']['large']['total_rows']} rows in {results['seed']['large']['seconds']} s")
    results["seed"]["tiny"] = run_step("seed", "tiny", database="tiny")
    log("collectstatic")
    manage("collectstatic", "--noinput", "-v0")
    log("counting queries (large, tiny)")
    queries = {size: run_step("queries", size, database=size) for size in DATABASES}
    prepared = run_step("prepare")
    results["load_average_at_start"] = wait_for_quiet()
    log("in-process breakdown (SQL vs Python)")
    breakdown = run_step("breakdown")
    log("in-process costs (where the CPU of each page goes)")
    results["costs"] = run_step("costs")
    log(
        f"load: {WORKERS} gunicorn workers, wrk {CONNECTIONS} connections, {WARMUP} s warm-up, then {ROUNDS} rounds "
        f"of {max(1, DURATION // ROUNDS)} s floor + {max(1, DURATION // ROUNDS)} s page per page"
    )
    floor_page = next(page for page in prepared["pages"] if page["name"] == "floor")
    others = [page for page in prepared["pages"] if page is not floor_page]
    floor, pages = measure(floor_page, others, prepared["cookies"])
    results["floor_p50_ms"] = floor["p50_ms"]
    results["floor_server_cpu_ms"] = floor["server_cpu_ms"]
    pages = [floor, *pages]
    for page in pages:
        page["queries_large"] = queries["large"][page["name"]]
        page["queries_tiny"] = queries["tiny"][page["name"]]
        page["in_process"] = breakdown[page["name"]]
    results["pages"] = pages
    log("sweep")
    flush_queue()
    results["sweep"] = {"load_average_before": wait_for_quiet(), **run_step("sweep")}
    results["sweep"]["tasks_enqueued"] = flush_queue()
    log(f"sweep: {results['sweep']['first']['seconds']} s, idle {results['sweep']['idle']['seconds']} s")
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    report.write(results)
    log(f"done in {results['total_seconds']} s: bench/results.md, bench/results.json, bench/latency.png")


if __name__ == "__main__":
    main()
