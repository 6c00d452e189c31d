"""Paid services and invoices: what stays with the contract partner."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from customercenter.decorators import customer_required, role_required
from customercenter.http import AuthenticatedHttpRequest, wants_fragment
from customercenter.roles import Action, Refused
from customercenter.views import contract_page
from delegation.access import ProjectAccess, get_project_or_404
from projects import services
from projects.forms import DomainRegisterForm, SslOrderForm
from projects.models import Invoice, Order
from projects.views import render_section, section_done


def _refuse(request: AuthenticatedHttpRequest, access: ProjectAccess, refusal: Refused):
    if wants_fragment(request):
        return render_section(request, access, "orders", status=403, notice=str(refusal))
    messages.error(request, str(refusal))
    return render_section(request, access, "orders", status=403)


def _order(
    request: AuthenticatedHttpRequest,
    number: str,
    *,
    form_class: type[SslOrderForm | DomainRegisterForm],
    form_name: str,
    place: Callable[[ProjectAccess, dict], Order],
    taken: tuple[str, str],
    done: str,
) -> HttpResponse:
    """A paid order: owner only; a form in the orders section; `taken` is the field and the
    message for a subject that is already ordered or registered."""
    access = get_project_or_404(request, number)
    try:
        access.require(Action.ORDER)
    except Refused as refusal:
        return _refuse(request, access, refusal)
    form = form_class(request.POST, project=access.project)
    if form.is_valid():
        try:
            order = place(access, form.cleaned_data)
        except IntegrityError:
            form.add_error(*taken)
        else:
            return section_done(request, access, "orders", done % {"name": order.subject, "price": order.price})
    return render_section(request, access, "orders", status=422, **{form_name: form})


@require_POST
@login_required
@customer_required
def order_ssl(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    return _order(
        request,
        number,
        form_class=SslOrderForm,
        form_name="ssl_form",
        place=lambda access, data: services.order_ssl_certificate(access=access, domain=data["domain"]),
        taken=("domain", _("Für diese Domain ist bereits ein SSL-Zertifikat bestellt.")),
        done=_("SSL-Zertifikat für %(name)s bestellt (%(price)s EUR/Jahr)."),
    )


@require_POST
@login_required
@customer_required
def order_domain(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    return _order(
        request,
        number,
        form_class=DomainRegisterForm,
        form_name="register_form",
        place=lambda access, data: services.register_domain(access=access, name=data["name"]),
        taken=("name", _("Diese Domain ist nicht mehr frei.")),
        done=_("Domain %(name)s registriert (%(price)s EUR/Jahr)."),
    )


@require_GET
@login_required
@customer_required
@role_required(Action.CONTRACT)
@vary_on_headers("HX-Request")
def invoices(request: AuthenticatedHttpRequest) -> HttpResponse:
    customer = request.customer
    context = {
        "invoices": Invoice.objects.filter(customer=customer)[:100],
        "orders": Order.objects.filter(customer=customer).select_related("project")[:100],
    }
    return contract_page(request, "invoices", "customercenter/tab_invoices.html", context)
