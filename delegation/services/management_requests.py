"""Management requests (Verwaltung beantragen): the caretaker asks, the owner decides.

The project row serialises new requests for one project; a request's own row is locked
before its state is read, so a decision and a withdrawal end in exactly one outcome.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter.models import Customer, User
from customercenter.roles import Action
from delegation import rules
from delegation.expiry import last_day_text
from delegation.models import Caretakership, ManagementRequest, Scope
from delegation.rules import DelegationError
from delegation.services.caretakerships import start_caretakership
from delegation.services.common import Role, overview_link, who
from notifications.services import notify
from projects import audit
from projects.models import Project


@transaction.atomic
def request_management(*, caretaker: Customer, project: Project) -> ManagementRequest:
    # The project row serialises requests for one project, so the limits hold under load.
    project = Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project.pk)
    lapsed = ManagementRequest.objects.filter(
        project=project,
        caretaker=caretaker,
        status=ManagementRequest.Status.PENDING,
        lapses_at__lte=timezone.now(),
    ).update(status=ManagementRequest.Status.LAPSED, decided_at=timezone.now())
    if lapsed:
        # The sweeper will not see this request any more: record the lapse as it would have.
        audit.record(project=project, role=Role.SYSTEM, action="request.lapsed", subject=caretaker.display_name)
    problem = rules.request_problem(caretaker, project)
    if problem:
        raise DelegationError(problem)
    management_request = ManagementRequest.objects.create(
        caretaker=caretaker, project=project, lapses_at=timezone.now() + rules.REQUEST_LIFETIME
    )
    audit.record(
        project=project,
        role=Role.CARETAKER,
        actor=caretaker,
        action="request.created",
        subject=who(caretaker),
    )
    notify(
        recipient=project.owner,
        concerns=Action.RELEASE,
        kind="request.created",
        params={"caretaker": who(caretaker), "project": project.number},
        lines=lambda: [
            _(
                "Du kannst den Antrag unter Vertragsdaten → Technischer Betreuer → Offene Anträge "
                "annehmen oder ablehnen."
            ),
            _("Ohne Antwort verfällt der Antrag am %(date)s.") % {"date": last_day_text(management_request.lapses_at)},
        ],
        link=overview_link(),
        topic="request",
    )
    return management_request


def _lock_management_request(pk: int, **lookup) -> ManagementRequest:
    management_request = (
        ManagementRequest.objects.select_for_update(of=("self",))
        .select_related("project__owner", "caretaker")
        .filter(pk=pk, **lookup)
        .first()
    )
    if management_request is None:
        raise ManagementRequest.DoesNotExist
    if not management_request.is_pending:
        raise DelegationError(_("Dieser Antrag ist nicht mehr offen."))
    return management_request


def _decide(management_request: ManagementRequest, status: str) -> None:
    management_request.status = status
    management_request.decided_at = timezone.now()
    management_request.save(update_fields=["status", "decided_at"])


@transaction.atomic
def accept_request(
    *, owner: Customer, request_id: int, expires_at: datetime | None, scope: str = Scope.TECHNICAL
) -> Caretakership:
    management_request = _lock_management_request(request_id, project__owner=owner)
    _decide(management_request, ManagementRequest.Status.ACCEPTED)
    project, caretaker = management_request.project, management_request.caretaker
    audit.record(project=project, role=Role.OWNER, actor=owner, action="request.accepted", subject=who(caretaker))
    caretakership = start_caretakership(
        project=project, caretaker=caretaker, source=Caretakership.Source.REQUEST, expires_at=expires_at, scope=scope
    )
    notify(
        recipient=caretaker,
        concerns=Action.CARETAKING,
        kind="request.accepted",
        params={"project": project.number},
        lines=lambda: [
            _("Vertragspartner: %(owner)s") % {"owner": owner.name_with_number},
            _("Betreuung bis: %(date)s") % {"date": last_day_text(expires_at)},
            _("Umfang: %(scope)s") % {"scope": Scope(scope).label},
        ],
        link=reverse("projects:detail", args=[project.number]),
        topic="request",
    )
    return caretakership


@transaction.atomic
def decline_request(*, owner: Customer, request_id: int) -> ManagementRequest:
    management_request = _lock_management_request(request_id, project__owner=owner)
    _decide(management_request, ManagementRequest.Status.DECLINED)
    audit.record(
        project=management_request.project,
        role=Role.OWNER,
        actor=owner,
        action="request.declined",
        subject=who(management_request.caretaker),
    )
    notify(
        recipient=management_request.caretaker,
        concerns=Action.CARETAKING,
        kind="request.declined",
        params={"project": management_request.project.number},
        link=overview_link(),
        topic="request",
    )
    return management_request


@transaction.atomic
def withdraw_request(*, caretaker: Customer, request_id: int) -> ManagementRequest:
    management_request = _lock_management_request(request_id, caretaker=caretaker)
    _decide(management_request, ManagementRequest.Status.WITHDRAWN)
    audit.record(
        project=management_request.project,
        role=Role.CARETAKER,
        actor=caretaker,
        action="request.withdrawn",
        subject=who(caretaker),
    )
    notify(
        recipient=management_request.project.owner,
        concerns=Action.RELEASE,
        kind="request.withdrawn",
        params={"caretaker": who(caretaker), "project": management_request.project.number},
        link=overview_link(),
        topic="request",
    )
    return management_request


@transaction.atomic
def staff_end_request(*, staff: User, request_id: int) -> ManagementRequest:
    management_request = _lock_management_request(request_id)
    _decide(management_request, ManagementRequest.Status.ENDED_BY_STAFF)
    audit.record(
        project=management_request.project,
        role=Role.STAFF,
        actor_user=staff,
        action="request.ended_by_staff",
        subject=who(management_request.caretaker),
    )
    notify(
        recipient=management_request.caretaker,
        concerns=Action.CARETAKING,
        kind="request.ended_by_staff",
        params={"project": management_request.project.number},
        link=overview_link(),
        topic="request",
    )
    return management_request
