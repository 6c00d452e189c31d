"""One signed-in page that runs one query and renders a short template: what any Django page
costs before the Kundencenter adds its own middleware, layout and checks."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    names = User.objects.order_by("username").values_list("username", flat=True)[:5]
    return render(request, "floor.html", {"names": names})
