"""Hostile URL parameters on PostgreSQL: every URL pattern of the project (ours, allauth's and the
admin's, from the resolver) with a NUL character, an overlong value and non-ASCII text in each of
its parameters. PostgreSQL refuses NUL in text and numbers beyond its integer types, where SQLite
just finds nothing; a parameter must be checked before it reaches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.urls import URLResolver, get_resolver

from tests.conftest import login
from tests.factories import DatabaseFactory, DomainFactory, ServerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# A parameter in a route (`<int:pk>`, `<key>`) or in a regular expression (`(?P<key>[-:\w]+)`).
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
# NUL alone and after a valid number, overlong, non-ASCII alone and after a valid number.
HOSTILE = ("\x00", "p12345\x00", "9" * 300, "ä", "p12345ä")
# The other parameters of a URL are plausible, so the hostile one is the one that is looked up.
PLAUSIBLE = {"number": "p12345", "name": "sonnenschein.de"}
OURS = ("customercenter.", "projects.", "delegation.", "notifications.", "tickets.")


def routes(patterns, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(full route, module of the view) of every URL pattern."""
    for entry in patterns:
        route = prefix + str(entry.pattern).removeprefix("^").removesuffix("$")
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, route)
        else:
            yield route, getattr(entry.callback, "__module__", "")


def url_with(route: str, hostile: str, value: str) -> str:
    """The route with `value` for its parameter `hostile` and plausible values for the others."""

    def fill(match: re.Match) -> str:
        name = match[1] or match[2]
        return quote(value if name == hostile else PLAUSIBLE.get(name, "1"))

    return "/" + PARAMETER.sub(fill, route)


def hostile_urls() -> Iterator[tuple[str, str]]:
    """(URL, module of the view) with each hostile value in each parameter of each URL pattern."""
    for route, module in routes(get_resolver().url_patterns):
        for match in PARAMETER.finditer(route):
            for value in HOSTILE:
                yield url_with(route, match[1] or match[2], value), module


def test_every_parameter_of_every_url_is_checked_before_the_database(owner, project, staff):
    DatabaseFactory(project=project, name="p12345_shop")
    DomainFactory(project=project, name="sonnenschein.de")
    ServerFactory(owner=owner, number="s5001")
    clients = {"owner": login(owner), "staff": login(staff)}
    for client in clients.values():
        client.raise_request_exception = False
    urls = list(hostile_urls())
    assert len(urls) > 100, "the resolver walk found too few URLs"

    failures = []
    for url, module in urls:
        # The customer center's own pages say "not found" to a customer (or "wrong method", which
        # is decided before any lookup); allauth and the admin answer their way (a redirect to a
        # login or to the list) and everyone may be refused, but nobody gets a server error.
        strict = module.startswith(OURS) and not module.endswith(".admin")
        for persona, client in clients.items():
            for method in (client.get, client.post):
                status = method(url).status_code
                if status >= 500 or (strict and persona == "owner" and status not in {400, 404, 405}):
                    failures.append(f"{method.__name__.upper()} {url} as {persona}: {status}")
    assert failures == [], "\n".join(failures)
