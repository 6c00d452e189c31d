"""Pages that cost one query: the rows of the page and, riding along, the total."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import F, Func, QuerySet, Subquery


def paged(queryset: QuerySet, number, per_page: int) -> Page:
    """One page of `queryset` with its total as an uncorrelated subquery of the same SELECT.

    Answers like `Paginator(queryset, per_page).get_page(number)` (numbers past the end give
    the last page), except that numbers below one and non-numbers give the first page, and it
    needs one round trip instead of two.
    """
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    total = Subquery(queryset.order_by().annotate(page_total=Func(F("pk"), function="COUNT")).values("page_total"))
    start = (number - 1) * per_page
    rows = list(queryset.annotate(page_total=total)[start : start + per_page])
    if not rows and number > 1:
        # Past the end (the list shrank since the link was made): the last page, as Paginator does.
        return Paginator(queryset, per_page).get_page(number)
    paginator = Paginator((), per_page)
    paginator.count = rows[0].page_total if rows else 0
    return Page(rows, number, paginator)
