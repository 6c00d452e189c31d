"""What a member's role in its customer account allows, whatever the project: stated here once.

`delegation/access.py` adds the relationship to a project (owner, caretaker, scope) on top of
it; the notifications ask it whom a message concerns.
"""

from __future__ import annotations

from enum import Enum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from customercenter.models import Membership, Role


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


class Refused(PermissionDenied):
    """An action the access does not allow: 403, with the reason."""

    def __init__(self, action: Action, reason: str = ""):
        super().__init__(reason or action.reason)
        self.action = action


def require_member(membership: Membership, action: Action) -> None:
    """403 with the reason when the member's role does not allow `action`."""
    reason = role_refusal(membership, action)
    if reason is not None:
        raise Refused(action, reason)
