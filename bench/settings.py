"""The application's settings plus a benchmark-only URL: the floor page (see bench/urls.py)."""

import os

from customercenter.settings import *  # noqa: F403
from customercenter.settings import BASE_DIR

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", str(BASE_DIR / "bench" / "out" / "static"))
