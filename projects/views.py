from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from customercenter.decorators import customer_required, role_required
from customercenter.http import AuthenticatedHttpRequest, wants_fragment
from customercenter.roles import Action
from delegation import services as delegation_services
from delegation.access import OWNER_ONLY, ProjectAccess, accessible_projects, get_project_or_404
from delegation.expiry import expiry_from_last_day, last_day
from delegation.forms import ExpiryForm, ScopeForm
from delegation.models import Caretakership, Scope
from delegation.queries import who_has_access
from delegation.rules import DelegationError
from projects import services
from projects.forms import (
    DatabaseCreateForm,
    DomainAddForm,
    DomainRegisterForm,
    DomainTargetForm,
    PhpVersionForm,
    ProjectSearchForm,
    SslOrderForm,
)
from projects.models import Database, Domain, Order, Server
from projects.queries import project_list_page

HISTORY_LENGTH = 50


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
@vary_on_headers("HX-Request")
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProjectSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = project_list_page(request.customer, query=query, page=request.GET.get("page"))
    template = "projects/list.html"
    if wants_fragment(request):
        template += "#project-list"
    return render(request, template, {"form": form, "query": query, "page": page})


def _detail_context(access: ProjectAccess, *, bound: tuple[int, forms.Form] | None = None, **forms) -> dict:
    project = access.project
    ssl = Order.objects.filter(project=project, kind=Order.Kind.SSL, subject=OuterRef("name"))
    domains = list(project.domains.annotate(ssl_ordered=Exists(ssl)))
    defaults = {
        "php_form": PhpVersionForm(initial={"php_version": project.php_version}),
        "database_form": DatabaseCreateForm(project=project),
        "domain_form": DomainAddForm(project=project),
    }
    if access.can(Action.ORDER):
        defaults["ssl_form"] = SslOrderForm(project=project, domains=domains)
        defaults["register_form"] = DomainRegisterForm(project=project)
    defaults.update(forms)
    return {
        "access": access,
        "project": project,
        "databases": list(project.databases.all()),
        "domains": domains,
        "ssl_ordered": [domain.name for domain in domains if domain.ssl_ordered],
        "order_refusal": None if access.can(Action.ORDER) else Action.ORDER.reason,
        "refusals": [action.reason for action in OWNER_ONLY if not access.can(action)],
        "change_refusal": None if access.can(Action.CHANGE) else Action.CHANGE.reason,
        "zugriff": _zugriff(access, bound),
        "history": (
            project.audit_entries.select_related("actor", "actor_user")[:HISTORY_LENGTH] if access.is_owner else None
        ),
        **defaults,
    }


def _zugriff(access: ProjectAccess, bound: tuple[int, forms.Form] | None) -> dict:
    """For the owner: every caretaker with forms to change its expiry and scope (`bound` is one
    that came back with errors), and the requests and releases waiting for this project."""
    if not access.is_owner:
        return {}
    lists = who_has_access(access.project)
    caretakers = []
    for care in lists["caretakerships"]:
        prefix = f"care{care.pk}"
        expiry = ExpiryForm(prefix=prefix, initial={"expires_on": last_day(care.expires_at)})
        scope = ScopeForm(prefix=prefix, initial={"scope": care.scope})
        if bound and bound[0] == care.pk:
            expiry, scope = (bound[1], scope) if isinstance(bound[1], ExpiryForm) else (expiry, bound[1])
        caretakers.append((care, expiry, scope))
    # A change of a caretakership that is not listed any more (it ended meanwhile) says why here.
    listed = {care.pk for care in lists["caretakerships"]}
    problems = bound[1].non_field_errors() if bound and bound[0] not in listed else []
    # Decisions taken here come back here.
    back = "?" + urlencode({"next": reverse("projects:detail", args=[access.project.number])})
    return {"caretakers": caretakers, "problems": problems, "back": back, "scopes": Scope.choices, **lists}


def render_section(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    section: str,
    *,
    status: int = 200,
    notice: str = "",
    bound: tuple[int, forms.Form] | None = None,
    **forms,
) -> HttpResponse:
    """Re-render one section for htmx, or the whole page (with errors in place) without it."""
    context = _detail_context(access, bound=bound, **forms)
    context.update(notice=notice, notice_section=section)
    template = "projects/detail.html"
    if wants_fragment(request):
        template += f"#{section}"
    return render(request, template, context, status=status)


def section_done(request: AuthenticatedHttpRequest, access: ProjectAccess, section: str, notice: str):
    if wants_fragment(request):
        response = render_section(request, access, section, notice=notice)
        response["HX-Trigger"] = "projectChanged"
        return response
    messages.success(request, notice)
    return redirect(reverse("projects:detail", args=[access.project.number]) + f"#{section}")


@require_GET
@login_required
@customer_required
@vary_on_headers("HX-Request")
def project_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number)
    section = request.GET.get("section", "")
    sections = {"php", "databases", "domains", "orders"} | ({"history", "access"} if access.is_owner else set())
    if section in sections:
        return render_section(request, access, section)
    return render(request, "projects/detail.html", _detail_context(access))


@require_POST
@login_required
@customer_required
def php_version(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    form = PhpVersionForm(request.POST)
    if not form.is_valid():
        return render_section(request, access, "php", status=422, php_form=form)
    services.set_php_version(access=access, version=form.cleaned_data["php_version"])
    return section_done(request, access, "php", _("PHP-Version ist jetzt %(v)s.") % {"v": access.project.php_version})


@require_POST
@login_required
@customer_required
def database_create(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    form = DatabaseCreateForm(request.POST, project=access.project)
    if form.is_valid():
        try:
            database, password = services.create_database(access=access, name=form.database_name())
        except IntegrityError:
            form.add_error("suffix", _("Diese Datenbank gibt es schon."))
        else:
            notice = _("Datenbank %(name)s angelegt. Passwort (wird nur jetzt angezeigt): %(password)s") % {
                "name": database.name,
                "password": password,
            }
            return section_done(request, access, "databases", notice)
    return render_section(request, access, "databases", status=422, database_form=form)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
def database_delete(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    database = get_object_or_404(access.project.databases, name=name)
    if request.method == "POST":
        try:
            services.delete_database(access=access, database=database)
        except Database.DoesNotExist:  # deleted at the same moment by someone else
            raise Http404(_("Nicht gefunden.")) from None
        return section_done(request, access, "databases", _("Datenbank %(name)s gelöscht.") % {"name": name})
    return _confirm(
        request,
        access,
        section="databases",
        title=_("Datenbank löschen"),
        question=_("Die Datenbank %(name)s und alle ihre Daten werden endgültig gelöscht.") % {"name": name},
        confirm_label=_("Endgültig löschen"),
    )


@require_POST
@login_required
@customer_required
def database_reset_password(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    database = get_object_or_404(access.project.databases, name=name)
    try:
        password = services.reset_database_password(access=access, database=database)
    except Database.DoesNotExist:  # deleted at the same moment
        raise Http404(_("Nicht gefunden.")) from None
    notice = _("Neues Passwort für %(name)s (wird nur jetzt angezeigt): %(password)s") % {
        "name": name,
        "password": password,
    }
    return section_done(request, access, "databases", notice)


@require_POST
@login_required
@customer_required
def domain_add(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    form = DomainAddForm(request.POST, project=access.project)
    if form.is_valid():
        try:
            domain = services.add_domain(
                access=access,
                name=form.cleaned_data["name"],
                target_kind=form.cleaned_data["target_kind"],
                target=form.cleaned_data["target"],
            )
        except IntegrityError:
            form.add_error("name", _("Diese Domain ist bereits einem Projekt zugeordnet."))
        else:
            return section_done(request, access, "domains", _("Domain %(name)s hinzugefügt.") % {"name": domain.name})
    return render_section(request, access, "domains", status=422, domain_form=form)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
def domain_edit(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    domain = get_object_or_404(access.project.domains, name=name)
    initial = {"target_kind": domain.target_kind, "target": domain.target}
    form = DomainTargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_domain_target(
                access=access,
                domain=domain,
                target_kind=form.cleaned_data["target_kind"],
                target=form.cleaned_data["target"],
            )
        except Domain.DoesNotExist:  # removed at the same moment
            raise Http404(_("Nicht gefunden.")) from None
        return section_done(request, access, "domains", _("Ziel von %(name)s gespeichert.") % {"name": name})
    status = 422 if request.method == "POST" else 200
    context = {"project": access.project, "domain": domain, "form": form}
    return render(request, "projects/domain_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
def domain_remove(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number, write=True)
    domain = get_object_or_404(access.project.domains, name=name)
    if request.method == "POST":
        try:
            services.remove_domain(access=access, domain=domain)
        except Domain.DoesNotExist:  # removed at the same moment by someone else
            raise Http404(_("Nicht gefunden.")) from None
        return section_done(request, access, "domains", _("Domain %(name)s entfernt.") % {"name": name})
    return _confirm(
        request,
        access,
        section="domains",
        title=_("Domain entfernen"),
        question=_("Die Domain %(name)s wird aus diesem Projekt entfernt.") % {"name": name},
        confirm_label=_("Domain entfernen"),
    )


def _confirm(request: AuthenticatedHttpRequest, access: ProjectAccess, *, section: str, **context) -> HttpResponse:
    page = reverse("projects:detail", args=[access.project.number])
    crumbs = [(reverse("projects:list"), _("Projektverwaltung")), (page, access.project.number)]
    return render(request, "confirm.html", {"crumbs": crumbs, "cancel": f"{page}#{section}", **context})


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
def server_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = Prefetch("projects", queryset=accessible_projects(request.customer).order_by("number"))
    servers = Server.objects.filter(owner=request.customer).prefetch_related(projects)
    return render(request, "projects/servers.html", {"servers": servers})


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
def server_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    server = Server.objects.filter(owner=request.customer, number=number.strip().lower()).first()
    if server is None:
        raise Http404(_("Server nicht gefunden."))
    projects = accessible_projects(request.customer).filter(server=server)
    return render(request, "projects/server_detail.html", {"server": server, "projects": projects})


def _change_caretakership(
    request: AuthenticatedHttpRequest,
    number: str,
    pk: int,
    *,
    form_class: type[ExpiryForm | ScopeForm],
    change: Callable[[dict], object],
    done: str,
) -> HttpResponse:
    """The owner changes one term of a caretakership in the Zugriff section."""
    access = get_project_or_404(request, number)
    access.require(Action.RELEASE)
    form = form_class(request.POST, prefix=f"care{pk}")
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except Caretakership.DoesNotExist:
            raise Http404(_("Nicht gefunden.")) from None
        except DelegationError as error:
            form.add_error(None, str(error))
        else:
            return section_done(request, access, "access", done)
    return render_section(request, access, "access", status=422, bound=(pk, form))


@require_POST
@login_required
@customer_required
def caretakership_expiry(request: AuthenticatedHttpRequest, number: str, pk: int) -> HttpResponse:
    return _change_caretakership(
        request,
        number,
        pk,
        form_class=ExpiryForm,
        change=lambda data: delegation_services.change_expiry(
            owner=request.customer, caretakership_id=pk, expires_at=expiry_from_last_day(data["expires_on"])
        ),
        done=_("Ablaufdatum der Betreuung geändert."),
    )


@require_POST
@login_required
@customer_required
def caretakership_scope(request: AuthenticatedHttpRequest, number: str, pk: int) -> HttpResponse:
    return _change_caretakership(
        request,
        number,
        pk,
        form_class=ScopeForm,
        change=lambda data: delegation_services.change_scope(
            owner=request.customer, caretakership_id=pk, scope=data["scope"]
        ),
        done=_("Umfang der Betreuung geändert."),
    )
