"""What goes in and out of the API. Input refuses unknown fields and NUL bytes; the rules of the
product (p-numbers, expiry dates, limits) are checked by the same forms the pages use.

Descriptions are part of the public documentation, in the caller's language; class docstrings
would be too (untranslated), so the schemas explain themselves in comments."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from delegation.expiry import last_day
from delegation.models import Caretakership, Scope
from projects.models import Project


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "NUL bytes are not allowed")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class Role(StrEnum):
    OWNER = "owner"
    CARETAKER = "caretaker"


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class CustomerOut(Schema):
    number: int
    name: str = Field(validation_alias="display_name")


class CaretakershipOut(Schema):
    id: int
    project: str = Field(validation_alias="project.number")
    owner: CustomerOut = Field(validation_alias="project.owner")
    caretaker: CustomerOut
    scope: Scope = Field(
        description=_("Umfang der Betreuung: `technical` (Technische Verwaltung) oder `read` (Nur lesen).")
    )
    source: str
    started_at: datetime
    expires_at: datetime | None = Field(description=_("Der erste Zeitpunkt ohne Zugriff; null: unbefristet."))
    last_day: date | None = Field(description=_("Der letzte Tag mit Zugriff; null: unbefristet."))

    @staticmethod
    def resolve_last_day(care: Caretakership) -> date | None:
        return last_day(care.expires_at)


class ProjectOut(Schema):
    # A project with the caller's role in it (`care_scope`, `care_expires_at`: of the caretakership
    # that gives a caretaker access, None for the owner; see delegation.access.with_own_caretakership).

    number: str
    name: str
    tariff: str
    php_version: str
    server: str | None
    owner: CustomerOut
    role: Role
    scope: Scope | None = Field(description=_("Der Umfang deiner Betreuung; null, wenn du der Vertragspartner bist."))
    access_expires_at: datetime | None = Field(
        description=_(
            "Wann dein Zugriff als Technischer Betreuer endet; null: unbefristet (oder du bist der Vertragspartner)."
        )
    )

    @staticmethod
    def resolve_server(project: Project) -> str | None:
        return project.server.number if project.server else None

    @staticmethod
    def resolve_role(project: Project) -> Role:
        return Role.CARETAKER if project.care_scope else Role.OWNER

    @staticmethod
    def resolve_scope(project: Project) -> str | None:
        return project.care_scope

    @staticmethod
    def resolve_access_expires_at(project: Project) -> datetime | None:
        return project.care_expires_at


class ProjectDetailOut(ProjectOut):
    access: list[CaretakershipOut] = Field(
        description=_(
            "Wer das Projekt jetzt betreut: für den Vertragspartner alle Technischen Betreuer, "
            "für einen Technischen Betreuer seine eigene Betreuung."
        )
    )


class PhpVersionIn(Input):
    version: Text


class DatabaseIn(Input):
    suffix: Text = Field(description=_("Der Name nach der Projektnummer: Kleinbuchstaben, Ziffern und Unterstrich."))


class DatabaseOut(Schema):
    name: str
    created_at: datetime
    password_changed_at: datetime


class DatabasePasswordOut(Schema):
    name: str
    password: str = Field(description=_("Steht nur in dieser Antwort; es wird nicht gespeichert."))


class DomainOut(Schema):
    name: str
    target_kind: str
    target: str


class DomainTargetIn(Input):
    target_kind: Text = Field(
        description=_("`path` (ein Verzeichnis im Webspace) oder `redirect` (eine https://-Adresse).")
    )
    target: Text


class DomainIn(DomainTargetIn):
    name: Text


class HistoryOut(Schema):
    id: int
    created_at: datetime
    action: str
    action_display: str
    role: str
    actor: CustomerOut | None
    via_token: str
    subject: str
    old_value: str
    new_value: str
    scope: str


class ManagementRequestIn(Input):
    project: Text = Field(description=_("Die Projektnummer, z. B. p12345."))


class ManagementRequestOut(Schema):
    id: int
    project: str = Field(validation_alias="project.number")
    caretaker: CustomerOut
    status: str
    created_at: datetime
    lapses_at: datetime


class AcceptIn(Input):
    expires_on: date | None = Field(default=None, description=_("Der letzte Tag mit Zugriff; null: unbefristet."))
    scope: Scope = Field(
        default=Scope.TECHNICAL,
        description=_("Umfang der Betreuung: `technical` (Technische Verwaltung) oder `read` (Nur lesen)."),
    )


class ReleaseIn(Input):
    email: Text
    projects: list[Text] = Field(max_length=500, description=_("Projektnummern eigener Projekte."))
    expires_on: date | None = Field(default=None, description=_("Der letzte Tag mit Zugriff; null: unbefristet."))
    scope: Scope = Field(
        default=Scope.TECHNICAL,
        description=_("Umfang der Betreuung: `technical` (Technische Verwaltung) oder `read` (Nur lesen)."),
    )
    require_mfa: bool = False


class ReleaseOut(Schema):
    id: int
    owner: CustomerOut
    email: str
    projects: list[str]
    status: str
    scope: str
    require_mfa: bool
    access_expires_at: datetime | None
    link_expires_at: datetime
    created_at: datetime
    delivery_failed_at: datetime | None

    @staticmethod
    def resolve_projects(release) -> list[str]:
        return [project.number for project in release.projects.all()]


class CaretakershipChangeIn(Input):
    expires_on: date | None = Field(default=None, description=_("Der neue letzte Tag mit Zugriff; null: unbefristet."))
    scope: Scope | None = Field(
        default=None,
        description=_("Umfang der Betreuung: `technical` (Technische Verwaltung) oder `read` (Nur lesen)."),
    )
