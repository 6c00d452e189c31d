from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from customercenter.models import Customer, Membership, Role, User
from projects.models import Database, Domain, Project, Server

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=extracted is not False)
            user.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer account with one login, its administrator: `customer.admin` (`admin__email=…`)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    admin = factory.SubFactory(UserFactory)
    first_name = factory.Sequence(lambda n: f"Vorname{n}")
    last_name = factory.Sequence(lambda n: f"Nachname{n}")
    company = ""
    kind = Customer.Kind.HOSTING

    @classmethod
    def _create(cls, model_class, *args, admin: User, **kwargs) -> Customer:
        customer = super()._create(model_class, *args, **kwargs)
        Membership.objects.create(user=admin, customer=customer, role=Role.ADMINISTRATOR)
        customer.admin = admin
        return customer

    @factory.post_generation
    def numbered(customer, create, extracted, **kwargs):
        if create and extracted is not False:
            customer.assign_number()


class ServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Server

    number = factory.Sequence(lambda n: f"s{5000 + n}")
    owner = factory.SubFactory(CustomerFactory)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    number = factory.Sequence(lambda n: f"p{50000 + n}")
    name = factory.Sequence(lambda n: f"Website {n}")
    owner = factory.SubFactory(CustomerFactory)
    tariff = Project.Tariff.PLUS
    php_version = "8.3"


class DatabaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Database

    project = factory.SubFactory(ProjectFactory)
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.project.number}_db{n}")
    password_hash = factory.LazyFunction(lambda: make_password(None))


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"domain{n}.example.org")
    target = "/"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = Role.TECHNIK
