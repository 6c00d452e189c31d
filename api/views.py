"""API-Tokens in the account settings: list, create (after re-authentication, shown once), revoke."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from api.forms import AccessTokenForm
from api.models import AccessToken
from api.tokens import create_token, revoke_token
from customercenter.decorators import customer_required, role_required
from customercenter.http import AuthenticatedHttpRequest
from customercenter.roles import Action, member_may
from delegation.expiry import expiry_from_last_day


def recently_reauthenticated(request: AuthenticatedHttpRequest) -> bool:
    """Confirmed through allauth's re-authentication within ACCOUNT_REAUTHENTICATION_TIMEOUT; an
    account with a second factor must have confirmed with it, not only with its password."""
    methods = {"mfa"} if is_mfa_enabled(request.user) else {"password", "mfa"}
    confirmed = [
        record["at"]
        for record in get_authentication_records(request, request.user)
        if record.get("reauthenticated") and record.get("method") in methods
    ]
    return bool(confirmed) and time.time() - confirmed[-1] < account_settings.REAUTHENTICATION_TIMEOUT


def tokens_of(request: AuthenticatedHttpRequest) -> QuerySet[AccessToken]:
    """The tokens a member manages: an administrator all of the account's, anyone else its own."""
    tokens = request.customer.access_tokens.all()
    if member_may(request.membership, Action.MEMBERS):
        return tokens
    return tokens.filter(created_by=request.user)


def _reauthenticate(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = "mfa_reauthenticate" if is_mfa_enabled(request.user) else "account_reauthenticate"
    return redirect(reverse(page) + "?" + urlencode({"next": reverse("api_tokens:new")}))


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    tokens = tokens_of(request).order_by("revoked_at", "-created_at")
    return render(request, "api/tokens.html", {"tokens": tokens})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.PROJECTS)
def token_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not recently_reauthenticated(request):
        return _reauthenticate(request)
    form = AccessTokenForm(request.POST or None, customer=request.customer)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = create_token(
                customer=request.customer,
                created_by=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=expiry_from_last_day(form.cleaned_data["expires_on"]),
            )
        except IntegrityError:
            form.add_error("name", _("Du hast bereits ein Token mit diesem Namen."))
        else:
            # The secret exists only in this response: no redirect that would need to keep it.
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    status = 422 if form.is_bound else 200
    return render(request, "api/token_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.PROJECTS)
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_of(request).filter(revoked_at__isnull=True), pk=pk)
    if request.method == "POST":
        revoke_token(token)
        messages.success(
            request, _("Token „%(name)s“ widerrufen. Es funktioniert ab sofort nicht mehr.") % {"name": token.name}
        )
        return redirect("api_tokens:list")
    return render(
        request,
        "confirm.html",
        {
            "title": _("Token widerrufen"),
            "question": _("Skripte, die das Token „%(name)s“ nutzen, erhalten danach keinen Zugriff mehr.")
            % {"name": token.name},
            "confirm_label": _("Widerrufen"),
            "crumbs": [(reverse("api_tokens:list"), _("API-Tokens"))],
            "cancel": reverse("api_tokens:list"),
        },
    )


def unknown_api_path(request, rest: str) -> JsonResponse:
    """An address the API does not have: a JSON 404 with its code, like every other API error."""
    return JsonResponse({"code": "not_found", "message": _("Nicht gefunden.")}, status=404)
