"""The Python-written widgets write what Django's template-rendered widgets write."""

import re

import pytest
from django import forms
from django.utils.translation import gettext_lazy as _

from customercenter import widgets

ATTRS = {"class": "form-control", "required": True, "disabled": False, "aria-describedby": "id_x_help", "id": "id_x"}
CHOICES = [
    ("8.3", "PHP 8.3"),
    ("a<b", "A & <B>"),
    ("", _("Weiterleitung")),
    ("Gruppe <1>", [("g1", "Eins"), ("g2", "Zwei")]),
]


def squeeze(html: str) -> str:
    """Django's templates break lines between options; where the breaks fall does not matter."""
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("value", [None, "", "shop", '"><script>alert(1)</script>', 5])
def test_text_input_writes_what_django_writes(value):
    ours = widgets.TextInput(attrs={"maxlength": 16}).render("x", value, ATTRS)
    django = forms.TextInput(attrs={"maxlength": 16}).render("x", value, ATTRS)

    assert squeeze(ours) == squeeze(django)


@pytest.mark.parametrize("value", [None, "", "8.3", "a<b", "g2", "unknown"])
def test_select_writes_what_django_writes(value):
    attrs = {**ATTRS, "class": "form-select", "aria-invalid": "true"}

    ours = widgets.Select(choices=CHOICES).render("x", value, attrs)
    django = forms.Select(choices=CHOICES).render("x", value, attrs)

    assert squeeze(ours) == squeeze(django)


def test_bound_field_renders_through_the_python_widget():
    class Form(forms.Form):
        name = forms.CharField(max_length=10, widget=widgets.TextInput)

    html = str(Form({"name": "<b>"})["name"])

    assert html == '<input type="text" name="name" value="&lt;b&gt;" maxlength="10" required id="id_name">'
