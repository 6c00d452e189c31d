from allauth.account.forms import SignupForm
from django import forms
from django.db import IntegrityError, transaction
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer, User
from customercenter.services import create_partner


class BootstrapBoundField(forms.BoundField):
    """A field whose widget carries the Bootstrap class that fits it, and is-invalid on errors.

    Django adds aria-invalid and aria-describedby itself, pointing at `<id>_helptext` and
    `<id>_error`: the ids that includes/field.html gives the help text and the errors.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        if getattr(widget, "input_type", None) in {"checkbox", "radio"}:
            bootstrap = "form-check-input"
        elif isinstance(widget, forms.Select):
            bootstrap = "form-select"
        else:
            bootstrap = "form-control"
        classes = [widget.attrs.get("class"), attrs.get("class"), bootstrap, "is-invalid" if self.errors else None]
        attrs["class"] = " ".join(css for css in classes if css)
        return attrs


class FormRenderer(TemplatesSetting):
    """Forms render through the project's templates: `{{ form.field.as_field_group }}` is includes/field.html."""

    field_template_name = "includes/field.html"
    bound_field_class = BootstrapBoundField


class PartnerSignupForm(SignupForm):
    """Partner werden: a customer number without a hosting package."""

    company = forms.CharField(label=_("Firma (optional)"), max_length=200, required=False)
    first_name = forms.CharField(label=_("Vorname"), max_length=100)
    last_name = forms.CharField(label=_("Nachname"), max_length=100)

    def try_save(self, request):
        """Two sign-ups with the same new address at the same moment both pass the form's check;
        the second learns of the first only from the unique e-mail when saving. It is answered
        like any sign-up with a known address (allauth's answer that reveals nothing), and
        nothing of it is kept."""
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            if not User.objects.filter(email__iexact=self.cleaned_data["email"]).exists():
                raise
        self.account_already_exists = True
        return super().try_save(request)

    def save(self, request):
        user = super().save(request)
        create_partner(
            user=user,
            company=self.cleaned_data["company"].strip(),
            first_name=self.cleaned_data["first_name"].strip(),
            last_name=self.cleaned_data["last_name"].strip(),
        )
        return user


class MasterDataForm(forms.ModelForm):
    """Stammdaten: name and address; the customer number is never editable."""

    class Meta:
        model = Customer
        fields = ["company", "first_name", "last_name", "street", "postal_code", "city", "country", "phone"]
        error_messages = {"country": {"invalid_choice": _("Bitte ein Land aus der Liste auswählen.")}}

    def clean_postal_code(self) -> str:
        code = self.cleaned_data["postal_code"].strip()
        if code and not code.replace(" ", "").replace("-", "").isalnum():
            raise forms.ValidationError(_("Bitte eine gültige Postleitzahl angeben."))
        return code
