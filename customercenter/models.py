from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

CUSTOMER_NUMBER_OFFSET = 100_000


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One login: an e-mail address and a password (plus an optional second factor)."""

    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    name = models.CharField(_("Name"), max_length=200, blank=True)
    is_staff = models.BooleanField(_("Mitarbeiter"), default=False)
    is_active = models.BooleanField(_("aktiv"), default=True)
    date_joined = models.DateTimeField(_("registriert am"), default=timezone.now)
    language = models.CharField(_("Sprache"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    @property
    def display_name(self) -> str:
        return self.name or self.email


class CustomerNumber(models.Model):
    """Hands out customer numbers: an auto-increment row per number, so none is ever reused."""

    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vergebene Kundennummer")
        verbose_name_plural = _("vergebene Kundennummern")

    def __str__(self) -> str:
        return str(CUSTOMER_NUMBER_OFFSET + self.pk)


def customer_matching(query: str, *, via: str = "") -> Q:
    """Customers whose company or name contains `query`, or whose customer number it is; `via`
    ("owner__") reaches the customer from another model."""
    condition = Q()
    for field in ("company", "first_name", "last_name"):
        condition |= Q(**{f"{via}{field}__icontains": query})
    if query.isdecimal() and query.isascii():
        condition |= Q(**{f"{via}number": int(query)})
    return condition


def display_name(company: str, first_name: str, last_name: str) -> str:
    """How a customer is named on a page: the company, with the person behind it if there is one."""
    person = f"{first_name} {last_name}".strip()
    return f"{company} ({person})" if company and person else company or person


def name_with_number(company: str, person: str, number: int | None) -> str:
    """Name and customer number in one pair of brackets, in the language of the moment:
    "Bäckerei Sonnenschein (Maria Sonne, Kundennummer 100001)"."""
    if company and person:
        return gettext("%(company)s (%(person)s, Kundennummer %(number)s)") % {
            "company": company,
            "person": person,
            "number": number,
        }
    return gettext("%(name)s (Kundennummer %(number)s)") % {"name": company or person, "number": number}


class Customer(models.Model):
    class Kind(models.TextChoices):
        HOSTING = "hosting", _("Hosting-Kunde")
        PARTNER = "partner", _("Partnerprogramm")

    number = models.PositiveIntegerField(_("Kundennummer"), unique=True, null=True, blank=True, editable=False)
    kind = models.CharField(_("Art"), max_length=16, choices=Kind.choices, default=Kind.HOSTING)
    company = models.CharField(_("Firma"), max_length=200, blank=True)
    first_name = models.CharField(_("Vorname"), max_length=100)
    last_name = models.CharField(_("Nachname"), max_length=100)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("PLZ"), max_length=10, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    country = CountryField(_("Land"), default="DE")
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    technik_may_decide = models.BooleanField(
        _("Technik darf Projekte freigeben und Anträge beantworten"),
        default=False,
        help_text=_("Sonst tun das nur Administratoren dieses Kontos."),
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Kunde")
        verbose_name_plural = _("Kunden")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number or '–'} · {self.display_name}"

    @property
    def display_name(self) -> str:
        return display_name(self.company, self.first_name, self.last_name)

    @property
    def name_with_number(self) -> str:
        return name_with_number(self.company, f"{self.first_name} {self.last_name}".strip(), self.number)

    @property
    def account_name(self) -> str:
        """The account beside the person acting for it: its company, else its customer's name."""
        return self.company or self.display_name

    @property
    def is_active_customer(self) -> bool:
        return self.number is not None

    def assign_number(self) -> None:
        if self.number is None:
            self.number = CUSTOMER_NUMBER_OFFSET + CustomerNumber.objects.create().pk
            self.save(update_fields=["number"])


class Role(models.TextChoices):
    """A member's role in a customer account; what each may do is stated in customercenter/roles.py."""

    ADMINISTRATOR = "administrator", _("Administrator")
    TECHNIK = "technik", _("Technik")
    BUCHHALTUNG = "buchhaltung", _("Buchhaltung")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def administrators(self) -> MembershipQuerySet:
        return self.filter(role=Role.ADMINISTRATOR)


class Membership(models.Model):
    """A person (a login) in a customer account, with a role there: the only record of who
    belongs to an account. A person may belong to several accounts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Person")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Kunde")
    )
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("Mitglied seit"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("Mitglied")
        verbose_name_plural = _("Mitglieder")
        ordering = ["customer", "user__email"]
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="one_membership_per_person")]

    def __str__(self) -> str:
        return f"{self.user} · {self.customer} · {self.get_role_display()}"

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(status=Invitation.Status.PENDING)


class Invitation(models.Model):
    """An invitation by e-mail to join a customer account with a role. Like a release link: the
    token is random and stored only as a hash, used once, expires, and is accepted (POST) only by
    the person whose verified address was invited; sending it again replaces the token."""

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        ACCEPTED = "accepted", _("angenommen")
        WITHDRAWN = "withdrawn", _("zurückgezogen")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("Kunde")
    )
    email = models.EmailField(_("E-Mail-Adresse"))
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("eingeladen von"),
    )
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("gesendet am"), default=timezone.now)
    expires_at = models.DateTimeField(_("Link gültig bis"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "email"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.customer}"


class SecondFactor(Authenticator):
    """allauth's second factors (TOTP, recovery codes) under a German name in the admin."""

    class Meta:
        proxy = True
        verbose_name = _("Zweiter Faktor")
        verbose_name_plural = _("Zweite Faktoren")
