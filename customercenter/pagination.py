"""Pages that cost one query: the rows of the page and, riding along, the total."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Func, QuerySet, Subquery, Window

# Beyond this a page number is a typo or a probe; it would overflow OFFSET in the database.
MAX_PAGE = 100_000


def paged(queryset: QuerySet, number: str | int | None, per_page: int, *, count_in_window: bool = False) -> Page:
    """One page of `queryset` and its total from the same SELECT.

    The total is an uncorrelated subquery (counted once, from the indexes), or, with
    `count_in_window`, `COUNT(*) OVER ()`: for queries that read every matching row anyway
    (a search filtered after a join), so the rows are walked once instead of twice. Not for
    queries an index can answer in order: PostgreSQL may then plan as if the LIMIT stopped
    the walk early, and the window makes it walk everything.

    Answers like `Paginator(queryset, per_page).get_page(number)` (numbers past the end give
    the last page), except that numbers below one and non-numbers give the first page, and it
    needs one round trip instead of two. Like Paginator's count, the total counts rows: a
    queryset whose joins repeat rows needs `distinct()` in both cases.
    """
    try:
        number = min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    if count_in_window:
        total = Window(Count("pk"))
    else:
        # A bare COUNT(), not Count(): an aggregate would make Django add a GROUP BY.
        total = Subquery(queryset.order_by().annotate(page_total=Func(F("pk"), function="COUNT")).values("page_total"))
    start = (number - 1) * per_page
    rows = list(queryset.annotate(page_total=total)[start : start + per_page])
    if not rows and number > 1:
        # Past the end (the list shrank since the link was made): the last page, as Paginator does.
        return Paginator(queryset, per_page).get_page(number)
    paginator = Paginator((), per_page)
    paginator.count = rows[0].page_total if rows else 0  # the total is known: no COUNT query
    return Page(rows, number, paginator)
