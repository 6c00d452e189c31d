"""Project releases (Projektfreigabe): the owner invites by e-mail, the invitee answers.

The release row is locked before its state is read, so two accepts of one release, or an
accept racing a withdrawal, end in exactly one outcome.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter import event_params
from customercenter.models import Customer, User
from customercenter.roles import Action
from customercenter.tokens import hash_token
from delegation import rules
from delegation.expiry import last_day, last_day_text, until
from delegation.models import Caretakership, ProjectRelease, ReleaseResend, Scope
from delegation.rules import DelegationError
from delegation.services.caretakerships import start_caretakership
from delegation.services.common import Role, overview_link, who
from notifications.services import language_of, notify, queue_templated_email, send_notice
from projects import audit
from projects.models import Project


def _new_token(release: ProjectRelease) -> str:
    token = secrets.token_urlsafe(32)
    release.token_hash = hash_token(token)
    release.link_expires_at = timezone.now() + timedelta(days=settings.RELEASE_LINK_DAYS)
    release.sent_at = timezone.now()
    release.delivery_failed_at = None
    return token


def release_link_url(token: str) -> str:
    return settings.SITE_URL + reverse("release_link", args=[token])


def _invitee(release: ProjectRelease) -> tuple[User | None, list[Customer]]:
    """The person whose verified address the release was sent to, if there is one, and the
    accounts it could accept it into (where it does caretaker work)."""
    address = EmailAddress.objects.filter(email__iexact=release.email, verified=True).select_related("user").first()
    if address is None:
        return None, []
    accounts = Customer.objects.filter(
        memberships__user=address.user, memberships__role__in=rules.CARETAKING_ROLES, number__isnull=False
    ).order_by("number")
    return address.user, list(accounts)


def _language(person: User | None, owner: Customer) -> str:
    return person.language if person is not None else language_of(owner)


def _send_release_link(release: ProjectRelease, token: str, projects: list[Project]) -> None:
    person, accounts = _invitee(release)
    queue_templated_email(
        to=release.email,
        template="release_link",
        sensitive=True,
        language=_language(person, release.owner),
        topic=f"release:{release.pk}",
        context={
            "owner": release.owner,
            "projects": projects,
            "link": release_link_url(token),
            "link_expires_at": release.link_expires_at,
            "access_until": last_day(release.access_expires_at),
            "scope": Scope(release.scope).label,
            "require_mfa": release.require_mfa,
        },
    )
    for invitee in accounts:
        notify(
            recipient=invitee,
            concerns=Action.CARETAKING,
            kind="release.offered",
            params={"owner": who(release.owner), "n": len(projects)},
            link=overview_link(),
            email=False,
        )


@transaction.atomic
def create_release(
    *,
    owner: Customer,
    email: str,
    projects: Iterable[Project],
    access_expires_at: datetime | None,
    scope: str = Scope.TECHNICAL,
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
        owner=owner, email=email.lower(), access_expires_at=access_expires_at, scope=scope, require_mfa=require_mfa
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
            new=until(access_expires_at),
            scope=event_params.label(Scope(scope).label),
        )
    _send_release_link(release, token, projects)
    return release, token


def _lock_release(*, pk: int | None = None, token: str | None = None, **lookup) -> ProjectRelease:
    releases = ProjectRelease.objects.select_for_update(of=("self",)).select_related("owner")
    if token is not None:
        lookup["token_hash"] = hash_token(token)
    if pk is not None:
        lookup["pk"] = pk
    release = releases.filter(**lookup).first()
    if release is None:
        raise ProjectRelease.DoesNotExist
    return release


def _lock_incoming_release(customer: Customer, *, pk: int | None, token: str | None) -> ProjectRelease:
    """A release the customer may answer: by pk (from Offene Anträge) only one sent to its own
    verified address exists for it; the link's token proves the holder may see whom it went to."""
    lookup = {} if token is not None else {"email__in": rules.verified_emails(customer)}
    return _lock_release(pk=pk, token=token, **lookup)


@transaction.atomic
def accept_release(
    *,
    customer: Customer,
    pk: int | None = None,
    token: str | None = None,
    has_mfa: bool = False,
    person: User | None = None,
) -> list[Caretakership]:
    """The invited person accepts the release into the account it works in now (`customer`)."""
    release = _lock_incoming_release(customer, pk=pk, token=token)
    problem = rules.release_state_problem(release)
    if problem:
        raise DelegationError(problem)
    rules.check_recipient(release, customer, person)
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
        raise DelegationError(_("Der Vertragspartner kann diese Projekte nicht mehr freigeben."))
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
            subject=who(customer),
        )
        caretakerships.append(
            start_caretakership(
                project=project,
                caretaker=customer,
                source=Caretakership.Source.RELEASE,
                expires_at=release.access_expires_at,
                scope=release.scope,
            )
        )
    numbers = ", ".join(p.number for p in projects)
    notify(
        recipient=release.owner,
        concerns=Action.RELEASE,
        kind="release.accepted",
        params={"caretaker": who(customer), "projects": numbers},
        lines=lambda: [
            _("Umfang: %(scope)s") % {"scope": Scope(release.scope).label},
            _("Betreuung bis: %(date)s") % {"date": last_day_text(release.access_expires_at)},
            _("Beenden kannst du die Betreuung jederzeit auf der Seite des Projekts unter Zugriff."),
        ],
        link=reverse("projects:detail", args=[projects[0].number]),
        topic="release",
    )
    return caretakerships


@transaction.atomic
def decline_release(
    *, customer: Customer, pk: int | None = None, token: str | None = None, person: User | None = None
) -> ProjectRelease:
    release = _lock_incoming_release(customer, pk=pk, token=token)
    problem = rules.release_state_problem(release)
    if problem:
        raise DelegationError(problem)
    rules.check_recipient(release, customer, person)
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
            subject=who(customer),
        )
    numbers = ", ".join(p.number for p in projects)
    notify(
        recipient=release.owner,
        concerns=Action.RELEASE,
        kind="release.declined",
        params={"caretaker": who(customer), "projects": numbers},
        link=overview_link(),
        topic="release",
    )
    return release


@transaction.atomic
def withdraw_release(*, owner: Customer, pk: int) -> ProjectRelease:
    release = _lock_release(pk=pk, owner=owner)
    if release.status != ProjectRelease.Status.PENDING:
        raise DelegationError(rules.release_state_problem(release) or _("Diese Freigabe ist nicht mehr offen."))
    release.status = ProjectRelease.Status.WITHDRAWN
    release.decided_at = timezone.now()
    release.save(update_fields=["status", "decided_at"])
    projects = list(release.projects.all())
    for project in projects:
        audit.record(project=project, role=Role.OWNER, actor=owner, action="release.withdrawn", subject=release.email)
    person, _accounts = _invitee(release)
    send_notice(
        to=release.email,
        language=_language(person, owner),
        subject=_("%(owner)s hat die Projektfreigabe für %(projects)s zurückgezogen. Der Link gilt nicht mehr.")
        % {"owner": owner.display_name, "projects": ", ".join(p.number for p in projects)},
        topic=f"release:{release.pk}",
    )
    return release


def _resend(release: ProjectRelease, *, role: str, actor: Customer | None, staff: User | None) -> str:
    if release.status not in {ProjectRelease.Status.PENDING, ProjectRelease.Status.LAPSED}:
        raise DelegationError(rules.release_state_problem(release) or _("Diese Freigabe ist nicht mehr offen."))
    if release.status == ProjectRelease.Status.LAPSED:
        # A lapsed release comes back to life: the same checks as a new one.
        problems = rules.release_problems(release.owner, release.email, release.projects.all())
        if problems:
            raise DelegationError(" ".join(problems))
    token = _new_token(release)
    release.status = ProjectRelease.Status.PENDING
    release.save(update_fields=["token_hash", "link_expires_at", "sent_at", "delivery_failed_at", "status"])
    ReleaseResend.objects.create(release=release)
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
    """Send a new link; the old one stops working at once. Limited per release and per owner and day."""
    release = _lock_release(pk=pk, owner=owner)
    problem = rules.resend_problem(release)
    if problem:
        raise DelegationError(problem)
    return _resend(release, role=Role.OWNER, actor=owner, staff=None)


@transaction.atomic
def staff_resend_release(*, staff: User, pk: int) -> str:
    return _resend(_lock_release(pk=pk), role=Role.STAFF, actor=None, staff=staff)


@transaction.atomic
def mark_release_undeliverable(*, pk: int) -> None:
    """The release e-mail bounced: the owner sees it at the release and can resend."""
    release = ProjectRelease.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=pk).first()
    if release is None or release.status != ProjectRelease.Status.PENDING or release.delivery_failed_at:
        return
    release.delivery_failed_at = timezone.now()
    release.save(update_fields=["delivery_failed_at"])
    notify(
        recipient=release.owner,
        concerns=Action.RELEASE,
        kind="release.undeliverable",
        params={"email": release.email},
        link=overview_link(),
        email=False,
    )
