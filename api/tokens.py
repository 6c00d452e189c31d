"""Create, use and revoke personal access tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from api.models import SHOWN_LENGTH, TOKEN_PREFIX, AccessToken
from customercenter.models import Customer, Membership, User
from customercenter.tokens import hash_token

# Last use is written at most this often per token, not on every request of a busy script.
LAST_USED_PRECISION = timedelta(minutes=1)


@transaction.atomic
def create_token(
    *, customer: Customer, created_by: User, name: str, scope: str, expires_at: datetime | None
) -> tuple[AccessToken, str]:
    """A new token and its secret, which is shown once and stored only as a hash."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        customer=customer,
        created_by=created_by,
        name=name,
        scope=scope,
        expires_at=expires_at,
        shown_part=secret[:SHOWN_LENGTH],
        token_hash=hash_token(secret),
    )
    return token, secret


def revoke_token(token: AccessToken) -> bool:
    """Revoke a token; it stops working on its next request. False if it already was."""
    return bool(AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def token_for(secret: str, *, address: str | None) -> AccessToken | None:
    """The usable token behind `secret` of an active account whose maker is still its member (and
    may sign in), or None; notes its use. `token.membership` is the maker's role there now."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    # The maker's membership comes with the token in one join: a token of someone who has left
    # the account matches no row.
    try:
        token = (
            AccessToken.objects.usable()
            .select_related("customer")
            .filter(
                token_hash=hash_token(secret),
                created_by__is_active=True,
                customer__memberships__user=F("created_by"),
            )
            .annotate(maker_role=F("customer__memberships__role"))
            .get()
        )
    except AccessToken.DoesNotExist:
        return None
    if not token.customer.is_active_customer:
        return None
    # The maker is read only when a change names it in the history.
    token.membership = Membership(customer=token.customer, user_id=token.created_by_id, role=token.maker_role)
    now = timezone.now()
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION
    if stale or token.last_used_from != address:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address)
        token.last_used_at, token.last_used_from = now, address
    return token
