"""Project releases (Projektfreigabe): the owner invites by e-mail; the invited account answers."""

from allauth.mfa.models import Authenticator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.pagination import paginate

from api.auth import change, customer, require_role
from api.errors import form_errors
from api.pagination import CursorPagination
from api.schemas import Direction, ReleaseIn, ReleaseOut
from customercenter.roles import Action
from delegation import services
from delegation.expiry import expiry_from_last_day
from delegation.forms import ReleaseForm
from delegation.queries import incoming_releases, outgoing_releases
from projects.numbers import normalise_number

router = Router(tags=[_("Projektfreigaben")])


@router.get(
    "/releases",
    response=list[ReleaseOut],
    summary=_("Offene Projektfreigaben"),
    description=_(
        "`outgoing`: deine Freigaben, die auf den Technischen Betreuer warten; "
        "`incoming`: Freigaben an eine bestätigte E-Mail-Adresse deines Kontos."
    ),
)
@paginate(CursorPagination, ordering=("-pk",), page_size=50, max_page_size=200)
def list_releases(request: HttpRequest, direction: Direction = Direction.OUTGOING) -> QuerySet:
    me = customer(request)
    rows = outgoing_releases(me) if direction == Direction.OUTGOING else incoming_releases(me)
    return rows.select_related("owner").prefetch_related("projects")


@router.post("/releases", response={201: ReleaseOut}, summary=_("Projekt freigeben"))
def create_release(request: HttpRequest, payload: ReleaseIn):
    with change(request) as me:
        require_role(request, Action.RELEASE)
        data = {
            "email": payload.email,
            "projects": [normalise_number(number) for number in payload.projects],
            "expires_on": payload.expires_on.isoformat() if payload.expires_on else "",
            "scope": payload.scope.value,
            "require_mfa": payload.require_mfa,
        }
        form = ReleaseForm(data, owner=me)
        if not form.is_valid():
            raise form_errors(form)
        release, _token = services.create_release(
            owner=me,
            email=form.cleaned_data["email"],
            projects=form.cleaned_data["projects"],
            access_expires_at=expiry_from_last_day(form.cleaned_data["expires_on"]),
            scope=form.cleaned_data["scope"],
            require_mfa=form.cleaned_data["require_mfa"],
        )
    return Status(201, release)


@router.post("/releases/{release_id}/withdraw", response=ReleaseOut, summary=_("Freigabe zurückziehen"))
def withdraw_release(request: HttpRequest, release_id: int):
    with change(request) as me:
        require_role(request, Action.RELEASE)
        return services.withdraw_release(owner=me, pk=release_id)


@router.post(
    "/releases/{release_id}/resend",
    response=ReleaseOut,
    summary=_("Freigabe erneut senden"),
    description=_("Ein neuer Link per E-Mail; der alte funktioniert sofort nicht mehr."),
)
def resend_release(request: HttpRequest, release_id: int):
    with change(request) as me:
        require_role(request, Action.RELEASE)
        services.resend_release(owner=me, pk=release_id)
        return outgoing_releases(me).select_related("owner").get(pk=release_id)


@router.post(
    "/releases/{release_id}/accept",
    summary=_("Freigabe annehmen"),
    description=_("Nur eine Freigabe an eine bestätigte E-Mail-Adresse des Kontos, dem das Token gehört."),
)
def accept_release(request: HttpRequest, release_id: int) -> dict:
    with change(request) as me:
        person = request.auth.membership.user
        has_mfa = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
        caretakerships = services.accept_release(customer=me, pk=release_id, has_mfa=has_mfa, person=person)
    return {"caretakerships": [care.pk for care in caretakerships]}


@router.post("/releases/{release_id}/decline", response=ReleaseOut, summary=_("Freigabe ablehnen"))
def decline_release(request: HttpRequest, release_id: int):
    with change(request) as me:
        return services.decline_release(customer=me, pk=release_id, person=request.auth.membership.user)
