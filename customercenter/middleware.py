"""Middleware of our own, for what every response or every admin page needs."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_when_signed_in(get_response):
    """A page for a signed-in person is meant for that person alone: no cache may keep it."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
