from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer
from delegation import rules
from delegation.models import Scope
from projects.models import Project
from projects.numbers import parse_project_number

MAX_EXPIRY = timedelta(days=366 * 5)


class ExpiryDateField(forms.DateField):
    """An optional expiry date: today or later, at most five years ahead."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": _("Bitte ein gültiges Datum angeben (TT.MM.JJJJ).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Ablaufdatum (optional)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d.%m.%Y"])
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        today = timezone.localdate()
        if value < today:
            raise ValidationError(_("Das Ablaufdatum darf nicht in der Vergangenheit liegen."), code="past")
        if value > today + MAX_EXPIRY:
            raise ValidationError(_("Das Ablaufdatum darf höchstens fünf Jahre in der Zukunft liegen."), code="far")


class ManagementRequestForm(forms.Form):
    number = forms.CharField(
        label=_("Projektnummer"),
        max_length=20,
        help_text=_("Einzelne p-Nummer, z. B. p12345. Ganze Server können nicht betreut werden."),
    )

    def __init__(self, *args, caretaker: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.caretaker = caretaker
        self.project: Project | None = None

    def clean_number(self) -> str:
        number = parse_project_number(self.cleaned_data["number"])
        # Requests name projects the caretaker cannot access yet: the one lookup outside
        # delegation.access. p-numbers are public, so "not found" reveals nothing more.
        project = Project.objects.select_related("owner").filter(number=number).first()
        if project is None:
            raise ValidationError(_("Ein Projekt %(number)s gibt es nicht."), params={"number": number})
        problem = rules.request_problem(self.caretaker, project)
        if problem:
            raise ValidationError(problem)
        self.project = project
        return number


def scope_field(widget: type[forms.Widget] = forms.RadioSelect) -> forms.TypedChoiceField:
    # Left out, it is the default; a value that is not a scope is an error at the field.
    return forms.TypedChoiceField(
        label=_("Umfang"),
        choices=Scope.choices,
        initial=Scope.TECHNICAL,
        required=False,
        empty_value=Scope.TECHNICAL,
        widget=widget,
        help_text=_("„Nur lesen“: der Betreuer sieht das Projekt und kann Tickets eröffnen, aber nichts ändern."),
    )


class ReleaseForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse des Technischen Betreuers"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    expires_on = ExpiryDateField(help_text=_("Ohne Datum gilt die Freigabe, bis du sie widerrufst."))
    projects = forms.ModelMultipleChoiceField(
        label=_("Projekte"),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Bitte mindestens ein Projekt auswählen."),
            "invalid_choice": _("Du kannst nur eigene Projekte freigeben."),
            "invalid_pk_value": _("Du kannst nur eigene Projekte freigeben."),
        },
    )
    scope = scope_field()
    require_mfa = forms.BooleanField(
        label=_("Nur Betreuer mit Zwei-Faktor-Authentifizierung"),
        required=False,
        help_text=_("Der Betreuer kann die Freigabe nur annehmen, wenn sein Konto einen zweiten Faktor hat."),
    )

    def __init__(self, *args, owner: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        projects = self.fields["projects"]
        projects.queryset = Project.objects.filter(owner=owner).order_by("number")
        projects.to_field_name = "number"
        projects.label_from_instance = lambda p: f"{p.number} · {p.name}"

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email in rules.member_emails(self.owner):
            raise ValidationError(_("Du kannst dir nicht selbst eine Freigabe erteilen."), code="self")
        return email

    def clean(self):
        data = super().clean()
        if rules.release_limit_reached(self.owner):
            raise ValidationError(_("Du hast heute bereits viele Freigaben erteilt. Bitte versuche es morgen wieder."))
        if data.get("email") and data.get("projects"):
            problems = rules.release_problems(self.owner, data["email"], data["projects"])
            if problems:
                self.add_error("projects", problems)
        return data


class AcceptRequestForm(forms.Form):
    expires_on = ExpiryDateField()
    scope = scope_field()


class ExpiryForm(forms.Form):
    """A running caretakership's new expiry: a later or earlier day, or none."""

    expires_on = ExpiryDateField(label=_("Neues Ablaufdatum (leer: unbefristet)"))


class ScopeForm(forms.Form):
    scope = scope_field(widget=forms.Select)


class ListSearchForm(forms.Form):
    q = forms.CharField(label=_("Suche"), max_length=100, required=False, strip=True)
