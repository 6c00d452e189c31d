from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from customercenter.decorators import customer_required
from customercenter.http import AuthenticatedHttpRequest


@require_GET
@login_required
@customer_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(request.customer.notifications.all(), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
@customer_required
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    request.customer.notifications.unread().update(read_at=timezone.now())
    return redirect("notifications:list")
