from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tickets import services
from tickets.models import Attachment, Message, Role, Ticket
from tickets.views import attachment_response


def download_url(attachment: Attachment) -> str:
    return reverse("admin:tickets_attachment_download", args=[attachment.pk])


class MessageInline(admin.StackedInline):
    model = Message
    fields = ["badge", "body", "created_at", "attachment_names"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "author_person", "ticket__project")
            .prefetch_related("attachments")
        )

    @admin.display(description=_("Von"))
    def badge(self, message: Message) -> str:
        return services.role_badge(message.ticket, message)

    @admin.display(description=_("Anhänge"))
    def attachment_names(self, message: Message) -> str:
        links = ((download_url(attachment), attachment.name) for attachment in message.attachments.all())
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "–"


class TicketAdminForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Antwort an den Kunden"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Wird im Ticket angezeigt; der Eröffner erhält eine Benachrichtigung und eine E-Mail."),
    )

    class Meta:
        model = Ticket
        fields = ["status", "assignee"]


class OpenedByCaretakerFilter(admin.SimpleListFilter):
    title = _("eröffnet von")
    parameter_name = "opened_as"

    def lookups(self, request, model_admin):
        return [(Role.CARETAKER, _("Technischem Betreuer")), (Role.OWNER, _("Vertragspartner"))]

    def queryset(self, request, queryset):
        return queryset.filter(opened_as=self.value()) if self.value() else queryset


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = [
        "pk",
        "subject",
        "project",
        "opened_role",
        "opened_by",
        "owner",
        "status",
        "assignee",
        "last_message_at",
    ]
    list_display_links = ["pk", "subject"]
    list_filter = [OpenedByCaretakerFilter, "status", "category"]
    search_fields = [
        "subject",
        "project__number",
        "=opened_by__number",
        "opened_by__memberships__user__email",
        "=owner__number",
        "owner__memberships__user__email",
    ]
    list_select_related = ["project", "opened_by", "owner", "assignee"]
    readonly_fields = ["project", "subject", "category", "opened_role", "opened_by", "owner", "created_at"]
    fields = [
        "project",
        "subject",
        "category",
        "opened_role",
        "opened_by",
        "owner",
        "created_at",
        "status",
        "assignee",
        "reply",
    ]
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Rolle des Eröffners"), ordering="opened_as")
    def opened_role(self, ticket: Ticket) -> str:
        if ticket.opened_as == Role.CARETAKER:
            return _("Technischer Betreuer %(caretaker)s für Vertragspartner %(owner)s") % {
                "caretaker": ticket.opened_by.number,
                "owner": ticket.owner.number,
            }
        return _("Vertragspartner %(owner)s") % {"owner": ticket.owner.number}

    def save_model(self, request, obj, form, change):
        # Status changes and replies go through the services, so they are audited and notified.
        Ticket.objects.filter(pk=obj.pk).update(assignee=obj.assignee)
        reply = form.cleaned_data.get("reply", "").strip()
        if reply:
            services.staff_reply(staff=request.user, ticket=obj, body=reply)
        if "status" in form.changed_data:
            services.set_status(ticket=obj, status=form.cleaned_data["status"], staff=request.user)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "message", "size", "content_type"]
    # Files are not served from MEDIA_URL; staff download them with the same headers as customers.
    fields = ["message", "download", "size", "content_type"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [path("<int:pk>/download/", view, name="tickets_attachment_download"), *super().get_urls()]

    def download_view(self, request, pk: int):
        attachment = get_object_or_404(Attachment, pk=pk)
        if not self.has_view_permission(request, attachment):
            raise PermissionDenied
        return attachment_response(attachment)

    @admin.display(description=_("Dateiname"))
    def download(self, attachment: Attachment) -> str:
        return format_html('<a href="{}">{}</a>', download_url(attachment), attachment.name)
