"""Personal access tokens for the partner API: one account's, made by one of its members, never
more than that member may do there today."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer

# What every token starts with, so secret scanners and people recognise one.
TOKEN_PREFIX = "kcpat_"  # noqa: S105
# How much of a token is kept in clear to tell tokens apart in lists.
SHOWN_LENGTH = len(TOKEN_PREFIX) + 6


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def usable(self, at=None) -> AccessTokenQuerySet:
        """Not revoked and not past its expiry: checked at every request."""
        at = at or timezone.now()
        return self.filter(Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at)))


class AccessToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("lesen")
        WRITE = "write", _("lesen und schreiben")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("Kunde")
    )
    # The person who made it: the token acts as that member, with its role in the account at each
    # request, and stops working when the person leaves the account.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="access_tokens",
        verbose_name=_("angelegt von"),
    )
    name = models.CharField(_("Name"), max_length=100)
    scope = models.CharField(_("Berechtigung"), max_length=8, choices=Scope.choices, default=Scope.READ)
    shown_part = models.CharField(_("Anfang des Tokens"), max_length=SHOWN_LENGTH, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    expires_at = models.DateTimeField(_("Ablaufdatum"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(_("zuletzt benutzt von"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")
        ordering = ["-created_at"]
        constraints = [
            # The history names the token: two live tokens of one account never share a name.
            models.UniqueConstraint(
                fields=["customer", "name"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_token_name_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_part}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
