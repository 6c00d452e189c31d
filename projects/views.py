from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from customercenter.decorators import customer_required
from customercenter.http import AuthenticatedHttpRequest, wants_fragment
from customercenter.views import contract_page
from delegation.access import Action, ProjectAccess, Refused, accessible_projects, get_project_or_404
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
from projects.models import Invoice, Order, Server
from projects.queries import project_list_page

HISTORY_LENGTH = 50


@require_GET
@login_required
@customer_required
@vary_on_headers("HX-Request")
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProjectSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = project_list_page(request.customer, query=query, page=request.GET.get("page"))
    template = "projects/list.html"
    if wants_fragment(request):
        template += "#project-list"
    return render(request, template, {"form": form, "query": query, "page": page})


def _detail_context(access: ProjectAccess, **forms) -> dict:
    project = access.project
    defaults = {
        "php_form": PhpVersionForm(initial={"php_version": project.php_version}),
        "database_form": DatabaseCreateForm(project=project),
        "domain_form": DomainAddForm(project=project),
    }
    if access.can(Action.ORDER):
        defaults["ssl_form"] = SslOrderForm(project=project)
        defaults["register_form"] = DomainRegisterForm(project=project)
    defaults.update(forms)
    ssl_ordered = set(Order.objects.filter(project=project, kind=Order.Kind.SSL).values_list("subject", flat=True))
    return {
        "access": access,
        "project": project,
        "databases": list(project.databases.all()),
        "domains": list(project.domains.all()),
        "ssl_ordered": ssl_ordered,
        "order_refusal": None if access.can(Action.ORDER) else Action.ORDER.reason,
        "owner_only": access.refusals,
        "history": (
            project.audit_entries.select_related("actor", "actor_user")[:HISTORY_LENGTH] if access.is_owner else None
        ),
        **defaults,
    }


def _render_section(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    section: str,
    *,
    status: int = 200,
    notice: str = "",
    **forms,
) -> HttpResponse:
    """Re-render one section for htmx, or the whole page (with errors in place) without it."""
    context = _detail_context(access, **forms)
    context.update(notice=notice, notice_section=section)
    template = "projects/detail.html"
    if wants_fragment(request):
        template += f"#{section}"
    return render(request, template, context, status=status)


def _done(request: AuthenticatedHttpRequest, access: ProjectAccess, section: str, notice: str):
    if wants_fragment(request):
        response = _render_section(request, access, section, notice=notice)
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
    sections = {"php", "databases", "domains", "orders"} | ({"history"} if access.is_owner else set())
    if section in sections:
        return _render_section(request, access, section)
    return render(request, "projects/detail.html", _detail_context(access))


@require_POST
@login_required
@customer_required
def php_version(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number)
    form = PhpVersionForm(request.POST)
    if not form.is_valid():
        return _render_section(request, access, "php", status=422, php_form=form)
    services.set_php_version(access=access, version=form.cleaned_data["php_version"])
    return _done(request, access, "php", _("PHP-Version ist jetzt %(v)s.") % {"v": access.project.php_version})


@require_POST
@login_required
@customer_required
def database_create(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number)
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
            return _done(request, access, "databases", notice)
    return _render_section(request, access, "databases", status=422, database_form=form)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
def database_delete(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number)
    database = get_object_or_404(access.project.databases, name=name)
    if request.method == "POST":
        services.delete_database(access=access, database=database)
        return _done(request, access, "databases", _("Datenbank %(name)s gelöscht.") % {"name": name})
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
    access = get_project_or_404(request, number)
    database = get_object_or_404(access.project.databases, name=name)
    password = services.reset_database_password(access=access, database=database)
    notice = _("Neues Passwort für %(name)s (wird nur jetzt angezeigt): %(password)s") % {
        "name": name,
        "password": password,
    }
    return _done(request, access, "databases", notice)


@require_POST
@login_required
@customer_required
def domain_add(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    access = get_project_or_404(request, number)
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
            return _done(request, access, "domains", _("Domain %(name)s hinzugefügt.") % {"name": domain.name})
    return _render_section(request, access, "domains", status=422, domain_form=form)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
def domain_edit(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number)
    domain = get_object_or_404(access.project.domains, name=name)
    initial = {"target_kind": domain.target_kind, "target": domain.target}
    form = DomainTargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_domain_target(
            access=access,
            domain=domain,
            target_kind=form.cleaned_data["target_kind"],
            target=form.cleaned_data["target"],
        )
        return _done(request, access, "domains", _("Ziel von %(name)s gespeichert.") % {"name": name})
    status = 422 if request.method == "POST" else 200
    context = {"project": access.project, "domain": domain, "form": form}
    return render(request, "projects/domain_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
def domain_remove(request: AuthenticatedHttpRequest, number: str, name: str) -> HttpResponse:
    access = get_project_or_404(request, number)
    domain = get_object_or_404(access.project.domains, name=name)
    if request.method == "POST":
        services.remove_domain(access=access, domain=domain)
        return _done(request, access, "domains", _("Domain %(name)s entfernt.") % {"name": name})
    return _confirm(
        request,
        access,
        section="domains",
        title=_("Domain entfernen"),
        question=_("Die Domain %(name)s wird aus diesem Projekt entfernt.") % {"name": name},
        confirm_label=_("Domain entfernen"),
    )


def _confirm(request: AuthenticatedHttpRequest, access: ProjectAccess, **context) -> HttpResponse:
    return render(request, "projects/confirm.html", {"project": access.project, **context})


def _refuse(request: AuthenticatedHttpRequest, access: ProjectAccess, refusal: Refused):
    if wants_fragment(request):
        return _render_section(request, access, "orders", status=403, notice=str(refusal))
    messages.error(request, str(refusal))
    return _render_section(request, access, "orders", status=403)


def _order(
    request: AuthenticatedHttpRequest,
    number: str,
    *,
    form_class: type[SslOrderForm | DomainRegisterForm],
    form_name: str,
    place: Callable[[ProjectAccess, dict], Order],
    taken: tuple[str, str],
    done: str,
) -> HttpResponse:
    """A paid order: owner only; a form in the orders section; `taken` is the field and the
    message for a subject that is already ordered or registered."""
    access = get_project_or_404(request, number)
    try:
        access.require(Action.ORDER)
    except Refused as refusal:
        return _refuse(request, access, refusal)
    form = form_class(request.POST, project=access.project)
    if form.is_valid():
        try:
            order = place(access, form.cleaned_data)
        except IntegrityError:
            form.add_error(*taken)
        else:
            return _done(request, access, "orders", done % {"name": order.subject, "price": order.price})
    return _render_section(request, access, "orders", status=422, **{form_name: form})


@require_POST
@login_required
@customer_required
def order_ssl(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    return _order(
        request,
        number,
        form_class=SslOrderForm,
        form_name="ssl_form",
        place=lambda access, data: services.order_ssl_certificate(access=access, domain=data["domain"]),
        taken=("domain", _("Für diese Domain ist bereits ein SSL-Zertifikat bestellt.")),
        done=_("SSL-Zertifikat für %(name)s bestellt (%(price)s EUR/Jahr)."),
    )


@require_POST
@login_required
@customer_required
def order_domain(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    return _order(
        request,
        number,
        form_class=DomainRegisterForm,
        form_name="register_form",
        place=lambda access, data: services.register_domain(access=access, name=data["name"]),
        taken=("name", _("Diese Domain ist nicht mehr frei.")),
        done=_("Domain %(name)s registriert (%(price)s EUR/Jahr)."),
    )


@require_GET
@login_required
@customer_required
def server_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = Prefetch("projects", queryset=accessible_projects(request.customer).order_by("number"))
    servers = Server.objects.filter(owner=request.customer).prefetch_related(projects)
    return render(request, "projects/servers.html", {"servers": servers})


@require_GET
@login_required
@customer_required
def server_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    server = Server.objects.filter(owner=request.customer, number=number.strip().lower()).first()
    if server is None:
        raise Http404(_("Server nicht gefunden."))
    projects = accessible_projects(request.customer).filter(server=server)
    return render(request, "projects/server_detail.html", {"server": server, "projects": projects})


@require_GET
@login_required
@customer_required
@vary_on_headers("HX-Request")
def invoices(request: AuthenticatedHttpRequest) -> HttpResponse:
    customer = request.customer
    context = {
        "invoices": Invoice.objects.filter(customer=customer)[:100],
        "orders": Order.objects.filter(customer=customer).select_related("project")[:100],
    }
    return contract_page(request, "invoices", "customercenter/tab_invoices.html", context)
