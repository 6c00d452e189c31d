"""Every state change of delegation: one function each, atomic, audited, notifying.

Rows are locked (`select_for_update`) before their state is read, so two accepts of
one release, or an accept racing a withdrawal, end in exactly one outcome. The
partial unique constraint on open caretakerships backs this up.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter.models import Customer, User
from delegation import rules
from delegation.expiry import last_day, last_day_text
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from notifications.services import language_of, notify, queue_templated_email, send_notice
from projects import audit
from projects.models import AuditEntry, Project

Role = AuditEntry.Role
OVERVIEW = "contract:caretakers"


class DelegationError(Exception):
    """A change that cannot happen (any more); the message says why, in the user's language."""


class WrongAccount(DelegationError):
    pass


def _overview() -> str:
    return reverse(OVERVIEW)


def _who(customer: Customer) -> str:
    return _("%(name)s (Kundennummer %(number)s)") % {
        "name": customer.display_name,
        "number": customer.number,
    }


# --- Caretakerships -------------------------------------------------------------------------


def _start_caretakership(
    *, project: Project, caretaker: Customer, source: str, expires_at: datetime | None
) -> Caretakership:
    """Open a caretakership, or extend the one that is already active for this pair."""
    now = timezone.now()
    stale = Caretakership.objects.open().filter(project=project, caretaker=caretaker, expires_at__lte=now)
    for row in stale.select_for_update():
        _close(row, Caretakership.EndReason.EXPIRED, at=row.expires_at)
        # The sweeper will not see this row any more: record the expiry as it would have.
        audit.record(
            project=project,
            role=Role.SYSTEM,
            action="caretakership.expired",
            subject=caretaker.display_name,
            old=last_day_text(row.expires_at),
        )
    existing = Caretakership.objects.active().select_for_update().filter(project=project, caretaker=caretaker)
    current = existing.first()
    if current is None:
        try:
            with transaction.atomic():
                current = Caretakership.objects.create(
                    project=project,
                    caretaker=caretaker,
                    source=source,
                    expires_at=expires_at,
                    owner_number=project.owner.number,
                )
        except IntegrityError:
            # A parallel acceptance opened it first; extend that one instead.
            current = existing.get()
        else:
            audit.record(
                project=project,
                role=Role.OWNER,
                actor=project.owner,
                action="caretakership.started",
                subject=_who(caretaker),
                new=last_day_text(expires_at),
            )
            return current
    if current.expires_at != expires_at:
        old = current.expires_at
        current.expires_at = expires_at
        current.reminder_sent_at = None
        current.save(update_fields=["expires_at", "reminder_sent_at"])
        audit.record(
            project=project,
            role=Role.OWNER,
            actor=project.owner,
            action="caretakership.started",
            subject=_who(caretaker),
            old=last_day_text(old),
            new=last_day_text(expires_at),
        )
    return current


def _close(caretakership: Caretakership, reason: str, *, at: datetime | None = None) -> None:
    caretakership.ended_at = at or timezone.now()
    caretakership.end_reason = reason
    caretakership.save(update_fields=["ended_at", "end_reason"])


def _lock_open_caretakership(pk: int, **scope) -> Caretakership:
    caretakership = (
        Caretakership.objects.select_for_update(of=("self",))
        .select_related("project__owner__user", "caretaker__user")
        .filter(pk=pk, **scope)
        .first()
    )
    if caretakership is None:
        raise Caretakership.DoesNotExist
    if not caretakership.is_active:
        raise DelegationError(_("Diese Betreuung ist bereits beendet."))
    return caretakership


@transaction.atomic
def revoke_caretakership(*, owner: Customer, caretakership_id: int) -> Caretakership:
    """Widerrufen: the owner ends a caretaker's access; effective on the caretaker's next request."""
    caretakership = _lock_open_caretakership(caretakership_id, project__owner=owner)
    _close(caretakership, Caretakership.EndReason.REVOKED)
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(project=project, role=Role.OWNER, actor=owner, action="caretakership.revoked", subject=_who(caretaker))
    notify(
        recipient=caretaker,
        text=lambda: (
            _("%(owner)s hat deine Betreuung von %(project)s widerrufen.")
            % {"owner": owner.display_name, "project": project.number}
        ),
        link=_overview(),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def end_caretakership(*, caretaker: Customer, caretakership_id: int) -> Caretakership:
    """Betreuung beenden: the caretaker gives a project back."""
    caretakership = _lock_open_caretakership(caretakership_id, caretaker=caretaker)
    _close(caretakership, Caretakership.EndReason.ENDED)
    project = caretakership.project
    audit.record(
        project=project,
        role=Role.CARETAKER,
        actor=caretaker,
        action="caretakership.ended",
        subject=_who(caretaker),
    )
    notify(
        recipient=project.owner,
        text=lambda: (
            _("%(caretaker)s betreut %(project)s nicht mehr.")
            % {"caretaker": _who(caretaker), "project": project.number}
        ),
        link=_overview(),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def staff_end_caretakership(*, staff: User, caretakership_id: int) -> Caretakership:
    caretakership = _lock_open_caretakership(caretakership_id)
    _close(caretakership, Caretakership.EndReason.STAFF)
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(
        project=project,
        role=Role.STAFF,
        actor_user=staff,
        action="caretakership.ended_by_staff",
        subject=_who(caretaker),
    )
    for recipient in (project.owner, caretaker):
        notify(
            recipient=recipient,
            text=lambda: (
                _("Der Support hat die Betreuung von %(project)s durch %(caretaker)s beendet.")
                % {"project": project.number, "caretaker": caretaker.display_name}
            ),
            link=_overview(),
            topic="caretakership",
        )
    return caretakership


# --- Management requests (Verwaltung beantragen) ---------------------------------------------


@transaction.atomic
def request_management(*, caretaker: Customer, project: Project) -> ManagementRequest:
    # The project row serialises requests for one project, so the limits hold under load.
    project = Project.objects.select_for_update(of=("self",)).select_related("owner__user").get(pk=project.pk)
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
    request = ManagementRequest.objects.create(
        caretaker=caretaker, project=project, lapses_at=timezone.now() + rules.REQUEST_LIFETIME
    )
    audit.record(
        project=project,
        role=Role.CARETAKER,
        actor=caretaker,
        action="request.created",
        subject=_who(caretaker),
    )
    notify(
        recipient=project.owner,
        text=lambda: (
            _("%(caretaker)s beantragt die technische Betreuung von %(project)s.")
            % {"caretaker": _who(caretaker), "project": project.number}
        ),
        lines=lambda: [
            _(
                "Du kannst den Antrag unter Vertragsdaten → Technischer Betreuer → Offene Anträge "
                "annehmen oder ablehnen."
            ),
            _("Ohne Antwort verfällt der Antrag am %(date)s.") % {"date": last_day_text(request.lapses_at)},
        ],
        link=_overview(),
        topic="request",
    )
    return request


def _lock_request(pk: int, **scope) -> ManagementRequest:
    request = (
        ManagementRequest.objects.select_for_update(of=("self",))
        .select_related("project__owner__user", "caretaker__user")
        .filter(pk=pk, **scope)
        .first()
    )
    if request is None:
        raise ManagementRequest.DoesNotExist
    if not request.is_pending:
        raise DelegationError(_("Dieser Antrag ist nicht mehr offen."))
    return request


def _decide(request: ManagementRequest, status: str) -> None:
    request.status = status
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])


@transaction.atomic
def accept_request(*, owner: Customer, request_id: int, expires_at: datetime | None) -> Caretakership:
    request = _lock_request(request_id, project__owner=owner)
    _decide(request, ManagementRequest.Status.ACCEPTED)
    project, caretaker = request.project, request.caretaker
    audit.record(project=project, role=Role.OWNER, actor=owner, action="request.accepted", subject=_who(caretaker))
    caretakership = _start_caretakership(
        project=project, caretaker=caretaker, source=Caretakership.Source.REQUEST, expires_at=expires_at
    )
    notify(
        recipient=caretaker,
        text=lambda: (
            _("Dein Antrag für %(project)s wurde angenommen – du kannst das Projekt jetzt verwalten.")
            % {"project": project.number}
        ),
        lines=lambda: [
            _("Vertragspartner: %(owner)s") % {"owner": _who(owner)},
            _("Betreuung bis: %(date)s") % {"date": last_day_text(expires_at)},
        ],
        link=reverse("projects:detail", args=[project.number]),
        topic="request",
    )
    return caretakership


@transaction.atomic
def decline_request(*, owner: Customer, request_id: int) -> ManagementRequest:
    request = _lock_request(request_id, project__owner=owner)
    _decide(request, ManagementRequest.Status.DECLINED)
    audit.record(
        project=request.project,
        role=Role.OWNER,
        actor=owner,
        action="request.declined",
        subject=_who(request.caretaker),
    )
    notify(
        recipient=request.caretaker,
        text=lambda: _("Dein Antrag für %(project)s wurde abgelehnt.") % {"project": request.project.number},
        link=_overview(),
        topic="request",
    )
    return request


@transaction.atomic
def withdraw_request(*, caretaker: Customer, request_id: int) -> ManagementRequest:
    request = _lock_request(request_id, caretaker=caretaker)
    _decide(request, ManagementRequest.Status.WITHDRAWN)
    audit.record(
        project=request.project,
        role=Role.CARETAKER,
        actor=caretaker,
        action="request.withdrawn",
        subject=_who(caretaker),
    )
    notify(
        recipient=request.project.owner,
        text=lambda: (
            _("%(caretaker)s hat den Antrag für %(project)s zurückgezogen.")
            % {"caretaker": _who(caretaker), "project": request.project.number}
        ),
        link=_overview(),
        topic="request",
    )
    return request


@transaction.atomic
def staff_end_request(*, staff: User, request_id: int) -> ManagementRequest:
    request = _lock_request(request_id)
    _decide(request, ManagementRequest.Status.ENDED_BY_STAFF)
    audit.record(
        project=request.project,
        role=Role.STAFF,
        actor_user=staff,
        action="request.ended_by_staff",
        subject=_who(request.caretaker),
    )
    notify(
        recipient=request.caretaker,
        text=lambda: _("Der Support hat deinen Antrag für %(project)s beendet.") % {"project": request.project.number},
        link=_overview(),
        topic="request",
    )
    return request


# --- Project releases (Projektfreigabe) -------------------------------------------------------


def _new_token(release: ProjectRelease) -> str:
    token = secrets.token_urlsafe(32)
    release.token_hash = rules.hash_token(token)
    release.link_expires_at = timezone.now() + timedelta(days=settings.RELEASE_LINK_DAYS)
    release.sent_at = timezone.now()
    release.delivery_failed_at = None
    return token


def release_link_url(token: str) -> str:
    return settings.SITE_URL + reverse("release_link", args=[token])


def _invitee(release: ProjectRelease) -> Customer | None:
    """The customer whose verified address the release was sent to, if there is one."""
    from allauth.account.models import EmailAddress

    address = (
        EmailAddress.objects.filter(email__iexact=release.email, verified=True).select_related("user__customer").first()
    )
    return getattr(address.user, "customer", None) if address else None


def _send_release_link(release: ProjectRelease, token: str, projects: list[Project]) -> None:
    invitee = _invitee(release)
    queue_templated_email(
        to=release.email,
        template="release_link",
        sensitive=True,
        language=language_of(invitee) if invitee else language_of(release.owner),
        topic=f"release:{release.pk}",
        context={
            "owner": release.owner,
            "projects": projects,
            "link": release_link_url(token),
            "link_expires_at": release.link_expires_at,
            "access_until": last_day(release.access_expires_at),
            "require_mfa": release.require_mfa,
        },
    )
    if invitee is not None:
        notify(
            recipient=invitee,
            text=lambda: (
                _("%(owner)s möchte dir %(n)s Projekt(e) zur technischen Betreuung freigeben.")
                % {"owner": _who(release.owner), "n": len(projects)}
            ),
            link=_overview(),
            email=False,
        )


@transaction.atomic
def create_release(
    *,
    owner: Customer,
    email: str,
    projects: Iterable[Project],
    access_expires_at: datetime | None,
    require_mfa: bool = False,
) -> tuple[ProjectRelease, str]:
    """Freigabe erteilen: a pending release and an e-mail with a single-use link."""
    projects = list(Project.objects.select_for_update().filter(pk__in=[p.pk for p in projects], owner=owner))
    if not projects:
        raise DelegationError(_("Bitte mindestens ein eigenes Projekt auswählen."))
    if rules.release_limit_reached(owner):
        raise DelegationError(
            _("Du hast heute bereits %(n)s Freigaben erteilt. Bitte versuche es morgen wieder.")
            % {"n": settings.MAX_RELEASES_PER_OWNER_PER_DAY}
        )
    problems = rules.release_problems(owner, email, projects)
    if problems:
        raise DelegationError(" ".join(problems))
    release = ProjectRelease(
        owner=owner, email=email.lower(), access_expires_at=access_expires_at, require_mfa=require_mfa
    )
    token = _new_token(release)
    release.save()
    release.projects.set(projects)
    for project in projects:
        audit.record(
            project=project,
            role=Role.OWNER,
            actor=owner,
            action="release.created",
            subject=release.email,
            new=last_day_text(access_expires_at),
        )
    _send_release_link(release, token, projects)
    return release, token


def _lock_release(*, pk: int | None = None, token: str | None = None, **scope) -> ProjectRelease:
    releases = ProjectRelease.objects.select_for_update(of=("self",)).select_related("owner__user")
    if token is not None:
        scope["token_hash"] = rules.hash_token(token)
    if pk is not None:
        scope["pk"] = pk
    release = releases.filter(**scope).first()
    if release is None:
        raise ProjectRelease.DoesNotExist
    return release


def _lock_incoming_release(customer: Customer, *, pk: int | None, token: str | None) -> ProjectRelease:
    """A release the customer may answer: by pk (from Offene Anträge) only one sent to its own
    verified address exists for it; the link's token proves the holder may see whom it went to."""
    scope = {} if token is not None else {"email__in": rules.verified_emails(customer)}
    return _lock_release(pk=pk, token=token, **scope)


def release_state_problem(release: ProjectRelease) -> str | None:
    """Why a release link cannot be used any more, or None."""
    messages = {
        ProjectRelease.Status.ACCEPTED: _("Diese Freigabe wurde bereits angenommen; der Link ist verbraucht."),
        ProjectRelease.Status.DECLINED: _("Diese Freigabe wurde bereits abgelehnt; der Link ist verbraucht."),
        ProjectRelease.Status.WITHDRAWN: _("Der Inhaber hat diese Freigabe zurückgezogen."),
        ProjectRelease.Status.LAPSED: _("Dieser Link ist abgelaufen. Bitte den Inhaber, die Freigabe neu zu senden."),
    }
    if release.status in messages:
        return messages[release.status]
    if release.link_expires_at <= timezone.now():
        return messages[ProjectRelease.Status.LAPSED]
    return None


def check_recipient(release: ProjectRelease, customer: Customer) -> None:
    """Only the customer whose verified address was invited may answer a release."""
    if release.email not in rules.verified_emails(customer):
        raise WrongAccount(
            _("Diese Freigabe wurde an %(invited)s gesendet, du bist als %(current)s angemeldet.")
            % {"invited": release.email, "current": customer.user.email}
        )
    if customer.pk == release.owner_id:
        raise DelegationError(_("Du kannst keine Freigabe deiner eigenen Projekte annehmen."))


@transaction.atomic
def accept_release(
    *, customer: Customer, pk: int | None = None, token: str | None = None, has_mfa: bool = False
) -> list[Caretakership]:
    release = _lock_incoming_release(customer, pk=pk, token=token)
    problem = release_state_problem(release)
    if problem:
        raise DelegationError(problem)
    check_recipient(release, customer)
    if release.require_mfa and not has_mfa:
        raise DelegationError(
            _(
                "Diese Freigabe verlangt die Zwei-Faktor-Authentifizierung. Richte sie unter "
                "Konto → Zwei-Faktor-Authentifizierung ein und öffne den Link dann erneut."
            )
        )
    # The owner must still own each project at the moment of acceptance. NO KEY UPDATE still
    # blocks a change of owner, but not the foreign-key checks that other transactions run
    # against the project at commit (audit rows, caretakerships): those would deadlock with us.
    projects = list(release.projects.filter(owner_id=release.owner_id).select_for_update(no_key=True))
    if not projects:
        raise DelegationError(_("Der Inhaber kann diese Projekte nicht mehr freigeben."))
    release.status = ProjectRelease.Status.ACCEPTED
    release.accepted_by = customer
    release.decided_at = timezone.now()
    release.save(update_fields=["status", "accepted_by", "decided_at"])
    caretakerships = []
    for project in projects:
        audit.record(
            project=project,
            role=Role.CARETAKER,
            actor=customer,
            action="release.accepted",
            subject=_who(customer),
        )
        caretakerships.append(
            _start_caretakership(
                project=project,
                caretaker=customer,
                source=Caretakership.Source.RELEASE,
                expires_at=release.access_expires_at,
            )
        )
    numbers = ", ".join(p.number for p in projects)
    notify(
        recipient=release.owner,
        text=lambda: (
            _("%(caretaker)s hat deine Projektfreigabe für %(projects)s angenommen.")
            % {"caretaker": _who(customer), "projects": numbers}
        ),
        link=_overview(),
        topic="release",
    )
    return caretakerships


@transaction.atomic
def decline_release(*, customer: Customer, pk: int | None = None, token: str | None = None) -> ProjectRelease:
    release = _lock_incoming_release(customer, pk=pk, token=token)
    problem = release_state_problem(release)
    if problem:
        raise DelegationError(problem)
    check_recipient(release, customer)
    release.status = ProjectRelease.Status.DECLINED
    release.decided_at = timezone.now()
    release.save(update_fields=["status", "decided_at"])
    projects = list(release.projects.all())
    for project in projects:
        audit.record(
            project=project,
            role=Role.CARETAKER,
            actor=customer,
            action="release.declined",
            subject=_who(customer),
        )
    numbers = ", ".join(p.number for p in projects)
    notify(
        recipient=release.owner,
        text=lambda: (
            _("%(caretaker)s hat deine Projektfreigabe für %(projects)s abgelehnt.")
            % {"caretaker": _who(customer), "projects": numbers}
        ),
        link=_overview(),
        topic="release",
    )
    return release


@transaction.atomic
def withdraw_release(*, owner: Customer, pk: int) -> ProjectRelease:
    release = _lock_release(pk=pk, owner=owner)
    if release.status != ProjectRelease.Status.PENDING:
        raise DelegationError(release_state_problem(release) or _("Diese Freigabe ist nicht mehr offen."))
    release.status = ProjectRelease.Status.WITHDRAWN
    release.decided_at = timezone.now()
    release.save(update_fields=["status", "decided_at"])
    projects = list(release.projects.all())
    for project in projects:
        audit.record(project=project, role=Role.OWNER, actor=owner, action="release.withdrawn", subject=release.email)
    invitee = _invitee(release)
    send_notice(
        to=release.email,
        language=language_of(invitee) if invitee else language_of(owner),
        subject=_("%(owner)s hat die Projektfreigabe für %(projects)s zurückgezogen. Der Link gilt nicht mehr.")
        % {"owner": owner.display_name, "projects": ", ".join(p.number for p in projects)},
        topic=f"release:{release.pk}",
    )
    return release


def _resend(release: ProjectRelease, *, role: str, actor: Customer | None, staff: User | None) -> str:
    if release.status not in {ProjectRelease.Status.PENDING, ProjectRelease.Status.LAPSED}:
        raise DelegationError(release_state_problem(release) or _("Diese Freigabe ist nicht mehr offen."))
    if release.status == ProjectRelease.Status.LAPSED:
        # A lapsed release comes back to life: the same checks as a new one.
        problems = rules.release_problems(release.owner, release.email, release.projects.all())
        if problems:
            raise DelegationError(" ".join(problems))
    token = _new_token(release)
    release.status = ProjectRelease.Status.PENDING
    release.save(update_fields=["token_hash", "link_expires_at", "sent_at", "delivery_failed_at", "status"])
    projects = list(release.projects.filter(owner_id=release.owner_id))
    for project in projects:
        audit.record(
            project=project,
            role=role,
            actor=actor,
            actor_user=staff,
            action="release.resent",
            subject=release.email,
        )
    _send_release_link(release, token, projects)
    return token


@transaction.atomic
def resend_release(*, owner: Customer, pk: int) -> str:
    """Send a new link; the old one stops working at once."""
    return _resend(_lock_release(pk=pk, owner=owner), role=Role.OWNER, actor=owner, staff=None)


@transaction.atomic
def staff_resend_release(*, staff: User, pk: int) -> str:
    return _resend(_lock_release(pk=pk), role=Role.STAFF, actor=None, staff=staff)


@transaction.atomic
def mark_release_undeliverable(*, pk: int) -> None:
    """The release e-mail bounced: the owner sees it at the release and can resend."""
    release = ProjectRelease.objects.select_for_update(of=("self",)).select_related("owner__user").filter(pk=pk).first()
    if release is None or release.status != ProjectRelease.Status.PENDING or release.delivery_failed_at:
        return
    release.delivery_failed_at = timezone.now()
    release.save(update_fields=["delivery_failed_at"])
    notify(
        recipient=release.owner,
        text=lambda: (
            _("E-Mail konnte nicht zugestellt werden: Die Projektfreigabe an %(email)s kam nicht an.")
            % {"email": release.email}
        ),
        link=_overview(),
        email=False,
    )
