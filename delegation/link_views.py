"""The link from the release e-mail: whoever holds it may look; only the invited account answers."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customercenter.decorators import customer_required, role_required
from customercenter.http import AuthenticatedHttpRequest, customer_of
from customercenter.roles import Action
from customercenter.tokens import hash_token
from delegation import rules, services
from delegation.models import ProjectRelease
from delegation.services import DelegationError, WrongAccount
from delegation.views import has_second_factor, release_decline_question
from projects.models import Project


def _release_by_token(token: str) -> ProjectRelease | None:
    projects = Prefetch("projects", queryset=Project.objects.only("id", "number", "name", "owner_id"))
    try:
        return (
            ProjectRelease.objects.select_related("owner").prefetch_related(projects).get(token_hash=hash_token(token))
        )
    except ProjectRelease.DoesNotExist:
        return None


def _link_page(request, token: str, release: ProjectRelease | None, *, status: int = 200, problem: str = ""):
    context, status = _link_context(request, token, release, status=status, problem=problem)
    return render(request, "delegation/release_link.html", context, status=status)


def _link_context(request, token: str, release: ProjectRelease | None, *, status: int = 200, problem: str = ""):
    """What the link page shows, and its status: the release's details only to the invited account
    (`show_details`); anyone else why not."""
    customer = customer_of(request)
    if release is None:
        problem = _(
            "Dieser Link ist ungültig. Vielleicht wurde er unvollständig kopiert oder inzwischen durch einen "
            "neueren Link ersetzt."
        )
        status = 404
    elif not problem:
        problem = rules.release_state_problem(release) or ""
    context = {"token": token, "release": release, "problem": problem, "customer": customer}
    if release is not None and not problem and customer is not None:
        try:
            rules.check_recipient(release, customer, request.user)
        except WrongAccount as error:
            context["wrong_account"] = str(error)
        except DelegationError as error:
            context["problem"] = str(error)
    if release is not None and not context["problem"] and customer is None:
        # Whoever holds the link can read that mailbox: a sign-up from here needs no second check.
        request.session["account_verified_email"] = release.email
    context["show_details"] = (
        release is not None and customer is not None and not context["problem"] and "wrong_account" not in context
    )
    return context, status


@require_GET
@never_cache
def release_link(request, token: str) -> HttpResponse:
    """Shows the release; a GET never changes anything (mail scanners follow links)."""
    return _link_page(request, token, _release_by_token(token))


def _answer_link(request: AuthenticatedHttpRequest, token: str, action: Callable[[], object], success: str):
    try:
        action()
    except ObjectDoesNotExist:
        return _link_page(request, token, None)
    except DelegationError as error:
        return _link_page(request, token, _release_by_token(token), status=409, problem=str(error))
    messages.success(request, success)
    return redirect("contract:caretakers")


@require_POST
@login_required
@customer_required
@role_required(Action.CARETAKING)
def release_link_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    return _answer_link(
        request,
        token,
        lambda: services.accept_release(
            customer=request.customer, token=token, has_mfa=has_second_factor(request), person=request.user
        ),
        _("Freigabe angenommen. Die Projekte stehen jetzt in deiner Projektverwaltung."),
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
@customer_required
@role_required(Action.CARETAKING)
def release_link_decline(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return _decline_question(request, token)
    return _answer_link(
        request,
        token,
        lambda: services.decline_release(customer=request.customer, token=token, person=request.user),
        _("Freigabe abgelehnt."),
    )


def _decline_question(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The question before declining by link, a page of its own that works without JavaScript.
    Only the invited account is asked; anyone else sees the link page and why."""
    release = _release_by_token(token)
    context, status = _link_context(request, token, release)
    if not context["show_details"]:
        return render(request, "delegation/release_link.html", context, status=status)
    link = reverse("release_link", args=[token])
    context = {**release_decline_question(release), "crumbs": [(link, _("Projektfreigabe"))], "cancel": link}
    return render(request, "confirm.html", context)
