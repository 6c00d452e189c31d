"""Every state change of delegation: one function each, atomic, audited, notifying.

Callers use them from here (`services.accept_release(...)`); the modules split them by
what they change. Rows are locked (`select_for_update`) before their state is read, so
two accepts of one release, or an accept racing a withdrawal, end in exactly one outcome.
"""

from delegation.rules import DelegationError, WrongAccount
from delegation.services.caretakerships import (
    change_expiry,
    change_scope,
    end_caretakership,
    revoke_caretakership,
    staff_end_caretakership,
)
from delegation.services.management_requests import (
    accept_request,
    decline_request,
    request_management,
    staff_end_request,
    withdraw_request,
)
from delegation.services.releases import (
    accept_release,
    create_release,
    decline_release,
    mark_release_undeliverable,
    resend_release,
    staff_resend_release,
    withdraw_release,
)

__all__ = [
    "DelegationError",
    "WrongAccount",
    "accept_release",
    "accept_request",
    "change_expiry",
    "change_scope",
    "create_release",
    "decline_release",
    "decline_request",
    "end_caretakership",
    "mark_release_undeliverable",
    "request_management",
    "resend_release",
    "revoke_caretakership",
    "staff_end_caretakership",
    "staff_end_request",
    "staff_resend_release",
    "withdraw_release",
    "withdraw_request",
]
