"""`paged()`: a page and its total in one query, with Paginator's answers to odd page numbers;
`paged_sections()`: pages running through several querysets one after the other."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from customercenter.pagination import paged, paged_sections
from projects.models import Project
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    owner = CustomerFactory()
    for i in range(7):
        ProjectFactory(owner=owner, number=f"p{50000 + i}")
    return Project.objects.filter(owner=owner).order_by("number")


@pytest.mark.parametrize("number", [1, "2", 3, None, "", "x", "99", "99999999999999999999"])
def test_paged_answers_like_paginator(projects, number):
    expected = Paginator(projects, 3).get_page(number)

    page = paged(projects, number, 3)

    assert page.number == expected.number
    assert list(page.object_list) == list(expected.object_list)
    assert page.paginator.count == 7
    assert page.paginator.num_pages == 3
    assert page.has_next() == expected.has_next()


@pytest.mark.parametrize("number", [0, "-4"])
def test_numbers_below_one_give_the_first_page(projects, number):
    # Paginator.get_page() would answer with the last page here.
    assert paged(projects, number, 3).number == 1


def test_a_page_and_its_total_cost_one_query(projects, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paged(projects, 2, 3)
        assert [p.number for p in page] == ["p50003", "p50004", "p50005"]
        assert page.paginator.count == 7


def test_values_come_as_dicts_counted_without_the_tables_of_their_columns(projects):
    rows = projects.values("number", owner_company=F("owner__company"))

    with CaptureQueriesContext(connection) as queries:
        page = paged(rows, 3, 3, counted=projects)

    assert [row["number"] for row in page] == ["p50006"]
    assert page.paginator.count == 7
    (sql,) = (query["sql"] for query in queries.captured_queries)
    start = sql.index("COUNT(*)")
    count = sql[start : sql.index(') AS "page_total"', start)]  # the total's subquery
    assert "customercenter_customer" in sql
    assert "customercenter_customer" not in count


def test_an_empty_list_is_one_empty_page(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paged(Project.objects.none().order_by("number") | Project.objects.filter(pk=-1), 1, 3)

    assert list(page) == []
    assert page.paginator.count == 0
    assert page.paginator.num_pages == 1


def numbers(page) -> list[str]:
    return [project.number for project in page.object_list]


@pytest.mark.parametrize(
    ("first", "second", "pages"),
    [
        (0, 5, [["q0", "q1", "q2"], ["q3", "q4"]]),
        (3, 2, [["p0", "p1", "p2"], ["q0", "q1"]]),
        (2, 2, [["p0", "p1", "q0"], ["q1"]]),
        (4, 0, [["p0", "p1", "p2"], ["p3"]]),
    ],
    ids=["empty first", "first fills a page", "across the boundary", "empty second"],
)
def test_sections_are_paged_one_after_the_other(first, second, pages, django_assert_max_num_queries):
    one, two = CustomerFactory(), CustomerFactory()
    for i in range(first):
        ProjectFactory(owner=one, number=f"p{i}")
    for i in range(second):
        ProjectFactory(owner=two, number=f"q{i}")
    sections = [
        Project.objects.filter(owner=one).order_by("number"),
        Project.objects.filter(owner=two).order_by("number"),
    ]

    result = []
    for number in (1, 2):
        with django_assert_max_num_queries(3):  # the sizes, then a slice of each section the page reaches
            result.append(paged_sections(sections, number, 3))
    past_the_end = paged_sections(sections, 9, 3)

    assert [numbers(page) for page in result] == pages
    assert {page.paginator.count for page in result} == {first + second}
    assert (past_the_end.number, numbers(past_the_end)) == (2, pages[-1])


def test_no_rows_in_any_section_is_one_empty_page():
    page = paged_sections([Project.objects.none(), Project.objects.order_by("number").filter(pk=-1)], 3, 10)

    assert (page.number, list(page.object_list), page.paginator.count, page.paginator.num_pages) == (1, [], 0, 1)
