"""`python -m bench.floor.prepare` under bench.floor.settings, on the floor's migrated database:
creates its one user, signs it in, counts the page's queries, and prints the cookies and the
count as one JSON line."""

from __future__ import annotations

import json

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.sessions import csrf_cookie, signed_in  # noqa: E402

PATH = "/"


def prepare() -> dict:
    user = User.objects.create_user("bench", "bench@bench.example")
    cookies = signed_in(user, csrf_cookie())
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    for name, value in cookies.items():
        client.cookies[name] = value
    client.get(PATH)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PATH)
    if response.status_code != 200:
        raise SystemExit(f"the bare floor answered {response.status_code}")
    return {"path": PATH, "cookies": cookies, "queries": len(queries)}


if __name__ == "__main__":
    print(json.dumps(prepare()))
