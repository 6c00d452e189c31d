"""Who may see and administer a project, and what a member's role allows: decided here and
nowhere else.

The rule: a customer has access to its own projects and to the projects it cares for right now
(an active caretakership: not ended, expiry not passed, checked at every access). It is stated
once, in `_access()`; `accessible_projects()` asks it of many projects, `accessible_project()`
of one (`get_project_or_404()` of the one behind a URL), and `ProjectAccess` says what the
customer may do there. A person acts for a customer account as a member with a role;
`member_may()` says what the role allows, and `ProjectAccess` asks it before the relationship.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from customercenter.http import AuthenticatedHttpRequest
from customercenter.models import Customer, Membership, Role
from delegation.models import Caretakership, CaretakershipQuerySet, Scope, active_condition
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


def with_own_caretakership(projects: QuerySet[Project], customer: Customer) -> QuerySet[Project]:
    """The projects, each with `care_scope` and `care_expires_at` of the customer's active
    caretakership of it (None on its own projects), read in the same query by a join: there is
    at most one open caretakership per project and caretaker."""
    own = FilteredRelation(
        "caretakerships", condition=Q(caretakerships__caretaker=customer) & active_condition(via="caretakerships__")
    )
    return projects.annotate(own_care=own).annotate(
        care_scope=F("own_care__scope"), care_expires_at=F("own_care__expires_at")
    )


def accessible_project(customer: Customer, *, number: str) -> Project:
    """The project with this number if the customer may see it; raises Project.DoesNotExist."""
    projects = Project.objects.select_related("owner", "server").filter(_access(customer))
    return projects.get(number=normalise_number(number))


class Action(Enum):
    """What one may want to do; each says why when the relationship to the project refuses it."""

    CHANGE = _(
        "Dein Umfang für dieses Projekt ist „Nur lesen“: du kannst es ansehen und Tickets eröffnen, aber nichts ändern."
    )
    ORDER = _("Bestellungen sind Sache des Vertragspartners.")
    RELEASE = _("Nur der Vertragspartner kann ein Projekt freigeben oder Betreuer verwalten.")
    CANCEL = _("Nur der Vertragspartner kann ein Projekt kündigen.")
    CONTRACT = _("Vertragsdaten und Rechnungen sieht nur der Vertragspartner.")
    # What only a member's role decides: projects and their tickets at all, the caretaker work
    # (requesting management, accepting releases, cared-for projects) and the account's members.
    PROJECTS = _("Projekte und Tickets sind Sache der Rollen Administrator und Technik.")
    CARETAKING = _("Die Arbeit als Technischer Betreuer ist Sache der Rollen Administrator und Technik.")
    MEMBERS = _("Mitglieder verwalten nur Administratoren des Kontos.")

    @property
    def reason(self) -> str:
        return str(self.value)


OWNER_ONLY = (Action.ORDER, Action.RELEASE, Action.CANCEL, Action.CONTRACT)

ROLE_ACTIONS = {
    Role.ADMINISTRATOR: frozenset(Action),
    Role.TECHNIK: frozenset({Action.PROJECTS, Action.CHANGE, Action.CARETAKING, Action.RELEASE}),
    Role.BUCHHALTUNG: frozenset({Action.CONTRACT}),
}

ROLE_REASONS = {
    Action.PROJECTS: Action.PROJECTS.value,
    Action.CHANGE: Action.PROJECTS.value,
    Action.CARETAKING: Action.CARETAKING.value,
    Action.ORDER: _("Bestellungen geben nur Administratoren des Kontos auf."),
    Action.CANCEL: _("Kündigungen sind Sache der Administratoren des Kontos."),
    Action.CONTRACT: _("Vertragsdaten und Rechnungen sehen nur die Rollen Administrator und Buchhaltung."),
    Action.MEMBERS: Action.MEMBERS.value,
}
TECHNIK_MAY_NOT_DECIDE = _(
    "Projekte freigeben und Anträge beantworten dürfen in diesem Konto nur Administratoren; "
    "ein Administrator kann es der Rolle Technik erlauben."
)


def member_may(membership: Membership, action: Action) -> bool:
    """What the member's role in its account allows, whatever the project."""
    if action not in ROLE_ACTIONS[membership.role]:
        return False
    if action is Action.RELEASE and membership.role == Role.TECHNIK:
        return membership.customer.technik_may_decide
    return True


def role_refusal(membership: Membership, action: Action) -> str | None:
    """Why the member's role does not allow `action`, or None."""
    if member_may(membership, action):
        return None
    if action is Action.RELEASE:
        return str(TECHNIK_MAY_NOT_DECIDE if membership.role == Role.TECHNIK else Action.RELEASE.value)
    return str(ROLE_REASONS.get(action, action.value))


def require_member(membership: Membership, action: Action) -> None:
    """403 with the reason when the member's role does not allow `action`."""
    reason = role_refusal(membership, action)
    if reason is not None:
        raise Refused(action, reason)


class Refused(PermissionDenied):
    """An action the access does not allow: 403, with the reason."""

    def __init__(self, action: Action, reason: str = ""):
        super().__init__(reason or action.reason)
        self.action = action


@dataclass(frozen=True)
class ProjectAccess:
    """A customer's access to one project it may see: as its owner, or through the
    caretakership that gives it access (its scope, its expiry); and, when a person acts, its
    membership (its role in the account). Without a membership the account itself acts."""

    project: Project
    customer: Customer
    caretakership: Caretakership | None = None
    membership: Membership | None = None

    @property
    def is_owner(self) -> bool:
        return self.project.owner_id == self.customer.pk

    @property
    def role(self) -> str:
        return AuditEntry.Role.OWNER if self.is_owner else AuditEntry.Role.CARETAKER

    def refusal(self, action: Action) -> str | None:
        """Why `action` is refused here (the role first, then the relationship), or None."""
        if self.membership is not None:
            reason = role_refusal(self.membership, action)
            if reason is not None:
                return reason
        if self.is_owner:
            return None
        if action in OWNER_ONLY:
            return action.reason
        if action is Action.CHANGE and (self.caretakership is None or self.caretakership.scope != Scope.TECHNICAL):
            return action.reason
        return None

    def can(self, action: Action) -> bool:
        return self.refusal(action) is None

    def require(self, action: Action) -> None:
        reason = self.refusal(action)
        if reason is not None:
            raise Refused(action, reason)


def project_access(customer: Customer, *, number: str, membership: Membership | None = None) -> ProjectAccess:
    """The customer's access to the project with this number; raises Project.DoesNotExist."""
    project = accessible_project(customer, number=number)
    if project.owner_id == customer.pk:
        return ProjectAccess(project=project, customer=customer, membership=membership)
    caretakership = caretakerships_of(customer).get(project=project)
    return ProjectAccess(project=project, customer=customer, caretakership=caretakership, membership=membership)


def get_project_or_404(request: AuthenticatedHttpRequest, number: str, *, write: bool = False) -> ProjectAccess:
    """The access to the project behind a URL, if the signed-in customer may see it; else 404,
    which tells an outsider nothing about whether it exists. With `write`, a customer who may
    only look (scope "Nur lesen") is refused with 403 and the reason. A member whose role has no
    projects (Buchhaltung) is refused with 403 before anything about the project is looked up."""
    require_member(request.membership, Action.PROJECTS)
    try:
        access = project_access(request.customer, number=number, membership=request.membership)
    except (Project.DoesNotExist, Caretakership.DoesNotExist):
        raise Http404(_("Projekt nicht gefunden.")) from None
    if write:
        access.require(Action.CHANGE)
    return access
