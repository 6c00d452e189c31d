"""What the seeding steps share: the two sizes, the people the benchmark signs in as, and the
Seeder that carries the random source, the clock and what each step made for the next ones.

Two sizes share one shape, so the query counts of both can be compared: `large` is an
agency-scale installation (10,000 customers, 30,000 projects, 100,000 caretakerships),
`tiny` the same people and relations with a handful of rows each.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from customercenter.bulk import insert_rows
from delegation.expiry import expiry_from_last_day

AGENCY_EMAIL = "agentur@bench.example"
OWNER_EMAIL = "grosskunde@bench.example"
PASSWORD = "bench-Kundencenter-2026"
# The release link the benchmark opens as the agency (one of the agency's open releases).
RELEASE_TOKEN = "bench-freigabe-fuer-die-agentur"
OVERVIEW_LINK = "/vertragsdaten/technischer-betreuer/"
# The agency's personal access token for the partner API page.
API_TOKEN = "kcpat_bench-token-of-the-agency"


@dataclass(frozen=True)
class Size:
    customers: int
    projects: int
    caretakerships: int
    agency_projects: int  # cared for by the agency ...
    agency_customers: int  # ... belonging to this many customers
    agency_open: int  # the agency's open requests (outgoing) and releases (incoming)
    owner_projects: int  # the big owner
    owner_open: int  # requests for the big owner's projects and its own pending releases
    due: int  # open caretakerships past their expiry, for the sweeper
    caretakers: int  # partner accounts that care for projects
    servers: int
    notifications: int
    agency_notifications: int
    history_requests: int
    history_releases: int
    other_open: int  # pending requests and releases of everybody else
    sent_emails: int


SIZES = {
    "large": Size(
        customers=10_000,
        projects=30_000,
        caretakerships=100_000,
        agency_projects=2_000,
        agency_customers=400,
        agency_open=150,
        owner_projects=300,
        owner_open=50,
        due=20_000,
        caretakers=600,
        servers=1_500,
        notifications=50_000,
        agency_notifications=2_000,
        history_requests=10_000,
        history_releases=3_000,
        other_open=800,
        sent_emails=20_000,
    ),
    "tiny": Size(
        customers=40,
        projects=60,
        caretakerships=60,
        agency_projects=8,
        agency_customers=4,
        agency_open=6,
        owner_projects=6,
        owner_open=5,
        due=8,
        caretakers=5,
        servers=4,
        notifications=100,
        agency_notifications=20,
        history_requests=20,
        history_releases=10,
        other_open=4,
        sent_emails=20,
    ),
}


class Seeder:
    def __init__(self, size: Size, seed: int = 20_26):
        self.size = size
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.counts: dict[str, int] = {}
        # People and projects (bench/seed_customers.py): customer ids, e-mail address and name by id.
        self.agency, self.owner = 1, 2
        self.caretaker_ids: list[int] = []
        self.regular_ids: list[int] = []
        self.email: dict[int, str] = {}
        self.name: dict[int, str] = {}
        self.agency_customers: list[int] = []
        self.project_owner: dict[int, int] = {}
        self.projects_of: dict[int, list[int]] = {}
        self.number: dict[int, str] = {}
        # Delegation (bench/seed_delegation.py), and the audit entries every step adds to.
        self.cared_by_agency: list[int] = []
        self.open_pairs: set[tuple[int, int]] = set()
        self.audit_rows: list[tuple] = []

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low, high))

    def expiry(self, low: int, high: int) -> datetime:
        """An expiry as the app stores it: the end of a chosen day (local midnight), `low`..`high` days from today."""
        return expiry_from_last_day(timezone.localdate(self.now) + timedelta(days=self.rng.randint(low, high)))

    def write(self, model, fields: list[str], rows: Iterable[tuple]) -> None:
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + insert_rows(model, fields, rows)
