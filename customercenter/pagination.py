"""A page that runs through several lists one after the other (own projects, then cared-for ones)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paged_sections(sections: Sequence[QuerySet], number: str | int | None, per_page: int) -> Page:
    """One page of several ordered querysets shown one after another, each read in its own order
    (an index each) instead of sorting them all together.

    Each section is counted, then each section the page reaches gives its slice. Page numbers are
    taken as `Paginator.get_page()` takes them: a non-number gives the first page, one past the
    end the last.
    """
    counts = [section.count() for section in sections]
    paginator = Paginator(range(sum(counts)), per_page)
    number = paginator.get_page(number).number
    start, rows = (number - 1) * per_page, []
    for section, count in zip(sections, counts, strict=True):
        if start < count and len(rows) < per_page:
            rows.extend(section[start : start + per_page - len(rows)])
        start = max(0, start - count)
    return Page(rows, number, paginator)
