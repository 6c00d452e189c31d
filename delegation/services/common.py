"""What the delegation services share: the roles they audit as and how they name people and pages."""

from __future__ import annotations

from django.urls import reverse

from customercenter import event_params
from customercenter.models import Customer
from projects.models import AuditEntry

Role = AuditEntry.Role


def overview_link() -> str:
    """Vertragsdaten → Technischer Betreuer, where every notification about delegation leads."""
    return reverse("contract:caretakers")


def who(customer: Customer) -> dict:
    """A customer as notifications and the history name it: name and customer number."""
    return event_params.customer(customer)
