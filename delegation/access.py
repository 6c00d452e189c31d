"""Who may see and administer a project: decided here and nowhere else (what a member's role
allows, whatever the project, is stated once in customercenter/roles.py).

The rule: a customer has access to its own projects and to the projects it cares for right now
(an active caretakership: not ended, expiry not passed, checked at every access). It is stated
once, in `_access()`; `accessible_projects()` asks it of many projects, `accessible_project()`
of one (`get_project_or_404()` of the one behind a URL), and `ProjectAccess` says what the
customer may do there. `cared_for_projects()` reads the rule's second half alone, along the
caretaker's index, for lists of cared-for projects only; the delegation state machine test holds
it equal to the rule. A person acts for a customer account as a member with a role;
`customercenter.roles.member_may()` says what the role allows, and `ProjectAccess` asks it
before the relationship.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, FilteredRelation, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from customercenter.http import AuthenticatedHttpRequest
from customercenter.models import Customer, Membership
from customercenter.roles import Action, Refused, require_member, role_refusal
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


def cared_for_projects(customer: Customer) -> QuerySet[Project]:
    """The projects the customer cares for now, each with `care_scope` and `care_expires_at` of
    the caretakership that gives it access: one join read along the caretaker's index, where
    `accessible_projects()` would weigh every project against the whole rule. There is at most
    one open caretakership per project and caretaker, so no project comes twice."""
    return Project.objects.filter(
        Q(caretakerships__caretaker=customer) & active_condition(via="caretakerships__")
    ).annotate(care_scope=F("caretakerships__scope"), care_expires_at=F("caretakerships__expires_at"))


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


OWNER_ONLY = (Action.ORDER, Action.RELEASE, Action.CANCEL, Action.CONTRACT)


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
        if action is Action.CHANGE and (
            self.caretakership is None or not Scope(self.caretakership.scope).allows_changes
        ):
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
