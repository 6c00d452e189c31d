"""Pages that cost one query: the rows of the page and, riding along, the total."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, QuerySet, Subquery, Value

_COUNT_ROWS = Func(template="COUNT(*)", output_field=IntegerField())

# Beyond this a page number is a typo or a probe; it would overflow OFFSET in the database.
MAX_PAGE = 100_000


def paged(queryset: QuerySet, number: str | int | None, per_page: int, *, counted: QuerySet | None = None) -> Page:
    """One page of `queryset` and its total from the same SELECT.

    The total is an uncorrelated subquery, counted once, from the indexes.

    Answers like `Paginator(queryset, per_page).get_page(number)` (numbers past the end give
    the last page), except that numbers below one and non-numbers give the first page, and it
    needs one round trip instead of two. Like Paginator's count, the total counts rows: a
    queryset whose joins repeat rows needs `distinct()` in both cases. A `values()` queryset
    gives its rows as dicts, as it does elsewhere; its total is better taken from `counted`, the
    same rows before `values()`, whose columns from other tables would otherwise join those
    tables into the count.
    """
    number = _page_number(number)
    # A bare COUNT(*), not Count(): an aggregate would make Django add a GROUP BY, and a
    # counted column would keep a covering index from answering without the table.
    counted = queryset if counted is None else counted
    total = Subquery(counted.order_by().annotate(page_total=_COUNT_ROWS).values("page_total"))
    start = (number - 1) * per_page
    rows = list(queryset.annotate(page_total=total)[start : start + per_page])
    if not rows and number > 1:
        # Past the end (the list shrank since the link was made): the last page, as Paginator does.
        return Paginator(queryset, per_page).get_page(number)
    paginator = Paginator((), per_page)
    # The total is known: no COUNT query.
    paginator.count = (rows[0]["page_total"] if isinstance(rows[0], dict) else rows[0].page_total) if rows else 0
    return Page(rows, number, paginator)


def paged_sections(
    sections: Sequence[QuerySet],
    number: str | int | None,
    per_page: int,
    *,
    counted: Sequence[QuerySet] | None = None,
) -> Page:
    """One page of several ordered querysets shown one after another (own projects, then
    cared-for ones), each read in its own index order instead of sorting them all together.

    One query counts every section (or, where given, the `counted` querysets of the same sizes
    that an index answers without the joins), then each section the page reaches gives its
    slice: two or three queries whatever the sizes. Numbers are taken as `paged()` takes them.
    """
    counts = _counts(counted or sections)
    total = sum(counts)
    number = min(_page_number(number), max(1, ceil(total / per_page)))
    start, rows = (number - 1) * per_page, []
    for section, count in zip(sections, counts, strict=True):
        if start < count and len(rows) < per_page:
            rows.extend(section[start : start + per_page - len(rows)])
        start = max(0, start - count)
    paginator = Paginator((), per_page)
    paginator.count = total
    return Page(rows, number, paginator)


def _counts(sections: Sequence[QuerySet]) -> list[int]:
    """The sizes of all sections from one UNION ALL of bare COUNTs (see `paged()`)."""
    counts = [
        section.order_by().annotate(section=Value(index), size=_COUNT_ROWS).values_list("section", "size")
        for index, section in enumerate(sections)
    ]
    sizes = dict(counts[0].union(*counts[1:], all=True))
    return [sizes.get(index, 0) for index in range(len(sections))]


def _page_number(number: str | int | None) -> int:
    try:
        return min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1
