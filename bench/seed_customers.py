"""Seeding of the people (users, e-mail addresses, customers) and of their servers, projects,
domains and databases. The agency and the big owner are customers 1 and 2, the partner
accounts that care for projects come next, everybody else after them.
"""

from __future__ import annotations

from collections import defaultdict

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from bench.seeding import AGENCY_EMAIL, OWNER_EMAIL, PASSWORD, Seeder
from customercenter.models import CUSTOMER_NUMBER_OFFSET, Customer, CustomerNumber, Membership, Role, User
from projects.models import Database, Domain, Project, Server

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


def customers(seeder: Seeder) -> None:
    size, rng = seeder.size, seeder.rng
    first, last, trades, cities = FIRST_NAMES.split(), LAST_NAMES.split(), TRADES.split(), CITIES.split()
    # One real hash for every account: hashing 10,000 passwords would take minutes.
    password = make_password(PASSWORD)
    seeder.caretaker_ids = list(range(3, 3 + size.caretakers))
    seeder.regular_ids = list(range(3 + size.caretakers, size.customers + 1))
    users, addresses, numbers, customers, members = [], [], [], [], []
    for pk in range(1, size.customers + 1):
        joined = seeder.days_ago(30, 3000)
        if pk == seeder.agency:
            email, company, kind = AGENCY_EMAIL, "Webagentur Pixelwerk GmbH", Customer.Kind.HOSTING
        elif pk == seeder.owner:
            email, company, kind = OWNER_EMAIL, "Sonnenschein Handelsgruppe AG", Customer.Kind.HOSTING
        elif pk <= 2 + size.caretakers:
            email, kind = f"betreuer{pk:05d}@bench.example", Customer.Kind.PARTNER
            company = f"Webdesign {rng.choice(last)}" if rng.random() < 0.7 else ""
        else:
            email, kind = f"kunde{pk:05d}@bench.example", Customer.Kind.HOSTING
            company = f"{rng.choice(trades)} {rng.choice(last)}" if rng.random() < 0.6 else ""
        first_name, last_name = rng.choice(first), rng.choice(last)
        seeder.email[pk] = email
        seeder.name[pk] = f"{company} ({first_name} {last_name})" if company else f"{first_name} {last_name}"
        language = "en" if pk > 2 and rng.random() < 0.1 else "de"
        users.append((pk, password, email, f"{first_name} {last_name}", False, False, True, joined, language))
        members.append((pk, pk, pk, Role.ADMINISTRATOR, joined))
        addresses.append((pk, pk, email, True, True))
        numbers.append((pk, joined))
        customers.append(
            (
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
    seeder.write(
        User,
        ["id", "password", "email", "name", "is_superuser", "is_staff", "is_active", "date_joined", "language"],
        users,
    )
    seeder.write(EmailAddress, ["id", "user", "email", "verified", "primary"], addresses)
    seeder.write(CustomerNumber, ["id", "allocated_at"], numbers)
    seeder.write(
        Customer,
        [
            "id",
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
    seeder.write(Membership, ["id", "user", "customer", "role", "created_at"], members)


def projects(seeder: Seeder) -> None:
    size, rng = seeder.size, seeder.rng
    per_customer = size.agency_projects // size.agency_customers
    seeder.agency_customers = rng.sample(seeder.regular_ids, size.agency_customers)
    owners = [seeder.agency] * max(1, size.projects // 10_000) + [seeder.owner] * size.owner_projects
    for customer in seeder.agency_customers:
        owners += [customer] * (per_customer + rng.choice([0, 0, 1, 2]))
    owners += [rng.choice(seeder.regular_ids) for _ in range(size.projects - len(owners))]
    owners = owners[: size.projects]
    rng.shuffle(owners)
    seeder.project_owner = dict(enumerate(owners, start=1))
    seeder.projects_of = defaultdict(list)
    for pk, owner in seeder.project_owner.items():
        seeder.projects_of[owner].append(pk)
    seeder.number = {pk: f"p{10_000 + pk}" for pk in seeder.project_owner}

    server_owners = [seeder.owner] * min(10, size.servers) + rng.sample(
        [c for c in seeder.projects_of if c not in (seeder.owner, seeder.agency)], size.servers - min(10, size.servers)
    )
    servers, server_of = [], {}
    for pk, owner in enumerate(server_owners, start=1):
        servers.append((pk, f"s{1000 + pk}", owner, f"Server {pk}"))
        for project in seeder.projects_of[owner]:
            if rng.random() < 0.5:
                server_of[project] = pk
    seeder.write(Server, ["id", "number", "owner", "name"], servers)

    site_names = SITE_NAMES.split()
    seeder.write(
        Project,
        ["id", "number", "name", "owner", "tariff", "server", "php_version", "created_at"],
        (
            (
                pk,
                seeder.number[pk],
                f"{rng.choice(site_names)} {pk}",
                owner,
                rng.choice(TARIFFS),
                server_of.get(pk),
                rng.choice(PHP),
                seeder.days_ago(30, 2500),
            )
            for pk, owner in seeder.project_owner.items()
        ),
    )
    domains, databases = [], []
    for pk in seeder.project_owner:
        for k in range(rng.choice([1, 1, 2, 3])):
            kind = Domain.TargetKind.REDIRECT if k and rng.random() < 0.3 else Domain.TargetKind.PATH
            target = f"https://{seeder.number[pk]}.de/" if kind == Domain.TargetKind.REDIRECT else f"/site{k}"
            domains.append((len(domains) + 1, pk, f"{seeder.number[pk]}-{k}.de", kind, target, seeder.now))
        for k in range(rng.choice([0, 1, 1, 2])):
            databases.append((len(databases) + 1, pk, f"{seeder.number[pk]}_db{k}", "!", seeder.now, seeder.now))
    seeder.write(Domain, ["id", "project", "name", "target_kind", "target", "created_at"], domains)
    seeder.write(Database, ["id", "project", "name", "password_hash", "created_at", "password_changed_at"], databases)
