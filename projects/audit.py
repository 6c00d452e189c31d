"""The project history: one row per change, written by the service that makes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from customercenter.event_params import Value
from customercenter.models import Customer, User
from projects.models import ACTION_LABELS, AuditEntry, Project

# The API token a change is made through, and whose it is. The services write history for the
# browser and the API alike; how a change arrived belongs to the request, so the API states it
# once around the service call instead of every service taking it as an argument.
_via_token: ContextVar[tuple[Customer, str] | None] = ContextVar("via_token", default=None)
# The person acting for an account, stated by the request (browser or API) for the same reason.
_acting: ContextVar[tuple[Customer, User] | None] = ContextVar("acting", default=None)


@contextmanager
def acting_person(customer: Customer, person: User) -> Iterator[None]:
    """The history rows written inside that name `customer` as the actor name `person` with it:
    the member who did it (rows of the other side, written by the same change, stay as they are)."""
    reset = _acting.set((customer, person))
    try:
        yield
    finally:
        _acting.reset(reset)


def _person(actor: Customer | None) -> User | None:
    acting = _acting.get()
    return acting[1] if acting is not None and actor is not None and actor.pk == acting[0].pk else None


@contextmanager
def via_token(customer: Customer, name: str) -> Iterator[None]:
    """The history rows written inside that name `customer` as the actor say it acted through its
    API token `name` (rows of the other side, written by the same change, stay as they are)."""
    reset = _via_token.set((customer, name))
    try:
        yield
    finally:
        _via_token.reset(reset)


def _via(actor: Customer | None) -> str:
    token = _via_token.get()
    return token[1] if token is not None and actor is not None and actor.pk == token[0].pk else ""


def entry_params(*, subject: Value = "", old: Value = "", new: Value = "", scope: Value = "") -> dict:
    """The event parameters of a history row: plain text (names, numbers) as it is, anything
    the reader's language writes (customers with their number, days, choices) as
    customercenter/event_params.py stores it. `scope` is the scope a caretakership is granted with."""
    values = {"subject": (subject, 255), "old": (old, 500), "new": (new, 500), "scope": (scope, 100)}
    return {
        name: value if isinstance(value, dict) else str(value)[:limit]
        for name, (value, limit) in values.items()
        if value not in ("", None)
    }


def record(
    *,
    project: Project | None,
    role: str,
    action: str,
    actor: Customer | None = None,
    actor_user: User | None = None,
    subject: Value = "",
    old: Value = "",
    new: Value = "",
    scope: Value = "",
) -> AuditEntry:
    if action not in ACTION_LABELS:
        raise ValueError(f"Unknown audit action {action!r}")
    return AuditEntry.objects.create(
        project=project,
        role=role,
        action=action,
        actor=actor,
        actor_user=actor_user if actor_user is not None else _person(actor),
        via_token=_via(actor),
        params=entry_params(subject=subject, old=old, new=new, scope=scope),
    )
