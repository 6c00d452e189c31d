"""`paged()`: a page and its total in one query, with Paginator's answers to odd page numbers."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from customercenter.pagination import paged
from projects.models import Project
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    owner = CustomerFactory()
    for i in range(7):
        ProjectFactory(owner=owner, number=f"p{50000 + i}")
    return Project.objects.filter(owner=owner).order_by("number")


@pytest.mark.parametrize("count_in_window", [False, True], ids=["subquery", "window"])
@pytest.mark.parametrize("number", [1, "2", 3, None, "", "x", "99", "99999999999999999999"])
def test_paged_answers_like_paginator(projects, number, count_in_window):
    expected = Paginator(projects, 3).get_page(number)

    page = paged(projects, number, 3, count_in_window=count_in_window)

    assert page.number == expected.number
    assert list(page.object_list) == list(expected.object_list)
    assert page.paginator.count == 7
    assert page.paginator.num_pages == 3
    assert page.has_next() == expected.has_next()


@pytest.mark.parametrize("number", [0, "-4"])
def test_numbers_below_one_give_the_first_page(projects, number):
    # Paginator.get_page() would answer with the last page here.
    assert paged(projects, number, 3).number == 1


@pytest.mark.parametrize("count_in_window", [False, True], ids=["subquery", "window"])
def test_a_page_and_its_total_cost_one_query(projects, count_in_window, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paged(projects, 2, 3, count_in_window=count_in_window)
        assert [p.number for p in page] == ["p50003", "p50004", "p50005"]
        assert page.paginator.count == 7


def test_an_empty_list_is_one_empty_page(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = paged(Project.objects.none().order_by("number") | Project.objects.filter(pk=-1), 1, 3)

    assert list(page) == []
    assert page.paginator.count == 0
    assert page.paginator.num_pages == 1
