from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from customercenter import health
from customercenter.decorators import customer_required, role_required
from customercenter.forms import MasterDataForm
from customercenter.http import ACTIVE_ACCOUNT, AuthenticatedHttpRequest, memberships_of, wants_fragment
from customercenter.models import User
from customercenter.roles import Action, member_may
from customercenter.start import start_page
from notifications.models import OutboxEmail

logger = logging.getLogger(__name__)


@require_GET
@login_required
@customer_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The start page (Übersicht), where a person lands after signing in; a role without
    projects (Buchhaltung) starts at the contract data instead."""
    if not member_may(request.membership, Action.PROJECTS):
        return redirect("contract:master_data")
    return render(request, "customercenter/start.html", start_page(request.membership))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account so e-mails use that language too."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


@require_POST
@login_required
def switch_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Work in another of one's accounts: what one sees and may do is that account's, in one's role there."""
    number = request.POST.get("customer", "")
    membership = next((m for m in memberships_of(request) if str(m.customer.number) == number), None)
    if membership is None:
        raise Http404(_("Zu diesem Konto gehörst du nicht."))
    request.session[ACTIVE_ACCOUNT] = membership.customer_id
    messages.success(
        request,
        _("Du arbeitest jetzt im Konto %(account)s (%(number)s) als %(role)s.")
        % {
            "account": membership.customer.display_name,
            "number": membership.customer.number,
            "role": membership.get_role_display(),
        },
    )
    return redirect("home")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """503 when this web process cannot work (database, broker); beat and the outbox are reported.

    A stale sweep or a waiting e-mail is for monitoring to alert on: taking the web processes
    out of a load balancer would not bring them back.
    """
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["broker"] = _check_broker()
    report: dict[str, object] = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    now = timezone.now()
    if settings.REDIS_URL and checks["broker"]:
        last_sweep = health.last_sweep()
        report["beat"] = "ok" if health.sweep_is_recent(now) else "stale"
        report["last_sweep"] = last_sweep.isoformat() if last_sweep else None
    if checks["database"]:
        age = OutboxEmail.objects.oldest_pending_age(now)
        report["oldest_pending_email_seconds"] = int(age.total_seconds()) if age else 0
    return JsonResponse(report, status=200 if all(checks.values()) else 503)


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Health check: database unavailable", exc_info=True)
        return False


def _check_broker() -> bool:
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping())
    except Exception:
        logger.warning("Health check: broker unavailable", exc_info=True)
        return False


def contract_page(
    request: AuthenticatedHttpRequest, tab: str, tab_template: str, context: dict, status: int = 200
) -> HttpResponse:
    """A tab of Vertragsdaten: the whole page, or for htmx the tab alone."""
    template = "customercenter/contract.html"
    if wants_fragment(request):
        template += "#tab-content"
    context = {"tab": tab, "tab_template": tab_template, **context}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.CONTRACT)
@vary_on_headers("HX-Request")
def master_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MasterDataForm(request.POST or None, instance=request.customer)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Stammdaten gespeichert."))
            return redirect("contract:master_data")
        return contract_page(request, "master", "customercenter/tab_master.html", {"form": form}, status=422)
    return contract_page(request, "master", "customercenter/tab_master.html", {"form": form})
