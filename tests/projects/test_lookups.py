"""`pk__one_of`: the access set is evaluated first on PostgreSQL, a plain IN elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection

from projects.models import Project
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_one_of_filters_like_in():
    mine, other = CustomerFactory(), CustomerFactory()
    own = {ProjectFactory(owner=mine).pk for _ in range(3)}
    ProjectFactory(owner=other)

    subquery = Project.objects.filter(owner=mine).values("pk")

    assert set(Project.objects.filter(pk__one_of=subquery).values_list("pk", flat=True)) == own
    assert set(Project.objects.filter(pk__in=subquery).values_list("pk", flat=True)) == own


def test_one_of_takes_only_a_subquery():
    with pytest.raises(TypeError, match="subquery"):
        Project.objects.filter(pk__one_of=[1, 2])


@pytest.mark.postgres
def test_postgresql_gets_the_subquery_as_an_array_computed_first():
    sql = str(Project.objects.accessible_by(CustomerFactory()).query)

    assert connection.vendor == "postgresql"
    assert '"projects_project"."id" = ANY(ARRAY((SELECT' in sql
    assert " IN (" not in sql.split("ANY(ARRAY", 1)[0]
