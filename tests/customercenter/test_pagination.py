"""`paged_sections()`: pages running through several querysets one after the other, with
Paginator's answers to odd page numbers."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from customercenter.pagination import paged_sections
from projects.models import Project
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    owner = CustomerFactory()
    for i in range(7):
        ProjectFactory(owner=owner, number=f"p{50000 + i}")
    return Project.objects.filter(owner=owner).order_by("number")


@pytest.mark.parametrize("number", [1, "2", 3, None, "", "x", "99", "99999999999999999999", 0, "-4"])
def test_one_section_answers_like_paginator(projects, number):
    expected = Paginator(projects, 3).get_page(number)

    page = paged_sections([projects], number, 3)

    assert page.number == expected.number
    assert list(page.object_list) == list(expected.object_list)
    assert page.paginator.count == 7
    assert page.paginator.num_pages == 3
    assert page.has_next() == expected.has_next()


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
        with django_assert_max_num_queries(4):  # the sizes, then a slice of each section the page reaches
            result.append(paged_sections(sections, number, 3))
    past_the_end = paged_sections(sections, 9, 3)

    assert [numbers(page) for page in result] == pages
    assert {page.paginator.count for page in result} == {first + second}
    assert (past_the_end.number, numbers(past_the_end)) == (2, pages[-1])


def test_no_rows_in_any_section_is_one_empty_page():
    page = paged_sections([Project.objects.none(), Project.objects.order_by("number").filter(pk=-1)], 3, 10)

    assert (page.number, list(page.object_list), page.paginator.count, page.paginator.num_pages) == (1, [], 0, 1)
