import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse


def test_page_url_keeps_the_other_pagers_page():
    request = RequestFactory().get("/vertragsdaten/technischer-betreuer/", {"freigegeben": "3", "betreut": "2"})
    html = Template("{% load ui %}{% page_url 'betreut' 5 %}").render(Context({"request": request}))

    assert html == "?freigegeben=3&amp;betreut=5"


def test_row_url_is_the_url_of_that_row():
    html = Template(
        "{% load ui %}{% for pk in keys %}"
        "{% row_url 'contract:caretakership_revoke' pk as action %}{{ action }} "
        "{% endfor %}"
    ).render(Context({"keys": [7, 1234567]}))

    assert html.split() == [reverse("contract:caretakership_revoke", args=[pk]) for pk in (7, 1234567)]


def test_row_url_refuses_a_name_that_does_not_exist():
    with pytest.raises(NoReverseMatch):
        Template("{% load ui %}{% row_url 'contract:no_such_url' 7 %}").render(Context())
