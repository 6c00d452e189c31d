"""Management requests (Verwaltung beantragen): a caretaker asks by p-number, the owner decides."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.pagination import paginate

from api.auth import change, customer, require_role
from api.errors import form_errors
from api.pagination import CursorPagination
from api.schemas import AcceptIn, Direction, ManagementRequestIn, ManagementRequestOut
from customercenter.roles import Action
from delegation import services
from delegation.expiry import expiry_from_last_day
from delegation.forms import AcceptRequestForm, ManagementRequestForm
from delegation.queries import incoming_requests, outgoing_requests

router = Router(tags=[_("Verwaltungsanträge")])


def expiry_data(payload) -> dict:
    """An expiry day and scope as the pages' forms read them."""
    data = {"scope": payload.scope.value if payload.scope else ""}
    data["expires_on"] = payload.expires_on.isoformat() if payload.expires_on else ""
    return data


@router.get(
    "/management-requests",
    response=list[ManagementRequestOut],
    summary=_("Offene Anträge"),
    description=_(
        "`incoming`: Anträge für deine Projekte, die auf deine Entscheidung warten; "
        "`outgoing`: deine eigenen, die noch warten."
    ),
)
@paginate(CursorPagination, ordering=("-pk",), page_size=50, max_page_size=200)
def list_requests(request: HttpRequest, direction: Direction = Direction.INCOMING) -> QuerySet:
    me = customer(request)
    rows = incoming_requests(me) if direction == Direction.INCOMING else outgoing_requests(me)
    return rows.select_related("caretaker")


@router.post("/management-requests", response={201: ManagementRequestOut}, summary=_("Verwaltung beantragen"))
def create_request(request: HttpRequest, payload: ManagementRequestIn):
    with change(request) as me:
        form = ManagementRequestForm({"number": payload.project}, caretaker=me)
        if not form.is_valid():
            raise form_errors(form, rename={"number": "project"})
        return Status(201, services.request_management(caretaker=me, project=form.project))


@router.post("/management-requests/{request_id}/accept", summary=_("Antrag annehmen"))
def accept_request(request: HttpRequest, request_id: int, payload: AcceptIn) -> dict:
    with change(request) as me:
        require_role(request, Action.RELEASE)
        form = AcceptRequestForm(expiry_data(payload))
        if not form.is_valid():
            raise form_errors(form)
        caretakership = services.accept_request(
            owner=me,
            request_id=request_id,
            expires_at=expiry_from_last_day(form.cleaned_data["expires_on"]),
            scope=form.cleaned_data["scope"],
        )
    return {"caretakership": caretakership.pk}


@router.post("/management-requests/{request_id}/decline", response=ManagementRequestOut, summary=_("Antrag ablehnen"))
def decline_request(request: HttpRequest, request_id: int):
    with change(request) as me:
        require_role(request, Action.RELEASE)
        return services.decline_request(owner=me, request_id=request_id)


@router.post(
    "/management-requests/{request_id}/withdraw", response=ManagementRequestOut, summary=_("Antrag zurückziehen")
)
def withdraw_request(request: HttpRequest, request_id: int):
    with change(request) as me:
        return services.withdraw_request(caretaker=me, request_id=request_id)
