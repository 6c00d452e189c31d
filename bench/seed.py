"""Seed a benchmark database fast: rows are generated in Python and written with COPY.

The steps run in one transaction in this order, each reading what the ones before made
(bench/seeding.py): people and projects (bench/seed_customers.py), delegation
(bench/seed_delegation.py), history and messages (bench/seed_history.py). Every row gets an
explicit primary key; the sequences are reset afterwards.
"""

from __future__ import annotations

import time

from allauth.account.models import EmailAddress
from django.core.management.color import no_style
from django.db import connection, transaction

from api.models import SHOWN_LENGTH, AccessToken
from bench import seed_customers, seed_delegation, seed_history
from bench.seeding import AGENCY_EMAIL, API_TOKEN, SIZES, Seeder
from customercenter.models import Customer, CustomerNumber, Membership, User
from customercenter.tokens import hash_token
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry, Database, Domain, Project, Server

STEPS = [
    seed_customers.customers,
    seed_customers.projects,
    seed_delegation.caretakerships,
    seed_delegation.requests_and_releases,
    seed_history.audit,
    seed_history.notifications,
]

SEEDED = [
    User,
    EmailAddress,
    CustomerNumber,
    Customer,
    Membership,
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
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Deferred foreign-key triggers would check 500,000 rows one by one at commit
            # (10 s); check_foreign_keys() below verifies them set-wise instead.
            cursor.execute("SET LOCAL session_replication_role = replica")
        for step in STEPS:
            step(seeder)
        AccessToken.objects.create(
            customer=Customer.objects.get(memberships__user__email=AGENCY_EMAIL),
            created_by=User.objects.get(email=AGENCY_EMAIL),
            name="Benchmark",
            scope=AccessToken.Scope.READ,
            shown_part=API_TOKEN[:SHOWN_LENGTH],
            token_hash=hash_token(API_TOKEN),
        )
        check_foreign_keys(SEEDED)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), SEEDED):
                cursor.execute(statement)
    seconds = {"load": round(time.perf_counter() - started, 2)}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Statistics and the visibility map of a database in steady state (index-only scans).
        cursor.execute("VACUUM ANALYZE")
    seconds["vacuum_analyze"] = round(time.perf_counter() - started, 2)
    return seeder.counts, seconds
