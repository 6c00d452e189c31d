from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from customercenter.decorators import customer_required, role_required
from customercenter.http import AuthenticatedHttpRequest, wants_fragment
from customercenter.roles import Action
from customercenter.views import contract_page
from delegation import services
from delegation.access import caretakerships_of
from delegation.expiry import expiry_from_last_day
from delegation.forms import AcceptRequestForm, ListSearchForm, ManagementRequestForm, ReleaseForm
from delegation.models import Caretakership, ProjectRelease, Scope
from delegation.queries import (
    LISTS,
    incoming_releases,
    incoming_requests,
    outgoing_releases,
    outgoing_requests,
    overview_lists,
)
from delegation.services import DelegationError


def _overview(
    request: AuthenticatedHttpRequest,
    *,
    status: int = 200,
    notice: str = "",
    notice_level: str = "success",
    **forms,
) -> HttpResponse:
    context = {
        **overview_lists(request.customer),
        "notice": notice,
        "notice_level": notice_level,
        "request_form": forms.get("request_form") or ManagementRequestForm(caretaker=request.customer),
        "accept_error": forms.get("accept_error"),
        "back": "",
        "scopes": Scope.choices,
    }
    return contract_page(request, "caretakers", "delegation/tab_caretakers.html", context, status=status)


@require_GET
@login_required
@customer_required
@role_required(Action.CARETAKING)
@vary_on_headers("HX-Request")
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _overview(request)


@require_GET
@login_required
@customer_required
@role_required(Action.CARETAKING)
@vary_on_headers("HX-Request")
def full_list(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    """One list of the tab with all of its rows, a page at a time, searchable where that helps."""
    if name not in LISTS:
        raise Http404(_("Nicht gefunden."))
    shown = LISTS[name]
    rows = shown.rows(request.customer)
    form = ListSearchForm(request.GET)
    query = form.cleaned_data["q"] if shown.search and form.is_valid() else ""
    if query:
        rows = rows.filter(shown.search(query)).distinct()
    page = Paginator(rows, settings.PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    prefetch_related_objects(page.object_list, *shown.prefetch)
    back = "?" + urlencode({"next": request.get_full_path()})
    context = {"shown": shown, "page": page, "query": query, "back": back, "scopes": Scope.choices, "nav": "contract"}
    template = "delegation/full_list.html"
    if wants_fragment(request):
        template += "#rows"
    return render(request, template, context)


def _back(request: AuthenticatedHttpRequest) -> str:
    """Where an action returns to: the list it was started from (`?next=`), else the tab."""
    back = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return reverse("contract:caretakers")


def _act(
    request: AuthenticatedHttpRequest, action: Callable[[], object], success: str, *, done: str | None = None
) -> HttpResponse:
    """Run one state change; refusals and stale states come back as a message, not an error page.
    Either way the customer goes to `done`, if given, instead of back where it started."""
    try:
        action()
    except ObjectDoesNotExist:
        raise Http404(_("Nicht gefunden.")) from None
    except DelegationError as error:
        return _answer(request, str(error), level=messages.ERROR, status=409, back=done)
    return _answer(request, success, back=done)


def _answer(
    request: AuthenticatedHttpRequest, notice: str, *, level=messages.SUCCESS, status=200, back: str | None = None
) -> HttpResponse:
    """The tab with the notice in place for htmx; otherwise, and from a list's own page, a redirect
    back there (or to `back`) with the notice as a message."""
    if wants_fragment(request) and "next" not in request.GET and back is None:
        return _overview(request, status=status, notice=notice, notice_level="warning" if status != 200 else "success")
    messages.add_message(request, level, notice)
    back = back or _back(request)
    # htmx would follow a plain redirect inside its target; a page of its own loads as a whole.
    return HttpResponseClientRedirect(back) if wants_fragment(request) else redirect(back)


@require_POST
@login_required
@customer_required
@role_required(Action.CARETAKING)
def request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ManagementRequestForm(request.POST, caretaker=request.customer)
    if not form.is_valid():
        return _overview(request, status=422, request_form=form)
    project = form.project
    return _act(
        request,
        lambda: services.request_management(caretaker=request.customer, project=project),
        _("Antrag für %(project)s gestellt. Der Vertragspartner wird benachrichtigt.") % {"project": project.number},
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.RELEASE)
def request_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Accepting happens in the request's row. A refused expiry or scope comes back in that row on
    the tab; sent from anywhere else (`?next=`), and on a GET, the request has a page of its own
    with the errors at their fields."""
    form = AcceptRequestForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        expires_at = expiry_from_last_day(form.cleaned_data["expires_on"])
        scope = form.cleaned_data["scope"]
        return _act(
            request,
            lambda: services.accept_request(owner=request.customer, request_id=pk, expires_at=expires_at, scope=scope),
            _("Antrag angenommen. Der Technische Betreuer kann das Projekt jetzt verwalten."),
        )
    if request.method == "POST" and "next" not in request.GET:
        errors = " ".join(error for field_errors in form.errors.values() for error in field_errors)
        return _overview(request, status=422, accept_error=(pk, errors))
    item = get_object_or_404(incoming_requests(request.customer), pk=pk)
    tab = reverse("contract:caretakers")
    crumbs = [(tab, _("Technischer Betreuer"))]
    context = {"item": item, "form": form, "cancel": _back(request), "crumbs": crumbs, "nav": "contract"}
    return render(request, "delegation/accept_request.html", context, status=422 if form.is_bound else 200)


def _confirm(request: AuthenticatedHttpRequest, *, title: str, question: str, confirm_label: str) -> HttpResponse:
    """The question before a decline or a withdrawal, a page of its own (works without JavaScript);
    cancelling goes back where it was started."""
    tab = reverse("contract:caretakers")
    context = {"title": title, "question": question, "confirm_label": confirm_label, "nav": "contract"}
    crumbs = [(tab, _("Technischer Betreuer"))]
    return render(request, "confirm.html", {"crumbs": crumbs, "cancel": _back(request), **context})


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.RELEASE)
def request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        item = get_object_or_404(incoming_requests(request.customer), pk=pk)
        return _confirm(
            request,
            title=_("Antrag ablehnen"),
            question=_("%(name)s kann %(project)s dann nicht verwalten.")
            % {"name": item.caretaker.display_name, "project": item.project.number},
            confirm_label=_("Ablehnen"),
        )
    return _act(
        request,
        lambda: services.decline_request(owner=request.customer, request_id=pk),
        _("Antrag abgelehnt."),
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.CARETAKING)
def request_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        item = get_object_or_404(outgoing_requests(request.customer), pk=pk)
        return _confirm(
            request,
            title=_("Antrag zurückziehen"),
            question=_("Dein Antrag für %(project)s wird zurückgezogen.") % {"project": item.project.number},
            confirm_label=_("Zurückziehen"),
        )
    return _act(
        request,
        lambda: services.withdraw_request(caretaker=request.customer, request_id=pk),
        _("Antrag zurückgezogen."),
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.RELEASE)
def release_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {"projects": request.GET.getlist("projekt")}
    form = ReleaseForm(request.POST or None, owner=request.customer, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            release, _token = services.create_release(
                owner=request.customer,
                email=form.cleaned_data["email"],
                projects=form.cleaned_data["projects"],
                access_expires_at=expiry_from_last_day(form.cleaned_data["expires_on"]),
                scope=form.cleaned_data["scope"],
                require_mfa=form.cleaned_data["require_mfa"],
            )
        except DelegationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Freigabe erteilt. %(email)s erhält einen Link per E-Mail, der %(days)s Tage gültig ist.")
                % {"email": release.email, "days": settings.RELEASE_LINK_DAYS},
            )
            return redirect("contract:caretakers")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "delegation/release_form.html",
        {"form": form, "tab": "caretakers", "nav": "contract"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.RELEASE)
def release_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        release = get_object_or_404(outgoing_releases(request.customer), pk=pk)
        return _confirm(
            request,
            title=_("Freigabe zurückziehen"),
            question=_("Der Link an %(email)s gilt dann nicht mehr.") % {"email": release.email},
            confirm_label=_("Zurückziehen"),
        )
    return _act(
        request,
        lambda: services.withdraw_release(owner=request.customer, pk=pk),
        _("Freigabe zurückgezogen; der Link gilt nicht mehr."),
    )


@require_POST
@login_required
@customer_required
@role_required(Action.RELEASE)
def release_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        lambda: services.resend_release(owner=request.customer, pk=pk),
        _("Neuer Link versendet; der alte Link gilt nicht mehr."),
    )


def has_second_factor(request: AuthenticatedHttpRequest) -> bool:
    return Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()


@require_POST
@login_required
@customer_required
@role_required(Action.CARETAKING)
def release_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        lambda: services.accept_release(
            customer=request.customer, pk=pk, has_mfa=has_second_factor(request), person=request.user
        ),
        _("Freigabe angenommen. Die Projekte stehen jetzt in deiner Projektverwaltung."),
    )


def release_decline_question(release: ProjectRelease) -> dict[str, str]:
    """What declining a release asks, on the tab and on the link from the e-mail alike."""
    return {
        "title": _("Freigabe ablehnen"),
        "question": _("%(name)s erfährt, dass du die Freigabe abgelehnt hast; der Link gilt dann nicht mehr.")
        % {"name": release.owner.display_name},
        "confirm_label": _("Ablehnen"),
    }


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.CARETAKING)
def release_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        release = get_object_or_404(incoming_releases(request.customer), pk=pk)
        return _confirm(request, **release_decline_question(release))
    return _act(
        request,
        lambda: services.decline_release(customer=request.customer, pk=pk, person=request.user),
        _("Freigabe abgelehnt."),
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.RELEASE)
def caretakership_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        care = get_object_or_404(
            Caretakership.objects.active().select_related("project", "caretaker"),
            pk=pk,
            project__owner=request.customer,
        )
        return _confirm(
            request,
            title=_("Betreuung widerrufen"),
            question=_("%(project)s kann dann nicht mehr von %(name)s verwaltet werden.")
            % {"project": care.project.number, "name": care.caretaker.display_name},
            confirm_label=_("Widerrufen"),
        )
    return _act(
        request,
        lambda: services.revoke_caretakership(owner=request.customer, caretakership_id=pk),
        _("Betreuung widerrufen. Der Technische Betreuer hat ab sofort keinen Zugriff mehr."),
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.CARETAKING)
def caretakership_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        care = get_object_or_404(caretakerships_of(request.customer).select_related("project__owner"), pk=pk)
        return _confirm(
            request,
            title=_("Betreuung beenden"),
            question=_("Du kannst %(project)s dann nicht mehr für %(name)s verwalten.")
            % {"project": care.project.number, "name": care.project.owner.display_name},
            confirm_label=_("Betreuung beenden"),
        )
    return _act(
        request,
        lambda: services.end_caretakership(caretaker=request.customer, caretakership_id=pk),
        _("Betreuung beendet."),
        done=_outside_the_project(_back(request)),
    )


def _outside_the_project(back: str) -> str:
    """Where a caretaker goes after ending its care: back where it started, unless that was the
    project's own page, which it may not see any more; then to Projektverwaltung."""
    try:
        match = resolve(urlsplit(back).path)
    except Resolver404:
        return back
    return reverse("projects:list") if match.view_name == "projects:detail" else back
