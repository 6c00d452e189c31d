"""Support staff in the Django admin: customers, found by customer number and e-mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.utils import timezone

from customercenter import members
from customercenter.admin import MembershipInline
from customercenter.models import CUSTOMER_NUMBER_OFFSET, Customer, Invitation, Role, User
from tests.delegation.helpers import page_text
from tests.factories import CustomerFactory, MembershipFactory
from tests.helpers import count_queries

CHANGELISTS = ["/admin/customercenter/customer/", "/admin/customercenter/user/"]


@pytest.mark.parametrize("url", CHANGELISTS)
def test_staff_opens_changelists(staff_client, owner, url):
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/", *CHANGELISTS])
def test_customer_cannot_open_admin(owner_client, url):
    response = owner_client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_customer_list_search_by_customer_number(staff_client, owner, outsider):
    response = staff_client.get("/admin/customercenter/customer/", {"q": str(owner.number)})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [owner]


def test_customer_list_search_by_email(staff_client, owner, outsider):
    response = staff_client.get("/admin/customercenter/customer/", {"q": "OUTSIDER@example.com"})

    assert list(response.context["cl"].result_list) == [outsider]


def test_customer_list_search_by_company(staff_client, owner, outsider):
    response = staff_client.get("/admin/customercenter/customer/", {"q": "Sonnenschein"})

    assert list(response.context["cl"].result_list) == [owner]


@pytest.mark.parametrize("term", ["p12345", "abc def", "100001x", "-1", "1e5", "99999999999999999999"])
def test_customer_list_search_with_non_numeric_term_does_not_crash(staff_client, owner, term):
    response = staff_client.get("/admin/customercenter/customer/", {"q": term})

    assert response.status_code == 200
    assert owner not in response.context["cl"].result_list


def test_staff_creates_hosting_customer_with_number_and_verified_address(staff_client, db):
    response = staff_client.post(
        "/admin/customercenter/customer/add/",
        {
            "email": " Neukunde@Example.com ",
            "company": "Neukunde GmbH",
            "first_name": "Nora",
            "last_name": "Neu",
            "street": "Weg 2",
            "postal_code": "20095",
            "city": "Hamburg",
            "country": "DE",
            "phone": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/customercenter/customer/"
    customer = Customer.objects.get(memberships__user__email="neukunde@example.com")
    assert customer.kind == Customer.Kind.HOSTING
    assert customer.number >= CUSTOMER_NUMBER_OFFSET
    assert (customer.company, customer.city) == ("Neukunde GmbH", "Hamburg")
    address = EmailAddress.objects.get(user=customer.memberships.get().user)
    assert (address.email, address.verified, address.primary) == ("neukunde@example.com", True, True)
    assert not customer.memberships.get().user.has_usable_password()


def test_staff_cannot_create_customer_for_existing_email(staff_client, owner):
    before = Customer.objects.count()

    response = staff_client.post(
        "/admin/customercenter/customer/add/",
        {"email": "OWNER@example.com", "first_name": "X", "last_name": "Y", "country": "DE"},
    )

    assert response.status_code == 200
    assert "Zu dieser E-Mail-Adresse gibt es schon ein Konto." in response.text
    assert Customer.objects.count() == before
    assert User.objects.filter(email="owner@example.com").count() == 1


def management_forms(page) -> dict[str, str]:
    """The hidden management fields of the inlines on an admin change page, as posted back."""
    return dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"', page.text))


def membership_row(customer) -> dict[str, str]:
    """The administrator's row of the members inline, as posted back unchanged."""
    membership = customer.memberships.get()
    return {
        "memberships-0-id": str(membership.pk),
        "memberships-0-customer": str(customer.pk),
        "memberships-0-user": str(membership.user_id),
        "memberships-0-role": membership.role,
    }


def test_customer_number_is_read_only_in_admin(staff_client, owner):
    number = owner.number
    url = f"/admin/customercenter/customer/{owner.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    assert 'name="number"' not in page.text

    response = staff_client.post(
        url,
        {
            "number": "1",
            "kind": "hosting",
            "company": "Neu",
            "first_name": owner.first_name,
            "last_name": owner.last_name,
            "country": "DE",
            **management_forms(page),
            **membership_row(owner),
        },
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.number == number
    assert owner.company == "Neu"


def test_customer_changelist_query_count_does_not_grow(staff_client, django_assert_max_num_queries):
    CustomerFactory.create_batch(40)

    with django_assert_max_num_queries(8):
        response = staff_client.get("/admin/customercenter/customer/")

    assert response.status_code == 200


def test_the_customer_page_costs_the_same_with_50_members(staff_client, owner, django_assert_max_num_queries):
    for _ in range(50):
        MembershipFactory(customer=owner)

    with django_assert_max_num_queries(15):
        response = staff_client.get(f"/admin/customercenter/customer/{owner.pk}/change/")

    assert response.status_code == 200
    assert response.content.decode().count('name="memberships-') >= 51 * 2
    assert 'name="memberships-0-user"' not in response.content.decode()  # joining is by invitation


@pytest.mark.parametrize(
    ("role", "delete", "valid"), [("technik", "", False), ("administrator", "on", False), ("administrator", "", True)]
)
def test_admin_keeps_an_administrator_in_every_account(rf, staff, owner, role, delete, valid):
    request = rf.post("/")
    request.user = staff
    formset_class = MembershipInline(Customer, admin.site).get_formset(request, owner)
    membership = owner.memberships.get()
    data = {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(membership.pk),
        "memberships-0-customer": str(owner.pk),
        "memberships-0-user": str(membership.user_id),
        "memberships-0-role": role,
        "memberships-0-DELETE": delete,
    }

    formset = formset_class(data, instance=owner, prefix="memberships")

    assert formset.is_valid() is valid
    if not valid:
        assert "mindestens einen Administrator" in str(formset.non_form_errors())


# Invitations ------------------------------------------------------------------------------------


def _invitation(customer, email, **fields) -> Invitation:
    invitation, _token = members.invite_member(
        customer=customer, invited_by=customer.admin, email=email, role=Role.TECHNIK
    )
    Invitation.objects.filter(pk=invitation.pk).update(**fields)
    invitation.refresh_from_db()
    return invitation


def test_the_customer_page_shows_its_open_invitations(staff_client, owner, outsider):
    _invitation(owner, "offen@example.com")
    _invitation(owner, "alt@example.com", status=Invitation.Status.WITHDRAWN)
    _invitation(outsider, "fremd@example.com")

    response = staff_client.get(f"/admin/customercenter/customer/{owner.pk}/change/")

    html = response.content.decode()
    assert "Offene Einladungen" in html
    assert "offen@example.com" in html
    assert "alt@example.com" not in html
    assert "fremd@example.com" not in html


def test_staff_find_invitations_by_status_and_customer_number(staff_client, owner, outsider):
    open_one = _invitation(owner, "offen@example.com")
    expired = _invitation(owner, "spaet@example.com", expires_at=timezone.now() - timedelta(days=1))
    accepted = _invitation(outsider, "drin@example.com", status=Invitation.Status.ACCEPTED)
    changelist = "/admin/customercenter/invitation/"

    def listed(**query):
        return set(staff_client.get(changelist, query).context["cl"].result_list)

    assert listed(state="open") == {open_one}
    assert listed(state="expired") == {expired}
    assert listed(state="accepted") == {accepted}
    assert listed(q=str(owner.number)) == {open_one, expired}
    assert "token_hash" not in staff_client.get(f"{changelist}{open_one.pk}/change/").content.decode()


def test_staff_withdraw_an_invitation_and_its_link_stops_working(staff_client, owner):
    invitation = _invitation(owner, "offen@example.com")
    accepted = _invitation(owner, "drin@example.com", status=Invitation.Status.ACCEPTED)

    response = staff_client.post(
        "/admin/customercenter/invitation/",
        {"action": "withdraw", "_selected_action": [invitation.pk, accepted.pk]},
        follow=True,
    )

    invitation.refresh_from_db()
    accepted.refresh_from_db()
    assert invitation.status == Invitation.Status.WITHDRAWN
    assert accepted.status == Invitation.Status.ACCEPTED
    assert "1 Einladung zurückgezogen." in response.content.decode()
    assert "nicht mehr offen" in response.content.decode()
    assert "zurückgezogen" in members.invitation_problem(invitation)


def test_customer_page_query_count_does_not_grow_with_invitations(staff_client, owner):
    page = f"/admin/customercenter/customer/{owner.pk}/change/"
    _invitation(owner, "neu0@example.com")
    one = count_queries(staff_client, page)

    for n in range(1, 50):
        _invitation(owner, f"neu{n}@example.com")

    assert count_queries(staff_client, page) == one


def test_second_factors_have_german_names_in_the_admin(staff_client, owner):
    factor = Authenticator.objects.create(user=owner.admin, type=Authenticator.Type.TOTP, data={"secret": "geheim"})
    pages = [
        staff_client.get("/admin/"),
        staff_client.get("/admin/customercenter/secondfactor/"),
        staff_client.get(f"/admin/customercenter/secondfactor/{factor.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    texts = [page_text(page) for page in pages]
    assert all("Zweite Faktoren" in text for text in texts[:2])
    assert "owner@example.com" in texts[1]
    for text in texts:
        assert not re.search(r"(?i)authenticators|created at|last used|\bNach type\b", text)
    assert "geheim" not in texts[2]
