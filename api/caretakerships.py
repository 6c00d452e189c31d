"""Caretakerships (Betreuung): as owner and as caretaker; the owner changes expiry and scope,
either side ends one."""

from datetime import date, datetime, time

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router
from ninja.pagination import paginate

from api.auth import change, customer, require_role
from api.errors import form_errors, not_found
from api.pagination import CursorPagination
from api.schemas import CaretakershipChangeIn, CaretakershipOut, Role
from customercenter.roles import Action
from delegation import services
from delegation.expiry import expiry_from_last_day
from delegation.forms import ExpiryForm, ScopeForm
from delegation.models import Caretakership
from delegation.queries import cared_for, released

router = Router(tags=[_("Betreuungen")])


@router.get(
    "/caretakerships",
    response=list[CaretakershipOut],
    summary=_("Betreuungen"),
    description=_(
        "`caretaker`: die Projekte, die du betreust (Betreute Projekte); `owner`: wer deine Projekte betreut "
        "(Freigegebene Projekte). `ending_before` zeigt nur die, deren letzter Tag vor diesem Datum liegt."
    ),
)
@paginate(CursorPagination, ordering=("pk",), page_size=50, max_page_size=200)
def list_caretakerships(
    request: HttpRequest, role: Role = Role.CARETAKER, ending_before: date | None = None
) -> QuerySet:
    me = customer(request)
    rows = released(me) if role == Role.OWNER else cared_for(me)
    if ending_before is not None:
        # The last day is before that date: access ends by the start of it.
        rows = rows.filter(expires_at__lte=timezone.make_aware(datetime.combine(ending_before, time.min)))
    return rows.select_related("project__owner", "caretaker")


def _mine(request: HttpRequest, caretakership_id: int) -> Caretakership:
    care = (
        Caretakership.objects.active().select_related("project__owner", "caretaker").filter(pk=caretakership_id).first()
    )
    me = customer(request)
    if care is None or me.pk not in {care.project.owner_id, care.caretaker_id}:
        raise not_found()
    return care


@router.patch(
    "/caretakerships/{caretakership_id}",
    response=CaretakershipOut,
    summary=_("Ablaufdatum oder Umfang ändern"),
    description=_(
        "Nur der Vertragspartner: `expires_on` (null: unbefristet) und/oder `scope`; "
        "weggelassene Felder bleiben, wie sie sind."
    ),
)
def change_caretakership(request: HttpRequest, caretakership_id: int, payload: CaretakershipChangeIn):
    given = payload.model_fields_set
    with change(request) as me:
        require_role(request, Action.RELEASE)
        expiry = ExpiryForm({"expires_on": payload.expires_on.isoformat() if payload.expires_on else ""})
        scope = ScopeForm({"scope": payload.scope.value if payload.scope else ""})
        for form in (expiry, scope):
            if not form.is_valid():
                raise form_errors(form)
        # Both changes or neither.
        with transaction.atomic():
            if "expires_on" in given:
                expires_at = expiry_from_last_day(expiry.cleaned_data["expires_on"])
                services.change_expiry(owner=me, caretakership_id=caretakership_id, expires_at=expires_at)
            if "scope" in given and payload.scope is not None:
                services.change_scope(owner=me, caretakership_id=caretakership_id, scope=scope.cleaned_data["scope"])
        return _owned(me, caretakership_id)


def _owned(owner, caretakership_id: int) -> Caretakership:
    return Caretakership.objects.select_related("project__owner", "caretaker").get(
        pk=caretakership_id, project__owner=owner
    )


@router.post(
    "/caretakerships/{caretakership_id}/end",
    response=CaretakershipOut,
    summary=_("Betreuung beenden"),
    description=_("Der Vertragspartner widerruft die Betreuung, der Technische Betreuer beendet sie."),
)
def end_caretakership(request: HttpRequest, caretakership_id: int):
    with change(request) as me:
        care = _mine(request, caretakership_id)
        if care.project.owner_id == me.pk:
            require_role(request, Action.RELEASE)
            return services.revoke_caretakership(owner=me, caretakership_id=care.pk)
        return services.end_caretakership(caretaker=me, caretakership_id=care.pk)
