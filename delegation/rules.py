"""Checks shared by forms (an error at the field), views and services (re-checked under lock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from customercenter.models import Customer, Role, User
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, ReleaseResend
from projects.models import Project

DECLINE_COOLDOWN = timedelta(days=7)
REQUEST_LIFETIME = timedelta(days=30)
REMINDER_BEFORE = timedelta(days=7)


class DelegationError(Exception):
    """A change that cannot happen (any more); the message says why, in the user's language."""


class WrongAccount(DelegationError):
    pass


# The roles that do caretaker work: a release sent to one of their addresses is the account's to answer.
CARETAKING_ROLES = (Role.ADMINISTRATOR, Role.TECHNIK)


def verified_emails(customer: Customer) -> list[str]:
    """The verified addresses of the account's members who do caretaker work."""
    addresses = EmailAddress.objects.filter(
        user__memberships__customer=customer, user__memberships__role__in=CARETAKING_ROLES, verified=True
    )
    return [email.lower() for email in addresses.values_list("email", flat=True)]


def member_emails(customer: Customer) -> list[str]:
    """Every address of every member of the account, verified or not."""
    addresses = EmailAddress.objects.filter(user__memberships__customer=customer).values_list("email", flat=True)
    return [email.lower() for email in addresses]


def request_problem(caretaker: Customer, project: Project) -> str | None:
    """Why this caretaker may not request management of this project now, or None."""
    if project.owner_id == caretaker.pk:
        return _("Das ist dein eigenes Projekt – dafür brauchst du keine Betreuung.")
    if Caretakership.objects.active().filter(project=project, caretaker=caretaker).exists():
        return _("Du betreust dieses Projekt bereits.")
    if ManagementRequest.objects.pending().filter(project=project, caretaker=caretaker).exists():
        return _("Du hast die Verwaltung dieses Projekts bereits beantragt.")
    last_decline = (
        ManagementRequest.objects.filter(
            project=project,
            caretaker=caretaker,
            status=ManagementRequest.Status.DECLINED,
            decided_at__gt=timezone.now() - DECLINE_COOLDOWN,
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if last_decline:
        again = timezone.localtime(last_decline + DECLINE_COOLDOWN)
        return _(
            "Dein letzter Antrag für dieses Projekt wurde abgelehnt. Ein neuer Antrag ist ab %(date)s möglich."
        ) % {"date": date_format(again, "DATETIME_FORMAT")}
    since = timezone.now() - timedelta(days=1)
    if (
        ManagementRequest.objects.filter(caretaker=caretaker, created_at__gt=since).count()
        >= settings.MAX_REQUESTS_PER_CARETAKER_PER_DAY
    ):
        return _("Du hast heute bereits %(n)s Anträge gestellt. Bitte versuche es morgen wieder.") % {
            "n": settings.MAX_REQUESTS_PER_CARETAKER_PER_DAY
        }
    if ManagementRequest.objects.pending().filter(project=project).count() >= settings.MAX_PENDING_REQUESTS_PER_PROJECT:
        return _("Für dieses Projekt liegen bereits zu viele offene Anträge vor.")
    return None


def release_limit_reached(owner: Customer) -> bool:
    since = timezone.now() - timedelta(days=1)
    count = ProjectRelease.objects.filter(owner=owner, created_at__gt=since).count()
    return count >= settings.MAX_RELEASES_PER_OWNER_PER_DAY


def resend_problem(release: ProjectRelease) -> str | None:
    """Why the owner may not send this release's link again today, or None: each resend mails an
    address the owner chose, so it is limited per release and per owner."""
    since = timezone.now() - timedelta(days=1)
    recent = ReleaseResend.objects.filter(sent_at__gt=since)
    if recent.filter(release=release).count() >= settings.MAX_RESENDS_PER_RELEASE_PER_DAY:
        return _(
            "Der Link dieser Freigabe wurde heute bereits %(n)s-mal neu gesendet. Bitte versuche es morgen wieder."
        ) % {"n": settings.MAX_RESENDS_PER_RELEASE_PER_DAY}
    if recent.filter(release__owner_id=release.owner_id).count() >= settings.MAX_RESENDS_PER_OWNER_PER_DAY:
        return _("Du hast heute bereits %(n)s Freigabe-Links neu gesendet. Bitte versuche es morgen wieder.") % {
            "n": settings.MAX_RESENDS_PER_OWNER_PER_DAY
        }
    return None


def release_problems(owner: Customer, email: str, projects) -> list[str]:
    """Projects of this release that are already cared for or already released to that address."""
    problems = []
    email = email.lower()
    active = (
        Caretakership.objects.active()
        .filter(project__in=projects, caretaker__memberships__user__emailaddress__email__iexact=email)
        .values_list("project__number", flat=True)
        .distinct()
    )
    for number in active:
        problems.append(_("%(project)s wird von %(email)s bereits betreut.") % {"project": number, "email": email})
    pending = (
        ProjectRelease.objects.pending()
        .filter(owner=owner, email=email, projects__in=projects)
        .values_list("projects__number", flat=True)
        .distinct()
    )
    for number in pending:
        problems.append(
            _("Für %(project)s ist bereits eine offene Freigabe an %(email)s unterwegs.")
            % {"project": number, "email": email}
        )
    return problems


def release_state_problem(release: ProjectRelease) -> str | None:
    """Why a release link cannot be used any more, or None."""
    messages = {
        ProjectRelease.Status.ACCEPTED: _("Diese Freigabe wurde bereits angenommen; der Link ist verbraucht."),
        ProjectRelease.Status.DECLINED: _("Diese Freigabe wurde bereits abgelehnt; der Link ist verbraucht."),
        ProjectRelease.Status.WITHDRAWN: _("Der Vertragspartner hat diese Freigabe zurückgezogen."),
        ProjectRelease.Status.LAPSED: _(
            "Dieser Link ist abgelaufen. Bitte den Vertragspartner, die Freigabe neu zu senden."
        ),
    }
    if release.status in messages:
        return messages[release.status]
    if release.link_expires_at <= timezone.now():
        return messages[ProjectRelease.Status.LAPSED]
    return None


def check_recipient(release: ProjectRelease, customer: Customer, person: User | None = None) -> None:
    """Only the person whose verified address was invited may answer a release, into the account
    it works in now, where it must be Administrator or Technik. Without a person (the account
    itself answers) any such member's verified address will do."""
    invited = release.email in verified_emails(customer)
    if person is not None:
        invited = (
            invited and EmailAddress.objects.filter(user=person, email__iexact=release.email, verified=True).exists()
        )
    if not invited:
        current = person.email if person is not None else f"{customer.display_name} ({customer.number})"
        raise WrongAccount(
            _("Diese Freigabe wurde an %(invited)s gesendet, du bist als %(current)s angemeldet.")
            % {"invited": release.email, "current": current}
        )
    if customer.pk == release.owner_id:
        raise DelegationError(_("Du kannst keine Freigabe deiner eigenen Projekte annehmen."))


def expiry_problem(expires_at: datetime | None) -> str | None:
    """Why this can not be a caretakership's new expiry (checked again under lock), or None."""
    if expires_at is not None and expires_at <= timezone.now():
        return _("Das Ablaufdatum darf nicht in der Vergangenheit liegen.")
    return None
