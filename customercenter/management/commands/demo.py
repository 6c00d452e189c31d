"""Load demo data (idempotent) and print the demo logins.

Every demo login, the superuser among them, has the password printed in the README: the command
refuses to run without DJANGO_DEBUG unless told explicitly.
"""

from datetime import date
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from customercenter.models import Customer, Membership, User
from customercenter.services import create_verified_customer
from delegation import services
from delegation.models import Caretakership
from projects.models import Database, Domain, Invoice, Project, Server

PASSWORD = "demo-Kundencenter-2026"
SUPPORT_EMAIL = "support@example.com"

OWNER = {
    "email": "kunde@example.com",
    "company": "Bäckerei Sonnenschein",
    "first_name": "Maria",
    "last_name": "Sonne",
    "street": "Hauptstraße 1",
    "postal_code": "10115",
    "city": "Berlin",
}
SECOND_OWNER = {
    "email": "shop@example.com",
    "company": "",
    "first_name": "Jonas",
    "last_name": "Weber",
    "street": "Marktplatz 3",
    "postal_code": "80331",
    "city": "München",
}
AGENCY = {
    "email": "agentur@example.com",
    "company": "Webagentur Pixelwerk",
    "first_name": "Lena",
    "last_name": "Pixel",
}

PROJECTS = [
    ("kunde@example.com", "p10001", "Hauptseite", Project.Tariff.PLUS, "s1001", "8.3"),
    ("kunde@example.com", "p10002", "Onlineshop", Project.Tariff.PRO, "s1001", "8.2"),
    ("kunde@example.com", "p10003", "Blog", Project.Tariff.START, None, "8.1"),
    ("shop@example.com", "p20001", "Weber Fotografie", Project.Tariff.PLUS, None, "8.3"),
    ("shop@example.com", "p20002", "Weber Shop", Project.Tariff.BUSINESS, None, "8.4"),
]


class Command(BaseCommand):
    help = (
        "Load demo customers, projects and a support login (safe to run again). "
        "Runs only with DJANGO_DEBUG=true: every demo login has the password printed in the README."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-public-passwords",
            action="store_true",
            help="Create the demo logins, among them the superuser support@example.com, with the public "
            "password even though DJANGO_DEBUG is off (only for a throwaway installation).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_public_passwords"]:
            raise CommandError(
                f"DJANGO_DEBUG is off: the demo logins, among them the superuser {SUPPORT_EMAIL}, would get the "
                "password printed in the README. Use `make run` for a local installation, or add "
                "--allow-public-passwords for a throwaway one."
            )
        if not User.objects.filter(email=SUPPORT_EMAIL).exists():
            User.objects.create_superuser(email=SUPPORT_EMAIL, password=PASSWORD)
        # Staff sign in through allauth, which lets only verified addresses in.
        EmailAddress.objects.get_or_create(
            user=User.objects.get(email=SUPPORT_EMAIL),
            email=SUPPORT_EMAIL,
            defaults={"primary": True, "verified": True},
        )
        for profile in (OWNER, SECOND_OWNER):
            if not User.objects.filter(email=profile["email"]).exists():
                create_verified_customer(password=PASSWORD, **profile)
        if not User.objects.filter(email=AGENCY["email"]).exists():
            create_verified_customer(password=PASSWORD, kind=Customer.Kind.PARTNER, **AGENCY)
        owners = {
            m.user.email: m.customer for m in Membership.objects.administrators().select_related("user", "customer")
        }
        server, _ = Server.objects.get_or_create(
            number="s1001", defaults={"owner": owners[OWNER["email"]], "name": "Managed Server M"}
        )
        for email, number, name, tariff, server_number, php in PROJECTS:
            project, created = Project.objects.get_or_create(
                number=number,
                defaults={
                    "owner": owners[email],
                    "name": name,
                    "tariff": tariff,
                    "php_version": php,
                    "server": server if server_number else None,
                },
            )
            if created:
                slug = name.lower().replace(" ", "-").replace("ä", "ae")
                Domain.objects.create(project=project, name=f"{slug}-{number}.example.net", target="/")
                Database.objects.create(project=project, name=f"{number}_main", password_hash=make_password(None))
        for i, (email, amount) in enumerate(
            [(OWNER["email"], "29.90"), (OWNER["email"], "49.90"), (SECOND_OWNER["email"], "19.90")]
        ):
            Invoice.objects.get_or_create(
                number=f"R2026-{1001 + i}",
                defaults={
                    "customer": owners[email],
                    "issued_on": date(2026, 10 - i, 1),
                    "amount": Decimal(amount),
                    "status": Invoice.Status.PAID if i else Invoice.Status.OPEN,
                },
            )
        self._agency_cares_for_a_project(owners)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {PASSWORD}):"))
        for email, role in [
            (OWNER["email"], "Kunde mit Projekten p10001–p10003 und Server s1001"),
            (SECOND_OWNER["email"], "Kunde mit Projekten p20001–p20002"),
            (AGENCY["email"], "Partner (Technischer Betreuer), betreut p20001"),
            (SUPPORT_EMAIL, "Support (Admin unter /admin/)"),
        ]:
            self.stdout.write(f"  {email:<24} {role}")

    def _agency_cares_for_a_project(self, owners: dict[str, Customer]) -> None:
        """The agency already cares for p20001, through the real request flow (audited, notified)."""
        agency, project = owners[AGENCY["email"]], Project.objects.get(number="p20001")
        if Caretakership.objects.filter(caretaker=agency, project=project).exists():
            return
        request = services.request_management(caretaker=agency, project=project)
        services.accept_request(owner=project.owner, request_id=request.pk, expires_at=None)
