from django.template import Context, Template
from django.test import RequestFactory


def test_page_url_keeps_the_other_pagers_page():
    request = RequestFactory().get("/vertragsdaten/technischer-betreuer/", {"freigegeben": "3", "betreut": "2"})
    html = Template("{% load ui %}{% page_url 'betreut' 5 %}").render(Context({"request": request}))

    assert html == "?freigegeben=3&amp;betreut=5"
