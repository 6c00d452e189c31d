"""The load test: gunicorn servers started and stopped here, wrk runs against them, and the
server CPU each run cost.

Every page is measured in ROUNDS short slices, each right after a slice of the bare Django floor
and a slice of the base-layout floor, so that a page is compared with floors measured in the
same half minute: this machine drifts by 15-30 % over the minutes of a run.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.config import (
    CONNECTIONS,
    DATABASES,
    DURATION,
    FLOOR_DATABASE,
    FLOOR_PORT,
    HOST,
    OUT,
    PORT,
    POSTGRES,
    PYTHON,
    ROOT,
    ROUNDS,
    WARMUP,
    WORKERS,
    app_env,
    floor_env,
    log,
)


@dataclass
class Server:
    """A gunicorn of the benchmark, and the database its workers use."""

    name: str
    application: str
    port: int
    env: dict[str, str]
    database: str
    # Answers 200 or a redirect once a worker is up.
    ready_path: str
    process: subprocess.Popen | None = None

    def start(self) -> None:
        if not port_is_free(self.port):
            raise SystemExit(f"port {self.port} is taken; set BENCH_PORT or BENCH_FLOOR_PORT")
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            self.application,
            f"--bind={HOST}:{self.port}",
            f"--workers={WORKERS}",
            "--worker-class=sync",
            "--log-level=warning",
            f"--error-logfile={OUT / f'gunicorn-{self.name}.log'}",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {OUT}/gunicorn-{self.name}.log")
            try:
                if get(self.port, self.ready_path, {})[0] in (200, 302):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn ({self.name}) did not answer {self.ready_path} within 30 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def processes(self) -> list[int]:
        """The gunicorn workers and the PostgreSQL backends serving this server's database."""
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    workers.append(int(stat.parent.name))
            except (OSError, ValueError):
                continue
        with psycopg.connect(f"{POSTGRES}/postgres") as connection:
            backends = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]
            ).fetchall()
        return workers + [pid for (pid,) in backends]


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


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


def request_headers(page: dict, cookies: dict[str, str]) -> dict[str, str]:
    """The headers of a page's requests: its signed-in cookies, and its own (an API token)."""
    headers = dict(page.get("headers", {}))
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return headers


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wrk(port: int, path: str, headers: dict[str, str], seconds: int) -> dict:
    command = [
        "wrk",
        "--threads=1",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={ROOT / 'bench' / 'wrk_report.lua'}",
        *(f"--header={name}: {value}" for name, value in headers.items()),
        f"http://{HOST}:{port}{path}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def slice_of(server: Server, page: dict, jar: dict[str, str], seconds: int) -> dict:
    """One wrk run of a page, with the server CPU it cost."""
    before = cpu_seconds(server.processes())
    summary = wrk(server.port, page["path"], request_headers(page, jar), seconds)
    after = cpu_seconds(server.processes())
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


def servers() -> tuple[Server, Server]:
    """The app under bench/settings.py and the bare Django floor, each with its own gunicorn."""
    app = Server("app", "customercenter.wsgi:application", PORT, app_env("large"), DATABASES["large"], "/healthz")
    bare = Server("bare", "bench.floor.wsgi:application", FLOOR_PORT, floor_env(), FLOOR_DATABASE, "/")
    return app, bare


def measure(bare: dict, floor: dict, pages: list[dict], cookies: dict[str, dict[str, str]]) -> list[dict]:
    """The bare floor, the base-layout floor and the pages, each page in ROUNDS slices that
    alternate with slices of both floors; each page carries the medians of the floors around it.

    `bare` is served by the bare floor's gunicorn, everything else by the app's.
    """
    seconds = max(1, DURATION // ROUNDS)
    app_server, bare_server = servers()
    bare_slices, floor_slices, results = [], [], []
    with running(app_server), running(bare_server):
        served = [(bare_server, bare)] + [(app_server, page) for page in [floor, *pages]]
        for server, page in served:
            status, body = get(server.port, page["path"], request_headers(page, cookies[page["who"]]))
            # A lost session or token would measure the login redirect or refusal instead of the page.
            if status != 200 or (b"Abmelden" not in body and not body.startswith(b"{")):
                raise SystemExit(f"{page['path']} answered {status} without a signed-in page")
        for server, page in served[:2]:
            wrk(server.port, page["path"], request_headers(page, cookies[page["who"]]), WARMUP)
        for page in pages:
            jar = cookies[page["who"]]
            wrk(app_server.port, page["path"], request_headers(page, jar), WARMUP)
            load_before = load_average()
            bare_around, floor_around, slices = [], [], []
            for _ in range(ROUNDS):
                bare_around.append(slice_of(bare_server, bare, cookies[bare["who"]], seconds))
                floor_around.append(slice_of(app_server, floor, cookies[floor["who"]], seconds))
                slices.append(slice_of(app_server, page, jar, seconds))
            load = [load_before, load_average()]
            result = summarise(page, slices, load)
            bare_here, floor_here = summarise(bare, bare_around, load), summarise(floor, floor_around, load)
            result["bare_p50_ms"] = bare_here["p50_ms"]
            result["bare_server_cpu_ms"] = bare_here["server_cpu_ms"]
            result["floor_p50_ms"] = floor_here["p50_ms"]
            result["floor_server_cpu_ms"] = floor_here["server_cpu_ms"]
            bare_slices += bare_around
            floor_slices += floor_around
            results.append(result)
            log(
                f"{page['name']:<18} p50 {result['p50_ms']:>7} ms  p95 {result['p95_ms']:>7} ms  "
                f"{result['rps']:>6} req/s  server CPU {result['server_cpu_ms']:>6} ms/request  "
                f"(floors {result['bare_p50_ms']} / {result['floor_p50_ms']} ms)"
            )
    loads = [value for result in results for value in result["load_average"]]
    span = [min(loads), max(loads)]
    return [summarise(bare, bare_slices, span), summarise(floor, floor_slices, span), *results]
