"""The benchmark's knobs (environment variables, see bench/README.md), where it writes, and the
environment of the processes it starts: the app under bench/settings.py, the bare Django floor
under bench/floor/settings.py.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# The app's databases by size; the bare floor has one of its own.
DATABASES = {"large": "kundencenter_bench", "tiny": "kundencenter_bench_tiny"}
FLOOR_DATABASE = "kundencenter_bench_floor"
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
FLOOR_PORT = int(os.environ.get("BENCH_FLOOR_PORT", "8766"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "2"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
IDLE_WAIT = int(os.environ.get("BENCH_IDLE_WAIT", "120"))
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"


def app_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_TESTING": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_LOG_LEVEL": "WARNING",
        "SITE_URL": f"http://{HOST}:{PORT}",
        "DATABASE_URL": f"{POSTGRES}/{DATABASES[database]}",
        "REDIS_URL": REDIS_URL,
        "BENCH_STATIC_ROOT": str(OUT / "static"),
        # The load test asks far more often than a token may (600 in 10 minutes), so its limit is
        # raised; counting a request costs the same whatever the limit.
        "API_RATE_PER_TOKEN": "1000000/10m",
    }


def floor_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.floor.settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"{POSTGRES}/{FLOOR_DATABASE}",
    }


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)
