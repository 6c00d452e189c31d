"""Mitglieder (under Vertragsdaten, administrators only) and the link of an invitation."""

from __future__ import annotations

from allauth.account.internal.flows.signup import complete_signup
from allauth.decorators import rate_limit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from customercenter import members
from customercenter.decorators import customer_required, role_required
from customercenter.http import ACTIVE_ACCOUNT, AuthenticatedHttpRequest
from customercenter.member_forms import InvitationForm, InvitationSignupForm, RoleForm, TechnikSettingForm
from customercenter.members import MemberError
from customercenter.models import Invitation, Membership, Role
from customercenter.roles import Action
from customercenter.tokens import hash_token
from customercenter.views import contract_page


def _members_page(request: AuthenticatedHttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    customer = request.customer
    context = {
        "members": customer.memberships.select_related("user").order_by("user__email"),
        "invitations": customer.invitations.pending().select_related("invited_by").order_by("email"),
        "invite_form": forms.get("invite_form") or InvitationForm(customer=customer),
        "setting_form": TechnikSettingForm(initial={"technik_may_decide": customer.technik_may_decide}),
        "role_error": forms.get("role_error"),
        "roles": Role.choices,
    }
    return contract_page(request, "members", "customercenter/tab_members.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.MEMBERS)
@vary_on_headers("HX-Request")
def member_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The members and open invitations; POST invites a person by e-mail."""
    if request.method == "GET":
        return _members_page(request)
    form = InvitationForm(request.POST, customer=request.customer)
    if form.is_valid():
        try:
            members.invite_member(
                customer=request.customer,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except MemberError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Einladung an %(email)s gesendet.") % {"email": form.cleaned_data["email"]})
            return redirect("contract:members")
    return _members_page(request, status=422, invite_form=form)


def _act(request: AuthenticatedHttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except (Membership.DoesNotExist, Invitation.DoesNotExist):
        raise Http404(_("Nicht gefunden.")) from None
    except MemberError as error:
        messages.error(request, str(error))
        return _members_page(request, status=409)
    messages.success(request, success)
    return redirect("contract:members")


@require_POST
@login_required
@customer_required
@role_required(Action.MEMBERS)
def member_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(request.customer.memberships.select_related("user"), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _members_page(request, status=422, role_error=form.errors["role"][0])
    role = form.cleaned_data["role"]
    return _act(
        request,
        lambda: members.change_role(customer=request.customer, membership_id=pk, role=role),
        _("%(person)s hat jetzt die Rolle %(role)s.")
        % {"person": membership.user.display_name, "role": Role(role).label},
    )


@require_http_methods(["GET", "POST"])
@login_required
@customer_required
@role_required(Action.MEMBERS)
def member_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Asks first (a page of its own); the removed person loses access on its next request."""
    membership = get_object_or_404(request.customer.memberships.select_related("user"), pk=pk)
    if request.method == "GET":
        tab = reverse("contract:members")
        return render(
            request,
            "confirm.html",
            {
                "title": _("Mitglied entfernen"),
                "question": _("%(person)s verliert sofort den Zugang zu diesem Konto.")
                % {"person": membership.user.display_name},
                "confirm_label": _("Entfernen"),
                "crumbs": [(tab, _("Mitglieder"))],
                "cancel": tab,
                "nav": "contract",
            },
        )
    return _act(
        request,
        lambda: members.remove_member(customer=request.customer, membership_id=pk),
        _("%(person)s ist nicht mehr Mitglied dieses Kontos.") % {"person": membership.user.display_name},
    )


@require_POST
@login_required
@customer_required
@role_required(Action.MEMBERS)
def invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        lambda: members.resend_invitation(customer=request.customer, pk=pk),
        _("Einladung erneut gesendet. Der alte Link gilt nicht mehr."),
    )


@require_POST
@login_required
@customer_required
@role_required(Action.MEMBERS)
def invitation_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        lambda: members.withdraw_invitation(customer=request.customer, pk=pk),
        _("Einladung zurückgezogen."),
    )


@require_POST
@login_required
@customer_required
@role_required(Action.MEMBERS)
def technik_setting(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TechnikSettingForm(request.POST)
    form.is_valid()
    members.set_technik_may_decide(customer=request.customer, allowed=form.cleaned_data["technik_may_decide"])
    messages.success(request, _("Einstellung gespeichert."))
    return redirect("contract:members")


def _invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("customer", "invited_by").filter(token_hash=hash_token(token)).first()


def _invitation_page(
    request, token: str, invitation: Invitation | None, *, problem: str = "", status: int = 200
) -> HttpResponse:
    if invitation is None:
        problem, status = _("Dieser Link ist ungültig oder wurde durch einen neueren ersetzt."), 404
    elif not problem:
        problem = members.invitation_problem(invitation) or ""
        if not problem and request.user.is_authenticated:
            problem = members.recipient_problem(invitation, request.user) or ""
    context = {"token": token, "invitation": invitation, "problem": problem}
    return render(request, "customercenter/invitation.html", context, status=status)


@require_GET
@never_cache
def invitation(request, token: str) -> HttpResponse:
    """Shows the invitation; a GET never changes anything (mail scanners follow links)."""
    return _invitation_page(request, token, _invitation_by_token(token))


@require_POST
@login_required
def invitation_accept(request, token: str) -> HttpResponse:
    try:
        membership = members.accept_invitation(token=token, person=request.user)
    except Invitation.DoesNotExist:
        return _invitation_page(request, token, None)
    except MemberError as error:
        return _invitation_page(request, token, _invitation_by_token(token), problem=str(error), status=409)
    request.session[ACTIVE_ACCOUNT] = membership.customer_id
    _welcome(request, membership)
    return redirect("home")


def _welcome(request, membership: Membership) -> None:
    messages.success(
        request,
        _("Willkommen im Konto %(account)s (%(number)s) als %(role)s.")
        % {
            "account": membership.customer.display_name,
            "number": membership.customer.number,
            "role": membership.get_role_display(),
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("password1", "password2")
@rate_limit(action="signup")
def invitation_signup(request, token: str) -> HttpResponse:
    """A login for the invited address that joins the inviting account, and no account of its own."""
    if request.user.is_authenticated:
        return redirect("invitation", token)
    invitation = _invitation_by_token(token)
    if invitation is None:
        return _invitation_page(request, token, None)
    problem = members.invitation_problem(invitation)
    if problem:
        return _invitation_page(request, token, invitation, problem=problem, status=409)
    form = InvitationSignupForm(request.POST or None, invitation=invitation, token=token)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save(request)
        except MemberError as error:
            return _invitation_page(request, token, _invitation_by_token(token), problem=str(error), status=409)
        except IntegrityError:
            # Someone signed up with this address a moment ago: it has a login now.
            form.add_error("email", _("Zu dieser E-Mail-Adresse gibt es schon ein Login."))
        else:
            _welcome(request, user.memberships.select_related("customer").get())
            return complete_signup(request, user=user, redirect_url=reverse("home"))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "account/invitation_signup.html",
        {"form": form, "invitation": invitation, "token": token},
        status=status,
    )
