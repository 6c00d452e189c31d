from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from api.models import AccessToken
from customercenter.models import Customer
from delegation.forms import ExpiryDateField


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Wofür du das Token nutzt, z. B. „Deployment“; der Verlauf deiner Projekte nennt ihn."),
    )
    scope = forms.ChoiceField(
        label=_("Berechtigung"),
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires_on = ExpiryDateField(help_text=_("Ohne Datum gilt das Token, bis du es widerrufst."))

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self.customer.access_tokens.filter(name=name, revoked_at__isnull=True).exists():
            raise ValidationError(_("Du hast bereits ein Token mit diesem Namen."), code="duplicate")
        return name
