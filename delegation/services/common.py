"""What the delegation services share: the roles they audit as and how they name people and pages."""

from __future__ import annotations

from django.urls import reverse

from customercenter.models import Customer
from projects.models import AuditEntry

Role = AuditEntry.Role


def overview_link() -> str:
    """Vertragsdaten → Technischer Betreuer, where every notification about delegation leads."""
    return reverse("contract:caretakers")


def who(customer: Customer) -> str:
    return customer.name_with_number
