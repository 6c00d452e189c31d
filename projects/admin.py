from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from delegation.models import Caretakership
from projects import audit
from projects.forms import DomainAdminForm, ProjectAdminForm
from projects.models import AuditEntry, Database, Domain, Invoice, Order, Project, Server

CUSTOMER_SEARCH = ["=owner__number", "owner__memberships__user__email", "owner__company", "owner__last_name"]

# The project's fields staff may edit, and the history entry each change writes.
AUDITED_FIELDS = {
    "name": "project.renamed",
    "tariff": "tariff.changed",
    "server": "server.changed",
    "php_version": "php_version.changed",
}


def shown(project: Project, field: str) -> str:
    """A field's value as the project's history shows it."""
    if field == "tariff":
        return project.get_tariff_display()
    if field == "server":
        return project.server.number if project.server else "–"
    return getattr(project, field)


def target_shown(values: dict) -> str:
    return Domain(target_kind=values["target_kind"], target=values["target"]).target_display


def record_as_staff(request, project: Project, action: str, **fields) -> None:
    audit.record(project=project, role=AuditEntry.Role.STAFF, actor_user=request.user, action=action, **fields)


class DatabaseInline(admin.TabularInline):
    model = Database
    fields = ["name", "created_at", "password_changed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class DomainInline(admin.TabularInline):
    model = Domain
    form = DomainAdminForm
    fields = ["name", "target_kind", "target"]
    extra = 0


class CaretakershipInline(admin.TabularInline):
    model = Caretakership
    fk_name = "project"
    fields = ["caretaker", "source", "scope", "started_at", "expires_at", "ended_at", "end_reason", "end_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Technische Betreuer")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("caretaker")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = ["number", "name", "owner", "tariff", "server", "php_version"]
    list_filter = ["tariff", "php_version"]
    search_fields = ["number", "name", *CUSTOMER_SEARCH]
    list_select_related = ["owner", "server"]
    autocomplete_fields = ["owner", "server"]
    inlines = [CaretakershipInline, DomainInline, DatabaseInline]

    def save_model(self, request, obj, form, change):
        """Staff edits reach the project's history like every other change, as Support."""
        before = Project.objects.select_related("server").get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is None:
            return
        for field, action in AUDITED_FIELDS.items():
            old, new = shown(before, field), shown(obj, field)
            if old != new:
                record_as_staff(request, obj, action, old=old, new=new)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Domain:
            return super().save_formset(request, form, formset, change)
        before = {inline.instance.pk: inline.initial for inline in formset.initial_forms}
        removed = [before[inline.instance.pk] for inline in formset.deleted_forms if inline.instance.pk in before]
        super().save_formset(request, form, formset, change)
        project = form.instance
        for values in removed:
            record_as_staff(request, project, "domain.removed", subject=values["name"], old=target_shown(values))
        for domain, _fields in formset.changed_objects:
            old = before[domain.pk]
            if old["name"] != domain.name:
                record_as_staff(
                    request, project, "domain.renamed", subject=domain.name, old=old["name"], new=domain.name
                )
            if target_shown(old) != domain.target_display:
                record_as_staff(
                    request,
                    project,
                    "domain.target_changed",
                    subject=domain.name,
                    old=target_shown(old),
                    new=domain.target_display,
                )
        for domain in formset.new_objects:
            record_as_staff(request, project, "domain.added", subject=domain.name, new=domain.target_display)

    def get_readonly_fields(self, request, obj=None):
        # A p-number is part of host names, and the owner is the contract partner who granted
        # the caretakerships (which also keep the owner's customer number to sort by): moving a
        # project to another customer is a contract matter, not an edit.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["number", "owner"]
        return fields


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "owner"]
    search_fields = ["number", "name", *CUSTOMER_SEARCH]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "subject", "project", "customer", "price", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["subject", "project__number", "=customer__number", "customer__memberships__user__email"]
    list_select_related = ["project", "customer"]
    raw_id_fields = ["project", "customer"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "issued_on", "customer", "amount", "status"]
    list_filter = ["status"]
    search_fields = ["number", "=customer__number", "customer__memberships__user__email"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "project",
        "what",
        "subject",
        "old",
        "new",
        "scope",
        "role",
        "actor",
        "via_token",
    ]
    list_filter = ["role", "action"]
    search_fields = [
        "project__number",
        "=actor__number",
        "actor_user__email",
        "actor__memberships__user__email",
        "params",
    ]
    list_select_related = ["project", "actor"]
    date_hierarchy = "created_at"
    # The list's columns and the person who acted; the stored parameters as the reader's language
    # writes them, not as JSON.
    fields = [*list_display, "actor_user"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Aktion"))
    def what(self, entry: AuditEntry) -> str:
        return entry.action_display

    @admin.display(description=_("Gegenstand"))
    def subject(self, entry: AuditEntry) -> str:
        return entry.subject

    @admin.display(description=_("alt"))
    def old(self, entry: AuditEntry) -> str:
        return entry.old_value

    @admin.display(description=_("neu"))
    def new(self, entry: AuditEntry) -> str:
        return entry.new_value

    @admin.display(description=_("Umfang"))
    def scope(self, entry: AuditEntry) -> str:
        return entry.scope

    def has_delete_permission(self, request, obj=None):
        return False
