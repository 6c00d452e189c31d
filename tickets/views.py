from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customercenter.decorators import customer_required, role_required
from customercenter.http import AuthenticatedHttpRequest
from customercenter.roles import Action
from delegation.access import ProjectAccess, accessible_projects
from projects.numbers import normalise_number
from tickets import services
from tickets.forms import ReplyForm, TicketFilterForm, TicketForm
from tickets.models import Attachment, Ticket

PER_PAGE = 25


def get_ticket_or_404(request: AuthenticatedHttpRequest, pk: int) -> tuple[Ticket, ProjectAccess]:
    """A ticket of a project the customer may access right now, with the customer's role there."""
    ticket = (
        Ticket.objects.visible_to(request.customer)
        .select_related("project__owner", "opened_by", "owner", "assignee")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404(_("Ticket nicht gefunden."))
    return ticket, ProjectAccess(project=ticket.project, customer=request.customer, membership=request.membership)


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET)
    tickets = (
        Ticket.objects.visible_to(request.customer)
        .select_related("project", "opened_by")
        .annotate(
            closed=Case(When(status=Ticket.Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("closed", "-last_message_at")
    )
    form.is_valid()  # each valid filter applies, even when the other one is not
    if form.cleaned_data.get("project"):
        tickets = tickets.filter(project__number=normalise_number(form.cleaned_data["project"]))
    if form.cleaned_data.get("status"):
        tickets = tickets.filter(status=form.cleaned_data["status"])
    page = Paginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/list.html", {"page": page, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.PROJECTS)
def ticket_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = accessible_projects(request.customer).order_by("number")
    initial = {"project": normalise_number(request.GET.get("projekt", ""))} if "projekt" in request.GET else None
    form = TicketForm(request.POST or None, request.FILES or None, projects=projects, initial=initial)
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.open_ticket(
                access=ProjectAccess(
                    project=form.cleaned_data["project"], customer=request.customer, membership=request.membership
                ),
                subject=form.cleaned_data["subject"],
                category=form.cleaned_data["category"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except services.TooManyMessages as refused:
            form.add_error(None, str(refused))
            status = 429
        else:
            messages.success(
                request, _("Ticket #%(id)s eröffnet. Wir melden uns so schnell wie möglich.") % {"id": ticket.pk}
            )
            return redirect("tickets:detail", pk=ticket.pk)
    return render(request, "tickets/new.html", {"form": form}, status=status)


def _thread(request: AuthenticatedHttpRequest, ticket: Ticket, access: ProjectAccess, form: ReplyForm, status=200):
    thread = ticket.messages.select_related("author", "author_person", "author_staff").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.only("id", "message_id", "name", "size"))
    )
    entries = [(message, services.role_badge(ticket, message)) for message in thread]
    context = {"ticket": ticket, "access": access, "entries": entries, "form": form}
    return render(request, "tickets/detail.html", context, status=status)


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
def ticket_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket, access = get_ticket_or_404(request, pk)
    return _thread(request, ticket, access, ReplyForm())


@require_POST
@login_required
@customer_required
@role_required(Action.PROJECTS)
def ticket_reply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket, access = get_ticket_or_404(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        try:
            services.reply(
                access=access, ticket=ticket, body=form.cleaned_data["body"], files=form.cleaned_data["attachments"]
            )
        except services.TicketClosed as closed:
            form.add_error(None, str(closed))
            ticket.refresh_from_db(fields=["status"])
        except services.TooManyMessages as refused:
            form.add_error(None, str(refused))
            status = 429
        else:
            messages.success(request, _("Antwort gesendet."))
            return redirect("tickets:detail", pk=ticket.pk)
    return _thread(request, ticket, access, form, status=409 if ticket.is_closed else status)


@require_POST
@login_required
@customer_required
@role_required(Action.PROJECTS)
def ticket_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket, access = get_ticket_or_404(request, pk)
    services.set_status(ticket=ticket, status=Ticket.Status.CLOSED, access=access)
    messages.success(request, _("Ticket geschlossen."))
    return redirect("tickets:detail", pk=ticket.pk)


@require_POST
@login_required
@customer_required
@role_required(Action.PROJECTS)
def ticket_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ticket, access = get_ticket_or_404(request, pk)
    services.set_status(ticket=ticket, status=Ticket.Status.OPEN, access=access)
    messages.success(request, _("Ticket wieder geöffnet."))
    return redirect("tickets:detail", pk=ticket.pk)


@require_GET
@login_required
@customer_required
@role_required(Action.PROJECTS)
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = (
        Attachment.objects.filter(message__ticket__in=Ticket.objects.visible_to(request.customer).values("pk"), pk=pk)
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise Http404(_("Anhang nicht gefunden."))
    return attachment_response(attachment)


def attachment_response(attachment: Attachment) -> FileResponse:
    """A download the browser never renders: the checked content type, no scripts (nosniff is global)."""
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
    response["Content-Type"] = attachment.content_type
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
