"""Members of a customer account: invite, accept, change the role, remove.

Each change locks the account's memberships first, so two administrators demoting each other at
the same moment cannot leave the account without one.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter.models import Customer, Invitation, Membership, Role, User
from customercenter.tokens import hash_token
from notifications.services import language_of, queue_templated_email


class MemberError(Exception):
    """A change of members that cannot happen; the message says why, in the user's language."""


def _lock_members(customer: Customer) -> list[Membership]:
    return list(Membership.objects.select_for_update().filter(customer=customer).order_by("pk"))


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise MemberError(_("Diese Rolle gibt es nicht."))


def is_member(customer: Customer, email: str) -> bool:
    """Whether a member of the account has this address (as its login or any confirmed one)."""
    members = Membership.objects.filter(customer=customer)
    return (
        members.filter(user__email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True, user__in=members.values("user")).exists()
    )


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation", args=[token])


def _send(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_LINK_DAYS)
    invitation.save()
    person = User.objects.filter(email__iexact=invitation.email).first()
    queue_templated_email(
        to=invitation.email,
        template="member_invitation",
        sensitive=True,
        language=person.language if person else language_of(invitation.customer),
        topic=f"invitation:{invitation.pk}",
        context={
            "customer": invitation.customer,
            "role": Role(invitation.role).label,
            "invited_by": invitation.invited_by,
            "link": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
    )
    return token


@transaction.atomic
def invite_member(*, customer: Customer, invited_by: User, email: str, role: str) -> tuple[Invitation, str]:
    """Invite a person by e-mail to join the account with a role; returns the invitation and its token."""
    _check_role(role)
    _lock_members(customer)
    email = email.strip().lower()
    if is_member(customer, email):
        raise MemberError(_("%(email)s ist bereits Mitglied dieses Kontos.") % {"email": email})
    if customer.invitations.pending().filter(email=email, expires_at__gt=timezone.now()).exists():
        raise MemberError(
            _("An %(email)s ist bereits eine Einladung unterwegs. Du kannst sie erneut senden.") % {"email": email}
        )
    customer.invitations.pending().filter(email=email).update(
        status=Invitation.Status.WITHDRAWN, decided_at=timezone.now()
    )
    invitation = Invitation(customer=customer, email=email, role=role, invited_by=invited_by)
    token = _send(invitation)
    return invitation, token


def _lock_invitation(customer: Customer, pk: int) -> Invitation:
    invitations = Invitation.objects.select_for_update(of=("self",)).select_related("customer", "invited_by")
    return invitations.get(customer=customer, pk=pk)


@transaction.atomic
def resend_invitation(*, customer: Customer, pk: int) -> str:
    """A new link; the old one stops working at once."""
    invitation = _lock_invitation(customer, pk)
    if invitation.status != Invitation.Status.PENDING:
        raise MemberError(_("Diese Einladung ist nicht mehr offen."))
    return _send(invitation)


@transaction.atomic
def withdraw_invitation(*, customer: Customer, pk: int) -> Invitation:
    invitation = _lock_invitation(customer, pk)
    if invitation.status != Invitation.Status.PENDING:
        raise MemberError(_("Diese Einladung ist nicht mehr offen."))
    invitation.status = Invitation.Status.WITHDRAWN
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


def invitation_problem(invitation: Invitation) -> str | None:
    """Why this invitation's link cannot be used (any more), or None."""
    if invitation.status == Invitation.Status.ACCEPTED:
        return _("Diese Einladung wurde bereits angenommen; der Link ist verbraucht.")
    if invitation.status == Invitation.Status.WITHDRAWN:
        return _("Diese Einladung wurde zurückgezogen oder durch eine neuere ersetzt.")
    if invitation.expires_at <= timezone.now():
        return _("Dieser Link ist abgelaufen. Bitte einen Administrator des Kontos, die Einladung neu zu senden.")
    return None


def recipient_problem(invitation: Invitation, person: User) -> str | None:
    """Only the person whose verified address was invited may accept."""
    if not EmailAddress.objects.filter(user=person, email__iexact=invitation.email, verified=True).exists():
        return _("Diese Einladung wurde an %(invited)s gesendet, du bist als %(current)s angemeldet.") % {
            "invited": invitation.email,
            "current": person.email,
        }
    if Membership.objects.filter(customer=invitation.customer, user=person).exists():
        return _("Du bist bereits Mitglied dieses Kontos.")
    return None


@transaction.atomic
def accept_invitation(*, token: str, person: User) -> Membership:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise Invitation.DoesNotExist
    problem = invitation_problem(invitation) or recipient_problem(invitation, person)
    if problem:
        raise MemberError(problem)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = person
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "decided_at"])
    return Membership.objects.create(user=person, customer=invitation.customer, role=invitation.role)


def _leaves_no_administrator(members: list[Membership], changed: Membership, new_role: str | None) -> bool:
    """Whether giving `changed` the role `new_role` (None: removing it) leaves no administrator."""
    remaining = [m.role for m in members if m.pk != changed.pk]
    if new_role is not None:
        remaining.append(new_role)
    return Role.ADMINISTRATOR not in remaining


def _member(members: list[Membership], pk: int) -> Membership:
    membership = next((m for m in members if m.pk == pk), None)
    if membership is None:
        raise Membership.DoesNotExist
    return membership


@transaction.atomic
def change_role(*, customer: Customer, membership_id: int, role: str) -> Membership:
    _check_role(role)
    members = _lock_members(customer)
    membership = _member(members, membership_id)
    if _leaves_no_administrator(members, membership, role):
        raise MemberError(_("Das Konto braucht mindestens einen Administrator. Ernenne zuerst einen anderen."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, customer: Customer, membership_id: int) -> Membership:
    """The person loses access to the account on its next request."""
    members = _lock_members(customer)
    membership = _member(members, membership_id)
    if _leaves_no_administrator(members, membership, None):
        raise MemberError(_("Das Konto braucht mindestens einen Administrator. Der letzte kann nicht entfernt werden."))
    membership.delete()
    return membership


@transaction.atomic
def set_technik_may_decide(*, customer: Customer, allowed: bool) -> None:
    Customer.objects.filter(pk=customer.pk).update(technik_may_decide=allowed)
