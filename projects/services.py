"""Changes to a project's resources. Each checks the policy, changes, and writes history."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from customercenter.roles import Action
from delegation.access import ProjectAccess
from projects import audit
from projects.models import Database, Domain, Order, Project

Resource = TypeVar("Resource", Database, Domain)


def _record(access: ProjectAccess, action: str, **fields) -> None:
    audit.record(project=access.project, role=access.role, actor=access.customer, action=action, **fields)


def generate_password() -> str:
    return secrets.token_urlsafe(15)


@transaction.atomic
def set_php_version(*, access: ProjectAccess, version: str) -> None:
    access.require(Action.CHANGE)
    project = Project.objects.select_for_update().get(pk=access.project.pk)
    old = project.php_version
    if old == version:
        return
    project.php_version = version
    project.save(update_fields=["php_version"])
    access.project.php_version = version
    _record(access, "php_version.changed", old=old, new=version)


@transaction.atomic
def create_database(*, access: ProjectAccess, name: str) -> tuple[Database, str]:
    access.require(Action.CHANGE)
    """Create a database and return it with its password, which is shown once and not stored."""
    password = generate_password()
    database = Database.objects.create(project=access.project, name=name, password_hash=make_password(password))
    _record(access, "database.created", subject=name, new=name)
    return database, password


def _locked(resource: Resource) -> Resource:
    """The resource as it is now, locked until the transaction ends, so that a change at the same
    moment (delete against reset, remove against edit) waits for this one and then sees its result.
    Raises DoesNotExist if it was deleted meanwhile."""
    return type(resource).objects.select_for_update().get(pk=resource.pk)


@transaction.atomic
def delete_database(*, access: ProjectAccess, database: Database) -> None:
    access.require(Action.CHANGE)
    database = _locked(database)
    name = database.name
    database.delete()
    _record(access, "database.deleted", subject=name, old=name)


@transaction.atomic
def reset_database_password(*, access: ProjectAccess, database: Database) -> str:
    access.require(Action.CHANGE)
    database = _locked(database)
    password = generate_password()
    database.password_hash = make_password(password)
    database.password_changed_at = timezone.now()
    database.save(update_fields=["password_hash", "password_changed_at"])
    _record(access, "database.password_reset", subject=database.name)
    return password


@transaction.atomic
def add_domain(*, access: ProjectAccess, name: str, target_kind: str, target: str) -> Domain:
    access.require(Action.CHANGE)
    domain = Domain.objects.create(project=access.project, name=name, target_kind=target_kind, target=target)
    _record(access, "domain.added", subject=name, new=domain.target_display)
    return domain


@transaction.atomic
def remove_domain(*, access: ProjectAccess, domain: Domain) -> None:
    access.require(Action.CHANGE)
    domain = _locked(domain)
    name, target = domain.name, domain.target_display
    domain.delete()
    _record(access, "domain.removed", subject=name, old=target)


@transaction.atomic
def set_domain_target(*, access: ProjectAccess, domain: Domain, target_kind: str, target: str) -> Domain:
    """Point the domain somewhere else; the domain as it is now saved."""
    access.require(Action.CHANGE)
    domain = _locked(domain)
    old = domain.target_display
    domain.target_kind = target_kind
    domain.target = target
    domain.save(update_fields=["target_kind", "target"])
    if domain.target_display != old:
        _record(access, "domain.target_changed", subject=domain.name, old=old, new=domain.target_display)
    return domain


def _place_order(access: ProjectAccess, *, kind: str, subject: str, price: Decimal, action: str) -> Order:
    access.require(Action.ORDER)
    order = Order.objects.create(
        customer=access.customer, project=access.project, kind=kind, subject=subject, price=price
    )
    _record(access, action, subject=subject, new=f"{order.price} EUR")
    return order


@transaction.atomic
def order_ssl_certificate(*, access: ProjectAccess, domain: Domain) -> Order:
    return _place_order(
        access, kind=Order.Kind.SSL, subject=domain.name, price=settings.SSL_CERTIFICATE_PRICE, action="order.ssl"
    )


@transaction.atomic
def register_domain(*, access: ProjectAccess, name: str) -> Order:
    access.require(Action.ORDER)
    Domain.objects.create(project=access.project, name=name)
    return _place_order(
        access, kind=Order.Kind.DOMAIN, subject=name, price=settings.DOMAIN_REGISTRATION_PRICE, action="order.domain"
    )
