from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import LATE_AFTER, Notification, OutboxEmail
from notifications.services import requeue_emails


class DeliveryProblemFilter(admin.SimpleListFilter):
    title = _("Zustellproblem")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        minutes = int(LATE_AFTER.total_seconds() // 60)
        return [
            ("failed", _("nicht zustellbar")),
            ("late", _("wartet seit über %(minutes)s Minuten") % {"minutes": minutes}),
        ]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(status=OutboxEmail.Status.FAILED)
        if self.value() == "late":
            return queryset.late(timezone.now())
        return queryset


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = [DeliveryProblemFilter, "status", "topic"]
    search_fields = ["to", "subject"]
    readonly_fields = [*(f.name for f in OutboxEmail._meta.fields), "preview"]
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Text (wie er versendet wird)"))
    def preview(self, email: OutboxEmail) -> str:
        """A digest waiting for its worker has no body yet: show what the worker will render."""
        if email.body_text or not email.template:
            return email.body_text
        email.render()
        return email.body_text

    @admin.action(description=_("Erneut versenden"))
    def requeue(self, request, queryset):
        selected = queryset.count()
        requeued = requeue_emails(queryset)
        if requeued:
            messages.success(
                request,
                ngettext("%(n)s E-Mail wird erneut versendet.", "%(n)s E-Mails werden erneut versendet.", requeued)
                % {"n": requeued},
            )
        if selected > requeued:
            messages.warning(
                request,
                ngettext(
                    "%(n)s E-Mail übersprungen: schon versendet, oder ihr Zugangslink ist gelöscht "
                    "(Freigabe-Links an der Projektfreigabe neu senden).",
                    "%(n)s E-Mails übersprungen: schon versendet, oder ihr Zugangslink ist gelöscht "
                    "(Freigabe-Links an der Projektfreigabe neu senden).",
                    selected - requeued,
                )
                % {"n": selected - requeued},
            )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "message", "read_at"]
    # The message as the reader's language writes it, not its kind and parameters as JSON.
    fields = ["recipient", "message", "link", "created_at", "read_at"]
    readonly_fields = ["message"]
    list_filter = ["kind"]
    search_fields = ["=recipient__number", "recipient__memberships__user__email", "params", "legacy_text"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]

    @admin.display(description=_("Nachricht"))
    def message(self, notification: Notification) -> str:
        return notification.text
