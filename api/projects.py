"""Projects: the list and page of each, its PHP version, databases, domains and history.

Every project is fetched through `delegation.access`, and every change is made by the same
service as on the project page."""

from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Status
from ninja.pagination import paginate

from api.auth import change, customer
from api.errors import ApiError, form_errors, not_found
from api.pagination import CursorPagination
from api.schemas import (
    DatabaseIn,
    DatabaseOut,
    DatabasePasswordOut,
    DomainIn,
    DomainOut,
    DomainTargetIn,
    HistoryOut,
    PhpVersionIn,
    ProjectDetailOut,
    ProjectOut,
    Role,
    Text,
)
from delegation.access import (
    ProjectAccess,
    accessible_projects,
    cared_for_projects,
    project_access,
    with_own_caretakership,
)
from delegation.models import Caretakership
from projects import services
from projects.forms import DatabaseCreateForm, DomainAddForm, DomainTargetForm, PhpVersionForm
from projects.models import Database, Domain, Project
from projects.numbers import PROJECT_NUMBER_RE, normalise_number
from projects.queries import matching

router = Router(tags=[gettext_lazy("Projekte")])

# Rows per page unless `page_size` asks for more (at most 200): as many as Projektverwaltung shows.
PAGE_SIZE = 25
# The columns a listed project shows (ProjectOut), and no others: a page reads no addresses.
LISTED = (
    "number",
    "name",
    "tariff",
    "php_version",
    "server__number",
    "owner__number",
    "owner__company",
    "owner__first_name",
    "owner__last_name",
)


def project_or_404(request: HttpRequest, number: str) -> ProjectAccess:
    """The caller's access to the project; 404 for a number it may not see, as on the pages."""
    number = normalise_number(number)
    if PROJECT_NUMBER_RE.match(number):
        try:
            return project_access(customer(request), number=number, membership=request.auth.membership)
        except (Project.DoesNotExist, Caretakership.DoesNotExist):
            pass
    raise not_found(_("Projekt nicht gefunden."))


def _with_access(access: ProjectAccess) -> Project:
    """The project as the list gives it: with the caretakership that gives the caller access."""
    project = access.project
    care = access.caretakership
    project.care_scope, project.care_expires_at = (care.scope, care.expires_at) if care else (None, None)
    return project


@router.get(
    "/projects",
    response=list[ProjectOut],
    summary=gettext_lazy("Projekte auflisten"),
    description=gettext_lazy(
        "Eigene und betreute Projekte, nach Projektnummer sortiert. `role` (`owner` oder `caretaker`) zeigt "
        "nur eine Art, `q` sucht in Projektnummer, Name und Vertragspartner."
    ),
)
@paginate(CursorPagination, ordering=("number",), page_size=PAGE_SIZE, max_page_size=200)
def list_projects(request: HttpRequest, role: Role | None = None, q: Text = "") -> QuerySet:
    me = customer(request)
    if role == Role.CARETAKER:
        projects = cared_for_projects(me)
    else:
        projects = with_own_caretakership(accessible_projects(me), me)
        if role == Role.OWNER:
            projects = projects.filter(owner=me)
    projects = projects.select_related("owner", "server").only(*LISTED)
    q = q.strip()[:100]
    if q:
        projects = projects.filter(matching(q))
    return projects


@router.get("/projects/{number}", response=ProjectDetailOut, summary=gettext_lazy("Ein Projekt und wer Zugriff hat"))
def project_detail(request: HttpRequest, number: str):
    access = project_or_404(request, number)
    caretakerships = Caretakership.objects.active().filter(project=access.project)
    if not access.is_owner:
        caretakerships = caretakerships.filter(pk=access.caretakership.pk)
    caretakerships = caretakerships.select_related("project__owner", "caretaker").order_by("started_at")
    project = _with_access(access)
    project.access = list(caretakerships)
    return project


@router.put("/projects/{number}/php-version", response=ProjectOut, summary=gettext_lazy("PHP-Version ändern"))
def set_php_version(request: HttpRequest, number: str, payload: PhpVersionIn):
    with change(request):
        access = project_or_404(request, number)
        form = PhpVersionForm({"php_version": payload.version})
        if not form.is_valid():
            raise form_errors(form, rename={"php_version": "version"})
        services.set_php_version(access=access, version=form.cleaned_data["php_version"])
    return _with_access(access)


@router.get("/projects/{number}/databases", response=list[DatabaseOut], summary=gettext_lazy("Datenbanken"))
def list_databases(request: HttpRequest, number: str):
    return list(project_or_404(request, number).project.databases.all())


@router.post(
    "/projects/{number}/databases", response={201: DatabasePasswordOut}, summary=gettext_lazy("Datenbank anlegen")
)
def create_database(request: HttpRequest, number: str, payload: DatabaseIn):
    with change(request):
        access = project_or_404(request, number)
        form = DatabaseCreateForm({"suffix": payload.suffix}, project=access.project)
        if not form.is_valid():
            raise form_errors(form)
        try:
            database, password = services.create_database(access=access, name=form.database_name())
        except IntegrityError:
            raise ApiError(409, "conflict", _("Diese Datenbank gibt es schon.")) from None
    return Status(201, {"name": database.name, "password": password})


def _database(access: ProjectAccess, name: str) -> Database:
    database = access.project.databases.filter(name=name).first() if "\x00" not in name else None
    if database is None:
        raise not_found(_("Diese Datenbank gibt es in diesem Projekt nicht."))
    return database


@router.delete("/projects/{number}/databases/{name}", response={204: None}, summary=gettext_lazy("Datenbank löschen"))
def delete_database(request: HttpRequest, number: str, name: str):
    with change(request):
        access = project_or_404(request, number)
        services.delete_database(access=access, database=_database(access, name))
    return Status(204, None)


@router.post(
    "/projects/{number}/databases/{name}/password",
    response=DatabasePasswordOut,
    summary=gettext_lazy("Datenbank-Passwort neu setzen"),
)
def reset_database_password(request: HttpRequest, number: str, name: str):
    with change(request):
        access = project_or_404(request, number)
        database = _database(access, name)
        password = services.reset_database_password(access=access, database=database)
    return {"name": database.name, "password": password}


@router.get("/projects/{number}/domains", response=list[DomainOut], summary=gettext_lazy("Domains und ihre Ziele"))
def list_domains(request: HttpRequest, number: str):
    return list(project_or_404(request, number).project.domains.all())


@router.post("/projects/{number}/domains", response={201: DomainOut}, summary=gettext_lazy("Domain hinzufügen"))
def add_domain(request: HttpRequest, number: str, payload: DomainIn):
    with change(request):
        access = project_or_404(request, number)
        form = DomainAddForm(payload.dict(), project=access.project)
        if not form.is_valid():
            raise form_errors(form)
        try:
            domain = services.add_domain(access=access, **form.cleaned_data)
        except IntegrityError:
            raise ApiError(409, "conflict", _("Diese Domain ist bereits einem Projekt zugeordnet.")) from None
    return Status(201, domain)


def _domain(access: ProjectAccess, name: str) -> Domain:
    domain = access.project.domains.filter(name=name.lower()).first() if "\x00" not in name else None
    if domain is None:
        raise not_found(_("Diese Domain gibt es in diesem Projekt nicht."))
    return domain


@router.delete("/projects/{number}/domains/{name}", response={204: None}, summary=gettext_lazy("Domain entfernen"))
def remove_domain(request: HttpRequest, number: str, name: str):
    with change(request):
        access = project_or_404(request, number)
        services.remove_domain(access=access, domain=_domain(access, name))
    return Status(204, None)


@router.put(
    "/projects/{number}/domains/{name}/target", response=DomainOut, summary=gettext_lazy("Ziel einer Domain ändern")
)
def set_domain_target(request: HttpRequest, number: str, name: str, payload: DomainTargetIn):
    with change(request):
        access = project_or_404(request, number)
        domain = _domain(access, name)
        form = DomainTargetForm(payload.dict())
        if not form.is_valid():
            raise form_errors(form)
        return services.set_domain_target(
            access=access,
            domain=domain,
            target_kind=form.cleaned_data["target_kind"],
            target=form.cleaned_data["target"],
        )


@router.get(
    "/projects/{number}/history",
    response=list[HistoryOut],
    summary=gettext_lazy("Verlauf eines Projekts"),
    description=gettext_lazy(
        "Wer was geändert hat, das Neueste zuerst; nur für den Vertragspartner, wie auf der Projektseite."
    ),
)
@paginate(CursorPagination, ordering=("-pk",), page_size=PAGE_SIZE, max_page_size=200)
def project_history(request: HttpRequest, number: str) -> QuerySet:
    access = project_or_404(request, number)
    if not access.is_owner:
        raise ApiError(403, "owner_only", _("Den Verlauf eines Projekts sieht nur der Vertragspartner."))
    return access.project.audit_entries.select_related("actor")
