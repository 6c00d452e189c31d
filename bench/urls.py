"""The application's URLs plus the floor: an authenticated page that renders only the base layout.

It goes through the same middleware, session, login and customer checks and navigation as
every page, so the difference between a page and the floor is what the page itself costs.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET

from customercenter.decorators import customer_required


@require_GET
@login_required
@customer_required
def floor(request) -> HttpResponse:
    return render(request, "base.html")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("customercenter.urls")),
]
