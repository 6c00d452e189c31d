from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customercenter import members
from customercenter.models import Customer, Invitation, Membership, Role, SecondFactor, User
from customercenter.services import create_verified_customer
from delegation.models import Caretakership


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password", "language"]}),
        (_("Rechte"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Daten"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class HostingCustomerCreationForm(forms.ModelForm):
    email = forms.EmailField(label=_("E-Mail-Adresse"))

    class Meta:
        model = Customer
        fields = [
            "email",
            "company",
            "first_name",
            "last_name",
            "street",
            "postal_code",
            "city",
            "country",
            "phone",
        ]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Zu dieser E-Mail-Adresse gibt es schon ein Konto."))
        return email


class CaredForInline(admin.TabularInline):
    model = Caretakership
    fk_name = "caretaker"
    fields = ["project", "started_at", "expires_at", "ended_at", "end_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Betreute Projekte")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).active().select_related("project")


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """An account keeps an administrator here too, as on its Mitglieder page."""
        super().clean()
        if any(self.errors):
            return
        kept = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if self.instance.pk and not any(data["role"] == Role.ADMINISTRATOR for data in kept):
            raise forms.ValidationError(_("Das Konto braucht mindestens einen Administrator."))


class MembershipInline(admin.TabularInline):
    """Staff see who belongs to an account, change roles and remove members; like the Mitglieder
    page, the admin keeps an administrator in every account. A person joins an account only by
    accepting an invitation, so staff add no members here."""

    model = Membership
    formset = MembershipFormSet
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "created_at"]
    extra = 0
    verbose_name_plural = _("Mitglieder")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "customer")


INVITATION_FIELDS = ["email", "role", "invited_by", "sent_at", "expires_at"]


class PendingInvitationInline(admin.TabularInline):
    """The account's open invitations, as its Mitglieder page shows them; staff withdraw one
    under Einladungen."""

    model = Invitation
    fields = INVITATION_FIELDS
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Offene Einladungen")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).pending().select_related("customer", "invited_by")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["number", "display_name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["=number", "memberships__user__email", "company", "last_name", "first_name"]
    readonly_fields = ["number", "created_at"]

    def get_inlines(self, request, obj=None):
        return [MembershipInline, PendingInvitationInline, CaredForInline] if obj else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = HostingCustomerCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return HostingCustomerCreationForm.Meta.fields
        fields = HostingCustomerCreationForm.Meta.fields[1:]
        return ["number", "kind", *fields, "technik_may_decide", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        profile = {f: form.cleaned_data[f] for f in HostingCustomerCreationForm.Meta.fields[1:]}
        created = create_verified_customer(email=form.cleaned_data["email"], password=None, **profile)
        obj.pk, obj.number = created.pk, created.number


class InvitationStateFilter(admin.SimpleListFilter):
    """Open splits into what can still be accepted and what waits with an expired link."""

    title = _("Status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("offen")),
            ("expired", _("Link abgelaufen")),
            (Invitation.Status.ACCEPTED, _("angenommen")),
            (Invitation.Status.WITHDRAWN, _("zurückgezogen")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "open":
            return queryset.pending().filter(expires_at__gt=now)
        if self.value() == "expired":
            return queryset.pending().filter(expires_at__lte=now)
        if self.value() in {Invitation.Status.ACCEPTED, Invitation.Status.WITHDRAWN}:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the account's Mitglieder page; staff find and withdraw them."""

    list_display = ["email", "customer", "role", "status", "invited_by", "sent_at", "expires_at", "accepted_by"]
    list_filter = [InvitationStateFilter, "role"]
    search_fields = ["email", "=customer__number", "customer__company", "customer__memberships__user__email"]
    list_select_related = ["customer", "invited_by", "accepted_by"]
    exclude = ["token_hash"]
    readonly_fields = [*INVITATION_FIELDS, "customer", "status", "accepted_by", "decided_at"]
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Einladung zurückziehen (Support)"))
    def withdraw(self, request, queryset):
        withdrawn = 0
        for invitation in queryset.select_related("customer"):
            try:
                members.withdraw_invitation(customer=invitation.customer, pk=invitation.pk)
            except members.MemberError as error:
                messages.warning(request, f"{invitation}: {error}")
            else:
                withdrawn += 1
        if withdrawn:
            messages.success(
                request,
                ngettext("%(n)s Einladung zurückgezogen.", "%(n)s Einladungen zurückgezogen.", withdrawn)
                % {"n": withdrawn},
            )


class SecondFactorKindFilter(admin.SimpleListFilter):
    title = _("Art")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return Authenticator.Type.choices

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


# allauth's own admin names the model and its fields in English; support sees them in German, can
# look a person's second factors up and delete a lost one, but never read or edit their secrets.
admin.site.unregister(Authenticator)


@admin.register(SecondFactor)
class SecondFactorAdmin(AuthenticatorAdmin):
    list_display = ["person", "kind", "created", "last_used"]
    list_filter = [SecondFactorKindFilter]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Benutzer"), ordering="user__email")
    def person(self, factor: SecondFactor) -> str:
        return factor.user.email

    @admin.display(description=_("Art"), ordering="type")
    def kind(self, factor: SecondFactor) -> str:
        return factor.get_type_display()

    @admin.display(description=_("angelegt am"), ordering="created_at")
    def created(self, factor: SecondFactor):
        return factor.created_at

    @admin.display(description=_("zuletzt benutzt"), ordering="last_used_at")
    def last_used(self, factor: SecondFactor):
        return factor.last_used_at
