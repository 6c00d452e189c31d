from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import AccessToken
from api.tokens import revoke_token


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Support sees every token (never its secret) and can revoke it."""

    list_display = [
        "name",
        "customer",
        "scope",
        "shown_part",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_from",
        "revoked_at",
    ]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["=customer__number", "customer__memberships__user__email", "name", "shown_part"]
    list_select_related = ["customer"]
    readonly_fields = [field.name for field in AccessToken._meta.fields if field.name != "token_hash"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Ausgewählte Tokens widerrufen"))
    def revoke(self, request, queryset):
        revoked = sum(revoke_token(token) for token in queryset)
        message = ngettext("%(n)s Token widerrufen.", "%(n)s Tokens widerrufen.", revoked) % {"n": revoked}
        self.message_user(request, message, messages.SUCCESS)
