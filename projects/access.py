"""Who may do what with a project — decided here and nowhere else.

`Project.objects.accessible_by(customer)` answers "may this customer see and
administer the project at all" (`accessible_one()` for a single project);
`ProjectAccess` adds the small policy for actions that stay with the contract partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from customercenter.http import customer_of
from customercenter.models import Customer
from projects.models import AuditEntry, Project
from projects.numbers import normalise_number


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


def get_project_or_404(request: HttpRequest, number: str) -> ProjectAccess:
    """The project behind a URL, if the signed-in customer may administer it; else 404."""
    customer = customer_of(request)
    try:
        project = Project.objects.select_related("owner", "server").accessible_one(
            customer, number=normalise_number(number)
        )
    except Project.DoesNotExist:
        raise Http404(_("Projekt nicht gefunden.")) from None
    return ProjectAccess(project=project, customer=customer)
