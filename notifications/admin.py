from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "topic"]
    search_fields = ["to", "subject"]
    readonly_fields = [*(f.name for f in OutboxEmail._meta.fields), "preview"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Text (wie er versendet wird)"))
    def preview(self, email: OutboxEmail) -> str:
        """A digest waiting for its worker has no body yet: show what the worker will render."""
        if email.body_text or not email.template:
            return email.body_text
        email.render()
        return email.body_text


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "text", "read_at"]
    search_fields = ["=recipient__number", "recipient__user__email", "text"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
