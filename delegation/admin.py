from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from delegation import services
from delegation.models import Caretakership, ManagementRequest, ProjectRelease


def _run_each(request, queryset, action, done) -> None:
    count = 0
    for obj in queryset:
        try:
            action(obj)
        except services.DelegationError as error:
            messages.warning(request, f"{obj}: {error}")
        else:
            count += 1
    if count:
        messages.success(request, done(count))


# Support finds a row by p-number, by the owner's or the caretaker's number or address.
PROJECT_AND_CARETAKER_SEARCH = [
    "project__number",
    "=project__owner__number",
    "project__owner__memberships__user__email",
    "=caretaker__number",
    "caretaker__memberships__user__email",
]


class ChangedOnlyByServices(admin.ModelAdmin):
    """Rows that only the delegation services create and end: staff act through the actions."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActiveFilter(admin.SimpleListFilter):
    title = _("Zustand")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("aktiv")), ("ended", _("beendet oder abgelaufen"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "ended":
            return queryset.exclude(pk__in=Caretakership.objects.active().values("pk"))
        return queryset


class StaffEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Begründung"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vertragspartner und Technischer Betreuer erhalten sie in der Benachrichtigung und per E-Mail."),
    )


@admin.register(Caretakership)
class CaretakershipAdmin(ChangedOnlyByServices):
    list_display = [
        "project",
        "owner",
        "caretaker",
        "source",
        "started_at",
        "expires_at",
        "ended_at",
        "end_reason",
        "scope",
    ]
    list_filter = [ActiveFilter, "source", "scope", "end_reason"]
    search_fields = PROJECT_AND_CARETAKER_SEARCH
    list_select_related = ["project__owner", "caretaker"]
    readonly_fields = [f.name for f in Caretakership._meta.fields]
    actions = ["end_by_staff"]

    @admin.display(description=_("Vertragspartner"))
    def owner(self, obj: Caretakership):
        return obj.project.owner

    @admin.action(description=_("Betreuung beenden (Support)"))
    def end_by_staff(self, request, queryset):
        """Asks for the reason first (both sides are told it), on a page of its own."""
        form = StaffEndForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "form": form, "caretakerships": queryset}
            return TemplateResponse(request, "admin/delegation/end_caretakerships.html", context)
        _run_each(
            request,
            queryset,
            lambda obj: services.staff_end_caretakership(
                staff=request.user, caretakership_id=obj.pk, reason=form.cleaned_data["reason"]
            ),
            lambda n: ngettext("%(n)s Betreuung beendet.", "%(n)s Betreuungen beendet.", n) % {"n": n},
        )
        return None


@admin.register(ManagementRequest)
class ManagementRequestAdmin(ChangedOnlyByServices):
    list_display = ["project", "caretaker", "status", "created_at", "lapses_at", "decided_at"]
    list_filter = ["status"]
    search_fields = PROJECT_AND_CARETAKER_SEARCH
    list_select_related = ["project", "caretaker"]
    readonly_fields = [f.name for f in ManagementRequest._meta.fields]
    actions = ["end_by_staff"]

    @admin.action(description=_("Antrag beenden (Support)"))
    def end_by_staff(self, request, queryset):
        _run_each(
            request,
            queryset,
            lambda obj: services.staff_end_request(staff=request.user, request_id=obj.pk),
            lambda n: ngettext("%(n)s Antrag beendet.", "%(n)s Anträge beendet.", n) % {"n": n},
        )


@admin.register(ProjectRelease)
class ProjectReleaseAdmin(ChangedOnlyByServices):
    list_display = [
        "owner",
        "email",
        "project_numbers",
        "status",
        "created_at",
        "link_expires_at",
        "delivery_failed_at",
    ]
    list_filter = ["status", "require_mfa"]
    search_fields = ["projects__number", "=owner__number", "owner__memberships__user__email", "email"]
    list_select_related = ["owner"]
    exclude = ["token_hash"]
    readonly_fields = [f.name for f in ProjectRelease._meta.fields if f.name != "token_hash"] + ["project_numbers"]
    actions = ["resend_by_staff"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("projects")

    @admin.display(description=_("Projekte"))
    def project_numbers(self, obj: ProjectRelease) -> str:
        return ", ".join(p.number for p in obj.projects.all())

    @admin.action(description=_("Freigabe-Link neu senden (Support)"))
    def resend_by_staff(self, request, queryset):
        _run_each(
            request,
            queryset,
            lambda obj: services.staff_resend_release(staff=request.user, pk=obj.pk),
            lambda n: ngettext("%(n)s Link neu gesendet.", "%(n)s Links neu gesendet.", n) % {"n": n},
        )
