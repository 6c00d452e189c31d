"""Subqueries compiled once per request.

Django compiles a subquery again in every query that holds it, and compiling is most of the
CPU a list page spends in the ORM. A page that uses the same subquery in several queries (its
rows, its counts, other lists) compiles it once here and passes the SQL on.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL


def compiled(queryset: QuerySet) -> RawSQL:
    """`queryset` (of one column, on the default database) as SQL, for `__in` and `__one_of` in
    other querysets. Its order is dropped: a set needs none."""
    query = queryset.query.clone()
    query.clear_ordering(force=True)
    # The SQL is the ORM's own, with every value kept apart as a parameter.
    sql, params = query.sql_with_params()
    return RawSQL(sql, params)  # noqa: S611
