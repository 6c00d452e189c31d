"""`make bench`: seed PostgreSQL at agency scale, load-test the pages under gunicorn with wrk beside
a bare Django floor and the app's base-layout floor, count their SQL queries at two sizes, time the
sweeper, print the table and write bench/out/results.{json,md} and bench/out/latency.png.

Everything runs against 127.0.0.1 only, every load run is bounded in time, and the gunicorns
started here are stopped again. The knobs are in bench/config.py and bench/README.md.

Other work on the machine skews every number, so each measurement records the load
average, and the load phase first waits (bounded) for the machine to calm down.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import django
import gunicorn
import psycopg
import redis

from bench import chart, report
from bench.config import (
    CONNECTIONS,
    DATABASES,
    DURATION,
    FLOOR_DATABASE,
    IDLE_WAIT,
    OUT,
    POSTGRES,
    PYTHON,
    REDIS_URL,
    ROOT,
    ROUNDS,
    WARMUP,
    WORKERS,
    app_env,
    floor_env,
    log,
)
from bench.load import load_average, measure

BARE_FLOOR = {"name": "bare_floor", "label": "Bare Django floor", "who": "bare"}


def wait_for_quiet() -> float:
    """Wait (at most IDLE_WAIT seconds) until other processes leave the CPUs mostly alone."""
    deadline = time.monotonic() + IDLE_WAIT
    while load_average() > (os.cpu_count() or 1) / 2 and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


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


def prepare_bare_floor() -> dict:
    """The bare floor's user, signed-in cookies and query count (bench/floor/prepare.py)."""
    with open(OUT / "floor.log", "a") as errors:
        done = subprocess.run(
            [PYTHON, "-m", "bench.floor.prepare"],
            cwd=ROOT,
            env=floor_env(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            check=False,
        )
    if done.returncode:
        raise SystemExit(f"preparing the bare floor failed ({done.returncode}); see {OUT / 'floor.log'}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def manage(*args: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 2)


def machine() -> dict:
    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
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
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=ROOT, capture_output=True, text=True)
    return revision.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def recreate_databases() -> float:
    """Drops and creates the app's two databases and the bare floor's; seconds of the app's migration."""
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        for name in [*DATABASES.values(), FLOOR_DATABASE]:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASES['large']}")
        connection.execute(f"CREATE DATABASE {FLOOR_DATABASE}")
    seconds = manage("migrate", "--noinput", env=app_env("large"))
    # The tiny database starts as a copy of the freshly migrated (still empty) large one.
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {DATABASES['tiny']} TEMPLATE {DATABASES['large']}")
    manage("migrate", "--noinput", env=floor_env())
    return seconds


def flush_queue() -> int:
    """The sweep hands its e-mails to Celery; nobody consumes the bench queue, so empty it."""
    client = redis.Redis.from_url(REDIS_URL)
    queued = client.llen("celery")
    client.flushdb()
    return queued


def write(results: dict) -> None:
    results["targets"] = report.targets(results)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (OUT / "results.md").write_text(report.markdown(results))
    chart.draw(results, OUT / "latency.png")


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
    manage("collectstatic", "--noinput", "-v0", env=app_env("large"))
    log("counting queries (large, tiny)")
    queries = {size: run_step("queries", size, database=size) for size in DATABASES}
    prepared = run_step("prepare")
    bare_floor = prepare_bare_floor()
    results["load_average_at_start"] = wait_for_quiet()
    log("in-process breakdown (SQL vs Python)")
    breakdown = run_step("breakdown")
    log("in-process costs (where the CPU of each page goes)")
    results["costs"] = run_step("costs")
    log(
        f"load: {WORKERS} gunicorn workers per server, wrk {CONNECTIONS} connections, {WARMUP} s warm-up, then "
        f"{ROUNDS} rounds of {max(1, DURATION // ROUNDS)} s bare floor + base-layout floor + page per page"
    )
    floor_page = next(page for page in prepared["pages"] if page["name"] == "floor")
    others = [page for page in prepared["pages"] if page is not floor_page]
    bare_page = {**BARE_FLOOR, "path": bare_floor["path"]}
    cookies = {**prepared["cookies"], BARE_FLOOR["who"]: bare_floor["cookies"]}
    bare, floor, *pages = measure(bare_page, floor_page, others, cookies)
    results["bare_p50_ms"], results["bare_server_cpu_ms"] = bare["p50_ms"], bare["server_cpu_ms"]
    results["floor_p50_ms"], results["floor_server_cpu_ms"] = floor["p50_ms"], floor["server_cpu_ms"]
    # The bare floor's database is the same at both sizes.
    bare["queries_large"] = bare["queries_tiny"] = bare_floor["queries"]
    for page in [floor, *pages]:
        page["queries_large"] = queries["large"][page["name"]]
        page["queries_tiny"] = queries["tiny"][page["name"]]
        page["in_process"] = breakdown[page["name"]]
    results["pages"] = [bare, floor, *pages]
    log("sweep")
    flush_queue()
    results["sweep"] = {"load_average_before": wait_for_quiet(), **run_step("sweep")}
    results["sweep"]["tasks_enqueued"] = flush_queue()
    log(f"sweep: {results['sweep']['first']['seconds']} s, idle {results['sweep']['idle']['seconds']} s")
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    write(results)
    log(f"done in {results['total_seconds']} s: bench/out/results.md, bench/out/results.json, bench/out/latency.png")
    print()
    print(report.table(results))


if __name__ == "__main__":
    main()
