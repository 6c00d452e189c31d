import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from projects.models import Domain, Order, Project

DATABASE_SUFFIX_RE = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
PATH_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._~-]+$")


def clean_domain_name(raw: str) -> str:
    name = (raw or "").strip().lower().rstrip(".")
    if not name:
        raise ValidationError(_("Bitte einen Domainnamen angeben."), code="required")
    if name.startswith(("http://", "https://")) or "/" in name:
        raise ValidationError(_("Bitte nur den Domainnamen angeben, z. B. beispiel.de."), code="invalid")
    try:
        DomainNameValidator(accept_idna=True)(name)
    except ValidationError:
        raise ValidationError(
            _("„%(name)s“ ist kein gültiger Domainname."), code="invalid", params={"name": name}
        ) from None
    if "." not in name:
        raise ValidationError(
            _("Bitte einen vollständigen Domainnamen mit Endung angeben, z. B. beispiel.de."),
            code="invalid",
        )
    return name


def clean_target(kind: str, raw: str) -> str:
    target = (raw or "").strip()
    if kind == Domain.TargetKind.REDIRECT:
        if not target.lower().startswith("https://"):
            raise ValidationError(_("Weiterleitungen müssen auf eine https://-Adresse zeigen."), code="scheme")
        try:
            URLValidator(schemes=["https"])(target)
        except ValidationError:
            raise ValidationError(_("Bitte eine gültige https://-Adresse angeben."), code="invalid") from None
        return target
    if not target.startswith("/"):
        target = "/" + target
    segments = [s for s in target.split("/") if s]
    if any(s in {".", ".."} for s in segments):
        raise ValidationError(
            _("Das Ziel muss innerhalb des Webspace liegen („..“ ist nicht erlaubt)."),
            code="outside_webspace",
        )
    if not all(PATH_SEGMENT_RE.match(s) for s in segments):
        raise ValidationError(
            _("Verzeichnisnamen dürfen nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich enthalten."),
            code="invalid_path",
        )
    return "/" + "/".join(segments)


class PhpVersionForm(forms.Form):
    php_version = forms.ChoiceField(label=_("PHP-Version"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["php_version"].choices = [(v, f"PHP {v}") for v in settings.PHP_VERSIONS]
        self.fields["php_version"].error_messages["invalid_choice"] = _("PHP %(value)s wird nicht unterstützt.")


class DatabaseCreateForm(forms.Form):
    suffix = forms.CharField(
        label=_("Name der Datenbank"),
        max_length=16,
        help_text=_("Kleinbuchstaben, Ziffern und Unterstrich; beginnt mit einem Buchstaben."),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_suffix(self) -> str:
        suffix = self.cleaned_data["suffix"].strip()
        if not DATABASE_SUFFIX_RE.match(suffix):
            raise ValidationError(
                _(
                    "Nur Kleinbuchstaben, Ziffern und Unterstrich, beginnend mit einem "
                    "Buchstaben (höchstens 16 Zeichen)."
                ),
                code="invalid",
            )
        if self.project.databases.filter(name=self.database_name(suffix)).exists():
            raise ValidationError(_("Diese Datenbank gibt es schon."), code="duplicate")
        if self.project.databases.count() >= settings.MAX_DATABASES_PER_PROJECT:
            raise ValidationError(_("Dieses Projekt hat bereits die höchste Anzahl an Datenbanken."), code="limit")
        return suffix

    def database_name(self, suffix: str | None = None) -> str:
        return f"{self.project.number}_{suffix or self.cleaned_data['suffix']}"


class DomainTargetForm(forms.Form):
    target_kind = forms.ChoiceField(
        label=_("Art des Ziels"),
        choices=Domain.TargetKind.choices,
        initial=Domain.TargetKind.PATH,
    )
    target = forms.CharField(
        label=_("Ziel"),
        max_length=500,
        initial="/",
        help_text=_("Ein Verzeichnis im Webspace (z. B. /shop) oder eine https://-Adresse."),
    )

    def clean(self):
        data = super().clean()
        if "target_kind" in data and "target" in data:
            try:
                data["target"] = clean_target(data["target_kind"], data["target"])
            except ValidationError as error:
                self.add_error("target", error)
        return data


class ProjectAdminForm(forms.ModelForm):
    """Staff pick the PHP version from the supported ones (or keep the project's current one)."""

    php_version = forms.ChoiceField(label=_("PHP-Version"))

    class Meta:
        model = Project
        fields = ["number", "name", "owner", "tariff", "server", "php_version", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        versions = list(settings.PHP_VERSIONS)
        if self.instance.php_version and self.instance.php_version not in versions:
            versions.insert(0, self.instance.php_version)
        field = self.fields["php_version"]
        field.choices = [(v, f"PHP {v}") for v in versions]
        field.error_messages["invalid_choice"] = _("PHP %(value)s wird nicht unterstützt.")


class DomainAdminForm(forms.ModelForm):
    """The same checks of name and target as in the customer center."""

    class Meta:
        model = Domain
        fields = ["name", "target_kind", "target"]

    def clean_name(self) -> str:
        return clean_domain_name(self.cleaned_data["name"])

    def clean(self):
        data = super().clean()
        if "target_kind" in data and "target" in data:
            try:
                data["target"] = clean_target(data["target_kind"], data["target"])
            except ValidationError as error:
                self.add_error("target", error)
        return data


class DomainAddForm(DomainTargetForm):
    name = forms.CharField(label=_("Domain"), max_length=253)

    field_order = ["name", "target_kind", "target"]

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_name(self) -> str:
        name = clean_domain_name(self.cleaned_data["name"])
        if self.project.domains.filter(name=name).exists():
            raise ValidationError(
                _("Die Domain %(name)s gehört bereits zu diesem Projekt."), code="duplicate", params={"name": name}
            )
        if Domain.objects.filter(name=name).exists():
            # Whose project it is in, or that it is in one at all, is none of this customer's business.
            raise ValidationError(
                _("Die Domain %(name)s kann hier nicht hinzugefügt werden. Gehört sie dir, hilft der Support."),
                code="unavailable",
                params={"name": name},
            )
        if self.project.domains.count() >= settings.MAX_DOMAINS_PER_PROJECT:
            raise ValidationError(_("Dieses Projekt hat bereits die höchste Anzahl an Domains."), code="limit")
        return name


class SslOrderForm(forms.Form):
    domain = forms.ModelChoiceField(
        label=_("Domain"),
        queryset=Domain.objects.none(),
        empty_label=_("Domain auswählen …"),
        error_messages={
            "invalid_choice": _("Diese Domain gehört nicht zu diesem Projekt."),
            "required": _("Bitte eine Domain auswählen."),
        },
    )

    def __init__(self, *args, project: Project, domains: list[Domain] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["domain"]
        field.queryset = project.domains.all()
        if domains is not None:
            # The project page has its domains already: offer them without reading them again.
            field.choices = [("", field.empty_label), *((domain.pk, domain.name) for domain in domains)]

    def clean_domain(self) -> Domain:
        domain = self.cleaned_data["domain"]
        if Order.objects.filter(
            project=domain.project, kind=Order.Kind.SSL, subject=domain.name, status=Order.Status.OPEN
        ).exists():
            raise ValidationError(
                _("Für %(name)s ist bereits ein SSL-Zertifikat bestellt."),
                code="duplicate",
                params={"name": domain.name},
            )
        return domain


class DomainRegisterForm(forms.Form):
    name = forms.CharField(label=_("Gewünschte Domain"), max_length=253)

    def __init__(self, *args, project: Project, **kwargs):
        # Shares the page with the add-domain form: its own ids keep each label on its field.
        kwargs.setdefault("auto_id", "id_register_%s")
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_name(self) -> str:
        name = clean_domain_name(self.cleaned_data["name"])
        if Domain.objects.filter(name=name).exists():
            raise ValidationError(_("Die Domain %(name)s ist nicht mehr frei."), code="taken", params={"name": name})
        if self.project.domains.count() >= settings.MAX_DOMAINS_PER_PROJECT:
            raise ValidationError(_("Dieses Projekt hat bereits die höchste Anzahl an Domains."), code="limit")
        return name


class ProjectSearchForm(forms.Form):
    q = forms.CharField(label=_("Suche"), max_length=100, required=False)
