from django import forms
from django.utils.translation import gettext_lazy as _

from customercenter.members import is_member
from customercenter.models import Customer, Role

ROLE_ERRORS = {"invalid_choice": _("Diese Rolle gibt es nicht.")}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices, initial=Role.TECHNIK, error_messages=ROLE_ERRORS)

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if is_member(self.customer, email):
            raise forms.ValidationError(_("%(email)s ist bereits Mitglied dieses Kontos.") % {"email": email})
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices, error_messages=ROLE_ERRORS)


class TechnikSettingForm(forms.Form):
    technik_may_decide = forms.BooleanField(
        label=_("Technik darf Projekte freigeben und Anträge beantworten"), required=False
    )
