"""What goes in and out of the API. Input refuses unknown fields and NUL bytes; the rules of the
product (p-numbers, expiry dates, limits) are checked by the same forms the pages use."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

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
    scope: Scope
    source: str
    started_at: datetime
    expires_at: datetime | None = Field(description="The first moment without access; null: no expiry.")
    last_day: date | None = Field(description="The last day on which access works; null: no expiry.")

    @staticmethod
    def resolve_last_day(care: Caretakership) -> date | None:
        return last_day(care.expires_at)


class ProjectOut(Schema):
    """A project with the caller's role in it (`care_scope`, `care_expires_at`: of the caretakership
    that gives a caretaker access, None for the owner; see delegation.access.with_own_caretakership)."""

    number: str
    name: str
    tariff: str
    php_version: str
    server: str | None
    owner: CustomerOut
    role: Role
    scope: Scope | None = Field(description="The caretaker's scope; null for the owner.")
    access_expires_at: datetime | None = Field(description="When the caretaker's access ends; null: no expiry.")

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
        description="Who cares for the project now: every caretaker for the owner, its own caretakership "
        "for a caretaker."
    )


class PhpVersionIn(Input):
    version: Text


class DatabaseIn(Input):
    suffix: Text = Field(description="The name after the project number: lower-case letters, digits, underscore.")


class DatabaseOut(Schema):
    name: str
    created_at: datetime
    password_changed_at: datetime


class DatabasePasswordOut(Schema):
    name: str
    password: str = Field(description="Shown in this response only; it is not stored.")


class DomainOut(Schema):
    name: str
    target_kind: str
    target: str


class DomainTargetIn(Input):
    target_kind: Text = Field(description="`path` (a directory in the webspace) or `redirect` (an https:// address).")
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


class ManagementRequestIn(Input):
    project: Text = Field(description="The p-number of the project, e.g. p12345.")


class ManagementRequestOut(Schema):
    id: int
    project: str = Field(validation_alias="project.number")
    caretaker: CustomerOut
    status: str
    created_at: datetime
    lapses_at: datetime


class AcceptIn(Input):
    expires_on: date | None = Field(default=None, description="The last day of access; null: no expiry.")
    scope: Scope = Scope.TECHNICAL


class ReleaseIn(Input):
    email: Text
    projects: list[Text] = Field(max_length=500, description="p-numbers of own projects.")
    expires_on: date | None = None
    scope: Scope = Scope.TECHNICAL
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
    expires_on: date | None = Field(default=None, description="The new last day; null removes the expiry.")
    scope: Scope | None = None
