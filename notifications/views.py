from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from customercenter.decorators import customer_required
from customercenter.http import AuthenticatedHttpRequest
from notifications.models import Notification


@require_GET
@login_required
@customer_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The newest notifications that concern the member's role; the ones shown count as read
    (they stay marked as new on this page)."""
    notifications = Notification.objects.for_member(request.membership)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    shown_unread = [notification.pk for notification in page.object_list if notification.read_at is None]
    if shown_unread:
        notifications.filter(pk__in=shown_unread).update(read_at=timezone.now())
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
@customer_required
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    Notification.objects.for_member(request.membership).unread().update(read_at=timezone.now())
    return redirect("notifications:list")
