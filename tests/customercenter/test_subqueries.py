"""A subquery compiled once answers like the queryset it came from, wherever it is used."""

from __future__ import annotations

from django.db.models import Q

from customercenter.subqueries import compiled
from projects.models import Project
from tests.factories import CustomerFactory, ProjectFactory


def test_a_compiled_subquery_selects_what_its_queryset_selects(db):
    owner, other = CustomerFactory(company="Wolf GmbH"), CustomerFactory(company="Sonne AG")
    wolf = ProjectFactory.create_batch(2, owner=owner)
    named = ProjectFactory(owner=other, name="100% Wolf")
    ProjectFactory(owner=other, name="Blog")
    matching = Project.objects.filter(Q(name__icontains="% wolf") | Q(owner__company__icontains="wolf")).values("pk")

    subquery = compiled(matching)
    # Used twice, with other conditions and joins to the same tables around it.
    found = Project.objects.filter(pk__in=subquery).select_related("owner").order_by("pk")
    mine = Project.objects.filter(pk__in=subquery, owner=other)

    assert list(found) == [*wolf, named]
    assert list(mine) == [named]
    assert set(Project.objects.filter(pk__one_of=subquery)) == {*wolf, named}
