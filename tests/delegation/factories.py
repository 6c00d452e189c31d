"""Delegation rows in a given state, without going through the services that make them."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.conf import settings
from django.utils import timezone

from customercenter.tokens import hash_token
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from delegation.rules import REQUEST_LIFETIME
from tests.factories import CustomerFactory, ProjectFactory


class CaretakershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Caretakership

    project = factory.SubFactory(ProjectFactory)
    caretaker = factory.SubFactory(CustomerFactory)
    source = Caretakership.Source.RELEASE
    owner_number = factory.LazyAttribute(lambda care: care.project.owner.number)


class ManagementRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagementRequest

    project = factory.SubFactory(ProjectFactory)
    caretaker = factory.SubFactory(CustomerFactory)
    created_at = factory.LazyFunction(timezone.now)
    lapses_at = factory.LazyAttribute(lambda o: o.created_at + REQUEST_LIFETIME)


class ProjectReleaseFactory(factory.django.DjangoModelFactory):
    """A pending release; pass `token=` to know the raw token behind the stored hash."""

    class Meta:
        model = ProjectRelease
        skip_postgeneration_save = True

    class Params:
        token = factory.Sequence(lambda n: f"test-token-{n}")

    owner = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"betreuer{n}@example.com")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    created_at = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyAttribute(lambda o: o.created_at)
    link_expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=settings.RELEASE_LINK_DAYS))

    @factory.post_generation
    def projects(release, create, extracted, **kwargs):
        if create and extracted:
            release.projects.set(extracted)
