"""Existing accounts migrate with their one login as Administrator; nothing else changes."""

from __future__ import annotations

BEFORE = [("customercenter", "0002_customer_country_from_list"), ("api", "0001_initial")]
AFTER = [("customercenter", "0003_members"), ("api", "0002_token_maker")]


def test_every_accounts_login_becomes_its_administrator(migrate):
    old = migrate(BEFORE)
    User, Customer = old.get_model("customercenter", "User"), old.get_model("customercenter", "Customer")
    login = User.objects.create(email="alt@example.com", password="!")
    customer = Customer.objects.create(user=login, number=100500, first_name="Erika", last_name="Muster")
    old.get_model("api", "AccessToken").objects.create(
        customer=customer, name="Skript", shown_part="kcpat_abc", token_hash="x" * 64
    )

    new = migrate(AFTER)

    membership = new.get_model("customercenter", "Membership").objects.get()
    assert (membership.user_id, membership.customer_id, membership.role) == (login.pk, customer.pk, "administrator")
    assert new.get_model("customercenter", "User").objects.get(pk=login.pk).name == "Erika Muster"
    assert new.get_model("customercenter", "Customer").objects.get().number == 100500
    assert new.get_model("api", "AccessToken").objects.get().created_by_id == login.pk
