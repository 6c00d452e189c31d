"""Middleware of our own, for what every response or every admin page needs."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


def private_when_signed_in(get_response):
    """A page for a signed-in person is meant for that person alone: no cache may keep it."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def staff_second_factor(get_response):
    """With STAFF_REQUIRE_MFA, staff set up a second factor before they see any admin page.

    Signing in already asks for the second factor of everyone who has one (the admin's own login
    sends staff to allauth's); this makes having one a condition of the admin.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.STAFF_REQUIRE_MFA
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                _("Für den Support-Bereich brauchst du die Zwei-Faktor-Authentifizierung. Richte sie jetzt ein."),
            )
            return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware
