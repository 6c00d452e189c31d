"""Who may see and administer a project: decided here and nowhere else.

The rule: a customer has access to its own projects and to the projects it cares for right now
(an active caretakership: not ended, expiry not passed, checked at every access). It is stated
once, in `_access()`; `accessible_projects()` asks it of many projects, `accessible_project()`
of one (`get_project_or_404()` of the one behind a URL), and `ProjectAccess` says what the
customer may do there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from customercenter.http import AuthenticatedHttpRequest
from customercenter.models import Customer
from delegation.models import Caretakership, CaretakershipQuerySet
from projects.models import AuditEntry, Project
from projects.numbers import normalise_number


def caretakerships_of(caretaker: Customer, *, at: datetime | None = None) -> CaretakershipQuerySet:
    """The caretakerships that give `caretaker` access at `at` (now)."""
    return Caretakership.objects.active(at).filter(caretaker=caretaker)


def _access(customer: Customer, *, at: datetime | None = None) -> Q:
    """The one statement of the rule, as a condition on projects."""
    cared_for = caretakerships_of(customer, at=at).values("project")
    return Q(owner=customer) | Q(pk__in=cared_for)


def accessible_projects(customer: Customer, *, at: datetime | None = None) -> QuerySet[Project]:
    """Every project the customer may see and administer: its own and those it cares for."""
    return Project.objects.filter(_access(customer, at=at))


def accessible_project(customer: Customer, *, number: str) -> Project:
    """The project with this number if the customer may see it; raises Project.DoesNotExist."""
    projects = Project.objects.select_related("owner", "server").filter(_access(customer))
    return projects.get(number=normalise_number(number))


class OwnerOnly(Enum):
    """Actions that stay with the contract partner; each says why when refused."""

    ORDER = _("Bestellungen sind Sache des Vertragspartners.")
    RELEASE = _("Nur der Vertragspartner kann ein Projekt freigeben oder Betreuer verwalten.")
    CANCEL = _("Nur der Vertragspartner kann ein Projekt kündigen.")
    CONTRACT = _("Vertragsdaten und Rechnungen sieht nur der Vertragspartner.")

    @property
    def reason(self) -> str:
        return str(self.value)


class OwnerOnlyAction(PermissionError):
    def __init__(self, action: OwnerOnly):
        super().__init__(action.reason)
        self.action = action


@dataclass(frozen=True)
class ProjectAccess:
    """A customer's access to one project it may see."""

    project: Project
    customer: Customer

    @property
    def is_owner(self) -> bool:
        return self.project.owner_id == self.customer.pk

    @property
    def role(self) -> str:
        return AuditEntry.Role.OWNER if self.is_owner else AuditEntry.Role.CARETAKER

    def can(self, action: OwnerOnly) -> bool:
        return self.is_owner

    def require(self, action: OwnerOnly) -> None:
        if not self.can(action):
            raise OwnerOnlyAction(action)


def get_project_or_404(request: AuthenticatedHttpRequest, number: str) -> ProjectAccess:
    """The project behind a URL, if the signed-in customer may see it; else 404, which tells
    an outsider nothing about whether it exists."""
    try:
        project = accessible_project(request.customer, number=number)
    except Project.DoesNotExist:
        raise Http404(_("Projekt nicht gefunden.")) from None
    return ProjectAccess(project=project, customer=request.customer)
