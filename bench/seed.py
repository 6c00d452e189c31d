"""Seed a benchmark database fast: rows are generated in Python and written with COPY.

Two sizes share one shape, so the query counts of both can be compared: `large` is an
agency-scale installation (10,000 customers, 30,000 projects, 100,000 caretakerships),
`tiny` the same people and relations with a handful of rows each.

Every row gets an explicit primary key; the sequences are reset afterwards.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from customercenter.bulk import insert_rows
from customercenter.models import CUSTOMER_NUMBER_OFFSET, Customer, CustomerNumber, User
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from delegation.rules import REQUEST_LIFETIME, expiry_from_date, hash_token
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry, Database, Domain, Project, Server

AGENCY_EMAIL = "agentur@bench.example"
OWNER_EMAIL = "grosskunde@bench.example"
PASSWORD = "bench-Kundencenter-2026"
# The release link the benchmark opens as the agency (one of the agency's open releases).
RELEASE_TOKEN = "bench-freigabe-fuer-die-agentur"
OVERVIEW_LINK = "/vertragsdaten/technischer-betreuer/"


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

FIRST_NAMES = "Anna Ben Clara David Emma Felix Greta Hannah Jonas Karl Lea Lukas Maria Max Nina Paul Sophie Tim Jan"
LAST_NAMES = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf "
    "Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann"
)
TRADES = (
    "Bäckerei Metzgerei Autohaus Zahnarztpraxis Kanzlei Reisebüro Blumenladen Schreinerei Weingut Fahrschule "
    "Buchhandlung Fotostudio Hotel Pension Physiotherapie Architekturbüro Steuerbüro Gärtnerei Malerbetrieb Café"
)
CITIES = "Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dortmund Essen Bremen Dresden Hannover"
SITE_NAMES = "Hauptseite Onlineshop Blog Intranet Staging Kampagne Newsletter Wiki Portal Buchung Landingpage Archiv"
PHP = ["8.1", "8.2", "8.3", "8.4"]
TARIFFS = [choice.value for choice in Project.Tariff]


class Seeder:
    def __init__(self, size: Size, seed: int = 20_26):
        self.size = size
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.counts: dict[str, int] = {}

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low, high))

    def expiry(self, low: int, high: int) -> datetime:
        """An expiry as the app stores it: the end of a chosen day (local midnight), `low`..`high` days from today."""
        return expiry_from_date(timezone.localdate(self.now) + timedelta(days=self.rng.randint(low, high)))

    def write(self, model, fields: list[str], rows: Iterable[tuple]) -> None:
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + insert_rows(model, fields, rows)

    # --- people -----------------------------------------------------------------------------

    def customers(self) -> None:
        size, rng = self.size, self.rng
        first, last, trades, cities = FIRST_NAMES.split(), LAST_NAMES.split(), TRADES.split(), CITIES.split()
        # One real hash for every account: hashing 10,000 passwords would take minutes.
        password = make_password(PASSWORD)
        self.agency, self.owner = 1, 2
        self.caretaker_ids = list(range(3, 3 + size.caretakers))
        self.regular_ids = list(range(3 + size.caretakers, size.customers + 1))
        self.email, self.name = {}, {}
        users, addresses, numbers, customers = [], [], [], []
        for pk in range(1, size.customers + 1):
            joined = self.days_ago(30, 3000)
            if pk == self.agency:
                email, company, kind = AGENCY_EMAIL, "Webagentur Pixelwerk GmbH", Customer.Kind.HOSTING
            elif pk == self.owner:
                email, company, kind = OWNER_EMAIL, "Sonnenschein Handelsgruppe AG", Customer.Kind.HOSTING
            elif pk <= 2 + size.caretakers:
                email, kind = f"betreuer{pk:05d}@bench.example", Customer.Kind.PARTNER
                company = f"Webdesign {rng.choice(last)}" if rng.random() < 0.7 else ""
            else:
                email, kind = f"kunde{pk:05d}@bench.example", Customer.Kind.HOSTING
                company = f"{rng.choice(trades)} {rng.choice(last)}" if rng.random() < 0.6 else ""
            first_name, last_name = rng.choice(first), rng.choice(last)
            self.email[pk] = email
            self.name[pk] = f"{company} ({first_name} {last_name})" if company else f"{first_name} {last_name}"
            language = "en" if pk > 2 and rng.random() < 0.1 else "de"
            users.append((pk, password, email, False, False, True, joined, language))
            addresses.append((pk, pk, email, True, True))
            numbers.append((pk, joined))
            customers.append(
                (
                    pk,
                    pk,
                    CUSTOMER_NUMBER_OFFSET + pk,
                    kind,
                    company,
                    first_name,
                    last_name,
                    f"{rng.choice(['Haupt', 'Bahnhof', 'Garten', 'Schul'])}straße {rng.randint(1, 120)}",
                    f"{rng.randint(1000, 99999):05d}",
                    rng.choice(cities),
                    "DE",
                    "",
                    joined,
                )
            )
        self.write(
            User, ["id", "password", "email", "is_superuser", "is_staff", "is_active", "date_joined", "language"], users
        )
        self.write(EmailAddress, ["id", "user", "email", "verified", "primary"], addresses)
        self.write(CustomerNumber, ["id", "allocated_at"], numbers)
        self.write(
            Customer,
            [
                "id",
                "user",
                "number",
                "kind",
                "company",
                "first_name",
                "last_name",
                "street",
                "postal_code",
                "city",
                "country",
                "phone",
                "created_at",
            ],
            customers,
        )

    # --- projects ---------------------------------------------------------------------------

    def projects(self) -> None:
        size, rng = self.size, self.rng
        per_customer = size.agency_projects // size.agency_customers
        self.agency_customers = rng.sample(self.regular_ids, size.agency_customers)
        owners = [self.agency] * max(1, size.projects // 10_000) + [self.owner] * size.owner_projects
        for customer in self.agency_customers:
            owners += [customer] * (per_customer + rng.choice([0, 0, 1, 2]))
        owners += [rng.choice(self.regular_ids) for _ in range(size.projects - len(owners))]
        owners = owners[: size.projects]
        rng.shuffle(owners)
        self.project_owner = dict(enumerate(owners, start=1))
        self.projects_of = defaultdict(list)
        for pk, owner in self.project_owner.items():
            self.projects_of[owner].append(pk)
        self.number = {pk: f"p{10_000 + pk}" for pk in self.project_owner}

        server_owners = [self.owner] * min(10, size.servers) + rng.sample(
            [c for c in self.projects_of if c not in (self.owner, self.agency)], size.servers - min(10, size.servers)
        )
        servers, server_of = [], {}
        for pk, owner in enumerate(server_owners, start=1):
            servers.append((pk, f"s{1000 + pk}", owner, f"Server {pk}"))
            for project in self.projects_of[owner]:
                if rng.random() < 0.5:
                    server_of[project] = pk
        self.write(Server, ["id", "number", "owner", "name"], servers)

        site_names = SITE_NAMES.split()
        self.write(
            Project,
            ["id", "number", "name", "owner", "tariff", "server", "php_version", "created_at"],
            (
                (
                    pk,
                    self.number[pk],
                    f"{rng.choice(site_names)} {pk}",
                    owner,
                    rng.choice(TARIFFS),
                    server_of.get(pk),
                    rng.choice(PHP),
                    self.days_ago(30, 2500),
                )
                for pk, owner in self.project_owner.items()
            ),
        )
        domains, databases = [], []
        for pk in self.project_owner:
            for k in range(rng.choice([1, 1, 2, 3])):
                kind = Domain.TargetKind.REDIRECT if k and rng.random() < 0.3 else Domain.TargetKind.PATH
                target = f"https://{self.number[pk]}.de/" if kind == Domain.TargetKind.REDIRECT else f"/site{k}"
                domains.append((len(domains) + 1, pk, f"{self.number[pk]}-{k}.de", kind, target, self.now))
            for k in range(rng.choice([0, 1, 1, 2])):
                databases.append((len(databases) + 1, pk, f"{self.number[pk]}_db{k}", "!", self.now, self.now))
        self.write(Domain, ["id", "project", "name", "target_kind", "target", "created_at"], domains)
        self.write(Database, ["id", "project", "name", "password_hash", "created_at", "password_changed_at"], databases)

    # --- delegation -------------------------------------------------------------------------

    def caretakerships(self) -> None:
        size, rng = self.size, self.rng
        per_customer = size.agency_projects // size.agency_customers
        self.cared_by_agency = [pk for c in self.agency_customers for pk in self.projects_of[c][:per_customer]]
        self.open_pairs: set[tuple[int, int]] = set()
        rows, audit = [], []
        started = Caretakership.Source

        def add(project, caretaker, *, expires_at=None, ended_at=None, end_reason=""):
            start = self.days_ago(40, 900) if ended_at is None else ended_at - timedelta(days=rng.uniform(10, 400))
            source = started.RELEASE if rng.random() < 0.5 else started.REQUEST
            owner_number = CUSTOMER_NUMBER_OFFSET + self.project_owner[project]
            rows.append(
                (len(rows) + 1, source, start, expires_at, ended_at, end_reason, None, owner_number, caretaker, project)
            )
            audit.append((project, "caretakership.started", self.name[caretaker], start))
            if ended_at is None:
                self.open_pairs.add((project, caretaker))
            else:
                audit.append((project, f"caretakership.{end_reason}", self.name[caretaker], ended_at))

        def random_open_pair(projects=None) -> tuple[int, int]:
            while True:
                project = rng.choice(projects) if projects else rng.randint(1, size.projects)
                caretaker = rng.choice(self.caretaker_ids)
                if (project, caretaker) not in self.open_pairs:
                    return project, caretaker

        for project in self.cared_by_agency:
            add(project, self.agency, expires_at=self.expiry(30, 365) if rng.random() < 0.3 else None)
        for project in self.projects_of[self.agency]:
            add(project, rng.choice(self.caretaker_ids))
        for _ in range(size.due):
            project, caretaker = random_open_pair()
            # Expired at one of the last 20 midnights: due, but not swept yet.
            add(project, caretaker, expires_at=self.expiry(-20, -1))
        rest = size.caretakerships - len(rows)
        active = rest * 9 // 25
        owner_projects = self.projects_of[self.owner]
        for k in range(active):
            project, caretaker = random_open_pair(owner_projects if k < len(owner_projects) * 4 // 3 else None)
            add(project, caretaker, expires_at=self.expiry(10, 400) if rng.random() < 0.3 else None)
        reasons = [Caretakership.EndReason.REVOKED, Caretakership.EndReason.ENDED, Caretakership.EndReason.EXPIRED]
        for k in range(rest - active):
            # Some history of the agency too: ended caretakerships must not slow its pages down.
            caretaker = self.agency if k % 25 == 0 else rng.choice(self.caretaker_ids)
            ended_at, reason = self.days_ago(1, 700), rng.choice(reasons)
            add(rng.randint(1, size.projects), caretaker, ended_at=ended_at, end_reason=reason)
        self.write(
            Caretakership,
            [
                "id",
                "source",
                "started_at",
                "expires_at",
                "ended_at",
                "end_reason",
                "reminder_sent_at",
                "owner_number",
                "caretaker",
                "project",
            ],
            rows,
        )
        self.audit_rows = audit

    def requests_and_releases(self) -> None:
        size, rng = self.size, self.rng
        Status = ManagementRequest.Status
        cared = set(self.cared_by_agency)
        requests, pending_pairs = [], set()

        def request(project, caretaker, status, created_at):
            decided = None if status == Status.PENDING else created_at + timedelta(days=rng.uniform(0.1, 10))
            lapses = created_at + REQUEST_LIFETIME
            requests.append((len(requests) + 1, status, created_at, lapses, decided, caretaker, project))
            self.audit_rows.append((project, "request.created", self.name[caretaker], created_at))

        def pending_request(caretaker, projects=None):
            while True:
                project = rng.choice(projects) if projects else rng.randint(1, size.projects)
                pair = (project, caretaker)
                mine = self.project_owner[project] == caretaker
                if not mine and project not in cared and pair not in self.open_pairs and pair not in pending_pairs:
                    pending_pairs.add(pair)
                    request(project, caretaker, Status.PENDING, self.days_ago(0.1, 25))
                    return

        agency_requests = size.agency_open // 2
        for _ in range(agency_requests):
            pending_request(self.agency)
        for _ in range(size.owner_open - size.owner_open // 5):
            pending_request(rng.choice(self.caretaker_ids), self.projects_of[self.owner])
        for _ in range(size.other_open // 2):
            pending_request(rng.choice(self.caretaker_ids))
        decided = [Status.ACCEPTED, Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.LAPSED]
        for k in range(size.history_requests):
            caretaker = self.agency if k % 30 == 0 else rng.choice(self.caretaker_ids)
            request(rng.randint(1, size.projects), caretaker, rng.choice(decided), self.days_ago(5, 700))
        fields = ["id", "status", "created_at", "lapses_at", "decided_at", "caretaker", "project"]
        self.write(ManagementRequest, fields, requests)

        releases, links = [], []
        Release = ProjectRelease.Status

        def release(owner, email, status, created_at, token=None):
            pk = len(releases) + 1
            pending = status == Release.PENDING
            link_expires = created_at + timedelta(days=14)
            decided = None if pending or status == Release.LAPSED else created_at + timedelta(days=rng.uniform(0.1, 5))
            access = self.expiry(60, 400) if rng.random() < 0.4 else None
            accepted_by = self.agency if status == Release.ACCEPTED and email == AGENCY_EMAIL else None
            releases.append(
                (
                    pk,
                    owner,
                    email,
                    access,
                    False,
                    hash_token(token or f"bench-release-{pk}"),
                    link_expires,
                    status,
                    created_at,
                    created_at,
                    decided,
                    accepted_by,
                    None,
                )
            )
            own = [p for p in self.projects_of[owner] if p not in cared] or self.projects_of[owner]
            for project in rng.sample(own, min(len(own), rng.choice([1, 1, 2, 3]))):
                links.append((len(links) + 1, pk, project))
                self.audit_rows.append((project, "release.created", email, created_at))

        owners_with_projects = [c for c in self.projects_of if c not in (self.agency, self.owner)]
        for k in range(size.agency_open - agency_requests):
            owner = rng.choice(owners_with_projects)
            release(owner, AGENCY_EMAIL, Release.PENDING, self.days_ago(0.1, 12), RELEASE_TOKEN if k == 0 else None)
        for _ in range(size.owner_open // 5):
            caretaker = rng.choice(self.caretaker_ids)
            release(self.owner, self.email[caretaker], Release.PENDING, self.days_ago(0.1, 12))
        for _ in range(size.other_open // 2):
            owner, caretaker = rng.choice(owners_with_projects), rng.choice(self.caretaker_ids)
            release(owner, self.email[caretaker], Release.PENDING, self.days_ago(0.1, 12))
        decided = [Release.ACCEPTED, Release.ACCEPTED, Release.DECLINED, Release.WITHDRAWN, Release.LAPSED]
        for k in range(size.history_releases):
            owner = self.owner if k % 50 == 0 else rng.choice(owners_with_projects)
            email = AGENCY_EMAIL if k % 20 == 0 else self.email[rng.choice(self.caretaker_ids)]
            release(owner, email, rng.choice(decided), self.days_ago(20, 700))
        self.write(
            ProjectRelease,
            [
                "id",
                "owner",
                "email",
                "access_expires_at",
                "require_mfa",
                "token_hash",
                "link_expires_at",
                "status",
                "created_at",
                "sent_at",
                "decided_at",
                "accepted_by",
                "delivery_failed_at",
            ],
            releases,
        )
        self.write(ProjectRelease.projects.through, ["id", "projectrelease", "project"], links)

    # --- history and messages ---------------------------------------------------------------

    def audit(self) -> None:
        role = AuditEntry.Role
        rows = (
            (
                pk,
                project,
                self.project_owner[project],
                role.SYSTEM if action == "caretakership.expired" else role.OWNER,
                action,
                subject[:255],
                "",
                "",
                at,
            )
            for pk, (project, action, subject, at) in enumerate(self.audit_rows, start=1)
        )
        self.write(
            AuditEntry,
            ["id", "project", "actor", "role", "action", "subject", "old_value", "new_value", "created_at"],
            rows,
        )

    def notifications(self) -> None:
        size, rng = self.size, self.rng
        texts = [
            "Ein Technischer Betreuer möchte eines deiner Projekte verwalten.",
            "Deine Projektfreigabe wurde angenommen.",
            "Die technische Betreuung eines Projekts ist abgelaufen.",
            "Dein Antrag wurde angenommen.",
        ]
        recipients = [self.agency] * size.agency_notifications + [
            rng.randint(1, size.customers) for _ in range(size.notifications - size.agency_notifications)
        ]
        rows = []
        for pk, recipient in enumerate(recipients, start=1):
            created = self.days_ago(0, 400)
            unread = rng.random() < 0.15
            rows.append((pk, recipient, rng.choice(texts), OVERVIEW_LINK, created, None if unread else created))
        self.write(Notification, ["id", "recipient", "text", "link", "created_at", "read_at"], rows)
        emails = []
        for pk in range(1, size.sent_emails + 1):
            created = self.days_ago(0.01, 400)
            emails.append(
                (
                    pk,
                    self.email[rng.randint(1, size.customers)],
                    "[Kundencenter] Benachrichtigung",
                    "Hallo,\n\nes gibt Neuigkeiten in deinem Kundencenter.\n",
                    "<p>Hallo,</p><p>es gibt Neuigkeiten in deinem Kundencenter.</p>",
                    OutboxEmail.Status.SENT,
                    1,
                    "",
                    created,
                    created,
                    "",
                    rng.choice(["expired", "request", "release", "reminder"]),
                )
            )
        self.write(
            OutboxEmail,
            [
                "id",
                "to",
                "subject",
                "body_text",
                "body_html",
                "status",
                "attempts",
                "last_error",
                "created_at",
                "sent_at",
                "message_id",
                "topic",
            ],
            emails,
        )

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Deferred foreign-key triggers would check 500,000 rows one by one at commit
                # (10 s); check_foreign_keys() below verifies them set-wise instead.
                cursor.execute("SET LOCAL session_replication_role = replica")
            self.customers()
            self.projects()
            self.caretakerships()
            self.requests_and_releases()
            self.audit()
            self.notifications()
            check_foreign_keys(SEEDED)
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), SEEDED):
                    cursor.execute(statement)
        self.seconds = {"load": round(time.perf_counter() - started, 2)}
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # Statistics and the visibility map of a database in steady state (index-only scans).
            cursor.execute("VACUUM ANALYZE")
        self.seconds["vacuum_analyze"] = round(time.perf_counter() - started, 2)
        return self.counts


SEEDED = [
    User,
    EmailAddress,
    CustomerNumber,
    Customer,
    Server,
    Project,
    Domain,
    Database,
    Caretakership,
    ManagementRequest,
    ProjectRelease,
    ProjectRelease.projects.through,
    AuditEntry,
    Notification,
    OutboxEmail,
]


def check_foreign_keys(models: list) -> None:
    """Every seeded foreign key points at an existing row (one anti-join per key)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                child, parent = model._meta.db_table, field.related_model._meta.db_table
                cursor.execute(
                    f"SELECT count(*) FROM {child} c WHERE c.{quote(field.column)} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {parent} p WHERE p.{quote(field.target_field.column)} = c.{quote(field.column)})"
                )
                (dangling,) = cursor.fetchone()
                if dangling:
                    raise RuntimeError(f"{dangling} rows of {child}.{field.column} point nowhere")


def seed(size_name: str) -> tuple[dict[str, int], dict[str, float]]:
    """Rows written per table, and the seconds of the load and of VACUUM ANALYZE."""
    seeder = Seeder(SIZES[size_name])
    counts = seeder.run()
    return counts, seeder.seconds
