"""Helpers that tests of more than one app use."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, data=None, **kwargs) -> int:
    """The number of queries a successful GET of `url` makes (`kwargs` as for `client.get`)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, data, **kwargs)
    assert response.status_code == 200
    return len(context.captured_queries)
